"""advisor.transition on the small knowledge base: the steps from today's drugs to a regimen
(continue, add with titration, withdraw with taper), the interactions that end as a drug is
withdrawn, the dose change a started drug requires in a kept one, and safety notes.

Schedules (see kb/drugs): testdrug_a from 18 years 100 mg weeks 1-2, 200 mg weeks 3-4, then
+100 mg every 1-2 weeks to 200-400; 2 to under 18 years 5 mg/kg weeks 1-2, 10 mg/kg week 3;
testdrug_b from 18 years 500 mg weeks 1-2, then +500 every 2 weeks to 1000-2000, and with
testdrug_c 250 mg weeks 1-2 to 500-1000; testdrug_c has no schedule and no taper.
"""

from __future__ import annotations

from advisor import transition
from advisor.dosing import recommend_doses
from advisor.frame import frame_from_patients
from advisor.result import (
    AddStep,
    ContinueStep,
    Dose,
    InteractionChange,
    ScheduleEntry,
    WithdrawStep,
)
from advisor.rules import evaluate
from tests.unit.helpers import ADULT, patient

NO_TAPER = ("No sourced taper in the knowledge base: withdraw gradually, as every ASM label "
            "advises (risk of more seizures and status epilepticus).")


def plan(kb, regimen: list[str], *, flags=None, doses=None, **fields):
    return transition.plan(kb, patient(kb, **{**ADULT, **fields}), regimen, flags or {}, doses)


def step(result, drug: str):
    return next(s for s in result.steps if s.drug == drug)


def test_current_drugs_are_continued_or_withdrawn_and_new_ones_added(small_kb):
    result = plan(small_kb, ["testdrug_b", "testdrug_c"],
                  current_medications=["testdrug_a", "testdrug_b"])
    assert [(type(s), s.drug) for s in result.steps] == [
        (ContinueStep, "testdrug_b"), (AddStep, "testdrug_c"), (WithdrawStep, "testdrug_a")]
    assert result.sequence == ["Add and titrate the new drug(s) first; start tapering "
                               "testdrug_a once the new drug reaches a therapeutic dose."]
    assert step(result, "testdrug_c").notes == [
        "No sourced titration schedule for this age and weight in the knowledge base: follow "
        "the product label."]


def test_two_drugs_to_withdraw_are_withdrawn_one_at_a_time(small_kb):
    """A substitution for a patient on two ASMs tapers them one after the other, as the
    knowledge base's several_withdrawals says, with its sources on each withdrawal (review K
    H4: three drugs, a benzodiazepine among them, were tapered together)."""
    result = plan(small_kb, ["testdrug_c"], current_medications=["testdrug_a", "testdrug_b"])
    assert result.sequence == [
        "Add and titrate the new drug(s) first; start tapering testdrug_a (the first of them) "
        "once the new drug reaches a therapeutic dose.",
        "Withdraw testdrug_a and testdrug_b one at a time (test)."]
    assert all("TEST-STUDY" in s.evidence for s in result.steps if isinstance(s, WithdrawStep))


def test_an_added_drug_follows_the_schedule_for_the_patients_age(small_kb):
    add = step(plan(small_kb, ["testdrug_a"]), "testdrug_a")
    assert add == AddStep(
        drug="testdrug_a",
        schedule=[ScheduleEntry(weeks="weeks 1-2", daily_mg=100),
                  ScheduleEntry(weeks="weeks 3-4", daily_mg=200)],
        then="increase by 100 mg/day every 1–2 weeks", target_daily_mg=[200, 400],
        evidence=["TEST-LABEL"])
    child = step(plan(small_kb, ["testdrug_a"], age_years=10, weight_kg=20), "testdrug_a")
    assert child.schedule == [
        ScheduleEntry(weeks="weeks 1-2", daily_mg_per_kg=5, daily_mg=100),
        ScheduleEntry(weeks="week 3", daily_mg_per_kg=10, daily_mg=200)]
    assert child.then is None and child.target_daily_mg is None
    unweighed = step(plan(small_kb, ["testdrug_a"], age_years=10, weight_kg=None), "testdrug_a")
    assert [s.daily_mg for s in unweighed.schedule] == [None, None]
    ageless = step(plan(small_kb, ["testdrug_a"], age_years=None), "testdrug_a")
    assert (ageless.schedule, ageless.notes) == (
        [], ["Age not given: titration schedules depend on age."])


def test_the_schedule_follows_the_co_medication_during_titration(small_kb):
    with_c = step(plan(small_kb, ["testdrug_b", "testdrug_c"]), "testdrug_b")
    assert with_c.schedule == [ScheduleEntry(weeks="weeks 1-2", daily_mg=250)]
    assert with_c.target_daily_mg == [500, 1000]
    assert with_c.notes == ["Schedule for patients taking testdrug_c."]
    alone = step(plan(small_kb, ["testdrug_b"]), "testdrug_b")
    assert alone.schedule == [ScheduleEntry(weeks="weeks 1-2", daily_mg=500)]
    assert alone.then == "increase by 500 mg/day every 2 weeks"
    # a drug being withdrawn is still taken while the new one is titrated
    switch = step(plan(small_kb, ["testdrug_b"], current_medications=["testdrug_c"]),
                  "testdrug_b")
    assert switch.target_daily_mg == [500, 1000]


def test_a_withdrawn_drug_is_tapered_as_its_file_says(small_kb):
    result = plan(small_kb, ["testdrug_d"],
                  current_medications=["testdrug_a", "testdrug_b", "testdrug_c"])
    assert step(result, "testdrug_a") == WithdrawStep(
        drug="testdrug_a", notes=["Taper over 4–8 weeks; never stop abruptly.",
                                  "TEST: lower by 100 mg/day each week."],
        evidence=["TEST-LABEL", "TEST-STUDY"],  # its own taper, then several_withdrawals
        taper_weeks=[4, 8], never_abrupt=True,
        reason="TEST: stopping at once may provoke seizures.")
    b = step(result, "testdrug_b")
    assert (b.notes, b.taper_weeks, b.never_abrupt) == (["Taper over 2 weeks."], [2, 2], False)
    c = step(result, "testdrug_c")  # no withdrawal block: never abruptly, without a number
    assert (c.notes, c.taper_weeks, c.never_abrupt) == ([NO_TAPER], None, True)


def test_interactions_that_end_with_a_withdrawn_drug(small_kb):
    # the interaction's own statement, filled in
    result = plan(small_kb, ["testdrug_b"], current_medications=["testdrug_a",
                                                                 "test_contraceptive"])
    assert result.interaction_changes == [
        InteractionChange(
            removed="testdrug_a", affected="testdrug_b",
            interaction="testdrug-a-lowers-testdrug-b",
            # 'may': the interaction's evidence is low (review L M8: not stated as a fact)
            change="testdrug_b levels may rise as testdrug_a is withdrawn (its induction wears "
                   "off over weeks): watch for toxicity and review the testdrug_b dose, guided "
                   "by levels or effect.", evidence=["TEST-STUDY"]),
        InteractionChange(
            removed="testdrug_a", affected="test_contraceptive",
            interaction="testdrug-a-lowers-test-contraceptive",
            change="TEST: test_contraceptive works again some weeks after testdrug_a is "
                   "stopped.", evidence=["TEST-LABEL"])]


def test_the_end_of_an_interaction_follows_its_recorded_direction(small_kb):
    """The withdrawal sentence is the opposite of the interaction's own direction, never one
    guessed from the perpetrator's other effects (review K H5: valproate, an inhibitor, was
    said to leave warfarin needing a higher dose; oxcarbazepine, an inducer, to leave
    phenytoin rising)."""
    result = plan(small_kb, ["testdrug_a"], current_medications=["testdrug_a", "testdrug_c"])
    assert [c.change for c in result.interaction_changes] == [
        "testdrug_a levels will fall as testdrug_c is withdrawn: testdrug_a may need a higher "
        "dose; check levels and effect."]


def test_no_interaction_change_for_a_partner_that_is_withdrawn_too(small_kb):
    # testdrug_c raises testdrug_a, but testdrug_a goes as well
    result = plan(small_kb, ["testdrug_b"], current_medications=["testdrug_a", "testdrug_c"])
    assert [(c.removed, c.affected) for c in result.interaction_changes] == [
        ("testdrug_a", "testdrug_b")]


def test_an_add_step_says_how_a_kept_drug_changes_when_it_starts(small_kb):
    p = patient(small_kb, **ADULT, current_medications=["testdrug_a"])
    frame = frame_from_patients(small_kb, [p])
    flags = evaluate(small_kb, frame)
    doses = recommend_doses(small_kb, frame, flags, 0)
    result = transition.plan(small_kb, p, ["testdrug_a", "testdrug_c"],
                             transition.flags_by_drug(flags), doses)
    add = step(result, "testdrug_c")
    assert add.notes == [
        "No sourced titration schedule for this age and weight in the knowledge base: follow "
        "the product label.",
        "Start at 100 mg/day (the testdrug_c dose row's labelled start) and increase by "
        "response and tolerability up to the target, as the product label directs.",
        "Starting testdrug_c: change testdrug_a to 150–300 mg/day (−25%) - interaction "
        "testdrug-c-raises-testdrug-a: TEST: lower testdrug_a by a quarter."]
    assert [(e.weeks, e.daily_mg) for e in add.schedule] == [("start", 100)]
    assert add.evidence == ["TEST-STUDY"]
    assert step(result, "testdrug_a") == ContinueStep(
        drug="testdrug_a", evidence=["TEST-STUDY"],
        dose_change="change to 150–300 mg/day (−25%) when testdrug_c is started")


def test_an_add_step_is_titrated_cautiously_under_a_dose_flag(small_kb):
    # testdrug_c is taken: testdrug_a, added, carries the interaction's reduce_dose flag
    p = patient(small_kb, **ADULT, current_medications=["testdrug_c"])
    flags = transition.flags_by_drug(evaluate(small_kb, frame_from_patients(small_kb, [p])))
    add = step(transition.plan(small_kb, p, ["testdrug_c", "testdrug_a"], flags), "testdrug_a")
    assert add.notes == [
        "Titrate cautiously (flag): testdrug_c + testdrug_a: TEST: testdrug_c inhibits TESTENZ. "
        "Magnitude: TEST: testdrug_a exposure +33%. Management: TEST: lower testdrug_a by a "
        "quarter."]


def test_safety_notes_apply_by_sex_and_age(small_kb):
    def notes(**fields) -> list[str]:
        p = patient(small_kb, **{**ADULT, **fields})
        return [n.text for n in transition.safety_notes(small_kb, p, ["testdrug_a",
                                                                      "testdrug_d"])]

    text = "TEST: testdrug_d is teratogenic; counsel before use."
    assert notes(sex="female") == [text]
    assert notes(sex="female", age_years=50) == [text]  # the range is inclusive
    assert notes(sex="female", age_years=51) == []
    assert notes(sex="male") == []
    assert notes(sex=None) == [text]  # unknown sex: it may apply
    woman = patient(small_kb, **{**ADULT, "sex": "female"})
    note = transition.safety_notes(small_kb, woman, ["testdrug_d"])[0]
    assert (note.drug, note.topic, note.evidence, note.evidence_level) == (
        "testdrug_d", "pregnancy", ["TEST-LABEL"], "high")


def _dose(recommended: list[float], **fields) -> Dose:
    return Dose(drug="testdrug_a", standard_daily_mg=[200, 400],
                recommended_daily_mg=recommended, adjustment_percent=None, **fields)


def test_a_liver_or_kidney_cut_of_the_titration_scales_every_step(small_kb):
    add = step(plan(small_kb, ["testdrug_a"], doses=[
        _dose([50, 100], start_daily_mg=25, titration_percent=-75)]), "testdrug_a")
    assert add.schedule == [ScheduleEntry(weeks="weeks 1-2", daily_mg=25),
                            ScheduleEntry(weeks="weeks 3-4", daily_mg=50)]
    assert add.then == "increase by 25 mg/day every 1–2 weeks"
    assert add.target_daily_mg == [50, 100]
    assert add.notes[0] == ("Starting and escalation doses 75% lower (a kidney, liver or genotype "
                            "statement: see the testdrug_a dose row).")


def test_no_further_increase_that_overshoots_the_target(small_kb):
    add = step(plan(small_kb, ["testdrug_a"], doses=[_dose([200, 250])]), "testdrug_a")
    assert [s.daily_mg for s in add.schedule] == [100, 200]  # 200 + 100 > 250
    assert add.then is None
    assert add.notes == ["The label's titration goes above this patient's dose "
                         "(200–250 mg/day): titrate only up to it."]
    roomy = step(plan(small_kb, ["testdrug_a"], doses=[_dose([200, 400])]), "testdrug_a")
    assert roomy.then == "increase by 100 mg/day every 1–2 weeks"
