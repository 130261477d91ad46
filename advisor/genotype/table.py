"""Translate a table of genotypes (one row per patient, one column per input key).

A single patient is a table of one row; a cohort is the same call on a chunk. Each
column is factorised so that every distinct value is translated once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from advisor.genotype.call import Call, GenotypeError
from advisor.genotype.kinds import translate

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase

FIELDS = ("display", "value", "phenotype", "activity_score")
ERROR_COLUMNS = ["row", "field", "value", "error"]


def column(key: str, field: str) -> str:
    """Name of a translated column: ``<key>.<field>``, e.g. ``<gene>.phenotype``."""
    return f"{key}.{field}"


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def _present(series: pd.Series) -> np.ndarray:
    blank = series.isna().to_numpy().copy()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        as_text = series.astype("string").str.strip()
        blank |= (as_text == "").fillna(True).to_numpy()
    return ~blank


def translate_table(
    kb: KnowledgeBase, genotypes: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, Call]]]:
    """Translate every genotype column.

    Returns ``(calls, errors, lookup)``: ``calls`` has, per input key, the columns of
    :data:`FIELDS` (missing where untested or erroneous); ``errors`` lists each bad cell as
    ``row, field, value, error``; ``lookup`` maps key -> display value -> :class:`Call`
    (for evidence and reports).
    """
    unknown = [key for key in genotypes.columns if key not in kb.input_keys]
    if unknown:
        raise GenotypeError(f"unknown gene or genotype key {unknown[0]!r}")
    out: dict[str, Any] = {}
    errors: list[pd.DataFrame] = []
    lookup: dict[str, dict[str, Call]] = {}
    n = len(genotypes)
    for key in genotypes.columns:
        series = genotypes[key]
        present = _present(series)
        values = series[present]
        try:
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
            originals = list(uniques)
        except TypeError:  # dict cells (variant mappings) from patient files
            keyed = values.map(_hashable)
            codes, uniques = pd.factorize(keyed, use_na_sentinel=False)
            first = pd.Series(np.arange(len(keyed))).groupby(codes).first().to_numpy()
            originals = [values.iloc[i] for i in first]
        calls: list[Call | None] = []
        messages: list[str | None] = []
        for raw in originals:
            try:
                calls.append(translate(kb, key, raw))
                messages.append(None)
            except GenotypeError as exc:
                calls.append(None)
                messages.append(str(exc))
        lookup[key] = {c.display: c for c in calls if c is not None}
        for field in FIELDS:
            numeric = field == "activity_score"
            missing = np.nan if numeric else None
            per_unique = np.array([*(getattr(c, field) if c else missing for c in calls),
                                   missing], dtype=float if numeric else object)
            full = np.full(n, missing, dtype=float if numeric else object)
            full[present] = per_unique[codes] if len(codes) else []
            out[column(key, field)] = full
        bad = np.array([*(m is not None for m in messages), False])[codes] if len(codes) else []
        if len(bad) and bad.any():
            rows = values.index[bad]
            msg = np.array([*messages, None], dtype=object)[codes][bad]
            errors.append(pd.DataFrame({
                "row": rows, "field": key, "value": values[bad].map(str).to_numpy(),
                "error": msg}))
    calls_df = pd.DataFrame({k: pd.Series(v, dtype=v.dtype, index=genotypes.index)
                             for k, v in out.items()}, index=genotypes.index)
    errors_df = (pd.concat(errors, ignore_index=True) if errors
                 else pd.DataFrame(columns=ERROR_COLUMNS))
    return calls_df, errors_df, lookup


def calls_table(rows: Sequence[Mapping[str, Call]]
                ) -> tuple[pd.DataFrame, dict[str, dict[str, Call]]]:
    """The ``calls`` columns and ``lookup`` of :func:`translate_table` from calls already
    made (one mapping of input key -> Call per row; keys in sorted order)."""
    keys = sorted({key for row in rows for key in row})
    out: dict[str, np.ndarray] = {}
    lookup: dict[str, dict[str, Call]] = {}
    for key in keys:
        calls = [row.get(key) for row in rows]
        lookup[key] = {c.display: c for c in calls if c is not None}
        for field in FIELDS:
            numeric = field == "activity_score"
            missing = np.nan if numeric else None
            values = [missing if c is None or getattr(c, field) is None else getattr(c, field)
                      for c in calls]
            out[column(key, field)] = np.array(values, dtype=float if numeric else object)
    index = pd.RangeIndex(len(rows))
    return pd.DataFrame({k: pd.Series(v, dtype=v.dtype, index=index)
                         for k, v in out.items()}, index=index), lookup
