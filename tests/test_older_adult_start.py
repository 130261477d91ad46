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
    assert step.schedule == [] and step.then is None
    assert step.notes[-1].startswith("The label says to start this patient lower than usual")
    assert step_line(step, {"valproate": dose}) == (
        "add valproate: start lower than the label's usual start (it gives no number); "
        "target 1000–2000 mg/day")


def test_a_40_year_old_keeps_the_labelled_start(kb):
    dose, step = _valproate(_consult(kb, 40))
    assert dose.start_daily_mg == 600 and dose.start_reduced is None
    assert step.schedule and step.schedule[0].daily_mg is not None
    assert "start_reduced" not in dose.model_dump(mode="json")
