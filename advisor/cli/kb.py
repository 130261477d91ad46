"""``advisor kb validate [DIR]``: check the knowledge base; exit 1 with the problems."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def validate(args: argparse.Namespace) -> int:
    from advisor.knowledge import load_knowledgebase, validate_knowledgebase

    problems = validate_knowledgebase(args.dir)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    kb = load_knowledgebase(args.dir)
    print(f"knowledge base {kb.version} is valid: {len(kb.genes)} genes, {len(kb.drugs)} drugs, "
          f"{len(kb.interactions)} interactions, {len(kb.rules)} rules, "
          f"{len(kb.sources)} sources; sha256 {kb.sha256}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``kb`` (with ``validate``) to the ``advisor`` sub-command parsers."""
    kb = subparsers.add_parser("kb", help="knowledge-base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser(
        "validate", help="check the knowledge base; exit 1 on problems",
        description="Schema, references and sources of every knowledge-base file; each "
                    "problem as 'file: path: message'. Example: advisor kb validate "
                    "./knowledgebase")
    check.add_argument("dir", nargs="?", help="knowledge-base folder (default: $ADVISOR_KB "
                       "or the bundled one), e.g. ./knowledgebase")
    check.set_defaults(func=validate)
