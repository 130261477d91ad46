"""Cohort screening throughput and peak memory: pandas engine and Dask engine (1 and 2
workers) side by side with the floor of reading the same file.

Generates synthetic cohorts (CSV) of the given sizes, then runs, each in a fresh process:
``pandas.read_csv`` and ``pyarrow.csv.read_csv`` of the file (the floors); the per-sample
floor, the work any screen of the file does for each sample whatever it judges (pyarrow's
parser with every column dictionary-encoded, repeated ids found by 64-bit hash, each row's
combination of values numbered, sample ids and combinations written to Parquet; no
validation, no rules); ``advisor screen`` with the pandas engine (result store; with
``--long`` also the long table) and with the Dask engine on a local cluster of 1 and 2
worker processes. Prints seconds, the ratio to ``pandas.read_csv``, to pyarrow's reader and
to the per-sample floor, samples per second, and peak resident memory of the main process,
of each worker and summed over the run's processes (sampled every 20 ms). As the floors
import pandas and pyarrow before their clock starts, the screen's modules are imported and
the knowledge base is loaded before its clock starts; the Dask cluster's start-up is timed.

The default cohort has the columns of the issue's measurements (genotypes, seizure types,
current medications); ``--clinical`` adds ages, weights, kidney and liver function,
pregnancy, past reactions, syndromes, conditions and candidates (tests/cohort_builder.py).
``--malformed FRACTION`` gives that fraction of rows one field too many: the floors skip
them, the screens report each in the errors table.

Run: python benchmarks/bench_cohort.py [--sizes 100000 1000000] [--repeats 1] [--long]
[--clinical] [--malformed 0.1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
FLOORS = ("read_csv", "pyarrow", "per_sample")  # they skip malformed rows

CHILD = r"""
import json, sys, time
from pathlib import Path
mode, cohort, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
if __name__ == "__main__":
    if mode in ("read_csv", "pyarrow"):
        import pandas as pd
        import pyarrow.csv as pc
        start = time.perf_counter()  # (rows with a wrong number of fields skipped)
        n = (len(pd.read_csv(cohort, on_bad_lines="skip")) if mode == "read_csv" else
             pc.read_csv(cohort, parse_options=pc.ParseOptions(
                 invalid_row_handler=lambda row: "skip")).num_rows)
    elif mode == "per_sample":
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import pyarrow.csv as pc
        import pyarrow.parquet as pq
        start = time.perf_counter()
        with cohort.open() as handle:
            names = handle.readline().rstrip("\n").split(",")
        text = pa.dictionary(pa.int32(), pa.string())
        table = pc.read_csv(cohort, convert_options=pc.ConvertOptions(column_types={
            c: pa.string() if c == "sample_id" else text for c in names}),
            parse_options=pc.ParseOptions(invalid_row_handler=lambda row: "skip"))
        table = table.unify_dictionaries().combine_chunks()
        ids = table.column("sample_id").chunk(0)
        hashes = pd.util.hash_array(ids.to_numpy(zero_copy_only=False), categorize=False)
        repeated = pd.Index(hashes).duplicated()
        key = np.zeros(table.num_rows, dtype=np.int64)
        for c in names[1:]:
            column = table.column(c).chunk(0)
            codes = column.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            key = key * (len(column.dictionary) + 1) + codes.astype(np.int64) + 1
        combination = pd.factorize(key)[0].astype(np.int32)
        pq.write_table(pa.table({"sample_id": ids.filter(pa.array(~repeated)),
                                 "combination": combination[~repeated]}), out)
        n = table.num_rows
    else:
        from advisor.cohort import screen
        from advisor.cohort_dask import screen_dask
        from advisor.knowledge import load_knowledgebase
        kb = load_knowledgebase()
        start = time.perf_counter()
        errors = out.with_name(out.name + ".errors.csv")
        if mode.startswith("dask"):
            s = screen_dask(kb, cohort, out, errors, workers=int(mode[4:]))
        else:
            s = screen(kb, cohort, out, errors, long=mode == "long")
        n = s.processed + s.error_rows
    seconds = time.perf_counter() - start
    print(json.dumps({"n": n, "seconds": seconds}))
"""


def synthetic(n: int, path: Path, seed: int = 0) -> None:
    """The issue's cohort: allele frequencies of the order seen in mixed populations,
    seizure types and current medications."""
    rng = np.random.default_rng(seed)

    def pick(values: list[str], p: list[float]) -> np.ndarray:
        return rng.choice(np.array(values, dtype=object), size=n, p=p)

    pd.DataFrame({
        "sample_id": np.char.add("S", np.arange(n).astype(str)),
        "CYP2C9": pick(["*1/*1", "*1/*2", "*1/*3", "*2/*2", "*2/*3", "*3/*3", ""],
                       [.62, .16, .11, .02, .02, .01, .06]),
        "CYP2C19": pick(["*1/*1", "*1/*2", "*1/*17", "*2/*17", "*2/*2", "*17/*17", "*1/*3"],
                        [.38, .2, .22, .06, .04, .05, .05]),
        "CYP3A5": pick(["*3/*3", "*1/*3", "*1/*1", ""], [.75, .15, .04, .06]),
        "rs1045642": pick(["C/C", "C/T", "T/T", ""], [.25, .45, .25, .05]),
        "HLA-B*15:02": pick(["negative", "positive", ""], [.93, .02, .05]),
        "HLA-A*31:01": pick(["negative", "positive", ""], [.92, .03, .05]),
        "seizure_types": pick(["focal", "generalized_tonic_clonic", "focal;"
                               "focal_to_bilateral_tonic_clonic", "absence", ""],
                              [.4, .2, .15, .05, .2]),
        "current_medications": pick(["", "levetiracetam", "lamotrigine", "valproate",
                                     "carbamazepine"], [.5, .2, .15, .1, .05]),
    }).to_csv(path, index=False)


def malformed(path: Path, fraction: float, seed: int = 0) -> int:
    """Give about ``fraction`` of the table's rows one field too many (as when an export
    adds a separator to some rows); the number of rows changed."""
    lines = path.read_bytes().split(b"\n")  # header, rows, and '' after the last line feed
    picked = np.flatnonzero(np.random.default_rng(seed).random(len(lines) - 2) < fraction)
    for i in picked + 1:
        lines[i] += b",x"
    path.write_bytes(b"\n".join(lines))
    return len(picked)


def clinical(n: int, path: Path, seed: int = 0) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.cohort_builder import synthetic_cohort

    synthetic_cohort(n, seed=seed)[0].to_csv(path, index=False)


class Peak:
    """Peak RSS of a process and its descendants, sampled in a thread."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.per_pid: dict[int, float] = {}
        self.summed = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0.0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for proc in procs:
                try:
                    rss = proc.memory_info().rss / 2**20
                except psutil.Error:
                    continue
                total += rss
                self.per_pid[proc.pid] = max(self.per_pid.get(proc.pid, 0.0), rss)
            self.summed = max(self.summed, total)
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run(mode: str, cohort: Path, out: Path) -> dict:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, mode, str(cohort), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)
    peak = Peak(proc.pid)
    stdout, stderr = proc.communicate()
    peak.stop()
    if proc.returncode:
        raise SystemExit(f"{mode} failed:\n{stderr[-3000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    # sampled, not ru_maxrss: Linux carries the forking parent's high-water mark over exec
    result["main_mib"] = peak.per_pid.pop(proc.pid, 0.0)
    # the helper processes: Dask's workers (and Python's resource tracker)
    result["others_mib"] = sorted(peak.per_pid.values(), reverse=True)
    result["summed_mib"] = max(peak.summed, result["main_mib"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=1, help="runs per measure (min shown)")
    parser.add_argument("--long", action="store_true", help="also the long table (Parquet)")
    parser.add_argument("--clinical", action="store_true",
                        help="cohort with clinical columns (see the module docstring)")
    parser.add_argument("--malformed", type=float, default=0.0, metavar="FRACTION",
                        help="give this fraction of rows one field too many (the floors "
                             "skip them; the screens report each)")
    args = parser.parse_args()
    modes = ["read_csv", "pyarrow", "per_sample", "pandas", *(["long"] if args.long else []),
             "dask1", "dask2"]
    labels = {"read_csv": "pandas.read_csv", "pyarrow": "pyarrow.csv.read_csv",
              "per_sample": "per-sample floor",
              "pandas": "screen, pandas engine", "long": "screen, pandas, --long",
              "dask1": "screen, Dask 1 worker", "dask2": "screen, Dask 2 workers"}
    print(f"cohort: {'clinical' if args.clinical else 'genotypes, seizure types, medications'}"
          f"; {psutil.cpu_count()} cores; min of {args.repeats} run(s)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            cohort = Path(tmp) / f"cohort_{n}.csv"
            (clinical if args.clinical else synthetic)(n, cohort)
            bad = malformed(cohort, args.malformed) if args.malformed else 0
            mib = cohort.stat().st_size / 2**20
            print(f"\nn = {n:,} samples ({mib:.0f} MiB CSV"
                  f"{f'; {bad:,} rows with a field too many' if bad else ''})")
            print(f"  {'':<24}{'seconds':>8}{'x read_csv':>11}{'x pyarrow':>10}"
                  f"{'x per-sample':>13}{'samples/s':>12}{'main MiB':>9}{'summed MiB':>11}"
                  "  workers' MiB")
            results = {}
            for mode in modes:
                out = Path(tmp) / f"out_{mode}_{n}{'.parquet' if mode == 'long' else ''}"
                runs = [run(mode, cohort, out) for _ in range(args.repeats)]
                best = min(runs, key=lambda r: r["seconds"])
                assert best["n"] == (n - bad if mode in FLOORS else n), best
                results[mode] = best
                ratios = [f"{best['seconds'] / results[floor]['seconds']:.1f}x"
                          if floor in results else "-"
                          for floor in ("read_csv", "pyarrow", "per_sample")]
                workers = ", ".join(f"{m:.0f}" for m in best["others_mib"][:4]) or "-"
                print(f"  {labels[mode]:<24}{best['seconds']:8.2f}{ratios[0]:>11}"
                      f"{ratios[1]:>10}{ratios[2]:>13}"
                      f"{n / best['seconds']:12,.0f}{best['main_mib']:9.0f}"
                      f"{best['summed_mib']:11.0f}  {workers}")


if __name__ == "__main__":
    main()
