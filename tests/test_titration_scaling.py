"""A genotype rule that halves the titration (clobazam in CYP2C19 poor metabolizers: 'titrate
to half the usual doses') lowers the plan's steps, never below the patient's own start."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient


def _clobazam_steps(kb, genotypes: dict) -> list[float]:
    data = {"age_years": 2.5, "weight_kg": 12, "sex": "female", "seizure_types": ["tonic"],
            "syndrome": "lennox_gastaut", "current_medications": ["valproate"],
            "candidate_drugs": ["clobazam"], "genotypes": genotypes}
    result = consult(kb, validate_patient(kb, data))
    plan = next(r for r in result.regimens if r.drugs == ["valproate", "clobazam"]).transition
    add = next(s for s in plan.steps if getattr(s, "drug", None) == "clobazam"
               and getattr(s, "schedule", None))
    return [e.daily_mg for e in add.schedule]


def test_a_poor_metabolizer_titrates_to_half_from_the_labelled_start(kb):
    normal = _clobazam_steps(kb, {"CYP2C19": "*1/*1"})
    poor = _clobazam_steps(kb, {"CYP2C19": "*2/*2"})
    assert normal == [5, 10, 20]
    assert poor == [5, 5, 10]  # half of 5, 10, 20, never below the 5 mg/day start
