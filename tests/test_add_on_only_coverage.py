"""A seizure type that the label gives a drug for as add-on only is not covered by the drug
alone (review Z08: lacosamide alone was said to cover a man's primary generalized
tonic-clonic seizures); with another drug it is, and focal to bilateral tonic-clonic
seizures, focal seizures, stay covered by lacosamide alone."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient


def _man(kb, types):
    return consult(kb, validate_patient(kb, {
        "age_years": 35, "weight_kg": 75, "sex": "male", "seizure_types": types,
        "medication_history": [{"drug": "levetiracetam", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 10}],
        "current_medications": ["levetiracetam"], "candidate_drugs": ["lacosamide"]}))


def test_the_add_on_only_types_come_from_the_dose_bands(kb):
    assert kb.drugs["lacosamide"].dosing.add_on_only_types == {"generalized_tonic_clonic"}
    assert not kb.drugs["levetiracetam"].dosing.add_on_only_types


def test_lacosamide_alone_does_not_cover_primary_generalized_tonic_clonic(kb):
    res = _man(kb, ["focal", "generalized_tonic_clonic"])
    assert all(r.drugs != ["lacosamide"] for r in res.regimens)
    why = next(n.reason for n in res.not_shown if n.drug == "lacosamide")
    assert ("lacosamide alone (substitution, score" in why and "Does not cover: generalized "
            "tonic-clonic seizures (the label gives lacosamide for them as add-on therapy "
            "only, not alone)." in why), why


def test_lacosamide_alone_covers_focal_to_bilateral_tonic_clonic(kb):
    res = _man(kb, ["focal", "focal_to_bilateral_tonic_clonic"])
    alone = next(r for r in res.regimens if r.drugs == ["lacosamide"])
    assert not any(w.startswith("Does not cover") for w in alone.warnings), alone.warnings
    assert any("focal to bilateral tonic-clonic seizures" in w and w.startswith("Covers")
               for w in alone.rationale), alone.rationale
    dose = next(d for d in res.doses if d.drug == "lacosamide")
    assert not any("add-on (adjunctive) therapy only" in b for b in dose.basis), dose.basis


def test_a_first_line_drug_alone_keeps_the_types_it_comes_with(kb):
    """An infant with tuberous sclerosis, spasms and focal seizures: vigabatrin, first line for
    the spasms, is given alone for them, and its label's add-on-only focal dose does not make
    it 'not cover' the focal seizures; it stays first, above levetiracetam, which does not
    treat spasms (review AB R1: levetiracetam had been ranked first)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 0.5, "weight_kg": 7.6, "sex": "male",
        "seizure_types": ["epileptic_spasms", "focal"],
        "syndrome": "tuberous_sclerosis_complex"}))
    top = res.regimens[0]
    assert top.drugs == ["vigabatrin"], [r.drugs for r in res.regimens]
    assert any("Covers the patient's seizure types: epileptic spasms, focal-onset seizures"
               in why for why in top.rationale), top.rationale
