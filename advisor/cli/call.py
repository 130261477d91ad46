"""``advisor call FILE [FILE ...]``: star-allele diplotypes and variant genotypes from GRCh38
VCFs, or from 23andMe/AncestryDNA raw files and PLINK .bed files at the knowledge base's
rsIDs (research-grade, and labelled so in every format), written as JSON, TSV or PharmCAT
outside calls (:mod:`advisor.report.calls`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from advisor.errors import InputError
from advisor.knowledge import load_knowledgebase


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``call`` command to the ``advisor`` sub-command parsers."""
    parser = subparsers.add_parser(
        "call", help="call star-allele diplotypes and variant genotypes from GRCh38 VCFs")
    parser.add_argument("vcf", nargs="+", metavar="FILE",
                        help="VCF file(s): plain, gzip or bgzip (a tabix index is used if "
                             "present); or 23andMe/AncestryDNA raw text or PLINK .bed files")
    parser.add_argument("--input-format", choices=["auto", "vcf", "23andme", "ancestry",
                                                   "plink"], default="auto",
                        help="kind of the input files (default: told from name and content)")
    parser.add_argument("--sample", help="call only this sample")
    parser.add_argument("--format", choices=["json", "tsv", "pharmcat"], default="json")
    parser.add_argument("--out", help="write here instead of standard output")
    parser.add_argument("--kb", help="knowledge-base folder (default: the bundled one)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Call every VCF and write the calls in the chosen format."""
    from advisor.genotype.arrays import call_array
    from advisor.genotype.vcf import VcfCaller
    from advisor.inputs.sources import source_kind
    from advisor.report.calls import render_calls

    kb = load_knowledgebase(args.kb)
    caller = VcfCaller(kb)
    frames, notices = [], []
    for path in args.vcf:
        kind = source_kind(path, args.input_format)
        if kind == "vcf":
            frames.append(caller.call(path, args.sample))
        elif kind in ("23andme", "ancestry", "plink"):
            frames.append(call_array(kb, path, kind, args.sample))
            notices += [n for n in frames[-1].attrs["notices"] if n not in notices]
        else:
            raise InputError("file", path, "not a VCF, 23andMe, AncestryDNA or PLINK file "
                             "(name the kind with --input-format)")
    frame = pd.concat(frames, ignore_index=True)
    frame.attrs["notices"] = notices
    text = render_calls(kb, frame, args.format)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
