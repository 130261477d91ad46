"""Drug files (``knowledgebase/drugs/*.yaml``) and co-medications."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from advisor.schema.common import Evidence, Range, Severity, Strict

PgpStatus = Literal["substrate", "likely_substrate", "conflicting", "not_substrate", "unknown"]


class SeizureScope(Strict):
    seizure_types: list[str] = Field(default_factory=list)
    syndromes: list[str] = Field(default_factory=list)
    # True when the seizure types are treated only within the listed syndromes
    # (e.g. a drug licensed for the seizures of Dravet or Lennox-Gastaut syndrome).
    syndrome_only: bool = False
    evidence: Evidence

    def covers(self, seizure_type: str, syndrome: str | None) -> bool:
        in_scope = not self.syndrome_only or syndrome in self.syndromes
        return in_scope and seizure_type in self.seizure_types


class Aggravation(Strict):
    seizure_types: list[str] = Field(default_factory=list)
    syndromes: list[str] = Field(default_factory=list)
    action: Literal["avoid", "use_with_caution", "monitor"]
    severity: Severity
    message: str
    evidence: Evidence


class EnzymeRole(Strict):
    enzyme: str
    role: Literal["major", "minor"]
    evidence: Evidence


class EnzymeEffect(Strict):
    enzyme: str
    strength: Literal["strong", "moderate", "weak"]
    evidence: Evidence
    note: str | None = None


class PgpSubstrate(Strict):
    status: PgpStatus
    evidence: Evidence | None = None

    @model_validator(mode="after")
    def _evidence_unless_unknown(self) -> PgpSubstrate:
        if self.status != "unknown" and self.evidence is None:
            raise ValueError(f"P-gp status {self.status!r} needs evidence")
        return self


class SourcedRange(Strict):
    range: Range
    evidence: Evidence
    note: str | None = None


class SourcedValue(Strict):
    value: float = Field(gt=0)
    evidence: Evidence
    note: str | None = None


class PediatricRange(SourcedRange):
    age_years: Range | None = None  # ages the mg/kg range is labelled for


class WeightBand(Strict):
    min_kg: float = Field(ge=0)
    max_kg: float | None = None
    range: Range
    evidence: Evidence


class TitrationStep(Strict):
    week_from: int = Field(ge=1)
    week_to: int = Field(ge=1)
    daily_mg: float | None = Field(default=None, gt=0)
    daily_mg_per_kg: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_dose(self) -> TitrationStep:
        if (self.daily_mg is None) == (self.daily_mg_per_kg is None):
            raise ValueError("give exactly one of daily_mg or daily_mg_per_kg")
        if self.week_to < self.week_from:
            raise ValueError("week_to is before week_from")
        return self


class Increase(Strict):
    daily_mg: float = Field(gt=0)
    every_weeks: Range


class Titration(Strict):
    """How to start a drug: fixed steps, then regular increases up to the target."""

    when_taking: list[str] = Field(default_factory=list)  # schedule for these co-medications
    population: Literal["adult", "pediatric"] = "adult"
    steps: list[TitrationStep] = Field(min_length=1)
    then_increase: Increase | None = None
    target_daily_mg: Range | None = None
    note: str | None = None
    evidence: Evidence


class Withdrawal(Strict):
    """How to stop a drug: taper duration and why it must not be stopped at once."""

    taper_weeks: Range
    never_abrupt: bool
    reason: str
    schedule: str | None = None
    evidence: Evidence


class SafetyNote(Strict):
    """A reproductive or long-term safety point shown where it applies to the patient."""

    topic: Literal["pregnancy", "contraception", "bone_health", "long_term", "other"]
    sex: Literal["female", "male"] | None = None
    age_years: Range | None = None
    text: str
    evidence: Evidence


class Dosing(Strict):
    adult_maintenance_daily_mg: SourcedRange | None = None
    adult_start_daily_mg: SourcedValue | None = None
    adult_max_daily_mg: SourcedValue | None = None
    weight_bands: list[WeightBand] = Field(default_factory=list)
    pediatric_daily_mg_per_kg: PediatricRange | None = None
    pediatric_max_daily_mg: SourcedValue | None = None
    therapeutic_range_mg_per_l: SourcedRange | None = None
    titration: list[Titration] = Field(default_factory=list)
    withdrawal: Withdrawal | None = None
    notes: str | None = None


class AdverseEffects(Strict):
    tags: list[str]
    evidence: Evidence


class RestrictedUse(Strict):
    """A label restriction to patients who failed alternatives (e.g. for a boxed harm)."""

    note: str
    evidence: Evidence


class Drug(Strict):
    name: str
    synonyms: list[str] = Field(default_factory=list)
    brand_names: list[str] = Field(default_factory=list)
    primary_mechanism: str
    mechanisms: list[str] = Field(min_length=1)
    mechanism_evidence: Evidence
    spectrum: SeizureScope
    aggravates: list[Aggravation] = Field(default_factory=list)
    metabolism: list[EnzymeRole] = Field(default_factory=list)
    renal_elimination_percent: float | None = None
    pgp_substrate: PgpSubstrate
    induces: list[EnzymeEffect] = Field(default_factory=list)
    inhibits: list[EnzymeEffect] = Field(default_factory=list)
    dosing: Dosing
    adverse_effects: AdverseEffects
    restricted_use: RestrictedUse | None = None
    safety_notes: list[SafetyNote] = Field(default_factory=list)
    notes: str | None = None

    @model_validator(mode="after")
    def _primary_listed(self) -> Drug:
        if self.primary_mechanism not in self.mechanisms:
            raise ValueError("primary_mechanism must also be listed in mechanisms")
        return self


class Comedication(Strict):
    name: str
    synonyms: list[str] = Field(default_factory=list)
    # Free vocabulary on purpose: classes only group co-medications for display.
    drug_class: str = Field(alias="class")
    metabolism: list[EnzymeRole] = Field(default_factory=list)
    notes: str | None = None


class ComedicationsFile(Strict):
    comedications: list[Comedication]


