"""Each distinct combination is judged once: the screen's results equal judging every row,
every sample is accounted for, the store joins back to the long table, and the screen
agrees with the consult."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.cli import main
from advisor.cohort import judge, screen, screen_chunks
from advisor.combinations import bins, cut_points, first_of_codes
from advisor.consult import consult
from advisor.frame import frame_from_table, with_candidates
from advisor.genotype import column
from advisor.inputs.patient import validate_patient
from advisor.rules import evaluate
from tests.cohort_builder import synthetic_cohort

FLAG_FIELDS = ["drug", "category", "action", "severity", "gene", "message", "rule", "evidence",
               "evidence_level"]


def _plain(value: object) -> object:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def reference(kb, table: pd.DataFrame) -> tuple[list[tuple], list[tuple], pd.DataFrame]:
    """Flags (in order) and phenotypes of every good row, judging every row on its own."""
    frame, errors = frame_from_table(kb, table)
    bad = np.zeros(len(table), dtype=bool)
    bad[errors["row"].to_numpy(dtype=np.int64) - 1] = True
    flags = judge(kb, frame, None)
    flags = flags[~bad[flags["row"].to_numpy(dtype=np.int64)]]
    ids = frame.ids.to_numpy(dtype=object)
    got = [(ids[r], *(_plain(v) for v in values)) for r, *values in zip(
        flags["row"], *(flags[c].to_numpy(dtype=object) for c in FLAG_FIELDS), strict=True)]
    keys = [k for k in table.columns if k in kb.input_keys]
    phen = [(ids[r], *(_plain(frame.calls[column(k, f)].iloc[r]) for k in keys
                       for f in ("display", "phenotype", "activity_score")))
            for r in np.flatnonzero(~bad)]
    return got, phen, errors


def from_long(results: pd.DataFrame, keys: list[str]) -> tuple[list[tuple], list[tuple]]:
    flags = results[results["record"] == "flag"]
    got = [tuple(_plain(v) for v in row) for row in zip(
        flags["sample_id"], *(flags[c].to_numpy(dtype=object) for c in FLAG_FIELDS),
        strict=True)]
    pheno = results[results["record"] == "phenotypes"]
    cols = [f"{k}.{f}" for k in keys for f in ("genotype", "phenotype", "activity_score")]
    phen = [tuple(_plain(v) for v in row) for row in zip(
        pheno["sample_id"], *(pheno[c].to_numpy(dtype=object) for c in cols), strict=True)]
    return got, phen


@pytest.fixture(scope="module")
def cohort() -> tuple[pd.DataFrame, dict[int, str]]:
    return synthetic_cohort(3000, seed=3, malformed=0.01)


def test_cut_points_are_the_knowledge_bases_bands(kb):
    cuts = cut_points(kb)
    for _, rule in kb.rules:
        for cond in rule.when:
            for name, band in (("age_years", cond.age_years), ("weight_kg", cond.weight_kg)):
                if band is not None:
                    assert {b for b in (band.lo, band.hi) if b is not None} <= set(cuts[name])
    for drug in kb.drugs.values():
        for band in drug.dosing.renal:
            if band.crcl_ml_min is not None:
                limits = {band.crcl_ml_min.lo, band.crcl_ml_min.hi} - {None}
                assert limits <= set(cuts["renal_clearance_ml_min"])
    # values on either side of a cut point, or on it, fall in different bins
    edge = cuts["age_years"][5]
    codes = bins(np.array([edge - 0.01, edge, edge + 0.01, np.nan]), cuts["age_years"])
    assert len(set(codes)) == 4 and codes[-1] == -1


def test_dedupe_equals_judging_every_row(kb, cohort):
    table, broken = cohort
    expected_flags, expected_phen, expected_errors = reference(kb, table)
    results, errors = [], []
    chunks = [table.iloc[i:i + 700] for i in range(0, len(table), 700)]
    summary = screen_chunks(kb, chunks, lambda r, e: (results.append(r), errors.append(e)))
    keys = [k for k in table.columns if k in kb.input_keys]
    got_flags, got_phen = from_long(pd.concat(results, ignore_index=True), keys)
    assert got_flags == expected_flags  # same flags, same order, every column
    assert got_phen == expected_phen
    err = pd.concat(errors, ignore_index=True)
    pd.testing.assert_frame_equal(err.reset_index(drop=True).astype(str),
                                  expected_errors.astype(str))
    assert set(broken) <= set(err["row"])
    assert summary.input_samples == summary.processed + summary.error_rows == len(table)
    assert summary.processed == len(expected_phen)
    # the summary counts samples per (drug, category, action) of flags asking for an action
    per_sample = {(f[0], f[1], f[2], f[3]) for f in expected_flags if f[3] != "info"}
    want = Counter((d, c, a) for _, d, c, a in per_sample)
    assert dict(summary.flags) == dict(want)
    genotypes = Counter(p[1 + 3 * keys.index("HLA-B*15:02")] for p in expected_phen)
    assert dict(summary.phenotypes["HLA-B*15:02"]) == {k: v for k, v in genotypes.items()
                                                       if k is not None}


def test_store_joins_back_to_the_long_table_and_counts_every_sample(kb, cohort, tmp_path):
    table, _ = cohort
    path = tmp_path / "cohort.csv"
    table.to_csv(path, index=False)
    store, long = tmp_path / "store", tmp_path / "long.parquet"
    summary = screen(kb, path, store, tmp_path / "e1.csv", chunksize=800)
    screen(kb, path, long, tmp_path / "e2.csv", chunksize=800)
    assert (tmp_path / "e1.csv").read_bytes() == (tmp_path / "e2.csv").read_bytes()
    samples = pd.read_parquet(store / "samples")
    flags = pd.read_parquet(store / "flags")
    messages = pd.read_parquet(store / "messages")
    errors = pd.read_csv(tmp_path / "e1.csv", dtype=str)
    # processed + errored = input, and no sample in both
    assert len(samples) + errors["row"].nunique() == len(table) == summary.input_samples
    assert not set(samples["sample_id"]) & set(errors["sample_id"].dropna())
    assert samples["sample_id"].is_unique and messages["message_id"].is_unique
    joined = (samples[["sample_id", "combination"]].merge(flags, on="combination")
              .merge(messages, on="message_id"))
    results = pd.read_parquet(long)
    want = results[results["record"] == "flag"]
    rows = sorted(tuple(map(_plain, r)) for r in joined[["sample_id", *FLAG_FIELDS]]
                  .itertuples(index=False))
    assert rows == sorted(tuple(map(_plain, r)) for r in want[["sample_id", *FLAG_FIELDS]]
                          .itertuples(index=False))
    manifest = json.loads((store / "manifest.json").read_text())
    assert manifest["processed"] == len(samples)
    assert manifest["combinations"] >= samples["combination"].nunique()


def _patient(row: pd.Series, keys: list[str]) -> dict:
    """A patient file's data from a cohort row."""
    def items(name: str) -> list[str]:
        return [x for x in row[name].split(";") if x]

    def number(name: str) -> float | None:
        return float(row[name]) if row[name] else None

    renal = {k: number(k) for k in ("egfr_ml_min", "creatinine_clearance_ml_min")
             if row[k]}
    if row["dialysis"]:
        renal["dialysis"] = row["dialysis"]
    return {
        "id": row["sample_id"], "seizure_types": items("seizure_types"),
        "syndrome": row["syndrome"] or None, "sex": row["sex"] or None,
        "age_years": number("age_years"), "weight_kg": number("weight_kg"),
        "pregnancy": row["pregnancy"] or None, "conditions": items("conditions"),
        "genotypes": {k: row[k] for k in keys if row[k]},
        "current_medications": items("current_medications"),
        "candidate_drugs": items("candidate_drugs"),
        "renal": renal or None,
        "hepatic": {"child_pugh": row["child_pugh"]} if row["child_pugh"] else None,
        "adverse_reactions": [dict(zip(("drug", "reaction"), x.split(":"), strict=True))
                              for x in items("adverse_reactions")],
        "clinical": {"age_at_onset_years": number("age_at_onset_years")},
    }


def screen_equals_consult(kb, table: pd.DataFrame, n: int, tmp_path: Path) -> int:
    """Screen ``table``; for ``n`` random processed samples of distinct rows, the consult
    gives the same flags. Returns how many were compared."""
    path = tmp_path / "cohort.csv"
    table.to_csv(path, index=False)
    screen(kb, path, tmp_path / "store", tmp_path / "errors.csv")
    samples = pd.read_parquet(tmp_path / "store" / "samples")
    flags = pd.read_parquet(tmp_path / "store" / "flags").merge(
        pd.read_parquet(tmp_path / "store" / "messages"), on="message_id")
    typed = set(table.loc[table["seizure_types"] != "", "sample_id"])  # a patient file needs one
    distinct = samples[samples["sample_id"].isin(typed)].drop_duplicates("combination")
    chosen = distinct.sample(min(n, len(distinct)), random_state=1)
    by_id = table.set_index("sample_id", drop=False)
    keys = [k for k in table.columns if k in kb.input_keys]
    for sample_id, comb in zip(chosen["sample_id"], chosen["combination"], strict=True):
        patient = _patient(by_id.loc[sample_id], keys)
        res = consult(kb, validate_patient(kb, patient))
        want = sorted((f.drug, f.category, f.action, f.severity, f.rule, f.message)
                      for f in res.flags)
        mine = flags[flags["combination"] == comb]
        got = sorted(zip(*(mine[c].astype(str) for c in ("drug", "category", "action",
                                                        "severity", "rule", "message")),
                         strict=True))
        assert got == want, sample_id
    return len(chosen)


def test_screen_equals_consult_for_random_distinct_rows(kb, tmp_path):
    table, _ = synthetic_cohort(2000, seed=11)
    assert screen_equals_consult(kb, table, 60, tmp_path) == 60


@pytest.mark.slow
def test_screen_equals_consult_for_1000_distinct_rows_of_100k(kb, tmp_path):
    table, _ = synthetic_cohort(100_000, seed=12, malformed=0.01)
    assert screen_equals_consult(kb, table, 1000, tmp_path) == 1000


def test_cli_writes_the_store_by_default_and_the_long_table_on_request(cohort, tmp_path,
                                                                       capsys):
    table, _ = cohort
    path = tmp_path / "cohort.csv"
    table.iloc[:300].to_csv(path, index=False)
    assert main(["screen", str(path), "--out", str(tmp_path / "res")]) == 0
    assert len(pd.read_parquet(tmp_path / "res" / "samples")) + len(
        pd.read_csv(tmp_path / "res.errors.csv")["row"].unique()) == 300
    assert main(["screen", str(path), "--out", str(tmp_path / "long.tsv"), "--long"]) == 0
    assert set(pd.read_csv(tmp_path / "long.tsv", sep="\t")["record"]) == {"phenotypes",
                                                                          "flag"}
    capsys.readouterr()
    assert main(["screen", str(path), "--out", str(tmp_path / "table"), "--long"]) == 2
    assert "needs a file name ending in .csv, .tsv or .parquet" in capsys.readouterr().err


def test_a_genotype_error_recurring_in_later_chunks_is_reported_for_every_sample(kb):
    """A combination judged in an earlier chunk is not translated again; its genotype error
    still reaches each later sample that has it (the errors equal judging every row)."""
    rows = [{"sample_id": f"S{i}", "age_years": 40, "seizure_types": "focal",
             "CYP2C9": "*1/*99" if i % 2 else "*1/*1"} for i in range(1, 13)]
    table = pd.DataFrame(rows)
    _, _, expected = reference(kb, table)
    assert len(expected) == 6
    results, errors = [], []
    screen_chunks(kb, [table.iloc[i:i + 4] for i in range(0, len(table), 4)],
                  lambda r, e: (results.append(r), errors.append(e)))
    got = pd.concat(errors, ignore_index=True)
    pd.testing.assert_frame_equal(got.reset_index(drop=True).astype(str),
                                  expected.astype(str))


def test_a_failed_store_write_fails_the_run_and_leaves_nothing(kb, cohort, tmp_path,
                                                               monkeypatch):
    """The store's Parquet files are written by a background thread: a write that fails
    (here the third chunk's flags) fails the screen with its own error, and, as for any
    failed run, neither the store nor the errors file is left behind."""
    import advisor.cohort_store as store_module

    table, _ = cohort
    path = tmp_path / "cohort.csv"
    table.to_csv(path, index=False)
    write, calls = store_module._write, []

    def failing(arrow_table, target):
        calls.append(target)
        if len(calls) == 6:
            raise OSError("disk full")
        write(arrow_table, target)

    monkeypatch.setattr(store_module, "_write", failing)
    with pytest.raises(OSError, match="disk full"):
        screen(kb, path, tmp_path / "store", tmp_path / "errors.csv", chunksize=800)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv"]


def _every_asm_then_kept(kb, frame) -> pd.DataFrame:
    """What the screen reports, by its definition: every ASM judged for every row; kept,
    the flags on a row's candidates and current medications and every 'avoid' flag."""
    flags = evaluate(kb, with_candidates(kb, frame, list(kb.drugs)))
    pairs = pd.concat([frame.candidates, frame.current])
    judged = pd.MultiIndex.from_arrays([pairs["row"].to_numpy(dtype=np.int64),
                                        pairs["drug"].to_numpy(dtype=object)])
    keys = pd.MultiIndex.from_arrays([flags["row"].to_numpy(dtype=np.int64),
                                      flags["drug"].to_numpy(dtype=object)])
    return flags[keys.isin(judged) | (flags["action"] == "avoid").to_numpy()]


@pytest.mark.parametrize("drop", [(), ("seizure_types", "syndrome")])
def test_other_asms_judged_for_avoid_only_equal_judging_every_asm(kb, cohort, drop):
    table = cohort[0].drop(columns=list(drop))
    frame, _ = frame_from_table(kb, table)
    got = judge(kb, frame, None)
    want = _every_asm_then_kept(kb, frame)
    assert len(got) > len(frame) and (got["action"] == "avoid").any()
    pd.testing.assert_frame_equal(got.astype(object).reset_index(drop=True),
                                  want.astype(object).reset_index(drop=True))
    if drop:  # without seizure types every ASM is a candidate
        return
    # flags on an ASM neither a candidate nor taken: only 'avoid' (the second pass)
    pairs = set(zip(frame.candidates["row"], frame.candidates["drug"], strict=True)) | set(
        zip(frame.current["row"], frame.current["drug"], strict=True))
    others = [(r, d) for r, d in zip(got["row"], got["drug"], strict=True)
              if (r, d) not in pairs]
    assert others and set(got.set_index(["row", "drug"]).loc[others, "action"]) == {"avoid"}


def test_first_of_codes_is_each_codes_first_position():
    rng = np.random.default_rng(0)
    for n in (0, 1, 5, 10_000):
        codes = pd.factorize(rng.integers(0, 50, n))[0].astype(np.int64)
        np.testing.assert_array_equal(first_of_codes(codes),
                                      np.unique(codes, return_index=True)[1])


def test_combined_columns_grow_by_chunk_and_keep_first_appearance_order():
    """The store's per-combination columns are added to chunk by chunk (not rebuilt from
    every earlier chunk): codes stay those of pd.factorize over the whole column, a column
    first seen in a later chunk is missing for the earlier rows, and growing past the
    first allocation keeps every value."""
    from advisor.cohort_store import _Column

    rng = np.random.default_rng(2)
    chunks = [rng.choice(np.array(values, dtype=object), size=n) for values, n in (
        (["PM", "IM", None], 700), (["NM"], 1), (["PM"], 0), (["UM", "PM", None, "RM"], 1500))]
    text, late, score = _Column("text"), _Column("text"), _Column("float")
    done = 0
    for i, cells in enumerate(chunks):
        done += len(cells)
        text.extend(pd.Categorical(cells) if i % 2 else cells, done)
        so_far = pd.factorize(np.concatenate(chunks[:i + 1]))[1]
        assert text.uniques.tolist() == list(so_far)  # read between chunks, too
        late.extend(cells if i == 3 else None, done)
        score.extend(np.where(pd.isna(cells), np.nan, 1.5), done)
    whole = np.concatenate(chunks)
    codes, uniques = pd.factorize(whole)
    assert text.values.tolist() == codes.tolist() and text.uniques.tolist() == list(uniques)
    assert (late.values[:701] == -1).all()
    assert late.uniques[late.values[701:][late.values[701:] >= 0]].tolist() == [
        v for v in chunks[3] if v is not None]
    assert np.isnan(score.values).tolist() == pd.isna(whole).tolist() and score.n == 2201
