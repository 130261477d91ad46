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
