"""``advisor screen COHORT --out RESULTS``: screen a cohort table or multi-sample VCF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from advisor.inputs.sources import KINDS
from advisor.knowledge import load_knowledgebase


def run(args: argparse.Namespace) -> int:
    from advisor.cohort import screen

    kb = load_knowledgebase(args.kb)
    out = Path(args.out)
    errors = Path(args.errors) if args.errors else out.with_name(out.stem + ".errors.csv")
    drugs = [d.strip() for d in args.drugs.split(",")] if args.drugs else None
    if args.engine == "dask":
        from advisor.cohort_dask import screen_dask

        summary = screen_dask(kb, Path(args.cohort), out, errors, chunksize=args.chunksize,
                              drugs=drugs, scheduler=args.scheduler)
    else:
        summary = screen(kb, Path(args.cohort), out, errors, chunksize=args.chunksize,
                         drugs=drugs, progress=sys.stderr.isatty(), fmt=args.input_format)
    print(summary.text())
    print(f"results: {out}\nerrors: {errors}")
    if args.report:
        from advisor.cohort_report import write_report

        write_report(summary, Path(args.report), kb)
        print(f"report: {args.report}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``screen`` to the ``advisor`` sub-command parsers."""
    scr = subparsers.add_parser("screen", help="screen a cohort (CSV, TSV, Parquet or VCF)")
    scr.add_argument("cohort", help="cohort table, multi-sample VCF, PharmCAT output, "
                     "23andMe/AncestryDNA raw file or PLINK .bed")
    scr.add_argument("--input-format", choices=list(KINDS), default="auto",
                     help="kind of the cohort file (default: told from its name and content; "
                          "a PharmCAT outside-call TSV needs 'pharmcat')")
    scr.add_argument("--out", required=True, help="results file (.csv, .tsv or .parquet)")
    scr.add_argument("--errors", help="errors file (default: <out>.errors.csv)")
    scr.add_argument("--engine", choices=["pandas", "dask"], default="pandas")
    scr.add_argument("--scheduler", help="address of an existing Dask scheduler")
    scr.add_argument("--chunksize", type=int, default=100_000, help="rows per chunk")
    scr.add_argument("--drugs", help="comma-separated ASMs to judge (default: all, or those "
                     "fitting each sample's seizure types)")
    scr.add_argument("--report", help="write an HTML summary report here")
    scr.add_argument("--kb", help="knowledge-base folder (default: the bundled one)")
    scr.set_defaults(func=run)
