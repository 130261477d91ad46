"""Typed model and checks for ``knowledgebase/risk/effect_sizes.yaml``.

``validate_effect_sizes`` returns :class:`~advisor.knowledge.Problem` objects in the same
form as the rest of ``advisor kb validate``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from advisor.kb_schema import Evidence, Range, Strict
from advisor.knowledge import Problem, default_kb_dir, read_yaml
from advisor.risk.features import CATEGORICAL, NUMERIC

RELATIVE_PATH = "risk/effect_sizes.yaml"
Measure = Literal["risk_ratio", "odds_ratio", "none"]


def _check_estimate(measure: str, estimate: float | None, ci: Range | None) -> None:
    if (measure == "none") != (estimate is None):
        raise ValueError("give an estimate exactly when measure is not 'none'")
    if ci is not None and (estimate is None or not ci.lo <= estimate <= ci.hi):
        raise ValueError("the confidence interval must contain the estimate")


class Distribution(Strict):
    """Distribution of a numeric factor in the simulated population."""

    kind: Literal["uniform", "lognormal"]
    low: float | None = None
    high: float | None = None
    median: float | None = Field(default=None, gt=0)
    sigma: float | None = Field(default=None, gt=0)
    integer: bool = False

    @model_validator(mode="after")
    def _parameters(self) -> Distribution:
        need = ("low", "high") if self.kind == "uniform" else ("median", "sigma")
        missing = [name for name in need if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.kind} distribution needs {', '.join(missing)}")
        if self.kind == "uniform" and self.low > self.high:
            raise ValueError("low exceeds high")
        return self


class Population(Strict):
    """How common a factor is in the simulated population, and how often it is unknown."""

    prevalence: float | None = Field(default=None, ge=0, le=1)
    distribution: Distribution | None = None
    unknown_fraction: float = Field(ge=0, lt=1)
    assumption: str | None = None
    evidence: Evidence | None = None

    @model_validator(mode="after")
    def _basis(self) -> Population:
        if (self.prevalence is None) == (self.distribution is None):
            raise ValueError("give either prevalence (binary factor) or distribution (numeric)")
        if not (self.assumption or self.evidence):
            raise ValueError("say where the figures come from: evidence, or an explicit "
                             "assumption text")
        return self


class Alternative(Strict):
    """Another published estimate, kept for the reviewer; the simulator does not use it."""

    measure: Measure
    estimate: float = Field(gt=0)
    ci: Range | None = None
    population: str
    evidence: Evidence

    @model_validator(mode="after")
    def _consistent(self) -> Alternative:
        _check_estimate(self.measure, self.estimate, self.ci)
        return self


class Factor(Strict):
    """One model feature: its published effect and what the simulator uses."""

    feature: str
    label: str
    exposed: str | None = None
    reference: str | None = None
    measure: Measure
    estimate: float | None = Field(default=None, gt=0)
    ci: Range | None = None
    simulator_odds_ratio: float = Field(gt=0)
    evidence: Evidence
    alternatives: list[Alternative] = Field(default_factory=list)
    population: Population

    @model_validator(mode="after")
    def _consistent(self) -> Factor:
        _check_estimate(self.measure, self.estimate, self.ci)
        if self.estimate is None and self.simulator_odds_ratio != 1.0:
            raise ValueError("no published estimate: simulator_odds_ratio must be 1.0 "
                             "(no effect); do not invent a number")
        if self.estimate is not None and self.simulator_odds_ratio not in (self.estimate, 1.0):
            raise ValueError("simulator_odds_ratio must be the published estimate or 1.0")
        return self

    @property
    def log_odds_ratio(self) -> float:
        return math.log(self.simulator_odds_ratio)


class DrugResistanceFrequency(Strict):
    frequency: float = Field(gt=0, lt=1)
    ci: Range | None = None
    population: str
    evidence: Evidence


class SeizureFreedomByRegimen(Strict):
    cohort_shares: list[float] = Field(min_length=1)
    population: str
    evidence: Evidence

    @model_validator(mode="after")
    def _shares(self) -> SeizureFreedomByRegimen:
        if any(s <= 0 for s in self.cohort_shares) or sum(self.cohort_shares) >= 1:
            raise ValueError("shares must be positive and sum to less than 1")
        return self

    def conditional_rates(self) -> list[float]:
        """P(seizure-free on regimen k+1 | not seizure-free on regimens 1..k), k = 0, 1, ..."""
        rates, left = [], 1.0
        for share in self.cohort_shares:
            rates.append(share / left)
            left -= share
        return rates


class Outcomes(Strict):
    drug_resistance: DrugResistanceFrequency
    seizure_freedom_by_regimen: SeizureFreedomByRegimen


class Simulator(Strict):
    factor_scale_per_regimen: float = Field(ge=0)
    clinical_record_missing_fraction: float = Field(ge=0, lt=1)
    assumptions: list[str] = Field(min_length=1)


class EffectSizes(Strict):
    """The whole ``effect_sizes.yaml``."""

    version: str
    outcomes: Outcomes
    simulator: Simulator
    factors: list[Factor]

    def factor(self, feature: str) -> Factor:
        return next(f for f in self.factors if f.feature == feature)

    def source_ids(self) -> list[str]:
        """Every cited source id, in order of first use."""
        ids = [*self.outcomes.drug_resistance.evidence.sources,
               *self.outcomes.seizure_freedom_by_regimen.evidence.sources]
        for f in self.factors:
            ids += f.evidence.sources
            ids += [s for alt in f.alternatives for s in alt.evidence.sources]
            if f.population.evidence:
                ids += f.population.evidence.sources
        return list(dict.fromkeys(ids))


FACTOR_FEATURES: dict[str, tuple[str, ...] | None] = {
    **CATEGORICAL, **dict.fromkeys(NUMERIC.values())}


def _semantic(es: EffectSizes, source_ids: set[str]) -> list[Problem]:
    out: list[Problem] = []
    seen: set[str] = set()
    for i, f in enumerate(es.factors):
        loc = f"factors.{i}"
        if f.feature not in FACTOR_FEATURES:
            out.append(Problem(RELATIVE_PATH, f"{loc}.feature",
                               f"unknown feature {f.feature!r}; known: "
                               f"{', '.join(FACTOR_FEATURES)}"))
            continue
        if f.feature in seen:
            out.append(Problem(RELATIVE_PATH, f"{loc}.feature", f"{f.feature!r} listed twice"))
        seen.add(f.feature)
        levels = FACTOR_FEATURES[f.feature]
        if levels is None:
            if f.population.distribution is None or f.exposed or f.reference:
                out.append(Problem(RELATIVE_PATH, loc, "a numeric feature has a distribution "
                                                       "and no exposed/reference levels"))
        elif (f.exposed, f.reference) != (levels[1], levels[0]) or f.population.prevalence is None:
            out.append(Problem(RELATIVE_PATH, loc,
                               f"{f.feature} needs prevalence, exposed {levels[1]!r} and "
                               f"reference {levels[0]!r}"))
    for feature in FACTOR_FEATURES:
        if feature not in seen:
            out.append(Problem(RELATIVE_PATH, "factors", f"no entry for feature {feature!r} "
                                                         "(the simulator needs every feature)"))
    for sid in es.source_ids():
        if sid not in source_ids:
            out.append(Problem(RELATIVE_PATH, "evidence",
                               f"unknown source {sid!r} (not in sources.yaml)"))
    return out


def _parse(kb_dir: Path) -> tuple[EffectSizes | None, list[Problem]]:
    path = kb_dir / RELATIVE_PATH
    if not path.is_file():
        return None, [Problem(RELATIVE_PATH, "", "file is missing")]
    try:
        raw = read_yaml(path)
    except ValueError as exc:
        return None, [Problem(RELATIVE_PATH, "", str(exc))]
    try:
        return EffectSizes.model_validate(raw), []
    except ValidationError as exc:
        return None, [Problem(RELATIVE_PATH, ".".join(str(p) for p in e["loc"]), e["msg"])
                      for e in exc.errors()]


def validate_effect_sizes(kb_dir: Path, source_ids: set[str]) -> list[Problem]:
    """Every problem in ``<kb_dir>/risk/effect_sizes.yaml`` (empty when sound)."""
    es, problems = _parse(Path(kb_dir))
    return problems if es is None else _semantic(es, source_ids)


def load_effect_sizes(kb_dir: Path | None = None) -> EffectSizes:
    """Parse the effect sizes; ValueError listing the problems when the file is not sound."""
    es, problems = _parse(Path(kb_dir) if kb_dir else default_kb_dir())
    problems = problems if es is None else _semantic(es, set(es.source_ids()))
    if problems or es is None:
        raise ValueError("; ".join(str(p) for p in problems))
    return es
