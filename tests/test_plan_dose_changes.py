"""What a plan says about the doses of the drugs it keeps or leaves: a drug the regimen keeps
whose dose must change when another is added (valproate added to lamotrigine) says so in its
own step, in every rendering and in the summary's first step (the plan said 'continue
lamotrigine' beside 'add valproate': review S H4); an interaction that needs no action says
nothing when it ends (review S M14); a withdrawal schedule for one drug comes only with it
(review S C2)."""

from __future__ import annotations

import pytest

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report import render
from advisor.report.formatting import step_line
from advisor.result import ContinueStep
from advisor.summary import summarize

BOY = {"id": "S13", "age_years": 13, "weight_kg": 38, "sex": "male",
       "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"],
       "medication_history": [
           {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
            "duration_months": 9},
           {"drug": "lamotrigine", "outcome": "inefficacy", "adequate": True,
            "duration_months": 10}],
       "current_medications": ["lamotrigine"]}


@pytest.fixture(scope="module")
def result(kb):
    return consult(kb, validate_patient(kb, BOY))


def _with_valproate(result):
    return next(r for r in result.regimens if sorted(r.drugs) == ["lamotrigine", "valproate"])


def test_the_kept_drug_step_gives_the_with_valproate_dose(result):
    reg = _with_valproate(result)
    kept = next(s for s in reg.transition.steps if isinstance(s, ContinueStep))
    assert kept.drug == "lamotrigine"
    assert kept.dose_change == "change to 100–200 mg/day (−50%) when valproate is started"
    assert "FDA-label-lamictal" in kept.evidence
    doses = {d.drug: d for d in result.doses}
    assert step_line(kept, doses) == (
        "continue lamotrigine: change to 100–200 mg/day (−50%) when valproate is started")
    assert "continue lamotrigine: change to 100–200 mg/day" in render(result, "markdown")


def test_a_kept_drug_without_a_change_is_only_continued(result):
    reg = next(r for r in result.regimens if "lamotrigine" in r.drugs
               and "valproate" not in r.drugs and r.kind == "add-on")
    kept = next(s for s in reg.transition.steps if isinstance(s, ContinueStep))
    assert kept.dose_change is None
    assert step_line(kept, {}) == "continue lamotrigine"


def test_the_summary_first_step_names_the_change(result, kb):
    reg = _with_valproate(result)
    top = result.model_copy(update={"regimens": [reg]})
    summary = summarize(top)
    assert summary.top_regimen.first_step.startswith("add valproate at ")
    assert summary.top_regimen.kept_changes == [
        "lamotrigine: change to 100–200 mg/day (−50%) when valproate is started"]
    from advisor.report.layout import summary_blocks

    top = top.model_copy(update={"summary": summary})
    line = next(x.text for b in summary_blocks(top) if b.key == "regimen" for x in b.lines
                if x.lead == "lamotrigine + valproate")
    # after valproate's target, so that the target does not read as lamotrigine's (T M7)
    assert "; target 760–1140 mg/day; lamotrigine: change to 100–200 mg/day" in line


def test_an_interaction_that_needs_no_action_says_nothing_when_it_ends(kb):
    """Lamotrigine withdrawn from a woman on a combined pill: its modest, info-only effect on
    levonorgestrel is not turned into 'exposure will rise as lamotrigine is withdrawn (its
    induction wears off)' (review S M14); carbamazepine's induction of the pill, which needs
    action, still is."""
    from advisor import transition

    patient = validate_patient(kb, {
        "age_years": 30, "weight_kg": 60, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"],
        "current_medications": ["lamotrigine", "carbamazepine", "combined_oral_contraceptive"]})
    plan = transition.plan(kb, patient, ["levetiracetam"], {})
    ended = {(c.removed, c.affected) for c in plan.interaction_changes}
    assert ("lamotrigine", "combined_oral_contraceptive") not in ended
    assert ("carbamazepine", "combined_oral_contraceptive") in ended


def test_a_withdrawal_schedule_for_one_drug_is_given_only_with_it(kb):
    """Valproate withdrawn: the lamotrigine label's conversion schedule is given when the plan
    starts lamotrigine, not when it starts levetiracetam (review S C2)."""
    from advisor import transition

    patient = validate_patient(kb, {
        "age_years": 30, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
        "current_medications": ["valproate"]})

    def notes(regimen):
        plan = transition.plan(kb, patient, regimen, {})
        return " ".join(n for s in plan.steps if s.drug == "valproate" for n in s.notes)

    conversion = "The lamotrigine label's conversion from valproate"
    assert conversion in notes(["lamotrigine"])
    assert conversion not in notes(["levetiracetam"])
    assert "labelled conversion regimens withdraw the old drug over 3-6 weeks" in notes(
        ["levetiracetam"])


def test_a_rise_for_an_inducer_builds_with_it(kb, result):
    """Phenobarbital added to lamotrigine: the kept drug is raised towards its labelled dose
    with phenobarbital as the induction builds, not changed at once when it starts (review
    T M7)."""
    from advisor import transition

    patient = validate_patient(kb, BOY)
    plan = transition.plan(kb, patient, ["lamotrigine", "phenobarbital"], {}, result.doses)
    kept = next(s for s in plan.steps if isinstance(s, ContinueStep))
    assert kept.dose_change == (
        "raise it towards 300–500 mg/day (+33.3%), its labelled dose with phenobarbital, as "
        "phenobarbital's effect builds (guided by levels and response)")


def test_valproate_withdrawn_from_beside_lamotrigine_gives_the_conversion_schedule(kb):
    """A woman of 28 planning a pregnancy on valproate and lamotrigine: valproate is
    withdrawn and lamotrigine continued; the withdrawal step gives the lamotrigine label's
    conversion schedule, as it does when lamotrigine is started (review V H3), once, and
    without a doubled full stop."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 28, "weight_kg": 66, "sex": "female", "pregnancy": "planning",
        "seizure_types": ["generalized_tonic_clonic"],
        "medication_history": [
            {"drug": "valproate", "outcome": "ongoing", "adequate": True, "duration_months": 60},
            {"drug": "lamotrigine", "outcome": "ongoing", "adequate": False,
             "duration_months": 6}],
        "current_medications": ["valproate", "lamotrigine"]}))
    first = res.regimens[0]
    assert first.kind == "continue" and first.drugs == ["lamotrigine"]
    step = next(s for s in first.transition.steps
                if s.action == "withdraw" and s.drug == "valproate")
    line = step_line(step, {d.drug: d for d in res.doses})
    assert line.count("The lamotrigine label's conversion from valproate") == 1, line
    assert ".;" not in line


def test_a_labelled_taper_step_as_large_as_the_dose_is_said_not_to_fit(kb):
    """Levetiracetam on haemodialysis (at most 1000 mg/day): the EU SmPC's step of 500 mg
    twice daily would stop it at once, and the plan says so (review Y M6); at usual kidney
    function it does not."""
    from advisor.consult import consult
    from advisor.inputs.patient import validate_patient
    from advisor.result import WithdrawStep

    def withdraw_notes(**extra):
        res = consult(kb, validate_patient(kb, {
            "age_years": 58, "weight_kg": 71, "sex": "male", "seizure_types": ["focal"],
            "current_medications": ["levetiracetam"],
            "medication_history": [{"drug": "levetiracetam", "outcome": "inefficacy",
                                    "adequate": True, "duration_months": 12}], **extra}))
        return [" ".join(s.notes) for r in res.regimens for s in r.transition.steps
                if isinstance(s, WithdrawStep) and s.drug == "levetiracetam"]

    said = ("At this patient's dose (at most 1000 mg/day, see the dose row) one such step "
            "would stop levetiracetam at once: taper in smaller steps")
    dialysis = withdraw_notes(renal={"dialysis": "haemodialysis"})
    assert dialysis and all(said in n for n in dialysis), dialysis
    assert not any(said in n for n in withdraw_notes())
