"""A start the label gives other than as one amount a day is shown in its words beside the
daily average: lamotrigine with valproate starts at '25 mg every other day' (12.5 mg/day),
in the dose row, the regimen's plan and the report; a start a liver statement lowers is no
longer that, and loses the words."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report import render


def _lamotrigine(kb, **extra):
    res = consult(kb, validate_patient(kb, {
        "id": "ltg", "sex": "male", "age_years": 30, "weight_kg": 70,
        "seizure_types": ["focal"], "current_medications": ["valproate"],
        "candidate_drugs": ["lamotrigine"], **extra}))
    dose = next(d for d in res.doses if d.drug == "lamotrigine")
    step = next(s for r in res.regimens for s in r.transition.steps
                if s.action == "add" and s.drug == "lamotrigine")
    return res, dose, step


def test_lamotrigine_with_valproate_starts_25_mg_every_other_day(kb):
    # valproate failed: lamotrigine, not continuing valproate, heads the summary
    res, dose, step = _lamotrigine(kb, medication_history=[{
        "drug": "valproate", "outcome": "inefficacy", "adequate": True, "duration_months": 12}])
    assert (dose.start_daily_mg, dose.start_as_given) == (12.5, "25 mg every other day")
    first = step.schedule[0]
    assert (first.weeks, first.daily_mg, first.as_given) == (
        "weeks 1-2", 12.5, "25 mg every other day")
    assert step.schedule[1].as_given is None
    text = render(res, "markdown", kb)
    assert "start 12.5 mg/day (25 mg every other day)" in text
    assert "weeks 1-2: 12.5 mg/day (25 mg every other day), weeks 3-4: 25 mg/day" in text
    assert "add lamotrigine at 12.5 mg/day (25 mg every other day, weeks 1-2)" in text


def test_a_lowered_start_loses_the_labels_words(kb):
    _, dose, step = _lamotrigine(kb, hepatic={"child_pugh": "B"})
    assert dose.start_daily_mg is not None and dose.start_daily_mg < 12.5
    assert dose.start_as_given is None
    assert step.schedule[0].as_given is None and step.schedule[0].daily_mg < 12.5
