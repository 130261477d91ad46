"""Cohort rows as distinct combinations of what the engine judges.

The flags of a sample are a function of its judged inputs: genotype cells, seizure types,
conditions, medications, candidates, past reactions, sex, pregnancy, syndrome, dialysis,
liver function, and age, weight and kidney function *as far as the knowledge base's bands
tell them apart*. Numbers are therefore replaced by their position among the cut points
the knowledge base uses (read from it, never listed here), every other judged column is
taken as written, and rows with equal values form one combination, judged once.

The risk model's clinical fields and the medication-history fields are not judged by the
flag rules and are left out of the key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from advisor.distinct import first_of_codes
from advisor.frame import CONTEXT, table_context
from advisor.inputs.cohort import ID_COLUMN, CheckedTable
from advisor.inputs.fields import CLINICAL_FIELDS, HEPATIC_FIELDS, PATIENT_FIELDS, RENAL_FIELDS
from advisor.knowledge import KnowledgeBase
from advisor.rules import RENAL_STAGES_ML_MIN

# knowledge-base field names whose numbers are cut points of a frame context column
CUT_FIELDS = {"age_years": "age_years", "weight_kg": "weight_kg",
              "crcl_ml_min": "renal_clearance_ml_min"}
NUMERIC_INPUTS = {name for name, spec in {**PATIENT_FIELDS, **RENAL_FIELDS,
                                          **HEPATIC_FIELDS}.items()
                  if spec.kind in ("number", "integer")}
_CUTS: dict[str, dict[str, np.ndarray]] = {}


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _numbers(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _numbers(item)


@cache
def _targets(model: type[BaseModel]) -> tuple[tuple[str, str | None], ...]:
    """A model class's fields, each with the context column its numbers cut (a field named
    in :data:`CUT_FIELDS` or ending in one, e.g. ``min_weight_kg``), else None."""
    return tuple((name, next((col for suffix, col in CUT_FIELDS.items()
                              if name.endswith(suffix)), None))
                 for name in model.model_fields)


def _walk(value: Any, found: dict[str, set[float]]) -> None:
    """Collect the numbers under every field that cuts a context column (see
    :func:`_targets`)."""
    if isinstance(value, BaseModel):
        for name, target in _targets(type(value)):
            item = getattr(value, name)
            if target is not None:
                found[target].update(_numbers(item))
            elif not isinstance(item, str | int | float | None):
                _walk(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, found)


def cut_points(kb: KnowledgeBase) -> dict[str, np.ndarray]:
    """Sorted cut points of each numeric context column: every age, weight and clearance
    bound in the knowledge base (rules, dose bands, organ statements, advice), and the
    clearance bounds of the kidney-function stages a label's category words stand for."""
    if kb.sha256 not in _CUTS:
        found: dict[str, set[float]] = {col: set() for col in CUT_FIELDS.values()}
        for f in fields(kb):
            _walk(getattr(kb, f.name), found)
        found["renal_clearance_ml_min"].update(
            bound for stage in RENAL_STAGES_ML_MIN.values() for bound in stage)
        _CUTS[kb.sha256] = {col: np.array(sorted(v)) for col, v in found.items()}
    return _CUTS[kb.sha256]


def bins(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """A code per value that is equal for two values exactly when every comparison with a
    cut point (<, <=, >=, >) gives the same answer; -1 for unknown (NaN)."""
    v = np.asarray(values, dtype=float)
    code = np.searchsorted(cuts, v, "left") + np.searchsorted(cuts, v, "right")
    return np.where(np.isnan(v), -1, code)


def key_columns(kb: KnowledgeBase, chunk: pd.DataFrame, checked: CheckedTable
                ) -> dict[str, np.ndarray]:
    """The judged columns of a checked chunk: text columns as written, the frame's numeric
    context as bin codes (see :func:`bins`)."""
    skip = {ID_COLUMN, *CLINICAL_FIELDS, *NUMERIC_INPUTS}
    out = {name: chunk[name].to_numpy(dtype=object) for name in chunk.columns
           if name not in skip}
    cuts = cut_points(kb)
    context = table_context(checked)
    for name, dtype in CONTEXT.items():  # what the frame holds of the numeric fields
        if dtype is float:
            values = context[name].to_numpy(dtype=float)
            out[name] = bins(values, cuts[name]) if name in cuts else values
        elif name not in out:
            out[name] = context[name].to_numpy(dtype=object)
    return out


@dataclass
class Combinations:
    """Rows grouped by their judged values: a code per row (numbered in order of first
    appearance), the first row of each combination, and the combinations' values as codes
    into each column's distinct values (``uniques``; code 0 is missing)."""

    codes: np.ndarray
    first: np.ndarray
    names: list[str]
    uniques: list[list[Any]]
    matrix: np.ndarray  # combinations x columns, int64
    keys: list[bytes] | None = None  # cohort-wide keys, once numbered (cohort_store)


def plain(values: np.ndarray) -> list[Any]:
    """Values usable in a dict key: missing as None, numpy scalars as Python ones."""
    return [None if v is None or (isinstance(v, float) and v != v) else
            v.item() if isinstance(v, np.generic) else v for v in values]


def sorted_matches(sorted_keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (position in ``sorted_keys``, index into ``wanted``) where they are equal."""
    lo = np.searchsorted(sorted_keys, wanted, "left")
    counts = np.searchsorted(sorted_keys, wanted, "right") - lo
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(lo, counts) + offsets, np.repeat(np.arange(len(wanted)), counts)


def codable(column: pd.Series) -> np.ndarray | pd.Categorical:
    """A text column as ``pd.factorize`` takes it fast in every supported pandas version: a
    Categorical as it is (its codes are factorised, not its texts), else its objects."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.array
    return column.to_numpy(dtype=object)


def row_codes(columns: list[np.ndarray | pd.Categorical]
              ) -> tuple[np.ndarray, np.ndarray, list]:
    """A code per row for its values in every column (numbered in order of first
    appearance), the first row of each code, and each column's (codes, distinct values)."""
    parts = [_column_codes(values) for values in columns]
    codes = _grouped([(c, len(u) + 1) for c, u in parts], len(columns[0]) if columns else 0)
    return codes, first_of_codes(codes), parts


def row_groups(columns: list[np.ndarray | pd.Categorical]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`row_codes` without the columns' own codes: a Categorical is grouped by its
    category codes as they are (not factorised again)."""
    coded = []
    for values in columns:
        if isinstance(values, pd.Categorical):
            coded.append((values.codes.astype(np.int64) + 1, len(values.categories) + 1))
        else:
            codes, uniques = _column_codes(values)
            coded.append((codes, len(uniques) + 1))
    codes = _grouped(coded, len(columns[0]) if columns else 0)
    return codes, first_of_codes(codes)


def _column_codes(values: np.ndarray | pd.Categorical) -> tuple[np.ndarray, Any]:
    """A column's codes (0: missing, its distinct values from 1) and those values."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, uniques


def _grouped(coded: list[tuple[np.ndarray, int]], n: int) -> np.ndarray:
    """A code per row (numbered in order of first appearance) for its codes in every column,
    given as (codes from 0, number of codes)."""
    key = np.zeros(n, dtype=np.int64)
    top = 1  # the key's codes are below this
    for codes, base in coded:
        if top * base > 1 << 62:  # renumber before the key would overflow
            renumbered, distinct = pd.factorize(key)
            key, top = renumbered.astype(np.int64), len(distinct)
        key = key * base + codes
        top *= base
    return pd.factorize(key)[0].astype(np.int64)


def combine(columns: dict[str, np.ndarray], rows: np.ndarray) -> Combinations:
    """Group ``rows`` (positions) by their values in every column."""
    codes, first, parts = row_codes([values[rows] for values in columns.values()])
    uniques = [[None, *plain(np.asarray(u, dtype=object))] for _, u in parts]
    matrix = (np.stack([c[first] for c, _ in parts], axis=1) if parts
              else np.zeros((len(first), 0), dtype=np.int64))
    return Combinations(codes=codes, first=rows[first], names=list(columns),
                        uniques=uniques, matrix=matrix)


def take(table: Any, positions: np.ndarray) -> Any:
    """A checked table or patient frame restricted to ``positions`` (in that order): per-row
    columns are taken, (row, ...) tables keep the pairs of those rows, renumbered; lookups
    are kept whole."""
    new_row = np.full(len(table.ids), -1, dtype=np.int64)
    new_row[positions] = np.arange(len(positions))
    out: dict[str, Any] = {}
    for f in fields(table):
        value = getattr(table, f.name)
        if f.name == "errors":
            out[f.name] = []
        elif isinstance(value, pd.DataFrame) and "row" in value.columns:
            mapped = new_row[value["row"].to_numpy(dtype=np.int64)]
            keep = mapped >= 0
            out[f.name] = value[keep].assign(row=mapped[keep]).reset_index(drop=True)
        elif isinstance(value, pd.DataFrame) and not len(value.columns):
            out[f.name] = pd.DataFrame(index=pd.RangeIndex(len(positions)))
        elif isinstance(value, pd.DataFrame | pd.Series):
            out[f.name] = value.iloc[positions].reset_index(drop=True)
        elif isinstance(value, dict) and all(isinstance(v, pd.Series) for v in value.values()):
            out[f.name] = {k: v.iloc[positions].reset_index(drop=True)
                           for k, v in value.items()}
        elif isinstance(value, np.ndarray):
            out[f.name] = value[positions]
        elif isinstance(value, list):
            out[f.name] = [value[i] for i in positions]
        else:
            out[f.name] = value
    return type(table)(**out)
