"""The CDS Hooks service's FHIR R4 validation (advisor.serve.fhir_valid): a Bundle's
entries are validated each by the model of its resourceType, and every error names where
it is, as the request gives it."""

from __future__ import annotations

import copy

import pytest

from advisor.serve.errors import BadRequest
from advisor.serve.fhir_valid import fhir_valid

OBSERVATION = {"resourceType": "Observation", "id": "w1", "status": "final",
               "code": {"text": "body weight"}, "subject": {"reference": "Patient/p1"},
               "valueQuantity": {"value": 62, "unit": "kg"}}
BUNDLE = {"resourceType": "Bundle", "type": "searchset",
          "entry": [{"fullUrl": "urn:uuid:1", "resource": OBSERVATION},
                    {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female"}}]}


def error(data: dict, kind: str = "Bundle") -> str:
    with pytest.raises(BadRequest) as caught:
        fhir_valid(kind, data, "prefetch.x")
    return caught.value.message


def test_a_valid_bundle_and_resource_pass():
    fhir_valid("Bundle", BUNDLE, "prefetch.x")
    fhir_valid("Observation", OBSERVATION, "prefetch.x")
    fhir_valid("Bundle", {"resourceType": "Bundle", "type": "collection"}, "prefetch.x")


def test_an_entry_error_names_the_entry_and_the_element():
    bad = copy.deepcopy(BUNDLE)
    bad["entry"][1]["resource"]["gender"] = 3
    assert error(bad).startswith("prefetch.x: not a valid FHIR R4 Bundle: "
                                 "entry.1.resource.gender: ")


def test_an_entry_of_an_unknown_resource_type_is_named():
    bad = copy.deepcopy(BUNDLE)
    bad["entry"][0]["resource"]["resourceType"] = "Nonsense"
    message = error(bad)
    assert message.startswith("prefetch.x: not a valid FHIR R4 Bundle: entry.0.resource: ")
    assert "Nonsense" in message


def test_the_bundle_outside_its_entries_is_still_validated():
    bad = copy.deepcopy(BUNDLE)
    bad["type"] = 12
    assert "type" in error(bad)
    bad = copy.deepcopy(BUNDLE)
    bad["entry"][0]["fullUrl"] = 5
    assert "entry.0.fullUrl" in error(bad)
    assert "entry" in error({**BUNDLE, "entry": "none"})  # not a list: the Bundle model


def test_a_null_anywhere_is_named_by_its_path():
    bad = copy.deepcopy(BUNDLE)
    bad["entry"][0]["resource"]["code"] = {"coding": [{"code": None}]}
    assert error(bad) == ("prefetch.x.entry.0.resource.code.coding.0.code: null is not "
                          "allowed in FHIR JSON")


def test_another_resource_type_than_asked_for_is_refused():
    assert "resourceType must be 'Bundle'" in error(OBSERVATION)


def _copy(**changes) -> dict:
    return {**copy.deepcopy(OBSERVATION), **changes}


def test_a_resource_like_a_valid_one_with_another_id_and_patient_is_not_validated_again(
        monkeypatch):
    """The same Observation of another patient (its id and subject reference differ) is
    valid without the model; any other difference is validated by the model."""
    from fhir.resources.R4B import observation

    fhir_valid("Observation", OBSERVATION, "prefetch.x")  # remembered
    calls = []
    real = observation.Observation.model_validate
    monkeypatch.setattr(observation.Observation, "model_validate",
                        classmethod(lambda cls, data: calls.append(data) or real(data)))
    fhir_valid("Observation", _copy(id="w2", subject={"reference": "Patient/p2"}), "prefetch.x")
    assert calls == []
    fhir_valid("Observation", _copy(valueQuantity={"value": 63, "unit": "kg"}), "prefetch.x")
    assert len(calls) == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"id": "w 2"}, "prefetch.x: not a valid FHIR R4 Observation: id: String should match "
                    "pattern"),
    ({"id": 7}, "prefetch.x: not a valid FHIR R4 Observation: id: Input should be a valid "
                "string"),
    ({"subject": {"reference": ""}}, "prefetch.x: not a valid FHIR R4 Observation: "
                                     "subject.reference: String should match pattern"),
])
def test_the_id_and_patient_reference_of_a_remembered_resource_are_still_checked(
        changes, message):
    fhir_valid("Observation", OBSERVATION, "prefetch.x")  # remembered
    said = error(_copy(**changes), "Observation")
    assert said.startswith(message), said
    # the same error as the model gives for a resource not remembered
    fresh = error(_copy(**changes, code={"text": "weight"}), "Observation")
    assert fresh.startswith(message), fresh


def test_a_remembered_entry_error_still_names_the_entry():
    fhir_valid("Bundle", BUNDLE, "prefetch.x")
    bad = copy.deepcopy(BUNDLE)
    bad["entry"][0]["resource"]["id"] = "w 1"
    assert error(bad).startswith("prefetch.x: not a valid FHIR R4 Bundle: "
                                 "entry.0.resource.id: String should match pattern")
