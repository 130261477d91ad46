"""``advisor call VCF [VCF ...]``: star-allele diplotypes and variant genotypes from GRCh38
VCFs, written as JSON, TSV or PharmCAT outside calls (:mod:`advisor.report.calls`)."""

from __future__ import annotations

import argparse
from typing import Any

from advisor.cli.consult import write
from advisor.extras import require


def run(args: argparse.Namespace) -> int:
    """Call every VCF and write the calls in the chosen format."""
    require("cyvcf2", "vcf")
    import pandas as pd

    from advisor.genotype.vcf import VcfCaller
    from advisor.knowledge import load_knowledgebase
    from advisor.report.calls import render_calls

    kb = load_knowledgebase(args.kb)
    caller = VcfCaller(kb)
    frame = pd.concat([caller.call(path, args.sample) for path in args.vcf], ignore_index=True)
    write(render_calls(kb, frame, args.format), args.out)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``call`` command to the ``advisor`` sub-command parsers."""
    parser = subparsers.add_parser(
        "call", help="call star-allele diplotypes and variant genotypes from GRCh38 VCFs",
        description="Diplotypes and variant genotypes of the knowledge base's genes, one row "
                    "per sample and gene (needs the 'vcf' extra). Example: advisor call "
                    "sample.vcf.gz --format tsv --out calls.tsv")
    parser.add_argument("vcf", nargs="+", help="VCF file(s): plain, gzip or bgzip (a tabix "
                        "index is used if present), e.g. sample.vcf.gz")
    parser.add_argument("--sample", help="call only this sample, e.g. --sample NA12878")
    parser.add_argument("--format", choices=["json", "tsv", "pharmcat"], default="json",
                        help="json (default), tsv, or pharmcat (PharmCAT outside-call file "
                        "for genes it does not call), e.g. --format tsv")
    parser.add_argument("--out", help="write here instead of standard output ('-': standard "
                        "output), e.g. --out calls.json")
    parser.add_argument("--kb", help="knowledge-base folder (default: $ADVISOR_KB or the "
                        "bundled one), e.g. --kb ./knowledgebase")
    parser.set_defaults(func=run)
