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
    assert ("CYP2C19 Poor Metabolizer: the source says to reduce the dose but gives no "
            "figure, so this number does not include it") in _basis(
                kb, "brivaracetam", genotypes={"CYP2C19": "*2/*2"})
    assert "gives no figure" not in _basis(kb, "brivaracetam")


def test_a_renal_statement_applied_by_the_dose_gets_no_such_note(kb):
    basis = _basis(kb, "oxcarbazepine", renal={"creatinine_clearance_ml_min": 20})
    assert "start at 300 mg/day" in basis
    assert "gives no figure" not in basis


def test_a_genotype_dose_change_is_named_in_words_not_by_its_rule_id(kb):
    """The dose row names a genotype rule's change by what it is for, and its note reads as a
    clause after a semicolon (review AA C1: 'rule cyp2c9-phenytoin-as-0-0.5: ...; Maintenance
    dose only')."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 40, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
        "candidate_drugs": ["phenytoin"], "genotypes": {"CYP2C9": "*3/*3"}}))
    basis = next(d for d in res.doses if d.drug == "phenytoin").basis
    assert any(b.startswith("CYP2C9 activity score 0 (Poor Metabolizer): maintenance dose 50% "
                            "lower") for b in basis), basis
    assert "maintenance dose only; the loading or first dose is unchanged." in basis
    assert not any(b.startswith("rule ") for b in basis)
