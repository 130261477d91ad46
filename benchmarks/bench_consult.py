"""Consult latency: cold process start (CLI) and warm per-patient time (in process).

Run: python benchmarks/bench_consult.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def cold(repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "advisor.cli", "consult", str(EXAMPLES[0]),
                        "--format", "json"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def warm(repeat: int) -> tuple[float, list[float]]:
    from advisor.consult import consult
    from advisor.inputs.patient import load_patient
    from advisor.knowledge import load_knowledgebase
    from advisor.report import render

    start = time.perf_counter()
    kb = load_knowledgebase()
    load_s = time.perf_counter() - start
    patients = [load_patient(kb, p) for p in EXAMPLES]
    consult(kb, patients[0])  # first call warms caches
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        render(consult(kb, patients[i % len(patients)]), "json")
        times.append(time.perf_counter() - start)
    return load_s, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    c = cold(max(3, args.repeat // 10))
    load_s, w = warm(args.repeat)
    print(f"cold start (advisor consult, JSON): median {statistics.median(c) * 1000:.0f} ms, "
          f"min {min(c) * 1000:.0f} ms, max {max(c) * 1000:.0f} ms over {len(c)} runs")
    print(f"knowledge-base load: {load_s * 1000:.0f} ms")
    print(f"warm consult + JSON render: median {statistics.median(w) * 1000:.1f} ms, "
          f"min {min(w) * 1000:.1f} ms, max {max(w) * 1000:.1f} ms over {len(w)} patients "
          f"(target < 50 ms)")


if __name__ == "__main__":
    main()
