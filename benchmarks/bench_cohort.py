"""Cohort screening throughput and peak memory, pandas and Dask engines.

Generates synthetic cohorts (CSV) of the given sizes with realistic genotype frequencies,
seizure types and co-medications, screens each with both engines in a fresh process, and
prints samples per second, peak resident memory and the ratio to a plain
``pandas.read_csv`` of the same file.

Run: python benchmarks/bench_cohort.py [--sizes 10000 100000 1000000] [--engines pandas dask]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, cohort, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
start = time.perf_counter()
if mode == "read_csv":
    import pandas as pd
    n = len(pd.read_csv(cohort))
else:
    from advisor.knowledge import load_knowledgebase
    kb = load_knowledgebase()
    if mode == "dask":
        from advisor.cohort_dask import screen_dask
        s = screen_dask(kb, cohort, out, out.with_suffix(".errors.csv"))
    else:
        from advisor.cohort import screen
        s = screen(kb, cohort, out, out.with_suffix(".errors.csv"))
    n = s.processed + s.error_rows
seconds = time.perf_counter() - start
kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + \
    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"n": n, "seconds": seconds, "peak_mib": kib / 1024}))
"""


def synthetic(n: int, path: Path, seed: int = 0) -> None:
    """A cohort table with allele frequencies of the order seen in mixed populations."""
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


def run(mode: str, cohort: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, mode, str(cohort), str(out)],
                          check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", default=["pandas", "dask"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            cohort = Path(tmp) / f"cohort_{n}.csv"
            synthetic(n, cohort)
            base = run("read_csv", cohort, Path(tmp) / "unused")
            print(f"n={n:>9,}: pandas.read_csv {base['seconds']:.2f} s, "
                  f"peak {base['peak_mib']:.0f} MiB")
            for engine in args.engines:
                r = run(engine, cohort, Path(tmp) / f"results_{engine}_{n}.parquet")
                assert r["n"] == n, r
                print(f"  {engine:>6}: {r['seconds']:6.1f} s, {n / r['seconds']:>9,.0f} "
                      f"samples/s, peak {r['peak_mib']:5.0f} MiB, "
                      f"{r['seconds'] / base['seconds']:.1f}x read_csv")


if __name__ == "__main__":
    main()
