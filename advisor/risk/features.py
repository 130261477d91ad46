"""Risk-model features from a patient frame, as declared in ``risk/effect_sizes.yaml``.

Each factor of the effect-sizes file names its input (a clinical field, genotype input keys
or the seizure-type count); this module derives the model column from it, always with an
explicit ``unknown`` category or a missing number, never "absent":

- categorical factors take the factor's ``reference`` and ``exposed`` levels, or ``unknown``;
- numeric factors are the field's value (``transform: log1p`` -> column ``log1p_<feature>``);
- ``failed_regimens`` (next-regimen model): failed adequate regimens as 0, 1, 2 or 3+;
- ``clinical_unrecorded`` (drug-resistance model) and ``failed_regimens_if_unrecorded``
  (next-regimen model): the stratum of patients with no clinical record at all (every
  factor read from a clinical field unknown); an additive model cannot otherwise reproduce
  the population rates for them, because the mix of hidden risk factors changes with every
  failed regimen.

A consult reads the frame it already translated; a training table goes through the same
input boundary first (:func:`feature_frame`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from advisor.errors import InputError
from advisor.frame import PatientFrame, frame_from_table
from advisor.genotype import column
from advisor.schema import EffectSizes, Factor

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase

YES, NO, UNKNOWN = "yes", "no", "unknown"
REGIMEN_LEVELS = ("0", "1", "2", "3+")
RECORDED = "recorded"
HISTORY_COLUMN = "failed_adequate_regimens"
UNRECORDED: dict[str, tuple[str, ...]] = {"clinical_unrecorded": (NO, YES)}
HISTORY: dict[str, tuple[str, ...]] = {
    "failed_regimens": REGIMEN_LEVELS,
    "failed_regimens_if_unrecorded": (RECORDED, *REGIMEN_LEVELS),
}
STRATUM_COLUMNS = ("clinical_unrecorded", "failed_regimens_if_unrecorded")
MAX_FAILED_REGIMENS = 100


def numeric(factor: Factor) -> bool:
    """A factor read as a number (it has a distribution, no exposed/reference levels)."""
    return factor.population.distribution is not None


def model_column(factor: Factor) -> str:
    transform = factor.input.transform
    return f"{transform}_{factor.feature}" if transform else factor.feature


def levels(factor: Factor) -> tuple[str, ...] | None:
    """Categories of a categorical factor (the first is the reference), None for numbers."""
    return None if numeric(factor) else (factor.reference, factor.exposed, UNKNOWN)


def model_columns(es: EffectSizes, history: bool) -> dict[str, tuple[str, ...] | None]:
    """Model column -> its categories (None for numeric), in model order."""
    cats: dict[str, tuple[str, ...] | None] = {
        f.feature: levels(f) for f in es.factors if not numeric(f)}
    cats.update(HISTORY if history else UNRECORDED)
    cats.update({model_column(f): None for f in es.factors if numeric(f)})
    return cats


def clinical_block(es: EffectSizes) -> tuple[str, ...]:
    """Model columns read from the patient file's clinical block."""
    return tuple(model_column(f) for f in es.factors if f.input.clinical is not None)


def display_names(es: EffectSizes) -> dict[str, str]:
    """Model column -> the factor name shown to users (transformed numbers by their input)."""
    return {model_column(f): f.feature for f in es.factors}


def input_columns(es: EffectSizes, history: bool) -> tuple[str, ...]:
    """The input columns a table needs for a model with or without the treatment history."""
    cols = ["seizure_types"]
    for f in es.factors:
        if f.input.clinical is not None:
            cols.append(f.input.clinical)
        cols += f.input.genotype or []
    return (*dict.fromkeys(cols), *((HISTORY_COLUMN,) if history else ()))


def _unrecorded(columns: dict[str, np.ndarray], block: tuple[str, ...]) -> np.ndarray:
    """Rows with every clinical-block column unknown (missing number or "unknown")."""
    out = np.ones(len(next(iter(columns.values()))), dtype=bool)
    for name in block:
        values = columns[name]
        out &= np.isnan(values) if values.dtype.kind == "f" else (values == UNKNOWN)
    return out


def _with_stratum(columns: dict[str, np.ndarray], block: tuple[str, ...], history: bool,
                  order: list[str]) -> dict[str, np.ndarray]:
    """The columns with the "no clinical record" stratum added, in model order."""
    unrecorded = _unrecorded(columns, block)
    columns = dict(columns)
    if history:
        columns["failed_regimens_if_unrecorded"] = np.where(
            unrecorded, columns["failed_regimens"].astype(object), RECORDED).astype(object)
    else:
        columns["clinical_unrecorded"] = np.where(unrecorded, YES, NO).astype(object)
    return {c: columns[c] for c in order}


def add_stratum(frame: pd.DataFrame, block: tuple[str, ...], history: bool,
                columns: list[str]) -> pd.DataFrame:
    """Add the "no clinical record" stratum column and put ``columns`` in model order."""
    arrays = {c: frame[c].to_numpy(dtype=float if pd.api.types.is_numeric_dtype(frame[c])
                                   else object) for c in frame.columns}
    return pd.DataFrame(_with_stratum(arrays, block, history, columns))


def _level(factor: Factor, exposed: np.ndarray, known: np.ndarray) -> np.ndarray:
    return np.where(exposed, factor.exposed, np.where(known, factor.reference, UNKNOWN)
                    ).astype(object)


def _clinical(factor: Factor, frame: PatientFrame,
              clinical: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """``clinical``: the frame's clinical columns as object arrays, when already taken."""
    inp = factor.input
    values = (clinical[inp.clinical] if clinical is not None
              else frame.clinical[inp.clinical].to_numpy(dtype=object))
    if numeric(factor):
        out = np.asarray(pd.to_numeric(values, errors="coerce"), dtype=float)  # (no Series)
        return np.log1p(out) if inp.transform == "log1p" else out
    if inp.exposed_values:
        exposed = np.isin(values, inp.exposed_values)
        known = exposed | np.isin(values, inp.reference_values)
    else:
        exposed = values == True  # noqa: E712 - cells hold True, False or None
        known = exposed | (values == False)  # noqa: E712
    if inp.or_seizure_type:
        listed = frame.seizure_types[inp.or_seizure_type].to_numpy(dtype=bool)
        exposed |= ~known & listed
        known |= listed
    return _level(factor, exposed, known)


def _genotype(factor: Factor, frame: PatientFrame) -> np.ndarray:
    n = len(frame)
    exposed, tested = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for key in factor.input.genotype:
        name = column(key, "value")
        if name in frame.calls:
            values = frame.calls[name].to_numpy(dtype=object)
            exposed |= np.isin(values, factor.input.exposed_values)
            tested |= pd.notna(values)
    return _level(factor, exposed, tested)


def _seizure_count(factor: Factor, frame: PatientFrame) -> np.ndarray:
    inp, types = factor.input, frame.seizure_types
    counted = [t for t in types.columns if t not in (*inp.not_counted, *inp.unknown_types)]
    matrix, position = types.to_numpy(dtype=bool), {t: i for i, t in enumerate(types.columns)}
    n = matrix[:, [position[t] for t in counted]].sum(axis=1)
    unsure = matrix[:, [position[t] for t in inp.unknown_types if t in position]].any(axis=1)
    return _level(factor, n >= 2, (n >= 2) | ((n == 1) & ~unsure))


def feature_columns(es: EffectSizes, frame: PatientFrame, *, history: bool
                    ) -> dict[str, np.ndarray]:
    """The model's input columns (numpy arrays, model order) for every row of a frame."""
    out: dict[str, np.ndarray] = {}
    table = frame.clinical  # its columns as object arrays, taken in one pass
    clinical = dict(zip(table.columns, table.to_numpy(dtype=object).T, strict=True))
    for f in es.factors:
        if f.input.clinical is not None:
            out[model_column(f)] = _clinical(f, frame, clinical)
        elif f.input.genotype is not None:
            out[model_column(f)] = _genotype(f, frame)
        else:
            out[model_column(f)] = _seizure_count(f, frame)
    if history:
        k = frame.failed_regimens.to_numpy(dtype=float)
        whole = k if np.isfinite(k).all() else np.nan_to_num(k)  # (nan_to_num is slow)
        out["failed_regimens"] = np.where(k >= 3, "3+", whole.astype(int).astype(str)
                                          ).astype(object)
    return _with_stratum(out, clinical_block(es), history, list(model_columns(es, history)))


def features(es: EffectSizes, frame: PatientFrame, *, history: bool) -> pd.DataFrame:
    """The model's input frame for every row of a patient frame."""
    return pd.DataFrame(feature_columns(es, frame, history=history))


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def both_rows(es: EffectSizes, frame: PatientFrame, row: int
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """One patient's features for the drug-resistance model and for the next-regimen model
    (derived in one pass: they differ only in the history and stratum columns)."""
    columns = feature_columns(es, frame, history=True)
    with_history = {c: _scalar(v[row]) for c, v in columns.items()}
    unrecorded = with_history["failed_regimens_if_unrecorded"] != RECORDED
    base = {**with_history, "clinical_unrecorded": YES if unrecorded else NO}
    return {c: base[c] for c in model_columns(es, history=False)}, with_history


def _failed_regimens(table: pd.DataFrame, first_row: int) -> pd.Series:
    """The training table's count of failed adequate regimens (required, whole, 0-100)."""
    cells = table[HISTORY_COLUMN].astype(object)
    text = cells.map(lambda v: v.strip() if isinstance(v, str) else v)
    values = pd.to_numeric(text.where(~text.isin(["", "unknown"]), None), errors="coerce")
    k = values.astype(float).to_numpy()
    bad = (np.isnan(k) & text.notna().to_numpy()) | (~np.isnan(k) & (
        (k < 0) | (k > MAX_FAILED_REGIMENS) | (k != np.round(k))))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(HISTORY_COLUMN, cells.iloc[row], "expected a whole number from 0 to "
                         f"{MAX_FAILED_REGIMENS} (row {row + first_row})")
    if np.isnan(k).any():
        row = int(np.flatnonzero(np.isnan(k))[0])
        raise InputError(HISTORY_COLUMN, None, "the number of failed adequate regimens is "
                                               f"required (row {row + first_row})")
    return pd.Series(k)


def feature_frame(kb: KnowledgeBase, table: pd.DataFrame, *, history: bool) -> pd.DataFrame:
    """Features for a table of input columns (a training or evaluation table).

    The table goes through the same checks and translation as a cohort; the first bad cell
    raises an InputError naming the column, the value and the row.
    """
    es = kb.effect_sizes
    for name in input_columns(es, history):
        if name not in table.columns:
            raise InputError(name, None, "missing column: the risk model needs it (add it; "
                                         "empty cells mean unknown)")
    table = table.reset_index(drop=True)
    used = [c for c in input_columns(es, history=False) if c in table.columns]
    failed = _failed_regimens(table, 1) if history else None
    frame, errors = frame_from_table(kb, table[used], restrict_to=[], failed_regimens=failed)
    if len(errors):
        first = errors.iloc[0]
        raise InputError(first["field"], first["value"], f"{first['error']} "
                                                         f"(row {first['row']})")
    return features(es, frame, history=history)
