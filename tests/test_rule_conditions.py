"""Rule conditions evaluated on small hand-built patients: named variants, current
medicines, any_of, an unknown pregnancy status, a missing age, an untested gene; and a
candidate's dose effect on a drug already taken, in its dose row and in the add step of a
regimen."""

from __future__ import annotations

import numpy as np

from advisor import transition
from advisor.consult import consult
from advisor.frame import frame_from_patients
from advisor.inputs.patient import validate_patient
from advisor.rules import evaluate, row_mask
from advisor.schema import Condition


def _frame(kb, *patients):
    return frame_from_patients(kb, [validate_patient(kb, p) for p in patients])


def _mask(kb, cond: dict, *patients) -> list[bool]:
    return row_mask(_frame(kb, *patients), Condition.model_validate(cond)).tolist()


def test_variant_in_matches_the_named_variant_only(kb):
    named = {"seizure_types": ["absence"], "genotypes": {"GABRG2": "R43Q"}}
    effect = {"seizure_types": ["absence"], "genotypes": {"GABRG2": "loss_of_function"}}
    other = {"seizure_types": ["absence"], "genotypes": {"GABRG2": "p.(Arg136*)"}}
    cond = {"gene": "GABRG2", "variant_in": ["p.(Arg43Gln)"]}
    assert _mask(kb, cond, named, effect, other, {"seizure_types": ["absence"]}) == [
        True, False, False, False]
    by_class = {"gene": "GABRG2", "value_in": ["loss_of_function"]}
    assert _mask(kb, by_class, named, effect, other) == [True, True, True]


def test_age_given_tells_a_missing_age_from_any_age(kb):
    """An unknown age matches no age band; ``age_given: false`` matches it alone."""
    aged = [{"seizure_types": ["focal"], "age_years": a} for a in (0.5, 30, 90)]
    unknown = {"seizure_types": ["focal"]}
    assert _mask(kb, {"age_given": False}, *aged, unknown) == [False, False, False, True]
    assert _mask(kb, {"age_given": True}, *aged, unknown) == [True, True, True, False]
    assert _mask(kb, {"age_years": {"from": 0}}, *aged, unknown) == [True, True, True, False]


def test_sex_given_tells_a_missing_sex_from_any_sex(kb):
    """An unknown sex matches no ``sex_in`` list; ``sex_given: false`` matches it alone."""
    sexed = [{"seizure_types": ["focal"], "sex": s} for s in ("female", "male", "other")]
    unknown = {"seizure_types": ["focal"]}
    assert _mask(kb, {"sex_given": False}, *sexed, unknown) == [False, False, False, True]
    assert _mask(kb, {"sex_given": True}, *sexed, unknown) == [True, True, True, False]
    assert _mask(kb, {"sex_in": ["female", "male", "other"]}, *sexed, unknown) == [
        True, True, True, False]


def test_a_missing_sex_does_not_silence_pregnancy_prevention(kb):
    """Valproate, topiramate and zonisamide for a patient of 30 (or of no age) whose sex is
    not given get the pregnancy-prevention caution with its own message; a man of 30 does
    not, and the ranking does not put valproate first for the patient of unknown sex."""
    def fired(patient: dict) -> set[tuple[str, str]]:
        flags = evaluate(kb, _frame(kb, patient))
        return {(f["drug"], f["rule"]) for f in flags.to_dict("records")
                if str(f["rule"]).endswith("-sex-not-given")}

    base = {"id": "S", "seizure_types": ["focal", "generalized_tonic_clonic"],
            "current_medications": ["valproate"], "weight_kg": 70}
    expected = {(d, f"{d}-sex-not-given") for d in ("valproate", "topiramate", "zonisamide")}
    assert fired({**base, "age_years": 30}) == expected
    assert fired(base) == expected
    assert fired({**base, "age_years": 60}) == set()
    assert fired({**base, "age_years": 9, "weight_kg": 28}) == {
        ("valproate", "valproate-young-child-sex-not-given")}
    assert fired({**base, "age_years": 30, "sex": "male"}) == set()
    res = consult(kb, validate_patient(kb, {**base, "age_years": 30}))
    assert res.regimens[0].drugs != ["valproate"], [r.drugs for r in res.regimens[:3]]
    man = consult(kb, validate_patient(kb, {**base, "age_years": 30, "sex": "male"}))
    assert "valproate" in man.regimens[0].drugs or any(
        "valproate" in r.drugs for r in man.regimens[:3])


def test_current_medicines_and_any_of(kb):
    on_vpa = {"seizure_types": ["focal"], "current_medications": ["valproate"]}
    on_cbz = {"seizure_types": ["focal"], "current_medications": ["carbamazepine"]}
    none = {"seizure_types": ["focal"], "syndrome": "dravet"}
    assert _mask(kb, {"taking_any": ["valproate", "phenytoin"]}, on_vpa, on_cbz, none) == [
        True, False, False]
    assert _mask(kb, {"not_taking_any": ["valproate"]}, on_vpa, on_cbz, none) == [
        False, True, True]
    either = {"any_of": [{"taking_any": ["carbamazepine"]}, {"syndromes_any": ["dravet"]}]}
    assert _mask(kb, either, on_vpa, on_cbz, none) == [False, True, True]


def test_unknown_pregnancy_status_matches_only_when_named(kb):
    given = {"seizure_types": ["focal"], "sex": "female", "pregnancy": "not_pregnant"}
    absent = {"seizure_types": ["focal"], "sex": "female"}
    pregnant = {"seizure_types": ["focal"], "sex": "female", "pregnancy": "pregnant"}
    assert _mask(kb, {"pregnancy_in": ["not_pregnant"]}, given, absent, pregnant) == [
        True, False, False]
    assert _mask(kb, {"pregnancy_in": ["not_pregnant", "unknown"]}, given, absent,
                 pregnant) == [True, True, False]


def test_untested_matches_the_patients_without_a_result(kb):
    negative = {"seizure_types": ["focal"], "genotypes": {"HLA-B*15:02": "negative"}}
    positive = {"seizure_types": ["focal"], "genotypes": {"HLA-B*15:02": "positive"}}
    absent = {"seizure_types": ["focal"]}
    cond = {"gene": "HLA-B*15:02", "value_in": ["untested"]}
    assert _mask(kb, cond, negative, absent, positive) == [False, True, False]
    assert _mask(kb, cond, absent, absent) == [True, True]  # no row has the key
    either = {"gene": "HLA-B*15:02", "value_in": ["positive", "untested"]}
    assert _mask(kb, either, negative, absent, positive) == [False, True, True]
    assert _mask(kb, {"gene": "HLA-B*15:02", "value_in": ["positive"]}, absent, absent) == [
        False, False]


def test_ever_taken_counts_current_medicines_and_history(kb):
    frame = _frame(
        kb,
        {"age_years": 30, "seizure_types": ["generalized_tonic_clonic"],
         "current_medications": ["valproate"]},
        {"age_years": 30, "seizure_types": ["generalized_tonic_clonic"],
         "medication_history": [{"drug": "valproate", "outcome": "intolerance"}]},
        {"age_years": 30, "seizure_types": ["generalized_tonic_clonic"],
         "candidate_drugs": ["valproate"]})
    flags = evaluate(kb, frame)
    hit = flags[(flags["rule"] == "valproate-under-55-first-start")]
    assert sorted(np.unique(hit["row"])) == [2]


def test_a_candidate_changes_the_dose_of_a_drug_already_taken(kb):
    patient = validate_patient(kb, {
        "age_years": 30, "weight_kg": 70, "seizure_types": ["focal"],
        "genotypes": {"HLA-B*15:02": "negative"}, "current_medications": ["phenytoin"],
        "candidate_drugs": ["felbamate"]})
    res = consult(kb, patient)
    phenytoin = next(d for d in res.doses if d.drug == "phenytoin")
    assert phenytoin.adjustment_percent == 0
    change = next(c for c in phenytoin.if_started if c.drug == "felbamate")
    assert change.adjustment_percent == -20
    assert change.recommended_daily_mg == [
        round(v * 0.8, 1) for v in phenytoin.recommended_daily_mg]
    felbamate_flags = [f for f in res.flags if f.drug == "felbamate"
                       and f.rule == "interaction:felbamate-raises-phenytoin"]
    assert felbamate_flags and all(f.action == "monitor" for f in felbamate_flags)
    flags = evaluate(kb, frame_from_patients(kb, [patient]))
    plan = transition.plan(kb, patient, ["phenytoin", "felbamate"],
                           transition.flags_by_drug(flags), res.doses)
    add = next(s for s in plan.steps if s.drug == "felbamate")
    assert any(n.startswith("Starting felbamate: change phenytoin to ") and "(−20%)" in n
               for n in add.notes)


def test_interaction_not_applied_alongside_its_exception(kb):
    both = validate_patient(kb, {
        "age_years": 30, "weight_kg": 70, "seizure_types": ["focal"],
        "genotypes": {"HLA-B*15:02": "negative", "HLA-A*31:01": "negative"},
        "current_medications": ["valproate", "carbamazepine"],
        "candidate_drugs": ["lamotrigine"]})
    inducer = both.model_copy(update={"current_medications": ["carbamazepine"]})
    with_vpa = {f.rule for f in consult(kb, both).flags if f.drug == "lamotrigine"}
    without = {f.rule for f in consult(kb, inducer).flags if f.drug == "lamotrigine"}
    assert "interaction:enzyme-inducers-lower-lamotrigine" in without
    assert "interaction:enzyme-inducers-lower-lamotrigine" not in with_vpa
    assert "interaction:valproate-raises-lamotrigine" in with_vpa
