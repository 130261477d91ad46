"""A schedule a liver statement lowered keeps the label's pace: the plan and the summary say
in which week it first reaches the lowered target (review Y M8: lamotrigine in Child-Pugh C
cirrhosis, 6 mg/day at the start, ranked first with no word on the weeks before a target
dose); an unlowered schedule says nothing new."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report import render

REACHED = ", first reached in week {} at the earliest (the doses are lowered, not the pace)"


def _markdown(kb, **extra) -> str:
    return render(consult(kb, validate_patient(kb, {
        "age_years": 52, "weight_kg": 75, "sex": "male",
        "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"], **extra})), "markdown")


def test_child_pugh_c_lamotrigine_says_when_the_lowered_target_is_reached(kb):
    text = _markdown(kb, hepatic={"child_pugh": "C"}, renal={"egfr_ml_min": 75},
                     conditions=["hepatic_disease"])
    # 6, 12, then 12 mg/day more each week (12.5 in whole tablets): 24, 36, 48, 60 mg/day in
    # week 8, inside 57-93 (56.25-93.75 in whole mg)
    assert "target 57–93 mg/day" + REACHED.format(8) in text  # the Steps cell
    top = next(line for line in text.splitlines() if line.startswith("- **Top regimen**"))
    assert "add lamotrigine at 6 mg/day (weeks 1-2); target 57–93 mg/day" \
        + REACHED.format(8) in top


def test_child_pugh_b_and_normal_liver(kb):
    # 12.5 -> 12, 25, then 25 mg/day more each week: 50, 75, 100, 125 mg/day in week 8
    assert "target 113–187 mg/day" + REACHED.format(8) in _markdown(
        kb, hepatic={"child_pugh": "B"})
    assert "first reached in week" not in _markdown(kb)  # the label's own schedule
