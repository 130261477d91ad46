"""Effect measures for the simulator: risk ratios, odds ratios and draws within their CIs.

A published risk ratio (RR) is not an odds ratio (OR). For an outcome that is common in the
reference group, OR = RR (1 - p0) / (1 - RR p0) at the reference group's risk p0, and back,
RR = OR / (1 - p0 + p0 OR) (Zhang & Yu, JAMA 1998;280:1690-1691). The conversion exists only
while RR p0 < 1: a risk ratio cannot lift a risk above 1.

The simulator reads every published figure as the effect of one factor against the
*reference patient* (no risk factor): the RR multiplies that patient's risk p_ref, and the
logistic simulator uses the OR converted at p_ref. p_ref itself is set so that the whole
synthetic population has the published frequency of drug resistance (see
:func:`advisor.risk.simulate.calibrate`).

:func:`perturbed` draws every published number within its 95% confidence interval (effect
sizes log-normal, the drug-resistance frequency logit-normal, the regimen-by-regimen shares
Dirichlet with the source cohort's size); an ensemble of models trained on such draws gives
the uncertainty interval that the consultation reports.
"""

from __future__ import annotations

import math

import numpy as np

from advisor.schema import EffectSizes

Z95 = 1.959963984540054


def rr_to_or(rr: float, p0: float) -> float:
    """Odds ratio equivalent to risk ratio ``rr`` at reference risk ``p0`` (Zhang & Yu)."""
    if not 0 < p0 < 1 or rr * p0 >= 1:
        raise ValueError(f"risk ratio {rr:g} cannot hold at reference risk {p0:.4f} "
                         f"(RR x p0 = {rr * p0:.3f} >= 1)")
    return rr * (1 - p0) / (1 - rr * p0)


def or_to_rr(odds_ratio: float, p0: float) -> float:
    """Risk ratio equivalent to ``odds_ratio`` at reference risk ``p0`` (Zhang & Yu)."""
    return odds_ratio / (1 - p0 + p0 * odds_ratio)


def conditional_or(measure: str, value: float, p_ref: float) -> float:
    """The simulator's odds ratio for one factor against the reference patient."""
    return rr_to_or(value, p_ref) if measure == "risk_ratio" else value


def _lognormal(rng: np.random.Generator, estimate: float, lo: float, hi: float) -> float:
    sd = (math.log(hi) - math.log(lo)) / (2 * Z95)
    return float(math.exp(math.log(estimate) + sd * rng.standard_normal()))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def perturbed(es: EffectSizes, rng: np.random.Generator) -> EffectSizes:
    """A copy of ``es`` with every published number drawn within its 95% CI.

    Effect sizes: log-normal around the estimate with the CI's width on the log scale. The
    drug-resistance frequency: normal on the logit scale with the CI's width. The
    regimen-by-regimen shares: Dirichlet with the source cohort's size ``cohort_size``
    (sampling error of that cohort). Prevalences, unknown fractions and other simulator
    assumptions are not drawn: they are assumptions, not published figures with a CI.
    """
    factors = []
    for factor in es.factors:
        f = factor
        if f.estimate is not None and f.ci is not None:
            f = f.model_copy(update={"estimate": _lognormal(rng, f.estimate, f.ci.lo,
                                                             f.ci.hi)})
        factors.append(f)
    dre = es.outcomes.drug_resistance
    if dre.ci is not None:
        sd = (_logit(dre.ci.hi) - _logit(dre.ci.lo)) / (2 * Z95)
        drawn = _logit(dre.frequency) + sd * rng.standard_normal()
        dre = dre.model_copy(update={"frequency": 1 / (1 + math.exp(-drawn))})
    by_regimen = es.outcomes.seizure_freedom_by_regimen
    shares = np.asarray(by_regimen.cohort_shares, dtype=float)
    if by_regimen.cohort_size:
        alpha = by_regimen.cohort_size * np.append(shares, 1 - shares.sum())
        shares = rng.dirichlet(alpha)[:-1]
    by_regimen = by_regimen.model_copy(update={"cohort_shares": [float(s) for s in shares]})
    outcomes = es.outcomes.model_copy(update={"drug_resistance": dre,
                                              "seizure_freedom_by_regimen": by_regimen})
    return es.model_copy(update={"factors": factors, "outcomes": outcomes})
