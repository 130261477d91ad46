"""Shared building blocks of the knowledge-base schemas: strict models, ranges, evidence,
sources, the manifest and the controlled vocabulary."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

EvidenceLevel = Literal["high", "moderate", "low", "very_low"]
Action = Literal["avoid", "reduce_dose", "increase_dose", "monitor", "use_with_caution", "info"]
Severity = Literal["high", "moderate", "low"]
RuleCategory = Literal["efflux", "metabolism", "hypersensitivity", "paradoxical", "toxicity",
                      "reproductive", "organ_function", "history"]
Category = Literal["efflux", "metabolism", "hypersensitivity", "paradoxical", "interaction",
                   "toxicity", "reproductive", "organ_function", "history"]
RULE_CATEGORIES = ("efflux", "metabolism", "hypersensitivity", "paradoxical", "toxicity",
                   "reproductive", "organ_function", "history")


class Strict(BaseModel):
    """Base model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(Strict):
    """An inclusive numeric range ``[lo, hi]`` given in YAML as a two-item list."""

    lo: float
    hi: float

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError(f"a range is a list of two numbers, got {value!r}")
            return {"lo": value[0], "hi": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.lo > self.hi:
            raise ValueError(f"range lower bound {self.lo} exceeds upper bound {self.hi}")
        return self

    def as_list(self) -> list[float]:
        return [self.lo, self.hi]


class Bounds(Strict):
    """Optional lower/upper bounds used by rule conditions."""

    min: float | None = None
    max: float | None = None


class Evidence(Strict):
    sources: list[str] = Field(min_length=1)
    level: EvidenceLevel
    strength: Literal["strong", "moderate", "optional"] | None = None
    contested: bool = False
    note: str | None = None


class CodeSet(Strict):
    """Codes of one coding system for a gene or drug (HGNC, RxNorm, ATC), with their source."""

    codes: list[str] = Field(min_length=1)
    display: str | None = None
    evidence: Evidence


CODE_FORMATS = {"hgnc": r"^HGNC:\d+$", "rxnorm": r"^\d+$",
                "atc": r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$"}


class Source(Strict):
    citation: str
    kind: Literal["guideline", "label", "meta_analysis", "study", "review", "database", "consensus"]
    organisation: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    pmid: str | None = None
    doi: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _locatable(self) -> Source:
        if not (self.pmid or self.doi or self.url):
            raise ValueError("a source needs at least one of pmid, doi or url")
        return self


class SourcesFile(Strict):
    sources: dict[str, Source]


class AgeConvention(Strict):
    """An age from which a group starts (e.g. older adults), with its source."""

    from_years: float = Field(gt=0)
    evidence: Evidence


class Convention(Strict):
    """A prescribing convention the engine applies, with its source."""

    evidence: Evidence


class NeonatalPeriod(Strict):
    """The neonatal period: a patient younger than ``before_years`` has ``seizure_type``
    (the vocabulary's term for seizures in that period) whatever else the file names."""

    before_years: float = Field(gt=0)
    seizure_type: str
    evidence: Evidence


class Manifest(Strict):
    name: str
    version: str
    reviewed: date
    description: str
    genome_build: Literal["GRCh38"]
    disclaimer: str  # shown on every report and screen
    older_adults: AgeConvention  # when a drug's older-adult statement applies
    adult_maximum_for_children: Convention  # a weight-based child dose vs the adult dose
    neonatal_period: NeonatalPeriod  # seizures in the first 28 days are neonatal seizures


class Vocabulary(Strict):
    seizure_types: dict[str, str]
    syndromes: dict[str, str]
    mechanisms: dict[str, str]
    mechanism_targets: dict[str, str]  # mechanism class -> the molecular target it acts on
    conditions: dict[str, str]  # comorbid conditions a rule may test (conditions_any)
    reactions: dict[str, str]  # serious past drug reactions (adverse_reactions)
    # words that name a reaction in a medication-history note (reaction -> terms)
    reaction_terms: dict[str, list[str]] = Field(default_factory=dict)
    adverse_effects: dict[str, str]
    enzymes: list[str]
    phenotypes: list[str]


