"""The inference tables that predictions use are pinned to the audited skops files: derived
again from each shipped model they are equal, and their probabilities and intervals equal
the scikit-learn pipeline's to 1e-12 on a synthetic cohort."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from advisor.inputs.patient import validate_patient
from advisor.risk.features import feature_frame
from advisor.risk.model import SPECS
from advisor.risk.persist import load_model
from advisor.risk.predict import risk_block
from advisor.risk.simulate import simulate_cohort
from advisor.risk.specs import INTERVAL_LEVEL
from advisor.risk.table import ScoreTable, file_sha256, load_table, table_path
from tests.conftest import MODELS_DIR, ROOT

TOLERANCE = 1e-12
SHIPPED = [MODELS_DIR / spec.default_file for spec in SPECS.values()]


@pytest.fixture(scope="module")
def cohort(kb):
    return simulate_cohort(kb.effect_sizes, 3000, 11)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_table_is_the_one_derived_from_the_model_file(path):
    shipped = load_table(path)
    derived = ScoreTable.from_model(load_model(path), file_sha256(path))
    assert shipped.model_sha256 == derived.model_sha256 == file_sha256(path)
    assert shipped.meta == derived.meta
    assert shipped.columns == derived.columns
    assert shipped.reference == derived.reference
    assert list(shipped.terms) == list(derived.terms)
    assert abs(shipped.base - derived.base) <= TOLERANCE
    assert max(abs(shipped.terms[k] - derived.terms[k]) for k in derived.terms) <= TOLERANCE


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_table_predictions_equal_the_pipeline(kb, cohort, path):
    model, table = load_model(path), load_table(path)
    features = feature_frame(kb, cohort, history=model.spec.history)
    expected = model.estimator.predict_proba(features[list(model.columns)])[:, 1]
    rows = features[list(model.columns)].to_dict("records")
    got = np.array([table.explain(row)[0] for row in rows])
    assert np.max(np.abs(got - expected)) <= TOLERANCE
    # contributions sum to the log-odds difference from the reference patient
    logit = np.log(expected / (1 - expected))
    sums = np.array([sum(table.contributions(row).values()) for row in rows])
    assert np.max(np.abs(table.base + sums - logit)) <= 1e-9


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_table_intervals_equal_numpy_on_the_ensemble(kb, cohort, path):
    model, table = load_model(path), load_table(path)
    ensemble = table.meta["ensemble"]
    base, deltas = np.asarray(ensemble["base"]), np.asarray(ensemble["deltas"])
    features = feature_frame(kb, cohort.head(300), history=model.spec.history)
    ref = table.reference
    for row in features[list(model.columns)].to_dict("records"):
        weights = []
        for column, key in table.terms:
            value = row[column]
            if table.columns[column]:
                weights.append(float(value == key))
            elif key == "missing":
                weights.append(float(value is None or np.isnan(value)))
            else:
                weights.append(0.0 if value is None or np.isnan(value) else value - ref[column])
        members = 1 / (1 + np.exp(-(base + deltas @ np.asarray(weights))))
        tail = 100 * (1 - INTERVAL_LEVEL) / 2
        lo, hi = np.percentile(members, [tail, 100 - tail])
        p = table.explain(row)[0]
        got = table.interval(row)
        assert got is not None
        assert abs(got[0] - min(lo, p)) <= TOLERANCE and abs(got[1] - max(hi, p)) <= TOLERANCE


def test_a_stale_or_missing_table_is_refused(kb, tmp_path):
    for path in SHIPPED:
        shutil.copy(path, tmp_path / path.name)
        shutil.copy(table_path(path), table_path(tmp_path / path.name))
    stale = table_path(tmp_path / SHIPPED[0].name)
    data = json.loads(stale.read_text())
    data["model_sha256"] = "0" * 64
    stale.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="another version"):
        load_table(tmp_path / SHIPPED[0].name)
    patient = validate_patient(kb, {"seizure_types": ["focal"]})
    risk, note = risk_block(kb, patient, models_dir=tmp_path)  # not the shipped table
    assert risk is None and "not in the manifest" in note and "--trust-models" in note
    risk, note = risk_block(kb, patient, models_dir=tmp_path, trust_models=True)
    assert risk is None and "another version" in note
    table_path(tmp_path / SHIPPED[1].name).unlink()
    stale.write_text(table_path(SHIPPED[0]).read_text())
    risk, note = risk_block(kb, patient, models_dir=tmp_path)
    assert risk is None and "risk table not found" in note


def test_a_consult_imports_neither_scikit_learn_nor_skops():
    example = ROOT / "examples" / "hla-b1502-focal-dre.yaml"
    code = ("import sys\nfrom advisor.cli import main\n"
            f"assert main(['consult', {str(example)!r}, '--format', 'json', '--out', "
            "'/dev/null']) == 0\n"
            "print(sorted(m for m in ('sklearn', 'skops', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
