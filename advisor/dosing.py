"""Dose recommendations from the labelled dose bands of each drug.

For one patient and one drug:

1. the **band**: the drug's maintenance bands for the patient's age (and weight), for an
   indication the patient has, and for the co-medication the patient takes (a band tied to
   co-medication, e.g. lamotrigine with valproate, wins over a general one; a band for the
   patient's syndrome over one for a seizure type over "all"). The *standard* range is the
   band without co-medication; a group the label gives no dose for gets no number. A drug
   started now is dosed as without an enzyme inducer that the plan withdraws for a
   hypersensitivity reaction (:func:`stopped_inducers`);
2. **adjustments** from fired genotype rules and interactions (``then.dose`` / ``dose``):
   a percentage of the patient's own range, a cap, a start dose;
3. **kidney and liver**: the label's statement for the patient's clearance or Child-Pugh
   class (raised as organ_function flags by :mod:`advisor.rules`): a replacement range, a
   percentage, a cap; a statement the label makes only for other ages gives no number;
4. **caps**: the result never exceeds the band's or any statement's maximum; when
   percentages have lowered the range, the band's maximum is lowered by the same factor
   (a reduced dose keeps a reduced ceiling).

Each step is listed in ``basis`` with its source; ``adjustment_percent`` is the net change
of the range midpoint against the standard range.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from advisor.frame import PatientFrame
from advisor.knowledge import KnowledgeBase
from advisor.numbers import (
    age,
    daily_mg,
    higher_lower,
    listing,
    number,
    phrase,
    plural,
    signed_percent,
    span,
    syndrome_phrase,
)
from advisor.result import Dose, IfStarted
from advisor.rules import covered, hepatic_match, records, renal_match
from advisor.schema import Band, DoseBand, DoseChange, Drug, Evidence, NoDose, OrganBand
from advisor.vocabulary import SEVERE_REACTIONS

MAX_INDICATIONS = 4  # a band naming more: its dose row names the patient's among them


def _r(x: float) -> float:
    return float(round(x, 1))


def _practical(lo: float, hi: float) -> list[float]:
    """A range a percentage changed, from 10 mg up in whole mg, rounded inwards (225-375 mg
    lowered by 75% is 57-93 mg/day, not 56.2-93.8: review Y C3)."""
    inner = [float(math.ceil(lo - 1e-9)), float(math.floor(hi + 1e-9))]
    return inner if lo >= 10 and inner[0] <= inner[1] else [_r(lo), _r(hi)]


def _share(mg: float, share: float) -> float:
    """A labelled amount in proportion to the clearance: whole mg, rounded down (a clearance
    is an estimate: no false precision, and never above the proportion)."""
    return mg if share >= 1 else float(math.floor(mg * share))


def _said(text: str) -> str:
    """A statement to join with others in a dose's basis: without its closing full stop."""
    return text.strip().rstrip(".")


def _cite(evidence: Evidence) -> str:
    return f"[{', '.join(evidence.sources)}; evidence {evidence.level}]"


def age_text(band: Band) -> str:
    if band.lo == 1 and (band.hi is None or band.hi > 2):  # a whole year: "1 to under 5 years"
        return band.text("years")
    if band.lo is not None and 0 < band.lo < 2 and (band.hi is None or band.hi > 2):
        # from an age in months to one in years: "1 month to under 17 years"
        return (f"from {age(band.lo)}" if band.hi is None
                else f"{age(band.lo)} to under {age(band.hi)}")
    if (band.hi is not None and band.hi <= 2) or (band.lo is not None and 0 < band.lo < 2):
        months = Band.model_validate({"from": None if band.lo is None else round(band.lo * 12),
                                      "before": None if band.hi is None
                                      else round(band.hi * 12)})
        return months.text("months")
    return band.text("years")


@dataclass
class _Row:
    """The frame's row seen as one patient."""

    frame: PatientFrame
    row: int
    also_taken: tuple[str, ...] = ()  # candidates counted as taken (if they were started)
    not_taken: tuple[str, ...] = ()  # drugs taken counted as not taken (inducers stopped now)
    _fits: dict[tuple[int, bool], bool] = field(default_factory=dict, repr=False)
    _sizes: tuple[float | None, float | None] | None = field(default=None, repr=False)
    _values: dict[str, Any] = field(default_factory=dict, repr=False)

    def value(self, name: str) -> Any:
        if name not in self._values:  # (read many times per patient)
            v = self.frame.arrays.context[name][self.row]
            self._values[name] = (None if v is None or (isinstance(v, float) and np.isnan(v))
                                  else v.item() if isinstance(v, np.generic) else v)
        return self._values[name]

    def seizure_types_among(self, types: list[str], named: frozenset[str]) -> tuple[int, int]:
        """(how many of ``types`` this patient has, how many of ``named`` they have)."""
        index = self.frame.arrays.seizure_index

        def has(kinds: Iterable[str]) -> int:
            return sum(self.has_indication(t) for t in kinds if t in index)

        return has(types), has(named)

    def has_indication(self, kind: str) -> bool:
        """Whether ``kind`` (a seizure type or a syndrome) is this patient's."""
        a = self.frame.arrays
        if kind in a.seizure_index:
            return bool(a.seizure[self.row][a.seizure_index[kind]])
        return self.value("syndrome") == kind

    def fits(self, band: DoseBand | NoDose | OrganBand, *, comedication: bool = True) -> bool:
        """Whether the band is for this patient (asked once per band)."""
        # without co-medication conditions the band fits the same either way
        key = (id(band), comedication and _has_comedication(band))
        if key not in self._fits:
            self._fits[key] = self._covered(band, comedication)
        return self._fits[key]

    def _in_size_bands(self, band: DoseBand | NoDose | OrganBand) -> bool:
        """The age and weight test of :func:`~advisor.rules.covered` for this row, read
        from the band's bounds (most bands of a drug are for other ages: they are left out
        here without the numpy tests; the bands kept are tested in full by ``covered``)."""
        if self._sizes is None:
            self._sizes = (self.value("age_years"), self.value("weight_kg"))
        for size, value in zip((band.age_years, band.weight_kg), self._sizes, strict=True):
            if size is not None and (value is None or not size.contains(value)):
                return False  # an unknown age or weight never matches a band
        return True

    def _covered(self, band: DoseBand | NoDose | OrganBand, comedication: bool) -> bool:
        """:func:`~advisor.rules.covered` for this row, tested once per frame for all its
        rows (patients judged together share the test)."""
        if not self._in_size_bands(band):
            return False

        def test(rows: np.ndarray) -> np.ndarray:
            def given(name: str) -> Any:
                return getattr(band, name, []) if comedication else ()

            return covered(self.frame, rows, age=band.age_years, weight=band.weight_kg,
                           indication=band.indication, when_taking=given("when_taking"),
                           when_also_taking=given("when_also_taking"),
                           when_not_taking=given("when_not_taking"),
                           also_taken=self.also_taken, not_taken=self.not_taken)

        return self._in_frame((id(band), comedication, self.also_taken, self.not_taken), test)

    def organ_match(self, band: OrganBand, match: Callable[..., np.ndarray]) -> bool:
        """``match`` (:func:`~advisor.rules.renal_match` or ``hepatic_match``) for this
        row, tested once per frame for all its rows."""
        return self._in_frame((id(band), match.__name__),
                              lambda rows: match(self.frame, rows, band))

    def _in_frame(self, key: tuple, test: Callable[[np.ndarray], np.ndarray]) -> bool:
        """``test`` of all the frame's rows (made once per frame and ``key``), at this row."""
        masks = self.frame.memo
        if key not in masks:
            masks[key] = test(np.arange(len(self.frame)))
        return bool(masks[key][self.row])


def _has_comedication(band: DoseBand | NoDose | OrganBand) -> bool:
    return bool(getattr(band, "when_taking", None) or getattr(band, "when_also_taking", None)
                or getattr(band, "when_not_taking", None))


def _specificity(band: DoseBand, patient: _Row, named: frozenset[str]
                 ) -> tuple[int, int, int]:
    """Co-medication bands first; then a band for the patient's own syndrome; then one for
    all their seizure types (of ``named``, those some band of the drug names); then a
    general one; then one for some of them (the more, the better). A band that names a
    syndrome but fits through a seizure type only is a seizure-type band: so the juvenile
    myoclonic epilepsy band does not set the dose of an adult with focal and myoclonic
    seizures, nor of one whose seizure types a CDS Hooks request infers from the drug."""
    comed = 0 if band.when_taking or band.when_also_taking else 1
    if band.indication == "all":
        return comed, 2, 0
    if patient.value("syndrome") in band.indication.syndromes:
        return comed, 0, 0
    covered, count = patient.seizure_types_among(band.indication.seizure_types, named)
    return (comed, 1, 0) if covered == count else (comed, 3, -covered)


def select_band(drug: Drug, patient: _Row, *, comedication: bool) -> DoseBand | None:
    """The labelled band for this patient (with co-medication bands, or without them)."""
    bands = [b for b in drug.dosing.maintenance
             if (comedication or not (b.when_taking or b.when_also_taking))
             and patient.fits(b, comedication=comedication)]
    if len(bands) < 2:
        return bands[0] if bands else None
    named = drug.dosing.banded_seizure_types
    return min(bands, key=lambda band: _specificity(band, patient, named))


def _needs_weight(drug: Drug, patient: _Row) -> bool:
    """A band would fit but needs the patient's weight (mg/kg or a weight band)."""
    age = patient.value("age_years")
    return any(b.age_years.contains(age) and (b.weight_kg or b.daily_mg_per_kg)
               for b in drug.dosing.maintenance)


def _range(band: DoseBand | OrganBand, weight: float | None) -> tuple[float, float] | None:
    if band.daily_mg is not None:
        return band.daily_mg.lo, band.daily_mg.hi
    if band.daily_mg_per_kg is not None and weight is not None:
        return band.daily_mg_per_kg.lo * weight, band.daily_mg_per_kg.hi * weight
    return None


def _not_for(kb: KnowledgeBase, drug: Drug, patient: _Row, chosen: DoseBand) -> list[str]:
    """The patient's seizure types and syndromes that other bands of the label dose but
    none that fits this patient does, and for whom those bands are: the dose shown is not
    for them (review U M9: vigabatrin's spasms dose is for 1 month to 2 years; a child of 3
    with spasms and focal seizures was shown the focal-seizure band only)."""
    if chosen.indication == "all":
        return []
    dosed: dict[str, list[DoseBand]] = {}
    for band in drug.dosing.maintenance:
        if band.indication == "all":
            return []  # a band for every indication doses them all
        for kind in (*band.indication.seizure_types, *band.indication.syndromes):
            if patient.has_indication(kind):
                dosed.setdefault(kind, []).append(band)
    out = []
    for kind, bands in dosed.items():
        if any(patient.fits(b) for b in bands):
            continue
        name = kb.vocabulary.syndromes.get(kind) or kb.seizure_type_words(kind)
        ages = "; ".join(dict.fromkeys(age_text(b.age_years) for b in bands))
        out.append(f"the label's dose for {phrase(name)} ({ages}) does not fit this "
                   "patient, so the dose shown is not for them")
    return out


def _add_on_only_for(kb: KnowledgeBase, drug: Drug, patient: _Row, chosen: DoseBand
                     ) -> list[str]:
    """The patient's seizure types that the label gives the drug for as add-on only, when
    the band shown (for the patient's other seizure types) is not itself an add-on band:
    the drug alone does not treat them (review Z08: lacosamide for focal and primary
    generalized tonic-clonic seizures)."""
    if chosen.adjunctive_only:
        return []  # the band's own add-on sentence says so
    types = [t for t in sorted(drug.dosing.add_on_only_types) if patient.has_indication(t)]
    if not types:
        return []
    return [f"for {listing([kb.seizure_type_words(t) for t in types])} the label gives "
            f"{drug.name} as add-on (adjunctive) therapy only, not alone"]


def _rises_to(band: DoseBand, weight: float | None) -> tuple[float, str] | None:
    """The band's own maximum when it is above its dose in the same units (a per-kg
    maximum over a per-kg dose, a mg/day maximum over a mg/day dose), with its per-kg words;
    else None: an absolute cap over a per-kg dose only stops a heavy patient's dose."""
    per_kg, most_per_kg = band.daily_mg_per_kg, band.max_daily_mg_per_kg
    if per_kg is not None and most_per_kg is not None and weight is not None \
            and most_per_kg > per_kg.hi + 1e-9:
        mg = most_per_kg * weight
        if band.max_daily_mg is not None:
            mg = min(mg, band.max_daily_mg)
        return mg, f" ({number(most_per_kg)} mg/kg/day)"
    if band.daily_mg is not None and band.max_daily_mg is not None \
            and band.max_daily_mg > band.daily_mg.hi + 1e-9:
        return band.max_daily_mg, ""
    return None


def _cap(band: DoseBand | OrganBand, weight: float | None) -> float | None:
    caps = [band.max_daily_mg] if band.max_daily_mg is not None else []
    if band.max_daily_mg_per_kg is not None and weight is not None:
        caps.append(band.max_daily_mg_per_kg * weight)
    return min(caps) if caps else None


@dataclass(frozen=True)
class _AdultDose:
    """The highest dose the drug's adult bands give: a stated maximum, or the top of a
    usual range that the label does not call a maximum."""

    mg: float
    stated: bool
    band: DoseBand


def adult_dose(drug: Drug, band: DoseBand) -> _AdultDose | None:
    """For a child's weight-based band (per kg, ending at an age), the highest dose of the
    drug's bands without an upper age, with the same co-medication; None otherwise."""
    if band.daily_mg_per_kg is None or band.age_years.hi is None:
        return None
    same = (set(band.when_taking), set(band.when_also_taking))
    adult = [_AdultDose(b.max_daily_mg if b.max_daily_mg is not None else b.daily_mg.hi,
                        b.max_daily_mg is not None, b)
             for b in drug.dosing.maintenance
             if b.age_years.hi is None and b.daily_mg is not None
             and (set(b.when_taking), set(b.when_also_taking)) == same]
    return max(adult, key=lambda a: (a.mg, a.stated)) if adult else None


def _adult_cap(drug: Drug, band: DoseBand) -> float | None:
    """The stated adult maximum that caps a child's weight-based band (BNFC)."""
    adult = adult_dose(drug, band)
    return adult.mg if adult is not None and adult.stated else None


def _start(band: DoseBand | OrganBand, weight: float | None) -> float | None:
    if band.start_daily_mg is not None:
        return band.start_daily_mg
    if band.start_daily_mg_per_kg is not None and weight is not None:
        return _r(band.start_daily_mg_per_kg * weight)
    return None


def describe(band: DoseBand, kb: KnowledgeBase, mine: Callable[[str], bool] | None = None
             ) -> str:
    """Who a band is for, in words; a band for more than :data:`MAX_INDICATIONS`
    syndromes and seizure types names those of the patient (``mine``) that it covers."""
    parts = [age_text(band.age_years)]
    if band.weight_kg is not None:
        parts.append(band.weight_kg.text("kg"))
    if band.indication != "all":
        kinds = [*band.indication.syndromes, *band.indication.seizure_types]
        name = {**{s: syndrome_phrase(kb.vocabulary.syndromes[s])
                   for s in band.indication.syndromes},
                **{t: kb.vocabulary.seizure_types[t].lower()
                   for t in band.indication.seizure_types}}
        own = [k for k in kinds if mine(k)] if mine is not None else []
        if len(kinds) <= MAX_INDICATIONS or not own:
            parts.append("for " + ", ".join(name[k] for k in kinds))
        else:
            named = [name[k] for k in own]
            listed = ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0]
            parts.append(f"for this patient's {listed}, among others"
                         if len(own) <= MAX_INDICATIONS else
                         f"for {len(own)} of the band's {len(kinds)} indications, those "
                         "judged for this patient")
    if band.when_taking:
        parts.append("with " + " or ".join(map(kb.shown, band.when_taking)))
    if band.when_also_taking:
        parts.append("and " + " or ".join(map(kb.shown, band.when_also_taking)))
    if band.when_not_taking:
        parts.append("without " + ", ".join(map(kb.shown, band.when_not_taking)))
    return ", ".join(parts)


def rescue_dose(drug: Drug, years: float | None, named: Collection[str] = ()) -> Dose:
    """The dose row of rescue treatment (``named``: the rescue products the patient names;
    ``years``: the age): no daily dose; a named product outside its labelled ages is said
    first (status ``rescue_outside_label``)."""
    dose = Dose(drug=drug.name, standard_daily_mg=None, recommended_daily_mg=None,
                adjustment_percent=None, status="rescue")
    products = drug.rescue_products
    if products is None:  # clobazam kept for clusters: no rescue label (review K M12)
        dose.basis = ["rescue treatment, not a daily maintenance dose: "
                      "the knowledge base has no rescue product of this drug, so no rescue "
                      "dose is checked; follow the prescriber's written rescue plan"]
        return dose
    brands: list[str] = []
    for name in products.names:  # the products by brand, once each (not Diastat twice)
        if drug.name not in name.lower() and not any(name.split()[0] == b.split()[0]
                                                     for b in brands):
            brands.append(name)
    dose.basis = ["rescue treatment: one dose per seizure cluster or prolonged seizure, by age "
                  f"and weight as the product's label gives it ({', '.join(brands)}), not a "
                  "daily maintenance dose"]
    dose.evidence = list(products.evidence.sources)
    aged = products.ages_of(list(named))
    outside = [a for a in aged if years is not None and not a.age_years.contains(years)]
    notes = ". ".join(a.note.rstrip(".") for a in (outside or aged))
    if outside:
        dose.status = "rescue_outside_label"
        dose.basis.insert(0, f"{listing([a.names[0] for a in outside])} "
                          f"{'is' if len(outside) == 1 else 'are'} labelled "
                          f"{listing([_ages(a.age_years) for a in outside])}, and this "
                          f"patient is {_age_within(years)}: outside the label ({notes})")
    elif aged and years is None:
        dose.basis.insert(0, f"age not given: the product's labelled ages are not checked "
                          f"({notes})")
    return dose


def _age_within(years: float) -> str:
    """An age said against a labelled band, rounded down so as never to cross it: 23 months
    at 1.97 years (not '24 months', which reads as 2 years), 11.9 years at 11.97."""
    if years < 1 / 12:
        return age(years)
    if years < 2:
        return plural(int(years * 12), "month")
    return plural(int(years * 10) / 10, "year")


def _ages(band: Band) -> str:
    """A labelled age band in words: 'from 3 months to under 18 years', 'from 12 years'."""
    return " to ".join([*([f"from {age(band.lo)}"] if band.lo is not None else []),
                        *([f"under {age(band.hi)}"] if band.hi is not None else [])])


class _Builder:
    """One drug's dose for one patient, built step by step."""

    def __init__(self, kb: KnowledgeBase, drug: Drug, patient: _Row):
        self.kb, self.drug, self.patient = kb, drug, patient
        self.weight = patient.value("weight_kg")
        self.dose = Dose(drug=drug.name, standard_daily_mg=None, recommended_daily_mg=None,
                         adjustment_percent=None)
        self.lo = self.hi = None
        self.standard: list[float] | None = None  # unrounded standard range
        self.comparable = True  # the chosen band is in the standard band's terms
        self.caps: list[tuple[float, str]] = []
        self.band_cap: tuple[float, str] | None = None  # the band's maximum (or range top)
        self.factor = 1.0  # the percentages applied to the current range, multiplied
        self.unbound: str | None = None  # the organ whose statement says: dose by free levels
        self.start_as_given: tuple[float, str] | None = None  # the band's start in words
        self.low_is_start = False  # the band's lower end is its start (DoseBand)
        self.banded: frozenset[str] = frozenset()  # co-medications the chosen band names
        # the band's own maximum in its own units, when above its dose (mg/day, per-kg words)
        self.rises_to: tuple[float, str] | None = None
        # what a high-severity toxicity caution on the drug says first ('Child under 2
        # years'): a dose that may rise says to weigh it first (review W M5)
        self.before_rising: str | None = None
        # the co-medications whose interaction changes or qualifies this dose
        self.changed_with: set[str] = set()
        # the statement that leaves this patient without a maintenance target (no_target)
        self.no_target: str | None = None

    def cite(self, evidence: Evidence) -> None:
        self.dose.evidence += evidence.sources

    def stop(self, status: str, why: str, evidence: Evidence | None = None) -> Dose:
        """No recommended number: say why first."""
        self.dose.status = status
        self.dose.recommended_daily_mg = None
        self.dose.adjustment_percent = None
        self.dose.start_daily_mg = None  # the usual start is no start without a dose
        self.dose.basis.insert(0, why)
        if evidence is not None:
            self.cite(evidence)
        self.dose.evidence = list(dict.fromkeys(self.dose.evidence))
        return self.dose

    def rescue(self, named: Collection[str] = ()) -> Dose:
        """The dose row of rescue treatment (see :func:`rescue_dose`)."""
        return rescue_dose(self.drug, self.patient.value("age_years"), named)

    def no_band(self) -> Dose:
        p, drug = self.patient, self.drug
        if not drug.dosing.maintenance:
            return self.stop("no_maintenance", "no maintenance dose in the knowledge base: "
                             "this drug is given for acute or rescue use only")
        if p.value("age_years") is None:
            self.dose.needs = "age"
            return self.stop("needs_input", "age not given: labelled doses depend on age; "
                             "give age_years to see a dose")
        if self.weight is None and _needs_weight(drug, p):
            self.dose.needs = "weight"
            return self.stop("needs_input", "weight not given: the labelled dose for this "
                             "age is by body weight; give weight_kg to see a dose")
        for group in drug.dosing.no_dose:
            if p.fits(group):
                self.dose.kb_gap = group.label_not_read or None
                lead = ("no dose in the knowledge base for this patient (not every label's "
                        "dose for this group was read: check the current product label)"
                        if group.label_not_read else "no labelled dose for this patient")
                return self.stop("no_labelled_dose", f"{lead}: {group.note} "
                                 f"{_cite(group.evidence)}", group.evidence)
        self.dose.kb_gap = True
        return self.stop("no_labelled_dose", "no labelled maintenance dose in the knowledge "
                         "base for this patient's age, weight and indication: do not "
                         "extrapolate from another group; use specialist advice and the "
                         "current product label")

    def add_on_band(self, chosen: DoseBand) -> None:
        """A band the label gives for add-on use: only so at this age, or also alone by a
        schedule the knowledge base does not hold."""
        self.dose.adjunctive_only = True
        if chosen.monotherapy_not_encoded:
            self.dose.monotherapy_not_encoded = True
            self.dose.basis.append("this is the label's add-on (adjunctive) dose; the label "
                                   "also gives it alone at this age, by a schedule that is not "
                                   "in the knowledge base: for monotherapy use the product "
                                   "label")
            return
        self.dose.basis.append("the label gives this dose for add-on (adjunctive) use only at "
                               "this age, not as monotherapy")

    def band(self) -> bool:
        """Set the standard and starting recommended range; False when there is none."""
        standard = select_band(self.drug, self.patient, comedication=False)
        chosen = select_band(self.drug, self.patient, comedication=True)
        if chosen is None:
            return False
        if standard is not None and (rng := _range(standard, self.weight)):
            caps = [c for c in (_cap(standard, self.weight), _adult_cap(self.drug, standard))
                    if c is not None]
            self.standard = [min([v, *caps]) for v in rng]
            self.dose.standard_daily_mg = [_r(v) for v in self.standard]
        rng = _range(chosen, self.weight)
        if rng is None:
            return False
        self.lo, self.hi = rng
        if self.drug.dosing.unit != "mg":
            self.dose.unit = self.drug.dosing.unit
            self.dose.basis.append(f"amounts in {self.drug.dosing.unit} (phenytoin sodium "
                                   "equivalents), as the label gives them")
        self.banded = chosen.comedications
        how = describe(chosen, self.kb, self.patient.has_indication)
        self.dose.band = how
        per_kg = (f" ({span(chosen.daily_mg_per_kg.lo, chosen.daily_mg_per_kg.hi)} mg/kg/day x "
                  f"{number(self.weight)} kg)" if chosen.daily_mg_per_kg is not None else "")
        self.dose.basis.append(f"labelled dose, {how}{per_kg} {_cite(chosen.evidence)}")
        if chosen.note:  # how the label means this band (route, course, ceiling)
            self.dose.basis.append(chosen.note.rstrip("."))
        self.dose.basis += _not_for(self.kb, self.drug, self.patient, chosen)
        self.dose.basis += _add_on_only_for(self.kb, self.drug, self.patient, chosen)
        if chosen.adjunctive_only:
            self.add_on_band(chosen)
        if not chosen.comparable and standard is not None and standard is not chosen:
            self.comparable = False
            self.dose.basis.append("no percentage change: this band and the usual one "
                                   f"({describe(standard, self.kb)}) come from labels that "
                                   "express the dose differently")
        self.cite(chosen.evidence)
        self.rises_to = _rises_to(chosen, self.weight)
        if (cap := _cap(chosen, self.weight)) is not None:
            self.band_cap = (cap, "labelled maximum")
        else:  # no stated maximum: an increase stops at the top of the labelled range
            self.band_cap = (self.hi, "top of the labelled range")
        self.adult(chosen)
        self.low_is_start = chosen.low_is_start
        self.dose.start_daily_mg = _start(chosen, self.weight)
        if chosen.start_as_given and chosen.start_daily_mg is not None:
            self.start_as_given = (chosen.start_daily_mg, chosen.start_as_given)
        tablets = self.drug.dosing.whole_tablets
        start = self.dose.start_daily_mg
        if tablets is not None and start is not None and chosen.start_daily_mg is None:
            if note := tablets.note(start):
                self.dose.basis.append(f"weight-based start: {note} {_cite(tablets.evidence)}")
                self.cite(tablets.evidence)
            self.dose.start_daily_mg = tablets.round_down(start)
        return True

    def adult(self, chosen: DoseBand) -> None:
        """A child's weight-based dose above the drug's adult dose: capped at a stated adult
        maximum; above a usual adult range (no stated maximum), said, not capped."""
        adult = adult_dose(self.drug, chosen)
        if adult is None or min(self.hi, self.band_cap[0]) <= adult.mg + 1e-9:
            return
        convention = self.kb.manifest.adult_maximum_for_children.evidence
        self.cite(convention)
        self.cite(adult.band.evidence)
        ours = span(self.lo, min(self.hi, self.band_cap[0]), "mg/day")
        whose = f"{age_text(adult.band.age_years)} {_cite(adult.band.evidence)}"
        rule = (f"BNFC: for most drugs a child's dose should not exceed the adult maximum; "
                f"for an overweight child, dose by the ideal weight for height and age "
                f"{_cite(convention)}")
        if adult.stated:
            self.band_cap = min(self.band_cap, (adult.mg, "adult maximum"))
            self.dose.basis.append(f"the weight-based dose ({ours}) is above the adult maximum "
                                   f"({number(adult.mg)} mg/day, {whose}); {rule}")
            return
        usual = span(adult.band.daily_mg.lo, adult.band.daily_mg.hi, "mg/day")
        self.dose.basis.append(
            f"check this dose: the weight-based dose ({ours}) is above the adult dose ({usual}, "
            f"{whose}), which the label does not call a maximum, and the label gives no "
            f"mg/day cap for this age; {rule}; where levels are measured, use them")

    def change(self, change: DoseChange, why: str, evidence: Evidence) -> None:
        self.cite(evidence)
        if change.percent is not None:
            self.lo, self.hi = (v * (1 + change.percent / 100) for v in (self.lo, self.hi))
            self.factor *= 1 + change.percent / 100
            self.dose.basis.append(f"{why}: maintenance dose {higher_lower(change.percent)} "
                                   f"{_cite(evidence)}")
            if change.scales_titration:
                self.scale_titration(change.percent, why)
        if change.start_daily_mg is not None:
            before = self.dose.start_daily_mg
            self.set_start(change.start_daily_mg)
            kept = (f"; the patient's own band starts lower ({number(before)} mg/day), and "
                    "that start is kept" if before is not None
                    and before < change.start_daily_mg else "")
            self.dose.basis.append(f"{why}: start at {change.start_daily_mg:g} mg/day{kept} "
                                   f"{_cite(evidence)}")
        if change.max_daily_mg is not None:
            self.caps.append((change.max_daily_mg, why))
            self.dose.basis.append(f"{why}: at most {change.max_daily_mg:g} mg/day "
                                   f"{_cite(evidence)}")
        if change.note:  # a clause of the basis, after a semicolon (review AA C1)
            self.dose.basis.append(phrase(change.note))

    def scale_titration(self, percent: float, why: str) -> None:
        """The starting and escalation doses change by ``percent`` too."""
        factor = (1 + (self.dose.titration_percent or 0) / 100) * (1 + percent / 100)
        self.dose.titration_percent = _r((factor - 1) * 100)
        self.dose.basis.append(f"{why}: the starting and escalation doses are also "
                               f"{higher_lower(percent)}")

    def lowered_start(self, start: float) -> None:
        """A start a statement lowered by a percentage, in whole tablets where the label
        doses by them."""
        tablets = self.drug.dosing.whole_tablets
        if tablets is not None and (note := tablets.note(round(start, 2))):
            self.dose.basis.append(f"lowered start: {note} {_cite(tablets.evidence)}")
            self.cite(tablets.evidence)
            whole = tablets.round_down(start)
            self.dose.start_daily_mg = None if whole is None else _r(whole)
            return
        self.dose.start_daily_mg = _r(start)

    def set_start(self, start: float) -> None:
        current = self.dose.start_daily_mg
        self.dose.start_daily_mg = start if current is None else min(current, start)

    def organ(self, band: OrganBand, organ: str) -> bool:
        """Apply a fitting renal or hepatic statement; False when it leaves no number."""
        self.cite(band.evidence)
        self.dose.organ_statements = [*(self.dose.organ_statements or []), organ]
        if band.unbound_levels:
            self.unbound = organ
        what = f"{organ} statement ({band.action.replace('_', ' ')})"
        if getattr(band, "impairment", None) and (
                band.daily_mg or band.daily_mg_per_kg or band.percent or band.max_daily_mg):
            self.dose.basis.append(f"{what}: {_said(band.message)} {_cite(band.evidence)}")
            self.dose.basis.append(CATEGORY_ONLY.format(organ=organ))
            return False  # a category without clearance limits: no automatic number
        if band.action in NO_NUMBER:
            self.dose.basis.append(f"{what}: {_said(band.message)} {_cite(band.evidence)}")
            return False
        share = self._clearance_share(band)
        if share <= 0:  # no clearance: nothing in proportion to it
            self.dose.basis.append(f"{what}: {_said(band.message)} {_cite(band.evidence)}; "
                                   "at a clearance of 0 no dose follows in proportion: dose "
                                   "with specialist input")
            return False
        rng = _range(band, self.weight)
        if rng is not None:
            self.lo, self.hi = (_share(v, share) for v in rng)
            self.caps.append((self.hi, f"{organ} range"))
            self.factor = 1.0
        if band.percent is not None:
            self.lo, self.hi = (v * (1 + band.percent / 100) for v in (self.lo, self.hi))
            self.factor *= 1 + band.percent / 100
        if (cap := _cap(band, self.weight)) is not None:
            self.caps.append((_share(cap, share), f"{organ} maximum"))
        self.dose.basis.append(f"{what}: {_said(band.message)} {_cite(band.evidence)}")
        if share < 1:
            clearance = self.patient.value("renal_clearance_ml_min")
            self.dose.basis.append(
                f"in proportion to the clearance, as the label says: {number(clearance)} of "
                f"{number(band.in_proportion_below_ml_min)} mL/min ({number(_r(share * 100))}% "
                "of the doses above)")
        if band.scales_titration and band.percent is not None:
            self.scale_titration(band.percent, organ)
            if band.start_daily_mg is None and self.dose.start_daily_mg is not None:
                self.lowered_start(self.dose.start_daily_mg * (1 + band.percent / 100))
        if (start := _start(band, self.weight)) is not None:
            start = _share(start, share)
            self.set_start(start)
            self.dose.basis.append(f"{organ}: start at {number(start)} mg/day")
        return True

    def without_target(self) -> None:
        """No maintenance target (a ``no_target`` statement): the start and slow titration
        only; the range this patient would otherwise get is named, not recommended."""
        dose = self.dose
        if not self.no_target:
            return
        dose.basis.append(
            f"no maintenance target for this patient: the {self.no_target} gives no target "
            f"range, so {daily_mg(dose.recommended_daily_mg, dose.unit)} (the usual range) is "
            "not one here; start low and increase slowly by response and tolerability")
        dose.recommended_daily_mg, dose.adjustment_percent, dose.no_target = None, None, True

    def _clearance_share(self, band: OrganBand) -> float:
        """The clearance as a share of the band's proportional limit (1 when the band has
        none or the clearance is at or above it)."""
        below = getattr(band, "in_proportion_below_ml_min", None)
        clearance = self.patient.value("renal_clearance_ml_min")
        if below is None or clearance is None or clearance >= below:
            return 1.0
        return max(float(clearance), 0.0) / below

    def finish(self) -> Dose:
        dose = self.dose
        if self.band_cap is not None:
            cap, why = self.band_cap
            if self.factor < 1 - 1e-9:
                cap *= self.factor
                why += f", {signed_percent(_r((self.factor - 1) * 100))} as the dose"
            self.caps.append((cap, why))
        if self.caps:
            cap, why = min(self.caps)
            dose.max_daily_mg = _r(cap)
            if self.hi > cap + 1e-9:
                dose.basis.append(f"capped at {cap:g} mg/day ({why})")
            elif abs(self.hi - self.lo) < 1e-9 and self.rises_to is not None \
                    and abs(cap - self.rises_to[0]) < 1e-6 and cap > self.hi + 1e-9:
                # review U M10; V H1: only where the band's own maximum, in its own units,
                # is above its dose (not an absolute cap over a per-kg dose)
                rise = f"{number(_r(cap))} mg/day{self.rises_to[1]}"
                dose.basis.append(f"{number(_r(self.hi))} mg/day is the label's usual dose, not "
                                  f"a ceiling: at most {rise} ({why})" + (
                                      f"; before raising it, weigh its high-severity caution "
                                      f"({self.before_rising}: see the flag)"
                                      if self.before_rising else ""))
                dose.may_rise_to = rise
            self.lo, self.hi = min(self.lo, cap), min(self.hi, cap)
            if dose.start_daily_mg is not None and dose.start_daily_mg > cap + 1e-9:
                dose.basis.append(f"start lowered from {number(dose.start_daily_mg)} to "
                                  f"{number(_r(self.lo))} mg/day, the bottom of the "
                                  f"recommended range: the usual start is above this "
                                  f"patient's maximum ({why}), and the source gives no start "
                                  "of its own for it")
                dose.start_daily_mg = _r(self.lo)
        start = dose.start_daily_mg
        if self.low_is_start and start is not None and abs(start - self.lo) > 1e-9 \
                and start <= self.hi + 1e-9:
            dose.basis.append(f"the range's lower end is the label's usual start, not a "
                              f"maintenance minimum: it moves with this patient's start to "
                              f"{number(start)} mg/day (no percentage change: the two "
                              "ranges' lower ends mean different things)")
            self.lo, self.comparable = start, False
        above = start is not None and start > self.hi + 1e-9
        at_top = start is not None and start >= self.hi - 1e-9 and self.lo < self.hi - 1e-9
        lowered = self.standard is not None and self.hi < self.standard[1] - 1e-9
        if lowered and (above or at_top):  # a reduced range is entered at its bottom
            where = "above" if above and not at_top else "at or above the top of"
            dose.basis.append(f"start lowered from {number(start)} to {number(_r(self.lo))} "
                              "mg/day, the bottom of the recommended range: the usual start "
                              f"is {where} this patient's adjusted dose")
            dose.start_daily_mg = _r(self.lo)
        elif above:
            dose.basis.append(f"the label's start ({number(start)} mg/day) is above this usual "
                              "dose, which is not a maximum: increase beyond the start only by "
                              "response and tolerability")
        dose.recommended_daily_mg = _practical(self.lo, self.hi) if self.factor != 1 else [
            _r(self.lo), _r(self.hi)]
        if self.start_as_given and dose.start_daily_mg == self.start_as_given[0]:
            dose.start_as_given = self.start_as_given[1]  # (not once a rule changed it)
        if self.standard and self.comparable:  # ranges shown alike are no change
            lo, hi = self.standard
            change = ((self.lo + self.hi) / (lo + hi) - 1) * 100
            same = dose.recommended_daily_mg == dose.standard_daily_mg
            dose.adjustment_percent = 0.0 if same else _r(change)
        self.without_target()
        dose.status = "dosed"
        dose.evidence = list(dict.fromkeys(dose.evidence))
        return dose


NO_NUMBER = ("avoid", "reduce_unquantified", "no_labelled_dose")  # no automatic number
# why a dose has no number when a kidney or liver statement gives none (its first basis line)
NO_ORGAN_NUMBER = "no automatic {organ} dose: see the {organ} statement above"
# a statement with a number for impairment it names but does not define by clearance
CATEGORY_ONLY = ("its change is for {organ} impairment the statement names without clearance "
                 "limits, so it is not applied automatically: judge whether it fits this "
                 "patient")
LOWERING = ("reduce_dose", *NO_NUMBER)  # statements that lower, stop or withhold a dose


def _organ_gaps(drug: Drug, patient: _Row, applied: set[str]) -> list[str]:
    """Why a reduced kidney or liver function leaves this patient without a sourced number:
    the label has a statement for this function, but only for other ages; or the patient is
    on dialysis and the label lowers the dose by clearance without a dialysis statement."""
    gaps = []
    for organ, bands, match in (("renal", drug.dosing.renal, renal_match),
                                ("hepatic", drug.dosing.hepatic, hepatic_match)):
        here = [b for b in bands if b.action in LOWERING and patient.organ_match(b, match)]
        if here and not any(f"{organ}:{id(b)}" in applied for b in here):
            ages = "; ".join(age_text(b.age_years) for b in here)
            gaps.append(f"the label's {organ} adjustment is for other ages ({ages}); no "
                        "sourced adjustment for this patient's age: dose with specialist "
                        "input and drug levels")
    dialysis = patient.value("dialysis")
    if dialysis is None or any(dialysis in b.dialysis for b in drug.dosing.renal):
        return gaps
    kind = dialysis if dialysis.endswith("dialysis") else f"{dialysis} dialysis"
    other = sorted({d for b in drug.dosing.renal if b.action in LOWERING for d in b.dialysis})
    if any(b.crcl_ml_min is not None and b.action in LOWERING for b in drug.dosing.renal):
        gaps.append(f"on {kind}: the label lowers the dose by creatinine clearance and "
                    "gives no dialysis dose in the knowledge base: dose with specialist input "
                    "(and drug levels where available)")
    elif other:  # a statement for another kind of dialysis only
        gaps.append(f"on {kind}: the knowledge base has the label's statement for "
                    f"{' and '.join(other)} only, none for {kind}: dose with specialist input "
                    "(and drug levels where available)")
    return gaps


def _genotype_unknown(kb: KnowledgeBase, drug: Drug, patient: _Row) -> list[str]:
    """Genes whose phenotype the drug's dose rules test, given but indeterminate for this
    patient (an allele of unknown function): no genotype-guided change could be made, which
    the dose row must say (an unchanged dose reads as a normal result otherwise)."""
    notes = []
    for gene in kb.dose_genes.get(drug.name, []):
        calls = patient.frame.arrays.call(f"{gene}.phenotype")
        if calls is not None and calls[patient.row] == kb.genes[gene].indeterminate_phenotype:
            display = patient.frame.arrays.call(f"{gene}.display")
            given = f" ({display[patient.row]})" if display is not None else ""
            notes.append(f"{gene}{given}: phenotype indeterminate, so no genotype-guided "
                         "change was made: dose as for an untested patient, with levels where "
                         "available")
    return notes


RENAL_NOT_GIVEN = ("renal function not given: this dose assumes normal kidney function (the "
                   "label lowers it in renal impairment)")
HEPATIC_NOT_GIVEN = ("liver function not given: this dose assumes normal liver function (the "
                     "label lowers it in hepatic impairment)")
EGFR_USED = ("eGFR used in place of creatinine clearance (labels use Cockcroft-Gault "
             "clearance); an eGFR per 1.73 m2 overstates the clearance of a patient whose body "
             "surface area is below 1.73 m2, often an older adult: near a band's limit, "
             "calculate Cockcroft-Gault from serum creatinine, age and weight")
# notes about the patient's inputs, the same in every dose row they bear on (the reports say
# them once above the table)
INPUT_NOTES = (RENAL_NOT_GIVEN, HEPATIC_NOT_GIVEN, EGFR_USED)


def _function_unknown(drug: Drug, patient: _Row) -> list[str]:
    notes = []
    if patient.value("renal_clearance_ml_min") is None and patient.value("dialysis") is None \
            and any(b.action in LOWERING for b in drug.dosing.renal):
        notes.append(RENAL_NOT_GIVEN)
    if patient.value("child_pugh") is None and any(
            b.action in LOWERING for b in drug.dosing.hepatic):
        notes.append(HEPATIC_NOT_GIVEN)
    if patient.value("renal_measure") == "egfr" and drug.dosing.renal:  # U C5: rows it bears on
        notes.append(EGFR_USED)
    return notes


def _stopped_now(kb: KnowledgeBase, frame: PatientFrame, row: int, taking: set[str],
                 by_drug: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The drugs taken that every plan withdraws at once, each with how: for a recorded skin
    or hypersensitivity reaction (dre.yaml tolerance_ended_by; with an 'avoid' flag) stopped
    now without condition ('now': SJS/TEN, DRESS) or if the reaction may be drug-related and
    is recent ('reaction'); or, with an 'avoid' that withdraws it promptly, its taper started
    now ('prompt': carbamazepine beside Biktarvy; review AB R2)."""
    prompt = kb.prompt_withdrawal_rules
    out = {d: "prompt" for d in sorted(taking) if any(
        f["action"] == "avoid" and f["rule"] in prompt for f in by_drug.get(d, []))}
    r = frame.reactions
    if not len(r):
        return out
    kinds = set(kb.dre.definition.tolerance_ended_by)
    mine = r[(r["row"].to_numpy() == row) & r["reaction"].isin(list(kinds)).to_numpy()]
    return {**out, **{
        d: "now" if set(mine.loc[mine["drug"] == d, "reaction"]) & SEVERE_REACTIONS
        else "reaction" for d in sorted(set(mine["drug"]) & taking)
        if any(f["action"] == "avoid" for f in by_drug.get(d, []))}}


def stopped_inducers(kb: KnowledgeBase, stopping: Iterable[str]) -> tuple[str, ...]:
    """The enzyme inducers among drugs the plan withdraws at once (for a hypersensitivity
    reaction, or promptly: see :func:`_stopped_now`): a drug started now is dosed as without
    them, as their induction wears off once they are stopped (review Y H3: lamotrigine,
    tiagabine and perampanel dosed as with carbamazepine; review AB R2: lamotrigine titrated
    on the inducer schedule while carbamazepine's taper started beside it).
    The labels' maintenance doses without an inducer are the lower ones, so they are not too
    high while a tapered inducer is still taken; a stopped inhibitor (valproate) is not among
    them: the dose without it is higher."""
    return tuple(sorted(d for d in stopping if d in kb.drugs and kb.drugs[d].induces))


def _how_withdrawn(named: list[str], stopping: dict[str, str]) -> str:
    """'carbamazepine is to be stopped now (...)', as the plan withdraws ``named``."""
    kinds = {stopping[d] for d in named}
    how = ("to be stopped now (a recorded SJS/TEN or DRESS: see the plan)" if kinds == {"now"}
           else "to be withdrawn promptly, its taper starting now (see the plan)"
           if kinds == {"prompt"} else
           "to be withdrawn for a recorded hypersensitivity reaction (stopped now if it may be "
           "drug-related and is recent, otherwise tapered: see the plan)" if "prompt" not in kinds
           else "to be withdrawn now (see the plan)")
    return f"{listing(named)} {'is' if len(named) == 1 else 'are'} {how}"


def _while_stopped_drug_taken(build: _Builder, stopping: dict[str, str], taken: bool,
                              without: Collection[str] = ()) -> list[str]:
    """A dose row chosen or changed by a drug the plan withdraws for a hypersensitivity
    reaction says so (review Y H3: lamotrigine and tiagabine dosed as with carbamazepine;
    review Z R4: 'stopped now' only where the plan stops it without condition): a drug
    started now is dosed without the inducers among them (``without``: those whose absence
    changes its dose); a drug ``taken`` keeps its dose, to be reviewed once they are stopped
    (levels rise as an induction wears off)."""
    out = []
    if without:
        them = listing(list(without))
        out.append(f"{_how_withdrawn(list(without), stopping)}: this is the label's dose "
                   f"without {them}, as its induction wears off over the weeks after it is "
                   f"stopped; the label's dose with {them} does not apply to a drug started "
                   "now")
    named = [d for d in stopping if d not in build.patient.not_taken
             and (d in build.banded or d in build.changed_with)]
    if not named:
        return out
    drug, them = build.drug.name, listing(named)
    inducers = stopped_inducers(build.kb, named)
    then = ("the label's dose without it applies (the plan's step gives its start)"
            if not taken else
            f"its induction wears off over weeks and {drug} levels rise: review the {drug} "
            "dose, guided by levels and effect"
            if len(inducers) == len(named) else f"review the {drug} dose")
    return [*out, f"{_how_withdrawn(named, stopping)}: this dose is the label's with {them}, "
            f"and holds only while it is taken; once it is stopped {then}"]


def recommend_doses(kb: KnowledgeBase, frame: PatientFrame, flags: pd.DataFrame | None,
                    row: int, *, flag_records: list[dict[str, Any]] | None = None,
                    drugs: Collection[str] | None = None,
                    rescue: Mapping[str, list[str]] | None = None) -> list[Dose]:
    """Doses for every candidate drug of one row of the frame, or for those in ``drugs``
    (each the same as among all: a drug taken still says how every other candidate would
    change it). ``flag_records``: the flags as :func:`~advisor.rules.records`, when the
    caller has them already (read only; ``flags`` is then not read and may be None);
    ``rescue``: the patient's rescue treatment, dosed per episode, not daily (drug -> the
    rescue products named)."""
    rescue = rescue or {}
    rule_dose, inter_dose = kb.dose_changes
    patient = _Row(frame, row)
    by_drug: dict[str, list[dict[str, Any]]] = {}
    mine = ([f for f in flag_records if f["row"] == row] if flag_records is not None
            else records(flags[flags["row"] == row]))
    for flag in mine:
        by_drug.setdefault(flag["drug"], []).append(flag)
    taking = {d for d, rows in frame.arrays.taking.items() if row in rows}
    stopping = _stopped_now(kb, frame, row, taking, by_drug)
    # a drug started now is dosed as without the inducers stopped (review Y H3)
    gone = stopped_inducers(kb, stopping)
    started = _Row(frame, row, not_taken=gone) if gone else patient
    cand_rows, cand_drugs = frame.candidate_pairs
    candidates = list(cand_drugs[cand_rows == row])
    doses = []
    for drug_name in candidates if drugs is None else [d for d in candidates if d in drugs]:
        drug = kb.drugs[drug_name]
        build = _Builder(kb, drug, patient if drug_name in taking else started)
        mine = by_drug.get(drug_name, [])
        # a current drug to replace for an interaction keeps its dose until its taper ends
        avoid = [f for f in mine if f["action"] == "avoid" and not (
            drug_name in taking and f["category"] == "interaction")]
        if drug_name in rescue:
            dose = build.rescue(rescue[drug_name])
        elif not build.band():
            dose = build.no_band()
        elif avoid:
            dose = build.stop("not_recommended", "not recommended for this patient: 'avoid' "
                              "flag (" + ", ".join(sorted({f["category"] for f in avoid}))
                              + ")")
        elif withheld := [f for f in mine if f["rule"] in kb.dose_withheld_rules]:
            dose = build.stop("specialist_dose", "no dose from the advisor: "
                              + " ".join(dict.fromkeys(f["message"] for f in withheld)))
        else:
            dose = _dosed(kb, drug, build, mine, (rule_dose, inter_dose), stopping,
                          drug_name in taking)
            if drug_name in taking:
                dose.if_started = _if_started(kb, drug, patient, dose, mine, by_drug,
                                              [d for d in candidates if d not in taking],
                                              (rule_dose, inter_dose))
                dose.basis += [if_started_text(c, dose.unit) for c in dose.if_started]
        if drug.dosing.therapeutic_range_mg_per_l:
            tr = drug.dosing.therapeutic_range_mg_per_l
            if build.unbound is None:
                dose.therapeutic_range_mg_per_l = tr.range.as_list()
            else:
                usual = span(tr.range.lo, tr.range.hi, "mg/L")
                dose.basis.append(f"no total target level: the usual {usual} is of total "
                                  "concentrations, which mislead here (lower protein binding); "
                                  f"dose by unbound (free) levels, as the {build.unbound} "
                                  "statement says")
            dose.evidence = list(dict.fromkeys([*dose.evidence, *tr.evidence.sources]))
        if drug_name in kb.short_term_asms:
            dose.short_term_only = True
        doses.append(dose)
    return doses


def _dosed(kb: KnowledgeBase, drug: Drug, build: _Builder, flags: list[dict[str, Any]],
           tables: tuple[dict, dict], stopping: dict[str, str], taken: bool) -> Dose:
    """The dose from the band and the flags; a drug not ``taken``, started now, without the
    bands and interactions of the inducers stopped (see :func:`stopped_inducers`; its
    ``build`` is of the patient without them), said where that changes the dose, or where
    an interaction flag of theirs is left out of a dose that no other co-medication set (a
    child's perampanel: the flag asks for more, the row says why it does not)."""
    gone = () if taken else build.patient.not_taken
    kept = [f for f in flags if not (f["category"] == "interaction"
                                     and f["interacting_drug"] in gone)]
    dose = _adjusted(kb, drug, build, kept, *tables)
    without: list[str] = []
    if gone:
        induced = _Builder(kb, drug, _Row(build.patient.frame, build.patient.row))
        was = _adjusted(kb, drug, induced, flags, *tables) if induced.band() \
            else induced.no_band()
        dropped = {f["interacting_drug"] for f in flags if f not in kept}
        if (was.band, was.recommended_daily_mg, was.start_daily_mg) != \
                (dose.band, dose.recommended_daily_mg, dose.start_daily_mg):
            without = [d for d in gone if d in drug.dosing.banded or d in dropped]
        elif not build.banded:
            without = [d for d in gone if d in dropped]
    dose.basis += _while_stopped_drug_taken(build, stopping, taken, without)
    return dose


def _older_adult(kb: KnowledgeBase, drug: Drug, build: _Builder) -> None:
    """The label's older-adult statement, from the manifest's age (numbers where it gives
    them, else the statement in words)."""
    age, statement = build.patient.value("age_years"), drug.dosing.older_adults
    convention = kb.manifest.older_adults
    if statement is None or age is None or age < convention.from_years:
        return
    why = f"older adults (from {convention.from_years:g} years)"
    build.dose.basis.append(f"{why}: {_said(statement.note)} {_cite(statement.evidence)}")
    if statement.start_reduced:
        usual = build.dose.start_daily_mg
        build.dose.start_daily_mg, build.dose.start_reduced = None, True
        build.dose.basis.append(
            "start: lower than the usual adult start" + (
                f" of {number(usual)} {build.dose.unit}/day" if usual else "")
            + ", by how much the label does not say")
    if statement.no_target:
        build.no_target = "older-adult statement"
    if statement.start_daily_mg or statement.percent or statement.max_daily_mg:
        build.change(DoseChange(start_daily_mg=statement.start_daily_mg,
                                percent=statement.percent,
                                max_daily_mg=statement.max_daily_mg), why, statement.evidence)
    else:
        build.cite(statement.evidence)


def if_started_text(change: IfStarted, unit: str) -> str:
    """The dose row's line for a change that starting a candidate requires."""
    to = daily_mg(change.recommended_daily_mg, unit) if change.recommended_daily_mg else "a dose "\
        "chosen with specialist advice"
    pct = (f" ({signed_percent(change.adjustment_percent)})"
           if change.adjustment_percent is not None else "")
    return f"if {change.drug} is started: {to}{pct} - {change.why}"


def _if_started(kb: KnowledgeBase, drug: Drug, patient: _Row, dose: Dose,
                mine: list[dict[str, Any]], by_drug: dict[str, list[dict[str, Any]]],
                starts: list[str], tables: tuple[dict, dict]) -> list[IfStarted]:
    """For a drug already taken: its dose once each candidate in ``starts`` is started, where
    that changes it (the candidate's interaction dose block, or a dose band of this drug for
    use with the candidate)."""
    rule_dose, inter_dose = tables
    banded = drug.dosing.banded
    out = []
    for other in starts:
        extra = [{**f, "drug": drug.name, "interacting_drug": other}
                 for f in by_drug.get(other, []) if f["rule"] in inter_dose
                 and f["interacting_drug"] == drug.name
                 and drug.name in inter_dose[f["rule"]].victims
                 and other in inter_dose[f["rule"]].perpetrators]
        if not extra and other not in banded:
            continue
        if select_band(kb.drugs[other], patient, comedication=False) is None:
            continue  # no labelled dose of it for this patient: not one to start
        moved_row = _Row(patient.frame, patient.row, (*patient.also_taken, other))
        build = _Builder(kb, drug, moved_row)
        moved = _adjusted(kb, drug, build, [*mine, *extra], rule_dose, inter_dose) \
            if build.band() else build.no_band()
        if moved.recommended_daily_mg == dose.recommended_daily_mg and not extra:
            continue
        why = [f"interaction {inter_dose[f['rule']].id}: "
               f"{inter_dose[f['rule']].management.strip()}" for f in extra]
        evidence = [s for f in extra for s in inter_dose[f["rule"]].evidence.sources]
        if moved.band != dose.band:  # no band with it: why (never 'None')
            why.append(f"labelled dose with {other}: {moved.band}" if moved.band else
                       f"no dose with {other} in the knowledge base for this patient"
                       if moved.kb_gap else f"labelled dose with {other}: none for this "
                       "patient" + (f" ({moved.basis[0]})" if moved.basis else ""))
            evidence += moved.evidence
        out.append(IfStarted(
            drug=other, recommended_daily_mg=moved.recommended_daily_mg,
            adjustment_percent=_percent_of(dose, moved) if build.comparable else None,
            why="; ".join([*(w.rstrip().rstrip(".") for w in why[:-1]), *why[-1:]]),
            evidence=list(dict.fromkeys(evidence))))
    return out


def _percent_of(before: Dose, after: Dose) -> float | None:
    """The change of the recommended range's midpoint from ``before`` to ``after``."""
    if before.recommended_daily_mg is None or after.recommended_daily_mg is None:
        return None
    old, new = sum(before.recommended_daily_mg) / 2, sum(after.recommended_daily_mg) / 2
    return round((new - old) / old * 100, 1) if old else None


def _flag_changes(kb: KnowledgeBase, drug: Drug, build: _Builder,
                  flags: list[dict[str, Any]], rule_dose: dict, inter_dose: dict) -> None:
    """The dose changes of the drug's rule and interaction flags; a pharmacokinetic
    interaction without a dose change in its sources is named, as not in the number (unless
    the chosen band is the label's dose with that co-medication)."""
    for flag in flags:
        rule, other = flag["rule"], flag["interacting_drug"]
        if rule in rule_dose:
            change, ev = rule_dose[rule]
            build.change(change, _lead(flag["message"]), ev)
        elif flag["action"] in ("reduce_dose", "increase_dose") \
                and flag["category"] not in ("interaction", "organ_function"):  # no figure
            what = flag["action"].replace("_dose", "")
            build.dose.basis.append(f"{_lead(flag['message'])}: the source says to {what} the "
                                    "dose but gives no figure, so this number does not include "
                                    "it: titrate as the flag says")
        elif rule in inter_dose:
            inter = inter_dose[rule]
            if drug.name in inter.victims and other in inter.perpetrators:
                build.change(inter.dose, f"with {kb.shown(other)}", inter.evidence)
                build.changed_with.add(other)
        elif (inter := kb.interaction_rules.get(rule)) is not None and flag["action"] != "info" \
                and inter.kind == "pharmacokinetic" and drug.name in inter.victims \
                and other in inter.perpetrators and other not in build.banded:
            build.dose.basis.append(f"with {kb.shown(other)}: levels change; this number does "
                                    "not include it, as the interaction gives no automatic "
                                    f"change: see the flag {inter.id} for what to do")
            build.changed_with.add(other)


def _lead(message: str) -> str:
    """A flag's message up to its first colon, as part of a sentence ('child under 2
    years'; an acronym keeps its capitals)."""
    lead = message.split(":")[0]
    return lead[0].lower() + lead[1:] if lead[1:2].islower() else lead


def _adjusted(kb: KnowledgeBase, drug: Drug, build: _Builder, flags: list[dict[str, Any]],
              rule_dose: dict, inter_dose: dict) -> Dose:
    organ_bands = kb.organ_statements[drug.name]
    applied: set[str] = set()
    _older_adult(kb, drug, build)
    _flag_changes(kb, drug, build, flags, rule_dose, inter_dose)
    build.before_rising = next((_lead(f["message"]) for f in flags
                                if f["category"] == "toxicity" and f["severity"] == "high"
                                and f["action"] == "use_with_caution"), None)
    for flag in flags:
        if flag["rule"] in organ_bands:
            organ, band = organ_bands[flag["rule"]]
            applied.add(f"{organ}:{id(band)}")
            if not build.organ(band, organ):
                if getattr(band, "renal_function_given", None) is False:  # it needs it
                    build.dose.needs = "kidney function"
                    return build.stop("needs_input", NO_ORGAN_NUMBER.format(organ=organ)
                                      + "; give the kidney function to see a dose")
                return build.stop("no_labelled_dose", NO_ORGAN_NUMBER.format(organ=organ))
            if band.no_target:
                build.no_target = f"{organ} statement"
    patient = build.patient
    for organ, bands, match in (("renal", drug.dosing.renal, renal_match),
                                ("hepatic", drug.dosing.hepatic, hepatic_match)):
        for band in bands:  # "no adjustment" statements raise no flag: note them here
            if band.action == "no_adjustment" and patient.organ_match(band, match) \
                    and patient.fits(band):
                build.dose.basis.append(f"{organ}: {_said(band.message)} {_cite(band.evidence)}")
                build.cite(band.evidence)
                applied.add(f"{organ}:{id(band)}")
    gaps = _organ_gaps(drug, patient, applied)
    if gaps:
        return build.stop("no_labelled_dose", "; ".join(gaps))
    build.dose.basis += _function_unknown(drug, patient) + _genotype_unknown(kb, drug, patient)
    return build.finish()
