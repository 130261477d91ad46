"""The command line: formats, output file, exit codes and one-line errors."""

from __future__ import annotations

import json

import pytest

from advisor.cli import main
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "hla-b1502-focal-dre.yaml"
TOP_KEYS = {"patient_id", "phenotypes", "flags", "doses", "dre", "risk", "regimens",
            "provenance", "disclaimer"}


def test_consult_json_contract(capsys, kb):
    assert main(["consult", str(EXAMPLE), "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert TOP_KEYS <= set(res)
    assert res["provenance"]["knowledgebase_sha256"] == kb.sha256
    assert res["dre"]["status"] == "drug_resistant"
    flag_keys = {"category", "drug", "gene", "action", "severity", "message", "evidence"}
    assert all(flag_keys <= set(f) for f in res["flags"])
    dose_keys = {"drug", "standard_daily_mg", "recommended_daily_mg", "adjustment_percent",
                 "basis", "evidence"}
    assert all(dose_keys <= set(d) for d in res["doses"])
    assert all({"drugs", "mechanisms", "score", "rationale", "warnings"} <= set(r)
               for r in res["regimens"])


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_consult_reports_written_to_file(tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    assert main(["consult", str(EXAMPLE), "--format", fmt, "--out", str(out)]) == 0
    text = out.read_text()
    assert "does not replace clinical judgment" in text
    assert "carbamazepine" in text and "CPIC-2017-carbamazepine" in text
    if fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and "<script" not in text


BAD = {
    "typo-drug.yaml": ("seizure_types: [focal]\ncurrent_medications: [carbamazapine]\n",
                       "current_medications.0: unknown drug (did you mean 'carbamazepine'?)"),
    "unknown-gene.yaml": ("seizure_types: [focal]\ngenotypes: {CYP2C8: '*1/*1'}\n",
                          "genotypes.CYP2C8: unknown gene or genotype key 'CYP2C8'"),
    "bad-diplotype.yaml": ("seizure_types: [focal]\ngenotypes: {CYP2C9: '*1-*3'}\n",
                           "genotypes.CYP2C9: malformed diplotype '*1-*3'"),
    "bad-outcome.yaml": ("seizure_types: [focal]\nmedication_history:\n"
                         "  - {drug: lamotrigine, outcome: great}\n",
                         "medication_history.0.outcome:"),
    "negative-age.yaml": ("age_years: -3\nseizure_types: [focal]\n", "age_years:"),
    "misspelt-key.yaml": ("seizure_type: [focal]\n",
                          "seizure_type: unknown field (did you mean 'seizure_types'?)"),
    "section-field-at-top.yaml": ("age_years: 80\nseizure_types: [focal]\negfr_ml_min: 25\n",
                                  "egfr_ml_min: unknown field here; it belongs under 'renal:'"),
    "unknown-syndrome.yaml": ("seizure_types: [epileptic_spasms]\nsyndrome: iess\n",
                              "syndrome: unknown syndrome; known: childhood_absence"),
    "empty.yaml": ("", "the file is empty"),
    "binary.yaml": (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not UTF-8 text"),
    "list.yaml": ("- focal\n- absence\n", "must be a mapping of fields, got list"),
    "seizure-type.yaml": ("seizure_types: [focal, petit_mal]\n",
                          "seizure_types.1: unknown seizure type"),
    "not-yaml.yaml": ("seizure_types: [focal\n", "not valid YAML or JSON"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_patient_files_exit_2_with_one_line(tmp_path, capsys, name):
    content, needle = BAD[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert main(["consult", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert needle in err
    assert "Traceback" not in err


def test_missing_file_exits_2(capsys, tmp_path):
    assert main(["consult", str(tmp_path / "nope.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_example_files_all_consult(capsys):
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        assert main(["consult", str(path), "--format", "json"]) == 0, path
        assert json.loads(capsys.readouterr().out)["patient_id"]


def test_json_example_is_accepted(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"id": 7, "seizure_types": ["absence"],
                                "genotypes": {"CYP2C19": "*1/*17"}}))
    assert main(["consult", str(path), "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["patient_id"] == "7"
    assert res["phenotypes"]["CYP2C19"]["phenotype"] == "Rapid Metabolizer"



def test_markdown_says_no_genotypes_only_when_there_are_none(tmp_path, capsys):
    assert main(["consult", str(EXAMPLE)]) == 0
    assert "No genotypes given." not in capsys.readouterr().out
    path = tmp_path / "p.yaml"
    path.write_text("seizure_types: [focal]\n")
    assert main(["consult", str(path)]) == 0
    assert "No genotypes given." in capsys.readouterr().out


def test_an_error_without_a_value_does_not_print_none(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text("age_years: 30\n")
    assert main(["consult", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: seizure_types: required field is missing"
