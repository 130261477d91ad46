"""The Dask engine gives the pandas engine's results (store and long table) and errors,
unreadable rows and repeated ids included, reads the input once, and leaves no worker
process behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import psutil
import pytest

from advisor.cohort import screen
from tests.cohort_builder import synthetic_cohort
from tests.test_cohort_combinations import FLAG_FIELDS


def _store(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Samples, and every sample's flags with their texts, sorted."""
    samples = pd.read_parquet(folder / "samples")
    flags = (samples[["sample_id", "combination"]]
             .merge(pd.read_parquet(folder / "flags"), on="combination")
             .merge(pd.read_parquet(folder / "messages"), on="message_id"))
    flags = flags[["sample_id", *FLAG_FIELDS]].astype(str)
    return (samples.astype(str).sort_values("sample_id", ignore_index=True),
            flags.sort_values(list(flags.columns), ignore_index=True))


def _long_flags(path: Path) -> pd.DataFrame:
    results = pd.read_parquet(path)
    flags = results.loc[results["record"] == "flag", ["sample_id", *FLAG_FIELDS]].astype(str)
    return flags.sort_values(list(flags.columns), ignore_index=True)


def _marked(marker: str) -> list[int]:
    """Processes whose environment carries ``marker`` (a run and everything it started)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("ADVISOR_TEST_RUN") == marker:
                found.append(proc.pid)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


def screen_dask_cli(path: Path, out: Path, errors: Path, chunksize: int, workers: int
                    ) -> str:
    """``advisor screen --engine dask`` in its own process; fails if any process it started
    outlives it."""
    marker = uuid.uuid4().hex
    proc = subprocess.run([sys.executable, "-m", "advisor.cli", "screen", str(path), "--out",
                           str(out), "--errors", str(errors), "--engine", "dask",
                           "--workers", str(workers), "--chunksize", str(chunksize)],
                          env={**os.environ, "ADVISOR_TEST_RUN": marker},
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    deadline = time.monotonic() + 20
    while _marked(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _marked(marker), "processes left behind"
    return proc.stdout


def with_unreadable_rows(table: pd.DataFrame, path: Path) -> list[int]:
    """Write ``table`` as CSV with some rows made unreadable (a field too many, Latin-1, a
    NUL byte, ';' between fields, an id repeated from the first row) and blank lines put
    in; the numbers of the rows made unreadable."""
    lines = table.to_csv(index=False).encode().split(b"\n")  # lines[k]: data row k
    n = len(table)
    spoilt = {n // 9: lines[n // 9] + b",surplus", n // 3: b"S\xe9" + lines[n // 3],
              n // 2: lines[n // 2].replace(b",", b"\0,", 1),
              2 * n // 3: lines[2 * n // 3].replace(b",", b";"),
              n - 2: lines[1].split(b",", 1)[0] + b"," + lines[n - 2].split(b",", 1)[1]}
    for k, line in spoilt.items():
        lines[k] = line
    for k in (n // 4, n // 2 + 1):
        lines[k] += b"\n" if k % 2 else b"\n\n"
    path.write_bytes(b"\n".join(lines))
    return sorted(spoilt)


def engines_agree(kb, n: int, workers: int, tmp_path: Path) -> None:
    table, broken = synthetic_cohort(n, seed=5, malformed=0.01)
    path = tmp_path / "cohort.csv"
    unreadable = with_unreadable_rows(table, path)
    summary = screen(kb, path, tmp_path / "pandas", tmp_path / "ep.csv",
                     chunksize=max(n // 7, 100))
    printed = screen_dask_cli(path, tmp_path / "dask", tmp_path / "ed.csv",
                              max(n // 5, 100), workers)
    screen(kb, path, tmp_path / "long.parquet", tmp_path / "el.csv")
    assert summary.input_samples == summary.processed + summary.error_rows == n
    assert summary.error_rows >= len(broken)
    # the same summary (counts of samples, phenotypes and flags), but for the time taken
    assert re.sub(r"\(.* s\)", "", summary.text()) in re.sub(r"\(.* s\)", "", printed)
    p_samples, p_flags = _store(tmp_path / "pandas")
    d_samples, d_flags = _store(tmp_path / "dask")
    pd.testing.assert_frame_equal(p_samples, d_samples)
    pd.testing.assert_frame_equal(p_flags, d_flags)
    pd.testing.assert_frame_equal(p_flags, _long_flags(tmp_path / "long.parquet"))
    errors = [(tmp_path / f"e{x}.csv").read_bytes() for x in "pdl"]
    assert errors[0] == errors[1] == errors[2]
    assert set(broken) | set(unreadable) <= set(pd.read_csv(tmp_path / "ep.csv")["row"])


def test_dask_equals_pandas_and_leaves_no_worker_behind(kb, tmp_path):
    engines_agree(kb, 2000, 1, tmp_path)


@pytest.mark.slow
def test_dask_equals_pandas_on_100k_with_malformed_rows(kb, tmp_path):
    engines_agree(kb, 100_000, 2, tmp_path)
