"""Risk-model features: from a cohort table or a patient to the model's input frame.

Input columns (a cohort table, or :func:`patient_row` for one patient) use the patient-file
names; empty cells mean *unknown*, which becomes an explicit ``unknown`` category or a
missing indicator, never "absent". The model columns derived from them:

- ``status_epilepticus``: ``status_epilepticus_history``; also ``yes`` when that is unknown
  and ``seizure_types`` lists ``status_epilepticus``.
- ``multiple_seizure_types``: ``yes`` with two or more known types (``unknown`` and
  ``status_epilepticus`` not counted); ``no`` with exactly one and no ``unknown`` listed.
- ``symptomatic_etiology``: structural, infectious, metabolic, immune -> ``yes``; genetic ->
  ``no``; ``unknown`` or empty -> ``unknown``.
- ``abcb1_3435``: rs1045642 ``C/C`` vs ``other`` (C/T, T/T) vs ``unknown``.
- ``gaba_a_gof``: ``yes`` when any of GABRA1, GABRB2, GABRB3, GABRG2, GABRD is gain of
  function; ``no`` when at least one was tested (a variant of another class, or ``none`` in
  a cohort cell) without one; else ``unknown``.
- ``failed_regimens``: adequate trials that failed for lack of efficacy, distinct drugs
  (as :mod:`advisor.dre` counts them), as ``0``, ``1``, ``2`` or ``3+``.
- ``clinical_unrecorded`` (drug-resistance model) and ``failed_regimens_if_unrecorded``
  (next-regimen model): the stratum of patients with no clinical record at all (every
  :data:`CLINICAL_BLOCK` feature unknown); an additive model cannot otherwise reproduce the
  population rates for them, because the mix of hidden risk factors changes with every
  failed regimen.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from advisor.errors import InputError
from advisor.genotype import GenotypeError, translate
from advisor.knowledge import KnowledgeBase
from advisor.patient import Patient

YES, NO, UNKNOWN = "yes", "no", "unknown"
BINARY_LEVELS = (NO, YES, UNKNOWN)  # the first level of each feature is its reference
CATEGORICAL: dict[str, tuple[str, ...]] = {
    "status_epilepticus": BINARY_LEVELS,
    "multiple_seizure_types": BINARY_LEVELS,
    "febrile_seizures": BINARY_LEVELS,
    "symptomatic_etiology": BINARY_LEVELS,
    "eeg_abnormal": BINARY_LEVELS,
    "intellectual_disability": BINARY_LEVELS,
    "hippocampal_sclerosis": BINARY_LEVELS,
    "abcb1_3435": ("other", "C/C", UNKNOWN),
    "gaba_a_gof": BINARY_LEVELS,
}
REGIMEN_LEVELS = ("0", "1", "2", "3+")
RECORDED = "recorded"
NUMERIC: dict[str, str] = {  # model column -> input column
    "age_at_onset_years": "age_at_onset_years",
    "log1p_pretreatment_seizure_count": "pretreatment_seizure_count",
}
# The patient file's optional ``clinical`` block; when every one of these is unknown the
# patient falls in the "no clinical record" stratum, which the models treat on its own
# (for the next-regimen model, with its own rate per number of failed regimens).
CLINICAL_BLOCK = ("status_epilepticus", "febrile_seizures", "symptomatic_etiology",
                  "eeg_abnormal", "intellectual_disability", "hippocampal_sclerosis", *NUMERIC)
UNRECORDED: dict[str, tuple[str, ...]] = {"clinical_unrecorded": (NO, YES)}
HISTORY: dict[str, tuple[str, ...]] = {
    "failed_regimens": REGIMEN_LEVELS,
    "failed_regimens_if_unrecorded": (RECORDED, *REGIMEN_LEVELS),
}
STRATUM_COLUMNS = ("clinical_unrecorded", "failed_regimens_if_unrecorded")

BOOLEAN_COLUMNS: dict[str, str] = {  # input column -> model column
    "status_epilepticus_history": "status_epilepticus",
    "febrile_seizures_history": "febrile_seizures",
    "eeg_abnormal": "eeg_abnormal",
    "intellectual_disability": "intellectual_disability",
    "hippocampal_sclerosis": "hippocampal_sclerosis",
}
ABCB1_KEY = "rs1045642"
GABA_GENES = ("GABRA1", "GABRB2", "GABRB3", "GABRG2", "GABRD")
GABA_TESTED_NEGATIVE = "none"  # cohort cell: gene tested, no variant
HISTORY_COLUMN = "failed_adequate_regimens"
BASE_COLUMNS = ("seizure_types", "etiology", *BOOLEAN_COLUMNS, "age_at_onset_years",
                "pretreatment_seizure_count", ABCB1_KEY, *GABA_GENES)
SYMPTOMATIC = frozenset({"structural", "infectious", "metabolic", "immune"})
ETIOLOGIES = (*sorted(SYMPTOMATIC), "genetic", "unknown")
NOT_COUNTED_TYPES = frozenset({"unknown", "status_epilepticus"})
_TRUE = frozenset({"true", "yes", "y", "1", "1.0"})
_FALSE = frozenset({"false", "no", "n", "0", "0.0"})
_EMPTY = frozenset({"", "unknown", "na", "n/a", "nan", "none"})


def input_columns(history: bool) -> tuple[str, ...]:
    """The input columns a table needs for a model with or without the treatment history."""
    return (*BASE_COLUMNS, HISTORY_COLUMN) if history else BASE_COLUMNS


def model_columns(history: bool) -> dict[str, tuple[str, ...] | None]:
    """Model column -> its categories (None for numeric), in model order."""
    cats: dict[str, tuple[str, ...] | None] = dict(CATEGORICAL)
    cats.update(HISTORY if history else UNRECORDED)
    cats.update(dict.fromkeys(NUMERIC))
    return cats


def add_stratum(frame: pd.DataFrame, history: bool) -> pd.DataFrame:
    """Add the "no clinical record" stratum column and put the columns in model order."""
    frame = frame.copy()
    unrecorded = np.ones(len(frame), dtype=bool)
    for column in CLINICAL_BLOCK:
        values = frame[column]
        unrecorded &= (values.isna() if column in NUMERIC else values == UNKNOWN).to_numpy()
    if history:
        frame["failed_regimens_if_unrecorded"] = np.where(
            unrecorded, frame["failed_regimens"].astype(object), RECORDED)
    else:
        frame["clinical_unrecorded"] = np.where(unrecorded, YES, NO)
    return frame[list(model_columns(history))]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def parse_bool(value: Any) -> str:
    """``yes``/``no``/``unknown`` from a bool, 0/1 or text cell; ValueError otherwise."""
    if _missing(value):
        return UNKNOWN
    if isinstance(value, bool | np.bool_):
        return YES if value else NO
    text = str(value).strip().lower()
    if text in _TRUE:
        return YES
    if text in _FALSE:
        return NO
    if text in _EMPTY:
        return UNKNOWN
    raise ValueError("expected true/false, yes/no or 1/0 (empty = unknown)")


def _by_value(table: pd.DataFrame, column: str, parse: Callable[[Any], Hashable]) -> np.ndarray:
    """Apply ``parse`` once per distinct value; a ValueError names the column, value and row."""
    codes, uniques = pd.factorize(table[column].astype(object), use_na_sentinel=True)
    parsed = []
    for j, value in enumerate([*uniques, None]):
        try:
            parsed.append(parse(value))
        except ValueError as exc:
            row = int(np.flatnonzero(codes == j)[0])
            raise InputError(column, value, f"{exc} (row {row + 1})") from None
    out = np.empty(len(parsed), dtype=object)
    for i, item in enumerate(parsed):
        out[i] = item
    return out[codes]


def _seizure_types(kb: KnowledgeBase) -> Callable[[Any], tuple[str, str]]:
    known = kb.vocabulary.seizure_types

    def parse(value: Any) -> tuple[str, str]:
        """(multiple_seizure_types, status_epilepticus listed) for one cell."""
        if _missing(value) or not str(value).strip():
            return UNKNOWN, NO
        types = {t.strip().lower() for t in str(value).replace(",", ";").split(";") if t.strip()}
        bad = sorted(types - set(known))
        if bad:
            raise ValueError(f"unknown seizure type {bad[0]!r}; known: {', '.join(known)}")
        counted = types - NOT_COUNTED_TYPES
        if len(counted) >= 2:
            multiple = YES
        elif len(counted) == 1 and "unknown" not in types:
            multiple = NO
        else:
            multiple = UNKNOWN
        return multiple, YES if "status_epilepticus" in types else NO

    return parse


def _etiology(value: Any) -> str:
    if _missing(value):
        return UNKNOWN
    text = str(value).strip().lower()
    if text in SYMPTOMATIC:
        return YES
    if text == "genetic":
        return NO
    if text in ("", "unknown"):
        return UNKNOWN
    raise ValueError(f"unknown etiology; expected one of {', '.join(ETIOLOGIES)} or empty")


def _genotype(kb: KnowledgeBase, key: str) -> Callable[[Any], str | None]:
    def parse(value: Any) -> str | None:
        """The translated value (e.g. 'C/C', 'gain_of_function'); None when not tested."""
        if _missing(value) or not str(value).strip():
            return None
        if key in GABA_GENES and str(value).strip().lower() == GABA_TESTED_NEGATIVE:
            return GABA_TESTED_NEGATIVE
        try:
            return translate(kb, key, value).value
        except GenotypeError as exc:
            raise ValueError(str(exc).split(": ", 1)[-1]) from None

    return parse


def _numeric(table: pd.DataFrame, column: str, lo: float, hi: float,
             integer: bool = False) -> np.ndarray:
    raw = table[column].astype(object)
    text = raw.map(lambda v: v.strip() if isinstance(v, str) else v)
    text = text.where(~text.isin(["", "unknown"]), None)
    values = pd.to_numeric(text, errors="coerce").astype(float).to_numpy()
    bad = np.isnan(values) & text.notna().to_numpy()
    bad |= ~np.isnan(values) & ((values < lo) | (values > hi))
    if integer:
        bad |= ~np.isnan(values) & (values != np.round(values))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        kind = "a whole number" if integer else "a number"
        raise InputError(column, raw.iloc[row],
                         f"expected {kind} from {lo:g} to {hi:g} or empty (row {row + 1})")
    return values


def check_columns(table: pd.DataFrame, history: bool) -> None:
    """Raise InputError naming the first input column the table lacks."""
    for column in input_columns(history):
        if column not in table.columns:
            raise InputError(column, None, "missing column: the risk model needs it (add it; "
                                           "empty cells mean unknown)")


def feature_frame(kb: KnowledgeBase, table: pd.DataFrame, *, history: bool) -> pd.DataFrame:
    """The model's input frame for a table of input columns (see the module docstring)."""
    check_columns(table, history)
    table = table.reset_index(drop=True)
    out: dict[str, Any] = {}
    parsed_types = _by_value(table, "seizure_types", _seizure_types(kb))
    out["multiple_seizure_types"] = [m for m, _ in parsed_types]
    for column, feature in BOOLEAN_COLUMNS.items():
        out[feature] = _by_value(table, column, parse_bool)
    listed_se = np.array([se for _, se in parsed_types], dtype=object)
    se = out["status_epilepticus"]
    out["status_epilepticus"] = np.where(se == UNKNOWN, np.where(listed_se == YES, YES, UNKNOWN),
                                         se)
    out["symptomatic_etiology"] = _by_value(table, "etiology", _etiology)
    abcb1 = _by_value(table, ABCB1_KEY, _genotype(kb, ABCB1_KEY))
    out["abcb1_3435"] = np.where(pd.isna(abcb1), UNKNOWN, np.where(abcb1 == "C/C", "C/C", "other"))
    gaba = np.stack([_by_value(table, gene, _genotype(kb, gene)) for gene in GABA_GENES])
    gof = (gaba == "gain_of_function").any(axis=0)
    tested = pd.notna(gaba).any(axis=0)
    out["gaba_a_gof"] = np.where(gof, YES, np.where(tested, NO, UNKNOWN))
    if history:
        k = _numeric(table, HISTORY_COLUMN, 0, 100, integer=True)
        if np.isnan(k).any():
            row = int(np.flatnonzero(np.isnan(k))[0])
            raise InputError(HISTORY_COLUMN, None, "the number of failed adequate regimens is "
                                                   f"required (row {row + 1})")
        out["failed_regimens"] = np.where(k >= 3, "3+", k.astype(int).astype(str))
    out["age_at_onset_years"] = _numeric(table, "age_at_onset_years", 0, 120)
    out["log1p_pretreatment_seizure_count"] = np.log1p(
        _numeric(table, "pretreatment_seizure_count", 0, 1_000_000, integer=True))
    return add_stratum(pd.DataFrame(out), history)


def failed_adequate_regimens(patient: Patient) -> int:
    """Distinct drugs whose adequate trial failed for lack of efficacy."""
    return len({t.drug for t in patient.medication_history
                if t.outcome == "inefficacy" and t.adequate})


def patient_row(kb: KnowledgeBase, patient: Patient) -> dict[str, Any]:
    """One patient as a row of input columns (genotypes translated to their values)."""
    c = patient.clinical
    row: dict[str, Any] = {
        "seizure_types": ";".join(patient.seizure_types),
        "etiology": c.etiology,
        "status_epilepticus_history": c.status_epilepticus_history,
        "febrile_seizures_history": c.febrile_seizures_history,
        "eeg_abnormal": c.eeg_abnormal,
        "intellectual_disability": c.intellectual_disability,
        "hippocampal_sclerosis": c.hippocampal_sclerosis,
        "age_at_onset_years": c.age_at_onset_years,
        "pretreatment_seizure_count": c.pretreatment_seizure_count,
        HISTORY_COLUMN: failed_adequate_regimens(patient),
    }
    for key in (ABCB1_KEY, *GABA_GENES):
        raw = patient.genotypes.get(key)
        row[key] = None if raw is None else translate(kb, key, raw).value
    return row
