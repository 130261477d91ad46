"""Ranked combination regimens with distinct mechanisms, each with its reasoning.

Candidates are the patient's judged drugs that have no ``avoid`` flag and a maintenance
dose. Regimens are the current ASMs plus one candidate (add-on), or pairs of candidates.
Scores use the weights in ``knowledgebase/regimens.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import pandas as pd

from advisor.kb_schema import Drug
from advisor.knowledge import KnowledgeBase
from advisor.patient import Patient

IGNORED_TYPES = {"unknown", "status_epilepticus"}


@dataclass
class Regimen:
    drugs: list[str]
    mechanisms: list[str]
    score: float
    rationale: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    kind: str = "pair"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _maintenance(drug: Drug) -> bool:
    d = drug.dosing
    return bool(d.adult_maintenance_daily_mg or d.weight_bands or d.pediatric_daily_mg_per_kg)


def _childbearing(kb: KnowledgeBase, patient: Patient) -> bool:
    band = kb.regimens.childbearing_potential_age_years
    return (patient.sex == "female" and patient.age_years is not None
            and band.lo <= patient.age_years <= band.hi)


def _score(kb: KnowledgeBase, patient: Patient, drugs: list[str], flags: pd.DataFrame,
           kind: str) -> Regimen:
    w = kb.regimens.weights
    items = [kb.drugs[d] for d in drugs]
    reg = Regimen(drugs=drugs, mechanisms=[d.primary_mechanism for d in items], score=w.base,
                  kind=kind)
    for a, b in combinations(items, 2):
        if a.primary_mechanism == b.primary_mechanism:
            reg.score += w.same_primary_mechanism
            reg.warnings.append(f"{a.name} and {b.name} share a primary mechanism "
                                f"({a.primary_mechanism}): additive toxicity, little gain.")
        else:
            reg.score += w.distinct_mechanism
            reg.rationale.append(f"Distinct mechanisms: {a.name} ({a.primary_mechanism}) + "
                                 f"{b.name} ({b.primary_mechanism}).")
        shared = set(a.adverse_effects.tags) & set(b.adverse_effects.tags) & set(
            kb.regimens.shared_adverse_effect_tags)
        if shared:
            reg.score += w.shared_adverse_effect * len(shared)
            reg.warnings.append(f"Overlapping adverse effects of {a.name} and {b.name}: "
                                f"{', '.join(sorted(shared))}.")
        for syn in kb.regimens.synergies:
            if {a.name, b.name} == set(syn.drugs):
                reg.score += w.synergy
                reg.rationale.append(f"Documented synergy: {syn.note}")
                reg.evidence += syn.evidence.sources
        for inter in kb.interactions:
            for p, v in ((a.name, b.name), (b.name, a.name)):
                if p in inter.perpetrators and v in inter.victims:
                    reg.score += w.interaction[inter.action]
                    reg.warnings.append(f"Interaction {p} -> {v}: {inter.effect.strip()} "
                                        f"Management: {inter.management.strip()}")
                    reg.evidence += inter.evidence.sources
    wanted = [t for t in patient.seizure_types if t not in IGNORED_TYPES]
    covered = [t for t in wanted if any(d.spectrum.covers(t, patient.syndrome) for d in items)]
    uncovered = [t for t in wanted if t not in covered]
    reg.score += w.per_covered_seizure_type * len(covered)
    reg.score += w.per_uncovered_seizure_type * len(uncovered)
    if covered:
        reg.rationale.append(f"Covers the patient's seizure types: {', '.join(covered)}.")
    if uncovered:
        reg.warnings.append(f"Does not cover: {', '.join(uncovered)}.")
    # Interactions inside the regimen are scored pairwise above; here add those with
    # co-medications the patient keeps taking (contraceptives, anticoagulants, ...).
    with_comeds = (flags["category"] == "interaction") & ~flags["interacting_drug"].isin(
        list(kb.drugs))
    mine = flags[flags["drug"].isin(drugs) & ((flags["category"] != "interaction")
                                              | with_comeds)]
    for flag in mine.itertuples():
        reg.score += w.flag[flag.action]
        if flag.action != "info":
            reg.warnings.append(f"{flag.drug}: {flag.action.replace('_', ' ')} "
                                f"({flag.category}) - {flag.message}")
            reg.evidence += list(flag.evidence)
    started = [d for d in items if d.name not in patient.current_medications]
    for d in started:
        if d.restricted_use:
            reg.score += w.restricted_use
            reg.warnings.append(f"{d.name}: restricted use - {d.restricted_use.note}")
            reg.evidence += d.restricted_use.evidence.sources
    for trial in patient.medication_history:
        if trial.drug not in drugs:
            continue
        if trial.outcome == "intolerance":
            reg.score += w.previous_intolerance
            reg.warnings.append(f"{trial.drug} was stopped for intolerance"
                                + (f" ({trial.note})" if trial.note else "") + ".")
        elif trial.outcome == "inefficacy" and trial.adequate:
            reg.score += w.previous_inefficacy
            reg.warnings.append(f"{trial.drug} already failed an adequate trial.")
    if _childbearing(kb, patient):
        for d in started:
            if "teratogenic" in d.adverse_effects.tags:
                reg.score += w.teratogenic_in_childbearing_potential
                reg.warnings.append(f"{d.name} is teratogenic; the patient may be of "
                                    "child-bearing potential: prefer alternatives, or counsel "
                                    "and ensure effective contraception.")
                reg.evidence += kb.regimens.teratogenic_policy.sources
    reg.score = round(reg.score, 1)
    reg.evidence = list(dict.fromkeys(reg.evidence))
    return reg


def suggest(kb: KnowledgeBase, patient: Patient, flags: pd.DataFrame, candidates: list[str],
            *, polytherapy_note: str | None = None) -> list[Regimen]:
    """Ranked regimens for one patient, best first."""
    avoided = set(flags.loc[flags["action"] == "avoid", "drug"])
    current = [d for d in patient.current_medications if d in kb.drugs]
    kept = [d for d in current if d not in avoided]
    usable = [d for d in candidates
              if d not in avoided and d not in current and _maintenance(kb.drugs[d])]
    options: list[tuple[list[str], str]] = []
    if kept:
        options += [([*kept, d], "add-on") for d in usable]
    options += [(list(pair), "pair") for pair in combinations(usable, 2)]
    regimens = [_score(kb, patient, drugs, flags, kind) for drugs, kind in options]
    for reg in regimens:
        reg.warnings += [f"{d} (current) is left out: it has an 'avoid' flag."
                         for d in current if d in avoided]
    regimens.sort(key=lambda r: (-r.score, r.drugs))
    top = regimens[: kb.regimens.max_regimens]
    if polytherapy_note:
        for reg in top:
            reg.rationale.insert(0, polytherapy_note)
            reg.evidence += [s for s in kb.regimens.early_polytherapy.sources
                             if s not in reg.evidence]
    return top
