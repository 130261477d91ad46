"""More than two ASMs at once: a regimen that starts a third drug is marked down and says
why (Poolos 2012: three drugs at a time gave no further benefit over two), unless the
guideline entry for the patient's syndrome names every drug it starts (review S M6)."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient

SAYS = "More than two ASMs at once"


def _failed(drug: str) -> dict:
    return {"drug": drug, "outcome": "inefficacy", "adequate": True, "duration_months": 12}


def test_two_failed_drugs_a_third_is_added_in_place_of_one_not_on_top(kb):
    """A woman of 41 with focal seizures whose lamotrigine and levetiracetam both failed:
    the top regimen adds a drug in place of a failed one, not a triple keeping both, and
    every triple says why it is marked down."""
    patient = validate_patient(kb, {
        "id": "T", "age_years": 41, "weight_kg": 70, "sex": "female",
        "pregnancy": "not_pregnant", "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"],
        "medication_history": [_failed("lamotrigine"), _failed("levetiracetam")],
        "current_medications": ["lamotrigine", "levetiracetam"]})
    regimens = consult(kb, patient).regimens
    assert len(regimens[0].drugs) == 2, [(r.drugs, r.score) for r in regimens]
    triples = [r for r in regimens if len(r.drugs) > 2]
    assert triples and all(any(SAYS in w for w in r.warnings) for r in triples)
    assert all("PMID-22170887" in r.evidence for r in triples)
    assert not any(SAYS in w for r in regimens if len(r.drugs) <= 2 for w in r.warnings)


def test_the_syndrome_guidelines_add_ons_are_not_marked_down(kb):
    """A girl of 6 with Dravet syndrome on valproate and clobazam, both failed: NG217's
    add-ons (stiripentol, fenfluramine, cannabidiol) make three or four drugs, and none of
    those regimens is marked down for it."""
    patient = validate_patient(kb, {
        "id": "D", "age_years": 6, "weight_kg": 21, "sex": "female", "syndrome": "dravet",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic"],
        "medication_history": [_failed("valproate"), _failed("clobazam")],
        "current_medications": ["valproate", "clobazam"]})
    regimens = consult(kb, patient).regimens
    assert any(len(r.drugs) > 2 for r in regimens), [r.drugs for r in regimens]
    assert not any(SAYS in w for r in regimens for w in r.warnings)


def test_a_drug_whose_label_names_the_syndrome_is_not_marked_down(kb):
    """A boy of 6 with tuberous sclerosis on vigabatrin and valproate: cannabidiol, whose
    label names tuberous sclerosis complex, makes a third drug without the mark; a drug
    that neither the label nor the guideline names for it (lamotrigine) is marked (review V
    M2)."""
    patient = validate_patient(kb, {
        "id": "T", "age_years": 6, "weight_kg": 21, "sex": "male",
        "syndrome": "tuberous_sclerosis_complex", "seizure_types": ["focal"],
        "current_medications": ["vigabatrin", "valproate"],
        "candidate_drugs": ["cannabidiol", "lamotrigine"]})
    regimens = consult(kb, patient).regimens
    marked = {d for r in regimens if any(SAYS in w for w in r.warnings) for d in r.drugs}
    with_cbd = [r for r in regimens if "cannabidiol" in r.drugs]
    assert with_cbd and not any(SAYS in w for r in with_cbd for w in r.warnings)
    assert "lamotrigine" in marked
