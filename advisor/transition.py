"""How to get from today's drugs to a suggested regimen, and safety notes that apply.

For a regimen: which current ASMs stay, which are added (titration from the knowledge
base, the schedule chosen by the co-medication during titration) and which are withdrawn
(taper from the knowledge base, never abrupt where it says so), plus the interactions that
change as a drug is removed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from math import ceil
from typing import Any

import pandas as pd

from advisor.dosing import stopped_inducers
from advisor.inputs.patient import Patient
from advisor.knowledge import KnowledgeBase
from advisor.numbers import daily_mg, higher_lower, listing, number, signed_percent, weeks
from advisor.result import (
    AddStep,
    ContinueStep,
    Dose,
    InteractionChange,
    SafetyNote,
    ScheduleEntry,
    TransitionPlan,
    TransitionStep,
    WithdrawStep,
)
from advisor.rules import records
from advisor.schema import (
    Drug,
    Increase,
    Interaction,
    PromptWithdrawal,
    Titration,
    WholeTablets,
)
from advisor.vocabulary import SEVERE_REACTIONS


def _fmt(x: float) -> str:
    return f"{x:g}"


def choose_titration(drug: Drug, co_medications: set[str], patient: Patient,
                     ) -> Titration | None:
    """The schedule for the patient's age, weight, indication and co-medication: the first
    match for the co-medication, else the first for the indication, else the general one;
    none when the age (or a schedule's weight) is not known or no schedule covers it."""
    if patient.age_years is None:
        return None
    weight = patient.weight_kg
    options = [t for t in drug.dosing.titration if t.age_years.contains(patient.age_years)
               and (t.weight_kg is None or (weight is not None and t.weight_kg.contains(weight)))
               and (t.indication is None
                    or t.indication.applies_to(patient.seizure_types, patient.syndrome))]
    for tit in options:
        if tit.when_taking and co_medications & set(tit.when_taking):
            return tit
    general = [t for t in options if not t.when_taking]
    return next((t for t in general if t.indication is not None), None) or next(
        iter(general), None)


def _schedule(tit: Titration, weight: float | None, factor: float = 1.0,
              tablets: WholeTablets | None = None) -> tuple[list[ScheduleEntry], list[str]]:
    """The titration's steps and notes on them (``factor``: a kidney or liver statement that
    lowers the starting and escalation doses; ``tablets``: weight-based amounts, and amounts
    a statement lowered, are rounded down to whole tablets)."""
    steps, notes = [], []
    for st in tit.steps:
        weeks = (f"week {st.week_from}" if st.week_from == st.week_to
                 else f"weeks {st.week_from}-{st.week_to}")
        if st.daily_mg is not None:
            mg = round(st.daily_mg * factor, 2)
            if tablets is not None and factor != 1.0:
                if note := tablets.note(mg):
                    notes.append(f"{weeks}: {note}.")
                mg = tablets.round_down(mg)
            steps.append(ScheduleEntry(weeks=weeks, daily_mg=None if mg is None
                                       else round(mg, 1),
                                       as_given=st.as_given if factor == 1.0 else None))
            continue
        per_kg = st.daily_mg_per_kg * factor
        mg = round(per_kg * weight, 1) if weight else None
        below = None
        if mg is not None and tablets is not None:
            if note := tablets.note(mg):
                notes.append(f"{weeks}: {number(per_kg)} mg/kg/day = {note}.")
            if (mg := tablets.round_down(mg)) is None:
                below = (f"under one {number(min(tablets.strengths_mg))} mg tablet a day: "
                         "the label's schedule for small children")
        steps.append(ScheduleEntry(weeks=weeks, daily_mg_per_kg=round(per_kg, 3),
                                   daily_mg=mg, as_given=below or (
                                       st.as_given if factor == 1.0 else None)))
    return steps, notes


def flags_by_drug(flags: pd.DataFrame | None,
                  flag_records: list[dict[str, Any]] | None = None
                  ) -> dict[str, list[dict[str, Any]]]:
    """Flag records grouped by drug (computed once, used for every regimen's plan);
    ``flag_records``: the records of ``flags``, when the caller has them already (``flags``
    is then not read and may be None)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for flag in records(flags) if flag_records is None else flag_records:
        out.setdefault(flag["drug"], []).append(flag)
    return out


def _without_steps(step: AddStep, why: str) -> None:
    """No start, steps or target for this step, only ``why`` (the schedule the titration
    table gave is not this patient's, or there is no dose yet)."""
    step.target_daily_mg, step.schedule, step.then = None, [], None
    step.notes = [why]


def _to_dose(step: AddStep, dose: Dose | None, increment: float | None = None) -> None:
    """The target is the dose table's recommended range (it already holds the genotype,
    interaction, kidney and liver changes); schedule steps above its top are left out, and
    so is a further increase (``increment``, mg/day) that would overshoot it."""
    if dose is None:
        return
    rec = dose.recommended_daily_mg
    if dose.status == "needs_input":  # no dose yet, so no steps towards one either
        step.needs = dose.needs or "age and weight"
        _without_steps(step, f"No dose until the patient's {step.needs} is given: see the "
                       f"{step.drug} dose row.")
        return
    if dose.status == "no_labelled_dose":  # no schedule of another group's numbers either
        step.label_only = True
        _without_steps(step, "No dose for this patient in the knowledge base: choose the "
                       "start, steps and target with specialist advice and the current "
                       f"product label; see the {step.drug} dose row.")
        return
    if dose.no_target:  # a start and slow titration, no sourced target (review Y M5, M7)
        start = dose.start_daily_mg
        step.target_daily_mg, step.schedule = None, (
            [ScheduleEntry(weeks="week 1", daily_mg=start)] if start is not None else [])
        step.then = "increase slowly by response and tolerability"
        step.notes.append(f"No maintenance target for this patient: the usual target is not "
                          f"one here, and no source gives another; see the {step.drug} dose "
                          "row.")
        return
    if dose.status != "dosed" or rec is None:
        step.target_daily_mg = None
        step.notes.append(f"No automatic target dose for this patient: see the {step.drug} "
                          "dose row.")
        return
    step.target_daily_mg = list(rec)
    start = dose.start_daily_mg
    first = step.schedule[0].daily_mg if step.schedule else None
    by_response = "increase by response and tolerability"
    if not step.schedule and start is not None:
        step.schedule = [ScheduleEntry(weeks="start", daily_mg=start)]
        step.then = by_response if rec[1] > start + 1e-9 else None
        step.notes.append(f"Start at {number(start)} mg/day (the {step.drug} dose row's "
                          "labelled start) and increase by response and tolerability up to "
                          "the target, as the product label directs.")
        return
    if dose.start_reduced and start is None:
        step.schedule, step.then, step.start_lower = [], None, True
        step.notes.append("The label says to start this patient lower than usual"
                          + (f" (its first step: {number(first)} mg/day)" if first else "")
                          + " and gives no number: choose the start and steps by response and "
                          "tolerability, up to the target (see the dose row).")
        return
    if start is not None and first is not None and first > start + 1e-9:
        step.schedule = [ScheduleEntry(weeks="week 1", daily_mg=start)]
        step.then = by_response if rec[1] > start + 1e-9 else None
        step.notes.append(f"The label's titration starts at {number(first)} mg/day, above "
                          f"this patient's starting dose ({number(start)} mg/day; see the "
                          f"{step.drug} dose row): start there and increase by response "
                          "and tolerability up to the target.")
        return
    kept = [s for s in step.schedule if s.daily_mg is None or s.daily_mg <= rec[1] + 1e-9]
    if not kept and step.schedule and start is not None and first is not None \
            and abs(first - start) < 1e-9:
        # the label's own first step is above a usual dose that is not a maximum (the dose
        # table keeps starts within the patient's maximum): start there, no further steps
        step.schedule = step.schedule[:1]
        step.then = None
        step.target_daily_mg = [rec[0], first]  # the usual dose up to the label's start
        step.notes.append(f"The label's first step ({number(first)} mg/day) is already above "
                          f"this patient's usual dose ({daily_mg(rec)}): start there and "
                          "increase only by response and tolerability.")
        return
    last = kept[-1].daily_mg if kept else None
    overshoot = (step.then is not None and increment is not None and last is not None
                 and last + increment > rec[1] + 1e-9)
    if len(kept) < len(step.schedule) or overshoot:
        step.schedule = kept
        step.then = None
        step.notes.append(f"The label's titration goes above this patient's dose "
                          f"({daily_mg(rec)}): titrate only up to it.")
    elif step.then is None and last is not None and last < rec[0] - 1e-9:
        # the steps stop below the target and the schedule gives no further increase
        step.then = "increase to the target as the label directs"


def _increase(inc: Increase, weight: float | None, factor: float,
              tablets: WholeTablets | None = None) -> tuple[float | None, str, str | None]:
    """The regular increase in words, and in mg/day when it is one amount (for the target's
    check): 'increase by 500 mg/day every week', 'increase by 25–50 mg/kg/day (190–380
    mg/day) every 3 days'; an amount a statement lowered is rounded down to whole tablets,
    as the schedule's are (review Y C3), with a note saying so."""
    if inc.every_days is not None:
        every = f"every {number(inc.every_days)} days" if inc.every_days != 1 else "every day"
    else:
        span_ = weeks([inc.every_weeks.lo, inc.every_weeks.hi])
        every = "every week" if span_ == "1 week" else f"every {span_}"
    if inc.daily_mg is not None:
        increment, note = round(inc.daily_mg * factor, 2), None
        if tablets is not None and factor != 1.0 and (note := tablets.note(increment)):
            whole = tablets.round_down(increment)
            note = f"Each increase: {note}." if whole else None
            increment = whole or increment
        increment = round(increment, 1)
        return increment, f"increase by {_fmt(increment)} mg/day {every}", note
    per_kg = inc.daily_mg_per_kg
    amount = f"{number(per_kg.lo)}–{number(per_kg.hi)} mg/kg/day" if per_kg.hi != per_kg.lo \
        else f"{number(per_kg.lo)} mg/kg/day"
    if weight is None:
        return None, f"increase by {amount} {every}", None
    lo, hi = (round(x * weight * factor, 1) for x in (per_kg.lo, per_kg.hi))
    mg = f"{_fmt(lo)}–{_fmt(hi)} mg/day" if hi != lo else f"{_fmt(lo)} mg/day"
    return (lo if lo == hi else None), f"increase by {amount} ({mg}) {every}", None


def _add_step(kb: KnowledgeBase, patient: Patient, drug: Drug, co_meds: set[str],
              flags: dict[str, list[dict[str, Any]]], dose: Dose | None = None
              ) -> tuple[AddStep, int | None]:
    """The step that starts ``drug``, and the earliest week its schedule reaches the bottom
    of its target (None: not computable from the schedule)."""
    tit = choose_titration(drug, co_meds, patient)
    week = None
    step = AddStep(drug=drug.name)
    increment = None
    if tit is None:
        step.notes.append("Age not given: titration schedules depend on age." if
                          patient.age_years is None else
                          "No sourced titration schedule for this age and weight in the "
                          "knowledge base: follow the product label.")
    else:
        percent = dose.titration_percent if dose is not None else None
        factor = 1 + percent / 100 if percent else 1.0
        step.schedule, notes = _schedule(tit, patient.weight_kg, factor,
                                         drug.dosing.whole_tablets)
        step.notes += notes
        if percent:
            step.notes.append(f"Starting and escalation doses {higher_lower(percent)} (a kidney, "
                              f"liver or genotype statement: see the {drug.name} dose row).")
            _start_floor(step, dose)
        if tit.then_increase:
            increment, step.then, rounded = _increase(tit.then_increase, patient.weight_kg,
                                                      factor, drug.dosing.whole_tablets)
            step.notes += [rounded] if rounded else []
            if tit.then_increase.every_days is not None and step.schedule:
                step.schedule[0].weeks = "start"  # not held for a week (review Y M15)

        if tit.target_daily_mg:
            step.target_daily_mg = tit.target_daily_mg.as_list()
        if tit.when_taking:
            step.notes.append(f"Schedule for patients taking "
                              f"{', '.join(sorted(co_meds & set(tit.when_taking)))}.")
        if tit.note:
            step.notes.append(tit.note)
        step.evidence = list(tit.evidence.sources)
    _to_dose(step, dose, increment)
    if tit is not None:
        week = _target_week(step, tit, increment)
        if percent and week is not None and week != tit.steps[0].week_from:
            step.target_from_week = week  # said of a lowered schedule only (review Y M8)
    slow = [f["message"] for f in flags.get(drug.name, [])
            if f["action"] in ("reduce_dose", "avoid", "use_with_caution")]
    for message in dict.fromkeys(slow):
        step.notes.append(f"Titrate cautiously (flag): {message}")
    return step, week


def _target_week(step: AddStep, tit: Titration, increment: float | None) -> int | None:
    """The earliest week in which the schedule first reaches the bottom of the target: its
    steps, then the further increase at its shortest interval (review Y M8: a start 75%
    lower for severe hepatic impairment keeps the label's pace to a 75% lower target)."""
    target, sched = step.target_daily_mg, step.schedule
    if not target or len(sched) != len(tit.steps) or any(e.daily_mg is None for e in sched):
        return None
    for entry, st in zip(sched, tit.steps, strict=True):
        if entry.daily_mg >= target[0] - 1e-9:
            return st.week_from
    inc = tit.then_increase
    if step.then is None or inc is None or inc.every_weeks is None or not increment:
        return None
    rises = ceil((target[0] - sched[-1].daily_mg) / increment - 1e-9)
    return int(tit.steps[-1].week_to + 1 + (rises - 1) * inc.every_weeks.lo)


def slower_than_taper(kb: KnowledgeBase, patient: Patient, drug: str, others: set[str],
                      flags: dict[str, list[dict[str, Any]]], dose: Dose | None,
                      withdrawn: str) -> int | None:
    """The earliest week ``drug``, started beside ``others``, reaches its target, when that
    is after the longest labelled taper of ``withdrawn`` (a drug withdrawn promptly, whose
    taper starts with it): the new drug alone cannot protect by the time the old one is
    gone (review AA M6: lamotrigine on the valproate schedule, its target in week 8, valproate
    withdrawn over 3-6 weeks); else None."""
    wd = kb.drugs[withdrawn].dosing.withdrawal
    if wd is None:
        return None
    # started without the inducer leaving, as the plan starts it (review AB R2)
    leaving = set(stopped_inducers(kb, [withdrawn]))
    week = _add_step(kb, patient, kb.drugs[drug], others - {drug} - leaving, flags, dose)[1]
    return week if week is not None and week > wd.taper_weeks.hi else None


def slower_line(drug: str, withdrawn: str, week: int, taper_hi: float,
                sooner: Sequence[str] = ()) -> str:
    """What the plan and the regimen say of a drug started that reaches its target only
    after the longest taper of a drug withdrawn promptly (see :func:`slower_than_taper`;
    ``sooner``: drugs of other options that reach theirs within it, named as examples)."""
    such = f", such as {' or '.join(sooner)}" if sooner else ""
    return (f"{drug[0].upper()}{drug[1:]} reaches its target dose in week {week} at the "
            f"earliest, after the longest taper of {withdrawn} ({weeks([taper_hi])}), which "
            f"starts now: {drug} cannot reach a protective dose while {withdrawn} is withdrawn. "
            f"Use it only with a bridging drug agreed with the specialist, or prefer an "
            f"option that reaches its target sooner{such} (the advisor's reading of the two "
            "schedules).")


def _start_floor(step: AddStep, dose: Dose | None) -> None:
    """Lowered steps below the patient's own start (a label's start for this patient, e.g.
    a genotype rule's labelled start) are raised to it."""
    start = dose.start_daily_mg if dose is not None else None
    if start is None:
        return
    raised = [e for e in step.schedule if e.daily_mg is not None and e.daily_mg < start - 1e-9]
    for entry in raised:
        entry.daily_mg = start
    if raised:
        step.notes.append(f"Steps below this patient's start ({_fmt(start)} mg/day, see the "
                          "dose row) are given at the start.")


def _withdraw_step(drug: Drug, added: Collection[str] = (), dose: Dose | None = None,
                   weight: float | None = None) -> WithdrawStep:
    """The step that withdraws ``drug``; a schedule tied to a drug the plan keeps or starts
    (``added``: the regimen's drugs) is given only with it (review S C2; V H3: valproate
    withdrawn from beside lamotrigine, which stays); a labelled step as large as the
    patient's whole dose (``dose``: its row) is said not to fit (review Y M6: levetiracetam
    at most 1000 mg/day on dialysis, 'lower the dose by 500 mg twice daily')."""
    wd = drug.dosing.withdrawal
    if wd is None:
        return WithdrawStep(drug=drug.name, never_abrupt=True, notes=[
            "No sourced taper in the knowledge base: withdraw gradually, as every ASM label "
            "advises (risk of more seizures and status epilepticus)."])
    lo, hi = wd.taper_weeks.lo, wd.taper_weeks.hi
    notes = [f"Taper over {weeks([lo, hi])}" + ("; never stop abruptly." if wd.never_abrupt
                                                else ".")]
    if wd.schedule:
        notes.append(wd.schedule)
    notes += [text for other, text in wd.schedule_with.items() if other in added]
    top = dose.recommended_daily_mg[1] if dose and dose.recommended_daily_mg else None
    if wd.step_daily_mg and top is not None and top <= wd.step_daily_mg + 1e-9 and (
            wd.step_from_kg is None or (weight is not None and weight > wd.step_from_kg)):
        notes.append(f"At this patient's dose (at most {number(top)} mg/day, see the dose row) "
                     f"one such step would stop {drug.name} at once: taper in smaller steps, "
                     "agreed with the specialist.")
    return WithdrawStep(drug=drug.name, notes=notes, evidence=list(wd.evidence.sources),
                        taper_weeks=[lo, hi], never_abrupt=wd.never_abrupt, reason=wd.reason)


def _removal_text(kb: KnowledgeBase, inter: Interaction, removed: str, victim: str) -> str:
    """What changes for ``victim`` as ``removed`` is withdrawn: the interaction's own
    sourced statement, else the opposite of its recorded direction (never a direction
    guessed from the perpetrator's other effects: oxcarbazepine, an inducer, raises
    phenytoin, review K H5)."""
    if inter.on_withdrawal:
        return inter.on_withdrawal.format(removed=removed, affected=victim)
    asm = victim in kb.drugs  # a contraceptive or an anticoagulant has no ASM titration
    drug = kb.drugs.get(removed)
    # a theoretical or contested interaction is not stated as a fact (review L M8)
    will = "may" if inter.evidence.contested or inter.evidence.level == "low" else "will"
    wears_off = " (its induction wears off over weeks)" if drug and drug.induces else ""
    review = (f"review {victim} with its prescriber before {removed} is stopped" if not asm
              else None)
    if inter.direction == "lowers":
        return (f"{victim} {'levels' if asm else 'exposure'} {will} rise as {removed} is "
                f"withdrawn{wears_off}: " + (review or f"watch for toxicity and review the "
                                             f"{victim} dose, guided by levels or effect")
                + ".")
    if inter.direction == "raises":
        return (f"{victim} {'levels' if asm else 'exposure'} {will} fall as {removed} is "
                "withdrawn: " + (review or f"{victim} may need a higher dose; check levels "
                                 "and effect") + ".")
    if inter.direction == "variable":
        return (f"{victim} levels may change either way as {removed} is withdrawn: "
                + (review or f"check {victim} levels and effect") + ".")
    return (f"The {removed}-{victim} interaction ends as {removed} is withdrawn: review "
            f"{victim}.")


def _removal_effects(kb: KnowledgeBase, removed: str, remaining: list[str],
                     ) -> list[InteractionChange]:
    """Interactions that end as ``removed`` is withdrawn, for every drug that remains (the
    regimen and the patient's other medicines: anticoagulants, contraceptives, ...); not one
    that needs no action while taken (``info``) and says nothing of its end (review S M14:
    'contraceptive exposure will rise as lamotrigine is withdrawn')."""
    out = []
    for victim in remaining:
        for inter in kb.interactions_between(removed, victim):
            if inter.action == "info" and not inter.on_withdrawal:
                continue
            change = _removal_text(kb, inter, removed, victim)
            out.append(InteractionChange(removed=removed, affected=victim,
                                         interaction=inter.id, change=change,
                                         evidence=list(inter.evidence.sources)))
    return out


def _started_effects(step: AddStep, doses: list[Dose], kept: list[ContinueStep]) -> None:
    """Dose changes that starting the added drug requires in drugs the patient keeps: a
    note of the add step and the kept drug's own step (review S H4: 'continue lamotrigine'
    beside 'add valproate')."""
    by_drug = {k.drug: k for k in kept}
    for dose in doses:
        if dose.drug not in by_drug:
            continue
        for change in dose.if_started:
            if change.drug != step.drug:
                continue
            if change.recommended_daily_mg is None or change.adjustment_percent is None:
                note = (f"no automatic dose for {dose.drug} (see its dose row); adjust it "
                        "with specialist input")
                kept_text = (f"its dose changes when {step.drug} is started, by no automatic "
                             "amount (see its dose row); adjust it with specialist input")
            else:
                new = (f"{daily_mg(change.recommended_daily_mg, dose.unit)} "
                       f"({signed_percent(change.adjustment_percent)})")
                note = f"change {dose.drug} to {new}"
                # a rise for an inducer follows its induction, which builds over weeks
                kept_text = (f"change to {new} when {step.drug} is started"
                             if change.adjustment_percent <= 0 else
                             f"raise it towards {new}, its labelled dose with {step.drug}, as "
                             f"{step.drug}'s effect builds (guided by levels and response)")
            step.notes.append(f"Starting {step.drug}: {note} - {change.why}")
            step.evidence = list(dict.fromkeys([*step.evidence, *change.evidence]))
            keep = by_drug[dose.drug]
            keep.dose_change = "; ".join(filter(None, [keep.dose_change, kept_text]))
            keep.evidence = list(dict.fromkeys([*keep.evidence, *change.evidence]))


def _target_with(kb: KnowledgeBase, step: AddStep, withdraw: list[str]) -> None:
    """An added drug whose labelled dose depends on a drug being withdrawn (lamotrigine's
    valproate and inducer bands): its target holds only while that drug is taken."""
    if step.target_daily_mg is None:
        return
    banded = kb.drugs[step.drug].dosing.banded
    step.target_while = [d for d in withdraw if d in banded] or None


# a drug is stopped, not kept through a cross-taper, after a reaction that ends its
# tolerance (dre.yaml definition.tolerance_ended_by: the skin and hypersensitivity reactions);
# after the severe cutaneous ones (SEVERE_REACTIONS) the drug is stopped now and not
# restarted, with no taper as the otherwise-branch (carbamazepine label: after SJS/TEN 'use
# of this drug should not be resumed'; cenobamate: DRESS, 'discontinued immediately and not
# restarted'); after a rash or angioedema it is stopped now if the reaction may be
# drug-related and is recent (the rash labels: 'at the first sign of rash, unless the rash is
# clearly not drug-related')
# how a plan names each of those reactions, most severe first (a drug with two recorded: the
# first counts)
REACTION_WORDS = {"sjs_ten": "SJS/TEN", "dress": "DRESS", "angioedema": "angioedema",
                  "hypersensitivity_rash": "a hypersensitivity rash"}


def reacted(kb: KnowledgeBase, patient: Patient, withdraw: Collection[str]
            ) -> dict[str, str]:
    """The drugs being withdrawn with a hypersensitivity reaction recorded to them, each with
    the most severe one recorded (in :data:`REACTION_WORDS` order): stopped now, not
    kept through a cross-taper."""
    found: dict[str, list[str]] = {}
    ending = kb.dre.definition.tolerance_ended_by
    for r in patient.adverse_reactions:
        drug = kb.resolve_drug(r.drug)
        if drug in withdraw and r.reaction in ending:
            found.setdefault(drug, []).append(r.reaction)
    return {d: next(x for x in REACTION_WORDS if x in found[d]) for d in withdraw
            if d in found}


def _bare(reaction: str) -> str:
    """The reaction's name without its article ('hypersensitivity rash')."""
    return REACTION_WORDS[reaction].removeprefix("a ")


def _stop_line(drug: str, reaction: str, cited: str, new: bool) -> str:
    """The plan's line for ``drug``, stopped now for ``reaction`` (``cited``: the drug's
    label statement, in brackets, or nothing; ``new``: a drug is started)."""
    words = REACTION_WORDS[reaction]
    cover = ("decide seizure cover while the new drug is titrated, with the specialist today"
             if new else "decide seizure cover with the specialist today")
    if reaction in SEVERE_REACTIONS:
        return (f"{words} attributed to {drug} is recorded: stop {drug} now and do not "
                f"restart it; {cover}{cited}.")
    short = "rash" if reaction == "hypersensitivity_rash" else _bare(reaction)
    recorded = f"{words[0].upper()}{words[1:]} with {drug} is recorded: "
    if not new:
        return (f"{recorded}if the {short} may be drug-related and is recent, stop {drug} now "
                f"instead of tapering it; {cover}{cited}.")
    return (f"{recorded}do not keep {drug} until the new drug reaches a therapeutic dose. If "
            f"the {short} may be drug-related and is recent, stop it now and {cover}{cited}.")


def _stopped_now(kb: KnowledgeBase, reacted: dict[str, str], steps: list[TransitionStep]
                 ) -> list[str]:
    """The plan's first lines when a hypersensitivity reaction to a drug being withdrawn is
    recorded (``reacted``: see :func:`reacted`), one a drug, whose step then says to stop it
    now (review W H4: a rash on carbamazepine at week 5, 'taper once the new drug reaches a
    therapeutic dose'): after SJS/TEN or DRESS plainly, with no taper (review X M1); each
    cites the drug's own label statement where the knowledge base quotes one, else none
    (review X C3); none without such a reaction."""
    lines = []
    new = any(isinstance(s, AddStep) for s in steps)
    for step in steps:
        if not isinstance(step, WithdrawStep) or step.drug not in reacted:
            continue
        reaction = reacted[step.drug]
        wd = kb.drugs[step.drug].dosing.withdrawal
        label = wd.stop_statement(reaction) if wd else None
        if label:
            step.evidence = list(dict.fromkeys([*step.evidence, *label.evidence.sources]))
        if reaction in SEVERE_REACTIONS:
            step.stop_now = ("stop it now and do not restart it (with the specialist, and "
                             "seizure cover)")
            step.stop_now_only = True
        else:
            step.stop_now = (f"stop it now if the recorded {_bare(reaction)} may be "
                             "drug-related and is recent (with the specialist, and seizure "
                             "cover)")
        lines.append(_stop_line(step.drug, reaction, f" ({label.text})" if label else "", new))
    return lines


def withdrawn_promptly(kb: KnowledgeBase, withdraw: Collection[str],
                       flags: dict[str, list[dict[str, Any]]]) -> dict[str, PromptWithdrawal]:
    """The drugs being withdrawn whose 'avoid' flag comes from a rule that withdraws them
    promptly (``then.withdraw_promptly``: valproate in mitochondrial disease), each with the first
    such rule's statement: their taper starts now, not once the new drug works."""
    rules = kb.prompt_withdrawal_rules
    out = {}
    for drug in withdraw:
        found = [rules[f["rule"]] for f in flags.get(drug, [])
                 if f["action"] == "avoid" and f["rule"] in rules]
        if found:
            out[drug] = found[0]
    return out


def _prompt_lines(kb: KnowledgeBase, prompt: dict[str, PromptWithdrawal],
                  steps: list[TransitionStep], added: list[str]) -> list[str]:
    """The plan's lines for the drugs withdrawn promptly (see :func:`withdrawn_promptly`),
    whose steps then say to start the taper now (review Z Z01: valproate in mitochondrial disease
    kept through the cannabidiol titration); each names the high-severity interactions of
    a drug started with it, which last until it is stopped (cannabidiol + valproate: liver
    injury)."""
    lines = []
    for step in steps:
        if not isinstance(step, WithdrawStep) or step.drug not in prompt:
            continue
        why = prompt[step.drug]
        gradual = "; the taper itself stays gradual: never stop it abruptly" \
            if step.never_abrupt else ""
        alongside = ", alongside the new drug" if added else ""
        wait = (" Do not keep it until the new drug reaches a therapeutic dose: with"
                if added else " With")
        step.promptly = f"start the taper now{alongside}, with the specialist (see the plan)"
        lines.append(f"{step.drug[0].upper()}{step.drug[1:]} is {why.why}.{wait} the "
                     f"specialist, start tapering it now{alongside}, with seizure cover"
                     f"{gradual} (the advisor's reading of {why.reading}; no label sentence on "
                     "the pace of withdrawal was read)."
                     + (f" Until it is stopped, {why.monitor}" if why.monitor else ""))
        lines += [f"{other} + {step.drug}, until {step.drug} is stopped: {inter.effect} "
                  f"{inter.management}" for other, inter in overlap(kb, added, step.drug)]
    return lines


def _slower_lines(kb: KnowledgeBase, prompt: Collection[str],
                  built: list[tuple[AddStep, int | None]]) -> list[str]:
    """The plan's line for each drug started whose target comes after the longest taper of a
    drug withdrawn promptly (see :func:`slower_than_taper`)."""
    lines = []
    for withdrawn in prompt:
        wd = kb.drugs[withdrawn].dosing.withdrawal
        lines += [slower_line(step.drug, withdrawn, week, wd.taper_weeks.hi)
                  for step, week in built
                  if wd is not None and week is not None and week > wd.taper_weeks.hi]
    return lines


def overlap(kb: KnowledgeBase, added: Collection[str], withdrawn: str
            ) -> list[tuple[str, Interaction]]:
    """The high-severity interactions (either way, not information) between each drug
    started and a drug withdrawn promptly, which last until it is stopped: a regimen
    carrying one ranks below an equal one without (review Z Z01: cannabidiol with valproate
    in mitochondrial disease, liver injury)."""
    return [(other, inter) for other in added
            for inter in [*kb.interactions_between(other, withdrawn),
                          *kb.interactions_between(withdrawn, other)]
            if inter.severity == "high" and inter.action != "info"]


def plan(kb: KnowledgeBase, patient: Patient, regimen: list[str],
         flags: dict[str, list[dict[str, Any]]], doses: list[Dose] | None = None
         ) -> TransitionPlan:
    """The transition from the current ASMs to ``regimen`` (``flags``: see flags_by_drug;
    ``doses``: the consult's doses, whose ``if_started`` changes become add-step notes)."""
    current = kb.maintenance_asms(patient.current_medications, patient.rescue_medications)
    keep = [d for d in current if d in regimen]
    add = [d for d in regimen if d not in current]
    # a drug to avoid is withdrawn before the others (review AB R4: topiramate, contraindicated
    # for a woman planning a pregnancy, came after carbamazepine)
    withdraw = sorted((d for d in current if d not in regimen),
                      key=lambda d: not any(f["action"] == "avoid" for f in flags.get(d, [])))
    others = set(patient.current_medications) | set(regimen)
    kept = [ContinueStep(drug=d) for d in keep]
    steps: list[TransitionStep] = [*kept]
    by_dose = {d.drug: d for d in doses or []}
    add, one_by_one = _start_order(kb, patient, add)
    # drugs stopped now for a recorded hypersensitivity reaction: no new drug is dosed as if
    # they were still taken (review X H3: lamotrigine on the inducer schedule after DRESS on
    # phenytoin, the inducer stopped at once)
    stopped = reacted(kb, patient, withdraw)
    stopping = set(stopped)
    # the dose row of a drug started now is already without a stopped inducer (review Y H3),
    # and without an inducer whose taper starts now beside it (review AB R2)
    assumed = stopping - set(stopped_inducers(kb, stopping))
    leaving = set(stopped_inducers(kb, withdrawn_promptly(
        kb, [d for d in withdraw if d not in stopping], flags)))
    built = [_add_step(kb, patient, kb.drugs[d], others - {d} - stopping - leaving, flags,
                       by_dose.get(d)) for d in add]
    added = [step for step, _ in built]
    for step in added:
        _started_effects(step, doses or [], kept)
        _target_with(kb, step, [d for d in withdraw if d not in stopping | leaving])
        if assumed & set(kb.drugs[step.drug].dosing.banded):
            gone = listing(sorted(assumed & set(kb.drugs[step.drug].dosing.banded)))
            step.target_daily_mg = None
            step.target_text = (f"the label's dose without {gone} (the dose row's range "
                                f"assumes {gone}, which is stopped now)")
        dose = by_dose.get(step.drug)
        if len(regimen) == 1 and dose is not None and dose.monotherapy_not_encoded:
            # the add-on schedule is not the monotherapy one: no other use's numbers
            step.label_only = True
            _without_steps(step, "Monotherapy: the label's own start, steps and target for "
                           "this age are not in the knowledge base, and the dose row is the "
                           "add-on dose: follow the product label.")
    steps += added
    steps += [_withdraw_step(kb.drugs[d], regimen, by_dose.get(d), patient.weight_kg)
              for d in withdraw]
    comedications = [m for m in patient.current_medications if m not in kb.drugs]
    # a drug withdrawn first changes the ones still to be withdrawn, too (review L H5:
    # carbamazepine's induction of valproate ends while valproate is still taken)
    # a drug stopped now is no longer there for another withdrawal to change (review X H2)
    changes = [c for i, d in enumerate(withdraw)
               for c in _removal_effects(kb, d, [*regimen, *comedications,
                                                 *(w for w in withdraw[i + 1:]
                                                   if w not in stopping)])]
    order = [one_by_one] if one_by_one else []
    rescue = [d for d in patient.current_medications if d in kb.drugs and d not in current]
    if rescue:
        order.append(f"Rescue treatment ({', '.join(rescue)}) stays as prescribed: it is not "
                     "part of the maintenance regimen.")
    for drug in (d for d in withdraw if d in patient.rescue_too):
        order.append(f"Only the daily {drug} is withdrawn: the rescue product "
                     f"({', '.join(patient.rescue_too[drug])}) stays as prescribed.")
    order += _stopped_now(kb, stopped, steps)
    tapered = [d for d in withdraw if d not in stopping]
    prompt = withdrawn_promptly(kb, tapered, flags)
    order += _prompt_lines(kb, prompt, steps, add)
    order += _slower_lines(kb, prompt, built)
    later = [d for d in tapered if d not in prompt]
    if add and later:
        what = f"tapering {later[0]}" + (" (the first of them)" if len(later) > 1 else "")
        order.append(f"Add and titrate the new drug(s) first; start {what} once the new drug "
                     "reaches a therapeutic dose.")
    if len(tapered) > 1:  # review K H4: three drugs, a benzodiazepine among them, at once
        staged = kb.regimens.several_withdrawals
        order.append(staged.text.format(drugs=listing(tapered)))
        slower = [d for d in tapered
                  if kb.drugs[d].primary_mechanism in staged.slower_mechanisms]
        if slower:
            order.append(staged.slower_text.format(drugs=listing(slower)))
        for step in steps:
            if isinstance(step, WithdrawStep):
                step.evidence = list(dict.fromkeys([*step.evidence,
                                                    *staged.evidence.sources]))
    return TransitionPlan(steps=steps, interaction_changes=changes, sequence=order)


def _start_order(kb: KnowledgeBase, patient: Patient, add: list[str]
                 ) -> tuple[list[str], str | None]:
    """The new drugs in the order to start them, and, for two or more, the plan's line
    saying to start them one at a time: a drug licensed only in conjunction with a partner
    (licensed_combinations) comes after the partner."""
    if len(add) < 2:
        return add, None
    order = list(add)
    licensed = []
    for c in kb.regimens.licensed_combinations:
        first, second = c.drugs
        if (c.first_only_with_second and patient.syndrome in c.syndromes
                and first in order and second in order):
            order.remove(second)
            order.insert(order.index(first), second)
            licensed.append(f"{first} is licensed in conjunction with {second}"
                            + (" in some labels" if c.first_only_with_second == "contested"
                               else ""))
    why = f" ({'; '.join(licensed)})" if licensed else ""
    return order, (f"Start one new drug at a time, in this order: {', then '.join(order)}"
                   f"{why}. Start each once the one before is at a stable, tolerated dose, "
                   "so that effects, adverse effects and the interactions between them can "
                   "be told apart; each schedule counts its weeks from its own start (the "
                   "advisor's practice reading: no guideline sentence on it was read).")


def safety_notes(kb: KnowledgeBase, patient: Patient, drugs: list[str]) -> list[SafetyNote]:
    """Reproductive and long-term safety notes of these drugs that apply to the patient."""
    out = []
    for name in drugs:
        for note in kb.drugs[name].safety_notes:
            # unknown sex or age: show the note (it may apply)
            if note.sex and patient.sex and note.sex != patient.sex:
                continue
            if note.age_years and patient.age_years is not None and not (
                    note.age_years.lo <= patient.age_years <= note.age_years.hi):
                continue
            if note.topic == "contraception" and patient.pregnancy == "pregnant":
                continue  # the pregnancy notes apply; contraception is for after delivery
            out.append(SafetyNote(drug=name, topic=note.topic, text=note.text,
                                  evidence=list(note.evidence.sources),
                                  evidence_level=note.evidence.level))
    return out
