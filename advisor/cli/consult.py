"""``advisor consult PATIENT``: one patient file -> a report (Markdown, HTML, JSON, PDF,
PharmCAT outside calls or a FHIR bundle); on a terminal without ``--format``, a short coloured
summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from advisor.cli.options import add_kb

FORMATS = ("markdown", "html", "json", "pdf", "pharmcat", "fhir")
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
            ".json": "json", ".pdf": "pdf"}


def _write_file(data: bytes, out: str) -> None:
    """Write ``out`` whole or not at all (a temporary file beside it, then renamed)."""
    from advisor.errors import InputError
    from advisor.outputs import atomic_outputs

    path = Path(out)
    if not path.parent.is_dir():
        raise InputError("--out", out, f"the folder {path.parent} does not exist")
    with atomic_outputs(path) as (temp,):
        temp.write_bytes(data)


def write(text: str, out: str | None) -> None:
    """Write to a file, or to standard output when ``out`` is absent or '-'."""
    text = text if text.endswith("\n") else text + "\n"
    if out and out != "-":
        _write_file(text.encode("utf-8"), out)
    else:
        sys.stdout.write(text)


def format_for(args: argparse.Namespace) -> str | None:
    """The format asked for, else the one the output file's name implies (Markdown for other
    names); None for the terminal summary (no format, no file, standard output a terminal)."""
    if args.format:
        return args.format
    if args.out and args.out != "-":
        return SUFFIXES.get(Path(args.out).suffix.lower(), "markdown")
    return None if sys.stdout.isatty() else "markdown"


def write_pdf(data: bytes, out: str | None) -> None:
    """Write a PDF to a file, or to standard output when it is not a terminal."""
    from advisor.errors import InputError

    if out and out != "-":
        _write_file(data, out)
    elif sys.stdout.isatty():
        raise InputError("--out", "", "a PDF is not shown on a terminal: give --out FILE.pdf "
                         "or redirect standard output")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


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
    fmt = format_for(args)
    if fmt is None:
        from rich.console import Console

        from advisor.report.terminal import print_summary

        print_summary(result, Console(highlight=False), args.patient)
    elif fmt == "pdf":
        from advisor.report.pdf import to_pdf

        write_pdf(to_pdf(result, args.paper), args.out)
    else:
        write(render(result, fmt, kb), args.out)
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
    consult.add_argument("--format", choices=FORMATS,
                         help="report format (default: a short coloured summary on a "
                         "terminal; Markdown into a pipe; else the --out file's suffix: .md, "
                         ".html, .json, .pdf); pdf needs the 'pdf' extra; pharmcat: PharmCAT "
                         "outside calls; fhir: an HL7 FHIR R4 Genomics Reporting bundle (needs "
                         "the 'fhir' extra), e.g. --format html")
    consult.add_argument("--paper", choices=("A4", "Letter"), default="A4",
                         help="PDF paper size (default A4), e.g. --paper Letter")
    consult.add_argument("--pharmcat", help="genotypes from a PharmCAT output (outside-call "
                         "TSV, .report.json, .phenotype.json or calls-only TSV); overrides the "
                         "patient file's 'pharmcat', e.g. --pharmcat sample.report.json")
    consult.add_argument("--fhir", help="genotypes from the genotype Observations of a FHIR "
                         "bundle (needs the 'fhir' extra), e.g. --fhir bundle.json")
    consult.add_argument("--out", help="write the report to this file instead of standard "
                         "output ('-': standard output), e.g. --out report.md")
    consult.add_argument("--acute", action="store_true",
                         help="add the status epilepticus pathway, e.g. --acute")
    add_kb(consult)
    consult.add_argument("--trust-models", action="store_true",
                         help="use risk-model files that are not in the manifest of the "
                         "shipped models (e.g. $ADVISOR_MODELS pointing to your own); without "
                         "it such files give 'risk model not available', e.g. --trust-models")
    consult.set_defaults(func=run)
