"""The risk model's effect sizes and feature definitions (``risk/effect_sizes.yaml``).

Each factor says where its value comes from (``input``): a field of the patient file's
``clinical`` block, the count of seizure types, or genotype input keys with the translated
values that mean "exposed". The risk code interprets these declarations; it names no field,
gene or genotype itself.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from advisor.schema.common import Evidence, Range, Strict

Measure = Literal["risk_ratio", "odds_ratio", "none"]


def _check_estimate(measure: str, estimate: float | None, ci: Range | None) -> None:
    if (measure == "none") != (estimate is None):
        raise ValueError("give an estimate exactly when measure is not 'none' (no published "
                         "number: measure none and no estimate; do not invent one)")
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


class CountNote(Strict):
    """How a seizure-type count treated a combination of types, said with the estimate
    when the patient's counted types include all of ``types`` (``label``: them in words)."""

    types: list[str] = Field(min_length=2)
    label: str
    note: str
    evidence: Evidence


class FactorInput(Strict):
    """Where a factor's value comes from: exactly one of ``clinical``, ``genotype`` or
    ``seizure_type_count``.

    - ``clinical``: a field of the patient file's ``clinical`` block. A true/false field maps
      to the exposed/reference level; a field with named values uses ``exposed_values`` and
      ``reference_values`` (anything else is unknown); a number is used as it is, or after
      ``transform``. With ``or_seizure_type``, the factor is also exposed when the field is
      unknown and the patient's seizure types list that type.
    - ``genotype``: input keys; exposed when any key's translated value is in
      ``exposed_values``, reference when any key was tested otherwise, else unknown.
      ``simulated_reference`` gives the values (and shares) the synthetic cohort writes for
      the reference level.
    - ``seizure_type_count``: exposed with two or more counted seizure types, reference with
      exactly one and none of ``unknown_types`` listed; ``not_counted`` and ``unknown_types``
      are left out of the count. ``count_notes`` say how the count treated a combination of
      types whose counting the source leaves open.
    """

    clinical: str | None = None
    exposed_values: list[str] = Field(default_factory=list)
    reference_values: list[str] = Field(default_factory=list)
    or_seizure_type: str | None = None
    transform: Literal["log1p"] | None = None
    genotype: list[str] | None = None
    simulated_reference: dict[str, float] = Field(default_factory=dict)
    seizure_type_count: bool = False
    not_counted: list[str] = Field(default_factory=list)
    unknown_types: list[str] = Field(default_factory=list)
    count_notes: list[CountNote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self) -> FactorInput:
        given = [self.clinical is not None, self.genotype is not None, self.seizure_type_count]
        if sum(given) != 1:
            raise ValueError("give exactly one of clinical, genotype or seizure_type_count")
        if self.genotype is not None and not (self.exposed_values and self.simulated_reference):
            raise ValueError("a genotype input needs exposed_values and simulated_reference")
        if self.simulated_reference and not math.isclose(sum(self.simulated_reference.values()),
                                                         1.0):
            raise ValueError("simulated_reference shares must add up to 1")
        return self


class Factor(Strict):
    """One model feature: its input, its published effect and how common it is.

    The simulator uses the published ``estimate`` (a risk ratio or an odds ratio) as the
    effect of this factor alone against the reference patient; without an estimate
    (``measure: none``) the factor has no simulated effect. ``base_rate_note`` must say so
    when a published risk ratio cannot hold as a crude risk ratio at the population's
    frequency of drug resistance and this factor's prevalence (the unexposed risk times the
    risk ratio would reach 1); see :meth:`EffectSizes.crude_incompatible`.
    """

    feature: str
    label: str
    input: FactorInput
    exposed: str | None = None
    reference: str | None = None
    measure: Measure
    estimate: float | None = Field(default=None, gt=0)
    ci: Range | None = None
    base_rate_note: str | None = None
    evidence: Evidence
    alternatives: list[Alternative] = Field(default_factory=list)
    population: Population

    @model_validator(mode="after")
    def _consistent(self) -> Factor:
        _check_estimate(self.measure, self.estimate, self.ci)
        if self.estimate is not None and self.population.distribution is not None:
            raise ValueError("effects are supported for yes/no factors only (this factor is "
                             "numeric)")
        return self

    def crude_reference_risk(self, frequency: float) -> float | None:
        """Risk in the unexposed if the published risk ratio held as a crude risk ratio in
        a population with drug-resistance ``frequency`` and this factor's prevalence."""
        if self.measure != "risk_ratio" or self.population.prevalence is None:
            return None
        pi = self.population.prevalence
        return frequency / (1 - pi + pi * self.estimate)


class DrugResistanceFrequency(Strict):
    frequency: float = Field(gt=0, lt=1)
    ci: Range | None = None
    population: str
    evidence: Evidence


class SeizureFreedomByRegimen(Strict):
    cohort_shares: list[float] = Field(min_length=1)
    cohort_size: int | None = Field(default=None, gt=0)  # patients behind the shares
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
    # exponent on the patient's chance of not becoming drug-resistant, relative to the
    # reference patient, that scales each regimen's chance of seizure freedom
    factor_scale_per_regimen: float = Field(ge=0)
    clinical_record_missing_fraction: float = Field(ge=0, lt=1)
    assumptions: list[str] = Field(min_length=1)


class ReportTexts(Strict):
    """Sentences shown with every estimate."""

    contribution_scale: str  # what a factor's contribution is measured against
    caveat: str  # the weakest evidence behind the model, in words
    # seizure types outside the sources' populations: a patient with one gets no estimate
    out_of_scope_seizure_types: list[str] = Field(default_factory=list)
    out_of_scope_reason: str | None = None
    # syndromes outside them (developmental and epileptic encephalopathies): likewise
    out_of_scope_syndromes: list[str] = Field(default_factory=list)
    out_of_scope_syndrome_reason: str | None = None
    # seizure types that are the seizures of an out-of-scope syndrome whatever syndrome or
    # cause is recorded (epileptic spasms: infantile epileptic spasms syndrome, also in
    # tuberous sclerosis): type -> that syndrome
    syndrome_of_seizure_types: dict[str, str] = Field(default_factory=dict)


class EffectSizes(Strict):
    """The whole ``effect_sizes.yaml``."""

    version: str
    outcomes: Outcomes
    simulator: Simulator
    report: ReportTexts
    factors: list[Factor]

    @model_validator(mode="after")
    def _base_rate_notes(self) -> EffectSizes:
        for f in self.factors:
            incompatible = self.crude_incompatible(f)
            if incompatible and not f.base_rate_note:
                p0 = f.crude_reference_risk(self.outcomes.drug_resistance.frequency)
                raise ValueError(
                    f"{f.feature}: the risk ratio {f.estimate:g} cannot hold as a crude risk "
                    f"ratio here (unexposed risk {p0:.3f} x {f.estimate:g} >= 1): say so in "
                    "base_rate_note")
            if f.base_rate_note and not incompatible:
                raise ValueError(f"{f.feature}: base_rate_note is given but the risk ratio "
                                 "is compatible with the population's frequency")
        return self

    def crude_incompatible(self, f: Factor) -> bool:
        """Whether ``f``'s risk ratio is impossible as a crude risk ratio at the population's
        frequency of drug resistance and ``f``'s prevalence."""
        p0 = f.crude_reference_risk(self.outcomes.drug_resistance.frequency)
        return p0 is not None and f.estimate * p0 >= 1

    def factor(self, feature: str) -> Factor:
        return next(f for f in self.factors if f.feature == feature)

    def source_ids(self) -> list[str]:
        """Every cited source id, in order of first use."""
        ids = [*self.outcomes.drug_resistance.evidence.sources,
               *self.outcomes.seizure_freedom_by_regimen.evidence.sources]
        for f in self.factors:
            ids += f.evidence.sources
            ids += [s for alt in f.alternatives for s in alt.evidence.sources]
            ids += [s for n in f.input.count_notes for s in n.evidence.sources]
            if f.population.evidence:
                ids += f.population.evidence.sources
        return list(dict.fromkeys(ids))
