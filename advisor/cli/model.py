"""``advisor model``: simulate a cohort, train a risk model, evaluate it.

- ``advisor model simulate [--n N] [--seed S] --out COHORT.csv|.parquet``
- ``advisor model train COHORT --outcome COLUMN [--kind KIND] [--out FILE.skops]
  [--members M] [--member-n N]``: COHORT is
  a CSV, TSV or Parquet table, or the word ``synthetic`` for the default simulated cohort
  (then ``--out`` defaults to the shipped model file in models/; for a table it defaults to
  ``<table>.<kind>.skops`` next to it). The kind follows from the two standard outcome
  names (drug_resistant, seizure_free_next_regimen); give ``--kind`` for any other column.
  ``--members`` models for the uncertainty interval: on cohorts simulated with the published
  numbers drawn within their CIs (``synthetic``) or on bootstrap resamples of the table.
- ``advisor model table [MODEL ...]``: derive each model file's inference table
  (:mod:`advisor.risk.table`), which predictions use; training writes it too. Files written
  into the bundled models folder are recorded in its manifest (``models/manifest.json``,
  :mod:`advisor.risk.manifest`); a shipped model file that no longer matches the manifest
  is refused rather than given a new table.
- ``advisor model evaluate [MODEL ...] [--cohort TABLE] [--plot PNG] [--json FILE]``: ROC AUC
  with a bootstrap 95% CI, Brier score, calibration slope and intercept on held-out data
  (default: the shipped models on a fresh synthetic cohort drawn with the training seed + 1).

Register with ``register(subparsers)`` from the main parser.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from advisor.cli.options import add_kb
from advisor.errors import InputError
from advisor.risk import DEFAULT_MEMBER_N, DEFAULT_MEMBERS, DEFAULT_N, DEFAULT_SEED

EVALUATION_N = 20_000


def read_table(path: str | Path) -> Any:
    """A cohort table (CSV, TSV or Parquet) with text cells, by the shared table reader."""
    from advisor.inputs.tables import read_table as read

    return read(Path(path), str(path))


def _write_table(table: Any, path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError("--out", str(path), "use a .csv or .parquet file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path, index=False)


def _shown(path: Path) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _kind_for(outcome: str, kind: str | None) -> str:
    from advisor.risk.model import SPECS

    if kind:
        return kind
    for spec in SPECS.values():
        if spec.default_outcome == outcome:
            return spec.kind
    raise InputError("--kind", None, f"say which model the outcome {outcome!r} is for: "
                                     f"{' or '.join(SPECS)}")


def _simulate(args: argparse.Namespace) -> int:
    from advisor.knowledge import load_knowledgebase
    from advisor.risk.simulate import simulate_cohort

    es = load_knowledgebase(args.kb).effect_sizes
    out = Path(args.out)
    table = simulate_cohort(es, args.n, args.seed)
    _write_table(table, out)
    print(f"wrote {len(table)} synthetic patients to {out} (seed {args.seed}; effect sizes "
          f"version {es.version})")
    return 0


def _print_metrics(m: dict[str, Any]) -> None:
    lo, hi = m["roc_auc_ci95"]
    print(f"  n {m['n']}, events {m['events']} (observed {m['observed_rate']:.3f}, mean "
          f"predicted {m['mean_predicted']:.3f})")
    print(f"  ROC AUC {m['roc_auc']:.3f} (95% CI {lo:.3f}-{hi:.3f}, "
          f"{m['bootstrap_resamples']} bootstrap resamples)")
    print(f"  Brier score {m['brier']:.4f}")
    print(f"  calibration slope {m['calibration_slope']:.3f}, intercept "
          f"{m['calibration_intercept']:.3f}")


def _train(args: argparse.Namespace) -> int:
    from advisor.knowledge import load_knowledgebase
    from advisor.resources import models_dir
    from advisor.risk.model import SPECS
    from advisor.risk.persist import save_model
    from advisor.risk.simulate import simulate_cohort
    from advisor.risk.train import fit_model

    kb = load_knowledgebase(args.kb)
    kind = _kind_for(args.outcome, args.kind)
    if args.cohort == "synthetic":
        es = kb.effect_sizes
        table = simulate_cohort(es, args.n, args.seed)
        training_data = {"source": "synthetic", "n": args.n, "seed": args.seed,
                         "effect_sizes_version": es.version,
                         "description": f"a synthetic literature-calibrated cohort "
                                        f"(n={args.n}, seed {args.seed})"}
        evidence = es.source_ids()
        default_out = models_dir() / SPECS[kind].default_file
    else:
        path = Path(args.cohort)
        table = read_table(path)
        training_data = {"source": "file", "file": path.name,
                         "description": f"the cohort table {path.name}"}
        evidence = []
        default_out = path.with_name(f"{path.stem}.{kind}.skops")
    model = fit_model(kb, table, args.outcome, kind, training_data=training_data,
                      evidence=evidence, seed=args.seed, n_boot=args.bootstrap,
                      members=args.members, member_n=args.member_n,
                      synthetic=kb.effect_sizes if args.cohort == "synthetic" else None)
    out = save_model(model, args.out or default_out)
    data = model.meta["training_data"]
    print(f"trained {kind} model {model.version} on {data['n_train']} rows "
          f"({data['rows_without_outcome']} rows without an outcome left out); wrote {out}")
    print(f"held-out metrics ({data['n_held_out']} rows):")
    _print_metrics(model.meta["held_out_metrics"])
    ensemble = model.meta.get("ensemble")
    print(f"uncertainty interval: {ensemble['method']}" if ensemble else
          "uncertainty interval: none (--members 0)")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from advisor.knowledge import load_knowledgebase
    from advisor.resources import models_dir
    from advisor.risk.model import SPECS
    from advisor.risk.persist import load_model
    from advisor.risk.simulate import simulate_cohort
    from advisor.risk.train import evaluate, regimen_check, reliability_plot

    kb = load_knowledgebase(args.kb)
    es = kb.effect_sizes
    paths = args.models or [models_dir() / s.default_file for s in SPECS.values()]
    given = read_table(args.cohort) if args.cohort else None
    simulated: dict[int, Any] = {}
    report: dict[str, Any] = {}
    curves = []
    for path in map(Path, paths):
        try:
            model = load_model(path)
        except (OSError, ValueError) as exc:
            raise InputError("model", str(path), str(exc)) from None
        data = model.meta["training_data"]
        if given is not None:
            table, cohort = given, f"table {args.cohort}"
        elif data.get("source") == "synthetic":
            seed = int(data["seed"]) + 1
            if seed not in simulated:
                simulated[seed] = simulate_cohort(es, args.n, seed)
            table, cohort = simulated[seed], f"synthetic n={args.n}, seed {seed} (held out)"
        else:
            raise InputError("--cohort", None, f"{path} was trained on a clinic table: give "
                                               "held-out data with --cohort")
        m, y, p = evaluate(kb, model, table, args.outcome, n_boot=args.bootstrap,
                           seed=args.seed)
        print(f"{model.spec.kind} ({_shown(path)}, version {model.version}, scikit-learn "
              f"{model.meta['sklearn_version']})")
        print(f"  cohort: {cohort}")
        _print_metrics(m)
        odds = {f: {level: round(v, 3) for level, v in levels.items()}
                for f, levels in model.odds_ratios().items()}
        entry: dict[str, Any] = {"file": _shown(path), "model_version": model.version,
                                 "sklearn_version": model.meta["sklearn_version"],
                                 "cohort": cohort, "metrics": m, "odds_ratios": odds}
        if model.spec.history:
            entry["regimen_check"] = regimen_check(model, es)
            print("  next-regimen seizure freedom, other factors unknown (model vs published):")
            for row in entry["regimen_check"]:
                shown = (f" [{row['interval'][0]:.3f}-{row['interval'][1]:.3f}]"
                         if row.get("interval") else "")
                print(f"    {row['failed_regimens']:>2} failed: {row['predicted']:.3f}{shown} "
                      f"vs {row['published']:.3f} ({row['difference_pp']:+.1f} pp)")
        report[model.spec.kind] = entry
        curves.append((f"{model.spec.kind} ({model.version})", y, p))
    if args.plot:
        print(f"reliability plot: {reliability_plot(curves, args.plot)}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"metrics: {args.json}")
    return 0


def _table(args: argparse.Namespace) -> int:
    from advisor.resources import models_dir
    from advisor.risk.manifest import bundled_dir, verify
    from advisor.risk.model import SPECS
    from advisor.risk.persist import load_model
    from advisor.risk.table import write_table

    paths = args.models or [models_dir() / s.default_file for s in SPECS.values()]
    for path in map(Path, paths):
        try:
            if path.resolve().parent == bundled_dir().resolve():  # never bless a changed file
                verify(path, trust=False)
            model = load_model(path)
        except (OSError, ValueError) as exc:
            raise InputError("model", str(path), str(exc)) from None
        print(f"wrote {_shown(write_table(model, path))} (from {_shown(path)}, version "
              f"{model.version})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``model`` command group to the main parser's subcommands."""
    model = subparsers.add_parser(
        "model", help="risk model: simulate, train, evaluate",
        description="Simulate a literature-calibrated cohort, train a risk model, evaluate "
                    "discrimination and calibration. Example: advisor model evaluate")
    sub = model.add_subparsers(dest="model_command", required=True)

    sim = sub.add_parser(
        "simulate", help="write a synthetic literature-calibrated cohort",
        description="Example: advisor model simulate --n 5000 --out synthetic.parquet")
    sim.add_argument("--n", type=int, default=DEFAULT_N,
                     help=f"patients (default {DEFAULT_N}), e.g. --n 5000")
    sim.add_argument("--seed", type=int, default=DEFAULT_SEED,
                     help=f"random seed (default {DEFAULT_SEED}), e.g. --seed 7")
    sim.add_argument("--out", required=True,
                     help="cohort file (.csv or .parquet), e.g. --out synthetic.csv")
    add_kb(sim)
    sim.set_defaults(func=_simulate)

    train = sub.add_parser(
        "train", help="fit a risk model on a cohort table",
        description="Fit a logistic risk model and report held-out metrics. Example: advisor "
                    "model train clinic.csv --outcome drug_resistant --out clinic.skops")
    train.add_argument("cohort", help="CSV/TSV/Parquet table, or 'synthetic' for the default "
                       "simulated cohort, e.g. clinic.csv")
    train.add_argument("--outcome", required=True,
                       help="outcome column (1/0), e.g. --outcome drug_resistant")
    train.add_argument("--kind", choices=["drug_resistance", "seizure_freedom"],
                       help="which model (default: from the outcome name), e.g. --kind "
                       "drug_resistance")
    train.add_argument("--out", help="model file (.skops; default: <table>.<kind>.skops, or "
                       "the shipped model for 'synthetic'), e.g. --out clinic.skops")
    train.add_argument("--n", type=int, default=DEFAULT_N, help="size of the synthetic cohort "
                       f"(with 'synthetic'; default {DEFAULT_N}), e.g. --n 20000")
    train.add_argument("--seed", type=int, default=DEFAULT_SEED,
                       help="seed for the synthetic cohort and the train/held-out split "
                       f"(default {DEFAULT_SEED}), e.g. --seed 7")
    train.add_argument("--bootstrap", type=int, default=1000,
                       help="bootstrap resamples (default 1000), e.g. --bootstrap 200")
    train.add_argument("--members", type=int, default=DEFAULT_MEMBERS,
                       help="ensemble members for the uncertainty interval (0 = none; "
                       f"default {DEFAULT_MEMBERS}), e.g. --members 20")
    train.add_argument("--member-n", type=int, default=DEFAULT_MEMBER_N,
                       help="patients per synthetic member cohort (with 'synthetic'; "
                       f"default {DEFAULT_MEMBER_N}), e.g. --member-n 5000")
    add_kb(train)
    train.set_defaults(func=_train)

    ev = sub.add_parser(
        "evaluate", help="discrimination and calibration on held-out data",
        description="ROC AUC with a bootstrap 95% CI, Brier score, calibration slope and "
                    "intercept. Example: advisor model evaluate --plot reliability.png")
    ev.add_argument("models", nargs="*", help="model files (default: the shipped models), "
                    "e.g. clinic.skops")
    ev.add_argument("--cohort", help="held-out table (default: a fresh synthetic cohort), "
                    "e.g. --cohort held_out.csv")
    ev.add_argument("--outcome", help="outcome column (default: the model's own), e.g. "
                    "--outcome drug_resistant")
    ev.add_argument("--n", type=int, default=EVALUATION_N, help="size of the synthetic "
                    f"held-out cohort (default {EVALUATION_N}), e.g. --n 5000")
    ev.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0), e.g. "
                    "--seed 1")
    ev.add_argument("--bootstrap", type=int, default=1000,
                    help="bootstrap resamples (default 1000), e.g. --bootstrap 200")
    ev.add_argument("--plot", help="write a reliability plot (PNG), e.g. --plot rel.png")
    ev.add_argument("--json", help="write the metrics as JSON, e.g. --json metrics.json")
    add_kb(ev)
    ev.set_defaults(func=_evaluate)

    table = sub.add_parser(
        "table", help="derive the inference table of model files",
        description="Write <model>.table.json beside each model file: the additive log-odds "
                    "terms and metadata that predictions use (training writes it too). "
                    "Example: advisor model table models/dre_risk.skops")
    table.add_argument("models", nargs="*", help="model files (default: the shipped models), "
                       "e.g. clinic.skops")
    table.set_defaults(func=_table)
