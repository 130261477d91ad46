"""A drug started beside a current drug withdrawn promptly (its taper starts now) that
reaches its target only after that drug's longest taper is marked down (review AA M6)."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient

PATIENT = {"id": "AA11", "age_years": 52, "weight_kg": 70, "sex": "male",
           "seizure_types": ["generalized_tonic_clonic"],
           "syndrome": "generalized_tonic_clonic_alone", "hepatic": {"child_pugh": "B"},
           "conditions": ["hepatic_disease"], "current_medications": ["valproate"],
           "medication_history": [{"drug": "valproate", "outcome": "ongoing",
                                   "adequate": True, "duration_months": 120}],
           "candidate_drugs": ["levetiracetam", "lamotrigine"]}


def _scores(kb) -> dict[tuple[str, ...], float]:
    res = consult(kb, validate_patient(kb, PATIENT))
    return {tuple(r.drugs): r.score for r in res.regimens}


def test_slower_replacement_is_marked_down(kb, monkeypatch):
    """Lamotrigine's target (week 8) comes after valproate's longest taper (6 weeks):
    marked down by the weight; levetiracetam (target by week 5) is not."""
    weight = kb.regimens.weights.slower_than_prompt_taper
    assert weight < 0
    marked = _scores(kb)
    weights = kb.regimens.weights.model_copy(update={"slower_than_prompt_taper": 0})
    monkeypatch.setattr(kb, "regimens", kb.regimens.model_copy(update={"weights": weights}))
    plain = _scores(kb)
    assert marked[("lamotrigine",)] == plain[("lamotrigine",)] + weight
    assert marked[("levetiracetam",)] == plain[("levetiracetam",)]


def test_a_drug_started_beside_an_inducer_withdrawn_promptly_is_not_on_its_schedule(kb):
    """Carbamazepine beside Biktarvy is withdrawn promptly, its taper starting with the new
    drug: lamotrigine is dosed and titrated as without it (25 mg/day, not the inducer
    schedule's 50), as escalating faster than labelled raises its rash risk, and is then
    marked down as slower than the taper (review AB R2)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 38, "weight_kg": 72, "sex": "male", "seizure_types": ["focal"],
        "medication_history": [{"drug": "carbamazepine", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 10}],
        "current_medications": ["carbamazepine", "Biktarvy"],
        "candidate_drugs": ["lamotrigine", "lacosamide"]}))
    dose = next(d for d in res.doses if d.drug == "lamotrigine")
    assert dose.recommended_daily_mg == [225, 375] and dose.start_daily_mg == 25
    assert any("carbamazepine is to be withdrawn promptly, its taper starting now" in b
               for b in dose.basis), dose.basis
    reg = next(r for r in res.regimens if r.drugs == ["lamotrigine"])
    step = next(s for s in reg.transition.steps if s.drug == "lamotrigine")
    assert step.schedule[0].daily_mg == 25 and step.target_daily_mg == [225, 375]
    assert any("Lamotrigine reaches its target dose in week 8 at the earliest" in w
               for w in reg.warnings), reg.warnings
