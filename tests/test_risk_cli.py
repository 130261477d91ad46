"""``advisor model simulate / train / evaluate`` end to end, through ``register``."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from advisor.cli.model import register
from advisor.errors import InputError
from advisor.risk.persist import load_model
from tests.conftest import KB_DIR

SMALL = "4000"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="advisor")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["model", *argv])
    return args.func(args)


@pytest.fixture(scope="module")
def cohort_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("risk") / "clinic.csv"
    assert run("simulate", "--n", SMALL, "--seed", "3", "--out", str(path),
               "--kb", str(KB_DIR)) == 0
    return path


def test_simulate_parquet_matches_csv(tmp_path, cohort_csv):
    out = tmp_path / "cohort.parquet"
    assert run("simulate", "--n", SMALL, "--seed", "3", "--out", str(out)) == 0
    parquet, csv = pd.read_parquet(out), pd.read_csv(cohort_csv)
    assert len(parquet) == len(csv) == int(SMALL)
    assert list(parquet.columns) == list(csv.columns)


def test_train_and_evaluate_a_clinic_table(tmp_path, cohort_csv, capsys):
    model_path = tmp_path / "clinic.skops"
    assert run("train", str(cohort_csv), "--outcome", "seizure_free_next_regimen",
               "--out", str(model_path), "--bootstrap", "50", "--members", "5") == 0
    out = capsys.readouterr().out
    assert "ROC AUC" in out and "rows without an outcome left out" in out
    assert "bootstrap resamples of the training rows" in out
    model = load_model(model_path)
    assert model.meta["training_data"]["source"] == "file" and model.meta["evidence"] == []
    assert model.meta["ensemble"]["kind"] == "bootstrap"

    plot, metrics = tmp_path / "reliability.png", tmp_path / "metrics.json"
    holdout = tmp_path / "holdout.csv"
    run("simulate", "--n", SMALL, "--seed", "4", "--out", str(holdout))
    assert run("evaluate", str(model_path), "--cohort", str(holdout), "--bootstrap", "50",
               "--plot", str(plot), "--json", str(metrics)) == 0
    out = capsys.readouterr().out
    for words in ("ROC AUC", "95% CI", "Brier score", "calibration slope", "intercept",
                  "published"):
        assert words in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads(metrics.read_text())["seizure_freedom"]
    assert {"roc_auc", "roc_auc_ci95", "brier", "calibration_slope",
            "calibration_intercept"} <= set(report["metrics"])
    assert len(report["regimen_check"]) == 4
    for row in report["regimen_check"]:
        assert row["interval"][0] <= row["predicted"] <= row["interval"][1]


def test_train_synthetic_and_evaluate_it(tmp_path, capsys):
    model_path = tmp_path / "dre.skops"
    assert run("train", "synthetic", "--outcome", "drug_resistant", "--n", SMALL,
               "--out", str(model_path), "--bootstrap", "50", "--members", "4",
               "--member-n", "2000") == 0
    assert run("evaluate", str(model_path), "--n", SMALL, "--bootstrap", "50") == 0
    out = capsys.readouterr().out
    assert "held out" in out and "drug_resistance" in out
    assert "drawn within their 95% confidence intervals" in out
    assert load_model(model_path).meta["ensemble"]["members"] == 4


def test_evaluate_shipped_models_by_default(capsys):
    assert run("evaluate", "--n", SMALL, "--bootstrap", "20") == 0
    out = capsys.readouterr().out
    assert "drug_resistance (" in out and "seizure_freedom (" in out


def test_bad_column_is_named(tmp_path, cohort_csv):
    table = pd.read_csv(cohort_csv).drop(columns="febrile_seizures_history")
    path = tmp_path / "bad.csv"
    table.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        run("train", str(path), "--outcome", "drug_resistant")
    assert err.value.field == "febrile_seizures_history"


def test_bad_outcome_values_and_names(tmp_path, cohort_csv):
    table = pd.read_csv(cohort_csv, dtype=str)
    table.loc[5, "drug_resistant"] = "perhaps"
    path = tmp_path / "bad.csv"
    table.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        run("train", str(path), "--outcome", "drug_resistant")
    assert (err.value.field, err.value.value) == ("drug_resistant", "perhaps")
    with pytest.raises(InputError) as err:
        run("train", str(cohort_csv), "--outcome", "no_such_column", "--kind",
            "drug_resistance")
    assert err.value.field == "no_such_column"
    with pytest.raises(InputError) as err:
        run("train", str(cohort_csv), "--outcome", "relapse")
    assert err.value.field == "--kind"


def test_bad_files(tmp_path):
    with pytest.raises(InputError) as err:
        run("simulate", "--n", "10", "--out", str(tmp_path / "cohort.xlsx"))
    assert err.value.field == "--out"
    with pytest.raises(InputError) as err:
        run("train", str(tmp_path / "absent.csv"), "--outcome", "drug_resistant")
    assert err.value.field == "cohort"
    with pytest.raises(InputError) as err:
        run("evaluate", str(tmp_path / "absent.skops"))
    assert err.value.field == "model"
