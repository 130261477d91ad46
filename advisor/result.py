"""The consult result as typed models: the consult's JSON contract in code.

``consult()`` returns a :class:`ConsultResult`; the reports and the app read its
attributes. Its JSON is ``result.model_dump(mode="json")``: keys in field order, every
field present (``null`` when empty) except those declared with :data:`OmitIfNone`, which
are left out when they are None (the contract's optional keys).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SerializationInfo, field_serializer

from advisor.schema import Action, EvidenceLevel, Severity, Source

T = TypeVar("T")


def _is_none(value: Any) -> bool:
    return value is None


OmitIfNone = Annotated[T | None, Field(exclude_if=_is_none)]
"""An optional key: left out of the dump (and the JSON) when None."""

DreStatus = Literal["drug_resistant", "not_drug_resistant", "undetermined"]


class ResultModel(BaseModel):
    """Base of the result parts: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


# --- genotypes -------------------------------------------------------------------------


class PhenotypeEntry(ResultModel):
    """One translated genotype, keyed in the result by its input key (gene, rsID, HLA)."""

    gene: str
    diplotype_or_genotype: str
    phenotype: str
    evidence: list[str]
    contested: bool
    activity_score: OmitIfNone[float] = None
    source: Literal["genotypes", "vcf", "pharmcat", "fhir"]
    derived_from: OmitIfNone[str] = None  # the typed result this was derived from (HLA)
    value: OmitIfNone[str] = None  # what rules test, where it differs from the genotype shown


class VcfCall(ResultModel):
    """How one key was called from the patient's genotype files (VCF, PharmCAT output, FHIR
    bundle): used or not, and why. ``phenotypes`` gives the phenotype of each listed
    diplotype (an ambiguous call's phenotype range)."""

    status: Literal["called", "ambiguous", "no_call"]
    diplotypes: list[str]
    missing_positions: list[str]
    message: str | None
    source: str
    overridden: bool
    phenotypes: list[str] = Field(default_factory=list)


# --- judgement -------------------------------------------------------------------------


class Flag(ResultModel):
    category: str
    drug: str
    gene: str | None
    action: Action
    severity: Severity
    message: str
    evidence: list[str]
    evidence_level: EvidenceLevel
    contested: bool
    rule: str
    interacting_drug: OmitIfNone[str] = None
    # set when the flag holds for some but not all of the diplotypes an ambiguous call allows
    # (a position the data lack decides it): the alternatives under which it holds
    depends_on_untested_position: OmitIfNone[list[str]] = None
    # current (a drug the patient takes) | candidate (judged for this patient) | other (any
    # other ASM of the knowledge base: only 'avoid' flags are kept, pre-emptively)
    relevance: str = "candidate"


class Advice(ResultModel):
    """Advice for the patient as a whole (e.g. folic acid), with its evidence."""

    id: str
    topic: str
    text: str
    evidence: list[str]
    evidence_level: EvidenceLevel
    contested: bool = False
    first: OmitIfNone[str] = None  # what must happen before any regimen (the summary's)


class IfStarted(ResultModel):
    """How a drug already taken must change when a candidate drug is started (the
    candidate's interaction changes this drug's dose)."""

    drug: str  # the candidate that would be started
    recommended_daily_mg: list[float] | None
    adjustment_percent: float | None
    why: str
    evidence: list[str]


class Dose(ResultModel):
    """A dose recommendation; ``adjustment_percent`` is the net change of the midpoint.
    ``if_started``: for a drug already taken, the dose to move to when a candidate whose
    interaction changes it is started. ``titration_percent``: a kidney or liver statement
    also lowers the starting and escalation doses by this much. ``adjunctive_only``: the
    labelled dose is for add-on use only at the patient's age (left out of the JSON when not
    so). ``max_daily_mg``: this patient's ceiling, the lowest of the band's maximum (or the top
    of its range; lowered by the same percentage as the dose when percentages lowered it) and
    any kidney, liver or interaction maximum."""

    drug: str
    standard_daily_mg: list[float] | None
    recommended_daily_mg: list[float] | None
    adjustment_percent: float | None
    basis: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    start_daily_mg: float | None = None
    max_daily_mg: float | None = None
    therapeutic_range_mg_per_l: list[float] | None = None
    # dosed | not_recommended | no_labelled_dose | needs_input | no_maintenance | rescue |
    # rescue_outside_label (a rescue product named for a patient outside its labelled ages) |
    # specialist_dose (a flag withholds the advisor's dose: valproate taken in pregnancy)
    status: str = "dosed"
    band: str | None = None  # who the labelled dose is for, in words
    if_started: list[IfStarted] = Field(default_factory=list)
    titration_percent: float | None = None
    unit: str = "mg"  # what the milligrams are of ("mg PE": phenytoin sodium equivalents)
    adjunctive_only: OmitIfNone[bool] = None  # True: the labelled band is for add-on use only
    # True: the label says to start this patient lower than usual and gives no number (so
    # no start is given; an older adult on valproate)
    start_reduced: OmitIfNone[bool] = None
    # True: no sourced maintenance target for this patient (a kidney or older-adult statement
    # gives only the start): no recommended range, the start and slow titration only
    no_target: OmitIfNone[bool] = None
    # the start in the label's words when it is not one amount a day ("25 mg every other day")
    start_as_given: OmitIfNone[str] = None
    # a single labelled dose that the same label lets rise: how far ("780 mg/day (60 mg/kg/day)")
    may_rise_to: OmitIfNone[str] = None
    # True (with no_labelled_dose): the knowledge base holds no dose for this patient, but not
    # every label was read for this group (a label may dose it): not 'the label gives none'
    kb_gap: OmitIfNone[bool] = None
    # the kidney or liver statements of the label that apply to this patient ('renal',
    # 'hepatic'): the dose is read with them (a caution may give no number)
    organ_statements: OmitIfNone[list[str]] = None
    # True (with adjunctive_only): the label also gives the drug alone at this age, by a
    # schedule the knowledge base does not hold (no monotherapy dose is shown)
    monotherapy_not_encoded: OmitIfNone[bool] = None
    # with needs_input: what the dose needs ('age', 'weight', 'kidney function')
    needs: OmitIfNone[str] = None
    # True: a short-term substitute, not a drug for long-term treatment (fosphenytoin for
    # oral phenytoin; regimens.yaml short_term_only): never listed among maintenance options
    short_term_only: OmitIfNone[bool] = None

    @property
    def status_text(self) -> str:
        """The status in words."""
        if self.kb_gap:
            return "no dose in the knowledge base"
        if self.status == "needs_input" and self.needs:
            return f"needs {self.needs}"
        return STATUS_WORDS.get(self.status, self.status.replace("_", " "))


STATUS_WORDS = {"dosed": "dosed", "not_recommended": "not recommended: avoid",
                "specialist_dose": "the specialist's dose",
                "no_labelled_dose": "no labelled dose", "needs_input": "needs age or weight",
                "no_maintenance": "acute use only", "rescue": "rescue use",
                "rescue_outside_label": "rescue product outside its labelled ages"}


class NextStep(ResultModel):
    id: str
    text: str
    evidence: list[str]
    evidence_level: EvidenceLevel
    # while seizure freedom is not yet sustained: what that means for the step (also in text)
    seizure_free_note: OmitIfNone[str] = None


class DreResult(ResultModel):
    """ILAE drug-resistance status with its reasons (and next steps when resistant)."""

    status: DreStatus
    failed_adequate_trials: int
    required_seizure_free_months: float
    current_seizure_free_months: float
    seizure_free_drug: str | None = None  # the drug of the trial that freedom was reached on
    reasons: list[str] = Field(default_factory=list)
    next_steps: list[NextStep] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    # why the status is not classified at all (neonatal seizures), shown in its headline
    not_classified: OmitIfNone[str] = None


class RiskFactor(ResultModel):
    factor: str
    value: str | int | float
    contribution: float


class CountedAsOne(ResultModel):
    """The estimates had the seizure types ``types`` (``label`` in words) been counted as one
    type: the knowledge base's count notes, for a combination whose counting the source
    leaves open (review AA-M3)."""

    types: list[str]
    label: str
    p_drug_resistance: float | None
    p_drug_resistance_interval: list[float] | None = None
    p_seizure_freedom_next_regimen: float
    p_seizure_freedom_next_regimen_interval: list[float] | None = None


class Risk(ResultModel):
    """Model estimates; absent (None) when the models cannot run for the patient.

    ``p_drug_resistance`` (and its interval) is None when the patient already meets the
    ILAE definition of drug resistance. Each ``*_interval`` is ``[low, high]``, the
    uncertainty range described in ``calibration_note`` (None when the model file holds no
    ensemble).
    """

    p_drug_resistance: float | None
    p_drug_resistance_interval: list[float] | None = None
    p_seizure_freedom_next_regimen: float
    p_seizure_freedom_next_regimen_interval: list[float] | None = None
    failed_adequate_regimens: int
    top_factors: list[RiskFactor]
    top_factors_seizure_freedom: list[RiskFactor]
    contribution_scale: str
    unknown_inputs: list[str]
    model: str
    model_version: str
    calibration_note: str
    notes: list[str]
    evidence: list[str]
    counted_as_one: list[CountedAsOne] = Field(default_factory=list)


# --- regimens and the transition to them -----------------------------------------------


class ScheduleEntry(ResultModel):
    weeks: str
    daily_mg_per_kg: OmitIfNone[float] = None
    daily_mg: float | None  # None for a mg/kg step when the weight is not known
    as_given: OmitIfNone[str] = None  # the step in the label's words, when not daily


class ContinueStep(ResultModel):
    drug: str
    action: Literal["continue"] = "continue"
    notes: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    # the dose change a drug the plan adds requires ('change to 100-200 mg/day (-50%) when
    # valproate is started'), or None
    dose_change: OmitIfNone[str] = None


class AddStep(ResultModel):
    drug: str
    action: Literal["add"] = "add"
    schedule: list[ScheduleEntry] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    then: OmitIfNone[str] = None
    target_daily_mg: OmitIfNone[list[float]] = None
    # the target is the labelled dose while these drugs (being withdrawn) are taken
    target_while: OmitIfNone[list[str]] = None
    # the label starts this patient lower than usual without a number (no schedule then)
    start_lower: OmitIfNone[bool] = None
    # no dose for this use in the knowledge base: start, steps and target from the product
    # label and specialist advice (no schedule or target is shown, nor the dose table's)
    label_only: OmitIfNone[bool] = None
    # no dose until this patient detail is given ('kidney function'): no schedule either
    needs: OmitIfNone[str] = None
    # the dose table's range does not hold for the plan (it assumes a drug stopped now): the
    # target in words, and the table's range is not shown as the target
    target_text: OmitIfNone[str] = None
    # a schedule a kidney, liver or genotype statement lowered: the earliest week in which it
    # first reaches the target (lowered steps, the label's pace; review Y M8)
    target_from_week: OmitIfNone[int] = None


class WithdrawStep(ResultModel):
    drug: str
    action: Literal["withdraw"] = "withdraw"
    notes: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    taper_weeks: OmitIfNone[list[float]] = None  # None: no sourced taper
    never_abrupt: bool
    reason: OmitIfNone[str] = None
    # a hypersensitivity reaction to the drug is recorded: stop it promptly if it may be
    # drug-related, not after the cross-taper (the step's instruction, said first)
    stop_now: OmitIfNone[str] = None
    # SJS/TEN or DRESS recorded: stop_now is the whole instruction (stop now, do not
    # restart), with no taper as the otherwise-branch
    stop_now_only: OmitIfNone[bool] = None
    # an 'avoid' for an acute harm (valproate in mitochondrial disease): the taper starts now, not
    # once the new drug reaches a therapeutic dose (the step's instruction, said first)
    promptly: OmitIfNone[str] = None


TransitionStep = Annotated[ContinueStep | AddStep | WithdrawStep, Field(discriminator="action")]


class InteractionChange(ResultModel):
    """An interaction that ends as ``removed`` is withdrawn, and what to do about it."""

    removed: str
    affected: str
    interaction: str
    change: str
    evidence: list[str]


class TransitionPlan(ResultModel):
    steps: list[TransitionStep]
    interaction_changes: list[InteractionChange]
    sequence: list[str]


class Regimen(ResultModel):
    drugs: list[str]
    mechanisms: list[str]
    mechanism_labels: list[str]  # the primary mechanisms in words, in the same order
    score: float
    rationale: list[str]
    warnings: list[str]
    evidence: list[str]
    kind: str
    transition: TransitionPlan
    caveats: OmitIfNone[list[str]] = None  # warnings the summary shows with the regimen

    @property
    def replacing(self) -> list[str]:
        """The current drugs an add-on regimen withdraws (an add-on in place of them)."""
        return [s.drug for s in self.transition.steps if isinstance(s, WithdrawStep)] \
            if self.kind == "add-on" else []

    @property
    def kind_text(self) -> str:
        """The kind as a reader takes it (:func:`kind_text`)."""
        return kind_text(self.kind, self.replacing)


class SafetyNote(ResultModel):
    drug: str
    topic: str
    text: str
    evidence: list[str]
    evidence_level: EvidenceLevel


# --- status epilepticus ----------------------------------------------------------------


class PathwayDose(ResultModel):
    """One acute dose for this patient: milligrams (of ``unit``), a mg/kg rule, or both."""

    route: str
    unit: str = "mg"
    dose_rule: OmitIfNone[str] = None
    dose_mg: OmitIfNone[float] = None
    weight_band: OmitIfNone[str] = None
    age_band: OmitIfNone[str] = None  # the label's age band the dose is for
    repeat: OmitIfNone[str] = None
    note: OmitIfNone[str] = None


class PathwayOption(ResultModel):
    drug: str
    doses: list[PathwayDose]
    flags: list[str]
    evidence: list[str]
    evidence_level: EvidenceLevel


class PathwayExclusion(ResultModel):
    drug: str
    reasons: list[str]
    evidence: list[str]


class PathwayStage(ResultModel):
    id: str
    name: str
    minutes: list[float]
    instruction: str
    options: list[PathwayOption]
    excluded: list[PathwayExclusion]
    evidence: list[str]


class PathwayEvidenceNote(ResultModel):
    id: str
    text: str
    evidence: list[str]
    evidence_level: EvidenceLevel | None
    contested: bool


class StatusEpilepticusPathway(ResultModel):
    stages: list[PathwayStage]
    evidence_notes: list[PathwayEvidenceNote]
    note: str


# --- the summary: the key actions first ------------------------------------------------


class SummaryPatient(ResultModel):
    """Who the consult is for, as the summary's first line shows it."""

    age_years: float | None
    weight_kg: float | None
    sex: str | None
    seizure_types: list[str]
    syndrome: str | None
    current_medications: list[str]
    candidate_drugs: list[str]  # asked about by name (empty: judged by seizure type)
    syndrome_name: OmitIfNone[str] = None  # the syndrome as the vocabulary names it
    seizure_type_names: OmitIfNone[list[str]] = None  # as the vocabulary names them
    other_medications: list[str] = Field(default_factory=list)  # outside the knowledge base
    rescue_medications: list[str] = Field(default_factory=list)  # kept for emergencies only
    # what changes doses and choices, in words: pregnancy, kidney and liver function, past
    # serious reactions ("pregnant", "eGFR 25 mL/min", "Child-Pugh B")
    context: OmitIfNone[list[str]] = None


class SummaryAvoid(ResultModel):
    """A drug not to start (or to stop): the reasons of its 'avoid' flags."""

    drug: str
    reasons: list[str]
    relevance: str  # current | candidate | other, as the flags'
    evidence: list[str]
    evidence_level: EvidenceLevel  # the strongest among its 'avoid' flags
    rules: list[str]
    # when every reason is an interaction: the drugs it must not be combined with (the
    # combination is to avoid, not the drug: "apixaban with carbamazepine")
    with_drugs: OmitIfNone[list[str]] = None


class SummaryDoseChange(ResultModel):
    """A dose that differs from the labelled standard: from -> to, and why."""

    drug: str
    change: str
    reason: str
    from_daily_mg: list[float] | None
    to_daily_mg: list[float] | None
    adjustment_percent: float | None
    evidence: list[str]
    evidence_level: EvidenceLevel | None
    rules: list[str]


class SummaryMonitor(ResultModel):
    """A caution or monitoring flag about a drug in play."""

    drug: str
    action: Action
    reason: str
    evidence: list[str]
    evidence_level: EvidenceLevel
    rule: str


class SummaryStep(ResultModel):
    text: str
    evidence: list[str]
    evidence_level: EvidenceLevel | None = None


class SummaryAsOne(ResultModel):
    """The summary's estimate had the seizure types in ``label`` been counted as one type."""

    label: str
    probability: float
    interval: list[float] | None


class SummaryRisk(ResultModel):
    """The model estimate that fits the ILAE status (drug resistance, or for a patient who is
    already drug-resistant, seizure freedom on the next regimen)."""

    outcome: Literal["drug_resistance", "seizure_freedom_next_regimen"]
    probability: float
    interval: list[float] | None
    as_one: SummaryAsOne | None = None


def kind_text(kind: str, replacing: list[str] | None) -> str:
    """A regimen's kind as a reader takes it: 'add-on in place of levetiracetam' for an
    add-on that withdraws a current drug."""
    return kind + (f" in place of {', '.join(replacing)}" if replacing else "")


class SummaryRegimen(ResultModel):
    """The top-ranked regimen and the first thing to do for it."""

    drugs: list[str]
    kind: str
    first_step: str
    target_daily_mg: list[float] | None  # of the first added drug, from the dose table
    evidence: list[str]
    target_while: OmitIfNone[list[str]] = None  # see AddStep
    target_from_week: OmitIfNone[int] = None  # see AddStep
    # an add-on to some current drugs that withdraws others: the drugs it withdraws
    replacing: OmitIfNone[list[str]] = None
    caveats: OmitIfNone[list[str]] = None  # the regimen's (Regimen.caveats)
    # how a kept drug's dose changes as the first drug is added ('lamotrigine: change to
    # 100-200 mg/day (-50%) when valproate is started'), said after the target
    kept_changes: OmitIfNone[list[str]] = None


class Summary(ResultModel):
    """The key actions, in the order a pharmacist acts on them (see advisor.summary)."""

    patient: SummaryPatient | None
    avoid: list[SummaryAvoid]
    dose_changes: list[SummaryDoseChange]
    monitor: list[SummaryMonitor]
    dre_status: DreStatus
    next_steps: list[SummaryStep]
    risk: SummaryRisk | None
    top_regimen: SummaryRegimen | None
    # what must happen before any regimen (an urgent referral), said with the top regimen
    first: list[SummaryStep] = Field(default_factory=list)
    # status epilepticus: the pathway's first treatment for this patient, and what to weigh
    # beside it (a rescue dose already given), shown before everything else
    emergency: list[SummaryStep] = Field(default_factory=list)
    in_play: list[str]  # current drugs, drugs asked about and the top regimen's drugs
    unchecked_medications: list[str] = Field(default_factory=list)  # outside the knowledge base
    # co-medications of the knowledge base with no recorded interaction with some
    # antiseizure medication in play or offered -> the antiseizure medications it has
    # recorded interactions with
    partly_checked_medications: dict[str, list[str]] = Field(default_factory=dict)
    # -> the antiseizure medications in play or offered it has no recorded interaction with
    partly_checked_not_against: dict[str, list[str]] = Field(default_factory=dict)
    co_medications_not_checked_together: list[str] = Field(default_factory=list)  # as above
    # co-medications a source says no antiseizure medication affects, with what it says
    unaffected_medications: dict[str, SummaryStep] = Field(default_factory=dict)
    # each comorbid condition recorded -> the drugs the knowledge base judges it for (empty:
    # none): it is not checked for any other drug (review W H1, H5)
    conditions_checked_for: dict[str, list[str]] = Field(default_factory=dict)
    # the names people know the co-medications named here by, where the id reads wrongly
    # (lopinavir_ritonavir -> "lopinavir/ritonavir (Kaletra)")
    shown: OmitIfNone[dict[str, str]] = None


# --- the whole -------------------------------------------------------------------------


class Provenance(ResultModel):
    advisor_version: str
    knowledgebase_version: str
    knowledgebase_sha256: str
    model_version: str | None
    generated_at: str


class NotShown(ResultModel):
    """A drug asked about by name that no regimen shown holds, and why."""

    drug: str
    reason: str


class ConsultResult(ResultModel):
    """Everything one consult says about one patient, and what produced it."""

    patient_id: str | None
    phenotypes: dict[str, PhenotypeEntry]
    vcf_calls: dict[str, VcfCall]
    flags: list[Flag]
    doses: list[Dose]
    dre: DreResult
    risk: Risk | None
    risk_note: str | None
    regimens: list[Regimen]
    summary: Summary | None = None  # set by consult() once the rest is known
    # no regimen formed: why (which candidates are usable and why none was offered, or why
    # each candidate is not usable); None when a regimen is formed or there is no candidate
    # (the reports then give their general text)
    no_regimen: str | None = None
    # the drugs asked about by name that no regimen shown holds, with the reason
    not_shown: list[NotShown] = Field(default_factory=list)
    safety_notes: list[SafetyNote]
    advice: list[Advice] = Field(default_factory=list)
    status_epilepticus: StatusEpilepticusPathway | None
    candidate_drugs: list[str]
    # the patient's drugs outside the knowledge base: no interaction with them was checked
    unchecked_medications: list[str] = Field(default_factory=list)
    # the patient's co-medications of the knowledge base without a recorded interaction with
    # some antiseizure medication in play or offered (see advisor.summary.partly_checked),
    # with the antiseizure medications their recorded interactions are with: checked only
    # for those
    partly_checked_medications: dict[str, list[str]] = Field(default_factory=dict)
    # the same co-medications, with the antiseizure medications in play or offered they have
    # no recorded interaction with
    partly_checked_not_against: dict[str, list[str]] = Field(default_factory=dict)
    # the patient's co-medications that a source says no antiseizure medication affects
    # (the levonorgestrel IUD), with what it says: checked, with nothing to flag
    unaffected_medications: dict[str, SummaryStep] = Field(default_factory=dict)
    # the patient's co-medications of the knowledge base, when two or more: the knowledge
    # base records interactions with antiseizure medications only, so none among these
    co_medications_not_checked_together: list[str] = Field(default_factory=list)
    provenance: Provenance
    disclaimer: str
    sources: dict[str, Source] = Field(default_factory=dict)  # every cited source, by id

    @field_serializer("sources")
    def _sources(self, sources: dict[str, Source], info: SerializationInfo) -> dict[str, Any]:
        # a source's unknown fields (no PMID, no organisation, ...) are left out
        return {sid: s.model_dump(mode=info.mode, exclude_none=True)
                for sid, s in sources.items()}
