"""Evaluate the knowledge base's declarative rules against a table of patients.

Three kinds of knowledge produce flags, all vectorised over the rows of a
:class:`~advisor.frame.PatientFrame`:

- ``rules/*.yaml``: genotype (and context) conditions x selected drugs;
- each drug's ``aggravates`` entries: seizure types and syndromes the drug may worsen;
- ``interactions.yaml``: pairs among current medications and candidate drugs.

Each producer returns column arrays for its hits; :func:`evaluate` builds one table.
Nothing here knows a gene or a drug by name.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from advisor.frame import PatientFrame
from advisor.genotype import column
from advisor.kb_schema import Condition, Evidence
from advisor.knowledge import KnowledgeBase

FLAG_COLUMNS = ["row", "category", "drug", "gene", "action", "severity", "message", "evidence",
                "evidence_level", "contested", "rule", "interacting_drug"]
ACTION_ORDER = {"avoid": 0, "reduce_dose": 1, "increase_dose": 2, "use_with_caution": 3,
                "monitor": 4, "info": 5}
SEVERITY_ORDER = {"high": 0, "moderate": 1, "low": 2}
Columns = dict[str, np.ndarray]


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


def _pair_codes(rows: np.ndarray, drugs: np.ndarray, kb: KnowledgeBase) -> np.ndarray:
    """One integer per (row, drug) pair, for fast membership tests."""
    index = kb.drug_index
    codes = index.get_indexer(pd.Index(drugs, dtype=object)).astype(np.int64)
    return rows.astype(np.int64) * (len(index) + 1) + codes + 1


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _combine_codes(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of distinct value combinations across arrays, and a first index of each."""
    key = np.zeros(len(parts[0]), dtype=np.int64)
    for part in parts:
        codes, uniques = pd.factorize(part, use_na_sentinel=False)
        key = key * (len(uniques) + 1) + codes
    _, firsts, inverse = np.unique(key, return_index=True, return_inverse=True)
    return inverse.ravel(), firsts


def _fill(template: str, frame: PatientFrame, rows: np.ndarray, drugs: np.ndarray,
          gene: str | None) -> np.ndarray:
    """Format a message template for each hit, once per distinct combination."""
    parts = [drugs]
    for field in ("display", "phenotype", "activity_score"):
        name = column(gene, field) if gene else None
        parts.append(frame.calls[name].to_numpy(dtype=object)[rows] if name in frame.calls
                     else np.full(len(rows), None, dtype=object))
    codes, firsts = _combine_codes(parts)
    texts = [template.format(drug=_text(d), value=_text(v), phenotype=_text(p),
                             activity_score=_text(a), gene=gene or "")
             for d, v, p, a in zip(*(part[firsts] for part in parts), strict=True)]
    return np.asarray(texts, dtype=object)[codes]


def _columns(rows: np.ndarray, drugs: np.ndarray, *, category: str, gene: str | None,
             action: str, severity: str, message: np.ndarray | str, evidence: Evidence,
             rule: str, interacting: np.ndarray | None = None) -> Columns:
    n = len(rows)

    def const(value: object) -> np.ndarray:
        out = np.empty(n, dtype=object)
        out[:] = [value] * n
        return out

    return {"row": rows.astype(np.int64), "category": const(category), "drug": drugs,
            "gene": const(gene), "action": const(action), "severity": const(severity),
            "message": message if isinstance(message, np.ndarray) else const(message),
            "evidence": const(tuple(evidence.sources)), "evidence_level": const(evidence.level),
            "contested": np.full(n, evidence.contested), "rule": const(rule),
            "interacting_drug": const(None) if interacting is None else interacting}


def _rule_flags(kb: KnowledgeBase, frame: PatientFrame) -> Iterator[Columns]:
    cand_rows = frame.candidates["row"].to_numpy()
    cand_drugs = frame.candidates["drug"].to_numpy(dtype=object)
    tolerated = _pair_codes(frame.tolerated["row"].to_numpy(),
                            frame.tolerated["drug"].to_numpy(dtype=object), kb)
    for category, rule in kb.rules:
        mask = np.ones(len(frame), dtype=bool)
        for cond in rule.when:
            mask &= _row_mask(frame, cond)
        if not mask.any():
            continue
        selected = np.isin(cand_drugs, kb.rule_drugs[rule.id]) & mask[cand_rows]
        rows, drugs = cand_rows[selected], cand_drugs[selected]
        for cond in rule.when:
            if cond.drug_naive is not None and len(rows):
                naive = ~np.isin(_pair_codes(rows, drugs, kb), tolerated)
                keep = naive == cond.drug_naive
                rows, drugs = rows[keep], drugs[keep]
        if not len(rows):
            continue
        gene_key = next((c.gene for c in rule.when if c.gene), None)
        yield _columns(rows, drugs, category=category,
                       gene=kb.input_keys.get(gene_key) if gene_key else None,
                       action=rule.then.action, severity=rule.then.severity,
                       message=_fill(rule.then.message, frame, rows, drugs, gene_key),
                       evidence=rule.evidence, rule=rule.id)


def _aggravation_flags(kb: KnowledgeBase, frame: PatientFrame) -> Iterator[Columns]:
    """Paradoxical flags from each drug's ``aggravates`` entries (seizure type or syndrome)."""
    cand_rows = frame.candidates["row"].to_numpy()
    cand_drugs = frame.candidates["drug"].to_numpy(dtype=object)
    vocab = kb.vocabulary
    syndrome = frame.syndrome.to_numpy(dtype=object)
    seizure = frame.seizure_types
    for name, drug in kb.drugs.items():
        if not drug.aggravates:
            continue
        rows = cand_rows[cand_drugs == name]
        if not len(rows):
            continue
        for i, agg in enumerate(drug.aggravates):
            cols = [t for t in agg.seizure_types if t in seizure]
            which = seizure[cols].to_numpy(dtype=bool)[rows]
            by_syndrome = np.isin(syndrome[rows], agg.syndromes)
            hit = which.any(axis=1) | by_syndrome
            if not hit.any():
                continue
            # "(patient: absence seizures, childhood absence epilepsy)", built column-wise
            reason = np.full(int(hit.sum()), "", dtype=object)
            labels = [vocab.seizure_types[c].lower() for c in cols]
            syn_names = np.array([vocab.syndromes.get(x, "") if isinstance(x, str) else ""
                                  for x in syndrome[rows][hit]], dtype=object)
            for present, label in [*zip(which[hit].T, labels, strict=True),
                                   (by_syndrome[hit], syn_names)]:
                sep = np.where(reason == "", "", ", ")
                reason = np.where(present, reason + sep + label, reason)
            yield _columns(rows[hit], np.full(int(hit.sum()), name, dtype=object),
                           category="paradoxical", gene=None, action=agg.action,
                           severity=agg.severity, message=f"{agg.message} (patient: " + reason
                           + ")", evidence=agg.evidence, rule=f"drug:{name}:aggravates:{i}")


def _interaction_flags(kb: KnowledgeBase, frame: PatientFrame) -> Iterator[Columns]:
    """Interactions where at least one partner is a current medication.

    A flag is attached to the drug being judged: the victim when the perpetrator is
    already taken, or the candidate perpetrator when the victim is already taken.
    """
    if frame.current.empty:
        return
    pairs = kb.interaction_pairs
    judged = pd.concat([frame.candidates, frame.current], ignore_index=True).drop_duplicates()
    a = (frame.current.rename(columns={"drug": "perpetrator"}).merge(pairs, on="perpetrator")
         .merge(judged.rename(columns={"drug": "victim"}), on=["row", "victim"]))
    a = a[a["perpetrator"] != a["victim"]]
    b = (frame.current.rename(columns={"drug": "victim"}).merge(pairs, on="victim")
         .merge(frame.candidates.rename(columns={"drug": "perpetrator"}),
                on=["row", "perpetrator"]))
    current = _pair_codes(frame.current["row"].to_numpy(),
                          frame.current["drug"].to_numpy(dtype=object), kb)
    b = b[(b["perpetrator"] != b["victim"]) & ~np.isin(_pair_codes(
        b["row"].to_numpy(), b["perpetrator"].to_numpy(dtype=object), kb), current)]
    for hits, judged_col, other_col in ((a, "victim", "perpetrator"),
                                        (b, "perpetrator", "victim")):
        for idx, group in hits.groupby("inter", sort=True):
            inter = kb.interactions[idx]
            text = " ".join([inter.effect.strip(),
                             f"Magnitude: {inter.magnitude.strip().rstrip('.')}.",
                             f"Management: {inter.management.strip()}"])
            perp = group["perpetrator"].to_numpy(dtype=object)
            vict = group["victim"].to_numpy(dtype=object)
            yield _columns(group["row"].to_numpy(), group[judged_col].to_numpy(dtype=object),
                           category="interaction", gene=None, action=inter.action,
                           severity=inter.severity, message=perp + " + " + vict + ": " + text,
                           evidence=inter.evidence, rule=f"interaction:{inter.id}",
                           interacting=group[other_col].to_numpy(dtype=object))


def evaluate(kb: KnowledgeBase, frame: PatientFrame) -> pd.DataFrame:
    """All flags for every row, sorted by row, drug, then seriousness."""
    parts = [*_rule_flags(kb, frame), *_aggravation_flags(kb, frame),
             *_interaction_flags(kb, frame)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    flags = pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in FLAG_COLUMNS})
    order = (flags["action"].map(ACTION_ORDER) * 10 + flags["severity"].map(SEVERITY_ORDER))
    return (flags.assign(_o=order).sort_values(["row", "drug", "_o", "rule"], kind="stable")
            .drop(columns="_o").reset_index(drop=True))
