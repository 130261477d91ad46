"""A hypersensitivity rash with one aromatic antiseizure medication calls for caution with
the others (review X M2: after a carbamazepine rash, phenytoin and primidone had no flag)."""

from __future__ import annotations

import pytest

from advisor.consult import consult
from advisor.inputs.patient import validate_patient

AROMATIC = ["carbamazepine", "oxcarbazepine", "eslicarbazepine", "phenytoin",
            "phenobarbital", "primidone", "lamotrigine"]


def _flags(kb, drug: str, reaction: str) -> dict[str, list[tuple[str, str, str]]]:
    res = consult(kb, validate_patient(kb, {
        "age_years": 40, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
        "adverse_reactions": [{"drug": drug, "reaction": reaction}],
        "candidate_drugs": AROMATIC}))
    out: dict[str, list[tuple[str, str, str]]] = {}
    for f in res.flags:
        if f.category == "history":
            out.setdefault(f.drug, []).append((f.rule, f.action, f.severity))
    return out


@pytest.mark.parametrize(("reacted", "rule", "cautioned"), [
    ("carbamazepine", "carbamazepine-rash-hydantoins-barbiturates",
     ["phenytoin", "fosphenytoin", "phenobarbital", "primidone"]),
    ("phenytoin", "phenytoin-rash-other-aromatic",
     ["oxcarbazepine", "eslicarbazepine", "phenobarbital", "primidone"]),
    ("phenobarbital", "barbiturate-rash-other-aromatic",
     ["phenytoin", "fosphenytoin", "oxcarbazepine", "eslicarbazepine"]),
])
def test_a_rash_cautions_the_other_aromatic_drugs(kb, reacted, rule, cautioned):
    flags = _flags(kb, reacted, "hypersensitivity_rash")
    for drug in cautioned:
        assert (rule, "use_with_caution", "moderate") in flags.get(drug, []), (drug, flags)
    # the drug itself is not given again (its own rule), and no other drug gets this rule
    assert any(action == "avoid" for _, action, _ in flags[reacted])
    assert {d for d, fs in flags.items() if any(r == rule for r, _, _ in fs)} == set(cautioned)


def test_labelled_rules_keep_their_drugs(kb):
    """After a carbamazepine rash, oxcarbazepine and lamotrigine keep their label rules."""
    flags = _flags(kb, "carbamazepine", "hypersensitivity_rash")
    assert [r for r, _, _ in flags["oxcarbazepine"]] == [
        "carbamazepine-hypersensitivity-oxcarbazepine"]
    assert [r for r, _, _ in flags["lamotrigine"]] == ["other-asm-rash-lamotrigine"]


def test_after_sjs_the_stricter_rule_stands(kb):
    flags = _flags(kb, "carbamazepine", "sjs_ten")
    assert [(r, a) for r, a, _ in flags["phenytoin"]] == [
        ("carbamazepine-scar-hydantoins", "avoid")]


def test_a_drug_tolerated_for_years_gets_no_cross_sensitivity_caution(kb):
    """A carbamazepine rash 20 years ago, phenytoin taken for 6 years: the cross-sensitivity
    caution is for starting an aromatic drug, not for one tolerated beyond the exposure in
    which such reactions start (review Z Z02)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 66, "weight_kg": 80, "sex": "male", "seizure_types": ["focal"],
        "adverse_reactions": [{"drug": "carbamazepine", "reaction": "hypersensitivity_rash"}],
        "medication_history": [{"drug": "phenytoin", "outcome": "ongoing",
                                "duration_months": 72}],
        "current_medications": ["phenytoin"], "candidate_drugs": ["phenobarbital"]}))
    rule = "carbamazepine-rash-hydantoins-barbiturates"
    assert not any(f.rule == rule for f in res.flags if f.drug == "phenytoin")
    assert any(f.rule == rule for f in res.flags if f.drug == "phenobarbital")
