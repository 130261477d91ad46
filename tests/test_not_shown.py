"""A drug asked about by name that no regimen shown holds is named under the regimens with
the reason (review U M1: ganaxolone, licensed for the girl's CDKL5 deficiency, was left out
without a word); a drug in a regimen shown, or not asked about, is not."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report import render


def _cdkl5(kb):
    return consult(kb, validate_patient(kb, {
        "age_years": 4, "weight_kg": 16, "sex": "female", "syndrome": "cdkl5_deficiency",
        "seizure_types": ["epileptic_spasms", "tonic", "generalized_tonic_clonic"],
        "medication_history": [
            {"drug": "vigabatrin", "outcome": "inefficacy", "adequate": True,
             "duration_months": 4},
            {"drug": "valproate", "outcome": "ongoing", "adequate": True,
             "duration_months": 24},
            {"drug": "clobazam", "outcome": "ongoing", "adequate": True,
             "duration_months": 12}],
        "current_medications": ["valproate", "clobazam"],
        "candidate_drugs": ["ganaxolone", "levetiracetam"]}))


def test_a_drug_asked_about_and_left_out_says_why(kb):
    res = _cdkl5(kb)
    shown = {d for r in res.regimens for d in r.drugs}
    assert "ganaxolone" not in shown
    why = {n.drug: n.reason for n in res.not_shown}
    assert why["ganaxolone"].startswith("its best regimen, ")
    assert "act on the same target" in why["ganaxolone"]
    assert why["levetiracetam"] == "no dose for this patient (see its dose row)"
    assert not shown & set(why)
    for fmt in ("markdown", "html"):
        text = render(res, fmt)
        assert "Asked about, not among these regimens" in text, fmt
        assert "act on the same target" in text.split("Asked about, not among")[1], fmt


def test_an_add_on_only_drug_without_a_drug_to_add_it_to(kb):
    """A drug-naive woman of 40: pregabalin (its label: add-on only) and topiramate (NICE:
    add-on only for focal seizures) cannot be regimens of their own, and each says why;
    levetiracetam, in a regimen shown, is not listed."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 40, "weight_kg": 65, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"],
        "candidate_drugs": ["pregabalin", "topiramate", "levetiracetam"]}))
    why = {n.drug: n.reason for n in res.not_shown}
    assert why["pregabalin"] == ("its label gives it for this patient only as add-on, and the "
                                 "patient takes no antiseizure medication to add it to")
    assert why["topiramate"].endswith("names it for these seizure types only as add-on, and "
                                      "the patient takes no antiseizure medication to add it to")
    assert "levetiracetam" not in why
    assert any("levetiracetam" in r.drugs for r in res.regimens)


def test_the_reason_leads_with_an_avoid_in_the_best_regimen(kb):
    """A man of 83 on haemodialysis taking phenytoin and apixaban, pregabalin asked about: its
    best regimen keeps phenytoin, which is not to be taken with apixaban; that, not
    pregabalin's renal dose, is the reason given first (review W M1)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 83, "weight_kg": 60, "sex": "male", "seizure_types": ["focal"],
        "renal": {"dialysis": "haemodialysis"},
        "current_medications": ["phenytoin", "apixaban"],
        "candidate_drugs": ["pregabalin", "lacosamide"]}))
    why = {n.drug: n.reason for n in res.not_shown}
    assert why["pregabalin"].startswith("its best regimen"), why
    said = why["pregabalin"].split("scored at or below zero: ", 1)[1]
    assert said.startswith("apixaban: avoid (interaction) - phenytoin + apixaban"), said
