"""The ``advisor`` command line. Exit codes: 0 success, 2 bad input, 1 internal error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from advisor import __version__
from advisor.call_cli import register as register_call
from advisor.errors import InputError
from advisor.knowledge import KnowledgeBaseInvalid, load_knowledgebase, validate_knowledgebase
from advisor.risk.cli import register as register_model


def _kb_validate(args: argparse.Namespace) -> int:
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


def _consult(args: argparse.Namespace) -> int:
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


def _screen(args: argparse.Namespace) -> int:
    from advisor.cohort import screen

    kb = load_knowledgebase(args.kb)
    out = Path(args.out)
    errors = Path(args.errors) if args.errors else out.with_name(out.stem + ".errors.csv")
    drugs = [d.strip() for d in args.drugs.split(",")] if args.drugs else None
    if args.engine == "dask":
        from advisor.cohort_dask import screen_dask

        summary = screen_dask(kb, Path(args.cohort), out, errors, chunksize=args.chunksize,
                              drugs=drugs, scheduler=args.scheduler)
    else:
        summary = screen(kb, Path(args.cohort), out, errors, chunksize=args.chunksize,
                         drugs=drugs, progress=sys.stderr.isatty())
    print(summary.text())
    print(f"results: {out}\nerrors: {errors}")
    if args.report:
        from advisor.cohort_report import write_report

        write_report(summary, Path(args.report), kb)
        print(f"report: {args.report}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="advisor",
        description="Pharmacogenomic dosing advisor for drug-resistant epilepsy. Decision "
                    "support for professionals; it does not replace clinical judgment.")
    parser.add_argument("--version", action="version", version=f"advisor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    consult = sub.add_parser("consult", help="advise on one patient file (YAML or JSON)")
    consult.add_argument("patient", help="patient file")
    consult.add_argument("--format", choices=["json", "markdown", "html"], default="markdown")
    consult.add_argument("--out", help="write the report here instead of standard output")
    consult.add_argument("--acute", action="store_true",
                         help="add the status epilepticus pathway")
    consult.add_argument("--kb", help="knowledge-base folder (default: the bundled one)")
    consult.set_defaults(func=_consult)

    scr = sub.add_parser("screen", help="screen a cohort (CSV, TSV, Parquet or VCF)")
    scr.add_argument("cohort", help="cohort table or multi-sample VCF")
    scr.add_argument("--out", required=True, help="results file (.csv, .tsv or .parquet)")
    scr.add_argument("--errors", help="errors file (default: <out>.errors.csv)")
    scr.add_argument("--engine", choices=["pandas", "dask"], default="pandas")
    scr.add_argument("--scheduler", help="address of an existing Dask scheduler")
    scr.add_argument("--chunksize", type=int, default=100_000, help="rows per chunk")
    scr.add_argument("--drugs", help="comma-separated ASMs to judge (default: all, or those "
                     "fitting each sample's seizure types)")
    scr.add_argument("--report", help="write an HTML summary report here")
    scr.add_argument("--kb", help="knowledge-base folder (default: the bundled one)")
    scr.set_defaults(func=_screen)

    register_model(sub)
    register_call(sub)

    kb = sub.add_parser("kb", help="knowledge-base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    validate = kb_sub.add_parser("validate", help="check the knowledge base; exit 1 on problems")
    validate.add_argument("dir", nargs="?", help="knowledge-base folder (default: bundled)")
    validate.set_defaults(func=_kb_validate)
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


if __name__ == "__main__":
    sys.exit(main())
