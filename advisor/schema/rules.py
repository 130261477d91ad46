"""Interactions (``interactions.yaml``) and flag rules (``rules/*.yaml``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from advisor.schema.common import Action, Bounds, Evidence, RuleCategory, Severity, Strict
from advisor.schema.dosing import Band
from advisor.schema.drugs import PgpStatus


class DoseChange(Strict):
    """How a rule or an interaction changes a drug's dose: a percentage of the patient's own
    range, a cap and/or a start dose, never a bare range. A co-medication's own dose range
    is a band of the victim drug (``dosing.maintenance`` with ``when_taking``), tied to an
    age band like every other range."""

    percent: float | None = Field(default=None, ge=-100, le=300)
    start_daily_mg: float | None = Field(default=None, gt=0)
    max_daily_mg: float | None = Field(default=None, gt=0)
    # the percent also applies to the titration steps ("titrate to half the usual doses")
    scales_titration: bool = False
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_bare_range(cls, data: object) -> object:
        if isinstance(data, dict) and "range_daily_mg" in data:
            raise ValueError("a dose range must be age-banded: write it as a band of the drug "
                             "(dosing.maintenance with age_years, indication and when_taking), "
                             "not as range_daily_mg")
        return data

    @model_validator(mode="after")
    def _something(self) -> DoseChange:
        if self.percent is None and self.start_daily_mg is None and self.max_daily_mg is None:
            raise ValueError("a dose change needs percent, start_daily_mg or max_daily_mg")
        if self.scales_titration and self.percent is None:
            raise ValueError("scales_titration applies a percent: give percent")
        return self


class PromptWithdrawal(Strict):
    """Why a drug a rule (or an interaction) asks to avoid is withdrawn promptly when it is
    taken (a contraindication for an acute, possibly fatal harm: valproate in mitochondrial
    disease; an inducer that lowers an antiretroviral while the two overlap), and what to
    watch until it is stopped; sourced by the rule's (interaction's) evidence."""

    why: str  # a clause after 'valproate is ...': 'contraindicated in ... because of ...'
    monitor: str | None = None  # a sentence: what to check until the drug is stopped
    # what the plan's pace is the advisor's reading of ('the advisor's reading of ...')
    reading: str = "the contraindication"


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
    # What the perpetrator does to the victim's levels (pharmacokinetic): "raises",
    # "lowers" or "variable"; a withdrawal step says the opposite happens as it is stopped.
    direction: Literal["raises", "lowers", "variable"] | None = None
    # What to do when the perpetrator is withdrawn ({removed}, {affected} are filled in), in
    # place of the sentence the direction gives.
    on_withdrawal: str | None = None
    # The interaction does not apply while the patient also takes any of these (e.g. with
    # valproate, lamotrigine follows the valproate schedule whether or not an inducer is
    # also taken).
    unless_taking: list[str] = Field(default_factory=list)
    # Which drug a flag falls on when the perpetrator is taken already: the victim, whose
    # level changes (the default), or the perpetrator, when the management changes the ASM
    # rather than the co-medication (a label advising another anticonvulsant with an
    # antiretroviral). A candidate perpetrator is flagged either way.
    flag_on: Literal["victim", "perpetrator"] = "victim"
    # What the status-epilepticus pathway shows beside an emergency dose instead of the
    # long-term management (an opioid with a benzodiazepine: give the full dose, airway
    # support ready); without it the flag is shown as one about long-term use.
    in_emergency: str | None = None
    # an 'avoid' whose harm lasts as long as the two overlap (the victim's efficacy is lost:
    # an inducer with an antiretroviral): a plan that withdraws the perpetrator, taken now,
    # starts its taper at once, as for a rule's then.withdraw_promptly
    withdraw_promptly: PromptWithdrawal | None = None
    evidence: Evidence

    @model_validator(mode="after")
    def _no_dose_on_perpetrator(self) -> Interaction:
        if self.flag_on == "perpetrator" and (self.dose is not None or self.action in (
                "reduce_dose", "increase_dose")):
            raise ValueError("flag_on: perpetrator is for interactions that change no dose "
                             "(the victim's dose change belongs on the victim)")
        if self.withdraw_promptly is not None and (self.action != "avoid"
                                                   or self.flag_on != "perpetrator"):
            raise ValueError("withdraw_promptly is for an 'avoid' interaction flagged on the "
                             "perpetrator (the drug withdrawn)")
        return self


class InteractionsFile(Strict):
    interactions: list[Interaction]


class PriorReaction(Strict):
    """The patient had one of these reactions to one of these drugs (any drug: omit)."""

    reactions: list[str] = Field(min_length=1)
    drugs: list[str] = Field(default_factory=list)


PregnancyTerm = Literal["pregnant", "planning", "breastfeeding", "not_pregnant", "unknown"]
GENE_TESTS = ("value_in", "phenotype_in", "activity_score", "variant_in")
UNTESTED = "untested"  # a value_in entry: the patient has no result for the key
PAIR_TESTS = ("drug_naive", "ever_taken", "drug_current")  # judged per patient and drug
ROW_TESTS = ("seizure_types_any", "syndromes_any", "conditions_any", "age_years", "age_given",
             "weight_kg", "weight_given", "sex_in", "sex_given", "pregnancy_in",
             "prior_reaction", "taking_any", "not_taking_any", "any_of")


class Condition(Strict):
    """One test on the patient; a rule fires when all its conditions hold.

    Gene tests: ``value_in`` (genotype, carrier status or effect class; ``untested``: no
    result given for the key), ``phenotype_in``,
    ``activity_score``, ``variant_in`` (named variants of a variant-effect gene). Patient
    tests: seizure types, syndrome, comorbid conditions, age (``age_given: false``: no age
    given, for a safety rule that must not stay silent then), weight (``weight_given``
    likewise), sex (``sex_given:
    false``: no sex given, likewise), pregnancy
    (``unknown``: not given), a past serious reaction, current medicines (``taking_any``,
    ``not_taking_any``), or ``any_of`` (at least one of several patient tests). Tests of the
    judged drug itself: ``drug_naive`` (not taken for the exposure threshold without
    intolerance), ``ever_taken`` (a current medicine or in the medication history) and
    ``drug_current`` (a current medicine).
    """

    gene: str | None = None
    value_in: list[str] | None = None
    phenotype_in: list[str] | None = None
    activity_score: Bounds | None = None
    variant_in: list[str] | None = None
    seizure_types_any: list[str] | None = None
    syndromes_any: list[str] | None = None
    conditions_any: list[str] | None = None  # comorbid conditions (vocabulary.conditions)
    age_years: Band | None = None
    age_given: bool | None = None
    weight_kg: Band | None = None
    weight_given: bool | None = None
    sex_in: list[Literal["female", "male", "other"]] | None = None
    sex_given: bool | None = None
    pregnancy_in: list[PregnancyTerm] | None = None
    prior_reaction: PriorReaction | None = None
    taking_any: list[str] | None = None
    not_taking_any: list[str] | None = None
    any_of: list[Condition] | None = Field(default=None, min_length=2)
    drug_naive: bool | None = None
    ever_taken: bool | None = None
    drug_current: bool | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> Condition:
        n_gene_tests = sum(getattr(self, t) is not None for t in GENE_TESTS)
        n_others = sum(getattr(self, t) is not None for t in (*ROW_TESTS, *PAIR_TESTS))
        if self.gene is not None:
            if n_gene_tests != 1 or n_others:
                raise ValueError("a gene condition needs exactly one of "
                                 f"{', '.join(GENE_TESTS)}, and nothing else")
        elif n_gene_tests or n_others != 1:
            raise ValueError("a condition tests exactly one thing: gene (with "
                             f"{' or '.join(GENE_TESTS)}), "
                             f"{', '.join((*ROW_TESTS, *PAIR_TESTS))}")
        if self.any_of and any(getattr(c, t) is not None for c in self.any_of
                               for t in PAIR_TESTS):
            raise ValueError("any_of combines patient tests; drug_naive, ever_taken and "
                             "drug_current go beside it")
        return self


class DrugSelector(Strict):
    names: list[str] = Field(default_factory=list)
    reacted: bool = False  # the drugs of the patient's matching prior_reaction
    mechanisms: list[str] = Field(default_factory=list)  # any listed mechanism
    primary_mechanisms: list[str] = Field(default_factory=list)  # primary mechanism only
    pgp_substrate: list[PgpStatus] = Field(default_factory=list)

    @model_validator(mode="after")
    def _non_empty(self) -> DrugSelector:
        if not (self.names or self.mechanisms or self.primary_mechanisms or self.pgp_substrate
                or self.reacted):
            raise ValueError("select drugs by names, mechanisms, primary_mechanisms, "
                             "pgp_substrate or reacted")
        return self


class RuleOutcome(Strict):
    action: Action
    severity: Severity
    message: str
    dose: DoseChange | None = None
    # the advisor gives no dose for the drug while the rule applies: the dose row says why
    # (valproate already taken in pregnancy: the lowest effective dose, her specialist's)
    dose_withheld: bool = False
    # an 'avoid' whose harm is acute: a plan that withdraws the drug starts its taper now,
    # not once the new drug reaches a therapeutic dose (not for a teratogen in pregnancy)
    withdraw_promptly: PromptWithdrawal | None = None

    @model_validator(mode="after")
    def _prompt_only_to_avoid(self) -> RuleOutcome:
        if self.withdraw_promptly is not None and self.action != "avoid":
            raise ValueError("withdraw_promptly is for a rule whose action is avoid")
        return self


class Rule(Strict):
    id: str
    description: str | None = None
    when: list[Condition] = Field(min_length=1)
    drugs: DrugSelector
    then: RuleOutcome
    evidence: Evidence


class RulesFile(Strict):
    category: RuleCategory
    rules: list[Rule]


