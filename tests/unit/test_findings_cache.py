"""advisor.serve.findings_cache: the most recently used findings are kept, up to the size;
the key is what the engine judges, without the patient's id."""

from __future__ import annotations

import json

from advisor.inputs.patient import Patient
from advisor.serve.findings_cache import FindingsCache, judged_key


def test_the_least_recently_used_entry_goes_first():
    cache = FindingsCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("c", "C")
    assert list(cache.entries) == ["a", "c"]
    assert cache.get("b") is None
    assert (cache.hits, cache.misses) == (1, 1)


def test_size_zero_keeps_nothing():
    cache = FindingsCache(0)
    cache.put("a", "A")
    assert cache.get("a") is None
    assert not cache.entries


def test_the_key_leaves_out_the_id_and_keeps_what_is_judged():
    one = Patient(id="p1", age_years=30, weight_kg=60, seizure_types=["focal"])
    other = Patient(id="p2", age_years=30, weight_kg=60, seizure_types=["focal"])
    heavier = Patient(id="p1", age_years=30, weight_kg=61, seizure_types=["focal"])
    key = judged_key(one, {"CYP2C9": "*1/*3"}, ["phenytoin"])
    assert key == judged_key(other, {"CYP2C9": "*1/*3"}, ["phenytoin"])
    assert "p1" not in key
    assert key != judged_key(heavier, {"CYP2C9": "*1/*3"}, ["phenytoin"])
    assert key != judged_key(one, {"CYP2C9": "*1/*1"}, ["phenytoin"])
    assert key != judged_key(one, {"CYP2C9": "*1/*3"}, ["carbamazepine"])
    assert json.loads(key)[1]["weight_kg"] == 60
