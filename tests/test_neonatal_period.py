"""Seizures in the neonatal period are neonatal seizures (manifest.yaml, neonatal_period),
whatever semiology the input names: the single consult and the cohort frame agree."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.frame import frame_from_table
from advisor.inputs.patient import validate_patient


@pytest.mark.parametrize(("age", "implied"), [(0.04, True), (0.0766, True), (0.0767, False),
                                              (0.5, False), (None, False)])
def test_the_consult_adds_the_neonatal_type_only_in_the_period(kb, age, implied):
    data = {"sex": "female", "seizure_types": ["focal"]}
    if age is not None:
        data["age_years"] = age
    patient = validate_patient(kb, data)
    assert patient.seizure_types == (["neonatal_seizures", "focal"] if implied else ["focal"])


def test_a_neonate_named_neonatal_is_unchanged(kb):
    patient = validate_patient(kb, {"age_years": 0.02, "seizure_types": ["neonatal_seizures"]})
    assert patient.seizure_types == ["neonatal_seizures"]


def test_the_cohort_frame_marks_the_same_rows(kb):
    table = pd.DataFrame({"sample_id": ["newborn", "infant", "unknown-age"],
                          "age_years": ["0.04", "0.5", ""],
                          "seizure_types": ["focal", "focal", "focal"]})
    frame, errors = frame_from_table(kb, table)
    assert errors.empty, errors
    assert frame.seizure_types["neonatal_seizures"].tolist() == [True, False, False]
    assert frame.seizure_types["focal"].tolist() == [True, True, True]


def test_drug_resistance_is_not_classified_for_neonatal_seizures(kb):
    """A 7-day-old whose phenobarbital failed: the ILAE 2010 definition is for epilepsy and
    most neonatal seizures are acute provoked, so the status is not classified and the
    summary says so; the empty regimen list says why (review K M11)."""
    from advisor.consult import consult
    from advisor.report import render

    res = consult(kb, validate_patient(kb, {
        "age_years": 0.02, "weight_kg": 3.2, "sex": "male",
        "seizure_types": ["neonatal_seizures"],
        "medication_history": [{"drug": "phenobarbital", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 0.1}],
        "current_medications": ["phenobarbital"]}))
    assert res.dre.status == "undetermined"
    assert res.dre.not_classified == "neonatal seizures, not classified"
    assert res.dre.reasons[-1].startswith("Neonatal seizures: drug resistance is not classified")
    assert "ILAE-2023-neonatal-seizures" in res.dre.evidence
    text = render(res, "markdown")
    assert "**ILAE status**: Undetermined (ILAE 2010): neonatal seizures, not classified" in text
    assert "from the candidate drugs" not in text
