"""The ILAE definition, regimen scoring, guideline positions and the status-epilepticus
pathway."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from advisor.schema.common import Action, Evidence, Range, Strict
from advisor.schema.dosing import Band
from advisor.schema.rules import Condition


class NextStep(Strict):
    """A step after drug resistance is established; shown when all ``when`` conditions hold
    (an empty list: always), and, while the current drug has brought seizure freedom that is
    not yet sustained, only if ``while_seizure_free``."""

    id: str
    text: str
    when: list[Condition] = Field(default_factory=list)
    while_seizure_free: bool = False
    # said after ``text`` while that seizure freedom is not yet sustained (review Y M3: 'to be
    # seen within 4 weeks' and 'surgery now' read oddly for a patient seizure-free now)
    seizure_free_text: str | None = None
    evidence: Evidence


class DreDefinition(Strict):
    min_failed_adequate_trials: int = Field(ge=1)
    min_seizure_free_months: float = Field(gt=0)
    interval_multiplier: float = Field(gt=0)
    tolerated_exposure_months: float = Field(gt=0)
    # recorded reactions (vocabulary.reactions) to a drug that end its tolerated exposure
    tolerance_ended_by: list[str] = Field(default_factory=list)
    evidence: Evidence
    # why this definition rather than an older one, shown once trials are counted
    rationale: str | None = None


class DreFile(Strict):
    definition: DreDefinition
    next_steps: list[NextStep]


class Synergy(Strict):
    drugs: tuple[str, str]
    note: str
    evidence: Evidence


class ShortTermOnly(Strict):
    """A drug given only for a short time (a parenteral substitute, an acute treatment): it is
    dosed and flagged, but never suggested as a long-term regimen."""

    drug: str
    note: str
    evidence: Evidence


class SoleAgent(Strict):
    """A drug the label wants given alone at these ages: a regimen combining it with another
    ASM is marked down (weight ``sole_agent_combination``) and says why."""

    drug: str
    age_years: Band
    note: str
    evidence: Evidence


class LicensedCombination(Strict):
    """Drugs a label indicates together for a syndrome: for that syndrome the pair is not
    penalised for sharing a target (e.g. stiripentol with clobazam in Dravet syndrome).
    ``first_only_with_second``: true, the first drug is licensed only with the second, so it
    is never suggested without it (the second is added to its regimen); ``contested``, some
    labels or guidelines give it only with the second and others do not: it is suggested
    with the second added and, marked down (weight ``without_licensed_partner``) with the
    note as a warning, without it."""

    drugs: tuple[str, str]
    syndromes: list[str] = Field(min_length=1)
    first_only_with_second: bool | Literal["contested"] = False
    note: str
    evidence: Evidence


class RegimenWeights(Strict):
    base: float
    distinct_mechanism: float
    same_primary_mechanism: float
    overlapping_mechanism: float
    per_drug: float
    early_add_on: float
    per_covered_seizure_type: float
    per_uncovered_seizure_type: float
    synergy: float
    shared_adverse_effect: float
    interaction: dict[Action, float]
    flag: dict[Action, float]
    # a use-with-caution flag of high severity on a drug to be started, on top of flag
    high_severity_caution: float = 0
    teratogenic_in_childbearing_potential: float
    teratogenic_in_pregnancy: float
    restricted_use: float
    previous_inefficacy: float
    previous_target_inefficacy: float
    previous_intolerance: float
    withdraw_current: float
    # per drug started whose schedule reaches its target only after the longest taper of a
    # current drug withdrawn promptly (withdraw_promptly), whose taper starts with it
    slower_than_prompt_taper: float = 0
    # per maintenance ASM beyond two in a regimen that starts a drug (RegimensFile
    # more_than_two_drugs), unless the syndrome's guideline entry names every drug started
    beyond_two_drugs: float = 0
    guideline_position: dict[Literal["first_line", "second_line", "third_line",
                                     "adjunctive"], float]
    # the same for a syndrome's guideline entry (default: guideline_position)
    syndrome_guideline_position: dict[Literal["first_line", "second_line", "adjunctive"],
                                      float] | None = None
    not_named_for_syndrome: float  # a drug the syndrome's guideline entry does not name
    # a drug that no guideline entry of the patient's seizure types names at all
    not_named_for_seizure_types: float = 0
    not_recommended: float = 0  # a drug the guideline says it no longer recommends here
    sole_agent_combination: float = 0  # a combination with a drug the label wants alone
    # a regimen with a drug some labels give only with a partner, without that partner
    without_licensed_partner: float = 0
    # a drug started that the guideline places only as a second- or third-line add-on
    later_add_on: dict[Literal["second_line", "third_line"], float] = Field(
        default_factory=dict)
    # per drug started that has no labelled dose for the patient but that the syndrome's
    # guideline entry names (its regimens are kept, with the dose left to the specialist)
    unlabelled_dose: float = 0
    # per drug a pregnant patient would switch from that has not failed and is not teratogenic
    switch_in_pregnancy: float = 0
    # per drug started that the guideline does not place for the patient's seizure types and
    # warns may exacerbate seizures that go with them (GuidelinePosition.may_exacerbate)
    may_exacerbate: float = 0
    # per seizure type a regimen leaves untreated that a current drug it withdraws treats
    # (one that has not failed, was not stopped for intolerance and is not to be avoided), on
    # top of per_uncovered_seizure_type
    withdraws_coverage: float = 0
    high_risk_polytherapy_note_threshold: float = Field(ge=0, le=1)


class Exacerbation(Strict):
    """Drugs a guideline entry warns may exacerbate seizures that go with its type."""

    drugs: list[str] = Field(min_length=1)
    seizures: str  # which, in words: "absence or myoclonic seizures"


class GuidelinePosition(Strict):
    """Where a guideline places drugs for one seizure type or syndrome."""

    seizure_type: str | None = None
    syndrome: str | None = None
    first_line: list[str] = Field(default_factory=list)
    second_line: list[str] = Field(default_factory=list)
    # drugs the guideline places third line as monotherapy (NG217 5.2.3: lacosamide for focal
    # seizures); weighed when the drug is given alone, its adjunctive place otherwise
    third_line: list[str] = Field(default_factory=list)
    adjunctive: list[str] = Field(default_factory=list)
    # the drugs the guideline places as add-on only (never as monotherapy) here
    add_on_only: list[str] = Field(default_factory=list)
    # first- or second-line drugs the guideline places at that line without restricting them
    # to monotherapy (NG217 6.2.2 and 6.2.4: valproate 'first-line treatment', lamotrigine
    # 'monotherapy or add-on' in Lennox-Gastaut syndrome): adding one is not an early add-on
    alone_or_added: list[str] = Field(default_factory=list)
    # drugs the guideline places for this seizure type when the patient has other seizure
    # types too, although their labels do not name it (NG217 5.3.5-5.3.8: levetiracetam for
    # absence seizures with other seizure types): they count as treating it then
    treats_with_other_types: list[str] = Field(default_factory=list)
    # adjunctive drugs the guideline places as second- or third-line add-ons (after its
    # first-line add-ons: NG217 5.2.4-5.2.6 for focal seizures); weighed by later_add_on
    later_add_on: dict[Literal["second_line", "third_line"], list[str]] = Field(
        default_factory=dict)
    # drug -> the age (years) from which the guideline places it here ("over 2 years of age")
    from_age_years: dict[str, float] = Field(default_factory=dict)
    # drugs the guideline does not place for women and girls able to have children (NG217:
    # valproate only if other options are ineffective or not tolerated)
    not_in_childbearing_potential: list[str] = Field(default_factory=list)
    # drugs the guideline keeps when they fail, adding the next drugs to them (NG217 6.1.4:
    # valproate in Dravet syndrome, 'add stiripentol and clobazam'): a regimen keeping one is
    # the guideline's step, not a failed drug kept
    added_to_when_failed: list[str] = Field(default_factory=list)
    # drugs the guideline says it no longer recommends here (NG217: gabapentin, clobazam
    # for focal seizures)
    not_recommended: list[str] = Field(default_factory=list)
    # drugs the guideline warns may exacerbate seizures that go with this type (NG217 5.1.8:
    # absence or myoclonic seizures beside generalized tonic-clonic ones); weighed when the
    # guideline places the drug for none of the patient's seizure types
    may_exacerbate: Exacerbation | None = None
    # the entry's own guideline, where it is not the file's (a source id)
    guideline: str | None = None
    # drug -> the technology appraisal (a source id) of the same body that recommends it as
    # add-on treatment here, outside the guideline's sequence (NICE TA808: fenfluramine for
    # Dravet syndrome); placed as adjunctive, from that source
    appraised: dict[str, str] = Field(default_factory=dict)
    # a seizure-type entry that, for a patient with the type, replaces the other seizure
    # types' entries as a syndrome's entry does (neonatal seizures)
    replaces_seizure_types: bool = False
    note: str | None = None
    evidence: Evidence

    def too_young(self, drug: str, age_years: float | None) -> float | None:
        """The age from which the entry places ``drug``, if the patient is younger."""
        lo = self.from_age_years.get(drug)
        return lo if lo is not None and age_years is not None and age_years < lo else None

    @property
    def named(self) -> list[str]:
        """Every drug the entry names (with its appraised ones), first line first."""
        return [*self.first_line, *self.second_line, *self.third_line, *self.adjunctive,
                *self.appraised]

    @model_validator(mode="after")
    def _one_target(self) -> GuidelinePosition:
        if (self.seizure_type is None) == (self.syndrome is None):
            raise ValueError("give exactly one of seizure_type or syndrome")
        stray = [d for drugs in self.later_add_on.values() for d in drugs
                 if d not in self.adjunctive]
        if stray:
            raise ValueError(f"later_add_on names drugs not in adjunctive: {stray}")
        either = [d for d in self.alone_or_added if d not in (*self.first_line,
                                                                *self.second_line)]
        if either:
            raise ValueError(f"alone_or_added names drugs not first or second line: {either}")
        return self

    def add_on_tier(self, drug: str) -> str | None:
        """'second_line' or 'third_line' for a later add-on here, else None."""
        return next((tier for tier, drugs in self.later_add_on.items() if drug in drugs), None)


class YoungGirls(Strict):
    """Who among girls below the child-bearing age band the guideline counts with women and
    girls able to have children: those likely to need treatment when old enough to have
    children; the exception is for girls under ``exception_under_age_years`` unlikely to."""

    exception_under_age_years: float = Field(gt=0)
    evidence: Evidence


class PositionsFile(Strict):
    guideline: str
    young_girls: YoungGirls | None = None
    positions: list[GuidelinePosition] = Field(min_length=1)

    def for_syndrome(self, syndrome: str | None) -> GuidelinePosition | None:
        """The guideline's entry for this syndrome, if it has one."""
        return next((p for p in self.positions if p.syndrome and p.syndrome == syndrome),
                    None)

    def governing(self, syndrome: str | None, seizure_types: list[str]
                  ) -> GuidelinePosition | None:
        """The one entry that replaces the seizure types' entries for a patient: the
        syndrome's, else a replacing seizure-type entry the patient has."""
        return self.for_syndrome(syndrome) or next(
            (p for p in self.positions
             if p.replaces_seizure_types and p.seizure_type in seizure_types), None)

    def source(self, entry: GuidelinePosition) -> str:
        """The guideline an entry is from."""
        return entry.guideline or self.guideline


class StagedWithdrawal(Strict):
    """What a plan that withdraws two or more ASMs says about their order, and, when one of
    them acts by a ``slower_mechanisms`` mechanism, ``slower_text`` too."""

    text: str
    slower_mechanisms: list[str] = Field(default_factory=list)
    slower_text: str = ""
    evidence: Evidence


class PolytherapyLimit(Strict):
    """What a regimen of more than two ASMs that starts a drug says, and why."""

    text: str
    evidence: Evidence


class RegimensFile(Strict):
    weights: RegimenWeights
    max_regimens: int = Field(gt=0)
    # regimens scoring at or below this are not suggested (their warnings outweigh their
    # support); when none scores above it, the best one alone is shown, saying so
    shown_above_score: float = 0
    shared_adverse_effect_tags: list[str]
    childbearing_potential_age_years: Range
    teratogenic_policy: Evidence
    pregnancy_switch: Evidence  # why a working, non-teratogenic drug is not switched lightly
    # ASMs whose levels fall in pregnancy: their dose follows the level, not the label's range
    # (evidence: pregnancy_switch)
    levels_fall_in_pregnancy: list[str] = Field(default_factory=list)
    early_polytherapy: Evidence
    several_withdrawals: StagedWithdrawal
    more_than_two_drugs: PolytherapyLimit | None = None  # None: not marked down
    synergies: list[Synergy]
    licensed_combinations: list[LicensedCombination] = Field(default_factory=list)
    short_term_only: list[ShortTermOnly] = Field(default_factory=list)
    sole_agent: list[SoleAgent] = Field(default_factory=list)


# --- status epilepticus pathway --------------------------------------------------------


class AcuteDose(Strict):
    """A weight-based or fixed acute dose; ``unit``: what its milligrams are of (``mg PE``:
    phenytoin sodium equivalents, as fosphenytoin is labelled)."""

    route: str
    unit: Literal["mg", "mg PE"] = "mg"
    mg_per_kg: float | None = Field(default=None, gt=0)
    fixed_mg: float | None = Field(default=None, gt=0)
    max_mg: float | None = Field(default=None, gt=0)
    # a weight-based dose is rounded up to the next multiple of this (a product's strengths)
    round_up_mg: float | None = Field(default=None, gt=0)
    min_weight_kg: float | None = Field(default=None, ge=0)
    max_weight_kg: float | None = None
    age_years: Band | None = None  # the ages the dose is for (a label's age bands)
    repeat: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_dose(self) -> AcuteDose:
        if (self.mg_per_kg is None) == (self.fixed_mg is None):
            raise ValueError("give exactly one of mg_per_kg or fixed_mg")
        return self


class AcuteOption(Strict):
    """A drug of a stage; ``counts_as``: other drugs whose level its load adds to (a
    prodrug's parent), for the note on a patient already taking one of them."""

    drug: str
    doses: list[AcuteDose] = Field(min_length=1)
    counts_as: list[str] = Field(default_factory=list)
    evidence: Evidence


class SeAlreadyTaking(Strict):
    """Said beside an option the patient already takes (the sources' loads assume not)."""

    text: str
    evidence: Evidence


class SeStage(Strict):
    id: str
    name: str
    minutes: Range  # time since seizure onset
    instruction: str
    options: list[AcuteOption] = Field(default_factory=list)
    # said beside an option of this stage the patient already takes, in place of the file's
    # already_taking (a rescue benzodiazepine: a dose given for this episode counts)
    already_taking: SeAlreadyTaking | None = None
    evidence: Evidence


class SeEvidenceNote(Strict):
    """A note shown with the pathway; with ``when``, only for patients all its conditions
    hold for; with ``stage``, as a step of that stage, after its instruction (eclampsia,
    for a pregnant woman, in the stabilization phase)."""

    id: str
    when: list[Condition] = Field(default_factory=list)
    stage: str | None = None
    text: str
    evidence: Evidence


class SeScope(Strict):
    """Who the pathway is for: below ``from_age_years`` its stages and doses are not shown,
    and ``younger`` says why and what to follow instead."""

    from_age_years: float = Field(gt=0)
    younger: str
    evidence: Evidence


class StatusEpilepticusFile(Strict):
    scope: SeScope
    already_taking: SeAlreadyTaking
    stages: list[SeStage] = Field(min_length=1)
    evidence_notes: list[SeEvidenceNote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_stages(self) -> StatusEpilepticusFile:
        ids = {stage.id for stage in self.stages}
        for note in self.evidence_notes:
            if note.stage is not None and note.stage not in ids:
                raise ValueError(f"evidence note {note.id}: unknown stage {note.stage!r} "
                                 f"(stages: {', '.join(sorted(ids))})")
        return self


class Advice(Strict):
    """Patient-level advice (not tied to one drug), shown when all ``when`` conditions hold:
    e.g. folic acid when a pregnancy is planned, the treat-or-not question of a self-limited
    syndrome. ``drugs``: shown only when one of them is in play (taken, a candidate or in a
    suggested regimen). Topic ``rationale``: why the advisor's position differs from a view
    a user may expect. ``headline``: advice about drugs that is not a rationale is also shown
    when one of its drugs is ordered (a CDS Hooks card), headed by this short line."""

    id: str
    topic: Literal["pregnancy", "contraception", "treatment_choice", "organ_function",
                   "monitoring", "seizure_threshold", "rationale", "other"]
    when: list[Condition] = Field(default_factory=list)
    drugs: list[str] = Field(default_factory=list)
    text: str
    headline: str | None = Field(default=None, max_length=110)
    # what must happen before any regimen (an urgent referral, a drug level): said first
    # under the summary's top regimen
    first: str | None = Field(default=None, max_length=220)
    evidence: Evidence

    @property
    def at_order(self) -> bool:
        """Shown when one of its drugs is ordered: advice about drugs, not a rationale."""
        return bool(self.drugs) and self.topic != "rationale"

    @model_validator(mode="after")
    def _targeted(self) -> Advice:
        if not (self.when or self.drugs):
            raise ValueError("advice needs when conditions or drugs (who it is for)")
        if self.at_order and not self.headline:
            raise ValueError("advice about drugs (not a rationale) is shown when they are "
                             "ordered: give a headline (at most 110 characters)")
        return self


class AdviceFile(Strict):
    advice: list[Advice]
