"""Cohort screening: bad rows reported, nothing lost, one engine with the consult."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.cli import main
from advisor.cohort import screen
from advisor.consult import consult
from advisor.inputs.patient import validate_patient

GOOD = {
    "CYP2C9": ["*1/*1", "*1/*3", "*3/*3", "*2/*3", ""],
    "CYP2C19": ["*1/*1", "*2/*2", "*1/*17", "*2/*17", ""],
    "HLA-B*15:02": ["negative", "positive", "", "negative", "negative"],
    "rs1045642": ["C/C", "C/T", "T/T", "", "CT"],
    "seizure_types": ["focal", "absence", "focal;generalized_tonic_clonic", "myoclonic",
                      "focal"],
    "current_medications": ["", "valproate", "Tegretol;combined_oral_contraceptive",
                            "lamotrigine", ""],
}
BAD = [("CYP2C9", "*1/*99"), ("HLA-B*15:02", "maybe"), ("current_medications", "carbamazapine"),
       ("CYP2C19", "2/2"), ("seizure_types", "petit_mal")]


def make_cohort(n: int, bad_every: int, seed: int = 7) -> tuple[pd.DataFrame, dict[int, str]]:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({"sample_id": [f"S{i:05d}" for i in range(n)],
                          **{k: rng.choice(v, size=n) for k, v in GOOD.items()}})
    broken: dict[int, str] = {}
    for j, i in enumerate(range(bad_every // 2, n, bad_every)):
        field, value = BAD[j % len(BAD)]
        table.loc[i, field] = value
        broken[i + 1] = field  # 1-based data row
    return table, broken


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> tuple[Path, dict[int, str], pd.DataFrame]:
    table, broken = make_cohort(1000, 100)  # 1% malformed rows
    path = tmp_path_factory.mktemp("cohort") / "cohort.csv"
    table.to_csv(path, index=False)
    return path, broken, table


def test_bad_rows_reported_and_all_others_processed(kb, cohort, tmp_path):
    path, broken, _ = cohort
    out, err = tmp_path / "res.csv", tmp_path / "err.csv"
    summary = screen(kb, path, out, err, chunksize=137)
    errors = pd.read_csv(err)
    assert sorted(errors["row"].unique()) == sorted(broken)
    assert dict(zip(errors["row"], errors["field"], strict=True)) == broken
    assert set(errors.columns) == {"row", "sample_id", "field", "value", "error"}
    results = pd.read_csv(out, dtype=str)
    processed = results.loc[results["record"] == "phenotypes", "sample_id"]
    assert len(processed) == 1000 - len(broken) == summary.processed
    assert summary.input_samples == summary.processed + summary.error_rows == 1000
    bad_ids = {f"S{r - 1:05d}" for r in broken}
    assert not bad_ids & set(results["sample_id"])
    assert errors.loc[errors["field"] == "CYP2C9", "error"].str.contains("unknown allele").all()


def test_screen_flags_equal_consult_flags(kb, cohort, tmp_path):
    path, broken, table = cohort
    out = tmp_path / "res.parquet"
    screen(kb, path, out, tmp_path / "err.csv", chunksize=250)
    results = pd.read_parquet(out)
    flags = results[results["record"] == "flag"]
    for i in [0, 3, 17, 42, 211, 998]:
        if i + 1 in broken:
            continue
        row = table.iloc[i]
        patient = {"id": row["sample_id"], "seizure_types": row["seizure_types"].split(";"),
                   "genotypes": {k: row[k] for k in ("CYP2C9", "CYP2C19", "HLA-B*15:02",
                                                     "rs1045642") if row[k]},
                   "current_medications": [m for m in row["current_medications"].split(";")
                                           if m]}
        res = consult(kb, validate_patient(kb, patient))
        expected = sorted((f.drug, f.category, f.action, f.rule) for f in res.flags)
        mine = flags[flags["sample_id"] == row["sample_id"]]
        got = sorted(zip(mine["drug"], mine["category"], mine["action"], mine["rule"],
                         strict=True))
        assert got == expected, row["sample_id"]


def test_pandas_and_dask_engines_identical(kb, cohort, tmp_path):
    path, _, _ = cohort
    a, b = tmp_path / "pandas.csv", tmp_path / "dask.csv"
    assert main(["screen", str(path), "--out", str(a), "--errors", str(tmp_path / "ea.csv"),
                 "--chunksize", "300"]) == 0
    assert main(["screen", str(path), "--out", str(b), "--errors", str(tmp_path / "eb.csv"),
                 "--engine", "dask"]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "ea.csv").read_bytes() == (tmp_path / "eb.csv").read_bytes()


def test_summary_report_and_drug_restriction(kb, cohort, tmp_path, capsys):
    path, _, _ = cohort
    report = tmp_path / "summary.html"
    assert main(["screen", str(path), "--out", str(tmp_path / "r.csv"), "--drugs",
                 "carbamazepine,Dilantin", "--report", str(report)]) == 0
    text = capsys.readouterr().out
    assert "samples: 1000 in" in text and "carbamazepine, hypersensitivity, avoid" in text
    results = pd.read_csv(tmp_path / "r.csv", dtype=str)
    assert set(results["drug"].dropna()) <= {"carbamazepine", "phenytoin",
                                             "combined_oral_contraceptive"}
    html = report.read_text()
    assert "data:image/png;base64," in html and "does not replace clinical judgment" in html


@pytest.mark.parametrize(("content", "needle"), [
    (None, "file not found"),
    ("id,CYP2C9\nA,*1/*1\n", "needs a sample_id column"),
    ("sample_id,CYP2C8\nA,*1/*1\n", "column CYP2C8: unknown gene"),
    ("", "the file is empty"),
])
def test_unusable_input_exits_2(tmp_path, capsys, content, needle):
    path = tmp_path / "c.csv"
    if content is not None:
        path.write_text(content)
    assert main(["screen", str(path), "--out", str(tmp_path / "r.csv")]) == 2
    assert needle in capsys.readouterr().err


def test_a_combination_product_is_judged_by_its_components_in_the_screen_as_in_the_consult(
        kb, tmp_path):
    """Rifinah (rifampicin + isoniazid) with carbamazepine: both components' interactions,
    in the screen and the consult alike (it had been read as rifampicin alone, so isoniazid's
    rise of carbamazepine went unsaid; review H H1)."""
    table = pd.DataFrame({"sample_id": ["R1", "R2"], "seizure_types": ["focal", "focal"],
                          "current_medications": ["carbamazepine;Rifinah",
                                                  "carbamazepine;rifampicin"]})
    path, out = tmp_path / "tb.csv", tmp_path / "tb.csv.out.csv"
    table.to_csv(path, index=False)
    screen(kb, path, out, tmp_path / "err.csv", long=True)
    results = pd.read_csv(out, dtype=str)
    flags = results[(results["record"] == "flag") & (results["drug"] == "carbamazepine")]
    rules = {sid: set(flags.loc[flags["sample_id"] == sid, "rule"]) for sid in ("R1", "R2")}
    assert {"interaction:isoniazid-raises-phenytoin-carbamazepine",
            "interaction:rifampicin-lowers-carbamazepine"} <= rules["R1"]
    assert "interaction:isoniazid-raises-phenytoin-carbamazepine" not in rules["R2"]
    res = consult(kb, validate_patient(kb, {"seizure_types": ["focal"],
                                            "current_medications": ["carbamazepine",
                                                                    "Rifinah"]}))
    assert rules["R1"] == {f.rule for f in res.flags if f.drug == "carbamazepine"}
