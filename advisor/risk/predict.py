"""Risk estimates for one patient from the shipped models (each file loaded once).

Required inputs (else :func:`risk_block` returns ``(None, reason)``):

- at least one known seizure type (``unknown`` and ``status_epilepticus`` alone do not
  count): the models describe people whose epilepsy has been characterised;
- for every trial that failed for lack of efficacy, ``adequate`` stated: the number of
  failed adequate regimens drives the next-regimen estimate and cannot be guessed.

Everything else is optional; what is missing enters the models as ``unknown``.

Each probability comes with an uncertainty interval from the model file's ensemble (see
:mod:`advisor.risk.uncertainty`); probabilities are rounded for display but never to 0.
Predictions use each model's inference table (:mod:`advisor.risk.table`), so a consult
imports neither scikit-learn nor skops.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor import resources
from advisor.frame import PatientFrame, frame_from_patients
from advisor.inputs.patient import Patient
from advisor.knowledge import KnowledgeBase
from advisor.risk.features import (
    RECORDED,
    STRATUM_COLUMNS,
    UNKNOWN,
    both_rows,
    display_names,
)
from advisor.risk.specs import INTERVAL_LEVEL, SPECS
from advisor.risk.table import ScoreTable, load_table, table_path
from advisor.schema import EffectSizes

TOP_FACTORS = 5
MIN_CONTRIBUTION = 0.05  # log-odds; smaller contributions are noise of the fit


@functools.lru_cache(maxsize=8)
def _cached(path: str, stamp: tuple[int, ...]) -> ScoreTable:
    return load_table(path)


def load_cached(path: Path | str) -> ScoreTable:
    """The inference table of a model file, loaded once (again when either file changes)."""
    resolved = Path(path).resolve()
    stamp = tuple(v for f in (resolved, table_path(resolved)) if f.exists()
                  for v in (f.stat().st_mtime_ns, f.stat().st_size))
    return _cached(str(resolved), stamp)


def shipped_models(models_dir: Path | None = None) -> tuple[ScoreTable, ScoreTable]:
    """The drug-resistance and next-regimen models (their inference tables)."""
    folder = models_dir or resources.models_dir()
    return (load_cached(folder / SPECS["drug_resistance"].default_file),
            load_cached(folder / SPECS["seizure_freedom"].default_file))


def missing_inputs(es: EffectSizes, patient: Patient) -> str | None:
    """Why the models cannot run for this patient, or None when they can."""
    not_counted = {t for f in es.factors if f.input.seizure_type_count
                   for t in (*f.input.not_counted, *f.input.unknown_types)}
    if not set(patient.seizure_types) - not_counted:
        return ("seizure_types: at least one known seizure type is required for a risk "
                f"estimate (given: {', '.join(patient.seizure_types)})")
    for i, trial in enumerate(patient.medication_history):
        if trial.outcome == "inefficacy" and trial.adequate is None:
            return (f"medication_history.{i}.adequate: state whether the {trial.drug} trial "
                    "was adequate; the number of failed adequate regimens is required for a "
                    "risk estimate")
    return None


def _display(names: dict[str, str], column: str, value: Any) -> tuple[str, Any]:
    """A model column and value as shown to users (input names, counts, stratum yes/no)."""
    if column in STRATUM_COLUMNS:
        return "no_clinical_record", "no" if value in ("no", RECORDED) else "yes"
    if isinstance(value, str):
        return column, value
    if pd.isna(value):
        return names[column], UNKNOWN
    shown = round(float(np.expm1(value))) if column.startswith("log1p_") else value
    return names[column], shown


def _top(names: dict[str, str], contributions: dict[str, float],
         row: dict[str, Any]) -> list[dict[str, Any]]:
    ranked = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))
    return [dict(zip(("factor", "value"), _display(names, c, row[c]), strict=True),
                 contribution=round(v, 3))
            for c, v in ranked[:TOP_FACTORS] if abs(v) >= MIN_CONTRIBUTION]


def _calibration_note(es: EffectSizes, dre: ScoreTable, sf: ScoreTable) -> str:
    parts = []
    for model in (dre, sf):
        m = model.meta["held_out_metrics"]
        parts.append(f"{model.kind.replace('_', ' ')}: ROC AUC {m['roc_auc']:.2f}, "
                     f"calibration slope {m['calibration_slope']:.2f}, intercept "
                     f"{m['calibration_intercept']:.2f}")
    source = dre.meta["training_data"].get("description", "a cohort table")
    ensemble = sf.meta.get("ensemble")
    if ensemble:
        interval = (f"Each interval is the central {INTERVAL_LEVEL:.0%} of the estimates of "
                    f"{ensemble['method']}; it covers the uncertainty of those published "
                    "numbers, not that of the modelling assumptions (independent factors, "
                    "the same effect on every regimen) nor the chance in one patient's "
                    "course. ")
    else:
        interval = "No uncertainty interval: the model files hold no ensemble (retrain). "
    return (f"Trained and evaluated on {source} ({'; '.join(parts)}, held-out data). "
            f"{interval}Literature-calibrated, not validated on patients: orientation only, "
            f"not a prognosis. {es.report.caveat}")


def _shown(p: float) -> float:
    """A probability rounded for display, never to 0: three decimals, or two significant
    digits below 1%."""
    return round(p, 3) if p >= 0.01 else float(f"{p:.2g}")


def _interval(model: ScoreTable, row: dict[str, Any]) -> list[float] | None:
    bounds = model.interval(row)
    return None if bounds is None else [_shown(bounds[0]), _shown(bounds[1])]


def risk_block(kb: KnowledgeBase, patient: Patient, frame: PatientFrame | None = None,
               row: int = 0, models_dir: Path | None = None, *, drug_resistant: bool = False
               ) -> tuple[dict[str, Any] | None, str | None]:
    """``(risk, None)`` for the consult result, or ``(None, reason)`` when it cannot run.

    ``frame`` is the consult's own (translated) frame and ``row`` the patient's row in it;
    without one the patient is translated here. ``drug_resistant``: the patient already
    meets the ILAE definition of drug resistance (the consult's classification); the
    probability of drug resistance is then not estimated (null, with a note) and only the
    next-regimen estimate is shown.
    """
    es = kb.effect_sizes
    reason = missing_inputs(es, patient)
    if reason:
        return None, reason
    try:
        dre, sf = shipped_models(models_dir)
    except (OSError, ValueError) as exc:
        return None, f"risk model not available: {exc}"
    if frame is None:
        frame, row = frame_from_patients(kb, [patient]), 0
    base, with_history = both_rows(es, frame, row)
    for model, row_features in ((dre, base), (sf, with_history)):
        if list(model.columns) != list(row_features):
            return None, ("risk model not available: the model was trained on other features "
                          f"than the knowledge base declares ({', '.join(model.columns)}); "
                          "retrain it with 'advisor model train'")
    k = int(frame.failed_regimens.iloc[row])
    notes = []
    if drug_resistant:
        notes.append("The patient already meets the ILAE definition of drug-resistant "
                     "epilepsy (see the ILAE status), so no probability of drug resistance is "
                     "given; only the estimate for the next regimen is shown.")
    elif k >= 2:
        notes.append(f"{k} adequate regimens have already failed: see the ILAE status (dre). "
                     "p_drug_resistance is estimated from baseline factors only.")
    names = display_names(es)
    p_sf, sf_parts = sf.explain(with_history)
    if drug_resistant:
        p_dre, dre_interval, dre_factors = None, None, []
    else:
        p, dre_parts = dre.explain(base)
        p_dre, dre_interval = _shown(p), _interval(dre, base)
        dre_factors = _top(names, dre_parts, base)
    risk = {
        "p_drug_resistance": p_dre,
        "p_drug_resistance_interval": dre_interval,
        "p_seizure_freedom_next_regimen": _shown(p_sf),
        "p_seizure_freedom_next_regimen_interval": _interval(sf, with_history),
        "failed_adequate_regimens": k,
        "top_factors": dre_factors,
        "top_factors_seizure_freedom": _top(names, sf_parts, with_history),
        "contribution_scale": es.report.contribution_scale,
        "unknown_inputs": sorted(_display(names, c, v)[0] for c, v in with_history.items()
                                 if (v == UNKNOWN if isinstance(v, str) else pd.isna(v))),
        "model": f"logistic regression (scikit-learn {dre.meta['sklearn_version']})",
        "model_version": f"{dre.version}+{sf.version}",
        "calibration_note": _calibration_note(es, dre, sf),
        "notes": notes,
        "evidence": list(dict.fromkeys([*dre.meta["evidence"], *sf.meta["evidence"]])),
    }
    return risk, None
