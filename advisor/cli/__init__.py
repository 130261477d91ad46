"""The ``advisor`` command line: one module per command (``consult``, ``screen``, ``model``,
``call``, ``kb``, ``app``, ``serve``), each with ``register(subparsers)``; each imports what it
needs only when it runs, so ``--help`` and ``--version`` start at once. Exit codes: 0 success,
2 bad input, 1 internal error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from advisor import __version__
from advisor.cli import app, call, consult, kb, model, screen, serve
from advisor.errors import InputError, KnowledgeBaseInvalid

EPILOG = """\
examples:
  advisor consult examples/hla-b1502-focal-dre.yaml --format html --out report.html
  advisor screen cohort.csv --out results.parquet
  advisor kb validate
  advisor serve --port 8080

environment:
  ADVISOR_KB      knowledge-base folder used when --kb is not given (default: the bundled one)
  ADVISOR_MODELS  risk-model folder (default: the bundled models); files that are not in the
                  manifest of the shipped models need 'advisor consult --trust-models'

exit codes: 0 success, 2 bad input (the message names the field and the value),
1 invalid knowledge base or internal error
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="advisor",
        description="Pharmacogenomic dosing advisor for drug-resistant epilepsy.\nDecision "
                    "support for professionals; it does not replace clinical judgment.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"advisor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    for command in (consult, screen, model, call, kb, app, serve):
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
