"""The typed consult result: its JSON is the contract, and it reads back into the models."""

from __future__ import annotations

import json

import pytest

from advisor.consult import consult_file
from advisor.report import render
from advisor.result import ConsultResult
from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("acute", [False, True])
def test_json_reads_back_into_the_models(kb, path, acute):
    res = consult_file(kb, path, acute=acute)
    text = render(res, "json")
    again = ConsultResult.model_validate(json.loads(text))
    for fmt in ("json", "markdown", "html"):
        assert render(again, fmt) == render(res, fmt), fmt


def test_optional_keys_left_out_and_nullable_keys_kept(kb):
    res = consult_file(kb, EXAMPLES[0], acute=True)
    data = res.model_dump(mode="json")
    assert set(data) == set(ConsultResult.model_fields)
    for flag, typed in zip(data["flags"], res.flags, strict=True):
        assert "gene" in flag  # null when the flag has no gene
        assert ("interacting_drug" in flag) == (typed.interacting_drug is not None)
    for key, entry in data["phenotypes"].items():
        assert ("activity_score" in entry) == (res.phenotypes[key].activity_score is not None)
    for source in data["sources"].values():
        assert None not in source.values()
    for dose in data["doses"]:
        assert {"start_daily_mg", "max_daily_mg", "therapeutic_range_mg_per_l"} <= set(dose)


def _every_evidence_id(value, found):
    """Every source id under an ``evidence`` list of the dumped result, in JSON order."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "evidence" and isinstance(item, list):
                found += [x for x in item if isinstance(x, str)]
            else:
                _every_evidence_id(item, found)
    elif isinstance(value, list):
        for item in value:
            _every_evidence_id(item, found)
    return found


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_cited_sources_are_every_evidence_id_of_the_result(kb, path):
    """The consult looks for evidence only in the fields of a result model that can hold
    it (by their types): the same ids, in the same order, as a walk of the whole dump."""
    res = consult_file(kb, path, acute=True)
    dumped = res.model_dump(mode="python", exclude={"sources", "summary"})
    ids = list(dict.fromkeys(_every_evidence_id(dumped, [])))
    assert list(res.sources) == [sid for sid in ids if sid in kb.sources]
