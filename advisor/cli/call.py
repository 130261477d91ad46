"""``advisor call FILE [FILE ...]``: star-allele diplotypes and variant genotypes from GRCh38
VCFs (or research-grade consumer array files), written as JSON, JSON Lines, TSV or PharmCAT
outside calls (:mod:`advisor.genotype.writers`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from advisor.cli.options import add_kb


def run(args: argparse.Namespace) -> int:
    """Call every file and write the calls in the chosen format (streamed); a signal stops
    the run with one line and nothing written (exit 130/143)."""
    from advisor.outputs import Interrupted, check_outputs, interruptible

    if args.out and args.out != "-":
        check_outputs([Path(p) for p in args.vcf], {"--out": Path(args.out)})
    try:
        with interruptible():
            return _call(args)
    except Interrupted as stop:
        print(f"interrupted ({stop}); nothing written", file=sys.stderr)
        return stop.code


def _call(args: argparse.Namespace) -> int:
    from advisor.errors import InputError
    from advisor.genotype.arrays import array_table
    from advisor.genotype.writers import write_calls
    from advisor.inputs.sources import source_kind
    from advisor.knowledge import load_knowledgebase

    kb = load_knowledgebase(args.kb)
    caller = None
    tables, notices = [], []
    for path in args.vcf:
        kind = source_kind(path, args.input_format)
        if kind == "vcf":
            from advisor.genotype.vcf import VcfCaller  # needs the 'vcf' extra

            caller = caller or VcfCaller(kb)
            tables.append(caller.call_table(path, args.sample))
            notices += tables[-1].notices
            for notice in tables[-1].notices:
                print(f"warning: {notice}", file=sys.stderr)
        elif kind in ("23andme", "ancestry", "plink"):
            table, more = array_table(kb, path, kind, args.sample)
            tables.append(table)
            notices += [n for n in more if n not in notices]
        else:
            raise InputError("file", path, "not a VCF, 23andMe, AncestryDNA or PLINK file "
                             "(name the kind with --input-format)")
    with output(args.out) as out:
        write_calls(kb, tables, notices, args.format, out)
    return 0


@contextmanager
def output(path: str | None) -> Iterator[TextIO]:
    """Standard output when ``path`` is absent or '-'; otherwise a temporary file beside
    ``path`` that replaces it only once everything is written (never a partial file)."""
    if not path or path == "-":
        yield sys.stdout
        return
    from advisor.outputs import atomic_outputs

    with atomic_outputs(Path(path)) as (temp,), open(temp, "w", encoding="utf-8",
                                                    newline="") as out:
        yield out


def register(subparsers: Any) -> None:
    """Add the ``call`` command to the ``advisor`` sub-command parsers."""
    parser = subparsers.add_parser(
        "call", help="call star-allele diplotypes and variant genotypes from GRCh38 VCFs",
        description="Diplotypes and variant genotypes of the knowledge base's genes, one row "
                    "per sample and gene. VCF input needs the 'vcf' extra, PLINK the 'plink' "
                    "extra. Example: advisor call sample.vcf.gz --format tsv --out calls.tsv")
    parser.add_argument("vcf", nargs="+", metavar="FILE",
                        help="VCF file(s): plain, gzip or bgzip (a tabix index is used if "
                        "present); or 23andMe/AncestryDNA raw text or PLINK .bed files "
                        "(research-grade), e.g. sample.vcf.gz")
    parser.add_argument("--input-format", choices=["auto", "vcf", "23andme", "ancestry",
                                                   "plink"], default="auto",
                        help="kind of the input files (default: told from name and content), "
                        "e.g. --input-format 23andme")
    parser.add_argument("--sample", help="call only this sample, e.g. --sample NA12878")
    parser.add_argument("--format", choices=["json", "jsonl", "tsv", "pharmcat"],
                        default="json",
                        help="json (default), jsonl (JSON Lines: one call per line), tsv, or "
                        "pharmcat (PharmCAT outside-call file for genes it does not call), "
                        "e.g. --format jsonl")
    parser.add_argument("--out", help="write here instead of standard output ('-': standard "
                        "output), e.g. --out calls.json")
    add_kb(parser)
    parser.set_defaults(func=run)
