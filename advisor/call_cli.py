"""``advisor call VCF [VCF ...]``: star-allele diplotypes and variant genotypes from GRCh38 VCFs.

Formats: ``json`` (``{"calls": [...]}``, one object per file, sample and call key), ``tsv``
(one row per call) and ``pharmcat`` (PharmCAT's outside-call TSV for one sample:
``GENE<TAB>diplotype<TAB>phenotype<TAB>activityScore``, star-allele genes only, so that a lab
can cross-check our calls with PharmCAT's).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from advisor.errors import InputError
from advisor.genotype.vcf import CALL_FIELDS, VcfCaller
from advisor.knowledge import KnowledgeBase, load_knowledgebase

COLUMNS = ["file", "sample", *CALL_FIELDS]


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
    kb = load_knowledgebase(args.kb)
    caller = VcfCaller(kb)
    frame = pd.concat([caller.call(path, args.sample) for path in args.vcf], ignore_index=True)
    text = render_calls(kb, frame, args.format)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def render_calls(kb: KnowledgeBase, frame: pd.DataFrame, fmt: str) -> str:
    """The calls of :meth:`VcfCaller.call` (one or more files) as json, tsv or pharmcat text."""
    if fmt == "json":
        records = [{c: _plain(row[c]) for c in COLUMNS} for row in frame.to_dict("records")]
        return json.dumps({"calls": records}, indent=2) + "\n"
    if fmt == "tsv":
        lines = ["\t".join(COLUMNS)]
        for row in frame[COLUMNS].itertuples(index=False):
            lines.append("\t".join(_cell(v) for v in row))
        return "\n".join(lines) + "\n"
    return _pharmcat(kb, frame)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ";".join(value)
    return " ".join(str(value).split())  # no tabs or newlines inside a cell


def _pharmcat(kb: KnowledgeBase, frame: pd.DataFrame) -> str:
    pairs = frame[["file", "sample"]].drop_duplicates()
    if len(pairs) != 1:
        raise InputError("--format", "pharmcat", f"an outside-call file holds one sample; "
                         f"got {len(pairs)} (file, sample) pairs: choose one with --sample")
    file, sample = pairs.iloc[0]
    lines = [f"# advisor call: {file}, sample {sample}"]
    for row in frame.to_dict("records"):
        if kb.genes[row["gene"]].kind != "star_allele":
            continue
        if row["status"] == "no_call":
            lines.append(f"# {row['gene']}: no call ({row['message']})")
            continue
        score = row["activity_score"]
        lines.append("\t".join([row["gene"], " or ".join(row["diplotypes"]),
                                row["phenotype"] or "", "" if score is None else str(score)]))
    return "\n".join(lines) + "\n"
