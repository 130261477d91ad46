"""Dosing in the drug files: doses by age, weight and indication; renal and hepatic bands;
titration and withdrawal.

Every dose range names who it is for (an age band, optionally a weight band) and what it is
for (its indication), so that a range labelled for one group is never applied to another;
where a label gives no dose for a group, ``no_dose`` says so and the advisor shows no number.
Bands are half-open: ``{from: 2, before: 13}`` covers a child from the 2nd birthday until the
13th (the label's "2 to 12 years").
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from advisor.numbers import number
from advisor.schema.common import Evidence, Range, Strict

OrganAction = Literal["no_adjustment", "reduce_dose", "reduce_unquantified", "use_with_caution",
                      "avoid", "monitor", "not_studied", "no_labelled_dose"]
Dialysis = Literal["haemodialysis", "peritoneal"]
ChildPugh = Literal["A", "B", "C"]


class Band(Strict):
    """A half-open numeric band: ``from`` (included) up to ``before`` (excluded)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    lo: float | None = Field(default=None, alias="from", ge=0)
    hi: float | None = Field(default=None, alias="before", gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.lo is not None and self.hi is not None and self.lo >= self.hi:
            raise ValueError(f"'from' ({self.lo:g}) must be below 'before' ({self.hi:g})")
        return self

    def contains(self, value: float) -> bool:
        return (self.lo is None or value >= self.lo) and (self.hi is None or value < self.hi)

    def text(self, unit: str) -> str:
        """The band in words, e.g. '2 to under 13 years', 'from 16 years', 'under 1 month'
        (``unit`` in the plural). A bound written as x.01 stands for a label's inclusive
        limit ('28 kg or less' is before 28.01, 'more than 28 kg' from 28.01) and is said
        so."""
        lo_incl = self.lo is not None and _inclusive(self.lo)
        hi_incl = self.hi is not None and _inclusive(self.hi)
        if self.lo is None:
            return (f"{_count(self.hi - 0.01, unit)} or less" if hi_incl
                    else f"under {_count(self.hi, unit)}")
        low = (f"more than {_count(self.lo - 0.01, unit)}" if lo_incl
               else f"from {_count(self.lo, unit)}")
        if self.hi is None:
            return low
        if lo_incl:
            top = (f"{_count(self.hi - 0.01, unit)} or less" if hi_incl
                   else f"under {_count(self.hi, unit)}")
            return f"{low} and {top}"
        if hi_incl:
            return f"{number(self.lo)} to {_count(self.hi - 0.01, unit)}"
        return f"{number(self.lo)} to under {_count(self.hi, unit)}"


def _inclusive(bound: float) -> bool:
    """Whether a bound is written as x.01 for a label's inclusive limit at x."""
    return abs(bound * 100 - round(bound * 100)) < 1e-6 and round(bound * 100) % 100 == 1


def _count(value: float | None, unit: str) -> str:
    """'1 month', '12 months', '40 kg' (``unit`` in the plural)."""
    one = unit.endswith("s") and number(value or 0) == "1"
    return f"{number(value or 0)} {unit[:-1] if one else unit}"


class Indication(Strict):
    """What a dose is labelled for: any of these seizure types or syndromes."""

    seizure_types: list[str] = Field(default_factory=list)
    syndromes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> Indication:
        if not (self.seizure_types or self.syndromes):
            raise ValueError("an indication names seizure types or syndromes (or write 'all')")
        return self

    def applies_to(self, seizure_types: list[str], syndrome: str | None) -> bool:
        """One of these seizure types, or this syndrome, is named (as dose bands match)."""
        return bool(set(self.seizure_types) & set(seizure_types)) or (
            syndrome in self.syndromes)


class DoseBand(Strict):
    """A labelled maintenance dose for one age band (and weight band) and one indication.

    ``when_taking`` / ``when_also_taking`` / ``when_not_taking`` tie a band to co-medication,
    as the labels' tables do (e.g. lamotrigine with valproate): the band applies only when the
    patient takes one of the first, also one of the second (if given) and none of the third.
    ``note`` is shown with the dose: how the label means the band (route, course, ceiling).
    ``adjunctive_only``: the labels give this band for add-on use only (e.g. lamotrigine at
    2-12 years), so the drug is never suggested alone to a patient in it.
    ``monotherapy_not_encoded`` (with ``adjunctive_only``): the band is the label's add-on
    dose, and the label also gives the drug alone at this age by a schedule the knowledge base
    does not hold (oxcarbazepine at 4-16 years): the drug may be suggested alone, with no
    dose, saying so.
    ``comparable: false`` (co-medication bands): the band's numbers are not in the same terms
    as the band without the co-medication (another label, another salt expression), so no
    percentage change between the two is computed. ``start_as_given``: the start in the
    label's words when it is not one amount a day (its average is ``start_daily_mg``).
    ``low_is_start``: the range's lower end is the label's start, not a maintenance minimum
    (a start and a maximum, or a start titrated to a maximum): it moves with the patient's
    start (a rule that changes the start).
    """

    age_years: Band
    weight_kg: Band | None = None
    indication: Literal["all"] | Indication
    when_taking: list[str] = Field(default_factory=list)
    when_also_taking: list[str] = Field(default_factory=list)
    when_not_taking: list[str] = Field(default_factory=list)
    daily_mg: Range | None = None
    daily_mg_per_kg: Range | None = None
    max_daily_mg: float | None = Field(default=None, gt=0)
    max_daily_mg_per_kg: float | None = Field(default=None, gt=0)
    start_daily_mg: float | None = Field(default=None, gt=0)
    start_daily_mg_per_kg: float | None = Field(default=None, gt=0)
    # the start as the label gives it, when not a daily amount ("25 mg every other day")
    start_as_given: str | None = None
    note: str | None = None
    adjunctive_only: bool = False
    monotherapy_not_encoded: bool = False
    comparable: bool = True
    low_is_start: bool = False
    evidence: Evidence

    @property
    def comedications(self) -> frozenset[str]:
        """The co-medications the band names (taken, also taken or not taken)."""
        return frozenset([*self.when_taking, *self.when_also_taking, *self.when_not_taking])

    @model_validator(mode="after")
    def _one_range(self) -> DoseBand:
        if (self.daily_mg is None) == (self.daily_mg_per_kg is None):
            raise ValueError("give exactly one of daily_mg or daily_mg_per_kg")
        if self.daily_mg_per_kg is not None and self.indication == "all":
            raise ValueError("a weight-based (mg/kg) range names its indication (seizure "
                             "types or syndromes), not 'all'")
        return self


class NoDose(Strict):
    """A group the label gives no dose for: the advisor says so and shows no number."""

    age_years: Band
    weight_kg: Band | None = None
    indication: Literal["all"] | Indication = "all"
    # true: not every label's dose for this group was read (a label may dose it; the note
    # says which was not read): the advisor says it holds no dose, not that no label gives one
    label_not_read: bool = False
    note: str
    evidence: Evidence


class Statement(Strict):
    """A sourced statement without numbers (e.g. what the label says about older adults)."""

    note: str
    evidence: Evidence


class OlderAdults(Statement):
    """What the label says for older adults (from the manifest's ``older_adults`` age): in
    words, with a start dose, a percentage of the usual dose or a cap where it gives one, or
    ``start_reduced`` where it says to start lower without a number; ``no_target`` where
    the usual maintenance range is not this group's target and no source gives one."""

    start_daily_mg: float | None = Field(default=None, gt=0)
    percent: float | None = Field(default=None, ge=-100, lt=0)
    max_daily_mg: float | None = Field(default=None, gt=0)
    # the label says to start lower than usual and gives no number: no start is shown
    start_reduced: bool = False
    # no sourced maintenance target for this group: the start is shown, no target range
    no_target: bool = False


class OrganBand(Strict):
    """A label's dose statement for impaired kidney or liver function, for one age band.

    The change is a replacement range (``daily_mg`` or ``daily_mg_per_kg``), a percentage of
    the usual dose (``percent``), a cap and/or a start dose; ``action`` is what the advisor
    flags (``no_adjustment`` and ``not_studied`` are shown as information).
    ``reduce_unquantified``: the label lowers the dose here but the knowledge base holds no
    amount; ``no_labelled_dose``: the label gives no dose for this function (not studied, no
    guidance) where the usual dose is unsafe to assume. Neither gives an automatic number.
    ``weight_kg``, ``indication`` and ``when_taking`` narrow who the statement is for.
    ``scales_titration``: the ``percent`` also applies to the starting and escalation doses
    (labels that say "reduce the initial, escalation and maintenance doses").
    ``unbound_levels``: here protein binding is low, so the drug's total-level target
    misleads: the dose row shows no total target and says to dose by unbound (free) levels.
    ``no_target``: the statement gives a start (or a caution) but no maintenance target, and
    the usual range is not this group's: the dose shows the start and no target range.
    """

    age_years: Band
    weight_kg: Band | None = None
    indication: Literal["all"] | Indication = "all"
    when_taking: list[str] = Field(default_factory=list)
    action: OrganAction
    daily_mg: Range | None = None
    daily_mg_per_kg: Range | None = None
    percent: float | None = Field(default=None, ge=-100, lt=0)
    max_daily_mg: float | None = Field(default=None, gt=0)
    max_daily_mg_per_kg: float | None = Field(default=None, gt=0)
    start_daily_mg: float | None = Field(default=None, gt=0)
    start_daily_mg_per_kg: float | None = Field(default=None, gt=0)
    scales_titration: bool = False
    unbound_levels: bool = False
    no_target: bool = False
    message: str
    evidence: Evidence

    @model_validator(mode="after")
    def _consistent(self) -> OrganBand:
        if self.scales_titration and self.percent is None:
            raise ValueError("scales_titration applies a percent: give percent")
        changes = [self.daily_mg, self.daily_mg_per_kg, self.percent, self.max_daily_mg,
                   self.max_daily_mg_per_kg, self.start_daily_mg, self.start_daily_mg_per_kg]
        if self.action == "reduce_dose" and all(c is None for c in changes):
            raise ValueError("reduce_dose needs a range, percent, a maximum or a start dose "
                             "(no amount in the source: use reduce_unquantified)")
        if self.action in ("reduce_unquantified", "no_labelled_dose") and any(
                c is not None for c in changes):
            raise ValueError(f"{self.action} has no amount: with one, use reduce_dose")
        if sum(x is not None for x in (self.daily_mg, self.daily_mg_per_kg, self.percent)) > 1:
            raise ValueError("give one of daily_mg, daily_mg_per_kg or percent")
        if self.daily_mg_per_kg is not None and self.indication == "all":
            raise ValueError("a weight-based (mg/kg) range names its indication")
        return self


class RenalBand(OrganBand):
    """Creatinine clearance (mL/min, Cockcroft-Gault as the labels use it), dialysis, or the
    label's own category words when it gives no clearance limits (then the advisor takes
    them as KDOQI stages: mild 60-89, moderate 30-59, severe below 30 or dialysis, end stage
    below 15 or dialysis, and says the label gave no limits)."""

    crcl_ml_min: Band | None = None
    dialysis: list[Dialysis] = Field(default_factory=list)
    impairment: list[Literal["mild", "moderate", "severe", "end_stage"]] = Field(
        default_factory=list)
    # below this clearance the range, maximum and start fall in proportion to the clearance
    # (labels: "reduce the daily dose in proportion to creatinine clearance")
    in_proportion_below_ml_min: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_criterion(self) -> RenalBand:
        if sum(bool(x) for x in (self.crcl_ml_min, self.dialysis, self.impairment)) != 1:
            raise ValueError("give exactly one of crcl_ml_min, dialysis or impairment")
        if self.in_proportion_below_ml_min is not None and self.crcl_ml_min is None:
            raise ValueError("in_proportion_below_ml_min needs a crcl_ml_min band")
        return self


class HepaticBand(OrganBand):
    """Child-Pugh classes; ``renal_function_given``: only for patients whose kidney function
    is given (true) or not given (false), for labels that dose liver disease by it ("assess
    renal function before dose selection")."""

    child_pugh: list[ChildPugh] = Field(min_length=1)
    renal_function_given: bool | None = None


class TitrationStep(Strict):
    week_from: int = Field(ge=1)
    week_to: int = Field(ge=1)
    daily_mg: float | None = Field(default=None, gt=0)
    daily_mg_per_kg: float | None = Field(default=None, gt=0)
    as_given: str | None = None  # the step in the label's words ("25 mg every other day")

    @model_validator(mode="after")
    def _one_dose(self) -> TitrationStep:
        if (self.daily_mg is None) == (self.daily_mg_per_kg is None):
            raise ValueError("give exactly one of daily_mg or daily_mg_per_kg")
        if self.week_to < self.week_from:
            raise ValueError("week_to is before week_from")
        return self


class Increase(Strict):
    """The regular increase after the fixed steps: by ``daily_mg`` or by a per-kg range
    (``daily_mg_per_kg``: vigabatrin in infantile spasms, 25-50 mg/kg/day), every so many
    weeks or, where the label counts days, ``every_days`` (every 3 days)."""

    daily_mg: float | None = Field(default=None, gt=0)
    daily_mg_per_kg: Range | None = None
    every_weeks: Range | None = None
    every_days: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_each(self) -> Increase:
        if (self.daily_mg is None) == (self.daily_mg_per_kg is None):
            raise ValueError("give daily_mg or daily_mg_per_kg, not both")
        if (self.every_weeks is None) == (self.every_days is None):
            raise ValueError("give every_weeks or every_days, not both")
        return self


class Titration(Strict):
    """How to start a drug: fixed steps, then regular increases up to the target."""

    age_years: Band  # who the schedule is for
    weight_kg: Band | None = None  # and, when given, for this body weight only
    # for these seizure types or syndromes only (e.g. levetiracetam in juvenile myoclonic
    # epilepsy from 12 years follows the adult schedule); None: any indication
    indication: Indication | None = None
    when_taking: list[str] = Field(default_factory=list)  # schedule for these co-medications
    steps: list[TitrationStep] = Field(min_length=1)
    then_increase: Increase | None = None
    target_daily_mg: Range | None = None
    note: str | None = None
    evidence: Evidence


class ReactionStop(Strict):
    """What the drug's own label says about stopping it after one of ``reactions`` (names of
    the vocabulary's reactions): the plan cites ``text``, in brackets, when it stops the drug
    now for such a reaction recorded to it."""

    reactions: list[str] = Field(min_length=1)
    text: str  # "the carbamazepine label: '...'": the label's own words, quoted
    evidence: Evidence


class Withdrawal(Strict):
    """How to stop a drug: taper duration and why it must not be stopped at once."""

    taper_weeks: Range
    never_abrupt: bool
    reason: str
    schedule: str | None = None
    # the label's reduction per step, mg/day (levetiracetam: 500 mg twice daily), where the
    # schedule gives one: a patient whose dose is at most this gets no step of that size
    step_daily_mg: float | None = Field(default=None, gt=0)
    step_from_kg: float | None = None  # ... for patients above this weight only
    # drug -> a schedule that applies only when the plan starts that drug (the lamotrigine
    # label's conversion from valproate), shown after ``schedule`` then
    schedule_with: dict[str, str] = Field(default_factory=dict)
    evidence: Evidence
    # the label's statements on stopping the drug after a hypersensitivity reaction
    after_reaction: list[ReactionStop] = Field(default_factory=list)

    def stop_statement(self, reaction: str) -> ReactionStop | None:
        """The label's statement for ``reaction``, if the knowledge base quotes one."""
        return next((s for s in self.after_reaction if reaction in s.reactions), None)


class SourcedRange(Strict):
    range: Range
    evidence: Evidence
    note: str | None = None


class WholeTablets(Strict):
    """Weight-based amounts are rounded down to whole tablets of these strengths (labels that
    say so); below the smallest strength there is no automatic amount."""

    strengths_mg: list[float] = Field(min_length=1)
    evidence: Evidence

    def round_down(self, mg: float) -> float | None:
        """The largest daily amount of whole tablets at or below ``mg`` (None below the
        smallest strength)."""
        units = [round(s * 10) for s in self.strengths_mg]
        limit = int(mg * 10 + 1e-6)
        reach = [True] + [False] * limit
        for amount in range(1, limit + 1):
            reach[amount] = any(u <= amount and reach[amount - u] for u in units)
        best = max(a for a in range(limit + 1) if reach[a])
        return best / 10 if best else None

    def note(self, mg: float) -> str | None:
        """What rounding ``mg`` (a weight-based daily amount) down did, in words; None when
        it is already whole tablets."""
        whole = self.round_down(mg)
        if whole is None:
            return (f"{mg:g} mg/day is less than the smallest tablet "
                    f"({min(self.strengths_mg):g} mg): no automatic amount; follow the product "
                    "label's schedule for small children")
        return None if whole == mg else (f"{mg:g} mg/day, rounded down to whole tablets: "
                                         f"{whole:g} mg/day")


class Dosing(Strict):
    # what the milligrams are of: mg PE (phenytoin sodium equivalents) for fosphenytoin
    unit: Literal["mg", "mg PE"] = "mg"
    maintenance: list[DoseBand] = Field(default_factory=list)
    no_dose: list[NoDose] = Field(default_factory=list)
    older_adults: OlderAdults | None = None
    renal: list[RenalBand] = Field(default_factory=list)
    hepatic: list[HepaticBand] = Field(default_factory=list)
    therapeutic_range_mg_per_l: SourcedRange | None = None
    titration: list[Titration] = Field(default_factory=list)
    withdrawal: Withdrawal | None = None
    whole_tablets: WholeTablets | None = None
    # the label warns against starting above its initial dose (lamotrigine: serious rash):
    # an order above this patient's start is then a warning at the point of prescribing
    start_is_a_limit: Statement | None = None
    notes: str | None = None

    @property
    def banded(self) -> frozenset[str]:
        """The co-medications some maintenance band names: the drugs that change which
        labelled dose applies."""
        return frozenset(d for band in self.maintenance for d in band.comedications)

    @property
    def banded_seizure_types(self) -> frozenset[str]:
        """The seizure types some maintenance band names."""
        return frozenset(t for band in self.maintenance if band.indication != "all"
                         for t in band.indication.seizure_types)

    @property
    def add_on_only_types(self) -> frozenset[str]:
        """The seizure types that every band naming them gives for add-on use only, with
        no band for every indication (lacosamide: primary generalized tonic-clonic seizures;
        review Z08): the drug alone does not treat them."""
        if any(band.indication == "all" for band in self.maintenance):
            return frozenset()
        return frozenset(t for t in self.banded_seizure_types if all(
            band.adjunctive_only and not band.monotherapy_not_encoded
            for band in self.maintenance if t in band.indication.seizure_types))
