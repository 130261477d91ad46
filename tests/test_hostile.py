"""The hostile corpus (tests/hostile/): every file of every entry point through the real
command line, with its expected exit code and message fragment; never a traceback, never an
internal error (exit 1). See tests/hostile/README.md for the layout."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import advisor.knowledge
from advisor.cli import main
from advisor.risk.model import SPECS
from advisor.risk.table import table_path
from tests.conftest import MODELS_DIR, ROOT

CORPUS = ROOT / "tests" / "hostile"
FOLDERS = ("patient", "model", "cohort", "vcf")
NOT_CASES = {"README.md", "expect.yaml"}
EXAMPLE = ROOT / "examples" / "hla-b1502-focal-dre.yaml"
DEFAULT_ARGV = {
    "patient": ["consult", "{file}", "--format", "json"],
    "cohort": ["screen", "{file}", "--out", "{tmp}/results.csv", "--errors",
               "{tmp}/errors.csv"],
    "vcf": ["call", "{file}", "--format", "json"],
}
MAX_ERROR_CHARS = 1500


@pytest.fixture(autouse=True)
def _one_knowledge_base(kb, monkeypatch):
    """The command line loads the knowledge base on each run; the corpus shares the
    session's (loaded from the same folder) so that 150 runs take seconds, not minutes."""
    load = advisor.knowledge.load_knowledgebase
    monkeypatch.setattr(advisor.knowledge, "load_knowledgebase",
                        lambda path=None: kb if path is None else load(path))


def _expectations(folder: str) -> dict[str, dict[str, Any]]:
    return yaml.safe_load((CORPUS / folder / "expect.yaml").read_text(encoding="utf-8")) or {}


def _cases() -> list[Any]:
    out = []
    for folder in FOLDERS:
        for name, spec in sorted(_expectations(folder).items()):
            out.append(pytest.param(folder, name, spec, id=f"{folder}/{name}"))
    return out


CASES = _cases()


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_file_has_an_expectation_and_every_expectation_a_file(folder):
    path = CORPUS / folder
    assert (path / "README.md").is_file()
    files = {p.name for p in path.iterdir() if p.is_file()} - NOT_CASES
    expected = set(_expectations(folder))
    assert files == expected, (sorted(files - expected), sorted(expected - files))
    for name, spec in _expectations(folder).items():
        assert spec["exit"] in (0, 2) and spec["contains"], name


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 100
    assert {folder for folder in FOLDERS if _expectations(folder)} >= {"patient", "model"}


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _check(code: int, out: str, err: str, spec: dict[str, Any], extra: str = "") -> None:
    assert "Traceback" not in out + err and "internal error" not in err, err[:500]
    assert code == spec["exit"], (code, err[:500])
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err[:500]
        assert len(lines[0]) <= MAX_ERROR_CHARS
        assert spec["contains"] in lines[0], lines[0]
    else:
        assert spec["contains"] in out + extra, (out + extra)[:2000]


def _model_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    for spec in SPECS.values():
        shutil.copy(MODELS_DIR / spec.default_file, folder / spec.default_file)
        shutil.copy(table_path(MODELS_DIR / spec.default_file),
                    table_path(folder / spec.default_file))
    return folder


def _run_model_case(path: Path, spec: dict[str, Any], tmp_path: Path, monkeypatch,
                    capsys) -> None:
    folder = _model_folder(tmp_path)
    target = folder / spec["as"]
    shutil.copy(path, target)
    if spec["run"] == "table":
        _check(*_run(["model", "table", str(target)], capsys), spec)
        return
    monkeypatch.setenv("ADVISOR_MODELS", str(folder))
    argv = ["consult", str(EXAMPLE), "--format", "json"]
    code, out, err = _run(argv + (["--trust-models"] if spec["trust"] else []), capsys)
    assert code == 0 and err == "", err[:500]
    result = json.loads(out)
    assert result["risk"] is None
    note = result["risk_note"]
    assert note.startswith("risk model not available: ") and "\n" not in note
    _check(code, note, err, spec)


@pytest.mark.parametrize(("folder", "name", "spec"), CASES)
def test_hostile_input(folder, name, spec, tmp_path, monkeypatch, capsys):
    path = CORPUS / folder / name
    if folder == "model":
        _run_model_case(path, spec, tmp_path, monkeypatch, capsys)
        return
    argv = [a.replace("{file}", str(path)).replace("{tmp}", str(tmp_path))
            for a in spec.get("argv", DEFAULT_ARGV[folder])]
    code, out, err = _run(argv, capsys)
    errors = tmp_path / "errors.csv"
    extra = errors.read_text(errors="replace") if errors.is_file() else ""
    _check(code, out, err, spec, extra)


@pytest.mark.parametrize("name", ["dup-genotype-poor-to-normal.yaml", "alias-bomb-324-bytes.yaml",
                                  "id-octal.yaml"])
def test_patient_files_from_standard_input(name, monkeypatch, capsys):
    spec = _expectations("patient")[name]
    data = (CORPUS / "patient" / name).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    _check(*_run(["consult", "-", "--format", "json"], capsys), spec)
