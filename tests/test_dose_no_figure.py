"""A rule that changes a dose without a figure in its source says so in the dose row; an
organ-function statement, applied by the dose itself, does not get that note."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient


def _basis(kb, drug: str, **extra) -> str:
    res = consult(kb, validate_patient(kb, {
        "age_years": 40, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
        "candidate_drugs": [drug], **extra}))
    return " ".join(next(d for d in res.doses if d.drug == drug).basis)


def test_brivaracetam_in_a_cyp2c19_poor_metabolizer_says_the_label_gives_no_figure(kb):
    assert ("rule cyp2c19-pm-brivaracetam: the source says to reduce the dose but gives no "
            "figure, so this number does not include it") in _basis(
                kb, "brivaracetam", genotypes={"CYP2C19": "*2/*2"})
    assert "gives no figure" not in _basis(kb, "brivaracetam")


def test_a_renal_statement_applied_by_the_dose_gets_no_such_note(kb):
    basis = _basis(kb, "oxcarbazepine", renal={"creatinine_clearance_ml_min": 20})
    assert "start at 300 mg/day" in basis
    assert "gives no figure" not in basis
