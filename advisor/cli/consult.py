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
    result = consult_file(kb, args.patient, acute=args.acute)
    text = render(result, args.format)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def register(subparsers: Any) -> None:
    """Add ``consult`` to the ``advisor`` sub-command parsers."""
    consult = subparsers.add_parser("consult", help="advise on one patient file (YAML or JSON)")
    consult.add_argument("patient", help="patient file")
    consult.add_argument("--format", choices=["json", "markdown", "html"], default="markdown")
    consult.add_argument("--out", help="write the report here instead of standard output")
    consult.add_argument("--acute", action="store_true",
                         help="add the status epilepticus pathway")
    consult.add_argument("--kb", help="knowledge-base folder (default: the bundled one)")
    consult.set_defaults(func=run)
