"""Typed models of the knowledge-base YAML files (strict: unknown keys are errors).

The structure is documented for reviewers in ``knowledgebase/README.md``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

EvidenceLevel = Literal["high", "moderate", "low", "very_low"]
Action = Literal["avoid", "reduce_dose", "increase_dose", "monitor", "use_with_caution", "info"]
Severity = Literal["high", "moderate", "low"]
Category = Literal[
    "efflux", "metabolism", "hypersensitivity", "paradoxical", "interaction", "toxicity"
]
RULE_CATEGORIES = ("efflux", "metabolism", "hypersensitivity", "paradoxical", "toxicity")
AlleleFunction = Literal[
    "normal_function",
    "decreased_function",
    "no_function",
    "increased_function",
    "uncertain_function",
    "unknown_function",
    "not_assigned",
]
KNOWN_FUNCTIONS = ("normal_function", "decreased_function", "no_function", "increased_function")
PgpStatus = Literal["substrate", "likely_substrate", "conflicting", "not_substrate", "unknown"]


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


class Manifest(Strict):
    name: str
    version: str
    reviewed: date
    description: str
    genome_build: Literal["GRCh38"]


class Vocabulary(Strict):
    seizure_types: dict[str, str]
    syndromes: dict[str, str]
    mechanisms: dict[str, str]
    adverse_effects: dict[str, str]
    enzymes: list[str]
    phenotypes: list[str]


# --- genes -----------------------------------------------------------------------------


class Variant(Strict):
    id: str
    rsid: str | None = None
    position: int = Field(gt=0)
    ref: str
    alts: list[str] = Field(min_length=1)
    name: str | None = None
    protein: str | None = None
    coding_alleles: dict[str, str] | None = None


class StarAllele(Strict):
    name: str
    function: AlleleFunction
    activity_value: float | None = None
    defining: dict[str, str] = Field(default_factory=dict)
    callable_from_vcf: bool = True  # False for structural alleles (e.g. whole-gene deletions)
    evidence: Evidence | None = None
    note: str | None = None


class PhenotypeRule(Strict):
    phenotype: str
    activity_score: Range | None = None
    functions: tuple[AlleleFunction, AlleleFunction] | None = None

    @model_validator(mode="after")
    def _one_criterion(self) -> PhenotypeRule:
        if (self.activity_score is None) == (self.functions is None):
            raise ValueError("give exactly one of activity_score or functions")
        return self


class SnpGenotype(Strict):
    variant: str
    genotype: str
    phenotype: str
    evidence: Evidence | None = None


class HlaAllele(Strict):
    name: str
    evidence: Evidence | None = None
    note: str | None = None


class EffectClass(Strict):
    name: str
    phenotype: str
    evidence: Evidence | None = None


class KnownVariant(Strict):
    variant: str
    aliases: list[str] = Field(default_factory=list)
    effect: str
    phenotype: str | None = None
    rsid: str | None = None
    position: int | None = None
    ref: str | None = None
    alt: str | None = None
    evidence: Evidence


class Gene(Strict):
    symbol: str
    name: str
    kind: Literal["star_allele", "snp", "hla", "variant_effect"]
    chromosome: str
    strand: Literal["plus", "minus"]
    evidence: Evidence
    notes: str | None = None
    variants: list[Variant] = Field(default_factory=list)
    # star_allele
    reference_allele: str | None = None
    genome_reference_allele: str | None = None
    alleles: list[StarAllele] | list[HlaAllele] = Field(default_factory=list)
    phenotype_method: Literal["activity_score", "function_pair"] | None = None
    phenotypes: list[PhenotypeRule] = Field(default_factory=list)
    indeterminate_phenotype: str | None = None
    # snp
    genotypes: list[SnpGenotype] = Field(default_factory=list)
    # hla
    values: list[str] = Field(default_factory=list)
    # variant_effect
    effect_classes: list[EffectClass] = Field(default_factory=list)
    known_variants: list[KnownVariant] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _allele_type(cls, data: object) -> object:
        # Parse `alleles` with the model that fits the gene kind, so errors are precise.
        if isinstance(data, dict) and isinstance(data.get("alleles"), list):
            model = HlaAllele if data.get("kind") == "hla" else StarAllele
            data = {**data, "alleles": [model.model_validate(a) for a in data["alleles"]]}
        return data

    @model_validator(mode="after")
    def _kind_fields(self) -> Gene:
        required = {
            "star_allele": ("reference_allele", "alleles", "phenotype_method", "phenotypes",
                            "indeterminate_phenotype"),
            "snp": ("variants", "genotypes"),
            "hla": ("alleles", "values"),
            "variant_effect": ("effect_classes",),
        }[self.kind]
        missing = [name for name in required if not getattr(self, name)]
        if missing:
            raise ValueError(f"a {self.kind} gene needs: {', '.join(missing)}")
        return self


# --- drugs -----------------------------------------------------------------------------


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


# --- interactions and rules ------------------------------------------------------------


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


# --- DRE definition and regimen scoring ------------------------------------------------


class NextStep(Strict):
    id: str
    text: str
    when: Literal["always", "focal_lesional", "otherwise"]
    evidence: Evidence


class DreDefinition(Strict):
    min_failed_adequate_trials: int = Field(ge=1)
    min_seizure_free_months: float = Field(gt=0)
    interval_multiplier: float = Field(gt=0)
    tolerated_exposure_months: float = Field(gt=0)
    evidence: Evidence


class DreFile(Strict):
    definition: DreDefinition
    next_steps: list[NextStep]


class Synergy(Strict):
    drugs: tuple[str, str]
    note: str
    evidence: Evidence


class RegimenWeights(Strict):
    base: float
    distinct_mechanism: float
    same_primary_mechanism: float
    per_covered_seizure_type: float
    per_uncovered_seizure_type: float
    synergy: float
    shared_adverse_effect: float
    interaction: dict[Action, float]
    flag: dict[Action, float]
    teratogenic_in_childbearing_potential: float
    restricted_use: float
    previous_inefficacy: float
    previous_intolerance: float
    withdraw_current: float
    guideline_position: dict[Literal["first_line", "second_line", "adjunctive"], float]
    high_risk_polytherapy_note_threshold: float = Field(ge=0, le=1)


class GuidelinePosition(Strict):
    """Where a guideline places drugs for one seizure type or syndrome."""

    seizure_type: str | None = None
    syndrome: str | None = None
    first_line: list[str] = Field(default_factory=list)
    second_line: list[str] = Field(default_factory=list)
    adjunctive: list[str] = Field(default_factory=list)
    note: str | None = None
    evidence: Evidence

    @model_validator(mode="after")
    def _one_target(self) -> GuidelinePosition:
        if (self.seizure_type is None) == (self.syndrome is None):
            raise ValueError("give exactly one of seizure_type or syndrome")
        return self


class PositionsFile(Strict):
    guideline: str
    positions: list[GuidelinePosition] = Field(min_length=1)


class RegimensFile(Strict):
    weights: RegimenWeights
    max_regimens: int = Field(gt=0)
    shared_adverse_effect_tags: list[str]
    childbearing_potential_age_years: Range
    teratogenic_policy: Evidence
    early_polytherapy: Evidence
    synergies: list[Synergy]


# --- status epilepticus pathway --------------------------------------------------------


class AcuteDose(Strict):
    """A weight-based or fixed acute dose."""

    route: str
    mg_per_kg: float | None = Field(default=None, gt=0)
    fixed_mg: float | None = Field(default=None, gt=0)
    max_mg: float | None = Field(default=None, gt=0)
    min_weight_kg: float | None = Field(default=None, ge=0)
    max_weight_kg: float | None = None
    repeat: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_dose(self) -> AcuteDose:
        if (self.mg_per_kg is None) == (self.fixed_mg is None):
            raise ValueError("give exactly one of mg_per_kg or fixed_mg")
        return self


class AcuteOption(Strict):
    drug: str
    doses: list[AcuteDose] = Field(min_length=1)
    evidence: Evidence


class SeStage(Strict):
    id: str
    name: str
    minutes: Range  # time since seizure onset
    instruction: str
    options: list[AcuteOption] = Field(default_factory=list)
    evidence: Evidence


class SeEvidenceNote(Strict):
    id: str
    text: str
    evidence: Evidence


class StatusEpilepticusFile(Strict):
    stages: list[SeStage] = Field(min_length=1)
    evidence_notes: list[SeEvidenceNote] = Field(default_factory=list)
