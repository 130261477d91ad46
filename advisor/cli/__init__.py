"""The ``advisor`` command line: one module per command (``consult``, ``screen``, ``model``,
``call``, ``kb``), each with ``register(subparsers)``. Exit codes: 0 success, 2 bad input,
1 internal error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from advisor import __version__
from advisor.cli import call, consult, kb, model, screen
from advisor.errors import InputError
from advisor.knowledge import KnowledgeBaseInvalid


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="advisor",
        description="Pharmacogenomic dosing advisor for drug-resistant epilepsy. Decision "
                    "support for professionals; it does not replace clinical judgment.")
    parser.add_argument("--version", action="version", version=f"advisor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    for command in (consult, screen, model, call, kb):
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KnowledgeBaseInvalid as exc:
        print(f"error: the knowledge base is invalid ({len(exc.problems)} problems); run "
              "'advisor kb validate' for the list", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
