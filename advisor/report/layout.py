"""What every view shows, in which order: flag groups, collapsed flags and numbered citations.

Shared by the Markdown, HTML and PDF reports and the app, so that they order and group the
same way. Flags are grouped by relevance (the patient's current drugs, then candidates, then
the other drugs to avoid); within a group, drugs come by their most pressing flag (action,
then severity) and each drug's flags in that order. Information-only flags about drugs not
in play are collapsed. Citations are numbered once per report, in the order they are first
cited, and listed at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from advisor.numbers import DASH, listing, phrase, plural
from advisor.report.formatting import reached_text, risk_line, target_text, words
from advisor.result import ConsultResult, Flag, Summary, SummaryAvoid, kind_text
from advisor.schema import Source
from advisor.summary import first_sentence, flag_order, summary_of
from advisor.vocabulary import ACTION_LABEL, RELEVANCE_LABEL, RELEVANCE_ORDER, STATUS_LABEL


@dataclass(frozen=True)
class DrugFlags:
    drug: str
    flags: list[Flag]  # most pressing first

    @property
    def worst(self) -> Flag:
        return self.flags[0]


@dataclass(frozen=True)
class FlagGroup:
    relevance: str  # current | candidate | other
    title: str
    drugs: list[DrugFlags]


def by_drug(flags: list[Flag]) -> list[DrugFlags]:
    """Flags (already ordered) gathered per drug, in order of first appearance."""
    out: dict[str, list[Flag]] = {}
    for f in flags:
        out.setdefault(f.drug, []).append(f)
    return [DrugFlags(d, fs) for d, fs in out.items()]


def flag_groups(res: ConsultResult) -> tuple[list[FlagGroup], list[Flag]]:
    """The flags to show, grouped and ordered, and the information-only flags about drugs
    not in play (collapsed by default)."""
    in_play = set(summary_of(res).in_play)
    shown: dict[str, dict[str, list[Flag]]] = {r: {} for r in RELEVANCE_ORDER}
    collapsed = []
    for f in sorted(res.flags, key=flag_order):
        if f.action == "info" and f.drug not in in_play:
            collapsed.append(f)
        else:
            shown[f.relevance].setdefault(f.drug, []).append(f)
    groups = []
    for relevance, by_drug in shown.items():
        drugs = sorted((DrugFlags(d, fs) for d, fs in by_drug.items()),
                       key=lambda d: flag_order(d.worst))
        if drugs:
            groups.append(FlagGroup(relevance, RELEVANCE_LABEL[relevance], drugs))
    return groups, collapsed


def _runs(numbers: list[int]) -> list[tuple[str, int]]:
    """[1, 2, 3, 5, 6] -> [("1–3", 1), ("5", 5), ("6", 6)]: runs of three or more as a
    range, each with the number it starts at."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    out: list[tuple[str, int]] = []
    for r in runs:
        out += [(f"{r[0]}{DASH}{r[-1]}", r[0])] if len(r) > 2 else [(str(n), n) for n in r]
    return out


@dataclass
class Citations:
    """Sources numbered in the order a report first cites them."""

    sources: dict[str, Source]
    numbers: dict[str, int] = field(default_factory=dict)

    def marks(self, ids: Iterable[str]) -> list[tuple[str, int]]:
        """Number these source ids (on first citation) and return them as runs."""
        return _runs(sorted({self.numbers.setdefault(sid, len(self.numbers) + 1)
                             for sid in ids}))

    def __call__(self, ids: Iterable[str]) -> str:
        """The reference mark for these source ids, e.g. "[1–4, 7]" ("" for none)."""
        runs = self.marks(ids)
        return f"[{', '.join(text for text, _ in runs)}]" if runs else ""

    def listed(self) -> list[tuple[int, str, Source | None]]:
        """(number, id, source) of every cited source, in number order."""
        return [(n, sid, self.sources.get(sid)) for sid, n in self.numbers.items()]


def link(source: Source | None) -> str | None:
    """Where a source can be read: PubMed, the DOI, or its URL."""
    if source is None:
        return None
    if source.pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{source.pmid}/"
    if source.doi:
        return f"https://doi.org/{source.doi}"
    return source.url


# --- the summary as blocks every view renders the same way ------------------------------


@dataclass(frozen=True)
class Line:
    lead: str  # the drug (or regimen), shown in bold
    text: str
    refs: list[str]  # source ids
    level: str | None = None  # evidence level


@dataclass(frozen=True)
class Block:
    key: str  # avoid | dose | monitor | dre | regimen (also the colour of its card)
    title: str
    headline: str
    lines: list[Line]


def avoided(a: SummaryAvoid) -> str:
    """What to avoid: the drug, or, when every reason is an interaction, the drug with the
    drugs it must not be combined with ("apixaban with carbamazepine": not "stop apixaban")."""
    return words(a.drug + (f" with {' and '.join(a.with_drugs)}" if a.with_drugs else ""))


def _avoid(s: Summary) -> Block:
    lines = []
    for a in s.avoid:
        if a.relevance == "other":
            continue
        more = f" (+{plural(len(a.reasons) - 1, 'more reason')})" if len(a.reasons) > 1 else ""
        lines.append(Line(avoided(a), words(a.reasons[0]) + more, a.evidence,
                          a.evidence_level))
    others = [a for a in s.avoid if a.relevance == "other"]
    if others:
        lines.append(Line("Also avoid", words(", ".join(a.drug for a in others))
                          + " (not candidates for this patient; reasons under Flags)",
                          [sid for a in others for sid in a.evidence]))
    named = [avoided(a) for a in s.avoid if a.relevance != "other"]  # others: "Also avoid"
    head = (", ".join(named) if named else
            "no drug in play to avoid" if s.avoid else "no drug to avoid")
    return Block("avoid", "Avoid", head, lines)


def _doses(s: Summary) -> Block:
    """The dose changes of the drugs in play, line by line; those of other candidates only
    named (a reader took them for drugs the patient takes: review K M5)."""
    shown = [c for c in s.dose_changes if c.drug in s.in_play]
    others = [c for c in s.dose_changes if c.drug not in s.in_play]
    lines = [Line(words(c.drug), f"{c.change}: {words(c.reason)}", c.evidence,
                  c.evidence_level) for c in shown]
    # (a row may hold a dose, or only the statement that changes it: review S C4)
    named = words(", ".join(c.drug for c in others)) + (
        " (not taken and not in the top regimen: see "
        + ("its row" if len(others) == 1 else "their rows") + " in the Doses table)")
    if others and shown:
        lines.append(Line("Other candidates", named, []))
    head = (words(", ".join(c.drug for c in shown)) if shown else
            f"no dose change for the drugs in play; other candidates: {named}" if others
            else "no dose change")
    return Block("dose", "Change dose", head, lines)


def _monitor(s: Summary) -> Block:
    shown = s.shown or {}
    lines = [Line(words(shown.get(m.drug, m.drug)), (f"{ACTION_LABEL[m.action].lower()}: "
                                                     if m.action != "monitor" else "")
                  + words(m.reason), m.evidence, m.evidence_level)
             for m in s.monitor]
    avoided = {a.drug for a in s.avoid}  # (the avoid line names them)
    watched = [shown.get(d, d) for d in s.in_play if d not in avoided]
    head = (words(", ".join(dict.fromkeys(shown.get(m.drug, m.drug) for m in s.monitor)))
            if lines else
            "nothing for the drugs in play" + (f" ({words(', '.join(watched))})"
                                               if watched else ""))
    if s.unchecked_medications:
        names = ", ".join(s.unchecked_medications)
        head += f"; not checked: {names}"
        lines.append(Line("Not checked", f"{names}: outside the knowledge base, so no "
                          "interaction with them was checked; check them in a "
                          "drug-interaction reference", []))
    if s.partly_checked_medications:
        part = s.partly_checked_medications
        head += f"; checked in part: {words(', '.join(shown.get(d, d) for d in part))}"
        known = "; ".join(
            f"{shown.get(d, d)} with {listing(asms)} only, not with "
            f"{listing(s.partly_checked_not_against.get(d, []))} among the drugs in play "
            "or offered" if asms else
            f"{shown.get(d, d)} with none of them" for d, asms in part.items())
        lines.append(Line("Checked in part", words(
            "the knowledge base records interactions of these with some antiseizure "
            f"medications only ({known}), which is no proof that there is none: check them in "
            "a drug-interaction reference"), []))
    for drug, said in s.unaffected_medications.items():
        lines.append(Line(words(shown.get(drug, drug)), words(said.text), said.evidence,
                          said.evidence_level))
    if s.unaffected_medications:
        names = words(", ".join(shown.get(d, d) for d in s.unaffected_medications))
        head += f"; no interaction expected: {names}"
    for condition, drugs in s.conditions_checked_for.items():
        head, line = _condition_line(phrase(shown.get(condition, words(condition))), drugs,
                                     [shown.get(d, d) for d in s.in_play if d not in drugs],
                                     head)
        lines += [line] if line else []
    if s.co_medications_not_checked_together:
        names = words(", ".join(shown.get(d, d) for d in s.co_medications_not_checked_together))
        head += "; co-medications not checked against each other"
        lines.append(Line("Not checked together", f"{names}: the knowledge base records "
                          "interactions with antiseizure medications only, so none between "
                          "these drugs was checked: check them in a drug-interaction "
                          "reference", []))
    return Block("monitor", "Caution and monitoring", head, lines)


def _condition_line(name: str, drugs: list[str], unjudged: list[str], head: str
                    ) -> tuple[str, Line | None]:
    """A recorded condition that the knowledge base judges for some drugs only: the drugs in
    play it does not judge (``unjudged``) are named, not the whole list of those it does
    (review: a psychiatric history judged for 29 drugs listed them all); none unjudged among
    the drugs in play: no line."""
    if not drugs:
        return (f"{head}; {name} checked for no drug",
                Line("Condition not checked", f"{name}: the knowledge base judges it for no "
                     "drug, which is no proof that the drugs in play are safe with it: check "
                     "every drug in play against it in its label", []))
    if not unjudged:
        return head, None
    judged = listing(drugs) if len(drugs) <= 8 else f"{len(drugs)} antiseizure medications"
    return (f"{head}; {name} not checked for {words(listing(unjudged))}",
            Line("Condition checked in part", words(
                f"{name}: the knowledge base judges it for {judged} only, not for "
                f"{listing(unjudged)} among the drugs in play, which is no proof that "
                f"{'it is' if len(unjudged) == 1 else 'they are'} safe with it: check "
                f"{'its label' if len(unjudged) == 1 else 'their labels'} for it"), []))


def _dre(res: ConsultResult, s: Summary) -> Block:
    lines = [Line("Next", words(step.text), step.evidence, step.evidence_level)
             for step in s.next_steps]
    head = f"{STATUS_LABEL[s.dre_status]}: " + (
        res.dre.not_classified or plural(res.dre.failed_adequate_trials,
                                         "failed adequate trial"))
    dre = res.dre
    if dre.seizure_free_drug and \
            dre.current_seizure_free_months < dre.required_seizure_free_months:
        head += (f"; seizure-free {dre.current_seizure_free_months:g} of the "
                 f"{dre.required_seizure_free_months:g} months required on "
                 f"{dre.seizure_free_drug}")
    if s.risk:
        head += f"; {risk_line(s.risk)[0].lower()}{risk_line(s.risk)[1:]}"
    return Block("dre", "ILAE status", head, lines)


def _regimen(s: Summary) -> Block:
    top = s.top_regimen
    first = [Line("First", words(f.text), f.evidence, f.evidence_level) for f in s.first]
    if top is None:
        return Block("regimen", "Top regimen", "no regimen could be suggested", first)
    target = (f"; target {target_text(top.target_daily_mg, top.target_while)}"
              + (reached_text(top.target_from_week) if top.target_from_week else "")
              if top.target_daily_mg else "")
    kind = kind_text(top.kind, top.replacing)
    step = (top.first_step if top.first_step.startswith(f"{kind} ")  # "continue lamotrigine"
            else f"{kind}: {top.first_step}")
    kept = "".join(f"; {c}" for c in top.kept_changes or [])  # after the target (review T M7)
    line = Line(" + ".join(top.drugs), f"{step}{target}{kept}", top.evidence)
    cautions = [Line("Caution", words(c), []) for c in top.caveats or []]
    return Block("regimen", "Top regimen", " + ".join(top.drugs), [*first, line, *cautions])


# the heading of the drugs asked about by name that no regimen shown holds
NOT_SHOWN = "Asked about, not among these regimens"
# said where no regimen could be formed and the consult gives no reason of its own
# (``no_regimen``: it does whenever there is a candidate drug)
NO_REGIMEN = ("No regimen could be suggested: no candidate drug is usable for this patient "
              "(each lacks a labelled dose for this patient, has an 'avoid' flag or does not "
              "fit the seizure types: see Doses and Flags, and the advice).")


def _emergency(s: Summary) -> Block | None:
    """Status epilepticus: the pathway's first treatment, before everything else."""
    if not s.emergency:
        return None
    main, *rest = s.emergency
    head = first_sentence(main.text)
    lines = [Line("Treat now", words(main.text[len(head):].strip()), main.evidence,
                  main.evidence_level),
             *(Line("Already taking", words(step.text), step.evidence, step.evidence_level)
               for step in rest)]
    return Block("emergency", "Status epilepticus", words(head), lines)


def summary_blocks(res: ConsultResult) -> list[Block]:
    """The summary in its order: in status epilepticus the emergency first, then avoid,
    change dose, monitor, ILAE status, top regimen."""
    s = summary_of(res)
    first = _emergency(s)
    return [*([first] if first else []), _avoid(s), _doses(s), _monitor(s), _dre(res, s),
            _regimen(s)]
