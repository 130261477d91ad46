"""Interactions (``interactions.yaml``) and flag rules (``rules/*.yaml``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from advisor.schema.common import Action, Bounds, Evidence, Range, Severity, Strict
from advisor.schema.drugs import PgpStatus


class DoseChange(Strict):
    percent: float | None = Field(default=None, ge=-100, le=300)
    range_daily_mg: Range | None = None
    start_daily_mg: float | None = Field(default=None, gt=0)
    max_daily_mg: float | None = Field(default=None, gt=0)
    note: str | None = None

    @model_validator(mode="after")
    def _something(self) -> DoseChange:
        if self.percent is not None and self.range_daily_mg is not None:
            raise ValueError("give percent or range_daily_mg, not both")
        if all(v is None for v in (self.percent, self.range_daily_mg, self.start_daily_mg,
                                   self.max_daily_mg)):
            raise ValueError("a dose change needs percent, range_daily_mg, start_daily_mg "
                             "or max_daily_mg")
        return self


class Interaction(Strict):
    id: str
    perpetrators: list[str] = Field(min_length=1)
    victims: list[str] = Field(min_length=1)
    kind: Literal["pharmacokinetic", "pharmacodynamic"]
    effect: str
    magnitude: str
    management: str
    action: Action
    severity: Severity
    dose: DoseChange | None = None
    evidence: Evidence


class InteractionsFile(Strict):
    interactions: list[Interaction]


class Condition(Strict):
    gene: str | None = None
    value_in: list[str] | None = None
    phenotype_in: list[str] | None = None
    activity_score: Bounds | None = None
    seizure_types_any: list[str] | None = None
    syndromes_any: list[str] | None = None
    age_years: Bounds | None = None
    weight_kg: Bounds | None = None
    drug_naive: bool | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> Condition:
        gene_tests = [self.value_in, self.phenotype_in, self.activity_score]
        n_gene_tests = sum(t is not None for t in gene_tests)
        others = [self.seizure_types_any, self.syndromes_any, self.age_years, self.weight_kg,
                  self.drug_naive]
        n_others = sum(t is not None for t in others)
        if self.gene is not None:
            if n_gene_tests != 1 or n_others:
                raise ValueError("a gene condition needs exactly one of value_in, "
                                 "phenotype_in or activity_score, and nothing else")
        elif n_gene_tests or n_others != 1:
            raise ValueError("a condition tests exactly one thing: gene (with value_in, "
                             "phenotype_in or activity_score), seizure_types_any, "
                             "syndromes_any, age_years, weight_kg or drug_naive")
        return self


class DrugSelector(Strict):
    names: list[str] = Field(default_factory=list)
    mechanisms: list[str] = Field(default_factory=list)  # any listed mechanism
    primary_mechanisms: list[str] = Field(default_factory=list)  # primary mechanism only
    pgp_substrate: list[PgpStatus] = Field(default_factory=list)

    @model_validator(mode="after")
    def _non_empty(self) -> DrugSelector:
        if not (self.names or self.mechanisms or self.primary_mechanisms or self.pgp_substrate):
            raise ValueError("select drugs by names, mechanisms, primary_mechanisms or "
                             "pgp_substrate")
        return self


class RuleOutcome(Strict):
    action: Action
    severity: Severity
    message: str
    dose: DoseChange | None = None


class Rule(Strict):
    id: str
    description: str | None = None
    when: list[Condition] = Field(min_length=1)
    drugs: DrugSelector
    then: RuleOutcome
    evidence: Evidence


class RulesFile(Strict):
    category: Literal["efflux", "metabolism", "hypersensitivity", "paradoxical", "toxicity"]
    rules: list[Rule]


