"""The streamed call writers: JSON and TSV identical to the former whole-text rendering of
the call frame, JSON Lines the same records one per line, written through ``advisor call``."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from advisor.cli import main
from advisor.genotype import writers as calls
from advisor.genotype.vcf import VcfCaller
from tests.calls_reference import render_calls
from tests.vcf_builder import VcfBuilder


@pytest.fixture(scope="module")
def cohort(kb, tmp_path_factory):
    """A 7-sample VCF with unique, ambiguous, missing and no-call genes."""
    samples = ("A", "B", "C", "D", "E", "F", "G")
    b = VcfBuilder(kb, samples=samples).reference("CYP2C9", "CYP2C19", "CYP3A4", "CYP3A5",
                                                  "ABCB1")
    b.diplotype("CYP2C9", "*1", "*3", sample="B").diplotype("CYP2C9", "*2", "*3", sample="C")
    b.diplotype("CYP2C19", "*2", "*17", sample="D").missing("CYP2C19", "rs12248560", sample="E")
    b.genotype("CYP2C19", "rs12248560", "C", "T", sample="G").genotype(
        "CYP2C19", "rs3758581", "G", "G", sample="G").missing("CYP2C19", "rs28399504", sample="G")
    b.genotype("ABCB1", "rs1045642", "A", "G", sample="F")
    return b.write(tmp_path_factory.mktemp("render") / "cohort.vcf")


@pytest.mark.parametrize("chunk", [1, 3, 4096])
@pytest.mark.parametrize("notices", [[], ["research grade: not for clinical use"]])
def test_streamed_json_and_tsv_equal_the_former_rendering(kb, cohort, monkeypatch, chunk,
                                                          notices):
    monkeypatch.setattr(calls, "CHUNK_SAMPLES", chunk)
    caller = VcfCaller(kb)
    tables = [caller.call_table(cohort), caller.call_table(cohort, "C")]
    frame = caller.call(cohort)
    both = pd.concat([frame, caller.call(cohort, "C")], ignore_index=True)
    both.attrs["notices"] = notices
    for fmt in ("json", "tsv"):
        out = io.StringIO()
        calls.write_calls(kb, tables, notices, fmt, out)
        assert out.getvalue() == render_calls(kb, both, fmt), fmt
    out = io.StringIO()
    calls.write_calls(kb, tables, notices, "jsonl", out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    if notices:
        assert lines.pop(0) == {"notices": notices}
    assert lines == json.loads(render_calls(kb, both, "json"))["calls"]
    assert len(lines) == len(both) and len({c["status"] for c in lines}) == 3


def test_no_samples_matched_json_is_empty_list(kb):
    out = io.StringIO()
    calls.write_calls(kb, [], [], "json", out)
    assert json.loads(out.getvalue()) == {"calls": []}


def test_cli_jsonl_to_a_file(kb, cohort, tmp_path, capsys):
    target = tmp_path / "calls.jsonl"
    assert main(["call", str(cohort), "--format", "jsonl", "--out", str(target)]) == 0
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(rows) == 7 * len(VcfCaller(kb).callers) + 7 * 2  # ABCB1: 3 keys
    assert [p.name for p in tmp_path.iterdir()] == ["calls.jsonl"]  # no temporary left


@pytest.mark.parametrize("where", ["missing/calls.json", "{input}"])
def test_cli_refuses_a_bad_output_path(kb, cohort, tmp_path, capsys, where):
    out = where.replace("{input}", str(cohort)) if "{" in where else str(tmp_path / where)
    before = cohort.read_bytes()
    assert main(["call", str(cohort), "--out", out]) == 2
    assert capsys.readouterr().err.startswith("error: --out")
    assert cohort.read_bytes() == before
