"""A dose row beside an interaction that changes levels: when the sources give no dose
change and no band of the label is for that co-medication, the row says its number does not
include the interaction; when the chosen band is the label's dose with it (lamotrigine or
rufinamide with valproate), the number does, and nothing is said."""

from __future__ import annotations

import pytest

from advisor.consult import consult
from advisor.inputs.patient import validate_patient

NOT_IN = ("levels change; this number does not include it, as the interaction gives no "
          "automatic change")


def _dose(kb, drug: str, **fields):
    data = {"id": "DI", "age_years": 40, "weight_kg": 70, "sex": "male",
            "seizure_types": ["focal"], "candidate_drugs": [drug], **fields}
    return next(d for d in consult(kb, validate_patient(kb, data)).doses if d.drug == drug)


def test_an_unquantified_interaction_is_named_as_not_in_the_number(kb):
    dose = _dose(kb, "clonazepam", current_medications=["ritonavir"])
    assert any(b.startswith(f"with ritonavir (PI booster): {NOT_IN}")
               for b in dose.basis), dose.basis


@pytest.mark.parametrize(("drug", "fields"), [
    ("lamotrigine", {"current_medications": ["valproate"]}),
    ("rufinamide", {"current_medications": ["valproate"], "syndrome": "lennox_gastaut",
                    "seizure_types": ["tonic", "atonic"], "weight_kg": 60}),
])
def test_a_band_for_the_co_medication_already_holds_it(kb, drug, fields):
    dose = _dose(kb, drug, **fields)
    assert dose.band and "with valproate" in dose.band
    assert not any(NOT_IN in b for b in dose.basis), dose.basis


def test_the_uk_valproate_band_of_rufinamide_is_not_a_percentage_of_the_us_target(kb):
    """Rufinamide with valproate at 60 kg: the UK start-to-maximum range (400-1600 mg/day)
    beside the US 3200 mg/day target is no '-68.8%' (pharmacist review)."""
    dose = _dose(kb, "rufinamide", current_medications=["valproate"], syndrome="lennox_gastaut",
                 seizure_types=["tonic", "atonic"], weight_kg=60)
    assert dose.recommended_daily_mg == [400, 1600]
    assert dose.adjustment_percent is None
    assert any("come from labels that express the dose differently" in b for b in dose.basis)


def test_a_drug_with_no_dose_for_the_patient_is_not_one_to_start(kb):
    """A 6-month-old on phenobarbital: felbamate, which has no labelled dose at this age, is
    not shown as 'if felbamate is started' in the phenobarbital row (paediatric pharmacist
    review E C4); an adult on phenobarbital, for whom felbamate has a dose, keeps it."""
    def taken(age: float, kg: float):
        data = {"age_years": age, "weight_kg": kg, "sex": "female",
                "seizure_types": ["focal_to_bilateral_tonic_clonic"],
                "current_medications": ["phenobarbital"],
                "candidate_drugs": ["felbamate", "levetiracetam"]}
        res = consult(kb, validate_patient(kb, data))
        return next(d for d in res.doses if d.drug == "phenobarbital")

    assert [c.drug for c in taken(0.5, 7.5).if_started] == []
    assert "felbamate" in [c.drug for c in taken(40, 70).if_started]


def test_no_band_with_the_started_drug_is_said_not_none(kb):
    """A boy of 9 with absences on lamotrigine: the knowledge base has no lamotrigine band
    with valproate for him, and the line read 'labelled dose with valproate: None' (review M
    M7); it says the knowledge base has none (review N M7: not that the label has none)."""
    res = consult(kb, validate_patient(kb, {
        "id": "A", "age_years": 9, "weight_kg": 30, "sex": "male",
        "seizure_types": ["absence"], "syndrome": "childhood_absence",
        "medication_history": [
            {"drug": "ethosuximide", "outcome": "inefficacy", "adequate": True,
             "duration_months": 4},
            {"drug": "lamotrigine", "outcome": "ongoing", "adequate": True,
             "duration_months": 2}],
        "current_medications": ["ethosuximide", "lamotrigine"]}))
    lamotrigine = next(d for d in res.doses if d.drug == "lamotrigine")
    started = next(c for c in lamotrigine.if_started if c.drug == "valproate")
    assert "no dose with valproate in the knowledge base for this patient" in started.why
    assert "None" not in started.why
