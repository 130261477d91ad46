"""A child's weight-based dose against the drug's adult dose (BNF for Children: for most drugs
the adult maximum dose should not be exceeded): capped at a stated adult maximum, said where
the adult dose is a usual range without one, and untouched below it."""

from __future__ import annotations

import pytest

from advisor.consult import consult
from advisor.dosing import adult_dose
from advisor.inputs.patient import validate_patient


def _dose(kb, drug: str, **patient):
    data = {"sex": "female", "seizure_types": ["focal"], "current_medications": [],
            "candidate_drugs": [drug], **patient}
    return next(d for d in consult(kb, validate_patient(kb, data)).doses if d.drug == drug)


@pytest.mark.parametrize(("drug", "age", "weight"), [
    ("topiramate", 10, 30),  # 150-270 mg/day, below the adult 400
    ("clobazam", 12, 40),  # 12-40 mg/day, below the adult 60
    ("phenobarbital", 6, 20),  # 100-160 mg/day, inside the adult 60-180
])
def test_below_the_adult_dose_nothing_is_said_or_capped(kb, drug, age, weight):
    dose = _dose(kb, drug, age_years=age, weight_kg=weight)
    per_kg = next(b for b in kb.drugs[drug].dosing.maintenance
                  if b.daily_mg_per_kg is not None and b.age_years.contains(age))
    assert dose.recommended_daily_mg == [per_kg.daily_mg_per_kg.lo * weight,
                                         per_kg.daily_mg_per_kg.hi * weight]
    assert not any("adult" in b for b in dose.basis), dose.basis


def test_the_adult_cap_is_lowered_with_a_genotype_reduction(kb):
    """A 17-year-old CYP2C19 poor metabolizer of 80 kg: clobazam by weight (24-80 mg/day) is
    halved by the label's rule, and so is the adult maximum that caps it (60 -> 30)."""
    normal = _dose(kb, "clobazam", age_years=17.5, weight_kg=80)
    poor = _dose(kb, "clobazam", age_years=17.5, weight_kg=80, genotypes={"CYP2C19": "*2/*2"})
    assert normal.recommended_daily_mg == [24, 60] and normal.max_daily_mg == 60
    assert poor.recommended_daily_mg == [12, 30] and poor.max_daily_mg == 30
    assert poor.adjustment_percent == -50
    assert any(b.startswith("capped at 30 mg/day (adult maximum") for b in poor.basis)


def test_only_bands_with_the_same_co_medication_are_compared(kb):
    """Lamotrigine for a child taking valproate is compared with the adult dose with
    valproate (100-200 or 100-400 mg/day), never with the dose without it."""
    drug = kb.drugs["lamotrigine"]
    child = next(b for b in drug.dosing.maintenance if b.daily_mg_per_kg is not None
                 and b.when_taking == ["valproate"] and not b.when_also_taking)
    adult = adult_dose(drug, child)
    assert adult is not None and adult.band.when_taking == ["valproate"]
    assert not adult.band.when_also_taking and adult.mg == 200


def test_bands_for_all_ages_and_fixed_doses_are_not_compared(kb):
    open_ended = next(b for b in kb.drugs["cannabidiol"].dosing.maintenance
                      if b.daily_mg_per_kg is not None)
    fixed = next(b for b in kb.drugs["oxcarbazepine"].dosing.maintenance
                 if b.daily_mg is not None and b.age_years.hi is not None)
    assert adult_dose(kb.drugs["cannabidiol"], open_ended) is None
    assert adult_dose(kb.drugs["oxcarbazepine"], fixed) is None  # the label's own table
