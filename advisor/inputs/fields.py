"""The field specification: every patient field's type, range, vocabulary and spellings.

One source for the patient-file model (:mod:`advisor.inputs.patient`), the column checks of
cohort tables (:mod:`advisor.inputs.cohort`) and the risk model's inputs
(:mod:`advisor.risk.features`), so that all three accept exactly the same values. Fields
whose values come from the knowledge base (seizure types, syndromes, drugs, genotypes) name
their vocabulary; the values themselves are checked against the loaded knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

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
    Field("seizure_types", "list", vocabulary="seizure_types"),
    Field("syndrome", "vocabulary", vocabulary="syndromes"),
    Field("current_medications", "list", vocabulary="drugs"),
    Field("candidate_drugs", "list", vocabulary="drugs"),
    Field("longest_pretreatment_interval_days", "number", 0, 36500),
    Field("pregnancy", "choice", choices=PREGNANCY),
    Field("conditions", "list", vocabulary="conditions"),
    Field("adverse_reactions", "list", vocabulary="reactions",
          description="past serious reactions as drug:reaction items"),
)}

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
