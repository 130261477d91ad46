"""The summary of a consult: the key actions first, built from the finished result.

In the order a pharmacist acts on them: the drugs to avoid (with reasons and evidence), the
doses that differ from the labelled standard (from -> to, and why), what to monitor for the
drugs in play, the ILAE status with its next steps and the fitting risk estimate, and the
top regimen with its first step. Every item keeps the sources and the evidence level of the
flags it comes from. Every view (Markdown, HTML, PDF, the app, the terminal) leads with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from advisor.dosing import CATEGORY_ONLY, NO_ORGAN_NUMBER
from advisor.numbers import daily_mg, listing, number, phrase, signed_percent, weeks
from advisor.result import (
    AddStep,
    ConsultResult,
    ContinueStep,
    Dose,
    Flag,
    PathwayDose,
    Regimen,
    SafetyNote,
    Summary,
    SummaryAsOne,
    SummaryAvoid,
    SummaryDoseChange,
    SummaryMonitor,
    SummaryPatient,
    SummaryRegimen,
    SummaryRisk,
    SummaryStep,
    WithdrawStep,
)
from advisor.vocabulary import (
    ACTION_LABEL,
    ACTION_ORDER,
    ALREADY_TAKING,
    CAUTION_ACTIONS,
    DOSE_ACTIONS,
    LEVEL_ORDER,
    RELEVANCE_ORDER,
    SEVERITY_ORDER,
    START_LOWER,
)

if TYPE_CHECKING:
    from advisor.inputs.patient import Patient
    from advisor.knowledge import KnowledgeBase

_SENTENCE_END = re.compile(r"(?<=[\w)\]%])\.\s+(?=[A-Z(])")
_ABBREVIATIONS = ("e.g", "i.e", "vs", "cf", "approx", "St")


def first_sentence(text: str) -> str:
    """The first sentence of a message (abbreviations such as "e.g." do not end one)."""
    for match in _SENTENCE_END.finditer(text):
        if not text[:match.start()].endswith(_ABBREVIATIONS):
            return text[:match.start() + 1]
    return text


def flag_order(f: Flag) -> tuple[int, int, int, str]:
    """How flags are ordered within a group: by action, then severity, then evidence."""
    return ACTION_ORDER[f.action], SEVERITY_ORDER[f.severity], LEVEL_ORDER[f.evidence_level], \
        f.drug


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _avoid(flags: list[Flag], syndrome: str | None = None) -> list[SummaryAvoid]:
    """Each drug to avoid with its reasons, most pressing first; among equally pressing ones,
    the reason about the patient's syndrome (``syndrome``: its name) leads (review Y M10:
    'Myoclonic seizures ...' led for a child with Dravet syndrome)."""
    lead = syndrome.split(" / ")[0] if syndrome else None
    by_drug: dict[str, list[Flag]] = {}
    for f in sorted(flags, key=lambda f: (*flag_order(f)[:3],
                                          not (lead and f.message.startswith(lead)))):
        if f.action == "avoid":
            by_drug.setdefault(f.drug, []).append(f)
    items = [SummaryAvoid(
        drug=drug, reasons=_unique(first_sentence(f.message) for f in fs),
        relevance=fs[0].relevance, evidence=_unique(s for f in fs for s in f.evidence),
        evidence_level=min((f.evidence_level for f in fs), key=LEVEL_ORDER.__getitem__),
        rules=[f.rule for f in fs],
        with_drugs=_unique(f.interacting_drug for f in fs) if all(
            f.category == "interaction" and f.interacting_drug for f in fs) else None)
        for drug, fs in by_drug.items()]
    return sorted(items, key=lambda a: (RELEVANCE_ORDER[a.relevance],
                                        LEVEL_ORDER[a.evidence_level], a.drug))


def _changed(dose: Dose) -> bool:
    std, rec = dose.standard_daily_mg, dose.recommended_daily_mg
    if dose.status != "dosed" or not rec:
        return False
    return bool(dose.adjustment_percent) or (std is not None and [number(x) for x in std]
                                              != [number(x) for x in rec])


_CITATION = re.compile(r"\s*\[[^\[\]]*; evidence [a-z_]+\]")


def without_citations(text: str) -> str:
    """A dose basis step without its inline "[source ids; evidence level]" (the views cite the
    dose's evidence by number instead)."""
    return _CITATION.sub("", text)


def _basis_reason(dose: Dose) -> str:
    """Why a dose changed when no flag says it: its basis after the labelled dose."""
    steps = [without_citations(b) for b in dose.basis[1:]]
    return "; ".join(steps) or "see the dose table"


def _organ_unquantified(dose: Dose) -> str | None:
    """The organ ("renal", "hepatic") whose statement lowers this dose without a number,
    leaving it none; else None."""
    if dose.status != "no_labelled_dose" or not dose.basis:
        return None
    return next((organ for organ in ("renal", "hepatic")
                 if dose.basis[0] == NO_ORGAN_NUMBER.format(organ=organ)), None)


def _dose_change(dose: Dose, flags: list[Flag]) -> SummaryDoseChange | None:
    why = [f for f in flags if f.action in DOSE_ACTIONS or (
        f.category == "organ_function" and f.action != "info")]
    if _changed(dose):
        std, rec = dose.standard_daily_mg, dose.recommended_daily_mg
        change = (f"{daily_mg(std, dose.unit)} → {daily_mg(rec, dose.unit)}" if std
                  else daily_mg(rec, dose.unit))
        if dose.adjustment_percent is not None:
            change += f" ({signed_percent(dose.adjustment_percent)})"
        reason = " ".join(_unique(first_sentence(f.message) for f in why)) or \
            _basis_reason(dose)
        evidence = _unique(s for f in why for s in f.evidence) or dose.evidence
        return SummaryDoseChange(
            drug=dose.drug, change=change, reason=reason, from_daily_mg=std, to_daily_mg=rec,
            adjustment_percent=dose.adjustment_percent, evidence=evidence,
            evidence_level=min((f.evidence_level for f in why), key=LEVEL_ORDER.__getitem__,
                               default=None), rules=[f.rule for f in why])
    asked = [f for f in why if f.action in DOSE_ACTIONS]
    if not asked:
        return None
    # a flag asks for a dose change that leaves the maintenance range as it is (a start or
    # titration change, a cap above the range, advice in words): say what stays, never hide it
    table = ("no dose in the knowledge base for this patient: see the dose row"
             if dose.kb_gap else
             {"no_labelled_dose": "no labelled dose for this patient: see the dose row",
              "needs_input": f"no dose without the patient's {dose.needs or 'age and weight'}"
                             ": see the dose row",
              }.get(dose.status, "no dose could be computed for this patient"))
    if organ := _organ_unquantified(dose):
        table = (f"the {organ} statement's change is not applied automatically: it gives no "
                 "clearance limits; see the dose row"
                 if CATEGORY_ONLY.format(organ=organ) in dose.basis else
                 f"the {organ} statement gives no dose for this patient: see the dose row"
                 if any(b.startswith(f"{organ} statement (no labelled dose)")
                        for b in dose.basis) else
                 f"the {organ} statement lowers it, without a number: see the dose row")
    if dose.status == "dosed":
        # 'the usual one', not 'unchanged': the statement may simply give no maintenance
        # number (oxcarbazepine below CLcr 30, exposure 2-2.5-fold; review S M8)
        start = (f"start {daily_mg([dose.start_daily_mg], dose.unit)}; "
                 if dose.start_daily_mg is not None else "")
        table = (f"{start}no maintenance target for this patient: see the dose row"
                 if dose.no_target else
                 f"{start}the maintenance range shown is the usual one, "
                 f"{daily_mg(dose.recommended_daily_mg, dose.unit)}: see the dose row")
    return SummaryDoseChange(
        drug=dose.drug, change=f"{ACTION_LABEL[asked[0].action].lower()} ({table})",
        reason=" ".join(_unique(first_sentence(f.message) for f in asked)), from_daily_mg=None,
        to_daily_mg=None, adjustment_percent=None,
        evidence=_unique(s for f in asked for s in f.evidence),
        evidence_level=min((f.evidence_level for f in asked), key=LEVEL_ORDER.__getitem__),
        rules=[f.rule for f in asked])


def _dose_changes(res: ConsultResult, avoided: set[str], in_play: list[str]
                  ) -> list[SummaryDoseChange]:
    flags: dict[str, list[Flag]] = {}
    for f in sorted(res.flags, key=flag_order):
        if not f.depends_on_untested_position:
            flags.setdefault(f.drug, []).append(f)
    # a drug not in play that cannot be dosed for this patient has no dose to change, unless
    # a kidney or liver statement lowers it without a number (phenytoin in liver disease)
    items = [change for d in res.doses if d.drug not in avoided
             and (d.status == "dosed" or d.drug in in_play or _organ_unquantified(d))
             if (change := _dose_change(d, flags.get(d.drug, []))) is not None]
    return sorted(items, key=lambda c: (c.drug not in in_play, c.drug))


def _watch(f: Flag) -> bool:
    """A caution, a dose change that depends on a position the data lack (the doses shown
    do not include it), or advice of more than low severity (the MHRA's to men on
    valproate: review X C2, the summary had said 'nothing for the drugs in play')."""
    return f.action in CAUTION_ACTIONS or bool(
        f.action in DOSE_ACTIONS and f.depends_on_untested_position) or (
        f.action == "info" and f.severity != "low")


def _monitor(flags: list[Flag], avoided: set[str], in_play: list[str],
             notes: list[SafetyNote] = ()) -> list[SummaryMonitor]:
    """The cautions and monitoring of the drugs in play, most pressing first, each drug's
    lines together (in the order of its most pressing one), with the boxed warnings of its
    label (``notes``: the result's safety notes) after its flags. Of a drug to avoid, only
    its high-severity interactions are kept: they still matter if the reason to avoid it
    goes (another contraceptive) and the drug is started."""
    items = [SummaryMonitor(drug=f.drug, action=f.action, reason=first_sentence(f.message),
                            evidence=f.evidence, evidence_level=f.evidence_level, rule=f.rule)
             for f in sorted(flags, key=lambda f: (RELEVANCE_ORDER[f.relevance], flag_order(f)))
             if _watch(f) and f.drug in in_play and (f.drug not in avoided or (
                 f.category == "interaction" and f.severity == "high"))]
    items += [SummaryMonitor(drug=n.drug, action="monitor", reason=first_sentence(n.text),
                             evidence=n.evidence, evidence_level=n.evidence_level,
                             rule=f"boxed_warning:{n.drug}")
              for n in notes if n.topic == "boxed_warning" and n.drug in in_play
              and n.drug not in avoided]
    first = {drug: i for i, drug in reversed(list(enumerate(m.drug for m in items)))}
    return sorted(items, key=lambda m: first[m.drug])


def _risk(res: ConsultResult) -> SummaryRisk | None:
    risk = res.risk
    if risk is None or res.dre.status == "not_drug_resistant" or (
            res.dre.current_seizure_free_months and res.dre.seizure_free_drug):
        # seizure-free, sustained or not yet: the models do not use it, so no estimate is the
        # headline (see the risk notes; review U M4)
        return None
    one = risk.counted_as_one[0] if risk.counted_as_one else None
    if risk.p_drug_resistance is not None:
        as_one = SummaryAsOne(label=one.label, probability=one.p_drug_resistance,
                              interval=one.p_drug_resistance_interval) if one else None
        return SummaryRisk(outcome="drug_resistance", probability=risk.p_drug_resistance,
                           interval=risk.p_drug_resistance_interval, as_one=as_one)
    as_one = SummaryAsOne(label=one.label, probability=one.p_seizure_freedom_next_regimen,
                          interval=one.p_seizure_freedom_next_regimen_interval) if one else None
    return SummaryRisk(outcome="seizure_freedom_next_regimen",
                       probability=risk.p_seizure_freedom_next_regimen,
                       interval=risk.p_seizure_freedom_next_regimen_interval, as_one=as_one)


def _add_text(step: AddStep) -> str:
    if not step.schedule and step.start_lower:
        return f"add {step.drug} ({START_LOWER})"
    if not step.schedule:  # the plan's first note, as a clause inside brackets
        note = phrase(step.notes[0].rstrip(".")) if step.notes else "see the label"
        return f"add {step.drug} ({note})"
    first = step.schedule[0]
    if first.daily_mg is not None:
        amount = f"{number(first.daily_mg)} mg/day"
    elif first.as_given:  # under one tablet a day
        return f"add {step.drug}: {first.weeks} {first.as_given}"
    else:
        amount = f"{number(first.daily_mg_per_kg or 0)} mg/kg/day"
    given = f"{first.as_given}, " if first.as_given else ""
    if first.weeks == "start":  # a labelled start without a schedule
        return f"add {step.drug} at {amount}" + (f" ({first.as_given})" if first.as_given
                                                 else "")
    return f"add {step.drug} at {amount} ({given}{first.weeks})"


def _stop_now_text(stops: list[WithdrawStep]) -> str:
    """The withdrawn drugs stopped now for a recorded hypersensitivity reaction (not kept
    through the cross-taper): after SJS/TEN or DRESS plainly, else if the reaction may be
    drug-related and is recent."""
    text = ""
    only = [s.drug for s in stops if s.stop_now and s.stop_now_only]
    if only:
        text += (f"; stop {listing(only)} now and do not restart "
                 f"{'them' if len(only) > 1 else 'it'} (see the plan)")
    maybe = [s.drug for s in stops if s.stop_now and not s.stop_now_only]
    if maybe:
        text += (f"; stop {listing(maybe)} now if the recorded hypersensitivity reaction may "
                 "be drug-related and is recent (see the plan)")
    return text


def _withdraw_text(step: WithdrawStep) -> str:
    """A drug withdrawn with no new drug started: over its taper, or stopped now for a
    recorded hypersensitivity reaction (after SJS/TEN or DRESS plainly)."""
    if step.stop_now_only:
        return f"stop {step.drug} now and do not restart it (see the plan)"
    taper = f"over {weeks(step.taper_weeks)}" if step.taper_weeks else "gradually"
    if step.promptly and not step.stop_now:
        return f"start tapering {step.drug} now, {taper} (see the plan)"
    if step.stop_now:
        return (f"stop {step.drug} now if the recorded hypersensitivity reaction may be "
                f"drug-related and is recent, otherwise withdraw it {taper} (see the plan)")
    return f"withdraw {step.drug} {taper}"


def _first_step(reg: Regimen) -> str:
    steps = reg.transition.steps
    adds = [s for s in steps if isinstance(s, AddStep)]
    stops = [s for s in steps if isinstance(s, WithdrawStep)]
    if adds:
        text = _add_text(adds[0])
        if len(adds) > 1:  # the plan starts them one at a time, in this order
            text += f"; then add {listing([a.drug for a in adds[1:]])}"
        text += _stop_now_text(stops)
        new = adds[0].drug if len(adds) == 1 else "the new drugs"
        if prompt := [s.drug for s in stops if s.promptly and not s.stop_now]:
            text += f"; start tapering {listing(prompt)} now, alongside {new} (see the plan)"
        stops = [s for s in stops if not s.stop_now and not s.promptly]
        if stops:  # as the plan orders it: no 'once it works' for a seizure-free patient
            text += (f"; taper {', '.join(s.drug for s in stops)}"
                     f"{' one at a time' if len(stops) > 1 else ''} once {new} "
                     f"{'reaches' if len(adds) == 1 else 'reach'} a therapeutic dose")
        return text
    if stops:  # every drug withdrawn (review V C1: only the first was named)
        return "; ".join(_withdraw_text(s) for s in stops) + (
            "; one at a time" if len(stops) > 1 else "")
    kept = [s.drug for s in steps if isinstance(s, ContinueStep)]
    return f"continue {', '.join(kept or reg.drugs)}"


def _top_regimen(res: ConsultResult) -> SummaryRegimen | None:
    if not res.regimens:
        return None
    reg = res.regimens[0]
    adds = [s for s in reg.transition.steps if isinstance(s, AddStep)]
    doses = {d.drug: d for d in res.doses}
    # the plan's target (the dose table's range, or up to a label start above it)
    # (none for a step the label alone doses: not the add-on dose of the table)
    target = (adds[0].target_daily_mg or doses[adds[0].drug].recommended_daily_mg
              if adds and adds[0].drug in doses and not adds[0].label_only
              and not adds[0].needs and not adds[0].target_text else None)
    changed = [f"{s.drug}: {s.dose_change}" for s in reg.transition.steps
               if isinstance(s, ContinueStep) and s.dose_change]
    # a continued drug not to be taken with a co-medication: the condition the row states
    # leads the summary too (review Z Z02: 'continue phenytoin' beside rivaroxaban)
    clash = list(dict.fromkeys(
        (f.interacting_drug, f.drug) for f in res.flags
        if reg.kind == "continue" and f.action == "avoid" and f.category == "interaction"
        and f.interacting_drug in reg.drugs and f.drug not in res.candidate_drugs))
    caveats = [*(reg.caveats or []), *(f"continue {asm} only if {other} is changed, as the "
                                       "flag advises (see the top regimen)"
                                       for asm, other in clash)]
    return SummaryRegimen(drugs=reg.drugs, kind=reg.kind, first_step=_first_step(reg),
                          target_daily_mg=target, evidence=reg.evidence,
                          target_while=adds[0].target_while if adds else None,
                          target_from_week=adds[0].target_from_week if target else None,
                          replacing=reg.replacing or None,
                          caveats=caveats or None, kept_changes=changed or None)


def _patient(patient: Patient | None, shown: dict[str, str]) -> SummaryPatient | None:
    """The patient as the first line shows them (co-medications, seizure types and the
    syndrome by their ``shown`` names)."""
    if patient is None:
        return None
    return SummaryPatient(age_years=patient.age_years, weight_kg=patient.weight_kg,
                          sex=patient.sex, seizure_types=list(patient.seizure_types),
                          seizure_type_names=[shown[t] for t in patient.seizure_types
                                              if t in shown] or None,
                          syndrome=patient.syndrome,
                          syndrome_name=shown.get(patient.syndrome or ""),
                          current_medications=[shown.get(d, d)
                                               for d in patient.current_medications],
                          candidate_drugs=list(patient.candidate_drugs),
                          other_medications=list(patient.other_medications),
                          rescue_medications=list(patient.rescue_medications),
                          context=_context(patient, shown) or None)


PREGNANCY_WORDS = {"pregnant": "pregnant", "planning": "planning a pregnancy",
                   "breastfeeding": "breastfeeding"}


def _context(patient: Patient, shown: dict[str, str]) -> list[str]:
    """The patient's state that changes doses and choices, in words (review U M8: the
    first line did not say that she was pregnant or what her kidney function was)."""
    out = [PREGNANCY_WORDS[patient.pregnancy]] if patient.pregnancy in PREGNANCY_WORDS else []
    renal = patient.renal
    if renal is not None:
        if renal.egfr_ml_min is not None:
            out.append(f"eGFR {number(renal.egfr_ml_min)} mL/min/1.73 m2")
        if renal.creatinine_clearance_ml_min is not None:
            out.append(f"creatinine clearance {number(renal.creatinine_clearance_ml_min)} "
                       "mL/min")
        if renal.dialysis:
            out.append(f"on {renal.dialysis} dialysis".replace("haemodialysis dialysis",
                                                               "haemodialysis"))
    if patient.hepatic is not None:
        out.append(f"Child-Pugh {patient.hepatic.child_pugh}")
    taken = set(patient.current_medications)  # a reaction to a drug still taken is not past
    out += [f"{'reaction' if r.drug in taken else 'past reaction'} to {r.drug}: "
            f"{shown.get(r.reaction, r.reaction)}" for r in patient.adverse_reactions]
    out += [phrase(shown.get(c, c)) for c in patient.conditions]
    return out


def drugs_in_play(res: ConsultResult, patient: Patient | None = None) -> list[str]:
    """The patient's current drugs, the drugs asked about by name and the top regimen's."""
    if patient is not None:
        current = [*patient.current_medications, *patient.candidate_drugs]
    else:  # a result without its patient: the flagged current drugs and the kept ones
        current = [f.drug for f in res.flags if f.relevance == "current"]
        current += [s.drug for r in res.regimens[:1] for s in r.transition.steps
                    if not isinstance(s, AddStep)]
    return _unique([*current, *(res.regimens[0].drugs if res.regimens else [])])


def partly_checked(kb: KnowledgeBase, res: ConsultResult, patient: Patient
                   ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The patient's co-medications of the knowledge base with no recorded interaction with
    some antiseizure medication in play (:func:`drugs_in_play`) or offered (in a regimen):
    each with the antiseizure medications it has recorded interactions with, and with those
    in play or offered that it has none with. A known name is checked only for its pairs,
    and silence about the others is no proof that they do not interact (fluvoxamine, known
    for fenfluramine only, beside a benzodiazepine; clozapine, known for valproate, beside
    lamotrigine: review Z R2). In status epilepticus, the pathway's options are in play
    too."""
    in_play = [*drugs_in_play(res, patient), *(d for r in res.regimens for d in r.drugs)]
    if res.status_epilepticus is not None:  # its options are given now (review J M4)
        in_play += [o.drug for st in res.status_epilepticus.stages for o in st.options]
    asms = [d for d in _unique(in_play) if d in kb.drugs]
    known, unpaired = {}, {}
    for drug in patient.current_medications:
        partners = kb.interaction_partners.get(drug, frozenset())
        med = kb.comedications.get(drug)
        missing = [d for d in asms if d not in partners]
        if med is not None and med.unaffected is None and missing:
            known[drug] = sorted(partners & set(kb.drugs))
            unpaired[drug] = missing
    return known, unpaired


def unaffected(kb: KnowledgeBase, patient: Patient) -> dict[str, SummaryStep]:
    """The patient's co-medications that a source says no antiseizure medication affects
    (the levonorgestrel IUD), with what it says."""
    out = {}
    for drug in patient.current_medications:
        said = getattr(kb.comedications.get(drug), "unaffected", None)
        if said is not None:
            out[drug] = SummaryStep(text=said.statement, evidence=said.evidence.sources,
                                    evidence_level=said.evidence.level)
    return out


def summarize(res: ConsultResult, patient: Patient | None = None,
              shown: dict[str, str] | None = None, *, acute: bool = False,
              rescue: list[Dose] = (),
              checked_for: dict[str, list[str]] | None = None) -> Summary:
    """The summary of a finished consult (``patient``: who it is for, when known;
    ``shown``: the names people know co-medications by, where the id reads wrongly;
    ``acute``: a consult during the emergency, which the summary then leads with; a patient
    whose seizure types include status epilepticus has the pathway for reference only;
    ``rescue``: the rows of rescue products beside the same drug taken daily, which the
    doses do not hold; ``checked_for``: each recorded comorbid condition and the drugs the
    knowledge base judges it for)."""
    shown = shown or {}
    in_play = drugs_in_play(res, patient)
    avoid = _avoid(res.flags, shown.get(patient.syndrome) if patient and patient.syndrome
                   else None)
    # a current drug to replace for an interaction is taken until its taper ends: its dose
    # change and its monitoring stay
    avoided = {a.drug for a in avoid if not (a.relevance == "current" and a.with_drugs)}
    # a rescue product outside its labelled ages leads its drug's lines (review N M8)
    monitor = [SummaryMonitor(drug=d.drug, action="use_with_caution",
                              reason=d.basis[0].split(" (")[0] + ".", evidence=d.evidence,
                              evidence_level="high", rule=f"rescue_outside_label:{d.drug}")
               for d in [*res.doses, *rescue] if d.status == "rescue_outside_label"]
    monitor += _monitor(res.flags, avoided, in_play, res.safety_notes)
    named = {d: shown[d] for d in [*in_play, *(m.drug for m in monitor),
                                   *res.co_medications_not_checked_together,
                                   *(checked_for or {})] if d in shown}
    return Summary(
        patient=_patient(patient, shown), avoid=avoid,
        dose_changes=_dose_changes(res, avoided, in_play),
        monitor=monitor, dre_status=res.dre.status,
        next_steps=[SummaryStep(text=first_sentence(s.text) + (
                                    f" {first_sentence(s.seizure_free_note)}"
                                    if s.seizure_free_note else ""), evidence=s.evidence,
                                evidence_level=s.evidence_level) for s in res.dre.next_steps],
        risk=_risk(res), top_regimen=_top_regimen(res),
        first=[SummaryStep(text=a.first, evidence=a.evidence, evidence_level=a.evidence_level)
               for a in res.advice if a.first], emergency=_emergency(res) if acute else [],
        in_play=in_play,
        unchecked_medications=list(res.unchecked_medications),
        partly_checked_medications=dict(res.partly_checked_medications),
        partly_checked_not_against=dict(res.partly_checked_not_against),
        unaffected_medications=dict(res.unaffected_medications),
        co_medications_not_checked_together=list(res.co_medications_not_checked_together),
        conditions_checked_for=checked_for or {},
        shown=named or None)


def _emergency(res: ConsultResult) -> list[SummaryStep]:
    """In status epilepticus, the pathway's first step before anything else (review K M2:
    the summary led with a long-term regimen and never named the emergency)."""
    se = res.status_epilepticus
    if se is None or not se.stages:
        return []
    stage = next((st for st in se.stages if any(o.doses for o in st.options)), se.stages[0])
    name = stage.name
    if stage is not se.stages[0]:  # mid-sentence: "Stabilization phase, then initial ..."
        name = f"{se.stages[0].name}, then {name[:1].lower()}{name[1:]}"
    options = "; ".join(f"{o.drug} " + " or ".join(_acute(d) for d in o.doses)
                        for o in stage.options if o.doses)
    main = SummaryStep(
        text=f"{name}: {options or first_sentence(stage.instruction)}. Treat it "
             "now, by the report's status epilepticus pathway (right after its summary); the "
             "regimens are for after the emergency.",
        evidence=list(stage.evidence),
        evidence_level=min((o.evidence_level for o in stage.options),
                           key=LEVEL_ORDER.__getitem__, default=None))
    taken = [SummaryStep(text=flag[len(ALREADY_TAKING):], evidence=list(o.evidence),
                         evidence_level=o.evidence_level)
             for o in stage.options for flag in o.flags if flag.startswith(ALREADY_TAKING)]
    return [main, *taken]


def _acute(dose: PathwayDose) -> str:
    """One acute dose in brief: 'IM 10 mg', 'IV 0.1 mg/kg (max 4 mg)'."""
    amount = (f"{number(dose.dose_mg)} {dose.unit}" if dose.dose_mg is not None
              else dose.dose_rule or "")
    return " ".join(p for p in (dose.route, amount) if p)


def summary_of(res: ConsultResult) -> Summary:
    """The result's summary, or one built from the result alone when it has none."""
    return res.summary if res.summary is not None else summarize(res)
