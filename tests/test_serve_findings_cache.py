"""The findings of a recent hook request judged alike are taken again
(:mod:`advisor.serve.findings_cache`): the cards are then exactly those of a service that
keeps none, made for the request at hand (its patient, orders and report link); a request
judged differently in anything the engine reads is judged anew."""

from __future__ import annotations

import copy
import json
import re

import pytest

from advisor.serve.app import Runtime
from advisor.serve.config import ServeConfig
from advisor.serve.discovery import SERVICES
from tests import fhir_builder as fb

pytest.importorskip("fastapi")

SELECT = SERVICES["asm-order-select"]
BASE = "http://advisor.test"


@pytest.fixture(scope="module")
def runtimes():
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    kept = Runtime(ServeConfig(report_key=key, cache_size=4))
    none = Runtime(ServeConfig(report_key=key, cache_size=0))
    yield kept, none
    kept.close()
    none.close()


def _hla_carbamazepine(pid: str, kg: float = 70) -> dict:
    """A carrier of HLA-B*15:02 ordered carbamazepine: a critical card that reads the
    regimen ranking (its alternatives)."""
    order = fb.medication_request(pid, "o", text="carbamazepine 200 mg", rxnorm="2002",
                                  dose_mg=200, per_day=2)
    return fb.order_select(pid, [order], prefetch=fb.full_prefetch(
        pid, [fb.genotype(pid, "HLA-B", "HLA-B*15:02 positive")], kg=kg))


def _without_uuids(value):
    """The answer without what differs between any two calls: uuids, and the encrypted
    report tokens (each has its own time and salt)."""
    if isinstance(value, dict):
        return {k: _without_uuids(v) for k, v in value.items() if k != "uuid"}
    if isinstance(value, list):
        return [_without_uuids(v) for v in value]
    if isinstance(value, str) and "/report/" in value:
        return re.sub(r"/report/[A-Za-z0-9_=-]+", "/report/TOKEN", value)
    return value


def _answer(rt: Runtime, request: dict) -> dict:
    return _without_uuids(rt.hook(SERVICES[f"asm-{request['hook']}"],
                                  json.dumps(request).encode(), BASE))


def test_a_request_judged_alike_takes_the_findings_and_gets_its_own_cards(runtimes):
    kept, none = runtimes
    first = _answer(kept, _hla_carbamazepine("cache-a"))
    hits = kept.findings.hits
    second = _answer(kept, _hla_carbamazepine("cache-b"))
    assert kept.findings.hits == hits + 1
    assert second == _answer(none, _hla_carbamazepine("cache-b"))
    critical = second["cards"][0]
    assert critical["indicator"] == "critical"
    # the suggestion replaces this patient's order, for this patient
    actions = critical["suggestions"][0]["actions"]
    assert [a["type"] for a in actions] == ["delete", "create"]
    assert actions[1]["resource"]["subject"] == {"reference": "Patient/cache-b"}
    # and the report link is this patient's: the cards differ from the first request's
    assert second != first
    link = kept.hook(SELECT, json.dumps(_hla_carbamazepine("cache-b")).encode(), BASE)[
        "cards"][0]["links"][0]["url"]
    token = link.rsplit("/", 1)[1]
    assert kept.links.read(token)[0]["id"] == "cache-b"


def test_a_request_judged_differently_is_judged_anew(runtimes):
    kept, none = runtimes
    _answer(kept, _hla_carbamazepine("cache-c", kg=70))
    misses = kept.findings.misses
    lighter = _hla_carbamazepine("cache-d", kg=18)
    assert _answer(kept, lighter) == _answer(none, lighter)
    assert kept.findings.misses == misses + 1
    # another genotype: HLA-B*15:02 negative gives no critical card
    other = _hla_carbamazepine("cache-e")
    other["prefetch"]["genotypes"]["entry"][0]["resource"]["valueCodeableConcept"]["text"] = \
        "HLA-B*15:02 negative"
    answer = _answer(kept, other)
    assert answer == _answer(none, other)
    assert "critical" not in [c["indicator"] for c in answer["cards"]]


def test_another_order_of_the_same_patient_is_judged_for_that_drug(runtimes):
    kept, none = runtimes
    _answer(kept, _hla_carbamazepine("cache-f"))
    request = _hla_carbamazepine("cache-f")
    order = request["context"]["draftOrders"]["entry"][0]["resource"]
    order["medicationCodeableConcept"] = {"text": "lamotrigine 25 MG Oral Tablet"}
    assert _answer(kept, request) == _answer(none, request)


def test_requests_judged_alike_in_one_batch_are_judged_once(runtimes):
    kept, none = runtimes
    before = len(kept.findings.entries), kept.findings.misses
    bodies = [json.dumps(_hla_carbamazepine(f"cache-batch-{i}", kg=55.5)).encode()
              for i in range(3)]
    answers = kept.answers([(SELECT, body, BASE) for body in bodies])
    assert [_without_uuids(a) for a in answers] == [
        _answer(none, json.loads(body)) for body in bodies]
    assert kept.findings.misses == before[1] + 3  # each looked up before the batch is judged
    assert len(kept.findings.entries) == min(before[0] + 1, kept.findings.size)
    kept_findings = kept.findings.entries[next(reversed(kept.findings.entries))]
    assert kept_findings.rank.regimens  # kept as the critical cards ranked them


def test_regimens_not_ranked_at_first_are_ranked_when_a_later_card_needs_them(runtimes):
    kept, none = runtimes
    without_id = _hla_carbamazepine("cache-h", kg=63)  # signed: every draft is judged
    del without_id["context"]["draftOrders"]["entry"][0]["resource"]["id"]
    without_id["hook"] = "order-sign"
    del without_id["context"]["selections"]
    first = _answer(kept, without_id)
    assert "suggestions" not in first["cards"][0]  # a draft without id cannot be replaced
    entry = kept.findings.entries[next(reversed(kept.findings.entries))]
    assert entry.rank.regimens is None and entry.rank.make is not None
    request = _hla_carbamazepine("cache-i", kg=63)  # order-select, judged alike
    hits = kept.findings.hits
    answer = _answer(kept, request)
    assert kept.findings.hits == hits + 1
    assert answer == _answer(none, request)
    assert answer["cards"][0]["suggestions"]


def test_a_bad_request_is_never_taken_from_the_cache(runtimes):
    kept, _ = runtimes
    request = _hla_carbamazepine("cache-g")
    _answer(kept, request)
    bad = copy.deepcopy(request)
    bad["prefetch"]["weight"]["entry"][0]["resource"]["valueQuantity"]["value"] = -5
    answer = kept.answers([(SELECT, json.dumps(bad).encode(), BASE)])[0]
    assert isinstance(answer, Exception)
    assert "weight" in str(answer)
