"""Fit and evaluate risk models: discrimination (ROC AUC with a bootstrap CI), Brier score,
calibration slope and intercept, and a reliability plot."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
import skops
from scipy.special import expit
from sklearn.model_selection import train_test_split

from advisor.errors import InputError
from advisor.inputs.fields import FALSE_WORDS, TRUE_WORDS
from advisor.knowledge import KnowledgeBase
from advisor.risk import DEFAULT_MEMBER_N, DEFAULT_MEMBERS
from advisor.risk.features import clinical_block, feature_frame, model_columns
from advisor.risk.model import SPECS, RiskModel, build_pipeline
from advisor.risk.uncertainty import (
    bootstrap_indices,
    ensemble_meta,
    member_terms,
    synthetic_cohorts,
)
from advisor.schema import EffectSizes

MIN_EVENTS = 10


def outcome_vector(table: pd.DataFrame, column: str) -> np.ndarray:
    """The outcome column as 1.0 / 0.0, NaN where the cell is empty."""
    if column not in table.columns:
        raise InputError(column, None, "outcome column not found; columns: "
                                       + ", ".join(map(str, table.columns)))
    cells = table[column]
    text = cells.astype(object).where(cells.notna(), "").map(lambda v: str(v).strip().lower())
    text = text.to_numpy()
    out = np.full(len(text), np.nan)
    for value in pd.unique(text):
        mask = text == value
        if value in TRUE_WORDS:
            out[mask] = 1.0
        elif value in FALSE_WORDS:
            out[mask] = 0.0
        elif value:
            row = int(np.flatnonzero(mask)[0])
            raise InputError(column, cells.iloc[row], "outcome must be 1/0, true/false or "
                                                      f"yes/no (empty = not known) (row {row + 1})")
    return out


def _labelled(kb: KnowledgeBase, table: pd.DataFrame, outcome: str,
              history: bool) -> tuple[pd.DataFrame, np.ndarray]:
    y = outcome_vector(table, outcome)
    features = feature_frame(kb, table, history=history)
    keep = ~np.isnan(y)
    y = y[keep].astype(int)
    events = int(y.sum())
    if min(events, len(y) - events) < MIN_EVENTS:
        raise InputError(outcome, f"{events} of {len(y)}", f"need at least {MIN_EVENTS} rows "
                                                          "with each outcome to fit or evaluate")
    return features[keep].reset_index(drop=True), y


def _sha256(features: pd.DataFrame, y: np.ndarray, *parts: str) -> str:
    digest = hashlib.sha256(pd.util.hash_pandas_object(features, index=False).to_numpy()
                            .tobytes())
    digest.update(y.astype(np.int8).tobytes())
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()


def fit_model(kb: KnowledgeBase, table: pd.DataFrame, outcome: str, kind: str, *,
              training_data: dict[str, Any], evidence: list[str], seed: int = 0,
              test_fraction: float = 0.2, n_boot: int = 1000,
              members: int = DEFAULT_MEMBERS, member_n: int = DEFAULT_MEMBER_N,
              synthetic: EffectSizes | None = None) -> RiskModel:
    """Fit on a random share of the labelled rows and evaluate on the held-out rest.

    Rows whose outcome is empty are left out; ``training_data`` describes the table for the
    model card and ``evidence`` lists the sources behind it (empty for a clinic's own data).
    ``members`` ensemble members give the uncertainty interval: with ``synthetic`` (the
    effect sizes the table was simulated from) each member is trained on a cohort of
    ``member_n`` patients simulated with the published numbers drawn within their CIs,
    otherwise on a bootstrap resample of the training rows; 0 = no ensemble.
    """
    spec = SPECS[kind]
    features, y = _labelled(kb, table, outcome, spec.history)
    x_train, x_test, y_train, y_test = train_test_split(
        features, y, test_size=test_fraction, random_state=seed, stratify=y)
    es = kb.effect_sizes
    estimator = build_pipeline(model_columns(es, spec.history)).fit(x_train, y_train)
    sha = _sha256(features, y, kind, outcome, str(seed))
    meta: dict[str, Any] = {
        "kind": kind,
        "outcome": outcome,
        "description": spec.description,
        "model_version": f"{kind}-{sha[:12]}",
        "estimator": "LogisticRegression (L2, C=1.0) on one-hot categories with explicit "
                     "'unknown' levels and numeric features with missing indicators",
        "sklearn_version": sklearn.__version__,
        "skops_version": skops.__version__,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": {**training_data, "rows_with_outcome": len(y),
                          "rows_without_outcome": len(table) - len(y),
                          "n_train": len(y_train), "n_held_out": len(y_test),
                          "split_seed": seed, "sha256": sha},
        "evidence": evidence,
        "clinical_block": list(clinical_block(es)),
    }
    model = RiskModel(estimator, meta)
    meta["held_out_metrics"] = metrics(y_test, model.predict(x_test), n_boot=n_boot, seed=seed)
    if members:
        meta["ensemble"] = _ensemble(kb, model, outcome, x_train, y_train, members=members,
                                     member_n=member_n, synthetic=synthetic, seed=seed)
    return model


def _ensemble(kb: KnowledgeBase, model: RiskModel, outcome: str, x_train: pd.DataFrame,
              y_train: np.ndarray, *, members: int, member_n: int,
              synthetic: EffectSizes | None, seed: int) -> dict[str, Any]:
    fitted = []
    if synthetic is not None:
        stats: dict[str, int] = {}
        for cohort in synthetic_cohorts(synthetic, members, member_n, seed, stats):
            features, y = _labelled(kb, cohort, outcome, model.spec.history)
            fitted.append(member_terms(model, features, y))
        method = (f"{members} models trained on synthetic cohorts of {member_n} patients, "
                  "each simulated with the published effect sizes, drug-resistance "
                  "frequency and regimen-by-regimen rates drawn within their 95% confidence "
                  f"intervals ({stats.get('redrawn', 0)} incompatible draws redrawn)")
        details = {"kind": "synthetic_draws", "member_n": member_n,
                   "redrawn": stats.get("redrawn", 0)}
    else:
        for rows in bootstrap_indices(len(y_train), members, seed):
            fitted.append(member_terms(model, x_train.iloc[rows], y_train[rows]))
        method = (f"{members} models refitted on bootstrap resamples of the training rows "
                  "(sampling uncertainty of the table only)")
        details = {"kind": "bootstrap"}
    kept = [m for m in fitted if m is not None]
    return ensemble_meta(kept, method, details)


def evaluate(kb: KnowledgeBase, model: RiskModel, table: pd.DataFrame, outcome: str | None = None,
             *, n_boot: int = 1000, seed: int = 0) -> tuple[dict[str, Any], np.ndarray,
                                                            np.ndarray]:
    """Metrics of ``model`` on ``table`` (held-out data), with the outcomes and predictions."""
    features, y = _labelled(kb, table, outcome or model.meta["outcome"], model.spec.history)
    p = model.predict(features)
    return metrics(y, p, n_boot=n_boot, seed=seed), y, p


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def calibration(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Calibration slope (logistic recalibration of logit p) and calibration-in-the-large
    intercept (with logit p as offset); ideal values 1 and 0."""
    lp = _logit(p)
    x = np.column_stack([np.ones_like(lp), lp])
    beta = np.array([0.0, 1.0])
    for _ in range(50):
        mu = expit(x @ beta)
        step = np.linalg.solve(x.T @ (x * (mu * (1 - mu))[:, None]), x.T @ (y - mu))
        beta += step
        if np.abs(step).max() < 1e-10:
            break
    intercept = 0.0
    for _ in range(50):
        mu = expit(intercept + lp)
        step = float((y - mu).sum() / (mu * (1 - mu)).sum())
        intercept += step
        if abs(step) < 1e-12:
            break
    return float(beta[1]), intercept


def _weighted_auc(groups: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    """ROC AUC from scores grouped by rank (ties share a group), with case weights."""
    pos = np.bincount(groups, weights=weights * y)
    neg = np.bincount(groups, weights=weights * (1 - y))
    below = np.cumsum(neg) - neg
    return float((pos * (below + neg / 2)).sum() / (pos.sum() * neg.sum()))


def bootstrap_auc(y: np.ndarray, p: np.ndarray, n_boot: int = 1000,
                  seed: int = 0) -> tuple[float, float, float]:
    """ROC AUC and its percentile-bootstrap 95% confidence interval."""
    _, groups = np.unique(p, return_inverse=True)
    auc = _weighted_auc(groups, y, np.ones(len(y)))
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        weights = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y)).astype(float)
        if 0 < (weights * y).sum() < weights.sum():
            draws.append(_weighted_auc(groups, y, weights))
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return auc, float(lo), float(hi)


def metrics(y: np.ndarray, p: np.ndarray, *, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """ROC AUC (bootstrap 95% CI), Brier score, calibration slope and intercept."""
    auc, lo, hi = bootstrap_auc(y, p, n_boot, seed)
    slope, intercept = calibration(y, p)
    return {"n": len(y), "events": int(y.sum()), "observed_rate": round(float(y.mean()), 4),
            "mean_predicted": round(float(p.mean()), 4), "roc_auc": round(auc, 4),
            "roc_auc_ci95": [round(lo, 4), round(hi, 4)], "bootstrap_resamples": n_boot,
            "brier": round(float(np.mean((p - y) ** 2)), 4),
            "calibration_slope": round(slope, 3), "calibration_intercept": round(intercept, 3)}


def regimen_check(model: RiskModel, es: EffectSizes) -> list[dict[str, Any]]:
    """Next-regimen seizure freedom for a patient whose other factors are all unknown, next
    to the conditional rates implied by the published regimen-by-regimen shares."""
    levels = model.columns["failed_regimens"]
    rates = es.outcomes.seizure_freedom_by_regimen.conditional_rates()
    rows = []
    for level, rate in zip(levels, rates, strict=True):
        patient = model.unknown_patient(failed_regimens=level)
        predicted = float(model.predict(patient)[0])
        interval = model.interval(patient.iloc[0].to_dict())
        rows.append({"failed_regimens": level, "predicted": round(predicted, 4),
                     "interval": None if interval is None else [round(b, 4) for b in interval],
                     "published": round(rate, 4),
                     "difference_pp": round(100 * (predicted - rate), 2)})
    return rows


def reliability_plot(curves: list[tuple[str, np.ndarray, np.ndarray]], path: Path | str,
                     bins: int = 10) -> Path:
    """Observed rate against mean prediction in quantile bins, one panel per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 5), squeeze=False)
    for ax, (name, y, p) in zip(axes[0], curves, strict=True):
        edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
        which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
        counts = np.bincount(which, minlength=len(edges) - 1)
        filled = counts > 0
        mean_p = np.bincount(which, weights=p)[filled] / counts[filled]
        observed = np.bincount(which, weights=y)[filled] / counts[filled]
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
        ax.plot(mean_p, observed, marker="o", label="model (quantile bins)")
        ax.set(xlabel="mean predicted probability", ylabel="observed rate", title=name,
               xlim=(0, 1), ylim=(0, 1))
        ax.legend(loc="upper left")
    fig.suptitle("Reliability on held-out data (synthetic cohorts are not patients)")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
