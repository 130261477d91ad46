"""``advisor screen COHORT --out RESULTS``: screen a cohort table or multi-sample VCF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from advisor.cli.options import add_kb
from advisor.extras import require
from advisor.inputs import CHUNK_ROWS, SOURCE_KINDS

OUT_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")


def _check_paths(args: argparse.Namespace, out: Path, errors: Path) -> None:
    """Refuse, before any work, outputs that would overwrite an input or each other, land
    in a missing folder, or have no known format; and a chunk size below 1."""
    from advisor.errors import InputError
    from advisor.outputs import check_outputs

    if args.chunksize < 1:
        raise InputError("--chunksize", args.chunksize, "must be at least 1")
    if errors.suffix.lower() not in OUT_SUFFIXES:
        raise InputError("--errors", str(errors), "must end in .csv, .tsv or .parquet")
    if out.suffix and out.suffix.lower() not in OUT_SUFFIXES:
        raise InputError("--out", str(out), "must be a folder name (the result store) or end "
                         "in .csv, .tsv or .parquet (the long table)")
    if args.long and not out.suffix:
        raise InputError("--out", str(out), "the long table (--long) needs a file name "
                         "ending in .csv, .tsv or .parquet")
    cohort = Path(args.cohort).resolve()
    if not out.suffix and out.exists() and (
            not (out / "manifest.json").is_file() or out.resolve() in cohort.parents):
        raise InputError("--out", str(out), "this folder exists and is not a result store; "
                         "a rerun replaces the whole folder, so give a new folder name")
    outputs = {"--out": out, "--errors": errors}
    if args.report:
        outputs["--report"] = Path(args.report)
    check_outputs([Path(args.cohort)], outputs)


def _interrupted(stop: Any, cohort: Path) -> int:
    """One line for a screen stopped by a signal; the exit code 128 + signal."""
    from advisor.inputs.tables import count_rows

    total = count_rows(cohort)
    done = "?" if stop.done is None else f"{stop.done:,}"
    samples = (f"{done} of {total:,} samples" if total is not None else
               f"{done} samples (total not counted)")
    outcome = "outputs written" if stop.written else "nothing written"
    print(f"interrupted after {samples}; {outcome}", file=sys.stderr)
    return stop.code


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    errors = Path(args.errors) if args.errors else out.with_name(out.stem + ".errors.csv")
    _check_paths(args, out, errors)
    return _run(args, out, errors)


def _run(args: argparse.Namespace, out: Path, errors: Path) -> int:
    from advisor.cohort import screen
    from advisor.knowledge import load_knowledgebase
    from advisor.outputs import Interrupted, interruptible

    try:
        with interruptible():
            kb = load_knowledgebase(args.kb)
            drugs = [d.strip() for d in args.drugs.split(",")] if args.drugs else None
            if args.engine == "dask":
                require("distributed", "dask", "the Dask engine")
                from advisor.cohort_dask import screen_dask

                summary = screen_dask(kb, Path(args.cohort), out, errors,
                                      chunksize=args.chunksize, drugs=drugs,
                                      scheduler=args.scheduler, workers=args.workers,
                                      long=args.long)
            else:
                summary = screen(kb, Path(args.cohort), out, errors,
                                 chunksize=args.chunksize, drugs=drugs,
                                 progress=sys.stderr.isatty(), fmt=args.input_format,
                                 long=args.long)
    except Interrupted as stop:
        return _interrupted(stop, Path(args.cohort))
    print(summary.text())
    print(f"results: {out}\nerrors: {errors}")
    if args.report:
        from advisor.cohort_report import write_report

        write_report(summary, Path(args.report), kb)
        print(f"report: {args.report}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``screen`` to the ``advisor`` sub-command parsers."""
    scr = subparsers.add_parser(
        "screen", help="screen a cohort (CSV, TSV, Parquet, VCF, PharmCAT or array files)",
        description="Flags and phenotypes for every sample of a cohort; rows that cannot be "
                    "read go to the errors file. Example: advisor screen cohort.csv --out "
                    "results.parquet --errors errors.csv")
    scr.add_argument("cohort", help="cohort table (.csv, .tsv, .txt, .parquet), multi-sample "
                     "VCF, PharmCAT output, 23andMe/AncestryDNA raw file or PLINK .bed, e.g. "
                     "cohort.csv")
    scr.add_argument("--input-format", choices=list(SOURCE_KINDS), default="auto",
                     help="kind of the cohort file (default: told from its name and content; "
                     "a PharmCAT outside-call TSV needs 'pharmcat'), e.g. --input-format vcf")
    scr.add_argument("--out", required=True, help="results: a folder for the result store "
                     "(samples, flags and messages as Parquet datasets), or a .csv, .tsv or "
                     ".parquet file for the long table, e.g. --out results")
    scr.add_argument("--long", action="store_true", help="write the long table (one row per "
                     "sample and flag) instead of the store; implied by a .csv, .tsv or "
                     ".parquet file name")
    scr.add_argument("--errors", help="errors file (default: <out>.errors.csv), e.g. "
                     "--errors errors.csv")
    scr.add_argument("--engine", choices=["pandas", "dask"], default="pandas",
                     help="pandas: this process (default); dask: map chunks over a Dask "
                     "cluster (needs the 'dask' extra), e.g. --engine dask")
    scr.add_argument("--scheduler", help="address of an existing Dask scheduler (default: a "
                     "local cluster), e.g. --scheduler tcp://10.0.0.5:8786")
    scr.add_argument("--workers", type=int, help="worker processes of the local Dask "
                     "cluster (default: one per core), e.g. --workers 2")
    scr.add_argument("--chunksize", type=int, default=CHUNK_ROWS,
                     help=f"rows per chunk (default {CHUNK_ROWS}), e.g. --chunksize 50000")
    scr.add_argument("--drugs", help="comma-separated ASMs to judge (default: those fitting "
                     "each sample's seizure types, or all), e.g. --drugs carbamazepine,phenytoin")
    scr.add_argument("--report", help="also write an HTML summary report, e.g. --report "
                     "summary.html")
    add_kb(scr)
    scr.set_defaults(func=run)
