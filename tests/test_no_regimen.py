"""When no regimen is formed, the report says why: that no candidate is usable only when
that is so; otherwise which usable drugs were not offered, and for what reason."""

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


def test_no_usable_candidate_keeps_the_general_reason(kb):
    newborn = {"age_years": 0.027, "weight_kg": 3.5, "seizure_types": ["neonatal_seizures"],
               "adverse_reactions": [{"drug": "phenobarbital", "reaction": "dress"}]}
    res = consult(kb, validate_patient(kb, newborn))
    assert res.regimens == [] and res.no_regimen is None
    assert NO_REGIMEN in to_markdown(res)
