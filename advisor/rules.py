"""Evaluate the knowledge base's declarative rules against a table of patients.

Three kinds of knowledge produce flags, all vectorised over the rows of a
:class:`~advisor.frame.PatientFrame`:

- ``rules/*.yaml``: genotype (and context) conditions x selected drugs;
- each drug's ``aggravates`` entries: seizure types and syndromes the drug may worsen;
- ``interactions.yaml``: pairs among current medications and candidate drugs.

Nothing here knows a gene or a drug by name.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from advisor.frame import PatientFrame
from advisor.genotype import column
from advisor.kb_schema import Condition, Evidence, Rule
from advisor.knowledge import KnowledgeBase

FLAG_COLUMNS = ["row", "category", "drug", "gene", "action", "severity", "message", "evidence",
                "evidence_level", "contested", "rule", "interacting_drug"]
ACTION_ORDER = {"avoid": 0, "reduce_dose": 1, "increase_dose": 2, "use_with_caution": 3,
                "monitor": 4, "info": 5}
SEVERITY_ORDER = {"high": 0, "moderate": 1, "low": 2}


def select_drugs(kb: KnowledgeBase, rule: Rule) -> set[str]:
    """The drugs a rule's selector picks out."""
    sel = rule.drugs
    return {name for name, drug in kb.drugs.items()
            if name in sel.names
            or set(drug.mechanisms) & set(sel.mechanisms)
            or drug.primary_mechanism in sel.primary_mechanisms
            or drug.pgp_substrate.status in sel.pgp_substrate}


def _bounds(values: pd.Series, lo: float | None, hi: float | None) -> np.ndarray:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(v)
    if lo is not None:
        ok &= v >= lo
    if hi is not None:
        ok &= v <= hi
    return ok


def _row_mask(frame: PatientFrame, cond: Condition) -> np.ndarray:
    n = len(frame)
    if cond.gene is not None:
        name = column(cond.gene, "value")
        if name not in frame.calls:
            return np.zeros(n, dtype=bool)
        if cond.value_in is not None:
            return frame.calls[name].isin(cond.value_in).to_numpy()
        if cond.phenotype_in is not None:
            return frame.calls[column(cond.gene, "phenotype")].isin(cond.phenotype_in).to_numpy()
        score = cond.activity_score
        return _bounds(frame.calls[column(cond.gene, "activity_score")], score.min, score.max)
    if cond.seizure_types_any is not None:
        cols = [c for c in cond.seizure_types_any if c in frame.seizure_types]
        return frame.seizure_types[cols].any(axis=1).to_numpy() if cols else np.zeros(n, bool)
    if cond.syndromes_any is not None:
        return frame.syndrome.isin(cond.syndromes_any).to_numpy()
    if cond.age_years is not None:
        return _bounds(frame.age_years, cond.age_years.min, cond.age_years.max)
    if cond.weight_kg is not None:
        return _bounds(frame.weight_kg, cond.weight_kg.min, cond.weight_kg.max)
    return np.ones(n, dtype=bool)  # drug_naive is judged per patient-drug pair


def _pair_key(pairs: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([pairs["row"].to_numpy(), pairs["drug"].to_numpy()])


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _fill(template: str, frame: PatientFrame, hits: pd.DataFrame, gene: str | None) -> pd.Series:
    """Format a message template for each hit, once per distinct combination."""
    rows = hits["row"].to_numpy()
    parts = [hits["drug"].to_numpy(dtype=object)]
    for field in ("display", "phenotype", "activity_score"):
        name = column(gene, field) if gene else None
        parts.append(frame.calls[name].to_numpy(dtype=object)[rows] if name in frame.calls
                     else np.full(len(hits), None, dtype=object))
    codes, uniques = pd.factorize(pd.MultiIndex.from_arrays(parts))
    texts = [template.format(drug=_text(d), value=_text(v), phenotype=_text(p),
                             activity_score=_text(a), gene=gene or "")
             for d, v, p, a in uniques]
    return pd.Series(np.asarray(texts, dtype=object)[codes], index=hits.index)


def _flags(hits: pd.DataFrame, *, category: str, gene: str | None, action: str, severity: str,
           message: pd.Series | str, evidence: Evidence, rule: str,
           interacting: pd.Series | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "row": hits["row"].to_numpy(), "category": category, "drug": hits["drug"].to_numpy(),
        "gene": gene, "action": action, "severity": severity,
        "message": message if isinstance(message, str) else message.to_numpy(),
        "evidence": [tuple(evidence.sources)] * len(hits), "evidence_level": evidence.level,
        "contested": evidence.contested, "rule": rule,
        "interacting_drug": None if interacting is None else interacting.to_numpy()})


def _rule_flags(kb: KnowledgeBase, frame: PatientFrame) -> Iterable[pd.DataFrame]:
    tolerated = _pair_key(frame.tolerated)
    for category, rule in kb.rules:
        drugs = select_drugs(kb, rule)
        mask = np.ones(len(frame), dtype=bool)
        for cond in rule.when:
            mask &= _row_mask(frame, cond)
        if not mask.any():
            continue
        cand = frame.candidates
        hits = cand[cand["drug"].isin(drugs).to_numpy() & mask[cand["row"].to_numpy()]]
        for cond in rule.when:
            if cond.drug_naive is not None and len(hits):
                naive = ~_pair_key(hits).isin(tolerated)
                hits = hits[naive == cond.drug_naive]
        if hits.empty:
            continue
        gene_key = next((c.gene for c in rule.when if c.gene), None)
        gene = kb.input_keys.get(gene_key) if gene_key else None
        yield _flags(hits, category=category, gene=gene, action=rule.then.action,
                     severity=rule.then.severity,
                     message=_fill(rule.then.message, frame, hits, gene_key),
                     evidence=rule.evidence, rule=rule.id)


def _aggravation_flags(kb: KnowledgeBase, frame: PatientFrame) -> Iterable[pd.DataFrame]:
    cand = frame.candidates
    for name, drug in kb.drugs.items():
        pairs = cand[cand["drug"] == name]
        if pairs.empty:
            continue
        for i, agg in enumerate(drug.aggravates):
            cols = [t for t in agg.seizure_types if t in frame.seizure_types]
            matched_types = frame.seizure_types[cols]
            mask = matched_types.any(axis=1).to_numpy() | frame.syndrome.isin(
                agg.syndromes).to_numpy()
            hits = pairs[mask[pairs["row"].to_numpy()]]
            if hits.empty:
                continue
            vocab = kb.vocabulary
            labels = np.array([vocab.seizure_types[c].lower() for c in cols], dtype=object)
            rows = hits["row"].to_numpy()
            which = matched_types.to_numpy(dtype=bool)[rows]
            syn = frame.syndrome.to_numpy(dtype=object)[rows]
            reasons = [", ".join([*labels[w], *([vocab.syndromes[s]] if s in agg.syndromes
                                                 else [])]) for w, s in zip(which, syn,
                                                                            strict=True)]
            message = pd.Series([f"{agg.message} (patient: {r})" for r in reasons],
                                index=hits.index)
            yield _flags(hits, category="paradoxical", gene=None, action=agg.action,
                         severity=agg.severity, message=message, evidence=agg.evidence,
                         rule=f"drug:{name}:aggravates:{i}")


def _interaction_flags(kb: KnowledgeBase, frame: PatientFrame) -> Iterable[pd.DataFrame]:
    """Interactions where at least one partner is a current medication.

    A flag is attached to the drug being judged: the victim when the perpetrator is
    already taken, or the candidate perpetrator when the victim is already taken.
    """
    current = frame.current.assign(is_current=True)
    judged = pd.concat([frame.candidates, frame.current], ignore_index=True).drop_duplicates()
    for inter in kb.interactions:
        perp_now = current[current["drug"].isin(inter.perpetrators)]
        victims = judged[judged["drug"].isin(inter.victims)]
        a = perp_now.merge(victims, on="row", suffixes=("_p", ""))
        a = a[a["drug_p"] != a["drug"]]
        victim_now = current[current["drug"].isin(inter.victims)]
        perps = frame.candidates[frame.candidates["drug"].isin(inter.perpetrators)]
        b = victim_now.merge(perps, on="row", suffixes=("_v", ""))
        b = b[(b["drug_v"] != b["drug"]) & ~_pair_key(b).isin(_pair_key(frame.current))]
        for hits, other, judged_is_victim in ((a, "drug_p", True), (b, "drug_v", False)):
            if hits.empty:
                continue
            hits = hits.reset_index(drop=True)
            perp = hits[other] if judged_is_victim else hits["drug"]
            vict = hits["drug"] if judged_is_victim else hits[other]
            text = " ".join([inter.effect.strip(),
                             f"Magnitude: {inter.magnitude.strip().rstrip('.')}.",
                             f"Management: {inter.management.strip()}"])
            message = perp.str.cat(vict, sep=" + ") + ": " + text
            yield _flags(hits, category="interaction", gene=None, action=inter.action,
                         severity=inter.severity, message=message, evidence=inter.evidence,
                         rule=f"interaction:{inter.id}", interacting=hits[other])


def evaluate(kb: KnowledgeBase, frame: PatientFrame) -> pd.DataFrame:
    """All flags for every row, sorted by row, drug, then seriousness."""
    parts = [*_rule_flags(kb, frame), *_aggravation_flags(kb, frame),
             *_interaction_flags(kb, frame)]
    if not parts:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    flags = pd.concat(parts, ignore_index=True)
    order = (flags["action"].map(ACTION_ORDER) * 10 + flags["severity"].map(SEVERITY_ORDER))
    return (flags.assign(_o=order).sort_values(["row", "drug", "_o", "rule"], kind="stable")
            .drop(columns="_o").reset_index(drop=True))
