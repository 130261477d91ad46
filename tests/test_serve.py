"""``advisor serve`` as an EHR meets it: the real server (uvicorn, two workers) on a free port,
called over HTTP; a FHIR test server for requests without prefetch; a second server with an
allow-list of issuers for the CDS Hooks JWT. Every response is checked against the JSON
Schema written from the CDS Hooks 2.0 specification (tests/cds_hooks_2_0.schema.json)."""

from __future__ import annotations

import copy
import json
import re
import time
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.serve.observations import CLEARANCE_CODES, EGFR_CODES
from tests import fhir_builder as fb
from tests.conftest import ROOT
from tests.serve_support import (
    DISCOVERY,
    RESPONSE,
    SCHEMA_FILE,
    FhirTestServer,
    Issuer,
    Server,
    schema_errors,
)

EXAMPLE = ROOT / "examples" / "cds-hooks-order-select.json"
SELECT = "/cds-services/asm-order-select"
SIGN = "/cds-services/asm-order-sign"
FHIR_TOKEN = "fhir-access-token-for-the-cds-service"
EHR = "https://ehr.example.org"
URL_EHR = "https://url-jwks.example.org"


@pytest.fixture(scope="module")
def fhir():
    server = FhirTestServer(FHIR_TOKEN)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def elsewhere():
    """Another server on this machine that the service must never call."""
    server = FhirTestServer("another-token")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("serve") / "server.log", "--workers", "2",
                 "--max-body-bytes", "200000")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def issuers():
    return Issuer(EHR), Issuer(URL_EHR, kid="url-key")


@pytest.fixture(scope="module")
def secured(tmp_path_factory, issuers, fhir):
    ehr, url_ehr = issuers
    folder = tmp_path_factory.mktemp("secured")
    (folder / "ehr-jwks.json").write_text(json.dumps(ehr.jwks))
    fhir.store.jwks = url_ehr.jwks
    (folder / "issuers.yaml").write_text(
        f"issuers:\n  {EHR}:\n    jwks: ehr-jwks.json\n"
        f"  {URL_EHR}:\n    jwks: {fhir.url}/jwks.json\n")
    srv = Server(folder / "server.log", "--issuers", str(folder / "issuers.yaml"))
    yield srv
    srv.stop()


def cards_of(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert not schema_errors(RESPONSE, body), schema_errors(RESPONSE, body)
    return body["cards"]


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text())


def phenytoin_request(pid: str = "pm-1", **kwargs: Any) -> dict[str, Any]:
    orders = [fb.medication_request(pid, "order-pht-1", rxnorm="8183", display="phenytoin",
                                    text="phenytoin 100 MG Extended Release Oral Capsule",
                                    dose_mg=100, per_day=3)]
    return fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "CYP2C9", "*3/*3")], gender="male"), **kwargs)


def quiet_request(pid: str = "quiet-1") -> dict[str, Any]:
    orders = [fb.medication_request(pid, "order-lev-1", text="levetiracetam 500 MG Oral Tablet",
                                    dose_mg=500, per_day=2)]
    genotypes = [fb.genotype(pid, "CYP2C9", "*1/*1"),
                 fb.genotype(pid, "HLA-B", "HLA-B*15:02 negative")]
    return fb.order_select(pid, orders, prefetch=fb.full_prefetch(pid, genotypes, kg=80))


# --- the specification's schema ----------------------------------------------------------


def test_schema_is_a_valid_json_schema_citing_the_specification():
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator.check_schema(schema)
    assert "cds-hooks.hl7.org/2.0" in schema["$comment"]
    for name in ("card", "source", "suggestion", "action", "link", "service"):
        assert "Section '" in schema["$defs"][name]["$comment"], name
    bad = {"cards": [{"summary": "x" * 140, "indicator": "urgent", "source": {}}]}
    assert len(schema_errors(RESPONSE, bad)) == 3
    unpaired = {"cards": [{"summary": "s", "indicator": "info", "source": {"label": "l"},
                           "suggestions": [{"label": "x"}]}]}
    assert schema_errors(RESPONSE, unpaired)  # suggestions need selectionBehavior


# --- discovery and the other endpoints ---------------------------------------------------


def test_discovery_lists_both_services_with_prefetch_templates(server):
    response = server.get("/cds-services")
    assert response.status_code == 200
    body = response.json()
    assert not schema_errors(DISCOVERY, body)
    services = {s["id"]: s for s in body["services"]}
    assert services["asm-order-select"]["hook"] == "order-select"
    assert services["asm-order-sign"]["hook"] == "order-sign"
    prefetch = services["asm-order-select"]["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert "84413-4" in prefetch["genotypes"] and prefetch["genotypes"].startswith("Observation?")
    assert prefetch["medications"].startswith("MedicationRequest?") and \
        "status=active" in prefetch["medications"]


def test_healthz_openapi_and_docs(server):
    health = server.get("/healthz").json()
    assert health["status"] == "ok" and len(health["knowledgebase_sha256"]) == 64
    paths = server.get("/openapi.json").json()["paths"]
    assert {"/cds-services", "/cds-services/{service_id}", "/consult", "/report/{token}",
            "/healthz"} <= set(paths)
    assert server.get("/docs").status_code == 200


def test_unknown_service_is_404(server):
    response = server.post("/cds-services/no-such-service", example())
    assert response.status_code == 404 and "GET /cds-services" in response.json()["error"]


# --- the must-hold cases -------------------------------------------------------------------


def test_hla_positive_carbamazepine_gets_a_critical_card_replacing_it(server):
    cards = cards_of(server.post(SELECT, example()))
    assert len(cards) == 1
    card = cards[0]
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("Avoid carbamazepine")
    assert card["source"]["label"].startswith("CPIC guideline")
    assert card["source"]["url"].startswith("https://")
    assert card["selectionBehavior"] == "at-most-one"
    first = card["suggestions"][0]
    assert first["isRecommended"] is True
    delete, create = first["actions"]
    assert delete == {"type": "delete", "description": delete["description"],
                      "resourceId": "MedicationRequest/draft-cbz-1"}
    new = create["resource"]
    assert create["type"] == "create" and new["resourceType"] == "MedicationRequest"
    assert new["status"] == "draft" and new["subject"] == {"reference": "Patient/example-patient-1"}
    alternative = new["medicationCodeableConcept"]["text"]
    assert alternative not in ("carbamazepine", "oxcarbazepine", "phenytoin", "fosphenytoin")
    assert f"with {alternative}" in first["label"]
    assert "HLA-B\\*15:02 positive" in card["detail"]  # Markdown-escaped
    assert card["links"][0]["type"] == "absolute"


def test_concurrent_calls_each_get_their_own_patients_cards(server):
    """Engine calls wait their turn in a worker; answers still belong to their request."""
    from concurrent.futures import ThreadPoolExecutor

    bodies = [phenytoin_request(f"pm-{i}") if i % 2 else quiet_request(f"quiet-{i}")
              for i in range(16)]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda body: server.post(SELECT, body), bodies))
    for i, answer in enumerate(answers):
        assert answer.status_code == 200, answer.text[:300]
        cards = answer.json()["cards"]
        assert [c["indicator"] for c in cards] == (["warning"] if i % 2 else [])
        for card in cards:
            assert card["summary"].startswith("phenytoin 150–200 mg/day")
            resource = card["suggestions"][0]["actions"][0]["resource"]
            assert resource["subject"] == {"reference": f"Patient/pm-{i}"}


def test_a_bad_request_among_concurrent_ones_is_its_own_400(server):
    """Requests that wait for the engine are judged together; a malformed one is refused
    alone and the others get their cards."""
    from concurrent.futures import ThreadPoolExecutor

    bodies: list[Any] = [phenytoin_request(f"pm-{i}") for i in range(12)]
    bodies[5]["context"]["draftOrders"]["entry"][0]["resource"]["status"] = 7
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda body: server.post(SELECT, body), bodies))
    assert answers[5].status_code == 400
    assert "entry.0.resource.status" in answers[5].json()["error"]
    for i, answer in enumerate(answers):
        if i != 5:
            card, = cards_of(answer)
            resource = card["suggestions"][0]["actions"][0]["resource"]
            assert resource["subject"] == {"reference": f"Patient/pm-{i}"}


def test_the_report_link_opens_the_full_consult_and_cannot_be_forged(server):
    card = cards_of(server.post(SELECT, example()))[0]
    url = card["links"][0]["url"]
    assert url.startswith(server.url + "/report/")
    page = server.get(url[len(server.url):])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "carbamazepine" in page.text and "example-patient-1" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    token = url.rsplit("/", 1)[1]
    forged = token[:-8] + ("A" if token[-8] != "A" else "B") + token[-7:]
    for bad in (forged, "not-a-token"):
        response = server.get(f"/report/{bad}")
        assert response.status_code == 404 and "not valid" in response.json()["error"]


def test_cyp2c9_poor_metabolizer_ordering_phenytoin_gets_a_dose_card(server):
    cards = cards_of(server.post(SELECT, phenytoin_request()))
    assert [c["indicator"] for c in cards] == ["warning"]
    card = cards[0]
    assert card["summary"].startswith("phenytoin 150–200 mg/day (50% lower than the standard dose)")
    assert "CPIC" in card["source"]["label"]
    (suggestion,) = card["suggestions"]
    (action,) = suggestion["actions"]
    assert action["type"] == "update" and action["resource"]["id"] == "order-pht-1"
    dosage = action["resource"]["dosageInstruction"][0]
    # the daily maximum is this patient's (the label's 600 mg/day, 50% lower), not the top of
    # the recommended range, and the text says so
    assert dosage["maxDosePerPeriod"]["numerator"]["value"] == 300
    assert "150–200 mg/day" in dosage["text"] and "doseAndRate" not in dosage  # a new start
    assert dosage["text"].endswith("; at most 300 mg/day")


def test_dose_change_of_a_drug_already_taken_keeps_the_timing(server):
    pid = "pm-ongoing"
    active = [fb.medication_request(pid, "active-pht", text="phenytoin", status="active",
                                    dose_mg=100, per_day=3)]
    order = fb.medication_request(pid, "order-pht-2", text="phenytoin 100 MG", dose_mg=100,
                                  per_day=3)
    req = fb.order_select(pid, [order], prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "CYP2C9", "*3/*3")], active=active))
    (card,) = cards_of(server.post(SELECT, req))
    dosage = card["suggestions"][0]["actions"][0]["resource"]["dosageInstruction"][0]
    assert dosage["timing"]["repeat"]["frequency"] == 3
    rng = dosage["doseAndRate"][0]["doseRange"]
    assert (rng["low"]["value"], rng["high"]["value"]) == (50, 66.7)


def test_a_dose_inside_the_recommended_range_gets_no_dose_suggestion(server):
    req = phenytoin_request("pm-2")
    dose = req["context"]["draftOrders"]["entry"][0]["resource"]["dosageInstruction"][0]
    dose["doseAndRate"][0]["doseQuantity"]["value"] = 60  # 180 mg/day
    (card,) = cards_of(server.post(SELECT, req))
    assert card["indicator"] == "warning" and "suggestions" not in card


def _carbamazepine_request(pid: str, genotypes: list[str], active: bool = False
                           ) -> dict[str, Any]:
    order = fb.medication_request(pid, "order-cbz", text="carbamazepine 200 MG Oral Tablet",
                                  dose_mg=200, per_day=2)
    taken = [fb.medication_request(pid, "cbz-now", text="carbamazepine 200 MG Oral Tablet",
                                   status="active", dose_mg=200, per_day=2)] if active else []
    return fb.order_select(pid, [order], prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", g) for g in genotypes], active=taken, kg=80,
        gender="male"))


def test_carbamazepine_without_an_hla_result_gets_the_test_advice(server):
    (card,) = cards_of(server.post(SELECT, _carbamazepine_request("cbz-untested", [])))
    assert card["indicator"] == "info"
    assert card["summary"] == ("No HLA-B*15:02 result: test before starting carbamazepine in "
                               "at-risk ancestry (SJS/TEN)")
    assert "**before starting** (monitoring; evidence high)" in card["detail"]
    assert card["source"]["label"] == "CPIC guideline 2017"  # a guideline before a label
    # a negative result, or a drug the patient already takes: no such card
    negative = _carbamazepine_request("cbz-negative", ["HLA-B*15:02 negative"])
    assert cards_of(server.post(SELECT, negative)) == []
    ongoing = _carbamazepine_request("cbz-ongoing", [], active=True)
    assert not any("HLA-B" in c["summary"] for c in cards_of(server.post(SELECT, ongoing)))


def test_nothing_actionable_gives_an_empty_card_list(server):
    assert cards_of(server.post(SELECT, quiet_request())) == []


def test_an_order_the_knowledge_base_does_not_know_gives_no_card(server):
    pid = "other-drug"
    orders = [fb.medication_request(pid, "amox", text="amoxicillin 500 MG Oral Capsule",
                                    rxnorm="308182", dose_mg=500, per_day=3)]
    req = fb.order_select(pid, orders, prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 positive")]))
    assert cards_of(server.post(SELECT, req)) == []


def test_brand_name_orders_map_to_the_drug(server):
    req = example()
    resource = req["context"]["draftOrders"]["entry"][0]["resource"]
    resource["medicationCodeableConcept"] = {"text": "Tegretol XR 400 mg extended-release tablet"}
    (card,) = cards_of(server.post(SELECT, req))
    assert card["indicator"] == "critical" and "carbamazepine" in card["summary"]


def test_order_select_judges_only_the_selected_order(server):
    req = example()
    pid = req["context"]["patientId"]
    other = fb.medication_request(pid, "draft-pht", text="phenytoin 100 MG", rxnorm="8183")
    req["context"]["draftOrders"]["entry"].append({"resource": other})
    cards = cards_of(server.post(SELECT, req))
    assert [c["summary"].split(":")[0] for c in cards] == ["Avoid carbamazepine"]
    req["context"]["selections"] = ["MedicationRequest/draft-pht"]
    (card,) = cards_of(server.post(SELECT, req))
    assert card["summary"].startswith("Avoid phenytoin")


def test_order_sign_judges_every_draft_order(server):
    req = example()
    pid = req["context"]["patientId"]
    req["hook"] = "order-sign"
    del req["context"]["selections"]
    req["context"]["draftOrders"]["entry"].append({"resource": fb.medication_request(
        pid, "draft-oxc", text="Trileptal 300 mg")})
    cards = cards_of(server.post(SIGN, req))
    assert sorted(c["summary"].split(":")[0] for c in cards) == [
        "Avoid carbamazepine", "Avoid oxcarbazepine"]
    assert all(c["indicator"] == "critical" for c in cards)


def test_a_co_medication_order_gets_the_interaction_with_the_patients_asm(server):
    pid = "warfarin-1"
    active = [fb.medication_request(pid, "cbz", text="Tegretol 200 MG Oral Tablet",
                                    status="active", dose_mg=200)]
    orders = [fb.medication_request(pid, "warf", text="warfarin sodium 5 MG Oral Tablet",
                                    rxnorm="11289", display="warfarin", dose_mg=5, per_day=1)]
    req = fb.order_select(pid, orders, prefetch=fb.full_prefetch(pid, [], active=active))
    (card,) = cards_of(server.post(SELECT, req))
    assert card["indicator"] == "warning"  # a high-severity interaction
    # the ordered drug, the drug it meets and what happens, not only which drugs meet
    assert card["summary"].startswith("Monitor warfarin + carbamazepine: Enzyme-inducing ASMs "
                                      "increase warfarin metabolism and lower the INR")


def test_interactions_count_only_with_drugs_the_patient_takes(server):
    pid = "vpa-1"
    order = fb.medication_request(pid, "vpa", text="valproic acid 250 MG Oral Capsule",
                                  dose_mg=500, per_day=2)
    alone = fb.order_select(pid, [order], prefetch=fb.full_prefetch(pid, [], gender="male"))
    (card,) = cards_of(server.post(SELECT, alone))  # the MHRA caution, nothing about others
    assert card["indicator"] == "info" and "lamotrigine" not in card["detail"]
    active = [fb.medication_request(pid, "ltg", text="Lamictal 100 mg", status="active",
                                    dose_mg=100, per_day=2)]
    taking = fb.order_select(pid, [order], prefetch=fb.full_prefetch(pid, [], gender="male",
                                                                     active=active))
    (card,) = cards_of(server.post(SELECT, taking))
    assert card["indicator"] == "warning" and "lamotrigine" in card["summary"]


def test_seizure_types_from_the_request_extension(server):
    req = example()
    req["extension"] = {"io.github.dre-advisor.seizure-types": ["absence"]}
    card = cards_of(server.post(SELECT, req))[0]
    assert "Seizure types judged" not in card["detail"]
    req["extension"] = {"io.github.dre-advisor.seizure-types": ["not_a_type"]}
    response = server.post(SELECT, req)
    assert response.status_code == 400 and "not_a_type" in response.json()["error"]


# --- prefetch-less requests: the FHIR server of the request ---------------------------------


def _store_hla_patient(fhir, pid: str, n_extra: int = 0) -> None:
    genotypes = [fb.genotype(pid, "HLA-B", "HLA-B*15:02 positive"),
                 fb.genotype(pid, "CYP2C9", "*1/*1")]
    genotypes += [fb.genotype(pid, "CYP2C19", "*1/*1", oid=f"extra-{i}-{pid}")
                  for i in range(n_extra)]
    fhir.store.add(pid, genotypes=genotypes, medications=[fb.medication_request(
        pid, f"lev-{pid}", text="levetiracetam 500 MG Oral Tablet", status="active")])


def _prefetchless(fhir, pid: str, token: str = FHIR_TOKEN) -> dict[str, Any]:
    orders = [fb.medication_request(pid, "draft-cbz", text="carbamazepine 200 mg",
                                    rxnorm="2002")]
    return fb.order_select(pid, orders, prefetch=None, fhirServer=fhir.base,
                           fhirAuthorization={"access_token": token, "token_type": "Bearer",
                                              "expires_in": 300, "scope": "user/*.read",
                                              "subject": "dre-advisor"})


def test_without_prefetch_the_service_reads_the_fhir_server_with_its_token(server, fhir,
                                                                           elsewhere):
    pid = "fetched-1"
    _store_hla_patient(fhir, pid)
    before = len(fhir.store.requests)
    (card,) = cards_of(server.post(SELECT, _prefetchless(fhir, pid)))
    assert card["indicator"] == "critical" and "suggestions" in card
    seen = fhir.store.requests[before:]
    assert {r["path"] for r in seen} == {f"/fhir/Patient/{pid}", "/fhir/Observation",
                                         "/fhir/MedicationRequest", "/fhir/AllergyIntolerance"}
    assert all(r["authorization"] == f"Bearer {FHIR_TOKEN}" for r in seen)
    codes = sorted(r["query"].get("code", "") for r in seen if r["path"] == "/fhir/Observation")
    kidney = ",".join(f"http://loinc.org|{c}" for c in (*EGFR_CODES, *CLEARANCE_CODES))
    assert codes == sorted(["http://loinc.org|29463-7", "http://loinc.org|84413-4",
                            "http://loinc.org|82810-3", kidney])
    assert not elsewhere.store.requests


def test_partial_prefetch_reads_only_what_is_missing(server, fhir):
    pid = "fetched-2"
    _store_hla_patient(fhir, pid)
    req = _prefetchless(fhir, pid)
    req["prefetch"] = {"patient": fb.patient(pid), "medications": fb.bundle([]),
                       "weight": None, "kidney": None, "pregnancy": None,
                       "allergies": None}
    before = len(fhir.store.requests)
    (card,) = cards_of(server.post(SELECT, req))
    assert card["indicator"] == "critical"
    assert [r["path"] for r in fhir.store.requests[before:]] == ["/fhir/Observation"]


def test_paged_results_are_followed_on_the_same_server_only(server, fhir, elsewhere):
    pid = "paged-1"
    _store_hla_patient(fhir, pid, n_extra=3)
    fhir.store.page_size = 1
    try:
        (card,) = cards_of(server.post(SELECT, _prefetchless(fhir, pid)))
        assert card["indicator"] == "critical"  # HLA on page 1, read through page 5
        pages = [r for r in fhir.store.requests if r["query"].get("patient") == pid and
                 r["query"].get("code", "").endswith("84413-4")]
        assert len(pages) == 5
        fhir.store.next_url = f"{elsewhere.url}/fhir/Observation?patient={pid}&page=2"
        cards_of(server.post(SELECT, _prefetchless(fhir, pid)))
        assert not elsewhere.store.requests
    finally:
        fhir.store.page_size, fhir.store.next_url = 50, None


def test_unreadable_data_is_412(server, fhir):
    pid = "fetched-3"
    _store_hla_patient(fhir, pid)
    response = server.post(SELECT, _prefetchless(fhir, pid, token="a-wrong-token"))
    assert response.status_code == 412 and "401" in response.json()["error"]
    no_server = _prefetchless(fhir, pid)
    del no_server["fhirServer"], no_server["fhirAuthorization"]
    response = server.post(SELECT, no_server)
    assert response.status_code == 412 and "prefetch.patient" in response.json()["error"]


def test_a_fhir_server_that_is_not_https_nor_local_is_refused(server):
    req = _prefetchless(SimpleNamespace(base="http://fhir.example.org/r4"), "x")
    response = server.post(SELECT, req)
    assert response.status_code == 400 and "https" in response.json()["error"]


# --- malformed input: 400 with a message, never 500 ------------------------------------------


def _mutations() -> list[tuple[str, Any]]:
    base = example()
    entry = base["context"]["draftOrders"]["entry"][0]["resource"]

    def change(path: list[Any], value: Any) -> dict[str, Any]:
        req = copy.deepcopy(base)
        target = req
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return req

    obs = ["prefetch", "genotypes", "entry", 0, "resource"]
    return [
        ("not JSON", b"{not json"),
        ("NaN", json.dumps(base).replace('"valueQuantity": {"value": 62',
                                         '"valueQuantity": {"value": NaN').encode()),
        ("a list", [base]),
        ("no hookInstance", change(["hookInstance"], KeyError)),
        ("wrong hook", change(["hook"], "patient-view")),
        ("no patientId", change(["context", "patientId"], KeyError)),
        ("no selections", change(["context", "selections"], KeyError)),
        ("draftOrders not a Bundle", change(["context", "draftOrders"], entry)),
        ("invalid MedicationRequest", change(["context", "draftOrders", "entry", 0, "resource",
                                              "status"], 12)),
        ("invalid Patient", change(["prefetch", "patient", "birthDate"], "yesterday")),
        ("another patient", change(["prefetch", "patient", "id"], "someone-else")),
        ("genotype of another patient", change([*obs, "subject"],
                                               {"reference": "Patient/someone-else"})),
        ("unknown allele", change([*obs, "valueCodeableConcept"], {"text": "HLA-B*99:99 maybe"})),
        ("genotypes not a Bundle", change(["prefetch", "genotypes"], "positive")),
        ("fhirAuthorization without fhirServer", change(["fhirAuthorization"],
                                                        {"access_token": "t",
                                                         "token_type": "Bearer"})),
        ("weight a string", change(["prefetch", "weight", "entry", 0, "resource",
                                    "valueQuantity", "value"], "sixty")),
        ("age out of range", change(["prefetch", "patient", "birthDate"], "2999-01-01")),
        ("a null in FHIR JSON", change([*obs, "component", 0, "code", "coding"], None)),
        ("an unknown resource type in a Bundle", change(
            ["prefetch", "medications", "entry", 0, "resource", "resourceType"], "x")),
    ]


@pytest.mark.parametrize(("case", "body"), _mutations(), ids=[m[0] for m in _mutations()])
def test_malformed_json_or_fhir_is_400_with_a_message(server, case, body):
    response = server.post(SELECT, body)
    assert response.status_code == 400, (case, response.status_code, response.text)
    message = response.json()["error"]
    assert isinstance(message, str) and len(message) > 10


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_damage_to_a_request_is_never_a_500(server, data):
    req = example()
    paths: list[list[Any]] = []

    def walk(node: Any, path: list[Any]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, [*path, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, [*path, i])

    walk(req, [])
    path = data.draw(st.sampled_from(paths[1:]))
    value = data.draw(st.one_of(st.none(), st.integers(-10, 10**6), st.text(max_size=8),
                                st.booleans(), st.just([]), st.just({}),
                                st.just({"resourceType": "Bundle"})))
    target = req
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    response = server.post(SELECT, req)
    assert response.status_code in (200, 400, 412), (path, value, response.text)
    if response.status_code == 200:
        assert not schema_errors(RESPONSE, response.json())
    else:
        assert response.json()["error"]


def test_request_bodies_over_the_limit_are_413(server):
    req = example()
    req["extension"] = {"io.github.dre-advisor.padding": {"x": "y" * 300_000}}
    response = server.post(SELECT, req)
    assert response.status_code == 413 and "200000" in response.json()["error"]


# --- POST /consult ---------------------------------------------------------------------------


def test_consult_endpoint_returns_the_consult_json(server):
    patient = {"id": "C-1", "age_years": 40, "weight_kg": 70, "sex": "male",
               "seizure_types": ["focal"], "genotypes": {"CYP2C9": "*3/*3"},
               "candidate_drugs": ["phenytoin"]}
    response = server.post("/consult", patient)
    assert response.status_code == 200
    result = response.json()
    assert result["patient_id"] == "C-1" and result["provenance"]["knowledgebase_sha256"]
    dose = next(d for d in result["doses"] if d["drug"] == "phenytoin")
    assert dose["recommended_daily_mg"] == [150.0, 200.0]
    for bad in ({**patient, "vcf": "/etc/passwd"}, {**patient, "age_years": -3}, [patient]):
        response = server.post("/consult", bad)
        assert response.status_code == 400 and response.json()["error"]


# --- logs --------------------------------------------------------------------------------


def test_logs_are_json_lines_without_patient_data(server):
    card = cards_of(server.post(SELECT, example()))[0]
    page = server.get(card["links"][0]["url"][len(server.url):])
    assert page.status_code == 200
    request_id = page.headers["x-request-id"]
    deadline = time.monotonic() + 20
    while request_id not in server.log_file.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # the access line is written once the answer has gone
    lines = server.log_lines()
    records = [json.loads(line) for line in lines]  # every line is JSON
    access = [r for r in records if r["logger"] == "advisor.serve.access"]
    assert access and {"route", "status", "duration_ms", "request_id"} <= set(access[-1])
    assert any(r.get("service") == "asm-order-select" for r in access)
    # the time field holds a timestamp only; the rest is searched (a run at 15:02 UTC has
    # "15:02", HLA-B*15:02's field, in its timestamps)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", r["time"])
               for r in records)
    text = "\n".join(json.dumps({k: v for k, v in r.items() if k != "time"})
                     for r in records)
    for secret in ("example-patient-1", "15:02", "*3/*3", "draft-cbz-1", "gAAAAA", FHIR_TOKEN,
                   "levetiracetam", "carbamazepine", "1991-03-14"):
        assert secret not in text, secret
    assert any(r["route"] == "/report/{token}" and r["request_id"] == request_id
               for r in access)


# --- the CDS Hooks JWT when the allow-list is on ----------------------------------------------


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_valid_jwt_from_an_allowed_issuer_is_accepted(secured, issuers):
    ehr, url_ehr = issuers
    for issuer in (ehr, url_ehr):  # JWK Set from a file, and from a URL
        token = issuer.token(secured.url + SELECT)
        assert cards_of(secured.post(SELECT, example(), headers=_auth(token)))
    discovery = secured.get("/cds-services",
                            headers=_auth(ehr.token(secured.url + "/cds-services")))
    assert discovery.status_code == 200
    assert secured.get("/healthz").status_code == 200  # no JWT for liveness


def test_missing_bad_or_expired_jwt_is_401(secured, issuers):
    ehr, _ = issuers
    aud = secured.url + SELECT
    stranger = Issuer(EHR)  # the right iss and kid, another key
    unknown = Issuer("https://unknown-ehr.example.org")
    expired = ehr.token(aud, exp_in=-120)
    import jwt as pyjwt

    hmac = pyjwt.encode({"iss": EHR, "aud": aud, "exp": int(time.time()) + 60,
                         "iat": int(time.time()), "jti": "h"}, "shared-secret" * 4,
                        algorithm="HS256", headers={"kid": ehr.kid})
    cases = {
        "none": {},
        "not a JWT": _auth("not.a.jwt"),
        "expired": _auth(expired),
        "another key": _auth(stranger.token(aud)),
        "issuer not allowed": _auth(unknown.token(aud)),
        "wrong aud": _auth(ehr.token(secured.url + SIGN)),
        "HMAC": _auth(hmac),
        "no jti": _auth(pyjwt.encode({"iss": EHR, "aud": aud, "exp": int(time.time()) + 60,
                                      "iat": int(time.time())}, ehr.key, algorithm="ES384",
                                     headers={"kid": ehr.kid})),
    }
    for case, headers in cases.items():
        response = secured.post(SELECT, example(), headers=headers)
        assert response.status_code == 401, (case, response.text)
        assert response.json()["error"] and response.headers["www-authenticate"] == "Bearer"
    assert "expired" in secured.post(SELECT, example(), headers=_auth(expired)).json()["error"]
    assert secured.get("/cds-services").status_code == 401
    assert secured.post("/consult", {"seizure_types": ["focal"]}).status_code == 401


def test_a_replayed_jwt_is_401(secured, issuers):
    ehr, _ = issuers
    token = ehr.token(secured.url + SELECT)
    assert secured.post(SELECT, example(), headers=_auth(token)).status_code == 200
    response = secured.post(SELECT, example(), headers=_auth(token))
    assert response.status_code == 401 and "replay" in response.json()["error"]
