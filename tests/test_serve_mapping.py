"""A CDS Hooks request's FHIR data as the consult's inputs: medication names and codes,
birth dates, ordered doses, request bodies."""

from __future__ import annotations

import json
from datetime import date

import pytest

from advisor.serve.errors import BadRequest
from advisor.serve.hook import age_years, parse_json
from advisor.serve.medications import ATC, RXNORM, MedicationCodes, names_in
from advisor.serve.order_dose import ordered_daily_mg, per_day
from tests import fhir_builder as fb


@pytest.fixture(scope="module")
def codes(kb):
    return MedicationCodes(kb)


@pytest.mark.parametrize(("text", "expected"), [
    ("carbamazepine", ("carbamazepine",)),
    ("carbamazepine 200 MG Oral Tablet", ("carbamazepine",)),
    ("Tegretol XR 400 mg", ("carbamazepine",)),
    ("24 HR Carbatrol 300 MG Extended Release Oral Capsule", ("carbamazepine",)),
    ("valproic acid 250 MG Oral Capsule", ("valproate",)),
    ("levetiracetam 500 MG Oral Tablet [Keppra]", ("levetiracetam",)),
    ("fosphenytoin sodium 50 MG/ML Injectable Solution", ("fosphenytoin",)),
    ("CBZ", ("carbamazepine",)),  # an abbreviation counts only as the whole text
    ("CBZ 200 mg", ()),
    ("amoxicillin 500 MG Oral Capsule", ()),
    ("", ()),
    # an ingredient of a combination found in the same text is not taken alone
    ("nirmatrelvir 150 MG / ritonavir 100 MG Oral Tablet", ("nirmatrelvir_ritonavir",)),
    ("lopinavir 200 MG / ritonavir 50 MG Oral Tablet", ("lopinavir_ritonavir",)),
    ("darunavir 600 MG and ritonavir 100 MG", ("ritonavir",)),
    ("darunavir 800 MG / cobicistat 150 MG Oral Tablet", ("cobicistat",)),
    ("carbamazepine 200 MG and ritonavir 100 MG", ("carbamazepine", "ritonavir")),
])
def test_names_in_order_texts(kb, text, expected):
    assert names_in(kb, text) == expected


def test_codes_before_names(codes):
    by_code = codes.concept({"coding": [{"system": RXNORM, "code": "2002"}],
                             "text": "levetiracetam"})
    assert (by_code.drugs, by_code.by) == (("carbamazepine",), "rxnorm")
    atc = codes.concept({"coding": [{"system": ATC, "code": "N03AF02"}]})
    assert (atc.drugs, atc.by) == (("oxcarbazepine",), "atc")
    fallback = codes.concept({"coding": [{"system": RXNORM, "code": "197806",
                                          "display": "phenytoin 100 MG Oral Capsule"}]})
    assert (fallback.drugs, fallback.by) == (("phenytoin",), "name")
    assert codes.concept({"text": "paracetamol"}).by is None
    assert codes.concept("carbamazepine").drugs == ()


def test_fosphenytoin_has_its_sourced_rxnorm_code(kb, codes):
    assert codes.coded(RXNORM)["72236"] == "fosphenytoin"
    drug = kb.drugs["fosphenytoin"]
    assert drug.rxnorm.evidence.sources == ["CPIC-database-drugs-2020"]
    assert "c4d51f4979ba54ac7e6ccd400ab8562873268a01" in kb.sources[
        "CPIC-database-drugs-2020"].url


def test_medication_references(codes):
    contained = {"resourceType": "MedicationRequest", "medicationReference": {"reference": "#m"},
                 "contained": [{"resourceType": "Medication", "id": "m",
                                "code": {"text": "Lamictal 100 mg"}}]}
    assert codes.medication(contained, {}).drugs == ("lamotrigine",)
    in_bundle = {"resourceType": "MedicationRequest",
                 "medicationReference": {"reference": "https://ehr.example.org/fhir/Medication/9"}}
    media = {"Medication/9": {"resourceType": "Medication", "code": {"coding": [
        {"system": RXNORM, "code": "8183"}]}}}
    assert codes.medication(in_bundle, media).drugs == ("phenytoin",)
    only_display = {"resourceType": "MedicationRequest", "medicationReference": {
        "reference": "Medication/unknown", "display": "Onfi 10 mg tablet"}}
    assert codes.medication(only_display, {}).drugs == ("clobazam",)


def test_age_from_full_and_partial_birth_dates():
    today = date(2026, 6, 30)
    assert age_years("1990-06-30", today) == 36.0
    assert age_years("1990-07-01", today) == pytest.approx(36.0, abs=0.01)
    assert age_years("1990-07", today) < age_years("1990-07-01", today)  # from the last day
    assert age_years("1990", today) == pytest.approx(35.5, abs=0.01)
    with pytest.raises(ValueError):
        age_years("1990-13-01", today)


def test_ordered_daily_dose():
    order = fb.medication_request("p", "o", text="phenytoin", dose_mg=100, per_day=3)
    assert ordered_daily_mg(order) == 300
    grams = json.loads(json.dumps(order).replace('"unit": "mg", "system": '
                                                 '"http://unitsofmeasure.org", "code": "mg"',
                                                 '"unit": "g", "system": '
                                                 '"http://unitsofmeasure.org", "code": "g"'))
    grams["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 0.1
    assert ordered_daily_mg(grams) == pytest.approx(300)
    weekly = {"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk"}}}
    assert per_day(weekly) == pytest.approx(1 / 7)
    assert ordered_daily_mg(fb.medication_request("p", "o", text="x")) is None
    no_timing = fb.medication_request("p", "o", text="x", dose_mg=5)
    del no_timing["dosageInstruction"][0]["timing"]
    assert ordered_daily_mg(no_timing) is None


def test_parse_json_refuses_what_json_does_not_have():
    assert parse_json(b'{"a": 1}') == {"a": 1}
    for body in (b"{", b'{"a": NaN}', b"\xff\xfe", b"[" * 100_000):
        with pytest.raises(BadRequest):
            parse_json(body)


@pytest.mark.parametrize(("request_", "expected"), [
    ({"medicationCodeableConcept": {"text": "tacrolimus 0.1 % Topical Ointment"}}, ()),
    ({"medicationCodeableConcept": {"text": "Tacrolimus 1 MG Oral Capsule"}}, ("tacrolimus",)),
    # the route says it, the name does not
    ({"medicationCodeableConcept": {"text": "tacrolimus 0.03 %"},
      "dosageInstruction": [{"route": {"coding": [{"system": "http://snomed.info/sct",
                                                  "code": "6064005",
                                                  "display": "Topical route"}]}}]}, ()),
    ({"medicationReference": {"reference": "#m"}, "contained": [{
        "resourceType": "Medication", "id": "m", "code": {"text": "ciclosporin 0.1%"},
        "form": {"text": "eye drops, emulsion"}}]}, ()),
    # systemic however given: a vaginal ring, a rectal gel
    ({"medicationCodeableConcept": {"text": "ethinyl estradiol 0.015 MG/Day / etonogestrel "
                                            "0.12 MG/Day Vaginal Ring"}},
     ("combined_oral_contraceptive",)),
    ({"medicationCodeableConcept": {"text": "diazepam 10 MG Rectal Gel"}}, ("diazepam",)),
])
def test_products_for_the_skin_eye_or_ear_are_not_judged(codes, request_, expected):
    assert codes.medication({"resourceType": "MedicationRequest", **request_}, {}).drugs == \
        expected


@pytest.mark.parametrize("request_", [
    {"medicationCodeableConcept": {"text": "ciclosporin 0.05% ophth emulsion"}},
    {"medicationCodeableConcept": {"text": "ciclosporin 0.1%"},
     "dosageInstruction": [{"route": {"text": "Ocular use"}}]},
    {"medicationCodeableConcept": {"text": "tacrolimus 0.1%"},
     "dosageInstruction": [{"route": {"coding": [{"display": "Dermal route"}]}}]},
])
def test_more_words_of_local_use(codes, request_):
    assert codes.medication({"resourceType": "MedicationRequest", **request_}, {}).drugs == ()


@pytest.mark.parametrize(("request_", "product"), [
    ({"medicationCodeableConcept": {"text": "Valtoco 10 MG Nasal Spray"}}, "Valtoco"),
    ({"medicationCodeableConcept": {"text": "diazepam 10 MG Rectal Gel"}},
     "diazepam rectal gel"),
    ({"medicationCodeableConcept": {"text": "diazepam 10 MG rectal tube"}},
     "rectal diazepam"),
    ({"medicationCodeableConcept": {"text": "diazepam 10 MG"},
      "dosageInstruction": [{"route": {"coding": [{"display": "Nasal route"}]}}]},
     "nasal diazepam"),
    ({"medicationCodeableConcept": {"text": "diazepam rectal gel 10 mg/2 ml"}},
     "diazepam rectal gel"),
    ({"medicationCodeableConcept": {"text": "midazolam 10 mg/ml oromucosal solution"}},
     "buccal midazolam"),
    ({"medicationCodeableConcept": {"text": "midazolam 5 MG/ACTUAT Nasal Spray"}},
     "midazolam nasal spray"),
    ({"medicationCodeableConcept": {"text": "diazepam 5 MG Oral Tablet"}}, None),
    ({"medicationCodeableConcept": {"text": "diazepam 5 MG/ML Injectable Solution"}}, None),
    ({"medicationCodeableConcept": {"text": "clobazam 10 MG Oral Tablet"}}, None),
])
def test_a_rescue_product_is_named_as_one(codes, request_, product):
    """A rescue product (by name, or a nasal, rectal or buccal form of a drug that has
    rescue products) is matched with its product's name, which the patient file lists as
    rescue treatment; tablets and injections are not."""
    match = codes.medication({"resourceType": "MedicationRequest", **request_}, {})
    assert len(match.drugs) == 1 and match.rescue == product


def test_a_transdermal_patch_is_systemic(codes):
    patch = {"resourceType": "MedicationRequest", "medicationCodeableConcept": {
        "text": "ethinyl estradiol 0.035 MG/Day / norelgestromin 0.15 MG/Day Transdermal "
                "System"}}
    assert codes.medication(patch, {}).drugs == ("combined_oral_contraceptive",)


def test_strengths_in_a_medication_name():
    from advisor.serve.order_dose import mg_per_ml

    def named(text):
        return {"medicationCodeableConcept": {"text": text}}

    assert mg_per_ml(named("levetiracetam 100 MG/ML Oral Solution")) == 100
    assert mg_per_ml(named("valproic acid 250 MG/5ML Oral Solution")) == 50
    assert mg_per_ml(named("phenytoin 125 mg/5 mL suspension")) == 25
    assert mg_per_ml(named("levetiracetam 500 MG Oral Tablet")) is None
    # two strengths (a combination product): no guess
    assert mg_per_ml(named("drug A 10 MG/ML / drug B 5 MG/ML Oral Solution")) is None
