"""``advisor consult PATIENT``: one patient file -> a report (Markdown, HTML or JSON)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from advisor.knowledge import load_knowledgebase


def run(args: argparse.Namespace) -> int:
    from advisor.consult import consult_file
    from advisor.report import render

    kb = load_knowledgebase(args.kb)
    result = consult_file(kb, args.patient, acute=args.acute, pharmcat=args.pharmcat,
                          fhir=args.fhir)
    text = render(result, args.format, kb)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def register(subparsers: Any) -> None:
    """Add ``consult`` to the ``advisor`` sub-command parsers."""
    consult = subparsers.add_parser("consult", help="advise on one patient file (YAML or JSON)")
    consult.add_argument("patient", help="patient file")
    consult.add_argument("--format", choices=["json", "markdown", "html", "pharmcat", "fhir"],
                         default="markdown",
                         help="report format; pharmcat: PharmCAT outside calls; fhir: an HL7 "
                              "FHIR R4 Genomics Reporting bundle (needs the [fhir] extra)")
    consult.add_argument("--pharmcat", help="genotypes from a PharmCAT output (outside-call "
                         "TSV, .report.json, .phenotype.json or calls-only TSV); overrides the "
                         "patient file's 'pharmcat'")
    consult.add_argument("--fhir", help="genotypes from the genotype Observations of a FHIR "
                         "bundle (needs the [fhir] extra)")
    consult.add_argument("--out", help="write the report here instead of standard output")
    consult.add_argument("--acute", action="store_true",
                         help="add the status epilepticus pathway")
    consult.add_argument("--kb", help="knowledge-base folder (default: the bundled one)")
    consult.set_defaults(func=run)
