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

from advisor.distinct import first_and_inverse
from advisor.framed import columns_index, frame_of
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
    """Cells with a value: not missing, and not blank text (each distinct value checked
    once)."""
    if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
        return series.notna().to_numpy()
    try:
        codes, uniques = pd.factorize(series)
    except TypeError:  # dict cells (variant mappings) from patient files: not blank text
        return series.notna().to_numpy()
    blank = (pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype("string")
             .str.strip() == "").fillna(True).to_numpy(dtype=bool)
    return ~np.append(blank, True)[codes]  # code -1: missing


def _translate_column(kb: KnowledgeBase, key: str, series: pd.Series
                      ) -> tuple[dict[str, np.ndarray], pd.DataFrame | None,
                                 dict[str, Call], tuple[np.ndarray, list[Call | None]]]:
    """One column translated: its FIELDS arrays, its bad cells (or None), display -> Call,
    and each row's Call as (codes into the distinct calls, -1 where untested; the distinct
    calls, None where erroneous)."""
    n = len(series)
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
    out: dict[str, np.ndarray] = {}
    for field in FIELDS:
        numeric = field == "activity_score"
        missing = np.nan if numeric else None
        per_unique = np.array([*(getattr(c, field) if c else missing for c in calls),
                               missing], dtype=float if numeric else object)
        full = np.full(n, missing, dtype=float if numeric else object)
        full[present] = per_unique[codes] if len(codes) else []
        out[column(key, field)] = full
    row_calls = np.full(n, -1, dtype=np.int64)
    row_calls[present] = codes
    errors = None
    bad = np.array([*(m is not None for m in messages), False])[codes] if len(codes) else []
    if len(bad) and bad.any():
        rows = values.index[bad]
        msg = np.array([*messages, None], dtype=object)[codes][bad]
        errors = pd.DataFrame({"row": rows, "field": key,
                               "value": values[bad].map(str).to_numpy(), "error": msg})
    return out, errors, {c.display: c for c in calls if c is not None}, (row_calls, calls)


def _derived(kb: KnowledgeBase, genotypes: pd.DataFrame,
             row_calls: dict[str, tuple[np.ndarray, list[Call | None]]]
             ) -> tuple[dict[str, pd.Series], list[pd.DataFrame]]:
    """Columns decided by other results (a typed HLA diplotype decides the carrier status
    of each allele), merged with the same columns given directly; a disagreement is an error
    on the row (field: the derived key)."""
    n = len(genotypes)
    columns: dict[str, np.ndarray] = {}
    origin: dict[str, np.ndarray] = {}
    for key, (codes, calls) in row_calls.items():
        for i, call in enumerate(calls):
            if call is None or not call.derived:
                continue
            rows = np.flatnonzero(codes == i)
            for dkey, dvalue in call.derived:
                columns.setdefault(dkey, np.full(n, None, dtype=object))[rows] = dvalue
                origin.setdefault(dkey, np.full(n, None, dtype=object))[rows] = key
    merged, errors = {}, []
    for dkey, derived in columns.items():
        given = (genotypes[dkey].set_axis(range(n)) if dkey in genotypes
                 else pd.Series([None] * n, dtype=object))
        present = _present(given)
        both = np.flatnonzero(present & pd.notna(derived).astype(bool))
        clash = np.zeros(n, dtype=bool)
        clash[both] = _clashes(kb, dkey, given.to_numpy(dtype=object)[both], derived[both])
        if clash.any():
            rows = np.flatnonzero(clash)
            errors.append(pd.DataFrame({
                "row": genotypes.index[rows], "field": dkey,
                "value": given.iloc[rows].map(str).to_numpy(),
                "error": [f"{dkey}: {given.iloc[r]!r} contradicts the typed {origin[dkey][r]} "
                          f"result ({derived[r]})" for r in rows]}))
        merged[dkey] = pd.Series(np.where(present, given.to_numpy(dtype=object),
                                          np.where(clash, None, derived)), dtype=object)
    return merged, errors


def _clashes(kb: KnowledgeBase, key: str, given: np.ndarray, derived: np.ndarray
             ) -> np.ndarray:
    """Which given values of a derived key translate to another value than the derived one
    (each distinct pair judged once; a value that does not translate is no clash here: it
    is reported when the column itself is translated)."""
    seen: dict[str, str | None] = {}

    def value(raw: Any) -> str | None:
        text = str(raw)
        if text not in seen:
            try:
                seen[text] = translate(kb, key, raw).value
            except GenotypeError:
                seen[text] = None
        return seen[text]

    given_codes = pd.factorize(given.astype(str))[0]  # as ``value`` keys them
    derived_codes, derived_uniques = pd.factorize(derived)
    first, inverse = first_and_inverse(given_codes * len(derived_uniques) + derived_codes)
    clash = np.array([value(given[i]) not in (None, derived[i]) for i in first], dtype=bool)
    return clash[inverse]


def translate_table(
    kb: KnowledgeBase, genotypes: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, Call]]]:
    """Translate every genotype column.

    Returns ``(calls, errors, lookup)``: ``calls`` has, per input key, the columns of
    :data:`FIELDS` (missing where untested or erroneous); ``errors`` lists each bad cell as
    ``row, field, value, error``; ``lookup`` maps key -> display value -> :class:`Call`
    (for evidence and reports). A result that decides further keys (a typed HLA diplotype)
    fills their columns too.
    """
    unknown = [key for key in genotypes.columns if key not in kb.input_keys]
    if unknown:
        raise GenotypeError(f"unknown gene or genotype key {unknown[0]!r}")
    out: dict[str, Any] = {}
    errors: list[pd.DataFrame] = []
    lookup: dict[str, dict[str, Call]] = {}
    row_calls: dict[str, np.ndarray] = {}
    for key in genotypes.columns:
        fields, bad, lookup[key], row_calls[key] = _translate_column(kb, key, genotypes[key])
        out.update(fields)
        errors += [bad] if bad is not None else []
    merged, clashes = _derived(kb, genotypes, row_calls)
    errors += clashes
    for dkey, series in merged.items():
        fields, bad, lookup[dkey], _ = _translate_column(kb, dkey, series.set_axis(
            genotypes.index))
        out.update(fields)
        errors += [bad] if bad is not None else []
    calls_df = pd.DataFrame({k: pd.Series(v, dtype=v.dtype, index=genotypes.index)
                             for k, v in out.items()}, index=genotypes.index)
    # a derived key given as a column is translated twice (alone, then merged): its bad
    # cells are reported once
    errors_df = (pd.concat(errors, ignore_index=True).drop_duplicates(ignore_index=True)
                 if errors else pd.DataFrame(columns=ERROR_COLUMNS))
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
    if not out:
        index = pd.RangeIndex(len(rows))
        return pd.DataFrame({}, index=index), lookup
    return frame_of(columns_index(list(out)), list(out.values())), lookup
