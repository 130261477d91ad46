"""CPU time and peak memory of hostile inputs, up to the point where each is rejected (or,
for an accepted patient, through the whole consult; for a cohort table, through the whole
screen, to a Parquet result and a CSV errors file).

Target (issue 18): no input takes more than 2 s of CPU per MB, or 1 GB of memory, before it
is rejected. Each input runs in a fresh process, so its peak resident memory is its own; CPU
time is measured around the call only (the interpreter and the knowledge base are loaded
before). Inputs under 50 kB are judged against 0.1 s (2 s/MB x 50 kB) instead of a per-MB
rate: a consult has a fixed cost of a few tens of milliseconds.

Run: python benchmarks/bench_hostile.py [--only NAME]
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1_000_000
CPU_PER_MB = 2.0
SMALL_BYTES = 50_000
SMALL_CPU = 0.1
MEMORY_MB = 1024
BASE = "seizure_types: [focal]\n"
EXAMPLE = ROOT / "examples" / "hla-b1502-focal-dre.yaml"
DRUGS = ["levetiracetam", "valproate", "lamotrigine", "carbamazepine", "topiramate"]


def bomb(levels: int, width: int) -> str:
    names = [f"n{i}" for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{','.join(['lol'] * width)}]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{','.join([f'*{prev}'] * width)}]")
    return BASE + "\n".join(lines) + "\n"


def trials(n: int) -> str:
    return BASE + "age_years: 34\nmedication_history:\n" + "".join(
        f"  - {{drug: {DRUGS[i % 5]}, outcome: inefficacy, adequate: true, "
        f"duration_months: 6}}\n" for i in range(n))


def reactions(n: int) -> str:
    return BASE + "adverse_reactions:\n" + "".join(
        f"  - {{drug: unlisted{i}drug, reaction: other}}\n" for i in range(n))


def fill(prefix: str, unit: str, size: int, suffix: str = "") -> str:
    return prefix + unit * ((size - len(prefix) - len(suffix)) // len(unit)) + suffix


PATIENT: dict[str, Callable[[], bytes | str]] = {
    "alias bomb 9x9 (324 B)": lambda: bomb(9, 9),
    "alias bomb 14x12": lambda: bomb(14, 12),
    "alias bomb 1 MB wide": lambda: fill(BASE + "a: &a [", "lol,", MB - 200, "x]\n") + "".join(
        f"b{i}: *a\n" for i in range(20)),
    "deep flow nesting 1 MB": lambda: fill("x: ", "[", MB),
    "deep JSON nesting 1 MB": lambda: fill('{"x": ', "[", MB),
    "deep block nesting": lambda: BASE + "x:\n" + "".join(
        "  " * (i + 1) + f"k{i}:\n" for i in range(400)),
    "flow list 1 MB": lambda: fill(BASE + "x: [", "1,", MB, "1]\n"),
    "JSON list 1 MB": lambda: fill('{"x": [', "1,", MB, "1]}"),
    "block list 1 MB": lambda: fill(BASE + "x:\n", "  - 1\n", MB),
    "mapping 1 MB": lambda: BASE + "".join(f"k{i}: 1\n" for i in range(90_000))[:MB - 30],
    "values at the limit (51 x 999)": lambda: BASE + "x:\n" + "".join(
        "  - [" + ",".join(["1"] * 999) + "]\n" for _ in range(51)),
    "one scalar of 1 MB": lambda: fill(BASE + "note: ", "x", MB),
    "quoted scalar of 1 MB": lambda: fill(BASE + 'note: "', "x", MB - 2, '"'),
    "JSON string of 1 MB": lambda: fill('{"note": "', "x", MB - 2, '"}'),
    "comments 1 MB": lambda: fill("", "# comment\n", MB),
    "duplicate keys 1 MB": lambda: fill(BASE, "age_years: 3\n", MB),
    "1,000 trials": lambda: trials(1000),
    "10^5 trials (4.5 MB)": lambda: trials(100_000),
    "binary 1 MB": lambda: os.urandom(MB),
    "NUL at the end of 1 MB": lambda: fill(BASE + "x: ", "y", MB - 1) + "\0",
    "Latin-1 byte at the end of 1 MB": lambda: fill(BASE + "x: ", "y", MB - 1).encode() + b"\xe9",
    "tags 1 MB": lambda: fill(BASE + "x: [", "!!binary aGk=,", MB, "1]\n"),
    "values under the limit (49 x 999)": lambda: BASE + "x:\n" + "".join(
        "  - [" + ",".join(["1"] * 999) + "]\n" for _ in range(49)),
    "100 reactions, unknown drugs": lambda: reactions(100),
    "1,000 reactions, unknown drugs": lambda: reactions(1000),
    "200 trials (accepted)": lambda: trials(200),
    "500 genotypes, unknown keys": lambda: BASE + "genotypes:\n" + "".join(
        f"  rs{i}: A/G\n" for i in range(500)),
    "ordinary patient": EXAMPLE.read_bytes,
}
PATIENT_FILES: dict[str, int] = {"patient file of 50 MB on disk": 50 * MB}


def zip_bomb(unpacked: int) -> bytes:
    out = io.BytesIO()
    with (zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
          archive.open("schema.json", "w", force_zip64=True) as entry):
        for _ in range(unpacked // MB):
            entry.write(b" " * MB)
    return out.getvalue()


def big_table() -> bytes:
    data = json.loads((ROOT / "models" / "dre_risk.table.json").read_text())
    data["terms"] += [["x", str(i), 0.0] for i in range(99_000)]
    return json.dumps(data).encode()


MODEL: dict[str, Callable[[], bytes]] = {
    "skops zip bomb (1 GB declared)": lambda: zip_bomb(1_000 * MB),
    "skops zip bomb (25 MB declared)": lambda: zip_bomb(25 * MB),
    "table with 100,000 terms": big_table,
    "table nested 1 MB deep": lambda: b'{"meta": ' + b"[" * MB + b"}",
}
COHORT_HEADER = "sample_id,CYP2C9,HLA-B*15:02,seizure_types,age_years,weight_kg\n"


def rows(line: Callable[[int], str], size: int = MB, header: str = COHORT_HEADER) -> bytes:
    """A cohort of about ``size`` bytes: the header, then ``line(i)`` for i = 0, 1, ..."""
    out, total, i = [header], len(header), 0
    while total < size:
        text = line(i)
        out.append(text)
        total += len(text.encode())
        i += 1
    return "".join(out).encode()


def parquet_bytes(n: int) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table({"sample_id": [f"S{i}" for i in range(n)],
                             "CYP2C9": ["*1/*3"] * n}), buffer)
    return buffer.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data, mtime=0)


# name -> (file name, content); screened to a Parquet result and a CSV errors file
COHORT: dict[str, Callable[[], tuple[str, bytes]]] = {
    "cohort: ordinary rows 1 MB": lambda: ("c.csv", rows(
        lambda i: f"S{i},*1/*3,negative,focal,34,70\n")),
    "cohort: binary 1 MB": lambda: ("c.csv", COHORT_HEADER.encode() + os.urandom(MB)),
    "cohort: Latin-1 names 1 MB": lambda: ("c.csv", rows(
        lambda i: f"Jos\xe9{i},*1/*1,,,,\n").decode().encode("latin-1")),
    "cohort: every row a wrong field count": lambda: ("c.csv", rows(
        lambda i: f"S{i},*1/*1,x,y,z,1,2,3\n")),
    "cohort: ';'-separated rows in a CSV": lambda: ("c.csv", rows(
        lambda i: f"S{i};*1/*2;negative;focal;34;70\n")),
    "cohort: duplicate ids 1 MB": lambda: ("c.csv", rows(
        lambda i: "S1,*1/*1,negative,focal,34,70\n")),
    "cohort: NUL bytes 1 MB": lambda: ("c.csv", COHORT_HEADER.encode() + b"\0" * MB),
    "cohort: empty lines 1 MB": lambda: ("c.csv", COHORT_HEADER.encode() + b"\n" * MB),
    "cohort: one cell of 1 MB": lambda: ("c.csv", (COHORT_HEADER + "S1," + "*" * MB
                                                   + ",,,,\n").encode()),
    "cohort: header of 1 MB": lambda: ("c.csv", ("sample_id," + "x" * MB + "\n").encode()),
    "cohort: 100,000 columns": lambda: ("c.csv", ("sample_id," + ",".join(
        f"c{i}" for i in range(100_000)) + "\n").encode()),
    "cohort: formula ids 1 MB": lambda: ("c.csv", rows(
        lambda i: f"=HYPERLINK(\"{i}\"),*1/*1,,,,\n")),
    "cohort: implausible values 1 MB": lambda: ("c.csv", rows(
        lambda i: f"S{i},*1/*1,negative,focal,2,350\n")),
    "cohort: corrupt Parquet (cut in half)": lambda: ("c.parquet", (lambda d: d[:len(d) // 2])(
        parquet_bytes(200_000))),
    "cohort: gzip of 100 MB of blank lines": lambda: ("c.csv.gz", gzip_bytes(
        COHORT_HEADER.encode() + b"\n" * (100 * MB))),
}

KB: dict[str, Callable[[], bytes]] = {
    "knowledge-base file alias bomb": lambda: bomb(16, 12).encode(),
}


def _as_bytes(data: bytes | str) -> bytes:
    return data if isinstance(data, bytes) else data.encode()


def run_one(name: str) -> dict[str, object]:
    """Measure one input in this process (called in a fresh child)."""
    from advisor.errors import InputError
    from advisor.knowledge import load_knowledgebase

    kb = load_knowledgebase()
    if name in PATIENT or name in PATIENT_FILES:
        from advisor.consult import consult
        from advisor.inputs.patient import load_patient, parse_patient_text
        from advisor.report import render

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.yaml"
            if name in PATIENT_FILES:
                with path.open("wb") as handle:
                    handle.truncate(PATIENT_FILES[name])
                data = b""
            else:
                data = _as_bytes(PATIENT[name]())
            start = time.process_time()
            try:
                patient = (load_patient(kb, path) if name in PATIENT_FILES else
                           parse_patient_text(kb, data, name="bench.yaml"))
                render(consult(kb, patient), "json")
                outcome = "accepted (consult done)"
            except InputError as exc:
                outcome = "exit 2: " + exc.message[:60]
        size = PATIENT_FILES.get(name, len(data))
    elif name in MODEL:
        from advisor.risk.persist import load_model
        from advisor.risk.table import ScoreTable

        data = MODEL[name]()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.skops"
            path.write_bytes(data)
            start = time.process_time()
            try:
                if name.startswith("table"):
                    ScoreTable.from_json(data)
                else:
                    load_model(path)
                outcome = "loaded"
            except ValueError as exc:
                outcome = "refused: " + str(exc).split(": ", 1)[-1][:60]
        size = len(data)
    elif name in COHORT:
        from advisor.cohort import screen

        file_name, data = COHORT[name]()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / file_name
            path.write_bytes(data)
            start = time.process_time()
            try:
                s = screen(kb, path, Path(tmp) / "r.parquet", Path(tmp) / "e.csv")
                outcome = (f"screened: {s.input_samples:,} in, {s.processed:,} processed, "
                           f"{s.error_rows:,} errors")
            except InputError as exc:
                outcome = "exit 2: " + exc.message[:60]
        size = len(data)
    else:
        from advisor.knowledge.yaml_io import read_yaml

        data = KB[name]()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "kb.yaml"
            path.write_bytes(data)
            start = time.process_time()
            try:
                read_yaml(path)
                outcome = "read"
            except ValueError as exc:
                outcome = "refused: " + str(exc)[:60]
        size = len(data)
    cpu = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB (Linux)
    return {"name": name, "bytes": size, "cpu_s": cpu, "peak_rss_mb": peak,
            "outcome": outcome}


def baseline() -> float:
    """Peak memory of a child that loads the same modules and the knowledge base only."""
    code = (f"import resource, sys; sys.path.insert(0, {str(ROOT)!r})\n"
            "from advisor.knowledge import load_knowledgebase\n"
            "import advisor.consult, advisor.report, advisor.cohort\n"
            "load_knowledgebase()\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--only", help="run the inputs whose name contains this text")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    names = [n for n in (*PATIENT, *PATIENT_FILES, *MODEL, *KB, *COHORT)
             if not args.only or args.only in n]
    base = baseline()
    print(f"baseline peak RSS (interpreter, advisor, knowledge base; no scikit-learn): "
          f"{base:.0f} MB")
    print(f"{'input':<40} {'size':>10} {'CPU s':>7} {'s/MB':>6} {'peak MB':>8}  outcome")
    worst_rate, worst_mem, failures = 0.0, 0.0, []
    for name in names:
        done = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True,
                              text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        size_mb = r["bytes"] / MB
        rate = r["cpu_s"] / size_mb if size_mb else 0.0
        ok_cpu = (r["cpu_s"] <= SMALL_CPU if r["bytes"] < SMALL_BYTES else rate <= CPU_PER_MB)
        ok_mem = r["peak_rss_mb"] <= MEMORY_MB
        if not (ok_cpu and ok_mem):
            failures.append(name)
        if r["bytes"] >= SMALL_BYTES:
            worst_rate = max(worst_rate, rate)
        worst_mem = max(worst_mem, r["peak_rss_mb"])
        print(f"{name:<40} {r['bytes']:>10,} {r['cpu_s']:>7.3f} {rate:>6.2f} "
              f"{r['peak_rss_mb']:>8.0f}  {r['outcome']}{'' if ok_cpu and ok_mem else '  <-'}")
    print(f"worst CPU per MB (inputs >= {SMALL_BYTES // 1000} kB): {worst_rate:.2f} s/MB "
          f"(limit {CPU_PER_MB}); worst peak memory: {worst_mem:.0f} MB (limit {MEMORY_MB}; "
          f"baseline {base:.0f} MB)")
    print("all within the limits" if not failures else f"over a limit: {', '.join(failures)}")


if __name__ == "__main__":
    main()
