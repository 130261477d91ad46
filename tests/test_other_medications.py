"""Drugs outside the knowledge base (other_medications): accepted as written, never mistaken
for a known drug, and shown in every report as not checked for interactions, so that the
absence of an interaction flag is never read as 'no interaction'."""

from __future__ import annotations

import json

import pytest

from advisor.consult import consult
from advisor.errors import InputError
from advisor.inputs.patient import validate_patient
from advisor.report import render
from advisor.report.layout import summary_blocks

BASE = {"id": "OM-1", "age_years": 58, "weight_kg": 70, "sex": "male",
        "seizure_types": ["focal"], "current_medications": ["carbamazepine"]}


def _result(kb, **fields):
    return consult(kb, validate_patient(kb, {**BASE, **fields}))


def test_kept_as_written_once_each(kb):
    patient = validate_patient(kb, {**BASE, "other_medications": [
        "levothyroxine", " Atorvastatin ", "atorvastatin", "HIV  pre-exposure prophylaxis"]})
    assert patient.other_medications == ["levothyroxine", "Atorvastatin",
                                         "HIV pre-exposure prophylaxis"]
    assert patient.current_medications == ["carbamazepine"]


@pytest.mark.parametrize(("name", "said"), [
    ("Tegretol", "carbamazepine is in the knowledge base: list it under current_medications"),
    ("warfarin", "warfarin is in the knowledge base: list it under current_medications"),
    ("carbamazapine", "looks like 'carbamazepine', which is in the knowledge base"),
])
def test_a_known_drug_or_near_spelling_is_refused(kb, name, said):
    with pytest.raises(InputError) as err:
        validate_patient(kb, {**BASE, "other_medications": ["levothyroxine", name]})
    assert err.value.field == "other_medications.1" and said in str(err.value)
    assert repr(name) in str(err.value)


def test_unknown_current_medication_points_to_other_medications(kb):
    with pytest.raises(InputError) as err:
        validate_patient(kb, {**BASE, "current_medications": ["carbamazepine", "levothyroxine"]})
    assert err.value.field == "current_medications.1"
    assert "goes under other_medications" in str(err.value)


def test_empty_name_is_refused(kb):
    with pytest.raises(InputError) as err:
        validate_patient(kb, {**BASE, "other_medications": [""]})
    assert err.value.field.startswith("other_medications.0")


def test_result_and_summary_list_them(kb):
    res = _result(kb, other_medications=["levothyroxine", "Atorvastatin"])
    assert res.unchecked_medications == ["levothyroxine", "Atorvastatin"]
    assert res.summary.patient.other_medications == ["levothyroxine", "Atorvastatin"]
    monitor = next(b for b in summary_blocks(res) if b.key == "monitor")
    assert monitor.headline.endswith("; not checked: levothyroxine, Atorvastatin")
    line = monitor.lines[-1]
    assert line.lead == "Not checked" and "no interaction with them was checked" in line.text
    # the flags are those of the patient without them: nothing is inferred about them
    assert res.flags == _result(kb).flags


def test_no_other_medications_no_line(kb):
    res = _result(kb)
    assert res.unchecked_medications == []
    assert "not checked" not in next(b for b in summary_blocks(res)
                                     if b.key == "monitor").headline


@pytest.mark.parametrize("fmt", ["markdown", "html", "json"])
def test_every_format_says_not_checked(kb, fmt):
    res = _result(kb, other_medications=["levothyroxine"])
    text = render(res, fmt, kb)
    if fmt == "json":
        assert json.loads(text)["unchecked_medications"] == ["levothyroxine"]
        return
    assert "levothyroxine (outside the knowledge base)" in text
    assert "levothyroxine: outside the knowledge base, so no interaction with them was checked" \
        in text


def test_patient_line_keeps_names_as_written(kb):
    text = render(_result(kb, other_medications=["HIV PrEP"]), "markdown", kb)
    assert "Male, 58 years, 70 kg; focal-onset seizures; taking carbamazepine; also HIV PrEP " \
        "(outside the knowledge base)." in text
    alone = render(_result(kb, current_medications=[], other_medications=["HIV PrEP"]),
                   "markdown", kb)
    assert "taking HIV PrEP (outside the knowledge base)." in alone


def test_a_known_co_medication_without_an_interaction_in_play_is_checked_in_part(kb):
    """Fluvoxamine is in the knowledge base for its interactions with carbamazepine,
    phenytoin, fenfluramine and some benzodiazepines only: beside lamotrigine, nothing is
    flagged, and the summary says it was checked only for those (a pharmacist review read
    the silence as 'screened')."""
    known = ["carbamazepine", "clobazam", "clonazepam", "diazepam", "fenfluramine",
             "fosphenytoin", "midazolam", "phenytoin"]
    res = _result(kb, current_medications=["lamotrigine", "fluvoxamine"],
                  candidate_drugs=["lamotrigine"])
    assert res.partly_checked_medications == {"fluvoxamine": known}
    assert res.summary.partly_checked_medications == {"fluvoxamine": known}
    offered = res.partly_checked_not_against["fluvoxamine"]
    assert offered[0] == "lamotrigine"
    assert set(offered) == ({d for r in res.regimens for d in r.drugs} | {"lamotrigine"}
                            ) - set(known)  # (carbamazepine, in a regimen, is paired)
    monitor = next(b for b in summary_blocks(res) if b.key == "monitor")
    assert "checked in part: fluvoxamine" in monitor.headline
    line = next(x for x in monitor.lines if x.lead == "Checked in part")
    assert (f"(fluvoxamine with {', '.join(known[:-1])} and {known[-1]} only, not with "
            "lamotrigine, ") in line.text
    assert "among the drugs in play or offered)" in line.text
    assert "no proof that there is none" in line.text
    assert json.loads(render(res, "json", kb))["partly_checked_medications"] == {
        "fluvoxamine": known}
    # with one of them in play (clobazam asked about), that interaction is flagged, and
    # clobazam is not among the drugs said not to be checked against fluvoxamine
    asked = _result(kb, current_medications=["lamotrigine", "fluvoxamine"],
                    candidate_drugs=["clobazam"])
    assert "clobazam" not in asked.partly_checked_not_against["fluvoxamine"]
    assert any(f.drug == "clobazam" and f.interacting_drug == "fluvoxamine"
               for f in asked.flags)


def test_a_co_medication_paired_with_one_drug_in_play_is_still_checked_in_part(kb):
    """Clozapine is known for valproate and the inducers only: beside valproate it is
    flagged, and the lamotrigine and levetiracetam offered beside it were not checked
    against it, which the summary says (review Z R2: the line had gone once valproate's
    pairing was recorded)."""
    res = _result(kb, age_years=32, seizure_types=["generalized_tonic_clonic"],
                  current_medications=["valproate", "clozapine"],
                  medication_history=[{"drug": "valproate", "outcome": "ongoing"}],
                  candidate_drugs=["lamotrigine", "levetiracetam"])
    assert any(f.drug == "valproate" and f.interacting_drug == "clozapine" for f in res.flags)
    assert "valproate" in res.partly_checked_medications["clozapine"]
    unpaired = res.partly_checked_not_against["clozapine"]
    assert {"lamotrigine", "levetiracetam"} <= set(unpaired)
    assert "valproate" not in unpaired
    text = render(res, "markdown", kb)
    assert "checked in part: clozapine" in text
    assert "primidone and valproate only, not with lamotrigine" in text


def test_a_co_medication_with_an_interaction_in_play_is_not_checked_in_part(kb):
    """Warfarin beside carbamazepine: their interaction is recorded (and flagged), so the
    summary does not name carbamazepine among the drugs not checked against warfarin."""
    res = _result(kb, current_medications=["carbamazepine", "warfarin"])
    assert "carbamazepine" not in res.partly_checked_not_against.get("warfarin", [])
    assert not set(res.partly_checked_not_against.get("warfarin", [])) & \
        kb.interaction_partners["warfarin"]
    assert any({f.drug, f.interacting_drug} == {"carbamazepine", "warfarin"}
               for f in res.flags)


def test_two_co_medications_are_said_not_to_be_checked_against_each_other(kb):
    """Biktarvy with rifampicin: the knowledge base records interactions with antiseizure
    medications only, so the pair is not checked, and every report says so (review I M7)."""
    res = _result(kb, current_medications=["lamotrigine", "Biktarvy", "rifampicin"])
    assert res.co_medications_not_checked_together == ["bictegravir", "rifampicin"]
    assert "co-medications not checked against each other" in render(res, "markdown")
    monitor = next(b for b in summary_blocks(res) if b.key == "monitor")
    assert any(line.lead == "Not checked together" and line.text.startswith(
        "bictegravir, rifampicin: the knowledge base records interactions with antiseizure "
        "medications only") for line in monitor.lines), monitor.lines
    assert json.loads(render(res, "json"))["co_medications_not_checked_together"] == [
        "bictegravir", "rifampicin"]
    one = _result(kb, current_medications=["lamotrigine", "rifampicin"])
    assert one.co_medications_not_checked_together == []
    assert "not checked against each other" not in render(one, "markdown")
