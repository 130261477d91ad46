"""Consult latency beside its floor, measured side by side in one run (machines are shared and
noisy, so the ratios matter more than the absolute figures).

- cold: a whole ``advisor consult`` process on a bundled example (JSON), against the floor
  ``python -c "import pandas"``; runs alternate so both see the same machine load;
- ``advisor --version`` and ``advisor --help`` processes;
- warm: one consult + JSON render in a running process, per patient, over the examples.

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
EXAMPLE = ROOT / "examples" / "hla-b1502-focal-dre.yaml"


def _seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def cold(repeat: int) -> dict[str, list[float]]:
    commands = {
        "import pandas (floor)": [sys.executable, "-c", "import pandas"],
        "advisor consult (JSON)": [sys.executable, "-m", "advisor.cli", "consult",
                                   str(EXAMPLE), "--format", "json"],
        "advisor --version": [sys.executable, "-m", "advisor.cli", "--version"],
        "advisor --help": [sys.executable, "-m", "advisor.cli", "--help"],
    }
    for argv in commands.values():  # warm the file cache and the .pyc files once
        _seconds(argv)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            times[name].append(_seconds(argv))
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
    for patient in patients:  # first calls fill the caches (models, tables)
        consult(kb, patient)
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        render(consult(kb, patients[i % len(patients)]), "json")
        times.append(time.perf_counter() - start)
    return load_s, times


def _ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.0f} ms (min "
            f"{min(values) * 1000:.0f}, max {max(values) * 1000:.0f}, n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10, help="cold runs per command")
    parser.add_argument("--warm", type=int, default=100, help="warm consults")
    args = parser.parse_args()
    times = cold(args.repeat)
    floor = statistics.median(times["import pandas (floor)"])
    for name, values in times.items():
        ratio = statistics.median(values) / floor
        print(f"{name:<26} {_ms(values)}  = {ratio:.2f}x the floor")
    load_s, w = warm(args.warm)
    print(f"knowledge-base load (in process): {load_s * 1000:.0f} ms")
    print(f"warm consult + JSON render: median {statistics.median(w) * 1000:.1f} ms, min "
          f"{min(w) * 1000:.1f} ms, max {max(w) * 1000:.1f} ms over {len(w)} consults of "
          f"{len(EXAMPLES)} example patients")


if __name__ == "__main__":
    main()
