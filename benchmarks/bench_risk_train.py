"""Risk-model training and prediction time: simulate a synthetic cohort, fit both models with
their uncertainty ensembles, then time the risk section of one consultation.

Run: python benchmarks/bench_risk_train.py [--n 100000] [--bootstrap 1000] [--members 100]
     [--member-n 20000] [--repeat 200]
Targets: each model (fit, held-out metrics, 100-member ensemble) in a few minutes on 2 cores;
the risk section of a consultation (features, both estimates, both intervals) in a few ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from advisor.frame import frame_from_patients
from advisor.inputs.patient import validate_patient
from advisor.knowledge import load_knowledgebase
from advisor.risk import DEFAULT_MEMBER_N, DEFAULT_MEMBERS
from advisor.risk.model import SPECS
from advisor.risk.persist import save_model
from advisor.risk.predict import risk_block
from advisor.risk.simulate import DEFAULT_SEED, simulate_cohort
from advisor.risk.train import fit_model

PATIENT = {"seizure_types": ["focal", "absence"],
           "clinical": {"etiology": "structural", "eeg_abnormal": True},
           "medication_history": [
               {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True},
               {"drug": "lamotrigine", "outcome": "inefficacy", "adequate": True}]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="synthetic patients")
    parser.add_argument("--bootstrap", type=int, default=1000,
                        help="bootstrap resamples for the held-out ROC AUC CI")
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS,
                        help="uncertainty-ensemble members")
    parser.add_argument("--member-n", type=int, default=DEFAULT_MEMBER_N,
                        help="patients per member cohort")
    parser.add_argument("--repeat", type=int, default=200, help="timed risk sections")
    args = parser.parse_args()

    kb = load_knowledgebase()
    es = kb.effect_sizes
    start = time.perf_counter()
    table = simulate_cohort(es, args.n, DEFAULT_SEED)
    simulate_s = time.perf_counter() - start
    print(f"simulate {args.n} patients: {simulate_s:.2f} s")
    total = simulate_s
    with tempfile.TemporaryDirectory() as folder:
        for kind, spec in SPECS.items():
            start = time.perf_counter()
            model = fit_model(kb, table, spec.default_outcome, kind,
                              training_data={"source": "benchmark"}, evidence=[],
                              seed=DEFAULT_SEED, n_boot=args.bootstrap, members=args.members,
                              member_n=args.member_n, synthetic=es)
            seconds = time.perf_counter() - start
            total += seconds
            save_model(model, Path(folder) / spec.default_file)
            m = model.meta["held_out_metrics"]
            print(f"train {kind} ({model.meta['training_data']['n_train']} rows, features + "
                  f"fit + held-out metrics + {args.members} ensemble members): "
                  f"{seconds:.2f} s; ROC AUC {m['roc_auc']:.3f}")
        print(f"total training: {total:.2f} s")

        patient = validate_patient(kb, PATIENT)
        frame = frame_from_patients(kb, [patient])
        risk_block(kb, patient, frame, models_dir=Path(folder))  # loads the files once
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            risk, _ = risk_block(kb, patient, frame, models_dir=Path(folder))
            times.append(time.perf_counter() - start)
    print(f"risk section of one consultation (estimates and intervals): median "
          f"{statistics.median(times) * 1000:.2f} ms, max {max(times) * 1000:.2f} ms over "
          f"{args.repeat} runs; p_sf {risk['p_seizure_freedom_next_regimen']} "
          f"{risk['p_seizure_freedom_next_regimen_interval']}")


if __name__ == "__main__":
    main()
