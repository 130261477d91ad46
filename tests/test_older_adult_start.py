"""An older adult whose label says 'start lower' without a number (valproate, US label 8.5):
no adult start is shown as if it were theirs, in the dose row or in a regimen's plan."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report.formatting import step_line


def _consult(kb, age):
    return consult(kb, validate_patient(kb, {
        "id": f"vpa-{age}", "sex": "male", "age_years": age, "weight_kg": 70,
        "seizure_types": ["generalized_tonic_clonic"], "candidate_drugs": ["valproate"]}))


def _valproate(res):
    dose = next(d for d in res.doses if d.drug == "valproate")
    step = next(s for r in res.regimens if r.drugs == ["valproate"]
                for s in r.transition.steps if s.action == "add")
    return dose, step


def test_an_82_year_old_gets_no_adult_start_for_valproate(kb):
    dose, step = _valproate(_consult(kb, 82))
    assert dose.start_daily_mg is None and dose.start_reduced is True
    assert dose.recommended_daily_mg == [1000, 2000]
    assert ("start: lower than the usual adult start of 600 mg/day, by how much the label "
            "does not say") in dose.basis
    assert step.schedule == [] and step.then is None and step.start_lower is True
    assert step.notes[-1].startswith("The label says to start this patient lower than usual")
    # a CDS card offering it in place of an order says the same, not "start: see the label"
    from advisor.serve.cards import _start_text

    regimen = next(r for r in _consult(kb, 82).regimens if r.drugs == ["valproate"])
    assert _start_text(regimen, "valproate") == (
        "start below the label's usual start, by an amount the label does not give, to "
        "1000–2000 mg/day")
    assert step_line(step, {"valproate": dose}) == (
        "add valproate: start below the label's usual start, by an amount the label does not "
        "give; target 1000–2000 mg/day")


def test_a_40_year_old_keeps_the_labelled_start(kb):
    dose, step = _valproate(_consult(kb, 40))
    assert dose.start_daily_mg == 600 and dose.start_reduced is None
    assert step.schedule and step.schedule[0].daily_mg is not None and step.start_lower is None
    assert "start_reduced" not in dose.model_dump(mode="json")


def test_a_start_below_a_range_that_begins_at_the_start_lowers_the_range(kb):
    """Clobazam's UK adult band has no maintenance range: 20 mg/day is its start. An older
    adult starts at 5 mg/day (US label), so the range runs from 5, not from the younger
    adult's start, and no percentage is computed between the two; a man of 40 keeps
    20-60 mg/day."""
    def clobazam(age):
        res = consult(kb, validate_patient(kb, {
            "id": f"clb-{age}", "sex": "male", "age_years": age, "weight_kg": 70,
            "seizure_types": ["focal"], "current_medications": ["levetiracetam"],
            "candidate_drugs": ["clobazam"]}))
        return next(d for d in res.doses if d.drug == "clobazam")

    old, young = clobazam(70), clobazam(40)
    assert (old.start_daily_mg, old.recommended_daily_mg) == (5, [5, 40])
    assert old.adjustment_percent is None
    assert (young.start_daily_mg, young.recommended_daily_mg) == (20, [20, 60])
