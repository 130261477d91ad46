"""When no regimen is formed, the report says why: which usable drugs were not offered and
for what reason, or, when no candidate is usable, why each is not."""

from __future__ import annotations

import json

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report import to_json
from advisor.report.html import to_html
from advisor.report.layout import NO_REGIMEN
from advisor.report.markdown import to_markdown

# Dravet syndrome, planning a pregnancy on valproate, clobazam failed (stop 42's review):
# every other option the guideline gives is added to valproate, which she is to avoid
DRAVET_PLANNING = {
    "id": "NR-1", "age_years": 24, "weight_kg": 58, "sex": "female", "pregnancy": "planning",
    "seizure_types": ["generalized_tonic_clonic", "myoclonic"], "syndrome": "dravet",
    "genotypes": {"SCN1A": "loss_of_function"},
    "medication_history": [
        {"drug": "valproate", "outcome": "ongoing", "adequate": True, "duration_months": 60},
        {"drug": "clobazam", "outcome": "inefficacy", "adequate": True, "duration_months": 12}],
    "current_medications": ["valproate"]}


def test_usable_drugs_not_offered_are_named_with_the_reason(kb):
    res = consult(kb, validate_patient(kb, DRAVET_PLANNING))
    assert res.regimens == []
    why = res.no_regimen
    assert why is not None and why.startswith("No regimen could be suggested, though ")
    for text in ("stiripentol", "fenfluramine", "a labelled dose and no 'avoid' flag",
                 "alone are not among the drugs the guideline names for Dravet syndrome",
                 "are not given alone for this patient",
                 "valproate, which they would be added to, has an 'avoid' flag",
                 "ranked only once 2 adequate trials have failed (1 so far)",
                 "Decide the treatment with the specialist"):
        assert text in why, text
    assert "valproate and" not in why.split(":")[0]  # valproate itself is not called usable
    assert NO_REGIMEN not in to_markdown(res) and why in to_markdown(res)
    assert why.replace("'", "&#39;") in to_html(res)
    assert json.loads(to_json(res))["no_regimen"] == why


NEWBORN = {"age_years": 0.027, "weight_kg": 3.5, "seizure_types": ["neonatal_seizures"]}
WHY = "No regimen could be suggested: of the candidate drugs for this patient, "


def test_no_usable_candidate_names_each_reason(kb):
    """The general text ('each lacks a labelled dose, has an avoid flag or does not fit')
    was false for a newborn whose only candidate, phenobarbital, is taken now and failed:
    it has a labelled dose and no 'avoid' flag. Each candidate's own reason is given."""
    dress = {**NEWBORN, "adverse_reactions": [{"drug": "phenobarbital", "reaction": "dress"}]}
    res = consult(kb, validate_patient(kb, dress))
    assert res.regimens == []
    assert res.no_regimen == WHY + "phenobarbital has an 'avoid' flag. " \
        "Decide the treatment with the specialist (see Flags and the advice)."
    assert NO_REGIMEN not in to_markdown(res) and res.no_regimen in to_markdown(res)

    failing = {**NEWBORN, "current_medications": ["phenobarbital"], "medication_history": [
        {"drug": "phenobarbital", "outcome": "inefficacy", "adequate": True,
         "duration_months": 0.5}]}
    res = consult(kb, validate_patient(kb, failing))
    assert res.regimens == []
    assert res.no_regimen.startswith(
        WHY + "phenobarbital is taken now and its adequate trial failed.")
    assert "labelled dose" not in res.no_regimen and "'avoid'" not in res.no_regimen
    assert res.no_regimen.replace("'", "&#39;") in to_html(res)

    both = {**failing, "current_medications": ["levetiracetam"], "medication_history": [
        {**failing["medication_history"][0], "drug": "levetiracetam"}],
        "adverse_reactions": dress["adverse_reactions"]}
    res = consult(kb, validate_patient(kb, both))
    assert res.regimens == []
    assert res.no_regimen.startswith(WHY + "phenobarbital has an 'avoid' flag; levetiracetam "
                                     "is taken now and its adequate trial failed.")


def test_no_reason_when_a_regimen_is_formed(kb):
    """On phenobarbital, not failed: the current treatment is the regimen, and no reason
    for 'no regimen' is given (the options to add were none, yet a regimen stands)."""
    ongoing = {**NEWBORN, "current_medications": ["phenobarbital"], "medication_history": [
        {"drug": "phenobarbital", "outcome": "ongoing", "adequate": True,
         "duration_months": 0.5}]}
    res = consult(kb, validate_patient(kb, ongoing))
    assert [r.drugs for r in res.regimens] == [["phenobarbital"]]
    assert res.no_regimen is None
    assert json.loads(to_json(res))["no_regimen"] is None
