"""Rows screened before are mapped to their combination without being checked again: the
results and errors are those of screening the whole table as one chunk, also where rows
repeat with errors (bad cells, genotypes that do not translate, rows the reader could not
use, repeated and missing sample ids)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import advisor.seen_rows as seen_rows
from advisor.cohort import screen
from tests.cohort_builder import synthetic_cohort


def _repeating_cohort(path: Path, n: int = 2400, seed: int = 5) -> None:
    """A cohort drawn from 60 rows (a quarter malformed), with unique ids but for a few
    repeated and blank ones, an id-only row, and lines with a wrong number of fields."""
    templates, broken = synthetic_cohort(60, seed=seed, malformed=0.25)
    assert len(broken) == 15
    rng = np.random.default_rng(seed)
    table = templates.iloc[rng.integers(0, len(templates), n)].reset_index(drop=True)
    table["sample_id"] = [f"R{i}" for i in range(n)]
    table.loc[rng.choice(n, 12, replace=False), "sample_id"] = ""
    repeated = rng.choice(np.arange(100, n), 12, replace=False)
    table.loc[repeated, "sample_id"] = table.loc[repeated - 50, "sample_id"].to_numpy()
    table.loc[n // 2, [c for c in table.columns if c != "sample_id"]] = ""
    lines = table.to_csv(index=False).splitlines()
    for at in (700, 1500, 2100):  # each a row of its own, with too few fields
        lines.insert(at, f"BAD{at},*1/*1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _results(store: Path) -> tuple[pd.DataFrame, list[tuple]]:
    samples = pd.read_parquet(store / "samples").sort_values("sample_id", ignore_index=True)
    flags = pd.read_parquet(store / "flags").merge(pd.read_parquet(store / "messages"),
                                                  on="message_id")
    per_sample = samples[["sample_id", "combination"]].merge(flags, on="combination")
    rows = sorted(tuple(str(v) for v in r) for r in per_sample.drop(
        columns=["combination", "message_id"]).itertuples(index=False))
    return samples, rows


def test_rows_seen_in_earlier_chunks_give_the_results_of_one_chunk(kb, tmp_path,
                                                                    monkeypatch):
    path = tmp_path / "cohort.csv"
    _repeating_cohort(path)
    hits = []
    find = seen_rows.SeenRows.find

    def counted(self, keys):
        found = find(self, keys)
        hits.append(int((found >= 0).sum()))
        return found

    monkeypatch.setattr(seen_rows.SeenRows, "find", counted)
    whole = screen(kb, path, tmp_path / "one", tmp_path / "one.csv", chunksize=10_000)
    assert hits == [0]
    chunked = screen(kb, path, tmp_path / "many", tmp_path / "many.csv", chunksize=41)
    assert sum(hits) > 1000  # distinct rows of later chunks found seen before
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "many.csv").read_bytes()
    errors = pd.read_csv(tmp_path / "one.csv", dtype=str, keep_default_na=False)
    for kind in ("duplicate sample_id", "missing sample_id", "unknown allele",  # translation
                 "fields where the header has", "unknown drug 'carbamazapine'"):
        assert errors["error"].str.contains(kind, regex=False).sum() > 1, kind
    assert (whole.input_samples, whole.processed, whole.error_rows) == (
        chunked.input_samples, chunked.processed, chunked.error_rows) == (
        2403, whole.input_samples - errors["row"].nunique(), errors["row"].nunique())
    one, many = _results(tmp_path / "one"), _results(tmp_path / "many")
    pd.testing.assert_frame_equal(one[0], many[0])  # combinations numbered alike
    assert one[1] == many[1] and len(one[1]) > 2000
    manifests = [json.loads((tmp_path / d / "manifest.json").read_text())
                 for d in ("one", "many")]
    assert manifests[0]["combinations"] == manifests[1]["combinations"]


def test_looking_rows_up_stops_when_a_chunk_finds_too_few():
    rows = seen_rows.SeenRows()
    first = rows.keys({"a": np.array(["x", "y", None, "z"], dtype=object)}, 4)
    assert rows.find(first).tolist() == [-1] * 4
    rows.remember(first, np.array([0, 1, 2, -1]))
    # a later chunk: three of its four rows were screened without error before
    again = rows.keys({"a": pd.Categorical(["y", None, "z", "x"])}, 4)
    assert rows.find(again).tolist() == [1, 2, -1, 0] and rows.active
    rows.remember(again, np.array([-1, -1, 3, -1]))  # (the rows checked: "z")
    assert rows.find(again).tolist() == [1, 2, 3, 0]
    # one found of five: fewer than a quarter, so the rest of the run checks every row
    fresh = rows.keys({"a": np.array(["x", "p", "q", "r", "s"], dtype=object)}, 5)
    assert rows.find(fresh).tolist() == [0, -1, -1, -1, -1] and not rows.active
    rows.remember(fresh, np.arange(5))
    assert rows.find(rows.keys({"a": np.array(["p"], dtype=object)}, 1)).tolist() == [-1]


def test_chunks_with_other_columns_are_not_compared():
    rows = seen_rows.SeenRows()

    def cells(*values):
        return np.array(values, dtype=object)

    keys = rows.keys({"a": cells("x", "z", "x"), "b": cells("y", "w", "w")}, 3)
    rows.remember(keys, np.array([10, 11, 12]))
    assert rows.find(rows.keys({"a": cells("z"), "b": cells("w")}, 1)).tolist() == [11]
    # a=z, b=y was never screened; with the columns swapped its codes are those of a=x, b=w
    swapped = rows.keys({"b": cells("y"), "a": cells("z")}, 1)
    assert rows.find(swapped).tolist() == [-1] and not rows.active
