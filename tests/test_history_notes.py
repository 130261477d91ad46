"""A serious reaction written only in a medication-history note is never left unjudged: the
note is refused, naming the field and the words found, until the reaction is recorded under
adverse_reactions, where it is judged with the drugs that cross-react (review K H1)."""

from __future__ import annotations

import pytest

from advisor.consult import consult
from advisor.errors import InputError
from advisor.inputs.patient import validate_patient
from advisor.report import render

BASE = {"id": "HN-1", "age_years": 36, "weight_kg": 58, "sex": "female",
        "seizure_types": ["focal"], "current_medications": ["levetiracetam"]}


def _history(drug: str, note: str) -> list[dict]:
    return [{"drug": drug, "outcome": "intolerance", "adequate": False,
             "duration_months": 0.5, "note": note},
            {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
             "duration_months": 9}]


@pytest.mark.parametrize(("drug", "note", "words", "reaction"), [
    ("carbamazepine", "Stevens-Johnson syndrome / TEN, ICU 2019", "Stevens-Johnson", "sjs_ten"),
    ("Tegretol", "DRESS after 5 weeks", "DRESS", "dress"),
    ("Lamictal", "rash", "rash", "hypersensitivity_rash"),
    ("oxcarbazepine", "Hyponatremia 118 mmol/L", "Hyponatremia", "hyponatraemia"),
])
def test_a_reaction_only_in_the_note_is_refused(kb, drug, note, words, reaction):
    with pytest.raises(InputError) as err:
        validate_patient(kb, {**BASE, "medication_history": _history(drug, note)})
    assert err.value.field == "medication_history.0.note" and err.value.value == note
    canonical = kb.resolve_drug(drug)
    assert f"names a reaction ({words!r}" in str(err.value)
    assert f"add {{drug: {canonical}, reaction: {reaction}}}" in str(err.value)


def test_recorded_under_adverse_reactions_it_is_judged(kb):
    patient = validate_patient(kb, {
        **BASE, "medication_history": _history("carbamazepine", "SJS/TEN, ICU 2019"),
        "adverse_reactions": [{"drug": "carbamazepine", "reaction": "sjs_ten"}]})
    res = consult(kb, patient)
    avoid = {f.drug for f in res.flags if f.action == "avoid"}
    assert {"carbamazepine", "oxcarbazepine"} <= avoid
    assert not any("carbamazepine" in r.drugs for r in res.regimens)


@pytest.mark.parametrize("note", ["irritability", "wound dressing problems", "tired",
                                  "stopped after ten days"])
def test_a_note_naming_no_reaction_is_kept(kb, note):
    patient = validate_patient(kb, {**BASE, "medication_history": _history("topiramate", note)})
    assert patient.medication_history[0].note == note


def test_another_reaction_recorded_for_the_drug_does_not_hide_the_named_one(kb):
    """An SJS note beside a recorded hyponatraemia is still refused: the reaction it names is
    not recorded (review L H1)."""
    with pytest.raises(InputError) as err:
        validate_patient(kb, {**BASE, "medication_history": _history("carbamazepine", "SJS, ICU"),
                              "adverse_reactions": [{"drug": "carbamazepine",
                                                     "reaction": "hyponatraemia"}]})
    assert "(it records only hyponatraemia)" in str(err.value)
    assert "add {drug: carbamazepine, reaction: sjs_ten}" in str(err.value)


@pytest.mark.parametrize("note", ["titrated slowly, no rash", "no history of SJS",
                                  "without any rash", "chronic hepatitis B, LFTs normal"])
def test_a_reaction_the_note_says_did_not_happen_is_not_one(kb, note):
    patient = validate_patient(kb, {**BASE, "medication_history": _history("topiramate", note)})
    assert patient.medication_history[0].note == note


def test_a_note_naming_another_drugs_recorded_reaction_is_accepted(kb):
    """'started after the carbamazepine rash' on levetiracetam, with that rash recorded for
    carbamazepine, is not a reaction to levetiracetam (review L M1); naming a reaction the
    other drug does not have recorded (SJS) is still refused."""
    history = [{"drug": "carbamazepine", "outcome": "intolerance", "adequate": False,
                "duration_months": 1},
               {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
                "duration_months": 10, "note": "started after the Tegretol rash"}]
    rash = [{"drug": "carbamazepine", "reaction": "hypersensitivity_rash"}]
    patient = validate_patient(kb, {**BASE, "medication_history": history,
                                    "adverse_reactions": rash})
    assert [r.drug for r in patient.adverse_reactions] == ["carbamazepine"]
    for note in ["switched because of the rash on carbamazepine",
                 "started after the Tegretol rash; also helps her sleep"]:  # review O M1
        history[1]["note"] = note
        validate_patient(kb, {**BASE, "medication_history": history,
                              "adverse_reactions": rash})
    # a trial stopped for intolerance: the reaction its note names is likely why (review O H2)
    stopped = [history[0], {**history[1], "outcome": "intolerance", "adequate": False,
                            "note": "carbamazepine-induced rash during the cross-taper"}]
    with pytest.raises(InputError):
        validate_patient(kb, {**BASE, "medication_history": stopped,
                              "adverse_reactions": rash})
    # a reaction the other drug does not have recorded, or a mention not tied to it, is
    # still refused (review M H1: the note also described a rash to the drug itself)
    for note in ["started after the carbamazepine SJS",
                 "widespread rash at week 3, worse than her carbamazepine rash",
                 "rash again, as with the carbamazepine rash",
                 # review N H2: rewordings that still passed
                 "maculopapular rash after carbamazepine was cross-tapered to levetiracetam",
                 "carbamazepine like rash again at week 2, stopped",
                 "identical to her carbamazepine rash, with fever"]:
        history[1]["note"] = note
        with pytest.raises(InputError) as err:
            validate_patient(kb, {**BASE, "medication_history": history,
                                  "adverse_reactions": rash})
        assert err.value.field == "medication_history.1.note" and err.value.value == note


def test_a_trials_note_is_shown_where_the_trials_are_described(kb):
    """A note on a trial that did not end for intolerance was read by nothing and shown
    nowhere (review Y-M4: 'low mood and depression since starting' on the levetiracetam a
    woman is seizure-free on): the drug-resistance section gives it with the trial's line,
    in every report; the intolerance line names its note once, as before."""
    patient = validate_patient(kb, {
        **BASE, "medication_history": [
            {"drug": "topiramate", "outcome": "intolerance", "adequate": False,
             "duration_months": 2, "note": "word-finding problems"},
            {"drug": "levetiracetam", "outcome": "seizure_free", "adequate": True,
             "duration_months": 16, "seizure_free_months": 14,
             "note": "low mood and depression\n since starting <2023>"}]})
    res = consult(kb, patient)
    line = next(r for r in res.dre.reasons if r.startswith("levetiracetam:"))
    assert line.endswith(" Note in the medication history: low mood and depression since "
                         "starting <2023>.")
    assert sum("word-finding problems" in r for r in res.dre.reasons) == 1
    assert "Note in the medication history: low mood and depression since starting <2023>." \
        in render(res, "markdown")
    html = render(res, "html")
    assert "Note in the medication history: low mood and depression since starting " \
        "&lt;2023&gt;." in html and "<2023>" not in html
