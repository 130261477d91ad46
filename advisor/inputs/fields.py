"""The field specification: every patient field's type, range, vocabulary and spellings,
and the checks across fields (weight for age, onset before the current age, trials within
the patient's life, seizure freedom within its trial).

One source for the patient-file model (:mod:`advisor.inputs.patient`), the column checks of
cohort tables (:mod:`advisor.inputs.cohort`) and the risk model's inputs
(:mod:`advisor.risk.features`), so that all three accept exactly the same values. Fields
whose values come from the knowledge base (seizure types, syndromes, drugs, genotypes) name
their vocabulary; the values themselves are checked against the loaded knowledge base.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from advisor.inputs import growth
from advisor.inputs.growth import weight_bounds

Kind = Literal["number", "integer", "bool", "choice", "vocabulary", "list", "text"]

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "1.0"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "0.0"})
UNKNOWN_WORDS = frozenset({"", "unknown", "na", "n/a", "nan", "none"})
BOOL_SPELLINGS = "true/false, yes/no or 1/0 (empty = unknown)"
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Field:
    """One patient field: how it is written and which values are allowed."""

    name: str
    kind: Kind
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False  # the lower bound itself is not allowed
    choices: tuple[str, ...] = ()
    vocabulary: str | None = None  # a knowledge-base vocabulary: seizure_types, syndromes, drugs
    description: str = ""
    max_items: int | None = None  # a list's length limit (far above any real patient's)

    def pydantic_bounds(self) -> dict[str, float]:
        """``ge``/``gt``/``le`` keyword arguments for a pydantic ``Field``."""
        out: dict[str, float] = {}
        if self.lo is not None:
            out["gt" if self.lo_open else "ge"] = self.lo
        if self.hi is not None:
            out["le"] = self.hi
        return out

    def range_text(self) -> str:
        """The allowed range in words, for error messages."""
        what = "a whole number" if self.kind == "integer" else "a number"
        if self.lo_open:
            return f"{what} above {self.lo:g} and at most {self.hi:g}"
        return f"{what} from {self.lo:g} to {self.hi:g}"

    def out_of_range(self, values: np.ndarray) -> np.ndarray:
        """True where a (non-NaN) number breaks the bounds or is not whole for an integer."""
        bad = np.zeros(len(values), dtype=bool)
        known = ~np.isnan(values)
        if self.lo is not None:
            bad |= known & ((values <= self.lo) if self.lo_open else (values < self.lo))
        if self.hi is not None:
            bad |= known & (values > self.hi)
        if self.kind == "integer":
            bad |= known & (values != np.round(values))
        return bad


SEXES = ("female", "male", "other")
ETIOLOGIES = ("structural", "genetic", "infectious", "metabolic", "immune", "unknown")
OUTCOMES = ("seizure_free", "inefficacy", "intolerance", "relapse", "ongoing", "unknown")
PREGNANCY = ("pregnant", "planning", "breastfeeding", "not_pregnant")
DIALYSIS = ("haemodialysis", "peritoneal")
CHILD_PUGH = ("A", "B", "C")
REACTION_SEPARATOR = ":"  # cohort cell "lamotrigine:sjs_ten;carbamazepine:dress"

PATIENT_FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("age_years", "number", 0, 120, description="age in years"),
    Field("weight_kg", "number", 0.3, 400, lo_open=True, description="body weight in kg"),
    Field("sex", "choice", choices=SEXES),
    Field("seizure_types", "list", vocabulary="seizure_types", max_items=50),
    Field("syndrome", "vocabulary", vocabulary="syndromes"),
    Field("current_medications", "list", vocabulary="drugs", max_items=50),
    Field("candidate_drugs", "list", vocabulary="drugs", max_items=100),
    Field("longest_pretreatment_interval_days", "number", 0, 36500),
    Field("pregnancy", "choice", choices=PREGNANCY),
    Field("conditions", "list", vocabulary="conditions", max_items=50),
    Field("adverse_reactions", "list", vocabulary="reactions", max_items=100,
          description="past serious reactions as drug:reaction items"),
)}
# Lengths of the patient file's other collections: bounds on the work one file can cause
# (the strict reader's own limit, 1,000 items, applies to every list first).
MAX_TRIALS = 200  # medication_history entries
MAX_GENOTYPES = 500  # genotypes entries

RENAL_FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("egfr_ml_min", "number", 0, 250, description="eGFR, mL/min/1.73 m2"),
    Field("creatinine_clearance_ml_min", "number", 0, 250,
          description="creatinine clearance (Cockcroft-Gault), mL/min"),
    Field("dialysis", "choice", choices=DIALYSIS),
)}

HEPATIC_FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("child_pugh", "choice", choices=CHILD_PUGH),
)}

CLINICAL_FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("age_at_onset_years", "number", 0, 120),
    Field("etiology", "choice", choices=ETIOLOGIES),
    Field("hippocampal_sclerosis", "bool"),
    Field("status_epilepticus_history", "bool"),
    Field("febrile_seizures_history", "bool"),
    Field("eeg_abnormal", "bool"),
    Field("intellectual_disability", "bool"),
    Field("pretreatment_seizure_count", "integer", 0, 1_000_000),
)}

TRIAL_FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("outcome", "choice", choices=OUTCOMES),
    Field("adequate", "bool"),
    Field("duration_months", "number", 0, 1200),
    Field("seizure_free_months", "number", 0, 1200),
)}


def parse_bool(value: Any) -> bool | None:
    """True, False or None (unknown) from a bool, 0/1 or a text cell; ValueError otherwise."""
    import pandas as pd  # (not at the top: the knowledge base loads without pandas)

    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    if text in UNKNOWN_WORDS:
        return None
    raise ValueError(f"expected {BOOL_SPELLINGS}")


# --- numbers as written -------------------------------------------------------------------

NUMBER_TEXT = re.compile(r"\s*[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\s*")


def number_input(value: Any) -> Any:
    """A number field's raw value, refused when it is a boolean (``true`` is not 1) or text
    that is not a plain decimal number (``1:20``, ``0x1F``, ``1_000``, ``nan``, ``inf``);
    other values pass on to the type check."""
    if isinstance(value, bool | np.bool_):
        raise ValueError("a boolean is not a number")
    if isinstance(value, str) and not NUMBER_TEXT.fullmatch(value):
        raise ValueError("not a plain decimal number")
    return value


# --- plausibility across fields -------------------------------------------------------------

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Implausible:
    """Rows whose values contradict each other: ``field`` is reported (with ``values``),
    ``messages`` name the other field and what was expected (meaningful where ``mask``)."""

    field: str
    mask: np.ndarray
    values: np.ndarray
    messages: np.ndarray


def age_slack_years(age: np.ndarray) -> np.ndarray:
    """How far the true age may lie above the age written: a whole number is completed
    years (up to a year more), a fraction is taken to within a month."""
    return np.where(age == np.round(age), 1.0, 1 / 12)


def _implausible(field: str, mask: np.ndarray, values: np.ndarray,
                 message: Callable[[int], str]) -> list[Implausible]:
    if not mask.any():
        return []
    messages = np.full(len(mask), None, dtype=object)
    for i in np.flatnonzero(mask):
        messages[i] = message(int(i))
    return [Implausible(field, mask, values, messages)]


def _sex_word(sex: object) -> str:
    return f"{sex}, " if sex in ("female", "male") else ""


def implausible_context(columns: Mapping[str, np.ndarray]) -> list[Implausible]:
    """Contradictions among a patient's context fields, one array entry per patient:

    - ``weight_kg`` outside the plausible weight for ``age_years`` (and ``sex``): the
      published growth references' bounds (:mod:`advisor.inputs.growth`, WHO under 2
      years, CDC from 2 to 20 years);
    - ``age_at_onset_years`` after ``age_years``;
    - ``longest_pretreatment_interval_days`` longer than the patient's life.

    ``columns`` maps field names to arrays (NaN/None = not given); a check needs both of
    its fields. Ages written as whole numbers are completed years (:func:`age_slack_years`).
    """
    age = np.asarray(columns["age_years"], dtype=float)
    n = len(age)
    missing = np.full(n, np.nan)
    weight = np.asarray(columns.get("weight_kg", missing), dtype=float)
    onset = np.asarray(columns.get("age_at_onset_years", missing), dtype=float)
    interval = np.asarray(columns.get("longest_pretreatment_interval_days", missing),
                          dtype=float)
    sex = np.asarray(columns.get("sex", np.full(n, None, dtype=object)), dtype=object)
    latest = age + age_slack_years(age)
    low, high = weight_bounds(age, sex)
    with np.errstate(invalid="ignore"):
        light = weight < low
        heavy = weight > high
        early = onset >= latest
        long_ = interval > latest * DAYS_PER_YEAR

    def weight_message(i: int) -> str:
        plausible = (f"up to {high[i]:.1f} kg" if np.isnan(low[i]) else
                     f"{low[i]:.1f}-{high[i]:.1f} kg")
        source = growth.SOURCES[0 if age[i] < 2 else 1]
        return (f"not plausible for age_years {age[i]:g} ({_sex_word(sex[i])}plausible: "
                f"{plausible}, {source}): check weight_kg and age_years")

    return [
        *_implausible("weight_kg", light | heavy, weight, weight_message),
        *_implausible("age_at_onset_years", early, onset, lambda i: (
            f"after the current age (age_years {age[i]:g}): check age_at_onset_years and "
            "age_years")),
        *_implausible("longest_pretreatment_interval_days", long_, interval, lambda i: (
            f"longer than the patient's life (age_years {age[i]:g}): check "
            "longest_pretreatment_interval_days and age_years")),
    ]


def implausible_trials(age_years: np.ndarray, duration_months: np.ndarray,
                       seizure_free_months: np.ndarray) -> list[Implausible]:
    """Contradictions in medication trials (one array entry per trial, with the patient's
    age): a trial longer than the patient's life, and seizure freedom longer than the
    trial (or, without a duration, than the patient's life)."""
    age = np.asarray(age_years, dtype=float)
    duration = np.asarray(duration_months, dtype=float)
    free = np.asarray(seizure_free_months, dtype=float)
    life = (age + age_slack_years(age)) * 12
    with np.errstate(invalid="ignore"):
        too_long = duration > life
        freer = free > duration
        free_life = np.isnan(duration) & (free > life)
    return [
        *_implausible("duration_months", too_long, duration, lambda i: (
            f"longer than the patient's life (age_years {age[i]:g}): check duration_months "
            "and age_years")),
        *_implausible("seizure_free_months", freer, free, lambda i: (
            f"longer than the trial (duration_months {duration[i]:g}): check "
            "seizure_free_months and duration_months")),
        *_implausible("seizure_free_months", free_life, free, lambda i: (
            f"longer than the patient's life (age_years {age[i]:g}): check "
            "seizure_free_months and age_years")),
    ]
