"""A drug being withdrawn with a hypersensitivity reaction recorded to it is not kept until
the new drug is titrated: the plan says to stop it now if the reaction may be drug-related,
and the summary's top line too (review W H4: a rash on carbamazepine at week 5 was to be
tapered once the new drug reached a therapeutic dose); another reaction (hyponatraemia)
keeps the usual cross-taper."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report.formatting import transition_lines


def _boy(kb, reaction: str):
    return consult(kb, validate_patient(kb, {
        "age_years": 15, "weight_kg": 58, "sex": "male",
        "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"],
        "genotypes": {"HLA-A*31:01": "positive", "HLA-B*15:02": "negative"},
        "medication_history": [
            {"drug": "levetiracetam", "outcome": "intolerance", "adequate": False,
             "duration_months": 3},
            {"drug": "carbamazepine", "outcome": "intolerance", "adequate": False,
             "duration_months": 1.2}],
        "adverse_reactions": [{"drug": "carbamazepine", "reaction": reaction}],
        "current_medications": ["carbamazepine"],
        "candidate_drugs": ["lacosamide", "lamotrigine"]}))


def test_a_rash_on_the_drug_being_withdrawn_stops_it_now(kb):
    res = _boy(kb, "hypersensitivity_rash")
    top = res.regimens[0]
    assert "carbamazepine" not in top.drugs
    lines = transition_lines(top.transition, {d.drug: d for d in res.doses})
    assert lines[0].startswith("A hypersensitivity reaction to carbamazepine is recorded: do "
                               "not keep carbamazepine until the new drug reaches")
    assert not any(line.startswith("Add and titrate the new drug(s) first") for line in lines)
    assert any(line.startswith("withdraw carbamazepine: stop it now if the recorded "
                               "hypersensitivity reaction") for line in lines)
    first = res.summary.top_regimen.first_step
    assert "stop carbamazepine now" in first and "taper carbamazepine once" not in first


def test_another_reaction_keeps_the_cross_taper(kb):
    res = _boy(kb, "hyponatraemia")
    top = res.regimens[0]
    lines = transition_lines(top.transition, {d.drug: d for d in res.doses})
    assert any(line.startswith("Add and titrate the new drug(s) first") for line in lines)
    assert not any("stop it now" in line for line in lines)


def test_a_rash_on_lamotrigine_beside_valproate_stops_lamotrigine_alone(kb):
    """A rash with fever at week 4 of lamotrigine added to valproate: lamotrigine is stopped
    now, valproate is tapered after the new drug; no 'withdraw valproate and lamotrigine one
    at a time', and no lamotrigine change as valproate goes (review X H2)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 22, "weight_kg": 72, "sex": "male",
        "seizure_types": ["generalized_tonic_clonic"],
        "medication_history": [
            {"drug": "valproate", "outcome": "inefficacy", "adequate": True,
             "duration_months": 24},
            {"drug": "lamotrigine", "outcome": "intolerance", "adequate": False,
             "duration_months": 1}],
        "adverse_reactions": [{"drug": "lamotrigine", "reaction": "hypersensitivity_rash"}],
        "current_medications": ["valproate", "lamotrigine"],
        "candidate_drugs": ["levetiracetam"]}))
    top = res.regimens[0]
    lines = transition_lines(top.transition, {d.drug: d for d in res.doses})
    assert lines[0].startswith("A hypersensitivity reaction to lamotrigine is recorded")
    assert "Add and titrate the new drug(s) first; start tapering valproate once" in lines[1]
    assert not any("one at a time" in line for line in lines), lines
    assert not any(line.startswith("lamotrigine levels") or "lamotrigine may need" in line
                   for line in lines), lines
    assert "stop lamotrigine now if the recorded hypersensitivity reaction may be " \
        "drug-related and is recent" in res.summary.top_regimen.first_step


def test_a_new_drug_is_not_dosed_as_if_the_stopped_inducer_were_taken(kb):
    """DRESS on phenytoin at 80: phenytoin stops now, so lamotrigine starts on its schedule
    without an inducer (25 mg/day), not 50 mg/day, and its target is not the inducer range
    of the dose row (review X H3)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 80, "weight_kg": 55, "sex": "female", "seizure_types": ["focal"],
        "medication_history": [{"drug": "phenytoin", "outcome": "intolerance",
                                "adequate": False, "duration_months": 1.2}],
        "adverse_reactions": [{"drug": "phenytoin", "reaction": "dress"}],
        "current_medications": ["phenytoin"], "candidate_drugs": ["lamotrigine"]}))
    reg = next(r for r in res.regimens if r.drugs == ["lamotrigine"])
    step = next(s for s in reg.transition.steps if s.action == "add")
    assert step.schedule[0].daily_mg == 25, step.schedule
    assert step.target_daily_mg is None
    assert step.target_text.startswith("the label's dose without phenytoin")
    line = next(x for x in transition_lines(reg.transition, {d.drug: d for d in res.doses})
                if x.startswith("add lamotrigine"))
    assert "300–500" not in line and "target: the label's dose without phenytoin" in line
