"""Risk-model training time: simulate a synthetic cohort, fit both models, time each step.

Run: python benchmarks/bench_risk_train.py [--n 100000] [--bootstrap 1000]
Target: the whole run under a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import time

from advisor.knowledge import load_knowledgebase
from advisor.risk.model import SPECS
from advisor.risk.simulate import DEFAULT_SEED, simulate_cohort
from advisor.risk.train import fit_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="synthetic patients")
    parser.add_argument("--bootstrap", type=int, default=1000,
                        help="bootstrap resamples for the held-out ROC AUC CI")
    args = parser.parse_args()

    kb = load_knowledgebase()
    es = kb.effect_sizes
    start = time.perf_counter()
    table = simulate_cohort(es, args.n, DEFAULT_SEED)
    simulate_s = time.perf_counter() - start
    print(f"simulate {args.n} patients: {simulate_s:.2f} s")
    total = simulate_s
    for kind, spec in SPECS.items():
        start = time.perf_counter()
        model = fit_model(kb, table, spec.default_outcome, kind,
                          training_data={"source": "benchmark"}, evidence=[],
                          seed=DEFAULT_SEED, n_boot=args.bootstrap)
        seconds = time.perf_counter() - start
        total += seconds
        m = model.meta["held_out_metrics"]
        print(f"train {kind} ({model.meta['training_data']['n_train']} rows, features + fit + "
              f"held-out metrics): {seconds:.2f} s; ROC AUC {m['roc_auc']:.3f}")
    print(f"total: {total:.2f} s")


if __name__ == "__main__":
    main()
