"""The staged status-epilepticus pathway, with this patient's doses and genotype flags.

Shown when the patient's seizure types include status epilepticus or a consult is run
with ``--acute``. Options with an ``avoid`` flag for an acute-relevant reason
(:data:`ACUTE_EXCLUSIONS`) are excluded, with the reason; other flags (a genotype-based
maintenance adjustment after a fosphenytoin load, long-term aggravation notes) are attached.
"""

from __future__ import annotations

import math

import pandas as pd

from advisor.dosing import age_text
from advisor.frame import PatientFrame, frame_from_patients
from advisor.inputs.patient import Patient
from advisor.knowledge import KnowledgeBase
from advisor.result import (
    PathwayDose,
    PathwayEvidenceNote,
    PathwayExclusion,
    PathwayOption,
    PathwayStage,
    StatusEpilepticusPathway,
)
from advisor.rules import DOSE_ACTIONS, records, row_mask
from advisor.schema import AcuteDose, SeEvidenceNote
from advisor.vocabulary import ALREADY_TAKING

# Flag categories whose 'avoid' also rules a drug out for an acute seizure emergency
# (hypersensitivity, mitochondrial or other toxicity, a past serious reaction, a contraindicated
# liver or kidney function). Seizure-type aggravation, interactions and reproductive advice
# concern long-term treatment: they are shown beside the option, not used to exclude it.
ACUTE_EXCLUSIONS = ("hypersensitivity", "toxicity", "history", "organ_function")
NOTE = "Evidence and doses for clinicians to weigh, not an order set."


def pathway_drugs(kb: KnowledgeBase) -> list[str]:
    """Every drug named as an option in the pathway."""
    return list(dict.fromkeys(o.drug for s in kb.status_epilepticus.stages for o in s.options))


def applies(patient: Patient, acute: bool) -> bool:
    return acute or "status_epilepticus" in patient.seizure_types


def _long_term(kb: KnowledgeBase, flag: dict) -> bool:
    """Whether a flag concerns long-term treatment only: not an acute exclusion, and not an
    interaction with a drug taken as a short course (a carbapenem lowers valproate within a
    day, so it bears on an IV valproate load)."""
    return flag["category"] not in ACUTE_EXCLUSIONS and not (
        flag["category"] == "interaction"
        and flag.get("interacting_drug") in kb.short_course_comedications)


def _caveat(kb: KnowledgeBase, flag: dict) -> str:
    """A flag shown beside an option, with what it is about: an interaction's own advice for
    an emergency dose (``in_emergency``: an opioid adds respiratory depression, but the
    benzodiazepine is not under-dosed), long-term treatment, or (a kidney or liver statement
    that changes the dose) the label's maintenance dosing, which a pharmacist checking an
    emergency dose must not read as a cut of that dose."""
    inter = kb.interaction_rules.get(flag.get("rule") or "")
    if inter is not None and inter.in_emergency:
        return (f"{flag['action'].replace('_', ' ')} (this emergency dose): {flag['drug']} "
                f"with {flag['interacting_drug']}: {inter.in_emergency}")
    when = (" (long-term use)" if _long_term(kb, flag) else
            " (maintenance dosing, not this emergency dose)"
            if flag["category"] == "organ_function" and flag["action"] in DOSE_ACTIONS else "")
    return f"{flag['action'].replace('_', ' ')}{when}: {flag['message']}"


def _fits_age(dose: AcuteDose, age_years: float | None) -> bool:
    """Whether the dose's age band (if any) may be this patient's (an unknown age: yes)."""
    return dose.age_years is None or age_years is None or dose.age_years.contains(age_years)


def _dose(dose: AcuteDose, weight: float | None) -> PathwayDose | None:
    """This patient's dose, or None when the dose's weight band excludes the patient."""
    if weight is not None and (
            (dose.min_weight_kg is not None and weight < dose.min_weight_kg)
            or (dose.max_weight_kg is not None and weight > dose.max_weight_kg)):
        return None
    out = PathwayDose(route=dose.route, unit=dose.unit, repeat=dose.repeat or None,
                      note=dose.note or None,
                      age_band=age_text(dose.age_years) if dose.age_years else None)
    if dose.fixed_mg is not None:
        out.dose_mg = dose.fixed_mg
        if weight is None and (dose.min_weight_kg or dose.max_weight_kg):
            out.weight_band = _band(dose)
    else:
        text = f"{dose.mg_per_kg:g} {dose.unit}/kg" + (
            f" (max {dose.max_mg:g} {dose.unit})" if dose.max_mg else "")
        out.dose_rule = text
        if weight is not None:
            mg = dose.mg_per_kg * weight
            if dose.round_up_mg:  # review K M4: 'rounded up' was said, not done
                mg = math.ceil(round(mg / dose.round_up_mg, 6)) * dose.round_up_mg
            out.dose_mg = round(min(mg, dose.max_mg) if dose.max_mg else mg, 1)
    return out


def _band(dose: AcuteDose) -> str:
    """The weights a dose row is for: '13-40 kg', '>40 kg'."""
    lo, hi = dose.min_weight_kg, dose.max_weight_kg
    return (f"{lo or 0:g}-{hi:g} kg" if hi is not None else f">{lo:g} kg" if lo is not None
            else "any weight")


def _no_dose(doses: list[AcuteDose], weight: float) -> list[PathwayDose]:
    """What to show when no dose row covers the patient's weight: the routes, with the
    weights the source's doses are for (never another weight's dose)."""
    out = []
    for route in dict.fromkeys(d.route for d in doses):
        rows = sorted((d for d in doses if d.route == route),
                      key=lambda d: d.min_weight_kg or 0)
        given = [f"{d.fixed_mg:g} {d.unit} for {_band(d)}" if d.fixed_mg is not None else
                 f"{d.mg_per_kg:g} {d.unit}/kg for {_band(d)}" for d in rows]
        out.append(PathwayDose(route=route, dose_rule=(
            f"(no dose in the sources for {weight:g} kg: they give {' and '.join(given)}; "
            "use another option or a local protocol)")))
    return out


def _option_doses(doses: list[AcuteDose], age: float | None, weight: float | None
                  ) -> list[PathwayDose]:
    """An option's doses for this patient, route by route: the rows of the patient's age
    and weight; a route with rows for the age but none for the weight says so (never
    another weight's dose); a route whose age bands leave the patient out is not shown."""
    out: list[PathwayDose] = []
    for route in dict.fromkeys(d.route for d in doses):
        aged = [d for d in doses if d.route == route and _fits_age(d, age)]
        fitting = [x for x in (_dose(d, weight) for d in aged) if x]
        out += fitting or (_no_dose(aged, weight) if aged else [])
    return out


def _applying_notes(kb: KnowledgeBase, patient: Patient, frame: PatientFrame | None,
                    row: int) -> list[SeEvidenceNote]:
    """The pathway's notes for this patient (those whose ``when`` conditions all hold)."""
    notes = kb.status_epilepticus.evidence_notes
    if frame is None and any(n.when for n in notes):
        frame, row = frame_from_patients(kb, [patient]), 0
    return [n for n in notes if all(row_mask(frame, cond)[row] for cond in n.when)]


def pathway(kb: KnowledgeBase, patient: Patient, flags: pd.DataFrame,
            frame: PatientFrame | None = None, row: int = 0) -> StatusEpilepticusPathway:
    """The pathway for this patient (row ``row`` of ``frame``, made when not given);
    ``flags`` must cover the pathway's drugs. Below the pathway's age scope (neonates) it
    holds no stages, only the note on what to follow."""
    scope = kb.status_epilepticus.scope
    if patient.age_years is not None and patient.age_years < scope.from_age_years:
        return StatusEpilepticusPathway(stages=[], evidence_notes=[PathwayEvidenceNote(
            id="outside_scope", text=scope.younger, evidence=list(scope.evidence.sources),
            evidence_level=scope.evidence.level, contested=scope.evidence.contested)],
            note=NOTE)
    applying = _applying_notes(kb, patient, frame, row)
    stages = []
    for stage in kb.status_epilepticus.stages:
        options, excluded = [], []
        for opt in stage.options:
            mine = flags[flags["drug"] == opt.drug]
            avoid = mine[(mine["action"] == "avoid")
                         & mine["category"].isin(ACUTE_EXCLUSIONS).to_numpy()]
            if len(avoid):
                excluded.append(PathwayExclusion(
                    drug=opt.drug, reasons=avoid["message"].astype(str).tolist(),
                    evidence=sorted({s for e in avoid["evidence"] for s in str(e).split(";")})))
                continue
            doses = _option_doses(opt.doses, patient.age_years, patient.weight_kg)
            caveats = [_caveat(kb, f) for f in records(mine[mine["action"] != "info"])]
            taken = [d for d in (opt.drug, *opt.counts_as) if d in patient.current_medications]
            if taken:
                said = stage.already_taking or kb.status_epilepticus.already_taking
                caveats.insert(0, f"{ALREADY_TAKING}{' and '.join(taken)}: {said.text}")
            options.append(PathwayOption(drug=opt.drug, doses=doses, flags=caveats,
                                         evidence=list(opt.evidence.sources),
                                         evidence_level=opt.evidence.level))
        steps = [n for n in applying if n.stage == stage.id]  # this patient's own steps
        stages.append(PathwayStage(
            id=stage.id, name=stage.name, minutes=stage.minutes.as_list(),
            instruction=" ".join([stage.instruction, *(n.text for n in steps)]),
            options=options, excluded=excluded, evidence=list(dict.fromkeys(
                [*stage.evidence.sources, *(s for n in steps for s in n.evidence.sources)]))))
    notes = [PathwayEvidenceNote(id=n.id, text=n.text, evidence=list(n.evidence.sources),
                                 evidence_level=n.evidence.level,
                                 contested=n.evidence.contested)
             for n in applying if n.stage is None]
    if patient.weight_kg is None:
        notes.insert(0, PathwayEvidenceNote(
            id="weight_missing", text="Body weight not given: weight-based doses are shown as "
            "rules (mg/kg), not milligrams.", evidence=[], evidence_level=None,
            contested=False))
    return StatusEpilepticusPathway(
        stages=stages, evidence_notes=notes,
        note=NOTE)
