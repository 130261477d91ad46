"""Model files: the manifest of the shipped files is current and checked on load; files
outside it need --trust-models; any broken model file leaves the consult without a risk
estimate ("risk model not available: ...") instead of failing it; the unpacked size of a
skops archive is bounded before anything is read from it."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.inputs.patient import validate_patient
from advisor.risk import manifest
from advisor.risk.model import SPECS
from advisor.risk.persist import load_model, save_model
from advisor.risk.predict import risk_block, trusting_models
from advisor.risk.table import table_path
from tests.conftest import MODELS_DIR, ROOT

SHIPPED = [MODELS_DIR / spec.default_file for spec in SPECS.values()]
EXAMPLE = ROOT / "examples" / "hla-b1502-focal-dre.yaml"
PATIENT = {"seizure_types": ["focal"], "age_years": 30}


def _copy_models(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in SHIPPED:
        shutil.copy(path, folder / path.name)
        shutil.copy(table_path(path), table_path(folder / path.name))
    return folder


def _edit_table(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def zip_bomb(path: Path, unpacked: int = manifest.MAX_UNPACKED_BYTES + 1_000_000) -> Path:
    """A small skops-looking archive whose schema.json unpacks to ``unpacked`` bytes."""
    with (zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
          archive.open("schema.json", "w", force_zip64=True) as entry):
        block = b" " * 1_000_000
        for _ in range(unpacked // len(block)):
            entry.write(block)
    return path


def _consult_json(tmp_path, monkeypatch, capsys, *extra: str) -> dict:
    out = tmp_path / "result.json"
    assert main(["consult", str(EXAMPLE), "--format", "json", "--out", str(out),
                 *extra]) == 0
    assert capsys.readouterr().err == ""
    return json.loads(out.read_text())


def test_the_manifest_records_every_shipped_model_file():
    recorded = manifest.read_manifest()
    files = {p.name: p for p in MODELS_DIR.iterdir() if p.name.endswith(
        manifest.MODEL_SUFFIXES)}
    assert set(recorded) == set(files)
    for name, path in files.items():
        assert recorded[name] == manifest.file_sha256(path), name


def test_shipped_models_are_verified_and_used(kb):
    risk, note = risk_block(kb, validate_patient(kb, PATIENT))
    assert note is None and risk["p_drug_resistance"] is not None


def test_flipped_coefficients_outside_the_manifest_need_trust(kb, tmp_path):
    folder = _copy_models(tmp_path / "models")
    table = table_path(folder / SHIPPED[0].name)
    _edit_table(table, lambda d: d.update(
        base=-d["base"], terms=[[c, k, -v] for c, k, v in d["terms"]]))
    patient = validate_patient(kb, PATIENT)
    shipped, _ = risk_block(kb, patient)
    risk, note = risk_block(kb, patient, models_dir=folder)
    assert risk is None
    assert note.startswith("risk model not available: ")
    assert "dre_risk.table.json" in note and "not in the manifest" in note
    assert "pass --trust-models" in note
    trusted, note = risk_block(kb, patient, models_dir=folder, trust_models=True)
    assert note is None
    assert trusted["model_version"] == shipped["model_version"]  # same version, other answer
    assert trusted["p_drug_resistance"] != shipped["p_drug_resistance"]


def test_a_changed_shipped_file_is_refused_even_in_the_bundled_folder(kb, tmp_path,
                                                                      monkeypatch):
    folder = _copy_models(tmp_path / "bundled")
    shutil.copy(MODELS_DIR / manifest.MANIFEST_NAME, folder / manifest.MANIFEST_NAME)
    monkeypatch.setattr(manifest, "bundled_dir", lambda: folder)
    patient = validate_patient(kb, PATIENT)
    assert risk_block(kb, patient, models_dir=folder)[1] is None
    table = table_path(folder / SHIPPED[1].name)
    _edit_table(table, lambda d: d.update(base=d["base"] + 1))
    risk, note = risk_block(kb, patient, models_dir=folder)
    assert risk is None and "the shipped model file seizure_freedom.table.json does not " \
                            "match the manifest" in note
    # 'advisor model table' refuses to derive a table from a changed shipped model file
    with (folder / SHIPPED[0].name).open("ab") as handle:
        handle.write(b"\0")
    assert main(["model", "table", str(folder / SHIPPED[0].name)]) == 2


def test_writing_into_the_bundled_folder_keeps_the_manifest_current(kb, tmp_path,
                                                                   monkeypatch):
    folder = _copy_models(tmp_path / "bundled")
    shutil.copy(MODELS_DIR / manifest.MANIFEST_NAME, folder / manifest.MANIFEST_NAME)
    monkeypatch.setattr(manifest, "bundled_dir", lambda: folder)
    model = load_model(SHIPPED[0])
    model.meta["model_version"] = "drug_resistance-retrained"
    save_model(model, folder / SHIPPED[0].name)  # as 'advisor model train' does
    recorded = manifest.read_manifest(folder)
    for name in (SHIPPED[0].name, table_path(SHIPPED[0]).name):
        assert recorded[name] == manifest.file_sha256(folder / name)
    risk, note = risk_block(kb, validate_patient(kb, PATIENT), models_dir=folder)
    assert note is None and risk["model_version"].startswith("drug_resistance-retrained")
    table_path(folder / SHIPPED[1].name).unlink()
    assert main(["model", "table", str(folder / SHIPPED[1].name)]) == 0
    assert manifest.read_manifest(folder)[table_path(SHIPPED[1]).name] == \
        manifest.file_sha256(table_path(folder / SHIPPED[1].name))
    # elsewhere nothing is recorded
    assert manifest.record(tmp_path / "clinic.skops") is None


def test_advisor_models_outside_the_manifest_need_the_flag(tmp_path, monkeypatch, capsys):
    folder = _copy_models(tmp_path / "models")
    _edit_table(table_path(folder / SHIPPED[0].name), lambda d: d["meta"].update(
        model_version="drug_resistance-local"))
    monkeypatch.setenv("ADVISOR_MODELS", str(folder))
    result = _consult_json(tmp_path, monkeypatch, capsys)
    assert result["risk"] is None
    assert "not in the manifest of the shipped models; pass --trust-models" in (
        result["risk_note"])
    result = _consult_json(tmp_path, monkeypatch, capsys, "--trust-models")
    assert result["risk"]["model_version"].startswith("drug_resistance-local+")
    result = _consult_json(tmp_path, monkeypatch, capsys)  # the flag does not linger
    assert result["risk"] is None


def test_trust_is_scoped_to_the_block(kb, tmp_path):
    folder = _copy_models(tmp_path / "models")
    _edit_table(table_path(folder / SHIPPED[0].name), lambda d: d["meta"].update(
        model_version="drug_resistance-local"))
    patient = validate_patient(kb, PATIENT)
    with trusting_models():
        assert risk_block(kb, patient, models_dir=folder)[1] is None
    assert "pass --trust-models" in risk_block(kb, patient, models_dir=folder)[1]


def test_zip_bomb_is_refused_from_the_archive_directory(tmp_path, kb, capsys):
    bomb = zip_bomb(tmp_path / "bomb.skops")
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ValueError, match="unpacks to"):
        load_model(bomb)
    assert main(["model", "table", str(bomb)]) == 2
    err = capsys.readouterr().err
    assert "unpacks to" in err and len(err.splitlines()) == 1
    folder = _copy_models(tmp_path / "models")
    zip_bomb(folder / SHIPPED[0].name)
    risk, note = risk_block(kb, validate_patient(kb, PATIENT), models_dir=folder,
                            trust_models=True)
    assert risk is None and "unpacks to" in note


@pytest.mark.parametrize(("content", "needle"), [
    (b"not a zip", "not a skops model file"),
    (b"", "not a skops model file"),
    (None, "not a skops model file"),  # a zip with a malformed schema
    ("truncated", "not a skops model file"),
])
def test_malformed_skops_files(tmp_path, kb, capsys, content, needle):
    path = tmp_path / "bad.skops"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("schema.json", "{\"__class__\": [1, {")
    elif content == "truncated":
        path.write_bytes(SHIPPED[0].read_bytes()[:5000])
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=needle):
        load_model(path)
    assert main(["model", "table", str(path)]) == 2
    assert needle in capsys.readouterr().err


@pytest.mark.parametrize(("change", "needle"), [
    (lambda d: d["terms"].pop(), "no term for"),
    (lambda d: d["terms"].append(["nowhere", "x", 0.1]), "unknown column"),
    (lambda d: d.update(base=True), "finite number"),
    (lambda d: d.update(base=1e300), "finite number"),
    (lambda d: d["meta"].update(kind="other"), "unknown model kind"),
    (lambda d: d["meta"]["ensemble"]["deltas"][0].pop(), "ensemble"),
    (lambda d: d["meta"].pop("held_out_metrics"), "held_out_metrics"),
    (lambda d: d.update(format="other"), "expected format"),
    (lambda d: d["meta"].update(evidence=[1, 2]), "evidence"),
])
def test_incomplete_or_malformed_tables(kb, tmp_path, change, needle):
    folder = _copy_models(tmp_path / "models")
    _edit_table(table_path(folder / SHIPPED[0].name), change)
    risk, note = risk_block(kb, validate_patient(kb, PATIENT), models_dir=folder,
                            trust_models=True)
    assert risk is None and note.startswith("risk model not available: ")
    assert needle in note


def test_a_table_of_other_features_is_not_applied(kb, tmp_path):
    folder = _copy_models(tmp_path / "models")

    def rename(d):
        column = next(iter(d["columns"]))
        d["columns"] = {("renamed" if c == column else c): v for c, v in d["columns"].items()}
        d["reference"]["renamed"] = d["reference"].pop(column)
        d["terms"] = [["renamed" if c == column else c, k, v] for c, k, v in d["terms"]]

    _edit_table(table_path(folder / SHIPPED[0].name), rename)
    risk, note = risk_block(kb, validate_patient(kb, PATIENT), models_dir=folder,
                            trust_models=True)
    assert risk is None and "trained on other features" in note
