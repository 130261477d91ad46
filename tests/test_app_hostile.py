"""The app under hostile input (AppTest, headless): every handler ends a failed input in a
bounded error box, never an exception; parsing runs with the command line's limits; the
launcher refuses to serve beyond this machine without a Host allow-list; --trust-models
reaches the consults."""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest
from streamlit.testing.v1 import AppTest

from advisor.cli import main
from advisor.cli.app import LOCAL_NAMES, command
from advisor.risk.model import SPECS
from advisor.risk.table import table_path
from advisor.ui.common import ERROR_CHARS
from tests.conftest import MODELS_DIR, ROOT
from tests.test_strict_load import bomb

EXAMPLE = ROOT / "examples" / "hla-b1502-focal-dre.yaml"


def _page(page: str) -> AppTest:
    at = AppTest.from_string(f"from advisor.ui import {page}\n{page}.render()\n",
                             default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _upload_patient(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="patient_upload").set_value((name, content, "application/x-yaml"))
    at.run()
    at.button(key="run_file").click().run()
    assert not at.exception
    return at


def _errors(at: AppTest) -> list[str]:
    """The error boxes' text as read (the page escapes Markdown with backslashes)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]


@pytest.mark.parametrize(("name", "content", "needle"), [
    ("bomb.yaml", bomb(levels=12).encode(), "expanded size"),
    ("wide-bomb.yaml", bomb(levels=8, width=20).encode(), "expanded size"),
    ("big.yaml", b"seizure_types: [focal]\nnote: " + b"x" * 2_000_000, "larger than"),
    ("long.yaml", b"seizure_types: [focal]\nid: " + b"x" * 20_000, "longer than 10,000"),
    ("dup.yaml", b"seizure_types: [focal]\ngenotypes:\n  CYP2C9: '*3/*3'\n  CYP2C9: '*1/*1'\n",
     "duplicate key"),
    ("tag.yaml", b"seizure_types: [focal]\nid: !!binary aGVsbG8=\n", "tags are not allowed"),
    ("bool.json", b'{"seizure_types": ["focal"], "age_years": true}', "a boolean is not a"),
    ("heavy.yaml", b"seizure_types: [focal]\nage_years: 2\nweight_kg: 350\n",
     "not plausible for age_years 2"),
])
def test_hostile_patient_uploads_end_in_a_bounded_box(name, content, needle):
    start = time.monotonic()
    at = _upload_patient(_page("consult_page"), name, content)
    assert time.monotonic() - start < 60
    errors = _errors(at)
    assert len(errors) == 1 and needle in errors[0], errors
    assert len(errors[0]) <= ERROR_CHARS + 100 and "Traceback" not in errors[0]


def test_a_bad_vcf_with_the_form_ends_in_the_box():
    at = _page("consult_page")
    at.file_uploader(key="vcf_upload").set_value(("x.vcf", b"\x00\x01 not a vcf",
                                                  "text/plain")).run()
    at.multiselect(key="f_seizure_types").set_value(["focal"])
    at.button(key="run_form").click().run()
    assert not at.exception
    errors = _errors(at)
    assert len(errors) == 1 and errors[0].startswith("Cannot run the consultation: ")
    assert len(errors[0]) <= ERROR_CHARS + 100


@pytest.mark.parametrize(("name", "content"), [
    ("c.parquet", b"PAR1 this is not parquet PAR1"),
    ("c.vcf", b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
              b"chr10\t94942290\t.\tC\tT\t.\tPASS\t.\tDP\t7\n"),  # no GT field
    ("c.vcf.gz", b"\x1f\x8b\x08 truncated gzip"),
    ("c.csv", b"sample_id,CYP2C9\n" + b"A,\xff\xfe\n"),
])
def test_bad_cohort_uploads_end_in_the_box(name, content):
    at = _page("cohort_page")
    at.file_uploader(key="cohort_upload").set_value((name, content, "application/octet-stream"))
    at.run()
    at.button(key="run_cohort").click().run()
    assert not at.exception
    assert _errors(at) or at.metric  # refused in the box, or screened with its bad rows
    for text in _errors(at):
        assert len(text) <= ERROR_CHARS + 100 and "Traceback" not in text


def test_trust_models_setting_reaches_the_consult(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    folder.mkdir()
    for spec in SPECS.values():
        shutil.copy(MODELS_DIR / spec.default_file, folder / spec.default_file)
        shutil.copy(table_path(MODELS_DIR / spec.default_file),
                    table_path(folder / spec.default_file))
    table = table_path(folder / SPECS["drug_resistance"].default_file)
    data = json.loads(table.read_text())
    data["meta"]["model_version"] = "drug_resistance-local"
    table.write_text(json.dumps(data))
    monkeypatch.setenv("ADVISOR_MODELS", str(folder))
    monkeypatch.setenv("ADVISOR_TRUST_MODELS", "0")
    at = _upload_patient(_page("consult_page"), EXAMPLE.name, EXAMPLE.read_bytes())
    notes = " ".join(i.value for i in at.info)
    assert "not in the manifest" in notes and "--trust-models" in notes
    monkeypatch.setenv("ADVISOR_TRUST_MODELS", "1")
    at = _upload_patient(_page("consult_page"), EXAMPLE.name, EXAMPLE.read_bytes())
    assert any("drug_resistance-local" in c.value for c in at.caption)


def test_app_launcher_allows_only_listed_hosts(capsys):
    local = command("127.0.0.1", 8501)
    assert [f"--server.allowedHosts={n}" for n in LOCAL_NAMES] == [
        f for f in local if f.startswith("--server.allowedHosts")]
    assert "--server.enableXsrfProtection=true" in local and "--server.enableCORS=true" in local
    assert "--client.showErrorDetails=none" in local
    wide = command("0.0.0.0", 8501, ["advisor.example.org"])
    assert [f for f in wide if "allowedHosts" in f] == [
        "--server.allowedHosts=advisor.example.org"]
    for argv, needle in [(["app", "--host", "0.0.0.0"], "needs --allow-host"),
                         (["app", "--host", "10.1.2.3"], "needs --allow-host"),
                         (["app", "--host", "0.0.0.0", "--allow-host", "*"], "'*' would accept"),
                         ]:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1
