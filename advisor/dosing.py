"""Dose recommendations: standard range x genotype adjustments x interaction adjustments.

Each adjustment comes from a fired rule (``then.dose``) or an interaction whose
perpetrator the patient already takes (``dose``); each is listed in ``basis`` with its
source. ``adjustment_percent`` is the net change of the range midpoint.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from advisor.frame import PatientFrame
from advisor.knowledge import KnowledgeBase
from advisor.result import Dose
from advisor.schema import DoseChange, Drug, Evidence

ADULT_AGE_YEARS = 18


def _r(x: float) -> float:
    return float(round(x, 1))


def _cite(evidence: Evidence) -> str:
    return f"[{', '.join(evidence.sources)}; evidence {evidence.level}]"


def doses_as_child(drug: Drug, age: float | None) -> bool:
    """A minor within (or below) the drug's labelled paediatric age band; older minors
    take the adult dose."""
    if age is None or age >= ADULT_AGE_YEARS:
        return False
    ped = drug.dosing.pediatric_daily_mg_per_kg
    return not (ped and ped.age_years and age > ped.age_years.hi)


def standard_range(drug: Drug, age: float | None, weight: float | None,
                   ) -> tuple[list[float] | None, str, Evidence | None]:
    """The standard daily maintenance range for this patient, how it was chosen, and why."""
    dosing = drug.dosing
    if dosing.weight_bands:
        if weight is None:
            return None, "weight-banded dosing: give weight_kg to see the range", None
        for band in dosing.weight_bands:
            if band.min_kg <= weight and (band.max_kg is None or weight <= band.max_kg):
                label = f"{band.min_kg:g}-{band.max_kg:g} kg" if band.max_kg else (
                    f">{band.min_kg:g} kg")
                return band.range.as_list(), f"standard range for body weight {label}", (
                    band.evidence)
    child = doses_as_child(drug, age)
    ped = dosing.pediatric_daily_mg_per_kg
    if child and ped and ped.age_years and age < ped.age_years.lo:
        return None, (f"no sourced dose below age {ped.age_years.lo:g} years: use the "
                      "product label"), None
    if child and ped:
        if weight is None:
            return None, "paediatric mg/kg dosing: give weight_kg to see the range", None
        cap = dosing.pediatric_max_daily_mg or dosing.adult_max_daily_mg
        lo, hi = ped.range.lo * weight, ped.range.hi * weight
        if cap:
            lo, hi = min(lo, cap.value), min(hi, cap.value)
        note = f"paediatric {ped.range.lo:g}-{ped.range.hi:g} mg/kg/day x {weight:g} kg"
        return [_r(lo), _r(hi)], note + (f", capped at {cap.value:g} mg/day" if cap else ""), (
            ped.evidence)
    if child:
        return None, "no sourced paediatric dose in the knowledge base: use the product label", (
            None)
    if dosing.adult_maintenance_daily_mg is None:
        return None, "no maintenance dose in the knowledge base (acute or rescue use)", None
    note = "standard adult maintenance range" + ("" if age is not None else
                                                  " (age not given: adult range shown)")
    return dosing.adult_maintenance_daily_mg.range.as_list(), note, (
        dosing.adult_maintenance_daily_mg.evidence)


def _apply(changes: list[tuple[DoseChange, str, Evidence]], standard: list[float] | None,
           dose: Dose) -> None:
    if standard is None:
        for _, why, ev in changes:
            dose.basis.append(f"{why} {_cite(ev)} (not applied: no standard range)")
        return
    lo, hi = standard
    overrides = [(c, why, ev) for c, why, ev in changes if c.range_daily_mg is not None]
    if overrides:
        change, why, ev = min(overrides, key=lambda o: o[0].range_daily_mg.hi)
        lo, hi = change.range_daily_mg.lo, change.range_daily_mg.hi
        dose.basis.append(f"{why}: range {lo:g}-{hi:g} mg/day {_cite(ev)}")
        if len(overrides) > 1:
            dose.basis.append("several interactions set a range; the lowest is shown")
    factor = 1.0
    for change, why, ev in changes:
        if change.percent is not None:
            factor *= 1 + change.percent / 100
            dose.basis.append(f"{why}: {change.percent:+g}% of maintenance {_cite(ev)}")
        if change.start_daily_mg is not None:
            dose.start_daily_mg = min(dose.start_daily_mg or change.start_daily_mg,
                                      change.start_daily_mg)
            dose.basis.append(f"{why}: start at {change.start_daily_mg:g} mg/day {_cite(ev)}")
        if change.max_daily_mg is not None:
            dose.max_daily_mg = min(dose.max_daily_mg or change.max_daily_mg,
                                    change.max_daily_mg)
            dose.basis.append(f"{why}: at most {change.max_daily_mg:g} mg/day {_cite(ev)}")
        if change.note:
            dose.basis.append(change.note)
        if change.range_daily_mg is None and change.percent is None and not (
                change.start_daily_mg or change.max_daily_mg or change.note):
            dose.basis.append(f"{why} {_cite(ev)}")
    lo, hi = lo * factor, hi * factor
    if dose.max_daily_mg is not None:
        lo, hi = min(lo, dose.max_daily_mg), min(hi, dose.max_daily_mg)
    dose.recommended_daily_mg = [_r(lo), _r(hi)]
    dose.adjustment_percent = _r(((lo + hi) / (standard[0] + standard[1]) - 1) * 100)


def recommend_doses(kb: KnowledgeBase, frame: PatientFrame, flags: pd.DataFrame,
                    row: int) -> list[Dose]:
    """Doses for every candidate drug of one row of the frame."""
    rule_dose = {rule.id: (rule.then.dose, rule.evidence) for _, rule in kb.rules
                 if rule.then.dose is not None}
    inter_dose = {f"interaction:{i.id}": i for i in kb.interactions if i.dose is not None}
    age = frame.age_years.iloc[row]
    weight = frame.weight_kg.iloc[row]
    age = None if pd.isna(age) else float(age)
    weight = None if pd.isna(weight) else float(weight)
    by_drug: dict[str, list[dict[str, Any]]] = {}
    for flag in flags[flags["row"] == row].to_dict("records"):
        by_drug.setdefault(flag["drug"], []).append(flag)
    doses = []
    for drug_name in frame.candidates.loc[frame.candidates["row"] == row, "drug"]:
        drug = kb.drugs[drug_name]
        standard, how, std_ev = standard_range(drug, age, weight)
        dose = Dose(drug=drug_name, standard_daily_mg=standard,
                    recommended_daily_mg=list(standard) if standard else None,
                    adjustment_percent=0.0 if standard else None, basis=[how])
        if std_ev:
            dose.evidence += std_ev.sources
        changes: list[tuple[DoseChange, str, Evidence]] = []
        for flag in by_drug.get(drug_name, []):
            rule, other = flag["rule"], flag["interacting_drug"]
            if rule in rule_dose:
                change, ev = rule_dose[rule]
                changes.append((change, f"rule {rule}", ev))
            elif rule in inter_dose:
                inter = inter_dose[rule]
                if drug_name in inter.victims and other in inter.perpetrators:
                    changes.append((inter.dose, f"with {other}", inter.evidence))
        for *_, ev in changes:
            dose.evidence += ev.sources
        _apply(changes, standard, dose)
        avoid = [f for f in by_drug.get(drug_name, []) if f["action"] == "avoid"]
        if avoid:
            dose.recommended_daily_mg = None
            dose.adjustment_percent = None
            dose.basis.insert(0, "not recommended for this patient: 'avoid' flag ("
                              + ", ".join(sorted({f["category"] for f in avoid})) + ")")
        if drug.dosing.adult_max_daily_mg and (age is None or age >= ADULT_AGE_YEARS):
            cap = drug.dosing.adult_max_daily_mg.value
            dose.max_daily_mg = min(dose.max_daily_mg or cap, cap)
        if drug.dosing.therapeutic_range_mg_per_l:
            tr = drug.dosing.therapeutic_range_mg_per_l
            dose.therapeutic_range_mg_per_l = tr.range.as_list()
            dose.evidence += tr.evidence.sources
        dose.evidence = list(dict.fromkeys(dose.evidence))
        doses.append(dose)
    return doses
