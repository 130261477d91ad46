"""A synthetic, literature-calibrated cohort drawn from ``knowledgebase/risk/effect_sizes.yaml``.

Each synthetic patient has true risk factors (drawn independently with the stated
prevalences), of which some are hidden as unknown completely at random; a share of patients
have no clinical record at all (``simulator.clinical_record_missing_fraction``). Two outcomes
are simulated from the true factors:

- ``drug_resistant``: logistic model with the factors' odds ratios; the intercept is set so
  that the population frequency equals ``outcomes.drug_resistance.frequency``.
- ``seizure_free_next_regimen``: a regimen-by-regimen course. On regimen r the chance of
  seizure freedom is ``sigmoid(a_r - scale * lp)`` (lp = the factors' log odds ratios); the
  intercepts a_r are set so that the population reproduces the conditional rates implied by
  ``outcomes.seizure_freedom_by_regimen``. Each patient is observed once, after k failed
  regimens (k uniform over 0..R-1); a patient who became seizure-free before k has no
  next-regimen outcome (empty cell) and is recorded with the regimens actually failed.

The table uses the input columns the factors declare (``input``), so a synthetic cohort and
a clinic's own table go through the same code. Seizure-type combinations are simulator
choices (vocabulary terms); every other written value comes from the declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from advisor.risk import DEFAULT_N, DEFAULT_SEED
from advisor.schema import EffectSizes, Factor

CALIBRATION_DRAWS = 200_000
CALIBRATION_SEED = 0
DRE_OUTCOME = "drug_resistant"
SF_OUTCOME = "seizure_free_next_regimen"
UNKNOWN_WRITTEN = "unknown"  # how half the hidden named values are written (else empty)
SINGLE_TYPES = np.array(["focal", "generalized_tonic_clonic", "absence", "myoclonic"],
                        dtype=object)
MULTIPLE_TYPES = np.array(["focal;generalized_tonic_clonic", "absence;generalized_tonic_clonic",
                           "myoclonic;generalized_tonic_clonic", "tonic;atonic",
                           "focal;myoclonic"], dtype=object)


@dataclass(frozen=True)
class Calibration:
    """Intercepts that make the simulated population match the published frequencies."""

    dre_intercept: float
    regimen_intercepts: tuple[float, ...]


def _draw_truth(es: EffectSizes, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    truth: dict[str, np.ndarray] = {}
    for f in es.factors:
        pop = f.population
        if pop.prevalence is not None:
            truth[f.feature] = rng.random(n) < pop.prevalence
            continue
        d = pop.distribution
        if d.kind == "uniform":
            values = rng.uniform(d.low, d.high, n)
        else:
            values = d.median * np.exp(d.sigma * rng.standard_normal(n))
        truth[f.feature] = np.round(values) if d.integer else np.round(values, 1)
    return truth


def _linear_predictor(es: EffectSizes, truth: dict[str, np.ndarray]) -> np.ndarray:
    """Log odds contributed by the true factors (numeric ones per unit of their value)."""
    lp = np.zeros(len(next(iter(truth.values()))))
    for f in es.factors:
        if f.log_odds_ratio:
            lp += f.log_odds_ratio * truth[f.feature]
    return lp


def _solve_intercept(lp: np.ndarray, weights: np.ndarray, target: float) -> float:
    """The intercept a with weighted mean of sigmoid(a + lp) equal to ``target`` (Newton
    steps kept inside a shrinking bracket; the mean increases with a)."""
    w = weights / weights.sum()
    lo, hi, a = -40.0, 40.0, float(np.log(target / (1 - target)))
    for _ in range(200):
        p = expit(a + lp)
        gap = float(w @ p) - target
        if abs(gap) < 1e-12:
            break
        lo, hi = (a, hi) if gap < 0 else (lo, a)
        slope = float(w @ (p * (1 - p)))
        a = a - gap / slope if slope > 0 else (lo + hi) / 2
        if not lo < a < hi:
            a = (lo + hi) / 2
    return a


def calibrate(es: EffectSizes) -> Calibration:
    """Intercepts fitted on a large reference population drawn with a fixed seed."""
    truth = _draw_truth(es, CALIBRATION_DRAWS, np.random.default_rng(CALIBRATION_SEED))
    lp = _linear_predictor(es, truth)
    weights = np.ones_like(lp)
    dre = _solve_intercept(lp, weights, es.outcomes.drug_resistance.frequency)
    shifted = -es.simulator.factor_scale_per_regimen * lp
    intercepts = []
    for target in es.outcomes.seizure_freedom_by_regimen.conditional_rates():
        a = _solve_intercept(shifted, weights, target)
        intercepts.append(a)
        weights = weights * (1.0 - expit(a + shifted))  # still not seizure-free
    return Calibration(dre, tuple(intercepts))


def _boolean(truth: np.ndarray, hidden: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(np.where(hidden, None, truth), dtype="boolean"))


def _written(f: Factor, truth: np.ndarray, hidden: np.ndarray, rng: np.random.Generator,
             columns: dict[str, object]) -> None:
    """Write one factor's input column(s) as a patient table would hold them."""
    inp, n = f.input, len(truth)

    def pick(options: list[str]) -> np.ndarray:
        return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]

    if inp.genotype is not None:
        refs = list(inp.simulated_reference)
        if len(refs) == 1:
            reference = np.full(n, refs[0], dtype=object)
        else:
            edges = np.cumsum(list(inp.simulated_reference.values()))[:-1]
            reference = np.asarray(refs, dtype=object)[np.searchsorted(edges, rng.random(n),
                                                                       side="right")]
        keys = inp.genotype
        which = rng.integers(0, len(keys), n) if len(keys) > 1 else np.zeros(n, dtype=int)
        for i, key in enumerate(keys):
            exposed = truth & (which == i)
            columns[key] = np.where(hidden, None, np.where(exposed, inp.exposed_values[0],
                                                           reference))
    elif inp.exposed_values:  # a clinical field with named values
        unknown = np.where(rng.random(n) < 0.5, UNKNOWN_WRITTEN, None)
        columns[inp.clinical] = np.where(hidden, unknown, np.where(
            truth, pick(inp.exposed_values), inp.reference_values[0]))
    elif f.population.distribution is not None:
        d = f.population.distribution
        if d.integer:
            columns[inp.clinical] = pd.array(np.where(hidden, None, truth.astype(np.int64)),
                                             dtype="Int64")
        else:
            columns[inp.clinical] = np.where(hidden, np.nan, truth)
    else:
        columns[inp.clinical] = _boolean(truth, hidden)


def simulate_cohort(es: EffectSizes, n: int = DEFAULT_N, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """``n`` synthetic patients: input columns plus the two outcome columns."""
    if n < 1:
        raise ValueError("n must be at least 1")
    cal = calibrate(es)
    rng = np.random.default_rng(seed)
    truth = _draw_truth(es, n, rng)
    hidden = {f.feature: rng.random(n) < f.population.unknown_fraction for f in es.factors}
    no_record = rng.random(n) < es.simulator.clinical_record_missing_fraction
    for f in es.factors:
        if f.input.clinical is not None:
            hidden[f.feature] |= no_record
    lp = _linear_predictor(es, truth)
    drug_resistant = rng.random(n) < expit(cal.dre_intercept + lp)

    shifted = -es.simulator.factor_scale_per_regimen * lp
    freedom = np.column_stack([rng.random(n) < expit(a + shifted)
                               for a in cal.regimen_intercepts])
    regimens = freedom.shape[1]
    first_free = np.where(freedom.any(axis=1), freedom.argmax(axis=1), regimens)
    planned = rng.integers(0, regimens, n)
    reached = first_free >= planned
    failed = np.where(reached, planned, first_free)
    next_free = reached & freedom[np.arange(n), planned]

    def pick(options: np.ndarray) -> np.ndarray:
        return options[rng.integers(0, len(options), n)]

    columns: dict[str, object] = {}
    for f in es.factors:
        if f.input.seizure_type_count:
            multi, multi_hidden = truth[f.feature], hidden[f.feature]
            columns["seizure_types"] = np.where(multi_hidden, "unknown", np.where(
                multi, pick(MULTIPLE_TYPES), pick(SINGLE_TYPES)))
    for f in es.factors:  # named values and genotypes draw in file order
        if f.input.exposed_values:
            _written(f, truth[f.feature], hidden[f.feature], rng, columns)
    for f in es.factors:
        if f.input.clinical is not None and not f.input.exposed_values:
            _written(f, truth[f.feature], hidden[f.feature], rng, columns)
    order = ["seizure_types", *(f.input.clinical for f in es.factors
                                if f.input.clinical and f.input.exposed_values),
             *(f.input.clinical for f in es.factors if f.input.clinical
               and not f.input.exposed_values and f.population.distribution is None),
             *(f.input.clinical for f in es.factors if f.input.clinical
               and f.population.distribution is not None),
             *(k for f in es.factors for k in f.input.genotype or [])]
    table: dict[str, object] = {"sample_id": [f"SIM-{i + 1:06d}" for i in range(n)]}
    table.update({name: columns[name] for name in order})
    table["failed_adequate_regimens"] = failed.astype(np.int64)
    table[DRE_OUTCOME] = drug_resistant.astype(np.int64)
    table[SF_OUTCOME] = pd.array(np.where(reached, next_free.astype(np.int64), None),
                                 dtype="Int64")
    return pd.DataFrame(table)
