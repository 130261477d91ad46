"""Rescue treatment (a Valtoco spray, rectal diazepam): checked for interactions like any
current drug, but never dosed daily, kept, added to or withdrawn by a maintenance regimen."""

from __future__ import annotations

import pytest

from advisor.consult import consult
from advisor.errors import InputError
from advisor.inputs.patient import validate_patient
from advisor.report import render

BASE = {"id": "RM-1", "age_years": 30, "weight_kg": 70, "sex": "male",
        "seizure_types": ["focal"]}


def _patient(kb, **fields):
    return validate_patient(kb, {**BASE, **fields})


@pytest.mark.parametrize("product", ["Valtoco", "diazepam nasal spray", "Diastat AcuDial",
                                     "rectal diazepam", "Libervant"])
def test_a_rescue_product_makes_the_drug_rescue_treatment(kb, product):
    patient = _patient(kb, current_medications=["lamotrigine", product])
    assert patient.current_medications == ["lamotrigine", "diazepam"]
    assert patient.rescue_medications == ["diazepam"]


def test_a_drug_also_named_otherwise_is_taken_daily(kb):
    patient = _patient(kb, current_medications=["Valium", "Valtoco"])
    assert patient.current_medications == ["diazepam"] and patient.rescue_medications == []
    assert _patient(kb, current_medications=["diazepam"]).rescue_medications == []


def test_listed_rescue_medications_are_checked_as_current_drugs(kb):
    patient = _patient(kb, current_medications=["lamotrigine", "fluvoxamine"],
                       rescue_medications=["Diastat"])
    assert patient.current_medications == ["lamotrigine", "fluvoxamine", "diazepam"]
    assert patient.rescue_medications == ["diazepam"]
    res = consult(kb, patient)
    assert any(f.drug == "diazepam" and f.category == "interaction" for f in res.flags)
    assert {d.drug: d.status for d in res.doses}["diazepam"] == "rescue"


@pytest.mark.parametrize(("fields", "field", "said"), [
    ({"rescue_medications": ["diazepan"]}, "rescue_medications.0", "did you mean 'diazepam'"),
    ({"rescue_medications": ["methadone"]}, "rescue_medications.0",
     "unknown antiseizure medication"),
    ({"current_medications": ["diazepam"], "rescue_medications": ["lamotrigine", "Valtoco"]},
     "rescue_medications.1", "diazepam is also under current_medications"),
])
def test_bad_rescue_entries_name_the_field(kb, fields, field, said):
    with pytest.raises(InputError) as err:
        _patient(kb, **fields)
    assert err.value.field == field and said in str(err.value)


def test_the_report_marks_rescue_treatment_and_plans_keep_it(kb):
    patient = _patient(kb, seizure_types=["focal", "focal_to_bilateral_tonic_clonic"],
                       current_medications=["carbamazepine", "Valtoco"],
                       medication_history=[{"drug": "levetiracetam", "outcome": "inefficacy",
                                            "adequate": True, "duration_months": 9}])
    res = consult(kb, patient)
    text = render(res, "markdown")
    assert "taking carbamazepine, diazepam (rescue)" in text
    assert res.regimens and all("diazepam" not in r.drugs for r in res.regimens)
    for reg in res.regimens:
        assert all(s.drug != "diazepam" for s in reg.transition.steps)
        assert any("Rescue treatment (diazepam) stays as prescribed" in line
                   for line in reg.transition.sequence), reg.transition.sequence



def test_a_drug_without_a_rescue_product_claims_no_label_rescue_dose(kb):
    """Clobazam kept for clusters: no label gives a rescue regimen, so the dose row says
    none is checked and points to the prescriber's plan (review K M12)."""
    res = consult(kb, _patient(kb, current_medications=["lamotrigine"],
                               rescue_medications=["clobazam"]))
    dose = {d.drug: d for d in res.doses}["clobazam"]
    assert dose.status == "rescue" and dose.recommended_daily_mg is None
    assert "no rescue product of this drug" in dose.basis[0]
    assert "product's label" not in dose.basis[0]


@pytest.mark.parametrize("product", ["Buccolam", "Nayzilam", "buccal midazolam"])
def test_a_midazolam_rescue_product_is_rescue_treatment_with_its_label(kb, product):
    """Buccal or nasal midazolam named under current_medications is rescue treatment, and
    its dose row names the rescue products (review L M9)."""
    res = consult(kb, _patient(kb, current_medications=["lamotrigine", product]))
    assert res.summary.patient.rescue_medications == ["midazolam"]
    dose = {d.drug: d for d in res.doses}["midazolam"]
    assert "(Buccolam, Nayzilam, Epistatus)" in dose.basis[-1]
    if product == "Buccolam":  # labelled from 3 months to under 18 years; he is 30
        assert dose.status == "rescue_outside_label"
        assert dose.basis[0].startswith("Buccolam is labelled from 3 months to under 18 "
                                        "years, and this patient is 30 years: outside the label")
    else:
        assert dose.status == "rescue"


@pytest.mark.parametrize(("product", "years", "outside"), [
    ("Diastat", 0.8, True), ("Diastat", 3, False), ("Valtoco", 1.5, True),
    ("Libervant", 7, True), ("Libervant", 4, False), ("Nayzilam", 5, True),
    ("Nayzilam", 12, False), ("rectal diazepam", 0.8, False)])
def test_a_named_rescue_product_is_checked_against_its_labelled_ages(kb, product, years,
                                                                      outside):
    """Diastat for a 10-month-old, Nayzilam for a 5-year-old: the dose row says the product
    is outside its labelled ages (review M H3); a generic name without a label read ('rectal
    diazepam') is not checked."""
    res = consult(kb, validate_patient(kb, {
        **BASE, "age_years": years, "weight_kg": 9 if years < 2 else 20 if years < 8 else 45,
        "current_medications": ["levetiracetam", product]}))
    dose = next(d for d in res.doses if d.drug in ("diazepam", "midazolam"))
    assert dose.status == ("rescue_outside_label" if outside else "rescue"), dose.basis
    assert (f"{product} is labelled " in dose.basis[0]) == outside


def test_withdrawing_daily_diazepam_keeps_its_rescue_product(kb):
    """Valium daily and a Valtoco spray: diazepam is maintenance, and a plan that withdraws
    it says the rescue spray stays (review L M2: the spray disappeared)."""
    from advisor import transition

    patient = _patient(kb, current_medications=["Valium", "Valtoco"])
    assert patient.rescue_medications == [] and patient.rescue_too == {"diazepam": ["Valtoco"]}
    plan = transition.plan(kb, patient, ["lamotrigine"], {})
    assert ("Only the daily diazepam is withdrawn: the rescue product (Valtoco) stays as "
            "prescribed.") in plan.sequence
    assert "rescue product" not in " ".join(
        transition.plan(kb, _patient(kb, current_medications=["Valium"]), ["lamotrigine"],
                        {}).sequence)


def test_a_rescue_product_outside_its_labelled_ages_leads_the_summary_cautions(kb):
    """Diastat for a 10-month-old: the summary says so first among the drug's cautions, not
    only the dose table (review N M8)."""
    res = consult(kb, validate_patient(kb, {
        **BASE, "age_years": 0.8, "weight_kg": 9, "sex": "female",
        "current_medications": ["levetiracetam", "Diastat"]}))
    first = res.summary.monitor[0]
    assert (first.drug, first.action) == ("diazepam", "use_with_caution")
    assert first.reason == ("Diastat is labelled from 2 years, and this patient is 9 months: "
                            "outside the label.")


def test_a_rescue_product_beside_the_daily_drug_is_checked_against_its_ages(kb):
    """Daily diazepam and Valtoco for a child of 20 months: the dose row is the daily one,
    and the summary still says Valtoco is below its labelled age (review O)."""
    res = consult(kb, validate_patient(kb, {
        **BASE, "age_years": 1.67, "weight_kg": 11, "sex": "female",
        "current_medications": ["levetiracetam", "diazepam", "Valtoco"]}))
    assert {d.drug: d for d in res.doses}["diazepam"].status != "rescue_outside_label"
    first = res.summary.monitor[0]
    assert first.reason == ("Valtoco is labelled from 2 years, and this patient is 20 months: "
                            "outside the label.")
