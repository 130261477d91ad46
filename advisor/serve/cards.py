"""The consult's findings (:class:`~advisor.consult.OrderFindings`) -> CDS Hooks 2.0 cards
("CDS Service Response", "Card Attributes").

One card per ordered drug with something actionable, none otherwise (an order that is fine,
or whose only findings are information, gives no card: alert fatigue is real):

- ``indicator``: ``critical`` when the drug is to be avoided; ``warning`` for a dose change
  (of the drug, or of a drug the patient takes when this one is started), an ordered daily
  dose above this patient's maximum, or any high-severity finding (an interaction, a boxed
  hepatotoxicity or reproductive warning); ``info`` for the rest (monitoring, cautions, and
  a drug with no labelled dose for this patient or whose dose needs an input the record
  lacks, such as the weight, or an ordered dose that cannot be read as a daily amount
  (:mod:`advisor.serve.order_dose`): the card says the dose was not checked);
- ``summary``: the most urgent finding in under 140 characters; ``detail``: every finding
  with its evidence level and sources (Markdown), and the knowledge base's advice about
  starting the drug (e.g. a genetic test before starting it); that advice alone, for
  a drug the patient does not take yet, gives an ``info`` card;
- ``source``: the finding's guideline, else its label, else its first source, with a link;
- ``suggestions`` (``selectionBehavior`` ``at-most-one``): replace the order with an
  alternative from the regimen ranking (delete the draft, create a draft for the
  alternative) when the drug is to be avoided and the patient does not take it already (a
  drug taken now is not swapped at once: the card says so), and, none of them recommended,
  when a high-severity finding short of avoid advises another drug (:func:`replace_advised`);
  or change the ordered dose
  (update the draft) when the order is above this patient's maximum, or when the
  recommended daily dose differs from the standard one and the order has no dose or a
  daily dose above the recommended range (or, for a drug the patient already takes,
  outside it). An order whose dose is not a daily dose (a load, a stat or as-needed dose)
  or is in another unit (mg for a dose in mg PE) is left alone. A dose below the range of a
  drug being started may be a titration step and is never raised; for a drug being started
  the suggestion gives the maintenance range in words, and this patient's maximum as the
  daily maximum, without a per-administration amount, in the dose's unit (mg PE for
  fosphenytoin);
- ``links``: the full consult report.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.dosing import if_started_text, rescue_dose
from advisor.numbers import change_words, signed_percent
from advisor.report.fhir import medication_concept
from advisor.report.formatting import statements, words
from advisor.serve.order_dose import UNIT_CODES, daily_dose, one_time, per_day, unread_dose
from advisor.vocabulary import START_LOWER

if TYPE_CHECKING:
    from advisor.consult import OrderFindings
    from advisor.knowledge import KnowledgeBase
    from advisor.result import Advice, Dose, Flag, Regimen
    from advisor.schema.pathways import GuidelinePosition
    from advisor.serve.hook import Order

MAX_SUMMARY = 139  # "<140-character summary"
MAX_ALTERNATIVES = 3
DOSE_ACTIONS = ("reduce_dose", "increase_dose")
REPLACE_CATEGORIES = ("history", "hypersensitivity", "reproductive", "toxicity")
ACTION_RANK = {"avoid": 0, "reduce_dose": 1, "increase_dose": 1, "use_with_caution": 2,
               "monitor": 3, "info": 4}
SEVERITY_RANK = {"high": 0, "moderate": 1, "low": 2}
INDICATOR_RANK = {"critical": 0, "warning": 1, "info": 2}
VERBS = {"avoid": "Avoid", "reduce_dose": "Lower the dose of", "increase_dose":
         "Raise the dose of", "use_with_caution": "Caution with", "monitor": "Monitor"}
UCUM = "http://unitsofmeasure.org"
UNCHECKED = ("Not checked for interactions: {names} (active prescriptions the knowledge base "
             "does not judge: other drugs, and products for the skin, eye or ear); check them "
             "in a drug-interaction reference.")
UNREAD_ALLERGIES = ("Allergy records not judged (a reaction the advisor does not classify): "
                    "{names}; check them before ordering.")
ONGOING_AVOID = ("The patient already takes {drug} (an active prescription), so no replacement "
                 "is offered here: the findings above are about starting it; whether to "
                 "continue depends on how long it has been taken without a reaction (the full "
                 "report gives the patient's history), and an antiseizure medication is not "
                 "stopped abruptly: change it by a planned cross-taper.")
ONGOING_INTERACTION = ("The patient already takes {drug} with {others} (active prescriptions), so "
                       "no replacement is offered here: the interaction applies for as long as "
                       "both are taken, whatever the time taken; agree with the prescriber of "
                       "{others} whether that drug changes or {drug} is replaced, and an "
                       "antiseizure medication is not stopped abruptly: change it by a planned "
                       "cross-taper.")
CLAUSE_ENDS = ("; ", " (", ", ", " - ")  # where a summary may be cut
MARKDOWN_SPECIAL = "\\`*_[]<>#|~"
MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in MARKDOWN_SPECIAL})


def _ongoing(drug: str, flags: list[Flag]) -> str:
    """Why no replacement is offered for a drug taken already: an interaction lasts while
    both drugs are taken; any other reason to avoid it depends on the time taken."""
    avoid = [f for f in flags if f.action == "avoid"]
    others = list(dict.fromkeys(f.interacting_drug for f in avoid if f.interacting_drug))
    if avoid and others and all(f.category == "interaction" for f in avoid):
        return ONGOING_INTERACTION.format(drug=drug, others=" and ".join(others))
    return ONGOING_AVOID.format(drug=drug)


def cards(kb: KnowledgeBase, result: OrderFindings, orders: list[Order], *,
          current_asms: list[str], taking: list[str], report_url: str,
          seizure_note: str | None = None, only: set[str] | None = None,
          serious: frozenset[str] = frozenset(), unchecked: list[str] = (),
          unread_allergies: list[tuple[str, str]] = (),
          syndrome: GuidelinePosition | None = None,
          timed: frozenset[str] = frozenset(),
          by_kind: tuple[list[str], list[str]] | None = None,
          age_years: float | None = None
          ) -> list[dict[str, Any]]:
    """The cards for the ordered drugs (``only``: for these of them), most urgent first
    (``current_asms``: the ASMs the patient takes or will take alongside; ``taking``: drugs
    of active prescriptions; ``serious`` and ``syndrome`` (the guideline's entry for the
    patient's syndrome): see :func:`alternatives`; ``unchecked``: active medications outside
    the knowledge base,
    named on every card as not checked for interactions; ``unread_allergies``: allergy
    records whose reaction was not read, as (drug, what the record says), named on every
    card; ``timed``: drugs with a finding that rests on a time taken read from prescription
    dates, never only information: the prescriber is asked to confirm it; ``by_kind``: the
    drugs of ``taking`` prescribed daily, and as rescue products (an order of one kind is
    ongoing only beside an active prescription of that kind: diazepam tablets beside Valtoco
    are a new start); ``age_years``: the patient's age, for a rescue product's labelled
    ages)."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str]] = set()
    same = {drug: [o for o in orders if drug in o.match.drugs]
            for order in orders for drug in order.match.drugs}
    for order in orders:
        for drug in order.match.drugs:
            if (order.reference, drug) in seen or (only is not None and drug not in only):
                continue
            seen.add((order.reference, drug))
            ongoing = drug in (taking if by_kind is None else by_kind[bool(order.match.rescue)])
            # a rescue product's row is its own, also beside a daily order of the drug
            rescue = rescue_dose(kb.drugs[drug], age_years, [order.match.rescue]) \
                if order.match.rescue and drug in kb.drugs else None
            card = drug_card(kb, result, order, drug, current_asms=current_asms,
                             ongoing=ongoing, taking=taking, report_url=report_url,
                             seizure_note=None if rescue else seizure_note, serious=serious,
                             syndrome=syndrome, rescue=rescue,
                             allergic=any(d == drug for d, _ in unread_allergies),
                             siblings=same[drug], ordered=frozenset(same),
                             timed=drug in timed)
            if card is not None:
                if unchecked:
                    card["detail"] += "\n\n" + md(UNCHECKED.format(names=", ".join(unchecked)))
                if unread_allergies:
                    card["detail"] += "\n\n" + md(UNREAD_ALLERGIES.format(
                        names=", ".join(f"{d} ({said})" for d, said in unread_allergies)))
                out.append(card)
    return sorted(out, key=lambda c: INDICATOR_RANK[c["indicator"]])


def cautions(result: OrderFindings, alt: str) -> list[Flag]:
    """What the patient's findings say about starting an alternative offered instead of an
    order: its own flags other than low-severity information, and the interactions of the
    drugs the patient takes with it, most urgent first."""
    found = [f for f in result.flags if (f.drug == alt and not (
        f.action == "info" and f.severity == "low")) or (
        f.interacting_drug == alt and f.relevance == "current")]
    return sorted(found, key=lambda f: (ACTION_RANK.get(f.action, 9),
                                        SEVERITY_RANK.get(f.severity, 9)))


def findings(result: OrderFindings, drug: str) -> list[Flag]:
    """Actionable flags about an ordered drug: its own, and those of the drugs the patient
    takes that it interacts with (not those of the other drugs judged only as candidates),
    most urgent first."""
    found = [f for f in result.flags if f.action != "info" and (
        (f.drug == drug and f.relevance != "other") or
        (f.interacting_drug == drug and f.relevance == "current"))]
    return sorted(found, key=lambda f: (ACTION_RANK.get(f.action, 9),
                                        SEVERITY_RANK.get(f.severity, 9)))


def order_advice(kb: KnowledgeBase, result: OrderFindings, drug: str
                 ) -> list[tuple[Advice, str]]:
    """The result's advice about starting ``drug`` (advice tied to it that is not the
    advisor's rationale), each with its headline."""
    tied = {a.id: a.headline or "" for a in kb.advice if a.at_order and drug in a.drugs}
    return [(a, tied[a.id]) for a in result.advice if a.id in tied]


def dose_change(dose: Dose | None, order: Order | None = None) -> Dose | None:
    """The dose when its recommendation differs from the standard dose, and (given the
    ``order``) the order's daily dose is not already within it."""
    if dose is None or dose.recommended_daily_mg is None or not dose.adjustment_percent:
        return None
    ordered = daily_dose(order.resource, dose.unit) if order is not None else None
    lo, hi = dose.recommended_daily_mg[0], dose.recommended_daily_mg[-1]
    if ordered is not None and lo - 1e-6 <= ordered <= hi + 1e-6:
        return None
    return dose


def with_boxed(head: str, flags: list[Flag]) -> str:
    """A dose check's summary, with the head of a high-severity finding that is not about
    the dose (valproate's boxed hepatotoxicity warning under 2 years), so that neither
    hides the other."""
    grave = next((f for f in flags if f.severity == "high" and f.action != "info"
                  and f.action not in DOSE_ACTIONS), None)
    return _clip(f"{head}; {_clause(grave.message, what=True)}") if grave else head


def within_adjusted(drug: str, order: Order, dose: Dose | None, changed: Dose | None,
                    flags: list[Flag], others: list) -> str | None:
    """The summary of a card whose order is already within this patient's adjusted dose
    (kidneys, genotype or an interaction) and whose only pressing findings are the dose
    changes it follows: information, not a warning to lower a dose already lowered."""
    adjusted = dose_change(dose)
    if changed is not None or others or adjusted is None or any(
            _serious(f) and f.action not in DOSE_ACTIONS for f in flags):
        return None
    ordered = daily_dose(order.resource, adjusted.unit)  # within the range (changed is None)
    return _clip(f"{drug} {ordered:g} {adjusted.unit}/day ordered: within this patient's "
                 f"adjusted dose of {_mg(adjusted.recommended_daily_mg or [], adjusted.unit)}")


def _ceiling(dose: Dose | None) -> float | None:
    """This patient's maximum, or the top of the recommended range without one; None
    without either (no dose, or a dose without a maintenance target and without a
    maximum)."""
    if dose is None or dose.status != "dosed":
        return None
    return dose.max_daily_mg or (dose.recommended_daily_mg or [None])[-1]


def over_maximum(order: Order, dose: Dose | None) -> tuple[float, float] | None:
    """(ordered, ceiling): the order's daily dose and this patient's maximum (without one,
    the top of the recommended range) when the order is above it, else None (also for a
    load, a stat or as-needed dose, or a dose that cannot be read as daily)."""
    if (ceiling := _ceiling(dose)) is None:
        return None
    ordered = daily_dose(order.resource, dose.unit)
    if ordered is None or ordered <= ceiling + 1e-6:
        return None
    return ordered, ceiling


def above_start(kb: KnowledgeBase, order: Order, dose: Dose | None, ongoing: bool
                ) -> tuple[float, float, str, bool] | None:
    """(ordered, start, why, limit): a new order above this patient's labelled start, else
    None; ``limit``: the label makes the start a limit (``dosing.start_is_a_limit``: the
    lamotrigine boxed warning), and ``why`` is its statement; otherwise ``why`` says that
    the label titrates up from the start."""
    if ongoing or dose is None or dose.status != "dosed" or dose.start_daily_mg is None:
        return None
    ordered = daily_dose(order.resource, dose.unit)
    if ordered is None or ordered <= dose.start_daily_mg + 1e-6:
        return None
    limit = kb.drugs[dose.drug].dosing.start_is_a_limit
    if limit is not None:
        return ordered, dose.start_daily_mg, limit.note, True
    return (ordered, dose.start_daily_mg, "The label starts this patient lower and raises the "
            "dose step by step to the maintenance dose.", False)


def dose_not_checked(dose: Dose | None) -> str | None:
    """Why the ordered drug has no dose for this patient (no labelled dose at this age or
    function, or an input such as the weight missing), or why its dose is not checked (a
    rescue product: one dose per seizure emergency), else None."""
    if dose is None or dose.status not in ("no_labelled_dose", "needs_input", "rescue",
                                           "rescue_outside_label"):
        return None
    return dose.basis[0] if dose.basis else "no labelled dose for this patient"


def knock_on(result: OrderFindings, drug: str, taking: list[str]) -> list[tuple[Dose, Any]]:
    """Doses of drugs the patient takes (``taking``: active prescriptions) that change when
    ``drug`` is started. A drug only ordered alongside is not taken yet: it starts at its own
    labelled start, and its card gives its dose with ``drug``."""
    return [(d, i) for d in result.doses for i in d.if_started
            if i.drug == drug and i.adjustment_percent and d.drug in taking]


def indicator(flags: list[Flag], changed: Dose | None, others: list) -> str:
    if any(f.action == "avoid" for f in flags):
        return "critical"
    if changed or others or any(_serious(f) for f in flags):
        return "warning"
    return "info"


@dataclass(frozen=True)
class DoseChecks:
    """What an order's dose adds to its card: ordered above this patient's maximum
    (ordered, ceiling); no labelled dose or a missing input (why); above a labelled start
    that is a limit (ordered, start, why); a dose given in numbers that could not be read
    (why); a start the label lowers without a number (an older adult on valproate); two or
    more orders of the drug in one request that together are above the maximum (orders,
    their daily sum, ceiling)."""

    over: tuple[float, float] | None = None
    missing: str | None = None
    fast: tuple[float, float, str, bool] | None = None  # see above_start
    unread: str | None = None
    lower: bool = False
    together: tuple[int, float, float] | None = None  # orders of the drug, their sum, ceiling
    scheduled: tuple[str, float] | None = None  # a rescue product on a daily schedule: (its
    # name, administrations a day)

    def __bool__(self) -> bool:
        return bool(self.over or self.missing or self.fast or self.unread or self.lower
                    or self.together or self.scheduled)


def in_request(dose: Dose | None, ordered: frozenset[str]) -> Dose | None:
    """The dose as a card tells it: without its lines on how starting a drug the request does
    not order would change it (the consult judges every candidate; a card, its orders)."""
    if dose is None or not dose.if_started:
        return dose
    others = {if_started_text(c, dose.unit) for c in dose.if_started if c.drug not in ordered}
    return dose.model_copy(update={
        "if_started": [c for c in dose.if_started if c.drug in ordered],
        "basis": [b for b in dose.basis if b not in others]})


def dose_checks(kb: KnowledgeBase, order: Order, dose: Dose | None, ongoing: bool,
                siblings: list[Order] = ()) -> DoseChecks:
    dosed = dose is not None and dose.status == "dosed"
    return DoseChecks(
        over=over_maximum(order, dose), missing=dose_not_checked(dose),
        fast=above_start(kb, order, dose, ongoing),
        unread=unread_dose(order.resource, dose.unit) if dose is not None and dosed else None,
        lower=bool(dose is not None and dose.start_reduced and not ongoing),
        together=orders_together(siblings, dose), scheduled=scheduled_rescue(order))


def scheduled_rescue(order: Order) -> tuple[str, float] | None:
    """(product, administrations a day) for a rescue product ordered on a repeating
    schedule rather than as needed or once (Valtoco four times a day: its label gives one
    dose per seizure cluster, a second at least 4 hours later)."""
    if not order.match.rescue or one_time(order.resource):
        return None
    times = next((t for d in order.resource.get("dosageInstruction") or []
                  if isinstance(d, dict) and (t := per_day(d)) is not None), None)
    return (order.match.rescue, times) if times is not None else None


def orders_together(siblings: list[Order], dose: Dose | None
                    ) -> tuple[int, float, float] | None:
    """(orders, daily sum, ceiling) when two or more orders of the drug in one request (an
    intravenous and an oral order, say) together exceed this patient's maximum."""
    if len(siblings) < 2 or (ceiling := _ceiling(dose)) is None:
        return None
    total = sum(d for o in siblings if (d := daily_dose(o.resource, dose.unit)) is not None)
    return (len(siblings), total, ceiling) if total > ceiling + 1e-6 else None


def dose_head(drug: str, dose: Dose | None, checks: DoseChecks, level: str, *, quiet: bool,
              ordered: float | None = None, why: str = "") -> str | None:
    """The summary when a dose check leads: an order above the labelled start or above the
    maximum (``why``: the reason this patient's dose is changed), unless the drug is to be
    avoided; else, on a card with no finding of its own (``quiet``), why the dose was not
    checked (with the ``ordered`` daily dose, when given) or that the start is lower than
    usual."""
    unit = dose.unit if dose else "mg"
    given = f" ({dose.start_as_given})" if dose and dose.start_as_given else ""
    start = checks.fast and _clip(
        f"{drug} {checks.fast[0]:g} {unit}/day ordered: above the labelled start of "
        f"{checks.fast[1]:g} {unit}/day{given} for this patient")
    if checks.fast and checks.fast[3] and level != "critical":
        return start
    if checks.over and level != "critical":
        return _clip(f"{drug} {checks.over[0]:g} {unit}/day ordered: above this patient's "
                     f"maximum of {checks.over[1]:g} {unit}/day{why}")
    if checks.together and level != "critical":
        n, total, ceiling = checks.together
        return _clip(f"{drug}: {n} orders together {total:g} {unit}/day: above this "
                     f"patient's maximum of {ceiling:g} {unit}/day")
    if not quiet:
        return None
    if checks.scheduled and level != "critical" and not (
            dose and dose.status == "rescue_outside_label"):  # the age leads then
        product, times = checks.scheduled
        return _clip(f"{drug} ({product}) ordered {_times(times)} a day: a rescue product is "
                     "given per seizure emergency (as needed), not on a daily schedule")
    if checks.fast and level != "critical":
        return start
    if checks.missing and ordered is not None:
        return _clip(f"{drug} {ordered:g} {unit}/day ordered, not checked: "
                     f"{_clause(checks.missing, what=True)}")
    if checks.missing:
        return _clip(f"{drug}: dose not checked: {_clause(checks.missing)}")
    if checks.unread:
        return _clip(f"{drug}: ordered dose not checked: {checks.unread}")
    if checks.lower:
        return _clip(f"{drug}: start lower than usual for this patient (the label gives no "
                     "number)")
    return None


def drug_card(kb: KnowledgeBase, result: OrderFindings, order: Order, drug: str, *,
              current_asms: list[str], ongoing: bool, report_url: str,
              taking: list[str] = (),
              seizure_note: str | None = None, serious: frozenset[str] = frozenset(),
              syndrome: GuidelinePosition | None = None,
              allergic: bool = False, siblings: list[Order] = (),
              ordered: frozenset[str] = frozenset(), timed: bool = False,
              rescue: Dose | None = None) -> dict[str, Any] | None:
    """The card for one ordered drug (``ongoing``: the patient already takes it;
    ``allergic``: an allergy record of it was not judged; ``timed``: a finding about it
    rests on a time taken read from prescription dates; ``siblings``: the request's orders
    of the drug, this one included; ``ordered``: the drugs the request orders; ``rescue``:
    the dose row of a rescue product ordered), or None when nothing is actionable."""
    flags = findings(result, drug)
    dose = rescue or in_request(next((d for d in result.doses if d.drug == drug), None),
                                ordered)
    changed = dose_change(dose, order)
    others = knock_on(result, drug, taking)
    advice = [] if ongoing else order_advice(kb, result, drug)
    checks = dose_checks(kb, order, dose, ongoing, siblings)
    if not (flags or changed or others or advice or checks or allergic):
        return None
    # a load, a stat or an as-needed dose: a change of the maintenance dose is not about it
    # (a genotype that lowers the maintenance dose leaves the usual load, CPIC)
    once = changed is not None and one_time(order.resource)
    level = indicator([f for f in flags if not (once and f.action in DOSE_ACTIONS)],
                      None if once else changed, others)
    fitted = None if checks else within_adjusted(drug, order, dose, changed, flags, others)
    if fitted:
        level = "info"
    # a new order of a drug with no labelled dose for this patient (an infant, say) is
    # off-label at any dose: a warning, led by that
    unlabelled = level == "info" and not ongoing and dose is not None and \
        dose.status in ("no_labelled_dose", "rescue_outside_label")
    limit = checks.fast is not None and checks.fast[3]
    if (checks.over or limit or checks.together or checks.scheduled or unlabelled or timed) \
            and level == "info":
        level = "warning"
    quiet = not (flags or changed or others or advice) or unlabelled
    dose_flag = _dose_flag(flags) if changed else None
    led = dose_head(drug, dose, checks, level, quiet=quiet,
                    ordered=daily_dose(order.resource, dose.unit)
                    if unlabelled and dose and not order.match.rescue else None,
                    why=f" ({_clause(dose_flag.message, what=True)})" if dose_flag else "")
    head = fitted or (led and with_boxed(led, flags)) or (
        _clip(f"{drug}: the patient's allergy record of it is not judged: check it")
        if quiet and allergic else one_time_head(drug, changed, flags) if once and
        level == "info" else summary(kb, drug, flags, changed, others, advice))
    offered = (alternatives(result, drug, current_asms, serious, syndrome)
               if (level == "critical" or replace_advised(flags)) and not ongoing
               and replaceable(order) else [])
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": head,
        "detail": detail(kb, result, drug, flags, dose, others, seizure_note, advice,
                         checks, offered=[(alt, cautions(result, alt)) for alt, _ in offered]),
        "indicator": level,
        "source": source(kb, flags, dose, advice, drug),
    }
    suggestions: list[dict[str, Any]] = []
    if level == "critical" and ongoing:
        card["detail"] += "\n\n" + md(_ongoing(drug, flags))
    elif level == "critical":
        suggestions = replacements(kb, result, order, drug, offered)
    else:
        if changed is not None:
            suggestions = dose_suggestion(order, drug, changed, ongoing=ongoing)
        elif checks.over and dose is not None:
            suggestions = dose_suggestion(order, drug, dose, ongoing=ongoing, why=(
                f"the order is above this patient's maximum of {checks.over[1]:g} "
                f"{dose.unit}/day"))
        suggestions += replacements(kb, result, order, drug, offered, recommended=False)
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = "at-most-one"
    card["links"] = [{"label": "Full consult report (DRE advisor)", "url": report_url,
                      "type": "absolute"}]
    return card


# --- text --------------------------------------------------------------------------------


def _times(n: float) -> str:
    """'once', 'twice', '3 times'."""
    return "once" if n == 1 else "twice" if n == 2 else f"{n:g} times"


def _clause(message: str, *, what: bool = False) -> str:
    """The reason at the head of a flag message ("<reason>: <advice>"); for an interaction
    ("<drug> + <drug>: <effect>. Magnitude: ..."), the effect's first sentence, so that the
    summary says what happens, not only which drugs meet; ``what``: also the start of the
    advice (a caution's head names only who it is for: "Child under 2 years")."""
    head, _, rest = message.partition(": ")
    if " + " in head and rest:
        head = rest.split(". ", 1)[0].rstrip(".")
    elif what and rest:
        head = f"{head}: {rest.split('. ', 1)[0].rstrip('.')}"
    return _cut(head, 91, keep=0.5)


def _dose_words(dose: Dose) -> str:
    """The recommended range, or for a dose without a maintenance target its start."""
    if dose.recommended_daily_mg:
        return _mg(dose.recommended_daily_mg, dose.unit)
    start = f"start {_mg([dose.start_daily_mg], dose.unit)}; " if dose.start_daily_mg else ""
    return f"{start}no maintenance target for this patient (see the dose row)"


def _mg(values: list[float], unit: str = "mg") -> str:
    lo, hi = values[0], values[-1]
    return f"{lo:g} {unit}/day" if lo == hi else f"{lo:g}–{hi:g} {unit}/day"


def _clip(text: str) -> str:
    """A summary: codes as words, in under 140 characters."""
    return _cut(words(text), MAX_SUMMARY, keep=0.6)


def _cut(text: str, limit: int, *, keep: float) -> str:
    """``text`` in at most ``limit`` characters: whole, or cut with "…" at the last clause
    boundary (:data:`CLAUSE_ENDS`) outside brackets that keeps at least the share ``keep``
    of it, else at a word (a phrase cut mid-way hides the point)."""
    if len(text) <= limit:
        return text
    window = text[:limit - 1]
    cuts = [i for sep in CLAUSE_ENDS for i in [window.rfind(sep)]
            if i >= keep * limit and window.count("(", 0, i) == window.count(")", 0, i)]
    head = window[:max(cuts)] if cuts else window.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:-") + "…"


def _serious(f: Flag) -> bool:
    """A dose change, or a high-severity finding (an interaction, a boxed or reproductive
    warning): at least a warning, never only information."""
    return f.action in DOSE_ACTIONS or f.severity == "high"


def _dose_flag(flags: list[Flag]) -> Flag | None:
    """The first finding that changes the dose."""
    return next((f for f in flags if f.action in DOSE_ACTIONS), None)


def _other_party(kb: KnowledgeBase, flag: Flag, drug: str) -> str | None:
    """The other drug of an interaction flag about ``drug``: the flag's drug when the flag
    falls on a drug the patient takes (Paxlovid lowered by an ordered carbamazepine), else
    the interacting drug; as people read it."""
    other = flag.drug if flag.drug != drug else flag.interacting_drug
    return kb.shown(other) if other else None


def one_time_head(drug: str, changed: Dose, flags: list[Flag]) -> str:
    """The summary of a one-time order (a load, a stat or as-needed dose) of a drug whose
    maintenance dose this patient needs changed: the order stands, the change comes after."""
    dose_flag = _dose_flag(flags)
    why = f": {_clause(dose_flag.message)}" if dose_flag else ""
    return _clip(f"{drug} one-time dose: the change is to the maintenance after "
                 f"it, {_mg(changed.recommended_daily_mg or [], changed.unit)}{why}")


def summary(kb: KnowledgeBase, drug: str, flags: list[Flag], changed: Dose | None,
            others: list[tuple[Dose, Any]], advice: list[tuple[Advice, str]] = ()) -> str:
    """The finding that sets the card's indicator, in under 140 characters."""
    if not flags and changed is None and not others and advice:
        return _clip(advice[0][1])
    lead = next((f for f in flags if f.action == "avoid"), None)
    if lead is None and changed is None and not others:
        lead = next((f for f in flags if _serious(f)), flags[0] if flags else None)
    reason = _clause(lead.message) if lead else ""
    name = kb.shown(drug)
    if lead is not None and lead.action == "avoid":
        party = _other_party(kb, lead, drug)
        return _clip(f"Avoid {name}{f' + {party}' if party else ''}: {reason}")
    if changed is not None:
        dose_flag = _dose_flag(flags)
        why = f": {_clause(dose_flag.message)}" if dose_flag else ""
        pct = change_words(changed.adjustment_percent or 0.0)
        return _clip(f"{drug} {_mg(changed.recommended_daily_mg or [], changed.unit)} "
                     f"({pct}){why}")
    if others:
        other, change = others[0]
        if change.recommended_daily_mg:
            return _clip(f"Starting {drug}: change {other.drug} to "
                         f"{_mg(change.recommended_daily_mg, other.unit)}")
        return _clip(f"Starting {drug} changes the dose of {other.drug}")
    if lead is not None and lead.drug != drug:
        return _clip(f"{name} with {kb.shown(lead.drug)}: {reason}")
    verb = VERBS.get(lead.action, "Note") if lead else "Note"
    party = _other_party(kb, lead, drug) if lead else None
    other = f" + {party}" if party else ""
    if lead is not None and not other:
        reason = _clause(lead.message, what=True)
    return _clip(f"{verb} {name}{other}: {reason}")


def md(text: str) -> str:
    """Text as literal GitHub Flavored Markdown (backslash before special characters), its
    codes as words ("combined oral contraceptive", not "combined_oral_contraceptive")."""
    return words(str(text)).translate(MARKDOWN_ESCAPES)


def check_lines(drug: str, dose: Dose | None, checks: DoseChecks) -> list[str]:
    """The detail's lines of the dose checks (:class:`DoseChecks`)."""
    if dose is None:
        return []
    out: list[str] = []
    fast, over, missing, unread = checks.fast, checks.over, checks.missing, checks.unread
    if fast is not None:
        given = f" ({md(dose.start_as_given)})" if dose.start_as_given else ""
        out.append(f"- **start dose**: {md(f'{fast[0]:g} {dose.unit}/day')} ordered is above "
                   f"the labelled start of {md(f'{fast[1]:g} {dose.unit}/day')}{given} for "
                   f"this patient. {md(fast[2])}")
    if over is not None:
        out.append(f"- **ordered dose**: {md(f'{over[0]:g} {dose.unit}/day')} is above this "
                   f"patient's maximum of {md(f'{over[1]:g} {dose.unit}/day')}.")
    if checks.scheduled is not None:
        product, times = checks.scheduled
        out.append(f"- **schedule**: {md(product)} is ordered {_times(times)} a day, on a "
                   "repeating schedule. A rescue product is given when a seizure emergency "
                   "happens (as needed), within its label's limits per episode and per month; "
                   "order it as needed.")
    if missing is not None:
        out.append(f"- **dose not checked**: {md(statements(dose.basis))}")
    if checks.together:
        n, total, ceiling = checks.together
        out.append(f"- **orders together**: the {n} orders of {md(drug)} in this request "
                   f"come to {md(f'{total:g} {dose.unit}/day')}, above this patient's maximum "
                   f"of {md(f'{ceiling:g} {dose.unit}/day')} (unless one replaces the other, "
                   "as an oral order replacing an intravenous one).")
    if checks.lower:
        said = next((b for b in dose.basis if b.startswith("start: lower than")), "")
        out.append(f"- **start dose**: the label says to start this patient lower than "
                   f"usual and gives no number{f' ({md(said)})' if said else ''}.")
    if unread is not None:
        top = f", at most {md(f'{dose.max_daily_mg:g} {dose.unit}/day')}" \
            if dose.max_daily_mg else ""
        out.append(f"- **ordered dose not checked**: {md(unread)}. This patient's dose: "
                   f"{md(_dose_words(dose))}{top}.")
    return out


def detail(kb: KnowledgeBase, result: OrderFindings, drug: str, flags: list[Flag],
           dose: Dose | None, others: list[tuple[Dose, Any]], seizure_note: str | None,
           advice: list[tuple[Advice, str]] = (), checks: DoseChecks = DoseChecks(), *,
           offered: list[tuple[str, list[Flag]]] = ()) -> str:
    """The card's Markdown detail (``checks``: see :class:`DoseChecks`; ``offered``: the
    alternatives its suggestions order instead, each with :func:`cautions`)."""
    lines = [f"**{md(kb.shown(drug))}**: what the advisor found for this order", ""]
    lines += check_lines(drug, dose, checks)
    lines += [f"- {flag_line(f)}" for f in flags]
    if dose is not None and dose.recommended_daily_mg and dose.standard_daily_mg:
        pct = dose.adjustment_percent
        lines.append(f"- **dose**: {md(_mg(dose.recommended_daily_mg, dose.unit))} "
                     f"recommended (standard {md(_mg(dose.standard_daily_mg, dose.unit))}"
                     f"{f', {signed_percent(pct)}' if pct else ''}"
                     f"). {md(statements(dose.basis))}.")
    elif dose is not None and dose.no_target:
        lines.append(f"- **dose**: {md(_dose_words(dose))}. {md(statements(dose.basis))}.")
    for other, change in others:
        target = (f"{md(_mg(change.recommended_daily_mg, other.unit))} "
                  if change.recommended_daily_mg
                  else "")
        lines.append(f"- **if started**: {md(other.drug)} (taken now) {target}"
                     f"({signed_percent(change.adjustment_percent or 0.0)}): {md(change.why)}")
    for a, _ in advice:
        lines.append(f"- **before starting** ({md(a.topic.replace('_', ' '))}; evidence "
                     f"{md(a.evidence_level)}{', contested' if a.contested else ''}): "
                     f"{md(a.text)} *Sources: {md(', '.join(a.evidence))}*")
    if offered:
        lines += ["", "**Alternatives offered** (best first, from the regimen ranking; each "
                  "would be a new start: check what the advisor found for it before "
                  "ordering):"]
        for alt, found in offered:
            lines.append(f"- **{md(alt)}**: " + ("nothing found for this patient" if not found
                                                  else "what the advisor found for it:"))
            lines += [f"  - {flag_line(f)}" for f in found]
    if seizure_note:
        lines += ["", md(seizure_note)]
    prov = result.provenance
    lines += ["", md(f"DRE advisor {prov.advisor_version}, knowledge base "
                     f"{prov.knowledgebase_version} (sha256 {prov.knowledgebase_sha256[:12]}). "
                     f"{result.disclaimer}")]
    return "\n".join(lines)


def flag_line(f: Flag) -> str:
    """A flag as one Markdown line: action, category, severity, evidence, message, sources."""
    return (f"**{md(f.action.replace('_', ' '))}** ({md(f.category)}, {md(f.severity)}; "
            f"evidence {md(f.evidence_level)}{', contested' if f.contested else ''}): "
            f"{md(f.message)} *Sources: {md(', '.join(f.evidence))}*")


def source(kb: KnowledgeBase, flags: list[Flag], dose: Dose | None,
           advice: list[tuple[Advice, str]] = (), drug: str | None = None) -> dict[str, Any]:
    """The primary source of the top finding: a guideline, else a label, else the first;
    of each kind, one whose id names the ordered ``drug`` first (a finding shared by several
    drugs cites each drug's own guideline)."""
    top = (flags[0].evidence if flags else dose.evidence if dose and dose_change(dose)
           else advice[0][0].evidence if advice else dose.evidence if dose else [])
    ids = [s for s in top if s in kb.sources]
    for kind in ("guideline", "label", None):
        of_kind = [s for s in ids if kind is None or kb.sources[s].kind == kind]
        if kind == "guideline":  # a guideline whose id names the drug first
            of_kind.sort(key=lambda s: not (drug and drug.lower() in s.lower()))
        sid = next(iter(of_kind), None)
        if sid is not None:
            src = kb.sources[sid]
            label = " ".join(str(p) for p in (src.organisation or sid, src.kind, src.year) if p)
            out: dict[str, Any] = {"label": label.replace("_", " ")}
            url = src.url or (f"https://doi.org/{src.doi}" if src.doi else None) or (
                f"https://pubmed.ncbi.nlm.nih.gov/{src.pmid}/" if src.pmid else None)
            if url:
                out["url"] = url
            return out
    return {"label": "DRE pharmacogenomic advisor knowledge base"}


# --- suggestions -------------------------------------------------------------------------


def alternatives(result: OrderFindings, drug: str, current: list[str],
                 serious: frozenset[str] = frozenset(),
                 syndrome: GuidelinePosition | None = None) -> list[tuple[str, Regimen]]:
    """Drugs to order instead, from the regimen ranking (best first): those the ranking
    adds to the drugs the patient keeps taking, else any one new drug a regimen holds;
    never one of ``serious``, the drugs with an avoid or high-severity finding for this
    patient (:attr:`advisor.consult.OrderFindings.serious`: for a carrier of an HLA allele
    that rules out carbamazepine, the other aromatic drugs' SJS/TEN cautions). For a
    patient with a syndrome the guideline has an entry for (``syndrome``), only the drugs
    it places there, not as add-on only: one of these with a caution (valproate first-line
    in Dravet syndrome, for a girl) is offered with the caution shown, never one to avoid."""
    kept = {d for d in current if d != drug}
    avoided = {f.drug for f in result.flags if f.action == "avoid"}

    def allowed(new: str) -> bool:
        if syndrome is None:
            return new not in serious
        return new in syndrome.named and new not in syndrome.add_on_only and \
            new not in avoided
    picked: dict[str, Regimen] = {}
    for strict in (True, False):
        for reg in result.regimens:
            new = [d for d in reg.drugs if d not in kept]
            fits = set(reg.drugs) - set(new) == kept if strict else True
            if len(new) == 1 and new[0] != drug and allowed(new[0]) and fits:
                picked.setdefault(new[0], reg)
    return list(picked.items())[:MAX_ALTERNATIVES]


def _start_text(regimen: Regimen, alt: str) -> str | None:
    """How to start an alternative, from its regimen's plan: every labelled step (the
    boxed warning of lamotrigine names a faster escalation as a rash risk), the further
    increases and the target; without steps (or a labelled start), "start: see the label"
    before the target."""
    step = next((s for s in regimen.transition.steps if s.drug == alt and s.action == "add"),
                None)
    if step is None:
        return None
    parts = []
    for i, entry in enumerate(s for s in step.schedule if s.daily_mg is not None
                              or s.as_given):
        if entry.daily_mg is None:  # under one tablet a day
            parts.append(f"{'start ' if i == 0 else ''}{entry.weeks}: {entry.as_given}")
            continue
        given = f"{entry.as_given}, " if entry.as_given else ""
        when = f" ({given}{entry.weeks})" if entry.weeks != "start" else (
            f" ({entry.as_given})" if entry.as_given else "")
        parts.append(f"{'start ' if i == 0 else ''}{entry.daily_mg:g} mg/day{when}")
    target = step.target_daily_mg
    entries = [s for s in step.schedule if s.daily_mg is not None]
    if target and not step.then and len(parts) == 1 and len(entries) == 1 and \
            [entries[0].daily_mg] == sorted(set(target)):
        return f"{_mg(target)} from the start, the labelled dose"
    if step.then:
        parts.append(f"then {step.then}")
    if step.target_daily_mg:
        if not parts:  # never a bare target, which reads as the dose to start at
            parts.append(START_LOWER if step.start_lower else "start: see the label")
        parts.append(f"to {_mg(step.target_daily_mg)}" + (
            f" while {' and '.join(step.target_while)} is taken" if step.target_while else ""))
    return ", ".join(parts) if parts else None


def _new_request(kb: KnowledgeBase, order: dict[str, Any], alt: str, text: str | None,
                 replaced: str) -> dict[str, Any]:
    req: dict[str, Any] = {"resourceType": "MedicationRequest", "status": "draft",
                           "intent": order.get("intent") or "order",
                           "medicationCodeableConcept": medication_concept(kb, alt),
                           "subject": order.get("subject")}
    for key in ("encounter", "requester"):
        if order.get(key):
            req[key] = order[key]
    if text:
        req["dosageInstruction"] = [{"text": f"{alt}: {text}; titrate as labelled"}]
    req["note"] = [{"text": f"Suggested by the DRE pharmacogenomic advisor in place of "
                            f"{replaced}."}]
    return req


def replaceable(order: Order) -> bool:
    """Whether a suggestion can delete the draft and create another for the same patient."""
    return order.reference is not None and isinstance(order.resource.get("subject"), dict)


def replace_advised(flags: list[Flag]) -> bool:
    """Whether a finding short of avoid still advises another drug: a high-severity
    finding of a kind the order itself causes (:data:`REPLACE_CATEGORIES`: a past severe
    reaction to a related drug, a boxed reproductive or hepatotoxicity warning), as opposed
    to a dose change or an interaction, whose remedy may lie with the other drug."""
    return any(f.severity == "high" and f.category in REPLACE_CATEGORIES
               and f.action not in DOSE_ACTIONS for f in flags)


def replacements(kb: KnowledgeBase, result: OrderFindings, order: Order, drug: str,
                 offered: list[tuple[str, Regimen]], *, recommended: bool = True
                 ) -> list[dict[str, Any]]:
    """Replace the draft (delete it, create one for an alternative of ``offered``: see
    :func:`alternatives`), best alternative first, and marked recommended unless
    ``recommended`` is false (a warning, where the order may stand); the label of one with
    findings for the patient says to read them on the card."""
    out = []
    for i, (alt, regimen) in enumerate(offered):
        text = _start_text(regimen, alt)
        warn = " - read its cautions on the card" if cautions(result, alt) else ""
        out.append({
            "label": f"Replace {drug} with {alt}" + (f" ({text})" if text else "") + warn,
            "uuid": str(uuid.uuid4()),
            "isRecommended": recommended and i == 0,
            "actions": [
                {"type": "delete", "description": f"Remove the draft order for {drug}",
                 "resourceId": order.reference},
                {"type": "create", "description": f"Order {alt} instead",
                 "resource": _new_request(kb, order.resource, alt, text, drug)}]})
    return out


def _quantity(mg: float, unit: str = "mg") -> dict[str, Any]:
    code = next(iter(UNIT_CODES.get(unit, {"mg": "mg"})))
    return {"value": round(mg, 1), "unit": unit, "system": UCUM, "code": code}


def _needs_change(order: dict[str, Any], unit: str, lo: float, hi: float,
                  ongoing: bool) -> bool:
    """Whether to suggest the recommended range: an order without a dose, or whose daily
    dose is above it (or, ongoing, outside it). An order whose dose cannot be read as a
    daily dose (a load, a stat or as-needed dose, another unit) is left alone."""
    if not order.get("dosageInstruction"):
        return True
    ordered = daily_dose(order, unit)
    if ordered is None:
        return False
    return ordered > hi + 1e-6 or (ongoing and ordered < lo - 1e-6)


def dose_suggestion(order: Order, drug: str, dose: Dose, *, ongoing: bool,
                    why: str | None = None) -> list[dict[str, Any]]:
    """Change the draft's dose to the recommended daily range (see the module docstring for
    when), or nothing; ``why``: the reason in the dose text (default: the change in percent
    of the standard dose)."""
    if not dose.recommended_daily_mg:  # no target (a start only): nothing to change it to
        return []
    lo, hi = dose.recommended_daily_mg[0], dose.recommended_daily_mg[-1]
    unit = dose.unit
    if order.reference is None or not _needs_change(order.resource, unit, lo, hi, ongoing):
        return []
    updated = copy.deepcopy(order.resource)
    old = updated.get("dosageInstruction") or [{}]
    dosage = dict(old[0]) if len(old) == 1 else {}
    change = (why or change_words(dose.adjustment_percent or 0.0)) + \
        ", DRE pharmacogenomic advisor"
    times = per_day(dosage)
    if ongoing:
        dosage["text"] = f"{drug} {_mg([lo, hi], unit)} ({change})"
        if times:
            dosage["doseAndRate"] = [{"doseRange": {"low": _quantity(lo / times, unit),
                                                    "high": _quantity(hi / times, unit)}}]
        else:
            dosage.pop("doseAndRate", None)
    else:
        dosage["text"] = (f"{drug}: maintenance {_mg([lo, hi], unit)} ({change}); start "
                          "and titrate as labelled")
        dosage.pop("doseAndRate", None)
    # the ceiling is this patient's maximum, not the top of the usual range (a child's
    # valproate: usually 20 mg/kg/day, at most 60): titration above the range stays open
    ceiling = max(hi, dose.max_daily_mg or hi)
    if ceiling > hi + 1e-6:
        dosage["text"] += f"; at most {_mg([ceiling], unit)}"
    dosage["maxDosePerPeriod"] = {"numerator": _quantity(ceiling, unit),
                                  "denominator": {"value": 1, "unit": "day", "system": UCUM,
                                                  "code": "d"}}
    updated["dosageInstruction"] = [dosage]
    label = (f"Change {drug} to {_mg([lo, hi], unit)}" if ongoing else
             f"Dose {drug} for a maintenance of {_mg([lo, hi], unit)}")
    return [{"label": label, "uuid": str(uuid.uuid4()), "isRecommended": True,
             "actions": [{"type": "update", "description": f"Set the {drug} dose: "
                          f"{dosage['text']}", "resource": updated}]}]
