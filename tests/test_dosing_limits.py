"""No recommended dose exceeds the knowledge base's own maximum for the patient's group.

Generated patients of every age, weight, kidney and liver function, seizure type and
co-medication; the limit is computed here independently of the engine's band choice: the
highest maximum of any dose band the patient's age and weight fall in (whatever the
indication or co-medication), and, where a renal or hepatic statement covers the patient,
its own maximum.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.schema import Band, DoseBand, Drug, OrganBand

SEIZURES = ["focal", "generalized_tonic_clonic", "absence", "myoclonic", "epileptic_spasms",
            "tonic", "atonic"]
SYNDROMES = [None, "dravet", "lennox_gastaut", "west", "juvenile_myoclonic",
             "childhood_absence", "tuberous_sclerosis_complex", "cdkl5_deficiency"]
COMEDICATIONS = ["valproate", "carbamazepine", "phenytoin", "stiripentol", "clobazam",
                 "combined_oral_contraceptive", "warfarin"]


def _in(band: Band | None, value: float | None) -> bool:
    return band is None or (value is not None and band.contains(value))


def _top(band: DoseBand | OrganBand, weight: float | None) -> float:
    """The highest daily dose a band or statement allows."""
    limits = []
    if band.daily_mg is not None:
        limits.append(band.daily_mg.hi)
    if band.daily_mg_per_kg is not None and weight is not None:
        limits.append(band.daily_mg_per_kg.hi * weight)
    if band.max_daily_mg is not None:
        limits.append(band.max_daily_mg)
    if band.max_daily_mg_per_kg is not None and weight is not None:
        limits.append(band.max_daily_mg_per_kg * weight)
    if not limits:
        return math.inf
    explicit = [x for x in (band.max_daily_mg,) if x is not None]
    return max(explicit) if explicit else max(limits)


def _limit(drug: Drug, age: float, weight: float | None, clearance: float | None,
           dialysis: str | None, child_pugh: str | None) -> float:
    bands = [b for b in drug.dosing.maintenance
             if b.age_years.contains(age) and _in(b.weight_kg, weight)]
    limit = max((_top(b, weight) for b in bands), default=math.inf)
    renal = [b for b in drug.dosing.renal if b.age_years.contains(age) and _in(b.weight_kg, weight)
             and ((b.crcl_ml_min is not None and clearance is not None and dialysis is None
                   and b.crcl_ml_min.contains(clearance))
                  or (dialysis is not None and dialysis in b.dialysis))]
    hepatic = [b for b in drug.dosing.hepatic if b.age_years.contains(age)
               and _in(b.weight_kg, weight) and child_pugh in b.child_pugh]
    for statements in (renal, hepatic):
        tops = [_top(b, weight) for b in statements
                if b.daily_mg or b.daily_mg_per_kg or b.max_daily_mg or b.max_daily_mg_per_kg]
        if tops:
            limit = min(limit, max(tops))
    return limit


patients = st.fixed_dictionaries({
    "age_years": st.one_of(st.floats(0.05, 2), st.floats(2, 18), st.floats(18, 95)),
    "weight_factor": st.floats(0.7, 1.4),
    "seizure_types": st.lists(st.sampled_from(SEIZURES), min_size=1, max_size=3, unique=True),
    "syndrome": st.sampled_from(SYNDROMES),
    "current_medications": st.lists(st.sampled_from(COMEDICATIONS), max_size=2, unique=True),
    "clearance": st.one_of(st.none(), st.floats(5, 140)),
    "dialysis": st.sampled_from([None, None, None, "haemodialysis"]),
    "child_pugh": st.sampled_from([None, None, "A", "B", "C"]),
    "genotypes": st.fixed_dictionaries({
        "CYP2C9": st.sampled_from(["*1/*1", "*1/*3", "*3/*3"]),
        "CYP2C19": st.sampled_from(["*1/*1", "*2/*2", "*1/*17"])}),
})


def _weight(age: float, factor: float) -> float:
    """A plausible weight for the age (a rough growth curve), scaled by ``factor``."""
    typical = 3.5 + 7 * min(age, 1) + 2.3 * max(0, min(age, 14) - 1) + 2 * max(0, min(age, 18)
                                                                             - 14)
    return round(max(2.0, typical * factor), 1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patients)
def test_no_recommended_dose_exceeds_the_labelled_maximum(kb, spec):
    weight = _weight(spec["age_years"], spec["weight_factor"])
    data = {"age_years": spec["age_years"], "weight_kg": weight,
            "seizure_types": spec["seizure_types"], "genotypes": spec["genotypes"],
            "current_medications": spec["current_medications"]}
    if spec["syndrome"]:
        data["syndrome"] = spec["syndrome"]
    renal = {}
    if spec["clearance"] is not None:
        renal["creatinine_clearance_ml_min"] = spec["clearance"]
    if spec["dialysis"]:
        renal["dialysis"] = spec["dialysis"]
    if renal:
        data["renal"] = renal
    if spec["child_pugh"]:
        data["hepatic"] = {"child_pugh": spec["child_pugh"]}
    result = consult(kb, validate_patient(kb, data))
    for dose in result.doses:
        if dose.recommended_daily_mg is None:
            continue
        limit = _limit(kb.drugs[dose.drug], spec["age_years"], weight, spec["clearance"],
                       spec["dialysis"], spec["child_pugh"])
        assert dose.recommended_daily_mg[1] <= limit + 0.05, (dose.drug, dose, limit, data)
        assert dose.recommended_daily_mg[0] <= dose.recommended_daily_mg[1]
