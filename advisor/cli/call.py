"""``advisor call VCF [VCF ...]``: star-allele diplotypes and variant genotypes from GRCh38
VCFs, written as JSON, TSV or PharmCAT outside calls (:mod:`advisor.report.calls`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from advisor.knowledge import load_knowledgebase


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``call`` command to the ``advisor`` sub-command parsers."""
    parser = subparsers.add_parser(
        "call", help="call star-allele diplotypes and variant genotypes from GRCh38 VCFs")
    parser.add_argument("vcf", nargs="+",
                        help="VCF file(s): plain, gzip or bgzip (a tabix index is used if present)")
    parser.add_argument("--sample", help="call only this sample")
    parser.add_argument("--format", choices=["json", "tsv", "pharmcat"], default="json")
    parser.add_argument("--out", help="write here instead of standard output")
    parser.add_argument("--kb", help="knowledge-base folder (default: the bundled one)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Call every VCF and write the calls in the chosen format."""
    from advisor.genotype.vcf import VcfCaller
    from advisor.report.calls import render_calls

    kb = load_knowledgebase(args.kb)
    caller = VcfCaller(kb)
    frame = pd.concat([caller.call(path, args.sample) for path in args.vcf], ignore_index=True)
    text = render_calls(kb, frame, args.format)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
