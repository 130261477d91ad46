"""Plain-text pieces shared by the Markdown, HTML and PDF reports and the app."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from advisor.dosing import INPUT_NOTES
from advisor.numbers import (
    age,
    daily_mg,
    number,
    probability,
    signed_percent,
    span,
    syndrome_phrase,
    weeks,
)
from advisor.result import (
    AddStep,
    ConsultResult,
    ContinueStep,
    Dose,
    PathwayDose,
    Provenance,
    Regimen,
    Risk,
    ScheduleEntry,
    SummaryPatient,
    SummaryRisk,
    TransitionPlan,
    WithdrawStep,
)
from advisor.schema import Source
from advisor.summary import summary_of, without_citations
from advisor.vocabulary import START_LOWER

_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def words(text: str) -> str:
    """Free text with its codes as words: "combined_oral_contraceptive" -> "combined oral
    contraceptive", "focal_to_bilateral_tonic_clonic" -> "focal to bilateral tonic clonic"."""
    return _CODE.sub(lambda m: m.group(0).replace("_", " "), text)


def statements(parts: Iterable[str]) -> str:
    """Statements joined with '; ', each without its closing full stop ('... stage; reduce',
    not '... stage.; reduce')."""
    return "; ".join(text for p in parts if (text := p.strip().rstrip(".").rstrip()))


def basis_text(d: Dose, said: Collection[str] = ()) -> str:
    """A dose's basis in words, without its inline citations (the views cite by number),
    and without the statements ``said`` once above the table."""
    return statements(b for b in (without_citations(b) for b in d.basis) if b not in said)


def shared_notes(doses: Iterable[Dose], least: int = 2) -> dict[str, list[str]]:
    """The notes about the patient's inputs (:data:`advisor.dosing.INPUT_NOTES`: 'eGFR used
    in place of creatinine clearance ...') that ``least`` or more dose rows carry, with the
    drugs they are for: said once above the table, not in every row (review U C5: one
    paragraph in 11 rows)."""
    drugs: dict[str, list[str]] = {}
    for d in doses:
        for b in INPUT_NOTES:
            if b in d.basis:
                drugs.setdefault(b, []).append(d.drug)
    return {b: found for b, found in drugs.items() if len(found) >= least}


def shared_lines(notes: dict[str, list[str]]) -> list[str]:
    """The shared statements as lines: 'For levetiracetam, lacosamide, ...: <statement>.'"""
    return [f"For {', '.join(found)}: {words(b).rstrip('.')}." for b, found in notes.items()]


def model_text(prov: Provenance) -> str:
    """The risk model's version for a report's footer, or that none was used (not 'model
    none')."""
    return f"model {prov.model_version}" if prov.model_version else "no risk model used"


def regimen_tag(reg: Regimen, sep: str = ", ") -> str:
    """The regimen's kind and score: "substitution, score 43". A 'continue' row is first by
    rule, whatever its score (a long-term co-medication's 'avoid' can make it -947): no
    score is shown for it."""
    if reg.kind == "continue":
        return reg.kind_text
    return f"{reg.kind_text}{sep}score {number(reg.score)}"


def mechanisms(reg: Regimen) -> str:
    """Each drug's primary mechanism: 'levetiracetam: synaptic vesicle protein 2A ligand; ...'."""
    return "; ".join(f"{d}: {m}" for d, m in zip(reg.drugs, reg.mechanism_labels, strict=True))


def start_text(d: Dose, res: ConsultResult) -> str:
    """The label's starting dose, or "" without one; for a drug the patient already takes,
    as the dose to restart it at (the label's re-titration after a break)."""
    if not d.start_daily_mg:
        return ""
    text = f"start {number(d.start_daily_mg)} {d.unit}/day" + (
        f" ({d.start_as_given})" if d.start_as_given else "")
    patient = summary_of(res).patient
    return f"if restarted: {text}" if patient and d.drug in patient.current_medications else text


def value_text(value: str | float) -> str:
    """A model input's value as shown: 19 (not 19.0), 'yes', 'not known'."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value)
    return words(str(value))


def mg(r: list[float] | None, unit: str = "mg") -> str:
    """A daily range in mg (or ``unit``), or "—" when there is none."""
    return daily_mg(r, unit)


def pct(p: float | None) -> str:
    return "—" if p is None else signed_percent(p)


RISK_LABEL = {"drug_resistance": "Probability of drug-resistant epilepsy",
              "seizure_freedom_next_regimen": "Probability of seizure freedom on the next "
                                              "regimen"}


def risk_line(risk: SummaryRisk) -> str:
    line = f"{RISK_LABEL[risk.outcome]}: {probability(risk.probability, risk.interval)}"
    one = risk.as_one
    if one:  # review AA-M3
        line += (f", counting {one.label} as two seizure types; "
                 f"{probability(one.probability, one.interval)} counting them as one")
    return line


def risk_sentences(risk: Risk) -> list[str]:
    """The two estimates (or why one is not given), as sentences."""
    out = []
    if risk.p_drug_resistance is not None:
        out.append(f"{RISK_LABEL['drug_resistance']}: "
                   f"{probability(risk.p_drug_resistance, risk.p_drug_resistance_interval)}.")
    out.append(f"{RISK_LABEL['seizure_freedom_next_regimen']}: "
               + probability(risk.p_seizure_freedom_next_regimen,
                             risk.p_seizure_freedom_next_regimen_interval) + ".")
    return [*out, *risk.notes]


def seizure_words(types: list[str]) -> str:
    """Seizure types (codes, or the vocabulary's names) in words: "focal, absence seizures;
    epileptic spasms" (one "seizures" for the names that end in it; none after a name that
    says what it is otherwise)."""
    names = [words(t).removesuffix(" seizures") for t in types]
    whole = [n for n in names if n.endswith(("seizures", "spasms", "epilepticus", "not known"))]
    plain = [n for n in names if n not in whole]
    return "; ".join([*([", ".join(plain) + " seizures"] if plain else []), *whole])


def patient_line(p: SummaryPatient | None) -> str:
    """Who the consult is for: "Female, 34 years, 62 kg; focal, ... seizures; taking ..."
    (first letter upper case; names written by the user are kept as written)."""
    if p is None:
        return ""
    who = [p.sex or "sex not given", age(p.age_years) if p.age_years is not None
           else "age not given", f"{number(p.weight_kg)} kg" if p.weight_kg is not None
           else "weight not given"]
    parts = [", ".join(who), seizure_words(p.seizure_type_names or p.seizure_types)]
    if p.syndrome:
        parts.append(syndrome_phrase(p.syndrome_name) if p.syndrome_name else words(p.syndrome))
    taking = words(", ".join(f"{d} (rescue)" if d in p.rescue_medications else d
                             for d in p.current_medications))
    if p.other_medications:
        others = ", ".join(p.other_medications) + " (outside the knowledge base)"
        parts.append(f"taking {taking}; also {others}" if taking else f"taking {others}")
    else:
        parts.append(f"taking {taking or 'no medication'}")
    if p.candidate_drugs:
        parts.append("considering " + ", ".join(p.candidate_drugs))
    parts += p.context or []
    line = "; ".join(parts)
    return line[:1].upper() + line[1:]


def acute_dose(d: PathwayDose) -> str:
    """One status-epilepticus dose: route, amount (or mg/kg rule), band and repeat."""
    amount = f"{number(d.dose_mg)} {d.unit}" if d.dose_mg is not None else (d.dose_rule or "")
    parts = [f"{d.route} {amount}"]
    if d.dose_rule and d.dose_mg is not None:
        parts.append(f"({d.dose_rule})")
    if d.weight_band:
        parts.append(f"for {d.weight_band}")
    if d.age_band:
        parts.append(d.age_band if d.age_band.startswith("from ") else f"for {d.age_band}")
    if d.repeat:
        parts.append(f"- {d.repeat}")
    return " ".join(parts)


def _entry(x: ScheduleEntry) -> str:
    if x.daily_mg is not None:
        given = f" ({x.as_given})" if x.as_given else ""
        return f"{x.weeks}: {number(x.daily_mg)} mg/day{given}"
    given = f" ({x.as_given})" if x.as_given else ""
    return f"{x.weeks}: {number(x.daily_mg_per_kg or 0)} mg/kg/day{given}"


def target_text(target: list[float], while_taking: list[str] | None, unit: str = "mg") -> str:
    """A regimen's target dose, and, when it is the labelled dose only while drugs being
    withdrawn are taken, that it changes once they are stopped."""
    text = daily_mg(target, unit)
    if not while_taking:
        return text
    names = " and ".join(while_taking)
    verb, them = ("are", "them") if len(while_taking) > 1 else ("is", "it")
    return (f"{text} while {names} {verb} taken (once {names} {verb} stopped, the labelled "
            f"dose without {them} applies: see the withdrawal step)")


def reached_text(week: int) -> str:
    """After a lowered schedule's target: when the schedule first reaches it (review Y M8)."""
    return f", first reached in week {week} at the earliest (the doses are lowered, not the pace)"


def step_line(step: ContinueStep | AddStep | WithdrawStep, doses: dict[str, Dose]) -> str:
    """One transition step; an added drug's target is the plan's (the dose table's range,
    up to a label start above it), else the dose table's."""
    if isinstance(step, ContinueStep):
        return f"continue {step.drug}" + (f": {step.dose_change}" if step.dose_change else "")
    if isinstance(step, AddStep):
        if step.label_only:
            return (f"add {step.drug}: start, steps and target from the product label "
                    "(no dose for this use in the knowledge base)")
        if step.needs:
            return f"add {step.drug}: no dose until the patient's {step.needs} is given"
        sched = ", ".join(_entry(x) for x in step.schedule)
        then = f"; then {step.then}" if step.then else ""
        dose = doses.get(step.drug)
        target = step.target_daily_mg or (dose.recommended_daily_mg if dose
                                          and not step.target_text else None)
        goal = (f"; target {target_text(target, step.target_while)}" if target else
                f"; target: {step.target_text}" if step.target_text else "")
        if target and step.target_from_week:
            goal += reached_text(step.target_from_week)
        if not sched and step.start_lower:
            sched = START_LOWER
        only = step.schedule[0] if len(step.schedule) == 1 else None
        if (only is not None and only.weeks == "start" and only.daily_mg is not None
                and target and max(target) - min(target) < 1e-9
                and abs(only.daily_mg - target[0]) < 1e-9):
            rise = dose.may_rise_to if dose else None
            levels = " and levels" if dose and dose.therapeutic_range_mg_per_l else ""
            more = (f"; it may be raised, guided by response{levels}, up to {rise} (see the "
                    "dose row)" if rise else "")
            return (f"add {step.drug}: {daily_mg(target)} from the start (the labelled "
                    f"dose){more}")
        return f"add {step.drug}: {sched or 'see the label'}{then}{goal}"
    if step.stop_now and step.stop_now_only:  # SJS/TEN or DRESS: no taper to follow
        return f"withdraw {step.drug}: {step.stop_now}"
    taper = (f"taper over {weeks(step.taper_weeks)}" if step.taper_weeks else
             "withdraw gradually (no sourced taper)")
    never = "; never stop abruptly" if step.never_abrupt else ""
    if step.stop_now:  # the taper and 'never abruptly' are the otherwise-branch
        taper = f"{step.stop_now}; otherwise {taper}"
        never = ", not abruptly" if step.never_abrupt else ""
    elif step.promptly:  # contraindicated: the taper starts now (review Z Z01)
        taper = f"{step.promptly}; {taper}"
    # the notes are sentences of their own ('No duration on the label. ...')
    extra = [n.rstrip(".") for n in step.notes[1:]] if step.taper_weeks else []
    return ". ".join([f"withdraw {step.drug}: {taper}{never}", *extra])


def transition_lines(tr: TransitionPlan, doses: dict[str, Dose] | None = None) -> list[str]:
    """The transition plan as one line per instruction, in the order to follow them."""
    doses = doses or {}
    return [*tr.sequence, *(step_line(s, doses) for s in tr.steps),
            *(c.change for c in tr.interaction_changes)]


def citation(source: Source | None, sid: str) -> str:
    """A reference-list entry: the citation, with its PMID or DOI (unless the citation text
    already gives it)."""
    if source is None:
        return sid
    tail = [f"PMID {source.pmid}" if source.pmid and source.pmid not in source.citation
            else "",
            f"doi:{source.doi}" if source.doi and source.doi not in source.citation else ""]
    return " ".join([source.citation, *(t for t in tail if t)])


def minutes(lo: float, hi: float) -> str:
    return span(lo, hi, "min")
