"""Small builders shared by the unit tests: a patient, its frame, its flags and its doses."""

from __future__ import annotations

from typing import Any

import pandas as pd

from advisor.dosing import recommend_doses
from advisor.frame import PatientFrame, frame_from_patients
from advisor.inputs.patient import Patient, validate_patient
from advisor.knowledge import KnowledgeBase
from advisor.result import Dose
from advisor.rules import FLAG_COLUMNS, evaluate

ADULT = {"age_years": 30, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"]}
"""A man of 30 and 70 kg with focal seizures: no rule of the small knowledge base fires for
him and every test drug is a candidate."""


def patient(kb: KnowledgeBase, **fields: Any) -> Patient:
    """A validated patient from patient-file fields."""
    return validate_patient(kb, fields)


def frame(kb: KnowledgeBase, *patients: dict[str, Any]) -> PatientFrame:
    """The frame of one or more patients given as patient-file fields."""
    return frame_from_patients(kb, [validate_patient(kb, p) for p in patients])


def flags(kb: KnowledgeBase, *patients: dict[str, Any]) -> pd.DataFrame:
    """Every flag for the patients (``row`` is the patient's position)."""
    return evaluate(kb, frame(kb, *patients))


def hits(table: pd.DataFrame, **match: Any) -> pd.DataFrame:
    """The flags whose columns equal the given values."""
    keep = pd.Series(True, index=table.index)
    for column, value in match.items():
        keep &= table[column].astype(object) == value
    return table[keep]


def doses(kb: KnowledgeBase, **fields: Any) -> dict[str, Dose]:
    """The dose of every candidate drug for one patient, by drug."""
    f = frame(kb, fields)
    return {d.drug: d for d in recommend_doses(kb, f, evaluate(kb, f), 0)}


def no_flags() -> pd.DataFrame:
    """An empty flag table (a patient for whom nothing fired)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})


def flag_table(*records: dict[str, Any]) -> pd.DataFrame:
    """A hand-written flag table (missing columns are empty)."""
    base = dict.fromkeys(FLAG_COLUMNS)
    return pd.DataFrame([{**base, "row": 0, **r} for r in records], columns=FLAG_COLUMNS)
