"""``advisor consult PATIENT``: one patient file -> a report (Markdown, HTML, JSON, PharmCAT
outside calls or a FHIR bundle)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

FORMATS = ("markdown", "html", "json", "pharmcat", "fhir")


def write(text: str, out: str | None) -> None:
    """Write to a file, or to standard output when ``out`` is absent or '-'."""
    text = text if text.endswith("\n") else text + "\n"
    if out and out != "-":
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def run(args: argparse.Namespace) -> int:
    from advisor.consult import consult_file, consult_with_files
    from advisor.inputs.patient import MAX_FILE_BYTES, parse_patient_text
    from advisor.knowledge import load_knowledgebase
    from advisor.report import render
    from advisor.risk.predict import trusting_models

    kb = load_knowledgebase(args.kb)
    with trusting_models(args.trust_models):
        if args.patient == "-":  # read one byte past the limit, so that more is refused
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
            patient = parse_patient_text(kb, data, name="standard input")
            result = consult_with_files(kb, patient, Path.cwd(), acute=args.acute,
                                        pharmcat=args.pharmcat, fhir=args.fhir)
        else:
            result = consult_file(kb, args.patient, acute=args.acute,
                                  pharmcat=args.pharmcat, fhir=args.fhir)
    write(render(result, args.format, kb), args.out)
    return 0


def register(subparsers: Any) -> None:
    """Add ``consult`` to the ``advisor`` sub-command parsers."""
    consult = subparsers.add_parser(
        "consult", help="advise on one patient file (YAML or JSON)",
        description="Flags, doses, ILAE status, risk and regimens for one patient. Example: "
                    "advisor consult examples/hla-b1502-focal-dre.yaml --format html "
                    "--out report.html")
    consult.add_argument("patient", help="patient file (YAML or JSON), or - to read it from "
                         "standard input, e.g. 'cat p.yaml | advisor consult -'")
    consult.add_argument("--format", choices=FORMATS, default="markdown",
                         help="report format (default markdown); pharmcat: PharmCAT outside "
                         "calls; fhir: an HL7 FHIR R4 Genomics Reporting bundle (needs the "
                         "'fhir' extra), e.g. --format json")
    consult.add_argument("--pharmcat", help="genotypes from a PharmCAT output (outside-call "
                         "TSV, .report.json, .phenotype.json or calls-only TSV); overrides the "
                         "patient file's 'pharmcat', e.g. --pharmcat sample.report.json")
    consult.add_argument("--fhir", help="genotypes from the genotype Observations of a FHIR "
                         "bundle (needs the 'fhir' extra), e.g. --fhir bundle.json")
    consult.add_argument("--out", help="write the report to this file instead of standard "
                         "output ('-': standard output), e.g. --out report.md")
    consult.add_argument("--acute", action="store_true",
                         help="add the status epilepticus pathway, e.g. --acute")
    consult.add_argument("--kb", help="knowledge-base folder (default: $ADVISOR_KB or the "
                         "bundled one), e.g. --kb ./knowledgebase")
    consult.add_argument("--trust-models", action="store_true",
                         help="use risk-model files that are not in the manifest of the "
                         "shipped models (e.g. $ADVISOR_MODELS pointing to your own); without "
                         "it such files give 'risk model not available', e.g. --trust-models")
    consult.set_defaults(func=run)
