"""Uncertainty intervals: an ensemble of refits stored as coefficient tables in the model file.

What is uncertain about a synthetic, literature-calibrated model is the published numbers,
not the sampling error of a 100,000-patient simulated cohort. Each ensemble member is
therefore trained on a cohort simulated with every published number drawn within its 95%
confidence interval (:func:`advisor.risk.effects.perturbed`); draws that the population's
frequency cannot accommodate (:class:`~advisor.risk.simulate.IncompatibleEffects`) are
redrawn. For a model trained on a clinic's own table the members are bootstrap resamples of
that table (its sampling error is then what is uncertain).

Every member is a logistic regression on the main model's own encoding (same categories,
imputation and scaling), so its log-odds are additive over the same terms as the main
model's; a member is stored as its reference log-odds and the log-odds each term adds
(:meth:`advisor.risk.model.RiskModel.term_rows`). A prediction then costs one small matrix
product, whatever the number of members.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from advisor.risk.effects import perturbed
from advisor.risk.model import RiskModel
from advisor.risk.simulate import IncompatibleEffects, calibrate, simulate_cohort
from advisor.schema import EffectSizes

MAX_REDRAWS = 1000
ROUND = 5  # decimals of the stored log-odds


def synthetic_cohorts(es: EffectSizes, members: int, n: int, seed: int,
                      stats: dict[str, int] | None = None) -> Iterator[pd.DataFrame]:
    """``members`` synthetic cohorts of ``n`` patients, each simulated with the published
    numbers drawn within their 95% CIs (incompatible draws redrawn, counted in
    ``stats['redrawn']``)."""
    rng = np.random.default_rng([seed, 1])
    redrawn = 0
    for _ in range(members):
        for _attempt in range(MAX_REDRAWS):
            drawn = perturbed(es, rng)
            try:
                cal = calibrate(drawn)
                break
            except IncompatibleEffects:
                redrawn += 1
        else:
            raise IncompatibleEffects(f"{MAX_REDRAWS} draws in a row were incompatible")
        if stats is not None:
            stats["redrawn"] = redrawn
        yield simulate_cohort(drawn, n, int(rng.integers(2**31)), cal)


def bootstrap_indices(n_rows: int, members: int, seed: int) -> Iterator[np.ndarray]:
    """Row indices of ``members`` bootstrap resamples of a table with ``n_rows`` rows."""
    rng = np.random.default_rng([seed, 2])
    for _ in range(members):
        yield rng.integers(0, n_rows, n_rows)


def member_terms(model: RiskModel, features: pd.DataFrame, y: np.ndarray
                 ) -> tuple[float, list[float]] | None:
    """Fit one member on ``features`` (model columns) with the main model's encoding; its
    reference log-odds and the log-odds each term adds. None when ``y`` has one class."""
    if len(np.unique(y)) < 2:
        return None
    encode = model.estimator.named_steps["encode"]
    main = model.estimator.named_steps["classify"]
    member = LogisticRegression(C=main.C, max_iter=main.max_iter)
    member.fit(encode.transform(features[list(model.columns)]), y)
    rows, _ = model.term_rows()
    scores = member.decision_function(encode.transform(rows))
    return float(scores[0]), [float(s - scores[0]) for s in scores[1:]]


def ensemble_meta(members: list[tuple[float, list[float]]], method: str,
                  details: dict[str, Any]) -> dict[str, Any]:
    """The ``ensemble`` entry of a model's metadata."""
    return {"method": method, "members": len(members), **details,
            "base": [round(b, ROUND) for b, _ in members],
            "deltas": [[round(d, ROUND) for d in deltas] for _, deltas in members]}
