"""Starting steps in the regimens' plans: the clobazam schedule of the patient's weight
band, clobazam never offered alone, and a labelled start shown where no schedule is
sourced (never a target alone)."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient


def _add_step(res, drug: str, kind: str | None = None):
    for reg in res.regimens:
        if kind is not None and reg.kind != kind:
            continue
        for step in reg.transition.steps:
            if step.drug == drug and step.action == "add":
                return step
    return None


def _lgs(kg: float) -> dict:
    return {"id": "L", "age_years": 12, "weight_kg": kg, "sex": "male",
            "syndrome": "lennox_gastaut", "seizure_types": ["tonic", "atonic"],
            "current_medications": ["valproate", "lamotrigine"],
            "candidate_drugs": ["clobazam"]}


def test_clobazam_titrates_by_the_patients_weight_band(kb):
    """Onfi label Table 1: 30 kg or less 5, 10, 20 mg/day; above 30 kg 10, 20, 40 mg/day."""
    light = _add_step(consult(kb, validate_patient(kb, _lgs(25))), "clobazam")
    heavy = _add_step(consult(kb, validate_patient(kb, _lgs(40))), "clobazam")
    assert [e.daily_mg for e in light.schedule] == [5, 10, 20]
    assert [e.daily_mg for e in heavy.schedule] == [10, 20, 40]


def test_clobazam_is_never_offered_alone(kb):
    """Every clobazam label band is adjunctive: a drug-naive child with absence epilepsy is
    not offered clobazam monotherapy."""
    patient = validate_patient(kb, {"id": "A", "age_years": 7, "weight_kg": 22, "sex": "female",
                                    "seizure_types": ["absence"],
                                    "syndrome": "childhood_absence"})
    alone = [r.drugs for r in consult(kb, patient).regimens if r.drugs == ["clobazam"]]
    assert alone == []


def test_a_labelled_start_is_shown_where_no_schedule_is_sourced(kb):
    """Clobazam for a girl of 15 with juvenile myoclonic epilepsy (UK band: start 5 mg/day,
    no schedule in the sources): the plan starts at 5 mg/day, not 'see the label'."""
    patient = validate_patient(kb, {"id": "J", "age_years": 15, "weight_kg": 48,
                                    "sex": "female", "syndrome": "juvenile_myoclonic",
                                    "seizure_types": ["myoclonic", "generalized_tonic_clonic"],
                                    "current_medications": ["levetiracetam"],
                                    "candidate_drugs": ["clobazam"]})
    step = _add_step(consult(kb, patient), "clobazam")
    assert step is not None
    assert [(e.weeks, e.daily_mg) for e in step.schedule] == [("start", 5)]
    assert any(n.startswith("Start at 5 mg/day (the clobazam dose row's labelled start)")
               for n in step.notes), step.notes


def test_two_new_drugs_start_one_at_a_time_partner_first(kb):
    """A regimen adding clobazam and cannabidiol (licensed in conjunction with clobazam in
    the EU/UK) starts clobazam first, and its plan says to start one new drug at a time."""
    patient = validate_patient(kb, {**_lgs(30), "age_years": 10,
                                    "candidate_drugs": ["clobazam", "cannabidiol"]})
    both = [r for r in consult(kb, patient).regimens
            if {"clobazam", "cannabidiol"} <= set(r.drugs)]
    assert both, "no regimen adds clobazam and cannabidiol"
    for reg in both:
        adds = [s.drug for s in reg.transition.steps if s.action == "add"]
        assert adds.index("clobazam") < adds.index("cannabidiol"), adds
        assert any(line.startswith("Start one new drug at a time, in this order: clobazam, "
                                   "then cannabidiol (cannabidiol is licensed in conjunction "
                                   "with clobazam in some labels)")
                   for line in reg.transition.sequence), reg.transition.sequence


def test_a_weight_based_step_under_one_tablet_says_so(kb):
    """Lamotrigine with valproate for a child of 12 kg: 0.15 mg/kg/day is 1.8 mg/day, less
    than the 2 mg tablet; the step says so instead of showing a bare per-kg figure beside
    the amounts of the other steps."""
    from advisor.report.formatting import step_line

    patient = validate_patient(kb, {"id": "T", "age_years": 2.5, "weight_kg": 12,
                                    "sex": "male", "syndrome": "lennox_gastaut",
                                    "seizure_types": ["tonic", "atonic"],
                                    "current_medications": ["valproate"],
                                    "candidate_drugs": ["lamotrigine"]})
    res = consult(kb, patient)
    step = _add_step(res, "lamotrigine")
    assert step is not None
    first = step.schedule[0]
    assert (first.daily_mg, first.daily_mg_per_kg) == (None, 0.15)
    assert first.as_given == ("under one 2 mg tablet a day: the label's schedule for small "
                              "children")
    line = step_line(step, {d.drug: d for d in res.doses})
    assert line.startswith("add lamotrigine: weeks 1-2: 0.15 mg/kg/day (under one 2 mg tablet")


def test_a_start_that_is_the_target_reads_as_one_dose(kb):
    """Valproate for a child of 13 kg: the under-20 kg band is 20 mg/kg/day, start and dose
    alike (260 mg/day); the plan says so once, not 'start: 260 mg/day; target 260 mg/day',
    and says that the usual dose is not a ceiling (review U M10)."""
    from advisor.report.formatting import step_line

    patient = validate_patient(kb, {"id": "V", "age_years": 3, "weight_kg": 13,
                                    "sex": "male", "seizure_types": ["myoclonic"],
                                    "syndrome": "dravet", "candidate_drugs": ["valproate"]})
    res = consult(kb, patient)
    step = _add_step(res, "valproate")
    assert step is not None
    line = step_line(step, {d.drug: d for d in res.doses})
    assert line == ("add valproate: 260 mg/day from the start (the labelled dose); it may be "
                    "raised, guided by response and levels, up to 780 mg/day (60 mg/kg/day) "
                    "(see the dose row)"), line
    dose = next(d for d in res.doses if d.drug == "valproate")
    assert "260 mg/day is the label's usual dose, not a ceiling: at most 780 mg/day " \
        "(60 mg/kg/day)" in " ".join(dose.basis)


def test_a_per_kg_dose_under_an_absolute_cap_is_not_called_no_ceiling(kb):
    """Stiripentol 50 mg/kg/day for a girl of 19 kg with Dravet syndrome: the label's 3000
    mg/day cap stops heavy children only; the row does not say that 950 mg/day may rise to
    3000 (review V H1), nor does the plan."""
    from advisor.report.formatting import step_line

    res = consult(kb, validate_patient(kb, {
        "id": "S", "age_years": 5, "weight_kg": 19, "sex": "female", "syndrome": "dravet",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic"],
        "current_medications": ["valproate", "clobazam"],
        "medication_history": [{"drug": "valproate", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 12}],
        "candidate_drugs": ["stiripentol", "fenfluramine"]}))
    for drug in ("stiripentol", "fenfluramine"):
        dose = next(d for d in res.doses if d.drug == drug)
        assert dose.may_rise_to is None, drug
        assert not any("not a ceiling" in b for b in dose.basis), drug
        step = _add_step(res, drug)
        if step is not None:
            assert "may be raised" not in step_line(step, {d.drug: d for d in res.doses})


def test_steps_that_stop_below_the_target_say_how_to_go_on(kb):
    """Oxcarbazepine added for a girl of 11 (38 kg) on levetiracetam: the label's one
    weight-based step (8 mg/kg/day) stops far below her add-on target (1200 mg/day); the plan
    says to go on to the target as the label directs, instead of jumping from week 1 to the
    target (the add-on regimen: alone, oxcarbazepine has no schedule at her age). Zonisamide
    for an adult, whose steps reach the target range, gets no such line."""
    from advisor.report.formatting import step_line

    def line(patient: dict, drug: str, kind: str | None = None) -> str:
        res = consult(kb, validate_patient(kb, {"id": "S", "seizure_types": ["focal"],
                                                "candidate_drugs": [drug], **patient}))
        return step_line(_add_step(res, drug, kind), {d.drug: d for d in res.doses})

    child = line({"age_years": 11, "weight_kg": 38, "sex": "female",
                  "current_medications": ["levetiracetam"], "medication_history": [
                      {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
                       "duration_months": 6}]}, "oxcarbazepine", "add-on")
    assert child == ("add oxcarbazepine: week 1: 304 mg/day; then increase to the target as "
                     "the label directs; target 1200 mg/day"), child
    adult = line({"age_years": 40, "weight_kg": 70, "sex": "male"}, "zonisamide")
    assert "as the label directs" not in adult, adult


def test_a_target_set_by_a_drug_being_withdrawn_says_it_holds_only_while_it_is_taken(kb):
    """Valproate replaced by lamotrigine: the plan titrates lamotrigine on the valproate
    schedule to 100-200 mg/day, the dose with valproate; that target is marked as holding
    while valproate is taken, in the JSON and in the report, and valproate's withdrawal step
    gives the label's conversion (lamotrigine raised to 500 mg/day once valproate stops,
    because lamotrigine levels fall), not 'lamotrigine rises as valproate falls'. Kept
    beside valproate (add-on), the same target has no such mark."""
    from advisor.report import render

    res = consult(kb, validate_patient(kb, {
        "id": "VL", "age_years": 35, "weight_kg": 70, "sex": "male",
        "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"],
        "current_medications": ["valproate"], "candidate_drugs": ["lamotrigine"]}))
    by_drugs = {tuple(r.drugs): r for r in res.regimens}
    alone = by_drugs[("lamotrigine",)].transition.steps
    add = next(s for s in alone if s.action == "add")
    assert (add.target_daily_mg, add.target_while) == ([100, 200], ["valproate"])
    withdraw = " ".join(next(s for s in alone if s.action == "withdraw").notes)
    assert "raises lamotrigine by 100 mg/day each week to 500 mg/day" in withdraw
    assert "lamotrigine rises as valproate falls" not in withdraw
    kept = next(s for s in by_drugs[("valproate", "lamotrigine")].transition.steps
                if s.action == "add")
    assert (kept.target_daily_mg, kept.target_while) == ([100, 200], None)
    assert ("target 100–200 mg/day while valproate is taken (once valproate is stopped, the "
            "labelled dose without it applies: see the withdrawal step)"
            in render(res, "markdown"))


def test_a_dose_that_may_rise_under_2_years_says_to_weigh_the_hepatotoxicity_caution(kb):
    """Valproate for a boy of 14 months (9.5 kg): 190 mg/day is not a ceiling, but the
    under-2 hepatotoxicity caution comes before any rise (review W M5); at 3 years there is
    no such caution."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 1.2, "weight_kg": 9.5, "sex": "male",
        "seizure_types": ["generalized_tonic_clonic"], "candidate_drugs": ["valproate"]}))
    basis = " ".join(next(d for d in res.doses if d.drug == "valproate").basis)
    assert ("190 mg/day is the label's usual dose, not a ceiling: at most 570 mg/day "
            "(60 mg/kg/day) (labelled maximum); before raising it, weigh its high-severity "
            "caution (child under 2 years: see the flag)") in basis, basis
    older = consult(kb, validate_patient(kb, {
        "age_years": 3, "weight_kg": 13, "sex": "male",
        "seizure_types": ["generalized_tonic_clonic"], "candidate_drugs": ["valproate"]}))
    basis = " ".join(next(d for d in older.doses if d.drug == "valproate").basis)
    assert "not a ceiling" in basis and "before raising it" not in basis


def test_stiripentol_row_and_plan_start_alike(kb):
    """Stiripentol for a girl of 4 (16 kg) with Dravet syndrome: the dose row's start is the
    EU SmPC's titrated start (20 mg/kg/day = 320 mg/day), as the plan's first week, not the
    US 50 mg/kg/day (review Y M9)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 4, "weight_kg": 16, "sex": "female", "syndrome": "dravet",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic"],
        "current_medications": ["valproate", "clobazam"],
        "medication_history": [{"drug": "valproate", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 12}],
        "candidate_drugs": ["stiripentol"]}))
    dose = next(d for d in res.doses if d.drug == "stiripentol")
    assert dose.start_daily_mg == 320 and dose.recommended_daily_mg == [800, 800]
    step = _add_step(res, "stiripentol")
    assert step is not None and step.schedule[0].daily_mg == 320


def test_infantile_spasms_vigabatrin_rises_every_3_days(kb):
    """Vigabatrin for a 6-month-old's spasms (7.6 kg): the label starts at 50 mg/kg/day and
    raises it by 25-50 mg/kg/day every 3 days; the plan says so, not 'week 1: 380 mg/day' as
    if the start were held for a week (review Y M15)."""
    from advisor.report.formatting import step_line

    res = consult(kb, validate_patient(kb, {
        "age_years": 0.5, "weight_kg": 7.6, "sex": "male",
        "seizure_types": ["epileptic_spasms"], "candidate_drugs": ["vigabatrin"]}))
    step = _add_step(res, "vigabatrin")
    assert step is not None
    line = step_line(step, {d.drug: d for d in res.doses})
    assert line.startswith("add vigabatrin: start: 380 mg/day; then increase by 25–50 "
                           "mg/kg/day (190–380 mg/day) every 3 days"), line


def test_an_increase_gives_one_amount_and_one_interval():
    import pytest
    from pydantic import ValidationError

    from advisor.schema import Increase

    assert Increase(daily_mg_per_kg=[25, 50], every_days=3).every_days == 3
    for bad in ({"daily_mg": 5, "daily_mg_per_kg": [1, 2], "every_days": 3},
                {"daily_mg": 5}, {"every_days": 3},
                {"daily_mg": 5, "every_days": 3, "every_weeks": [1, 2]}):
        with pytest.raises(ValidationError):
            Increase(**bad)


def test_a_range_and_steps_a_percentage_lowered_are_practical_amounts(kb):
    """Child-Pugh C lowers lamotrigine by 75%: the target is whole mg inside 56.25-93.75
    (57-93 mg/day, not '56.2-93.8') and each 12.5 mg increase is rounded down to whole
    tablets like the start (review Y C3)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 52, "sex": "male", "seizure_types": ["focal"],
        "hepatic": {"child_pugh": "C"}, "candidate_drugs": ["lamotrigine"]}))
    dose = next(d for d in res.doses if d.drug == "lamotrigine")
    assert dose.recommended_daily_mg == [57, 93]
    step = _add_step(res, "lamotrigine")
    assert step.then.startswith("increase by 12 mg/day every")
    assert "Each increase: 12.5 mg/day, rounded down to whole tablets: 12 mg/day." in step.notes
    assert [e.daily_mg for e in step.schedule][:2] == [6, 12]
