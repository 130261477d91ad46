"""Where a kidney statement says total concentrations mislead (low protein binding), the dose
row shows no total target level and says to dose by unbound (free) levels; elsewhere the
total target stays."""

from __future__ import annotations

import pytest

from advisor.consult import consult
from advisor.inputs.patient import validate_patient


def _dose(kb, drug: str, renal: dict):
    data = {"age_years": 60, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
            "current_medications": [drug], "renal": renal}
    return next(d for d in consult(kb, validate_patient(kb, data)).doses if d.drug == drug)


@pytest.mark.parametrize(("drug", "renal"), [
    ("phenytoin", {"dialysis": "haemodialysis"}),
    ("phenytoin", {"creatinine_clearance_ml_min": 20}),
    ("valproate", {"dialysis": "haemodialysis"}),
    ("fosphenytoin", {"dialysis": "haemodialysis"}),
    ("fosphenytoin", {"creatinine_clearance_ml_min": 20}),
])
def test_low_binding_hides_the_total_target(kb, drug, renal):
    dose = _dose(kb, drug, renal)
    total = kb.drugs[drug].dosing.therapeutic_range_mg_per_l.range
    assert dose.therapeutic_range_mg_per_l is None
    said = [b for b in dose.basis if b.startswith("no total target level")]
    assert said and f"{total.lo:g}–{total.hi:g} mg/L" in said[0]
    assert "unbound (free) levels, as the renal statement says" in said[0]


@pytest.mark.parametrize(("drug", "renal"), [
    ("phenytoin", {"creatinine_clearance_ml_min": 40}),
    ("valproate", {"creatinine_clearance_ml_min": 20}),
    ("fosphenytoin", {"creatinine_clearance_ml_min": 40}),
])
def test_otherwise_the_total_target_is_shown(kb, drug, renal):
    dose = _dose(kb, drug, renal)
    assert dose.therapeutic_range_mg_per_l == \
        kb.drugs[drug].dosing.therapeutic_range_mg_per_l.range.as_list()
    assert not any(b.startswith("no total target level") for b in dose.basis)


def test_fosphenytoin_in_liver_disease_is_dosed_by_unbound_levels(kb):
    data = {"age_years": 60, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
            "current_medications": ["fosphenytoin"], "hepatic": {"child_pugh": "B"}}
    dose = next(d for d in consult(kb, validate_patient(kb, data)).doses
                if d.drug == "fosphenytoin")
    assert dose.therapeutic_range_mg_per_l is None
    assert any(b.startswith("no total target level") for b in dose.basis)
