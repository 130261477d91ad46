"""Every table of the hostile cohort corpus gives the same exit code, message, summary,
errors table and results through the Dask engine as through the pandas engine (one local
cluster for the whole corpus, reached with ``--scheduler``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from advisor.cli import main

FOLDER = Path(__file__).parent / "hostile" / "cohort"
EXPECT = yaml.safe_load((FOLDER / "expect.yaml").read_text())
CASES = sorted(name for name, spec in EXPECT.items() if not spec.get("argv"))


@pytest.fixture(scope="module")
def scheduler():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _screen(capsys, folder: Path, name: str, extra: list[str]) -> tuple:
    code = main(["screen", str(FOLDER / name), "--out", str(folder / "r.csv"), "--errors",
                 str(folder / "e.csv"), *extra])
    captured = capsys.readouterr()
    out = re.sub(r"\(\d+\.\d s\)", "", captured.out.replace(str(folder), "DIR"))
    files = [(folder / f).read_bytes() if (folder / f).exists() else None
             for f in ("r.csv", "e.csv")]
    return code, out, captured.err, *files


@pytest.mark.parametrize("name", CASES)
def test_both_engines_agree_on_hostile_tables(tmp_path, capsys, scheduler, name):
    (tmp_path / "p").mkdir()
    (tmp_path / "d").mkdir()
    pandas = _screen(capsys, tmp_path / "p", name, [])
    dask = _screen(capsys, tmp_path / "d", name, ["--engine", "dask", "--scheduler", scheduler])
    assert pandas[0] == EXPECT[name]["exit"]
    assert dask == pandas
    assert "Traceback" not in dask[2] and len(dask[2].splitlines()) <= 1
