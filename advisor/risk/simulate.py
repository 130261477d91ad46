"""A synthetic, literature-calibrated cohort drawn from ``knowledgebase/risk/effect_sizes.yaml``.

Each synthetic patient has true risk factors (drawn independently with the stated
prevalences), of which some are hidden as unknown completely at random; a share of patients
have no clinical record at all (``simulator.clinical_record_missing_fraction``). Two outcomes
are simulated from the true factors:

- ``drug_resistant``: each published effect is read as the effect of that factor alone
  against the reference patient (no risk factor): a risk ratio multiplies the reference
  patient's risk p_ref. The simulator is logistic, so each risk ratio becomes the odds ratio
  it equals at p_ref, OR = RR (1 - p_ref) / (1 - RR p_ref) (Zhang & Yu 1998); an odds ratio
  is used as it is. Combinations of factors multiply the odds (so a risk never exceeds 1).
  p_ref is set so that the population frequency equals
  ``outcomes.drug_resistance.frequency``; a risk ratio must satisfy RR p_ref < 1.
- ``seizure_free_next_regimen``: a regimen-by-regimen course. On regimen r the chance of
  seizure freedom is ``s_r * K(x)``, where K(x) is the patient's chance of not becoming
  drug-resistant relative to the reference patient's, ``(1 - P_dre(x)) / (1 - p_ref)``
  (raised to ``simulator.factor_scale_per_regimen``); the reference chances s_r are set so
  that the population reproduces the conditional rates implied by
  ``outcomes.seizure_freedom_by_regimen``. Each patient is observed once, after k failed
  regimens (k uniform over 0..R-1); a patient who became seizure-free before k has no
  next-regimen outcome (empty cell) and is recorded with the regimens actually failed.

The table uses the input columns the factors declare (``input``), so a synthetic cohort and
a clinic's own table go through the same code. Seizure-type combinations are simulator
choices (vocabulary terms); every other written value comes from the declarations.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from advisor.risk import DEFAULT_N, DEFAULT_SEED
from advisor.risk.effects import conditional_or
from advisor.risk.specs import DRE_OUTCOME, SF_OUTCOME
from advisor.schema import EffectSizes, Factor

UNKNOWN_WRITTEN = "unknown"  # how half the hidden named values are written (else empty)
SINGLE_TYPES = np.array(["focal", "generalized_tonic_clonic", "absence", "myoclonic"],
                        dtype=object)
MULTIPLE_TYPES = np.array(["focal;generalized_tonic_clonic", "absence;generalized_tonic_clonic",
                           "myoclonic;generalized_tonic_clonic", "tonic;atonic",
                           "focal;myoclonic"], dtype=object)


@dataclass(frozen=True)
class Calibration:
    """The simulator's parameters: the reference patient's risk of drug resistance, each
    factor's odds ratio against that patient, and each regimen's reference chance of
    seizure freedom, set so that the population matches the published frequencies."""

    p_ref: float
    odds_ratios: dict[str, float]
    regimen_reference: tuple[float, ...]

    @property
    def dre_intercept(self) -> float:
        return float(np.log(self.p_ref / (1 - self.p_ref)))


class IncompatibleEffects(ValueError):
    """The published effects and frequency cannot all hold in the simulated population."""


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


def _effects(es: EffectSizes) -> list[Factor]:
    return [f for f in es.factors if f.estimate is not None]


def _patterns(es: EffectSizes) -> tuple[np.ndarray, np.ndarray]:
    """Every combination of the factors that carry an effect (rows, 1 = exposed) and its
    share of the population (factors drawn independently with their prevalences): the
    calibration works on these exact shares, not on a sample."""
    effects = _effects(es)
    rows = np.array(list(itertools.product((0, 1), repeat=len(effects))), dtype=float)
    rows = rows.reshape(2 ** len(effects), len(effects))
    prevalence = np.array([f.population.prevalence for f in effects])
    share = np.prod(np.where(rows == 1, prevalence, 1 - prevalence), axis=1)
    return rows, share


def _log_odds(es: EffectSizes, rows: np.ndarray, p_ref: float) -> np.ndarray:
    """Log odds of drug resistance for each row of exposures (columns in the order of the
    factors that carry an effect) at reference risk ``p_ref``."""
    log_or = np.array([np.log(conditional_or(f.measure, f.estimate, p_ref))
                       for f in _effects(es)])
    return np.log(p_ref / (1 - p_ref)) + rows @ log_or


def _solve_p_ref(es: EffectSizes, rows: np.ndarray, share: np.ndarray) -> float:
    """The reference patient's risk that gives the published population frequency (the
    mean risk increases with it; every risk ratio must stay below 1 / its value)."""
    target = es.outcomes.drug_resistance.frequency
    ratios = [f.estimate for f in _effects(es) if f.measure == "risk_ratio"]
    lo, hi = 1e-9, min([1.0, *(1 / r for r in ratios if r > 1)]) * (1 - 1e-9)
    if share @ expit(_log_odds(es, rows, hi)) < target:
        raise IncompatibleEffects(
            f"no reference risk below {hi:.4f} (where the largest risk ratio would reach 1) "
            f"gives the drug-resistance frequency {target:.3f}")
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if share @ expit(_log_odds(es, rows, mid)) < target else (lo, mid)
    return (lo + hi) / 2


def _solve_scale(k: np.ndarray, weights: np.ndarray, target: float) -> float:
    """The reference chance s with weighted mean of min(1, s k) equal to ``target``."""
    w = weights / weights.sum()
    lo, hi = 0.0, 1.0 / max(float(k.min()), 1e-12)
    if float(w @ np.minimum(1.0, hi * k)) < target:
        raise IncompatibleEffects(f"no reference chance reproduces the rate {target:.3f}")
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if float(w @ np.minimum(1.0, mid * k)) < target else (lo, mid)
    return (lo + hi) / 2


def not_resistant_ratio(es: EffectSizes, p_dre: np.ndarray, p_ref: float) -> np.ndarray:
    """K(x): each regimen's chance of seizure freedom relative to the reference patient's."""
    return ((1 - p_dre) / (1 - p_ref)) ** es.simulator.factor_scale_per_regimen


def calibrate(es: EffectSizes) -> Calibration:
    """The simulator's parameters, solved on the exact population shares of every factor
    combination. Raises :class:`IncompatibleEffects` when the published numbers cannot all
    hold."""
    rows, share = _patterns(es)
    p_ref = _solve_p_ref(es, rows, share)
    k = not_resistant_ratio(es, expit(_log_odds(es, rows, p_ref)), p_ref)
    weights = share.copy()
    reference = []
    for target in es.outcomes.seizure_freedom_by_regimen.conditional_rates():
        s = _solve_scale(k, weights, target)
        reference.append(s)
        weights = weights * (1.0 - np.minimum(1.0, s * k))  # still not seizure-free
    odds = {f.feature: conditional_or(f.measure, f.estimate, p_ref) for f in _effects(es)}
    return Calibration(p_ref, odds, tuple(reference))


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


def simulate_cohort(es: EffectSizes, n: int = DEFAULT_N, seed: int = DEFAULT_SEED,
                    calibration: Calibration | None = None) -> pd.DataFrame:
    """``n`` synthetic patients: input columns plus the two outcome columns."""
    if n < 1:
        raise ValueError("n must be at least 1")
    cal = calibration or calibrate(es)
    rng = np.random.default_rng(seed)
    truth = _draw_truth(es, n, rng)
    hidden = {f.feature: rng.random(n) < f.population.unknown_fraction for f in es.factors}
    no_record = rng.random(n) < es.simulator.clinical_record_missing_fraction
    for f in es.factors:
        if f.input.clinical is not None:
            hidden[f.feature] |= no_record
    exposed = np.zeros((n, len(_effects(es))))
    for i, f in enumerate(_effects(es)):
        exposed[:, i] = truth[f.feature]
    p_dre = expit(_log_odds(es, exposed, cal.p_ref))
    drug_resistant = rng.random(n) < p_dre

    k = not_resistant_ratio(es, p_dre, cal.p_ref)
    freedom = np.column_stack([rng.random(n) < np.minimum(1.0, s * k)
                               for s in cal.regimen_reference])
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
