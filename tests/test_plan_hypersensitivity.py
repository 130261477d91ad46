"""A drug being withdrawn with a hypersensitivity reaction recorded to it is not kept until
the new drug is titrated: the plan says to stop it now if the reaction may be drug-related,
and the summary's top line too (review W H4: a rash on carbamazepine at week 5 was to be
tapered once the new drug reached a therapeutic dose); another reaction (hyponatraemia)
keeps the usual cross-taper."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report.formatting import transition_lines


def _boy(kb, reaction: str):
    return consult(kb, validate_patient(kb, {
        "age_years": 15, "weight_kg": 58, "sex": "male",
        "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"],
        "genotypes": {"HLA-A*31:01": "positive", "HLA-B*15:02": "negative"},
        "medication_history": [
            {"drug": "levetiracetam", "outcome": "intolerance", "adequate": False,
             "duration_months": 3},
            {"drug": "carbamazepine", "outcome": "intolerance", "adequate": False,
             "duration_months": 1.2}],
        "adverse_reactions": [{"drug": "carbamazepine", "reaction": reaction}],
        "current_medications": ["carbamazepine"],
        "candidate_drugs": ["lacosamide", "lamotrigine"]}))


def test_a_rash_on_the_drug_being_withdrawn_stops_it_now(kb):
    res = _boy(kb, "hypersensitivity_rash")
    top = res.regimens[0]
    assert "carbamazepine" not in top.drugs
    lines = transition_lines(top.transition, {d.drug: d for d in res.doses})
    assert lines[0].startswith("A hypersensitivity reaction to carbamazepine is recorded: do "
                               "not keep carbamazepine until the new drug reaches")
    assert not any(line.startswith("Add and titrate the new drug(s) first") for line in lines)
    assert any(line.startswith("withdraw carbamazepine: stop it now if the recorded "
                               "hypersensitivity reaction") for line in lines)
    first = res.summary.top_regimen.first_step
    assert "stop carbamazepine now" in first and "taper carbamazepine once" not in first


def test_another_reaction_keeps_the_cross_taper(kb):
    res = _boy(kb, "hyponatraemia")
    top = res.regimens[0]
    lines = transition_lines(top.transition, {d.drug: d for d in res.doses})
    assert any(line.startswith("Add and titrate the new drug(s) first") for line in lines)
    assert not any("stop it now" in line for line in lines)
