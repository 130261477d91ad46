"""Ranked regimens, each with its reasoning: monotherapy first, combinations when they are due.

Which regimens are offered follows the treatment stage:

- no current ASM: **monotherapy** (first drug, or the next one after a failure);
- current ASM(s) and fewer than two failed adequate trials of appropriately chosen drugs
  (the trials the ILAE classification counts): **substitution** (another monotherapy
  replacing it) ranks first; an add-on is offered with the ``early_add_on`` penalty
  (monotherapy options are not yet exhausted), and with ``previous_inefficacy`` for each
  current drug it keeps whose adequate trial failed (unless the patient is seizure-free on
  the current drugs);
- drug-resistant epilepsy (ILAE) or two or more such failed trials: **add-on** to the
  current ASMs, or substitution; without a current ASM that may stay, **combination** of two
  new drugs;
- fewer than two failed adequate trials, and current ASM(s) with no trial recorded as
  failed or stopped for intolerance: **continue** those (check adherence, optimise the dose;
  a current drug that failed is withdrawn) ranks first, whatever its score, when they cover
  every seizure type of the patient, and no current drug added to them has failed an
  adequate trial (seizures continued on them); the other options follow for when seizures
  continue at an adequate dose (for a patient planning a pregnancy, a continued teratogen
  comes below the first option without one that covers her seizure types);
- a regimen that withdraws a current drug which has not failed and covers a seizure type the
  regimen leaves uncovered is marked down (``withdraws_coverage``), saying so;
- on two or more current ASMs, one whose adequate trial failed may be replaced while the
  others stay (an add-on in place of it);
- a current ASM the patient must avoid is replaced (substitution), never kept;
- a drug the guideline names only as add-on for all the patient's seizure types (or the
  syndrome), or whose labelled dose at the patient's age is for add-on use only, is never
  suggested alone, and a drug licensed only with another (stiripentol
  with clobazam) always comes with it; where the labels disagree on that condition
  (cannabidiol with clobazam: EU/UK and NICE, not the US), the drug comes with its partner
  and, marked down and saying why, without it.

Only drugs without an ``avoid`` flag and with a labelled maintenance dose for this patient are
used. Two drugs are "distinct mechanisms" only when their primary mechanisms act on different
targets (``vocabulary.mechanism_targets``); a drug acting on the target of a drug that already
failed an adequate trial is penalised. Scores use the weights in ``knowledgebase/regimens.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import pandas as pd

from advisor.dre import required_seizure_free_months
from advisor.inputs.patient import Patient, Trial
from advisor.knowledge import KnowledgeBase
from advisor.numbers import listing, number, phrase, plural, syndrome_phrase
from advisor.result import Dose
from advisor.rules import records
from advisor.schema import Drug
from advisor.schema.pathways import LicensedCombination
from advisor.transition import (
    flags_by_drug,
    overlap,
    reacted,
    slower_line,
    slower_than_taper,
    withdrawn_promptly,
)
from advisor.vocabulary import SEVERE_REACTIONS

IGNORED_TYPES = {"unknown", "status_epilepticus"}
NO_DOSE = ("no_labelled_dose", "no_maintenance", "not_recommended", "rescue",
           "rescue_outside_label")


@dataclass
class Regimen:
    drugs: list[str]
    mechanisms: list[str]
    mechanism_labels: list[str]
    score: float
    rationale: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    kind: str = "monotherapy"
    # warnings the summary shows with the regimen (a drug without the partner some labels
    # require); None: none
    caveats: list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def mechanism_label(kb: KnowledgeBase, drug: Drug) -> str:
    """The drug's primary mechanism in words."""
    return phrase(kb.vocabulary.mechanisms[drug.primary_mechanism])


def targets(kb: KnowledgeBase, drug: Drug) -> tuple[set[str], set[str]]:
    """(primary targets, all targets) of a drug; a drug with several mechanisms and none
    dominant has no primary target."""
    t = kb.vocabulary.mechanism_targets
    every = {t[m] for m in drug.mechanisms if m in t}
    primary = {t[drug.primary_mechanism]} if drug.primary_mechanism in t else set()
    return primary, every


MAY_BECOME_PREGNANT = ("female", "other", None)  # None: sex not given


def _childbearing(kb: KnowledgeBase, patient: Patient) -> bool:
    """A patient who may be of child-bearing potential: female (or of sex recorded as other,
    or not given) and in the knowledge base's age band, or of an age not given (which may be
    in it)."""
    band = kb.regimens.childbearing_potential_age_years
    return patient.sex in MAY_BECOME_PREGNANT and (
        patient.age_years is None or band.lo <= patient.age_years <= band.hi)


def _young_girl(kb: KnowledgeBase, patient: Patient) -> bool:
    """A girl (or a child of sex recorded as other, or not given) below the child-bearing
    age band, whom the guideline counts as able to have children when she is likely to need
    treatment by then (guideline_positions.yaml young_girls)."""
    band = kb.regimens.childbearing_potential_age_years
    return (kb.positions.young_girls is not None
            and patient.sex in MAY_BECOME_PREGNANT
            and patient.age_years is not None and patient.age_years < band.lo)


def _guideline_childbearing(kb: KnowledgeBase, patient: Patient) -> bool:
    """Whether the guideline's placements for women and girls able to have children apply."""
    return _childbearing(kb, patient) or _young_girl(kb, patient)


@dataclass
class _Terms:
    """Score contribution, reasons and sources of one drug or one pair of drugs."""

    score: float = 0.0
    rationale: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    # the patient's seizure types the drug may worsen (its aggravation flags)
    worsens: list[str] = field(default_factory=list)


def licensed_together(kb: KnowledgeBase, a: str, b: str, syndrome: str | None):
    """The licensed combination of ``a`` and ``b`` for this syndrome, if there is one."""
    return next((c for c in kb.licensed_by_drugs.get(frozenset((a, b)), ())
                 if syndrome in c.syndromes), None)


def _pair_terms(kb: KnowledgeBase, a: Drug, b: Drug, syndrome: str | None) -> _Terms:
    w = kb.regimens.weights
    t = _Terms()
    (pa, ea), (pb, eb) = targets(kb, a), targets(kb, b)
    licensed = licensed_together(kb, a.name, b.name, syndrome)
    if licensed is not None:
        t.rationale.append(f"Licensed combination: {licensed.note}")
        t.evidence += licensed.evidence.sources
    elif pa & pb:
        t.score += w.same_primary_mechanism
        t.warnings.append(f"{a.name} and {b.name} act on the same target "
                          f"({', '.join(sorted(pa & pb))}): not distinct mechanisms; "
                          "additive toxicity, little gain.")
    elif (pa & eb) or (pb & ea):
        t.score += w.overlapping_mechanism
        shared = sorted((pa & eb) | (pb & ea))
        t.warnings.append(f"{a.name} and {b.name} partly share a target "
                          f"({', '.join(shared)}).")
    else:
        t.score += w.distinct_mechanism
        t.rationale.append(f"Distinct mechanisms: {a.name} ({mechanism_label(kb, a)}) + "
                           f"{b.name} ({mechanism_label(kb, b)}).")
    shared = set(a.adverse_effects.tags) & set(b.adverse_effects.tags) & set(
        kb.regimens.shared_adverse_effect_tags)
    if shared:  # a licensed pair's overlap and interactions are part of its licensed use
        t.score += 0 if licensed else w.shared_adverse_effect * len(shared)
        effects = "; ".join(phrase(kb.vocabulary.adverse_effects[e]) for e in sorted(shared))
        t.warnings.append(f"Overlapping adverse effects of {a.name} and {b.name}: {effects}.")
    for syn in kb.regimens.synergies:
        if {a.name, b.name} == set(syn.drugs):
            t.score += w.synergy
            t.rationale.append(f"Documented synergy: {syn.note}")
            t.evidence += syn.evidence.sources
    for p, v in ((a.name, b.name), (b.name, a.name)):
        for inter in kb.interactions_between(p, v):
            t.score += 0 if licensed else w.interaction[inter.action]
            t.warnings.append(f"Interaction {p} -> {v}: {inter.effect.strip()} "
                              f"Management: {inter.management.strip()}")
            t.evidence += inter.evidence.sources
    return t


class _PairTerms(dict):
    """The terms of each pair of drugs (sorted names) a regimen has, made when first asked
    for: most pairs of the drugs involved are in no regimen."""

    def __init__(self, kb: KnowledgeBase, syndrome: str | None):
        super().__init__()
        self.kb, self.syndrome = kb, syndrome

    def __missing__(self, pair: tuple[str, str]) -> _Terms:
        terms = self[pair] = _pair_terms(self.kb, self.kb.drugs[pair[0]],
                                         self.kb.drugs[pair[1]], self.syndrome)
        return terms


def _failed(kb: KnowledgeBase, patient: Patient, trial: Trial) -> bool:
    """An adequate trial that failed for lack of efficacy, or whose seizures returned before
    the seizure freedom the ILAE counts as sustained (a relapse after it is a success
    followed by a new episode, as the classification says: review Q H1)."""
    if not trial.adequate or trial.outcome not in ("inefficacy", "relapse"):
        return False
    return trial.outcome == "inefficacy" or not _sustained(kb, patient, trial)


def _sustained(kb: KnowledgeBase, patient: Patient, trial: Trial) -> bool:
    """Whether the trial gave the seizure freedom the ILAE counts as sustained (it may have
    ended in a relapse since)."""
    return trial.outcome in ("seizure_free", "relapse") and (
        trial.seizure_free_months or 0) >= required_seizure_free_months(
            kb, patient.longest_pretreatment_interval_days)


def _failed_targets(kb: KnowledgeBase, patient: Patient) -> dict[str, str]:
    """Primary target -> a drug acting on it that failed an adequate trial for inefficacy."""
    out: dict[str, str] = {}
    for trial in patient.medication_history:
        if _failed(kb, patient, trial):
            for target in targets(kb, kb.drugs[trial.drug])[0]:
                out.setdefault(target, trial.drug)
    return out


def _stopped(kb: KnowledgeBase, patient: Patient) -> set[str]:
    """Drugs of the history that failed, relapsed before sustained seizure freedom, or were
    not tolerated."""
    return {t.drug for t in patient.medication_history
            if t.outcome in ("inefficacy", "intolerance")
            or (t.outcome == "relapse" and not _sustained(kb, patient, t))}


def _working_in_pregnancy(kb: KnowledgeBase, patient: Patient, drugs: list[str]) -> list[str]:
    """For a pregnant patient, the ``drugs`` that have not failed, nor been stopped for
    intolerance, and are not teratogenic (their dose is adjusted before any change)."""
    if patient.pregnancy != "pregnant":
        return []
    stopped = _stopped(kb, patient)
    return [d for d in drugs if d not in stopped
            and "teratogenic" not in kb.drugs[d].adverse_effects.tags]


def _teratogens_in_pregnancy(kb: KnowledgeBase, patient: Patient, drugs: list[str]
                             ) -> list[str]:
    """The teratogenic drugs among ``drugs``, for a pregnant patient (else none)."""
    return [d for d in drugs if patient.pregnancy == "pregnant"
            and "teratogenic" in kb.drugs[d].adverse_effects.tags]


def _teratogen_switch(kb: KnowledgeBase, patient: Patient, withdrawn: list[str]) -> str | None:
    """For a pregnant patient, that a switch from a teratogenic drug she takes is her
    specialist's decision (review S H1: valproate tapered over 3-6 weeks as a routine plan
    for a woman 10 weeks pregnant), else None."""
    teratogens = _teratogens_in_pregnancy(kb, patient, withdrawn)
    if not teratogens:
        return None
    names = listing(teratogens)
    return (f"Pregnant: a switch from {names} is her specialist's decision after urgent "
            f"review, not a routine plan; never stop {names} abruptly (see its flag).")


def _pregnancy_change(kb: KnowledgeBase, patient: Patient, reg: Regimen,
                      withdrawn: list[str], kept: list[str]) -> None:
    """A pregnant patient switching from a working drug (see _working_in_pregnancy), marked
    down, or adding a drug to one: says to adjust its dose first."""
    if text := _teratogen_switch(kb, patient, withdrawn):
        reg.warnings.append(text)
    kept_teratogens = _teratogens_in_pregnancy(kb, patient, kept)
    if reg.kind == "add-on" and kept_teratogens:  # review T M3: valproate + lamotrigine
        names = listing(kept_teratogens)
        reg.warnings.append(f"Pregnant: adding a drug to {names} exposes the baby to both; "
                            f"whether {names} continues, and with what, is her specialist's "
                            "decision after urgent review (see its flag).")
    switched = _working_in_pregnancy(kb, patient, withdrawn)
    added_to = _working_in_pregnancy(kb, patient, kept) if reg.kind == "add-on" else []
    if not switched and not added_to:
        return
    policy = kb.regimens.pregnancy_switch
    reading = f"(the advisor's reading of its sources; evidence {policy.level})."
    if switched:
        reg.score += kb.regimens.weights.switch_in_pregnancy * len(switched)
        reg.warnings.append(f"Switching from {listing(switched)} during pregnancy, although "
                            + ("it has not failed and is not a known teratogen"
                               if len(switched) == 1 else
                               "none of them has failed or is a known teratogen")
                            + ": levels fall in "
                            "pregnancy, so measure the level against her baseline and adjust the "
                            "dose first; a switch also means two drugs during the cross-over "
                            + reading)
    if added_to:
        reg.warnings.append("Adding a drug during pregnancy, although "
                            + (f"{added_to[0]} has not failed" if len(added_to) == 1 else
                               f"neither {' nor '.join(added_to)} has failed" if
                               len(added_to) == 2 else f"none of {listing(added_to)} has failed")
                            + ": levels fall in pregnancy, so measure the level against "
                            "her baseline and adjust the dose first; a second drug adds exposure "
                            "to the baby " + reading)
    reg.evidence = list(dict.fromkeys([*reg.evidence, *policy.sources]))


def _teratogen_terms(kb: KnowledgeBase, patient: Patient, drug: Drug, childbearing: bool,
                     t: _Terms) -> None:
    """A teratogenic drug for a pregnant patient, one planning pregnancy, or one who may be
    of child-bearing potential."""
    w = kb.regimens.weights
    if "teratogenic" not in drug.adverse_effects.tags:
        return
    if patient.pregnancy in ("pregnant", "planning"):
        t.score += w.teratogenic_in_pregnancy
        state = "pregnant" if patient.pregnancy == "pregnant" else "planning a pregnancy"
        taken = patient.pregnancy == "pregnant" and drug.name in patient.current_medications
        t.warnings.append(f"{drug.name} is teratogenic and the patient is {state}: " + (
            "whether to change it is her specialist's decision after urgent review."
            if taken else "prefer an alternative; discuss with the patient."))
    elif childbearing and _young_girl(kb, patient):
        t.score += w.teratogenic_in_childbearing_potential
        who = {"female": "she may need treatment when she is old enough to have children",
               None: "the child's sex is not given (confirm it): a girl may need treatment "
                     "when she is old enough to have children",
               }.get(patient.sex, "the child may need treatment when old enough to have "
                                  "children")
        with_whom = "her and her carers" if patient.sex == "female" else "the child and carers"
        t.warnings.append(f"{drug.name} is teratogenic, and {who}: prefer alternatives that "
                          "do not carry this risk, or plan counselling and contraception with "
                          f"{with_whom}.")
    elif childbearing:
        t.score += w.teratogenic_in_childbearing_potential
        t.warnings.append(f"{drug.name} is teratogenic; the patient may be of child-bearing "
                          "potential: prefer alternatives, or counsel and ensure effective "
                          "contraception.")
    else:
        return
    t.evidence += kb.regimens.teratogenic_policy.sources


def _history_terms(kb: KnowledgeBase, patient: Patient, drug: Drug, t: _Terms) -> None:
    """Earlier trials of this drug, and failed trials of drugs on its primary target."""
    w = kb.regimens.weights
    made_into = drug.converted_to.drugs if drug.converted_to else []
    for trial in patient.medication_history:
        if trial.drug in made_into and _failed(kb, patient, trial):
            t.score += w.previous_inefficacy
            t.warnings.append(f"{drug.name} is converted to {trial.drug}, which already failed "
                              "an adequate trial.")
            t.evidence += drug.converted_to.evidence.sources
            continue
        if trial.drug != drug.name:
            continue
        if trial.outcome == "intolerance":
            t.score += w.previous_intolerance
            t.warnings.append(f"{trial.drug} was stopped for intolerance"
                              + (f" ({trial.note})" if trial.note else "") + ".")
        elif _failed(kb, patient, trial):
            t.score += w.previous_inefficacy
            t.warnings.append(f"{trial.drug} already failed an adequate trial.")
    failed = _failed_targets(kb, patient)
    for target in targets(kb, drug)[0]:
        other = failed.get(target)
        if other and other != drug.name \
                and not licensed_together(kb, drug.name, other, patient.syndrome):
            t.score += w.previous_target_inefficacy
            t.warnings.append(f"{drug.name} acts on the same target ({target}) as {other}, "
                              "which already failed an adequate trial for lack of efficacy.")


def _worsened(kb: KnowledgeBase, patient: Patient, drug: Drug,
              flags: list[dict[str, Any]]) -> list[str]:
    """The patient's seizure types that an aggravation flag of ``drug`` names."""
    out: list[str] = []
    for flag in flags:
        head, _, index = str(flag.get("rule") or "").rpartition(":aggravates:")
        if head == f"drug:{drug.name}" and index.isdigit() \
                and int(index) < len(drug.aggravates):
            out += [t for t in drug.aggravates[int(index)].seizure_types
                    if t in patient.seizure_types and t not in out]
    return out


def _drug_terms(kb: KnowledgeBase, patient: Patient, drug: Drug,
                flags: list[dict[str, Any]], childbearing: bool, alone: bool = False
                ) -> _Terms:
    """What one drug brings to any regimen for this patient (flags, history, restrictions);
    ``alone``: to a regimen of this drug alone (its monotherapy place in the guideline)."""
    w = kb.regimens.weights
    t = _Terms(worsens=_worsened(kb, patient, drug, flags))
    for flag in flags:
        if flag.get("interacting_drug") not in kb.short_course_comedications:
            t.score += w.flag[flag["action"]]
            if flag["action"] == "use_with_caution" and flag["severity"] == "high" \
                    and drug.name not in patient.current_medications:  # weighed at its start
                t.score += w.high_severity_caution
        if flag["action"] != "info":
            t.warnings.append(f"{flag['drug']}: {flag['action'].replace('_', ' ')} "
                              f"({flag['category']}) - {flag['message']}")
            t.evidence += flag["evidence"].split(";")
    _teratogen_terms(kb, patient, drug, childbearing, t)
    if drug.name in patient.current_medications:
        # already taken: its history and restrictions are not news, except that its last
        # trial ended for intolerance (a regimen that keeps it keeps what was not tolerated)
        last = _last_trials(patient).get(drug.name)
        if last is not None and last.outcome == "intolerance":
            t.score += w.previous_intolerance
            t.warnings.append(f"{drug.name} is listed as taken, but its trial is recorded as "
                              "stopped for intolerance"
                              + (f" ({last.note})" if last.note else "")
                              + ": a regimen that keeps it keeps what was not tolerated.")
        return t
    _history_terms(kb, patient, drug, t)
    if not any(trial.drug == drug.name and _failed(kb, patient, trial)
               for trial in patient.medication_history):
        _position_terms(kb, patient, drug, t, alone)  # a failed drug's step is behind
    if _restricted(patient, drug):
        t.score += w.restricted_use
        t.warnings.append(f"{drug.name}: restricted use - {drug.restricted_use.note}")
        t.evidence += drug.restricted_use.evidence.sources
    return t


def _position_terms(kb: KnowledgeBase, patient: Patient, drug: Drug, t: _Terms,
                    alone: bool = False) -> None:
    """Where the guideline places the drug for this patient (a syndrome's entry weighs
    more; ``alone``: as monotherapy), or that the syndrome's entry or the seizure types'
    entries do not name it (scored)."""
    w = kb.regimens.weights
    entry = _governing(kb, patient)
    best = _guideline_position(kb, patient, drug.name, alone)
    if best:
        position, target, sources, from_age, source = best
        weights = (w.syndrome_guideline_position if entry and w.syndrome_guideline_position
                   else w.guideline_position)
        t.score += weights.get(position, w.guideline_position.get(position, 0))
        tier = _add_on_tier(kb, patient, drug.name) if position == "adjunctive" else None
        if tier:
            t.score += w.later_add_on.get(tier, 0)
        placed = (f"a {tier.replace('_', '-')} add-on" if tier
                  else "third-line monotherapy" if position == "third_line"
                  else position.replace("_", "-"))
        t.rationale.append(f"{source}: {drug.name} is {placed} for {target}" + (
                               "." if from_age is None else
                               f" from {number(from_age)} years of age; this patient is "
                               "younger, so the placement is extrapolated (check the product "
                               "licence)."))
        t.evidence += sources
    elif held := _held_back(kb, patient, drug.name):
        t.warnings.append(f"{kb.positions.guideline} does not place {drug.name} for women and "
                          f"girls able to have children ({_names(kb, held)}): only if other "
                          "options are ineffective or not tolerated, with the risks discussed "
                          "and pregnancy prevention in place."
                          + _young_girl_text(kb, patient, drug.name))
        t.evidence += [s for p in held for s in p.evidence.sources]
    elif rejected := [p for p in _applicable_positions(kb, patient)
                      if drug.name in p.not_recommended]:
        t.score += w.not_recommended
        t.warnings.append(f"{kb.positions.guideline} no longer recommends {drug.name} for "
                          f"{_names(kb, rejected)}.")
        t.evidence += [s for p in rejected for s in p.evidence.sources]
    elif entry:
        t.score += w.not_named_for_syndrome
        t.warnings.append(f"{kb.positions.source(entry)} does not name {drug.name} for "
                          f"{_name(kb, entry)}: the options it names rank first.")
        t.evidence += entry.evidence.sources
    elif placing := _applicable_positions(kb, patient):  # seizure-type entries
        # a drug whose label names the patient's syndrome is not outside every sequence
        # (ganaxolone in CDKL5 deficiency, cannabidiol in tuberous sclerosis: review T M5)
        licensed = patient.syndrome is not None and patient.syndrome in drug.spectrum.syndromes
        if not licensed:
            t.score += w.not_named_for_seizure_types
        t.warnings.append(f"{kb.positions.guideline} does not name {drug.name} for "
                          f"{_names(kb, placing)}: it is an option outside the guideline's "
                          + (f"sequence, whose label names "
                             f"{syndrome_phrase(kb.vocabulary.syndromes[patient.syndrome])}."
                             if licensed else
                             "sequence, marked down against the options it names."))
        t.evidence += [s for p in placing for s in p.evidence.sources]
        for p in placing:
            if p.may_exacerbate and drug.name in p.may_exacerbate.drugs:
                t.score += w.may_exacerbate
                t.warnings.append(f"{kb.positions.guideline} warns that {drug.name} may "
                                  f"exacerbate {p.may_exacerbate.seizures}, which can go with "
                                  f"{_name(kb, p)}.")


def _add_on_tier(kb: KnowledgeBase, patient: Patient, drug: str) -> str | None:
    """'first_line', 'second_line' or 'third_line': the earliest add-on tier of ``drug``
    among the patient's entries that place it as an add-on, when all of them rank their
    add-ons (later_add_on), else None."""
    tiers = [p.add_on_tier(drug) or ("first_line" if p.later_add_on else None)
             for p in _applicable_positions(kb, patient) if drug in p.adjunctive]
    if not tiers or not all(tiers):
        return None
    return min(tiers, key=("first_line", "second_line", "third_line").index)


def _without_unnamed_substitutions(kb: KnowledgeBase, patient: Patient, kept: list[str],
                                   options: list[tuple[list[str], str]], *,
                                   add_on_next: bool = False) -> list[tuple[list[str], str]]:
    """The options without substitutions, for drugs the governing entry (a syndrome's, or
    neonatal seizures') does not name, that withdraw a drug it places first line which has
    not failed nor been stopped for intolerance, or (``add_on_next``: the syndrome's next
    step is add-on treatment, e.g. Dravet syndrome after valproate) any current drug."""
    entry = _governing(kb, patient)
    stopped = _stopped(kb, patient)
    if entry is None or not (add_on_next or any(d in entry.first_line and d not in stopped
                                                for d in kept)):
        return options
    return [(drugs, kind) for drugs, kind in options
            if kind != "substitution" or set(drugs) & set(entry.named)]


def _keeping_the_base(kb: KnowledgeBase, patient: Patient, kept: list[str],
                      options: list[tuple[list[str], str]]) -> list[tuple[list[str], str]]:
    """The options that keep every current drug the syndrome's guideline adds to when it
    fails (valproate in Dravet syndrome: NG217 6.1.4, 'add stiripentol and clobazam'), when
    any option does: not 'clobazam + stiripentol in place of valproate' (review Y H1). A
    drug with an 'avoid' flag is not kept, so a reason of its own still withdraws it."""
    entry = kb.positions.for_syndrome(patient.syndrome)
    base = set(entry.added_to_when_failed if entry else ()) & set(kept)
    keeping = [(drugs, kind) for drugs, kind in options if base <= set(drugs)]
    return keeping if base and keeping else options


def _mark_kept_base(kb: KnowledgeBase, patient: Patient, failed: Collection[str],
                    regimens: list[Regimen]) -> None:
    """Say why a regimen keeps a failed drug the syndrome's guideline adds to (see
    :func:`_keeping_the_base`)."""
    entry = kb.positions.for_syndrome(patient.syndrome)
    for base in (d for d in (entry.added_to_when_failed if entry else ()) if d in failed):
        why = (f"{kb.positions.source(entry)}: in {_name(kb, entry)} the next drugs are added "
               f"to {base} when it fails, not given in place of it, so {base} is kept.")
        for reg in regimens:
            if base in reg.drugs and reg.kind != "continue":
                reg.rationale.append(why)
                reg.evidence = list(dict.fromkeys([*reg.evidence, *entry.evidence.sources]))


def _governing(kb: KnowledgeBase, patient: Patient) -> Any:
    """The entry that replaces the seizure types' entries (see PositionsFile.governing)."""
    return kb.positions.governing(patient.syndrome, patient.seizure_types)


def _applicable_positions(kb: KnowledgeBase, patient: Patient) -> list[Any]:
    """The guideline entries for the patient: the syndrome's, where the guideline gives one
    (syndrome-specific advice replaces seizure-type advice), or a replacing seizure type's
    (neonatal seizures), else its seizure types'."""
    entry = _governing(kb, patient)
    return [entry] if entry else [p for p in kb.positions.positions
                           if p.seizure_type in patient.seizure_types]


def _name(kb: KnowledgeBase, pos: Any) -> str:
    """What a guideline entry is for, in words: its syndrome, or its seizure type."""
    return (syndrome_phrase(kb.vocabulary.syndromes[pos.syndrome]) if pos.syndrome
            else kb.vocabulary.seizure_types[pos.seizure_type].lower())


def _names(kb: KnowledgeBase, positions: list[Any]) -> str:
    return ", ".join(_name(kb, p) for p in positions)


def _held_back(kb: KnowledgeBase, patient: Patient, drug: str) -> list[Any]:
    """The patient's guideline entries that name ``drug`` but do not place it for women and
    girls able to have children, when the patient is one."""
    if not _guideline_childbearing(kb, patient):
        return []
    return [p for p in _applicable_positions(kb, patient)
            if drug in p.not_in_childbearing_potential and drug in p.named]


def _young_girl_text(kb: KnowledgeBase, patient: Patient, drug: str) -> str:
    """Why a young girl is counted as able to have children, and the exception."""
    young = kb.positions.young_girls
    if young is None or not _young_girl(kb, patient):
        return ""
    text = (" The guideline counts young girls likely to need treatment when they are old "
            "enough to have children among them")
    if patient.age_years is not None and patient.age_years < young.exception_under_age_years:
        return (f"{text}; it offers {drug} first-line to a girl under "
                f"{number(young.exception_under_age_years)} only if she is unlikely to need "
                "treatment by then (the prescriber's judgement).")
    return f"{text}."


def _guideline_position(kb: KnowledgeBase, patient: Patient, drug: str, alone: bool = False):
    """The drug's best guideline position for the patient's seizure types or syndrome (none
    from an entry that does not place it for women and girls able to have children, for
    such a patient); ``alone``: a third-line monotherapy place counts before an add-on one
    (review S M2: lacosamide alone was ranked as NICE's first-line add-on)."""
    best = None
    childbearing = _guideline_childbearing(kb, patient)
    order = ("first_line", "second_line", *(("third_line",) if alone else ()), "adjunctive")
    for pos in _applicable_positions(kb, patient):
        if childbearing and drug in pos.not_in_childbearing_potential:
            continue
        appraisal = pos.appraised.get(drug)
        for position in order:
            if drug in getattr(pos, position) or (appraisal and position == "adjunctive"):
                rank = order.index(position)
                if best is None or rank < best[0]:
                    best = (rank, position, _name(kb, pos),
                            [appraisal] if appraisal else pos.evidence.sources,
                            pos.too_young(drug, patient.age_years),
                            appraisal or kb.positions.source(pos))
                break
    return best[1:] if best else None


def _withdrawal_warnings(kb: KnowledgeBase, patient: Patient, withdrawn: list[str]
                         ) -> list[str]:
    """What a regimen that withdraws current drugs requires: a taper, or, after SJS/TEN or
    DRESS recorded to the drug, stopping it now (the plan says so; review X M1)."""
    severe = [d for d, r in reacted(kb, patient, withdrawn).items() if r in SEVERE_REACTIONS]
    tapered = [d for d in withdrawn if d not in severe]
    out = [f"Requires withdrawing {', '.join(tapered)} (taper; see the transition plan)."
           ] if tapered else []
    if severe:
        out.append(f"Requires stopping {', '.join(severe)} now, not tapered (see the "
                   "transition plan).")
    return out


def _regimen(kb: KnowledgeBase, patient: Patient, drugs: list[str], kind: str,
             per_drug: dict[str, _Terms], per_pair: dict[tuple[str, str], _Terms],
             avoided: Collection[str] = (), per_alone: dict[str, _Terms] | None = None
             ) -> Regimen:
    """One regimen scored (``per_alone``: a drug's terms when it is given alone, where its
    guideline place as monotherapy differs)."""
    w = kb.regimens.weights
    if len(drugs) == 1 and per_alone and drugs[0] in per_alone:
        per_drug = {**per_drug, drugs[0]: per_alone[drugs[0]]}
    items = [kb.drugs[d] for d in drugs]
    reg = Regimen(drugs=drugs, mechanisms=[d.primary_mechanism for d in items],
                  mechanism_labels=[mechanism_label(kb, d) for d in items], score=w.base,
                  kind=kind)
    current = kb.maintenance_asms(patient.current_medications, patient.rescue_medications)
    # Pairs of drugs the patient already takes together are not part of the decision.
    parts = [per_pair[tuple(sorted(pair))] for pair in combinations(drugs, 2)
             if not set(pair) <= set(current)]
    withdrawn = [d for d in current if d not in drugs]
    if withdrawn:
        reg.score += w.withdraw_current * len(withdrawn)
        reg.warnings += _withdrawal_warnings(kb, patient, withdrawn)
    _pregnancy_change(kb, patient, reg, withdrawn, [d for d in current if d in drugs])
    covered, uncovered = _coverage(kb, patient, drugs)
    reg.score += w.per_covered_seizure_type * len(covered)
    reg.score += w.per_uncovered_seizure_type * len(uncovered)
    _coverage_lost(kb, patient, reg, withdrawn, uncovered, avoided)
    reg.score += w.per_drug * len(drugs)
    limit = kb.regimens.more_than_two_drugs
    if limit and (extra := _beyond_two(kb, patient, drugs, current)):
        reg.score += w.beyond_two_drugs * extra
        reg.warnings.append(limit.text)
        reg.evidence += limit.evidence.sources
    for t in [*parts, *(per_drug[d] for d in drugs)]:
        reg.rationale += t.rationale
    if covered:
        worse = {t: [d for d in drugs if t in per_drug[d].worsens] for t in covered}
        reg.rationale.append("Covers the patient's seizure types: " + ", ".join(
            kb.seizure_type_words(t) + (f" ({listing(worse[t])} may worsen them: see the flag)"
                                        if worse[t] else "") for t in covered) + ".")
    if uncovered:
        reg.warnings.append("Does not cover: "
                            f"{', '.join(kb.seizure_type_words(t) for t in uncovered)}"
                            f"{_add_on_only_words(kb, drugs, uncovered)}.")
    for t in [*parts, *(per_drug[d] for d in drugs)]:
        reg.score += t.score
        reg.warnings += t.warnings
        reg.evidence += t.evidence
    reg.score = round(reg.score, 1)
    reg.evidence = list(dict.fromkeys(reg.evidence))
    return reg


def _add_on_only_words(kb: KnowledgeBase, drugs: list[str], uncovered: list[str]) -> str:
    """For a drug alone, the uncovered seizure types its label gives it for as add-on only
    (review Z08), in words to follow 'Does not cover: ...'; else nothing."""
    if len(drugs) != 1:
        return ""
    types = [t for t in uncovered if t in kb.drugs[drugs[0]].dosing.add_on_only_types]
    if not types:
        return ""
    which = ("them" if types == uncovered
             else listing([kb.seizure_type_words(t) for t in types]))
    return f" (the label gives {drugs[0]} for {which} as add-on therapy only, not alone)"


def _beyond_two(kb: KnowledgeBase, patient: Patient, drugs: list[str], current: list[str]
                ) -> int:
    """How many ASMs beyond two a regimen that starts a drug holds; none when every drug it
    starts is named for the patient's syndrome by the syndrome's guideline entry (its
    explicit add-on sequence, as in Dravet or Lennox-Gastaut syndrome, outranks the one
    study) or by its own label (cannabidiol in tuberous sclerosis; review V M2)."""
    started = set(drugs) - set(current)
    entry = kb.positions.for_syndrome(patient.syndrome)
    named = set(entry.named) if entry else set()
    if not started or (patient.syndrome is not None and all(
            d in named or patient.syndrome in kb.drugs[d].spectrum.syndromes
            for d in started)):
        return 0
    return max(0, len(drugs) - 2)


def _coverage(kb: KnowledgeBase, patient: Patient, drugs: list[str]
              ) -> tuple[list[str], list[str]]:
    """The patient's seizure types that ``drugs`` treat (:func:`_covers`; a drug started
    alone: not the types its label gives it for as add-on only), and those they do not."""
    wanted = [t for t in patient.seizure_types if t not in IGNORED_TYPES]
    # a drug started alone, not one the patient already takes alone (continuing it is judged
    # by its response: vigabatrin in tuberous sclerosis, review V H4), nor one the guideline
    # places first line for another of the patient's seizure types or the syndrome, given
    # alone for that (vigabatrin for spasms with focal seizures: review AB R1)
    alone = len(drugs) == 1 and drugs[0] not in patient.current_medications \
        and not _first_line_for_patient(kb, patient, drugs[0])
    covered = [t for t in wanted if any(_covers(kb, patient, d, t, alone) for d in drugs)]
    return covered, [t for t in wanted if t not in covered]


def _first_line_for_patient(kb: KnowledgeBase, patient: Patient, drug: str) -> bool:
    """Whether the guideline places ``drug`` first line for one of the patient's seizure
    types or the patient's syndrome."""
    return any(drug in p.first_line and (p.seizure_type in patient.seizure_types
                                         or (p.syndrome and p.syndrome == patient.syndrome))
               for p in kb.positions.positions)


def _covers(kb: KnowledgeBase, patient: Patient, drug: str, seizure_type: str,
            alone: bool = False) -> bool:
    """Whether ``drug`` treats this seizure type of the patient: by its spectrum (``alone``:
    not a type its label gives it for as add-on only, as lacosamide for primary generalized
    tonic-clonic seizures; review Z08); or, in the patient's syndrome, as a drug the
    guideline places first line for it (levetiracetam in juvenile myoclonic epilepsy, with
    its absences) or names for it and whose label names the syndrome (clobazam in
    Lennox-Gastaut syndrome). A drug the guideline does not name for the syndrome
    (clonazepam in Lennox-Gastaut syndrome, review P), or names only later without a label
    for it (levetiracetam for infantile spasms), treats only its own seizure types."""
    spectrum = kb.drugs[drug].spectrum
    if spectrum.covers(seizure_type, patient.syndrome) and not (
            alone and seizure_type in kb.drugs[drug].dosing.add_on_only_types):
        return True
    others = [t for t in patient.seizure_types if t != seizure_type and t not in IGNORED_TYPES]
    if others and any(p.seizure_type == seizure_type and drug in p.treats_with_other_types
                      for p in kb.positions.positions):
        return True
    entry = kb.positions.for_syndrome(patient.syndrome)
    return bool(entry) and (drug in entry.first_line or (
        drug in entry.named and patient.syndrome in spectrum.syndromes))


def _coverage_lost(kb: KnowledgeBase, patient: Patient, reg: Regimen, withdrawn: list[str],
                   uncovered: list[str], avoided: Collection[str]) -> None:
    """Mark down and say so when the regimen leaves a seizure type untreated
    (``uncovered``) that a current drug it withdraws treats, which has not failed, was not
    stopped for intolerance and has no 'avoid' flag (the patient would lose its treatment);
    one sentence per set of drugs."""
    ended = _ended(kb, patient)
    lost: dict[tuple[str, ...], list[str]] = {}
    for t in uncovered:
        by = tuple(d for d in withdrawn if d not in ended and d not in avoided
                   and _covers(kb, patient, d, t))
        if by:
            lost.setdefault(by, []).append(t)
    for by, types in lost.items():
        reg.score += kb.regimens.weights.withdraws_coverage * len(types)
        names = [kb.seizure_type_words(t) for t in types]
        reg.warnings.append(
            f"Withdraws {listing(list(by))}, which {'treats' if len(by) == 1 else 'treat'} "
            f"{listing(names)} and {'has' if len(by) == 1 else 'have'} not failed: this "
            "regimen leaves them untreated.")


def _restricted(patient: Patient, drug: Drug) -> bool:
    """Whether the label restricts ``drug`` to patients who failed alternatives, for this
    patient (not when the patient has a seizure type or syndrome the restriction excepts)."""
    rule = drug.restricted_use
    if rule is None:
        return False
    spared = rule.except_for
    return spared is None or not spared.applies_to(patient.seizure_types, patient.syndrome)


def add_on_only(kb: KnowledgeBase, patient: Patient, drug: str) -> bool:
    """Whether the guideline names ``drug`` only as add-on treatment for this patient: in
    the syndrome's entry, or else in the entry of every seizure type that places it."""
    placing = [p for p in _applicable_positions(kb, patient)
               if drug in p.named]
    return bool(placing) and all(drug in p.add_on_only for p in placing)


def _mark_outside_governing(kb: KnowledgeBase, patient: Patient, current: list[str],
                            regimens: list[Regimen]) -> None:
    """When no regimen starts a drug the governing entry (a syndrome's, or neonatal
    seizures') names, every regimen shown is outside its sequence: say so."""
    entry = _governing(kb, patient)
    offered = {d for reg in regimens for d in reg.drugs} - set(current)
    if entry is None or not regimens or offered & set(entry.named):
        return
    for reg in regimens:
        reg.warnings.append(f"No drug that {kb.positions.source(entry)} names for "
                            f"{_name(kb, entry)} can be started for this patient (taken, "
                            "ruled out, or without a labelled dose at this age and weight): "
                            "this regimen is outside its sequence; seek specialist advice.")
        reg.evidence = list(dict.fromkeys([*reg.evidence, *entry.evidence.sources]))


def _sole_agent_combinations(kb: KnowledgeBase, patient: Patient, current: list[str],
                             regimens: list[Regimen]) -> list[Regimen]:
    """The regimens without those that start, beside other ASMs, a drug the label wants given
    alone at the patient's age (valproate under 2 years; review K H2); a combination that
    keeps it, already taken, is marked down with the reason. The drug's single-drug regimen
    says why it is not offered with others."""
    age = patient.age_years
    out = regimens
    for entry in kb.regimens.sole_agent:
        if age is None or not entry.age_years.contains(age):
            continue
        out = [r for r in out if not (entry.drug in r.drugs and len(r.drugs) > 1
                                      and entry.drug not in current)]
        for reg in out:
            if entry.drug not in reg.drugs:
                continue
            reg.evidence = list(dict.fromkeys([*reg.evidence, *entry.evidence.sources]))
            if len(reg.drugs) > 1:
                reg.score = round(reg.score + kb.regimens.weights.sole_agent_combination, 1)
                reg.warnings.append(f"{entry.drug} with other ASMs: {entry.note} Only on a "
                                    "specialist's benefit-risk judgement.")
            elif entry.drug not in current:
                reg.rationale.append(f"{entry.drug} is offered alone only: {entry.note}")
    return out


def _partners(kb: KnowledgeBase, syndrome: str | None, required: bool | str
              ) -> dict[str, LicensedCombination]:
    """Drugs licensed together with another for this syndrome with this
    ``first_only_with_second`` (True: only with it; "contested": labels disagree): drug ->
    its licensed combination (the partner is ``drugs[1]``)."""
    return {c.drugs[0]: c for c in kb.regimens.licensed_combinations
            if c.first_only_with_second == required and syndrome in c.syndromes}


def _options(kept: list[str], usable: list[str], combination_due: bool, taking: bool,
             alone: set[str], partners: dict[str, str], optional: dict[str, str],
             failed: list[str] = (), stands: Callable[[list[str]], bool] = bool
             ) -> list[tuple[list[str], str]]:
    """The regimens the treatment stage calls for (see the module docstring); ``kept``: the
    current ASMs that may stay, ``taking``: the patient takes an ASM (kept or not);
    ``alone``: the usable drugs that may be given alone; ``partners``: drug -> the drug it is
    licensed only with (added to its regimen; without it usable, the regimen is dropped);
    ``optional``: drug -> the partner some labels require (the regimen is kept, and offered
    with the partner added too when it is usable); ``failed``: drugs whose adequate trial
    failed: on two or more current drugs, one that failed may be withdrawn while the others
    stay, alone (when ``stands`` says they may) or with a new drug (review K H4, L H4: only
    'keep all and add' or 'replace all' were offered)."""
    options: list[tuple[list[str], str]] = []
    single = "substitution" if taking else "monotherapy"
    options += [([d], single) for d in usable if d in alone]
    if kept:
        options += [([*kept, d], "add-on") for d in usable]
        for gone in (d for d in kept if d in failed and len(kept) > 1):
            rest = [d for d in kept if d != gone]
            # not a return to drugs that all failed (review Z R1: valproate alone in Dravet)
            options += [*([(rest, "continue")] if stands(rest) and set(rest) - set(failed)
                          else []),
                        *(([*rest, d], "add-on") for d in usable)]
    elif combination_due:
        options += [(list(pair), "combination") for pair in combinations(usable, 2)]
    complete, seen = [], set()
    for drugs, kind in options:
        needed = [partners[d] for d in drugs if d in partners and partners[d] not in drugs]
        if any(p not in usable for p in needed):
            continue
        full = _with_partners(drugs, partners)
        extra = {d: optional[d] for d in full if d in optional and optional[d] not in full
                 and optional[d] in usable}
        for regimen in (full, _with_partners(full, extra)):
            if frozenset(regimen) not in seen:
                seen.add(frozenset(regimen))
                complete.append((regimen, kind))
    return complete


# why a candidate is not used (see :func:`_unusable`), for one drug and for several
UNUSABLE = {
    "avoid": ("has an 'avoid' flag", "have an 'avoid' flag"),
    "failed now": ("is taken now and its adequate trial failed",
                   "are taken now and their adequate trials failed"),
    "taken now": ("is taken now", "are taken now"),
    "short-term": ("is for short-term use only", "are for short-term use only"),
    "no maintenance": ("has no maintenance dose in the knowledge base",
                       "have no maintenance dose in the knowledge base"),
    "no dose": ("has no labelled dose for this patient (see Doses)",
                "have no labelled dose for this patient (see Doses)"),
    "restricted": ("is kept by its label for patients whose alternatives failed, and no "
                   "adequate trial has failed yet",
                   "are kept by their labels for patients whose alternatives failed, and no "
                   "adequate trial has failed yet"),
}


def _unusable(kb: KnowledgeBase, patient: Patient, drug: str, avoided: set[str],
              current: list[str], failed: set[str], dose_status: dict[str, str],
              counted_failures: int) -> str | None:
    """Why a candidate is not used in a new regimen for this patient (a key of
    :data:`UNUSABLE`), or None: it is used. A drug the label keeps for patients whose
    alternatives failed waits for a failure."""
    if drug in avoided:
        return "avoid"
    if drug in current:
        return "failed now" if drug in failed else "taken now"
    if drug in kb.short_term_asms:
        return "short-term"
    if not kb.drugs[drug].dosing.maintenance:
        return "no maintenance"
    status = dose_status.get(drug)
    if status in NO_DOSE and not _named_unlabelled(kb, patient, drug, status):
        return "no dose"
    if not counted_failures and _restricted(patient, kb.drugs[drug]):
        return "restricted"
    return None


def _why_none(kb: KnowledgeBase, patient: Patient, why_none: list[str] | None,
              options: list[tuple[list[str], str]], formed: list[tuple[list[str], str]],
              usable: list[str], alone: set[str], avoided_current: list[str], due: bool,
              failures: int, unusable: dict[str, str]) -> None:
    """Say in ``why_none`` why no option was formed (``options`` empty): when no candidate
    is usable, why each is not (``unusable``: drug -> key of :data:`UNUSABLE`); when
    ``usable`` drugs have a labelled dose and no 'avoid' flag, that the options ``formed``
    (drugs alone) are not named by the guideline entry that governs, the other drugs are not
    given alone, and nothing they would be added to may stay."""
    if why_none is None or options:
        return
    if not usable:
        why_none += _why_unusable(unusable)
        return
    why_none += _why_no_option(kb, patient, usable, alone,
                               list(dict.fromkeys(d for drugs, _ in formed for d in drugs)),
                               avoided_current, due, failures)


def _why_no_option(kb: KnowledgeBase, patient: Patient, usable: list[str], alone: set[str],
                   unnamed: list[str], avoided_current: list[str], due: bool,
                   failures: int) -> list[str]:
    """The text of :func:`_why_none` (none when neither reason applies)."""
    def verb(drugs: list[str], one: str, more: str) -> str:
        return one if len(drugs) == 1 else more

    parts = []
    if unnamed:
        entry = _governing(kb, patient)
        parts.append(f"{listing(unnamed)} alone {verb(unnamed, 'is', 'are')} not among the "
                     f"drugs the guideline names for {_name(kb, entry)}")
    with_others = [d for d in usable if d not in alone]
    if with_others:
        text = (f"{listing(with_others)} {verb(with_others, 'is', 'are')} not given alone "
                "for this patient (add-on treatment only, licensed only with another drug, or "
                "failed alone)")
        if avoided_current:
            text += (f", and {listing(avoided_current)}, which "
                     f"{verb(with_others, 'it', 'they')} would be added to, "
                     f"{verb(avoided_current, 'has', 'have')} an 'avoid' flag")
        if not due:
            needed = kb.dre.definition.min_failed_adequate_trials
            text += (f"; combinations of drugs not taken now are ranked only once {needed} "
                     f"adequate trials have failed ({failures} so far)")
        parts.append(text)
    return [f"No regimen could be suggested, though {listing(usable)} "
            f"{verb(usable, 'has', 'have')} a labelled dose and no 'avoid' flag for this "
            f"patient: {'; '.join(parts)}. Decide the treatment with the specialist (see Flags "
            "and the advice)."] if parts else []


def _why_unusable(unusable: dict[str, str]) -> list[str]:
    """The text of :func:`_why_none` when no candidate is usable: each reason with its
    drugs (none without candidates: the reports' general text then stands)."""
    parts = [f"{listing(drugs)} {verbs[len(drugs) > 1]}" for why, verbs in UNUSABLE.items()
             if (drugs := [d for d, w in unusable.items() if w == why])]
    return [f"No regimen could be suggested: of the candidate drugs for this patient, "
            f"{'; '.join(parts)}. Decide the treatment with the specialist (see Flags and the "
            "advice)."] if parts else []


def _with_partners(drugs: list[str], partners: dict[str, str]) -> list[str]:
    """``drugs`` with each drug's partner placed just before it (the partner is started
    first: stiripentol's US indication is for patients taking clobazam)."""
    out: list[str] = []
    for d in drugs:
        if d in partners and partners[d] not in drugs and partners[d] not in out:
            out.append(partners[d])
        out.append(d)
    return out


def _mark_without_partner(kb: KnowledgeBase, contested: dict[str, LicensedCombination],
                          regimens: list[Regimen]) -> None:
    """Mark down, with the reason, each regimen holding a drug some labels give only with a
    partner that the regimen lacks."""
    for reg in regimens:
        for drug, combo in contested.items():
            partner = combo.drugs[1]
            if drug in reg.drugs and partner not in reg.drugs:
                reg.score = round(reg.score + kb.regimens.weights.without_licensed_partner, 1)
                reg.warnings.append(f"{drug} without {partner}: {combo.note}")
                reg.caveats = [*(reg.caveats or []), reg.warnings[-1]]
                reg.evidence = list(dict.fromkeys([*reg.evidence, *combo.evidence.sources]))


def _only_avoids(flag_records: list[dict], current: list[str], category: str) -> list[dict]:
    """The 'avoid' flags of the current drugs when all are of ``category`` (else none)."""
    avoid = [f for f in flag_records if f["action"] == "avoid" and f["drug"] in current]
    return avoid if all(f["category"] == category for f in avoid) else []


def _pregnancy_reasons(patient: Patient, flag_records: list[dict], current: list[str]
                       ) -> list[dict]:
    """For a pregnant patient, the high-severity reproductive flags of the current drugs
    when they are their only 'avoid' or high-severity reproductive flags (valproate, which
    she is not to stop abruptly: a caution, not an avoid, for a drug already taken)."""
    if patient.pregnancy != "pregnant":
        return []
    avoid = _only_avoids(flag_records, current, "reproductive")
    if any(f["action"] == "avoid" and f["drug"] in current for f in flag_records) \
            and not avoid:
        return []
    return avoid + [f for f in flag_records if f["drug"] in current
                    and f["category"] == "reproductive" and f["severity"] == "high"
                    and f["action"] == "use_with_caution"]


def _clashing(kb: KnowledgeBase, flag_records: list[dict], current: list[str]
              ) -> list[tuple[str, str]]:
    """(current ASM, co-medication) of each 'avoid' interaction whose flag falls on a
    long-term co-medication taken (phenytoin lowering apixaban): a reason for a seizure-free
    patient's change (review Y M1: 'no change is suggested' beside 'avoid apixaban with
    phenytoin')."""
    return list(dict.fromkeys(
        (f["interacting_drug"], f["drug"]) for f in flag_records
        if f["action"] == "avoid" and f["category"] == "interaction"
        and f["interacting_drug"] in current and f["drug"] not in kb.drugs
        and f["drug"] not in kb.short_course_comedications))


def _interaction_switch(kb: KnowledgeBase, flag_records: list[dict], current: list[str],
                        seizure_free: tuple[str, float, float]) -> str | None:
    """Why a seizure-free patient's current drugs are replaced when the only reason is an
    'avoid' interaction with another drug taken (None otherwise)."""
    avoid = [(f["drug"], str(f["interacting_drug"]))
             for f in _only_avoids(flag_records, current, "interaction")]
    if not any(f["action"] == "avoid" and f["drug"] in current for f in flag_records):
        avoid += _clashing(kb, flag_records, current)
    if not avoid:
        return None
    replaced = ", ".join(dict.fromkeys(d for d, _ in avoid))
    others = " and ".join(dict.fromkeys(o for _, o in avoid))
    return (f"Seizure-free for {seizure_free[1]:g} months on {seizure_free[0]}: a change is "
            f"suggested only because of the 'avoid' interaction of {replaced} with {others} "
            f"(see its flags). Decide with the prescriber of {others} whether that drug "
            f"changes instead, and do not stop {replaced} abruptly.")


def _kept_first(kb: KnowledgeBase, kept: Regimen | None, top: list[Regimen],
                flag_records: list[dict], current: list[str]) -> list[Regimen]:
    """The regimens shown with the kept treatment of a seizure-free patient first (None:
    as they are), followed only by options without the drug under review (no add-on to
    it)."""
    if kept is None:
        return top
    review = set(_high_reproductive_drugs(flag_records, current))
    review |= {a for a, _ in _clashing(kb, flag_records, current)}
    return [kept, *(r for r in top if not review & set(r.drugs))][: kb.regimens.max_regimens]


def _high_reproductive_drugs(flag_records: list[dict], current: list[str]) -> list[str]:
    """The current drugs with a high-severity reproductive flag, in flag order."""
    return list(dict.fromkeys(f["drug"] for f in flag_records if f["drug"] in current
                              and f["category"] == "reproductive"
                              and f["severity"] == "high"))


def _reproductive_review(flag_records: list[dict], current: list[str],
                         seizure_free: tuple[str, float, float]) -> tuple[str, str]:
    """Why a girl or woman seizure-free on a drug with high-severity reproductive cautions
    (valproate) is shown options: for her specialist's review of its risks with her, not a
    routine switch (review W M3: a girl of 15 seizure-free on valproate got 'no alternatives
    are ranked'); the regimens' reason and the summary's caution."""
    drugs = listing(_high_reproductive_drugs(flag_records, current))
    return (f"Seizure-free for {seizure_free[1]:g} months on {seizure_free[0]}: {drugs} carries "
            "high-severity reproductive cautions for her (see its flags). A change is for her "
            "specialist's review of them with her and her family, weighing the risk of "
            f"seizures during and after a switch; never stop {drugs} abruptly.",
            f"Seizure-free on {seizure_free[0]}: a switch for the reproductive risks of "
            f"{drugs} is for her specialist's review with her; never stop {drugs} abruptly.")


def _pregnancy_switch(patient: Patient, flag_records: list[dict], current: list[str],
                      seizure_free: tuple[str, float, float]) -> tuple[str, str] | None:
    """Why a pregnant woman seizure-free on a drug to avoid in pregnancy is shown switches:
    the change is a decision for urgent specialist review, not a routine substitution
    (review K M7): the regimens' reason and the summary's caution; None otherwise."""
    reasons = _pregnancy_reasons(patient, flag_records, current)
    if not reasons:
        return None
    drugs = ", ".join(dict.fromkeys(f["drug"] for f in reasons))
    # (every option's reason: an add-on is not 'this switch', review AA C2)
    return (f"Seizure-free for {seizure_free[1]:g} months on {seizure_free[0]}, and pregnant: "
            f"{drugs} is not to be used in pregnancy unless there is no other effective "
            "treatment (see its flag), but a change now is a "
            "decision for urgent specialist review with her, weighing the risk of seizures "
            f"during a switch against the drug's; do not stop {drugs} abruptly. These options "
            "are for that review, not a routine plan.",
            f"Pregnant and seizure-free on {seizure_free[0]}: any change from {drugs} is for "
            f"urgent specialist review; do not stop {drugs} abruptly.")


def _why_now(kb: KnowledgeBase, patient: Patient, flag_records: list[dict],
             current: list[str], seizure_free: tuple[str, float, float] | None,
             stage: str, review: bool = False, reacted: Collection[str] = ()
             ) -> tuple[str, str | None]:
    """The regimens' first reason (``stage``: the treatment stage's) and a caution for the
    summary: a seizure-free patient's switch says why it is shown (a serious reaction
    recorded to a drug taken, an interaction, a pregnancy, or the ``review`` of a drug's high
    reproductive risks)."""
    if not seizure_free or seizure_free[0] not in current:
        return stage, None
    if reacted:
        names = listing(list(reacted))
        return (f"Seizure-free for {seizure_free[1]:g} months on {seizure_free[0]}: a change "
                f"is shown because a serious reaction to {names} is recorded (see the patient "
                "line and the flags); decide it with the specialist.",
                f"Seizure-free on {seizure_free[0]}: a change is shown only because of the "
                f"reaction recorded to {names}.")
    if review:
        return _reproductive_review(flag_records, current, seizure_free)
    switch = _interaction_switch(kb, flag_records, current, seizure_free)
    if switch:
        return switch, None
    pregnant = _pregnancy_switch(patient, flag_records, current, seizure_free)
    return pregnant if pregnant else (stage, None)


def suggest(kb: KnowledgeBase, patient: Patient, flags: pd.DataFrame | None,
            candidates: list[str],
            *, dose_status: dict[str, str], drug_resistant: bool,
            polytherapy_note: str | None = None,
            seizure_free: tuple[str, float, float] | None = None,
            flag_records: list[dict[str, Any]] | None = None,
            counted_failures: int,
            labelled_add_on: frozenset[str] = frozenset(),
            alone_unencoded: frozenset[str] = frozenset(),
            dose_needs: dict[str, str] | None = None,
            considered: list[Regimen] | None = None,
            doses: dict[str, Dose] | None = None,
            why_none: list[str] | None = None) -> list[Regimen]:
    """Ranked regimens for one patient, best first (``considered``, when given, receives
    every regimen scored, shown or not: see :func:`not_shown`; ``why_none``, when given,
    receives why no option was formed: see :func:`_why_none`).

    ``dose_status`` maps each candidate to its dose status (drugs without a labelled dose for
    this patient are not used); ``drug_resistant`` is the ILAE classification;
    ``seizure_free``: (drug, months, months required) of the seizure freedom the patient has
    now (ILAE: sustained once the months reach those required; before, not yet determined,
    and not a failure); on a drug taken now, with no current drug to avoid or for
    short-term use only, the current treatment is the one regimen. ``flag_records``: the
    flags as :func:`~advisor.rules.records`, when the caller has them already (read only;
    ``flags`` is then not read and may be None).
    ``counted_failures``: the failed trials the ILAE classification counts (adequate trials
    of appropriately chosen drugs; :func:`advisor.dre.classify`); without one, a drug whose
    label keeps it for patients whose alternatives failed (``restricted_use``) is not used.
    ``labelled_add_on``: the drugs whose labelled dose for this patient is for add-on use
    only (never suggested alone). ``alone_unencoded``: the drugs whose label gives them alone
    at this age by a schedule the knowledge base does not hold (suggested alone without a
    dose, marked down and saying so). ``dose_needs``: for a drug whose dose needs an input,
    which one ('kidney function'; default: age and weight). ``doses``: the consult's dose
    rows by drug (a drug started beside one withdrawn promptly is titrated as they say).
    """
    dose_needs = dose_needs or {}
    flag_records = records(flags) if flag_records is None else flag_records
    avoided = {f["drug"] for f in flag_records if f["action"] == "avoid"}
    short_term = kb.short_term_asms
    current = kb.maintenance_asms(patient.current_medications, patient.rescue_medications)
    kept = [d for d in current if d not in avoided]
    failed = _failed_drugs(kb, patient)
    unusable = {d: why for d in candidates if (why := _unusable(
        kb, patient, d, avoided, current, failed, dose_status, counted_failures)) is not None}
    usable = [d for d in candidates if d not in unusable]
    due = drug_resistant or counted_failures >= kb.dre.definition.min_failed_adequate_trials
    partners = {d: c.drugs[1] for d, c in _partners(kb, patient.syndrome, True).items()}
    contested = _partners(kb, patient.syndrome, "contested")
    # a drug whose adequate trial failed alone is not offered alone again (only in combination)
    failed_alone = set(failed)
    failed_alone |= {n for n, d in kb.drugs.items()
                     if d.converted_to and failed_alone & set(d.converted_to.drugs)}
    alone = {d for d in usable if d not in partners and d not in labelled_add_on
             and not add_on_only(kb, patient, d) and d not in failed_alone
             and dose_status.get(d) not in NO_DOSE}
    options = _options(kept, usable, due, bool(current), alone, partners,
                       {d: c.drugs[1] for d, c in contested.items()},
                       failed=[t.drug for t in patient.medication_history if t.drug in failed],
                       stands=lambda drugs: _may_stand(kb, patient, drugs, labelled_add_on,
                                                       partners))
    syndrome_add_on = _syndrome_add_on_next(kb, patient, usable, failed)
    formed = options
    options = _without_unnamed_substitutions(kb, patient, kept, options,
                                             add_on_next=syndrome_add_on is not None)
    options = _keeping_the_base(kb, patient, kept, options)
    _why_none(kb, patient, why_none, options, formed, usable, alone,
              [d for d in current if d in avoided], due, counted_failures, unusable)
    involved = sorted({d for drugs, _ in options for d in drugs})
    by_drug = _flags_per_drug(kb, flag_records)
    childbearing = _guideline_childbearing(kb, patient)
    # seizure-free: the current treatment kept, alone, or first with options for the review
    # of a drug's high reproductive risks (review W M3)
    kept_free, review, repro = None, False, False
    # a serious reaction recorded to a drug taken now is a reason to change it (review W H2,
    # H3; X H1: hyponatraemia on carbamazepine, seizure-free: 'no change is suggested')
    reacted = sorted({kb.resolve_drug(r.drug) for r in patient.adverse_reactions}
                     & set(current))
    if seizure_free and seizure_free[0] in current and kept == current \
            and not short_term & set(current) and not reacted \
            and not _pregnancy_reasons(patient, flag_records, current):
        # options below the kept treatment: for the review of a drug's reproductive risks,
        # or in case a co-medication it must not be taken with cannot change (review Y M1)
        clashes = _clashing(kb, flag_records, current)
        repro = _reproductive_concern(kb, patient, current, by_drug)
        review = repro or bool(clashes)
        kept_free = _continue(kb, patient, kept, seizure_free[1:], by_drug, childbearing,
                              review=review, clashes=clashes)
    if kept_free is not None and not review:
        return [kept_free]
    per_drug = {d: _drug_terms(kb, patient, kb.drugs[d], by_drug.get(d, []), childbearing)
                for d in involved}
    per_alone = {d: _drug_terms(kb, patient, kb.drugs[d], by_drug.get(d, []), childbearing,
                                alone=True)
                 for d in involved if any(d in p.third_line
                                          for p in _applicable_positions(kb, patient))}
    per_pair = _PairTerms(kb, patient.syndrome)
    regimens = [_regimen(kb, patient, drugs, kind, per_drug, per_pair, avoided, per_alone)
                for drugs, kind in options]
    regimens = _sole_agent_combinations(kb, patient, current, regimens)
    _mark_kept_base(kb, patient, failed, regimens)
    _mark_outside_governing(kb, patient, current, regimens)
    _mark_without_partner(kb, contested, regimens)
    if not due and not syndrome_add_on:
        # seizure-free on the current drugs, a failed one among them is part of what works
        works = bool(seizure_free) and seizure_free[0] in current
        _early_add_ons(kb, patient, [] if works else current, regimens,
                       _alternatives(kb, patient, regimens, by_drug))
    stage, caveat = _why_now(kb, patient, flag_records, current, seizure_free,
                             syndrome_add_on if syndrome_add_on and not due else
                             _stage_note(kb, patient, current, counted_failures, due),
                             review=repro, reacted=reacted)
    governing = _governing(kb, patient)
    guidelines = [kb.positions.guideline, *([kb.positions.source(governing)] if governing
                                             else [])]
    # a substitution among combinations says why it is there (review K C5, N C4)
    among = {"substitution": ["A single drug in place of the current ones is ranked with the "
                              "combinations."]} if due else {}
    for reg in regimens:
        reg.rationale[:0] = [stage, *among.get(reg.kind, [])]
        withdrawn = [d for d in current if d not in reg.drugs]
        if said := caveat or _teratogen_switch(kb, patient, withdrawn):  # the summary says it
            reg.caveats = [*(reg.caveats or []), said]
        reg.evidence = list(dict.fromkeys([*reg.evidence, *guidelines]))
        reg.warnings += [f"{d} (current) is left out: it has an 'avoid' flag."
                         for d in current if d in avoided]
        _unlabelled_terms(kb, patient, reg, current, dose_status, alone_unencoded)
        reg.warnings += [f"Dose of {d} not shown: give the patient's "
                         f"{dose_needs.get(d, 'age and weight')} (see the dose row)."
                         for d in reg.drugs
                         if dose_status.get(d) == "needs_input" and d not in current]
    # a drug withdrawn promptly (contraindicated: valproate in mitochondrial disease) is still taken
    # while the new drug starts: its high-severity interactions with it are warned of, and
    # break a tie (review Z Z01)
    prompt = withdrawn_promptly(kb, current, flags_by_drug(None, flag_records))
    during = {id(r): [(w, other, inter) for w in prompt if w not in r.drugs
                      for other, inter in overlap(kb, [d for d in r.drugs if d not in current],
                                                  w)]
              for r in regimens}
    for reg in regimens:
        reg.warnings += [f"{other} + {w}, until {w} is stopped: {inter.effect.rstrip('.')} "
                         f"({w}'s taper starts now; see the transition plan)."
                         for w, other, inter in during[id(reg)]]
    _slower_than_taper(kb, patient, regimens, current, prompt, flag_records, doses or {})
    # equal scores: fewer such interactions, then fewer high-severity flags on the drugs
    # started come first
    regimens.sort(key=lambda r: (-r.score, len(during[id(r)]), _high_flags(r, current, by_drug),
                                 r.drugs))
    if considered is not None:
        considered += regimens
    top = _shown(regimens, kb.regimens.shown_above_score)[: kb.regimens.max_regimens]
    rest = _not_ended(kb, patient, kept)
    # a kept drug to avoid with a long-term co-medication (the flag falls on the co-medication:
    # carbamazepine with apixaban): continuing it needs the co-medication changed
    clash = _clashing(kb, flag_records, rest)
    # a high-severity caution with a long-term co-medication (efavirenz with phenytoin) is a
    # reason to switch a drug the guideline would not start alone (review V H2); one managed
    # by monitoring (warfarin, fluconazole) is not
    early = _cross_sensitive_early(kb, patient, rest, by_drug)
    serious = bool(clash) or any(f["category"] == "interaction" and f["severity"] == "high"
                                 and f["action"] == "use_with_caution"
                                 for d in rest for f in by_drug.get(d, []))
    alone_ok, alone_why, alone_warn = _continued_alone(kb, patient, rest, labelled_add_on,
                                                       partners, serious)
    under = _failed_on_top(kb, patient, rest, [d for d in kept if d not in rest])
    top = _keeping_failed_add_on(kb, under, top)
    if not due and seizure_free is None and rest and alone_ok and not under \
            and not set(reacted) & set(rest) \
            and not _coverage(kb, patient, rest)[1] \
            and not _reproductive_concern(kb, patient, rest, by_drug) and not early:
        per_drug.update({d: _drug_terms(kb, patient, kb.drugs[d], by_drug.get(d, []),
                                        childbearing) for d in rest if d not in per_drug})
        first = _regimen(kb, patient, rest, "continue", per_drug, per_pair, avoided)
        first.rationale.insert(0, _not_yet_failed(
            rest, [d for d in kept if d not in rest],
            # not to be raised: a dose the specialist holds (valproate in pregnancy), or a
            # teratogen in pregnancy, whose malformation risk rises with the dose (V M8)
            [d for d in rest if dose_status.get(d) == "specialist_dose"
             or d in _teratogens_in_pregnancy(kb, patient, rest)],
            [d for d in current if d not in kept],
            kb.regimens.levels_fall_in_pregnancy if patient.pregnancy == "pregnant" else (),
            _levels_changed_by(kb, patient, rest, by_drug),
            add_on_next=syndrome_add_on is not None))
        first.evidence = list(dict.fromkeys([*first.evidence, kb.positions.guideline]))
        _sole_agent_combinations(kb, patient, current, [first])  # valproate under 2 (L H3)
        first.rationale += alone_why
        first.warnings += alone_warn
        first.rationale += _first_line_despite(kb, patient, rest, by_drug)
        first.caveats = [*(first.caveats or []), *_planning_caveat(kb, patient, rest)]
        first.warnings += [f"{asm} is not to be taken with {other} (see the flag): continue "
                           f"{asm} only if {other} is changed, as the flag advises; otherwise "
                           f"an option below replaces {asm}."
                           for asm, other in clash]
        # below it, only options whose support outweighs their warnings (review Y M14: a
        # valproate switch at -19 under a continued vigabatrin)
        top = [first, *(r for r in top if set(r.drugs) != set(rest)
                        and r.score > kb.regimens.shown_above_score)]
        top = _alone_or_with_options(top[: kb.regimens.max_regimens],
                                     kb.regimens.shown_above_score)
        top = _teratogen_below_alternative(kb, patient, rest, top)
    top = _kept_first(kb, kept_free, top, flag_records, current)
    _say_not_continued(kb, [] if seizure_free else early, top)
    _say_not_alone(patient, rest, under, top)
    _least_unfavourable(top, kb.regimens.shown_above_score)
    if polytherapy_note:
        for reg in top:
            if len(reg.drugs) > 1:
                reg.rationale.insert(1, polytherapy_note)
                reg.evidence += [s for s in kb.regimens.early_polytherapy.sources
                                 if s not in reg.evidence]
    return top


def _slower_than_taper(kb: KnowledgeBase, patient: Patient, regimens: list[Regimen],
                       current: list[str], prompt: Collection[str],
                       flag_records: list[dict[str, Any]], doses: dict[str, Dose]) -> None:
    """A regimen whose drug started reaches its target only after the longest taper of a
    current drug withdrawn promptly is marked down and says so, naming the drugs of the
    options ranked above it that reach theirs within it, best first (review AA M6)."""
    flags = flags_by_drug(None, flag_records)
    slow: dict[int, list[tuple[str, str, int]]] = {}
    in_time: dict[str, float] = {}  # a drug that reaches its target in time: best score
    for reg in sorted(regimens, key=lambda r: -r.score):
        taking = set(patient.current_medications) | set(reg.drugs)
        started = [d for d in reg.drugs if d not in current]
        found = [(d, w, week) for w in prompt if w not in reg.drugs for d in started
                 if (week := slower_than_taper(kb, patient, d, taking, flags, doses.get(d),
                                               w)) is not None]
        slow[id(reg)] = found
        if not found and started and any(w not in reg.drugs for w in prompt):
            in_time.update({d: reg.score for d in started if d not in in_time})
    for reg in regimens:
        reg.score += kb.regimens.weights.slower_than_prompt_taper * len(slow[id(reg)])
        # named: the drugs of options that still rank above this one, best first
        sooner = [d for d, score in in_time.items() if d not in reg.drugs and score > reg.score]
        reg.warnings += [slower_line(drug, withdrawn, week,
                                     kb.drugs[withdrawn].dosing.withdrawal.taper_weeks.hi,
                                     sooner[:2])
                         for drug, withdrawn, week in slow[id(reg)]]


def _early_add_ons(kb: KnowledgeBase, patient: Patient, current: list[str],
                   regimens: list[Regimen], alternatives: list[str]) -> None:
    """Mark down the add-ons offered before monotherapy options are exhausted; while an
    alternative monotherapy is on offer (``alternatives``), more each one that keeps a drug
    of ``current`` whose adequate trial failed: NICE offers that monotherapy in its place
    first (review M M1: lamotrigine failed, and a third drug was added to it). Without one
    (review Q H2: a girl of 7 with absence and tonic-clonic seizures, ethosuximide failed,
    whose one covering monotherapy is valproate), the add-on is not marked down more."""
    w = kb.regimens.weights
    failed = _failed_drugs(kb, patient) if alternatives else set()
    entry = _governing(kb, patient)
    either = set(entry.alone_or_added) if entry else set()
    for reg in regimens:
        if reg.kind != "add-on":
            continue
        started = [d for d in reg.drugs if d not in current]
        if started and set(started) <= either:  # review S M11: lamotrigine in LGS
            line = "first" if set(started) <= set(entry.first_line) else "second"
            reg.rationale.append(f"{kb.positions.source(entry)} places {listing(started)} "
                                 f"{line} line for {_name(kb, entry)} without restricting it "
                                 "to monotherapy: adding it is a step of the guideline's "
                                 "sequence.")
            continue
        reg.score += w.early_add_on
        reg.warnings.append("Add-on before monotherapy options are exhausted: NICE prefers "
                            "an alternative monotherapy first.")
        for drug in (d for d in reg.drugs if d in failed and d in current):
            reg.score += w.previous_inefficacy
            reg.warnings.append(f"Keeps {drug}, which already failed an adequate trial, "
                                "while an alternative monotherapy the guideline names covers "
                                f"every seizure type ({listing(alternatives)}): NICE offers "
                                "that first.")
        reg.score = round(reg.score, 1)


def _alternatives(kb: KnowledgeBase, patient: Patient, regimens: list[Regimen],
                  by_drug: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The single drug offered in place of the current ones that ranks first among those
    offered, when it covers every seizure type, the guideline names it for the patient, it
    has not failed nor been stopped for intolerance, and it carries no high-severity
    reproductive concern (else none: marking add-ons down would put a drug that is not such
    an alternative first; review R: phenobarbital alone, which leaves an infant's myoclonic
    seizures untreated, ranked first)."""
    singles = [r for r in regimens if r.kind == "substitution" and len(r.drugs) == 1]
    if not singles:
        return []
    ended = _ended(kb, patient)
    best = max(r.score for r in singles)
    return [r.drugs[0] for r in singles
            if r.score >= best and r.drugs[0] not in ended
            and not _coverage(kb, patient, r.drugs)[1]
            and _guideline_position(kb, patient, r.drugs[0]) is not None
            and not _reproductive_concern(kb, patient, r.drugs, by_drug)]


def _named_unlabelled(kb: KnowledgeBase, patient: Patient, drug: str,
                      status: str | None) -> bool:
    """A drug without a labelled dose for this patient that the guideline places first or
    second line for the patient's syndrome, from the patient's age; it is offered only with
    other drugs (review Q H3: without clobazam, which has no labelled dose for Dravet
    syndrome, NICE's stiripentol with clobazam was never offered to a boy of 3)."""
    entry = kb.positions.for_syndrome(patient.syndrome)
    return status == "no_labelled_dose" and entry is not None \
        and drug in (*entry.first_line, *entry.second_line) \
        and entry.too_young(drug, patient.age_years) is None


def _unlabelled_terms(kb: KnowledgeBase, patient: Patient, reg: Regimen, current: list[str],
                      dose_status: dict[str, str], alone_unencoded: frozenset[str]) -> None:
    """Mark down a regimen per drug it starts without a dose for this use (none for the
    patient; or alone, where the label's monotherapy schedule is not held), and say so."""
    for drug in (d for d in reg.drugs if d not in current):
        if dose_status.get(drug) == "no_labelled_dose":
            why = (f"No dose of {drug} for this patient in the knowledge base (see its dose "
                   f"row); the guideline names it for "
                   f"{syndrome_phrase(kb.vocabulary.syndromes[patient.syndrome])}: choose its "
                   "dose with "
                   "specialist advice and the current product label.")
        elif reg.drugs == [drug] and drug in alone_unencoded:
            why = (f"The label gives {drug} alone at this age by a schedule that is not in the "
                   "knowledge base (the dose row is the add-on dose): choose the start, steps "
                   "and target from the product label's monotherapy instructions.")
        else:
            continue
        reg.score = round(reg.score + kb.regimens.weights.unlabelled_dose, 1)
        reg.warnings.append(why)


def _failed_drugs(kb: KnowledgeBase, patient: Patient) -> set[str]:
    """Drugs with a trial that failed (:func:`_failed`)."""
    return {t.drug for t in patient.medication_history if _failed(kb, patient, t)}


def _ended(kb: KnowledgeBase, patient: Patient) -> set[str]:
    """Drugs with a trial recorded as failed (:func:`_failed`), or whose last trial listed
    was stopped for intolerance (a drug restarted and tolerated since is not; review N M6,
    O H3)."""
    return _failed_drugs(kb, patient) | {
        d for d, t in _last_trials(patient).items() if t.outcome == "intolerance"}


def _last_trials(patient: Patient) -> dict[str, Trial]:
    """Each drug's last trial listed in the history."""
    return {t.drug: t for t in patient.medication_history}


def _not_ended(kb: KnowledgeBase, patient: Patient, kept: list[str]) -> list[str]:
    """The kept ASMs that have not ended (:func:`_ended`)."""
    ended = _ended(kb, patient)
    return [d for d in kept if d not in ended]


def _levels_changed_by(kb: KnowledgeBase, patient: Patient, rest: list[str],
                       by_drug: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """The drugs taken now whose pharmacokinetic interaction changes the level of a
    continued drug (its flag falls on that drug), by continued drug, as people know them
    ('lopinavir/ritonavir (Kaletra)')."""
    taken = set(patient.current_medications)
    out: dict[str, list[str]] = {}
    for d in rest:
        for f in by_drug.get(d, []):
            inter = kb.interaction_rules.get(f.get("rule") or "")
            if (f["drug"] == d and f["interacting_drug"] in taken and inter is not None
                    and inter.kind == "pharmacokinetic"
                    and kb.shown(f["interacting_drug"]) not in out.get(d, [])):
                out.setdefault(d, []).append(kb.shown(f["interacting_drug"]))
    return out


def _not_yet_failed(rest: list[str], ended: list[str], withheld: Collection[str] = (),
                    avoided: Collection[str] = (), by_level: Collection[str] = (),
                    changed_by: dict[str, list[str]] | None = None,
                    add_on_next: bool = False) -> str:
    """Why continuing the current drugs that have not failed comes first (review K M6; L H4:
    an infant's failed levetiracetam goes, her valproate stays alone; U H1: an 82-year-old's
    zonisamide, to be avoided at her kidney function, goes, her levetiracetam stays); a drug
    whose dose a flag withholds (``withheld``: valproate in pregnancy) is not to be
    optimised (review T H1); one whose levels a drug taken changes (``changed_by``:
    amiodarone raising phenytoin) is optimised by levels and effect (review W M2)."""
    drugs = listing(rest)
    one = len(rest) == 1
    why = [*([f"{listing(ended)} (its trial failed or it was not tolerated)"] if ended else []),
           *([f"{listing(list(avoided))} (it has an 'avoid' flag: see its flag)"]
             if avoided else [])]
    withdraw = f"Withdraw {' and '.join(why)} and " if why else ""
    free = [d for d in rest if d not in withheld]
    held = [d for d in rest if d in withheld]
    optimise = (f", and complete or optimise the {'dose' if len(free) == 1 else 'doses'}"
                + (f" of {listing(free)}" if held else "") + " within the label's range"
                if free else "")
    # pregnant: levels of these fall, so the label's usual range does not hold (review U M3)
    levels = [d for d in free if d in by_level]
    if levels:
        optimise = optimise.replace(" within the label's range", "")
    level = (f"; pregnant: adjust {listing(levels)} by the level against her pre-pregnancy "
             f"baseline (levels fall in pregnancy; see {'its' if len(levels) == 1 else 'their'}"
             " flag), not by the label's usual range" if levels else "")
    changed = {d: by for d, by in (changed_by or {}).items() if d in free and by}
    level += "".join(
        f"; {listing(by)} {'changes' if len(by) == 1 else 'change'} {d} levels (see the "
        f"{'flag' if len(by) == 1 else 'flags'}): adjust {d} by its level and effect, not by "
        "the label's range alone" for d, by in changed.items())
    check = f"Check adherence{optimise} before any other change{level}" + (
        f"; do not raise the dose of {listing(held)}: it is the specialist's (see its flag)"
        if held else "")
    return (f"{withdraw}{'c' if withdraw else 'C'}ontinue {drugs}: no adequate trial of "
            f"{drugs} is recorded as failed, nor {'was it' if one else 'were they'} stopped "
            f"for intolerance. {check}. "
            f"{RANKED_FIRST} at "
            "an adequate dose (" + ("the syndrome's next step in the guideline is add-on "
                                    "treatment" if add_on_next else
                                    "NICE: another monotherapy when the first is unsuccessful")
            + ").")


def _may_stand(kb: KnowledgeBase, patient: Patient, drugs: list[str],
               labelled_add_on: frozenset[str], partners: dict[str, str]) -> bool:
    """Whether ``drugs`` may be a regimen of their own: a single drug that is given only as
    add-on (clobazam in Dravet syndrome) may not, nor a drug without the partner it is
    licensed with."""
    if len(drugs) == 1 and (drugs[0] in labelled_add_on or add_on_only(kb, patient, drugs[0])):
        return False
    return all(partners[d] in drugs for d in drugs if d in partners)


def _continued_alone(kb: KnowledgeBase, patient: Patient, rest: list[str],
                     labelled_add_on: frozenset[str], partners: dict[str, str], clash: bool
                     ) -> tuple[bool, list[str], list[str]]:
    """Whether the current drugs that have not ended may be continued as they are, with the
    reasons and warnings the row adds when one drug stands alone where a label or the
    guideline gives it as add-on (``clash``: one of them is not to be taken with a long-term
    co-medication, or is a high-severity caution with one). Continued: a drug the guideline
    names only as add-on but whose label gives it alone (phenytoin for focal seizures; review
    U M2), unless it clashes (review V H2); one that once gave sustained seizure freedom
    (review Q H1); one the guideline places first line for another of the patient's seizure
    types (vigabatrin for a child's spasms in tuberous sclerosis, beside focal seizures;
    review V H4)."""
    if _may_stand(kb, patient, rest, labelled_add_on, partners):
        return True, [], []
    if len(rest) != 1 or rest[0] in partners:
        return False, [], []
    drug = rest[0]
    if drug not in labelled_add_on:  # the guideline's add-on-only place, not the label's
        if clash and not _proved_alone(kb, patient, rest):
            return False, [], []
        return True, [f"{kb.positions.guideline} names {drug} only as add-on treatment for "
                      "the patient's seizure types; its label gives it alone, and it is "
                      "continued because its trial has not failed: a switch needs its own "
                      "reason."], []
    if _proved_alone(kb, patient, rest):
        return True, [], [_proved_text(kb, patient, drug)]
    best = _guideline_position(kb, patient, drug)
    if best and best[0] == "first_line" and not clash:
        return True, [f"{best[4]} places {drug} first line for {best[1]}; it is continued "
                      "alone, although the label's dose for the patient's other seizure "
                      "types is for add-on use only."], []
    return False, [], []


def _proved_alone(kb: KnowledgeBase, patient: Patient, drugs: list[str]) -> bool:
    """One drug that once gave the patient sustained seizure freedom (review Q H1: a girl
    seizure-free on lamotrigine for 24 months, restarted after a relapse, whose label gives
    lamotrigine at her age only as add-on)."""
    return len(drugs) == 1 and any(t.drug == drugs[0] and _sustained(kb, patient, t)
                                   for t in patient.medication_history)


def _proved_text(kb: KnowledgeBase, patient: Patient, drug: str) -> str:
    months = max(t.seizure_free_months or 0 for t in patient.medication_history
                 if t.drug == drug and _sustained(kb, patient, t))
    return (f"At this age the label gives {drug} only as add-on; it is continued alone "
            f"because the patient was seizure-free on it for {plural(months, 'month')} "
            "before: aim for the dose that achieved it.")


def _first_line_despite(kb: KnowledgeBase, patient: Patient, drugs: list[str],
                        by_drug: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Why a continued drug with a high-severity reproductive caution comes first: the
    guideline places it first line for this patient (review R: the caution's 'prefer
    alternatives' stood unexplained beside 'continue valproate' for a woman with
    Lennox-Gastaut syndrome)."""
    out = []
    for drug in drugs:
        best = _guideline_position(kb, patient, drug)
        if best and best[0] == "first_line" \
                and _high_reproductive(by_drug.get(drug, []), "use_with_caution"):
            out.append(f"{best[4]} places {drug} first line for {best[1]} despite its "
                       "reproductive risks: " + (
                           "she is pregnant, so it is continued until the urgent specialist "
                           "review its caution asks for, which decides whether it changes."
                           if patient.pregnancy == "pregnant" else
                           "continue it only with the risks discussed and the "
                           "pregnancy-prevention measures of its caution in place."))
    return out


def _planning_caveat(kb: KnowledgeBase, patient: Patient, rest: list[str]) -> list[str]:
    """For a patient planning a pregnancy, the summary's caution on continuing teratogenic
    drugs: the row's own warning prefers an alternative (review AA M5: 'continue
    carbamazepine' led the summary without it)."""
    drugs = [d for d in rest if patient.pregnancy == "planning"
             and "teratogenic" in kb.drugs[d].adverse_effects.tags]
    if not drugs:
        return []
    names, one = listing(drugs), len(drugs) == 1
    return [f"{names} {'is' if one else 'are'} teratogenic and the patient is planning a "
            "pregnancy: prefer an alternative (see the regimens ranked below it); continue "
            f"{names} only after discussing them with her."]


def _teratogen_below_alternative(kb: KnowledgeBase, patient: Patient, rest: list[str],
                                 top: list[Regimen]) -> list[Regimen]:
    """For a patient planning a pregnancy, the continue row of teratogenic drugs the
    guideline does not place first line for her, moved below the first option shown without
    a teratogen that covers her seizure types: its own warning prefers an alternative, as
    the teratogen policy does (review AA M5: 'continue carbamazepine' led, above
    lamotrigine)."""
    tagged = {d for d in kb.drugs if "teratogenic" in kb.drugs[d].adverse_effects.tags}
    drugs = [d for d in rest if d in tagged and patient.pregnancy == "planning"
             and (_guideline_position(kb, patient, d) or ("",))[0] != "first_line"]
    alternative = next((r for r in top[1:] if r.kind != "continue" and not tagged & set(r.drugs)
                        and not _coverage(kb, patient, r.drugs)[1]), None)
    if not drugs or alternative is None or RANKED_FIRST not in top[0].rationale[0]:
        return top
    first, names = top[0], listing(drugs)
    head, _, tail = first.rationale[0].partition(RANKED_FIRST)
    first.rationale[0] = (
        f"{head}Ranked below {' + '.join(alternative.drugs)}: {names} "
        f"{'is' if len(drugs) == 1 else 'are'} teratogenic and the patient is planning a "
        "pregnancy, so an option without that risk comes first (its warning: prefer an "
        f"alternative); continuing {names} is for discussion with her."
        f"{tail.split(').', 1)[1] if ').' in tail else ''}")
    said = _planning_caveat(kb, patient, rest)  # for a continue row that leads
    first.caveats = [c for c in first.caveats or [] if c not in said] or None
    at = top.index(alternative)
    return [*top[1:at + 1], first, *top[at + 1:]]


def _high_reproductive(flags: list[dict[str, Any]], action: str) -> bool:
    """Whether the flags hold a high-severity reproductive one with this action."""
    return any(f["category"] == "reproductive" and f["severity"] == "high"
               and f["action"] == action for f in flags)


def _reproductive_concern(kb: KnowledgeBase, patient: Patient, kept: list[str],
                          by_drug: dict[str, list[dict[str, Any]]]) -> bool:
    """A kept drug with a high-severity reproductive flag (valproate in a girl or woman who
    may become pregnant): its label prefers alternatives, so continuing it is not put first
    (review L H2). A caution (not an avoid) on a drug the guideline places first line for
    this patient does not count: valproate in Dravet and Lennox-Gastaut syndromes, under the
    same conditions (review O M1: a fourth drug was added first for a girl of 4 with Dravet
    syndrome whose stiripentol was still being titrated). A caution that the drug may worsen
    a seizure type does not stop 'continue first' either: the guideline places such drugs
    first line with it (lamotrigine in juvenile myoclonic epilepsy, vigabatrin in West
    syndrome; review O H1, H2)."""
    return any(_high_reproductive(by_drug.get(d, []), "avoid")
               or (_high_reproductive(by_drug.get(d, []), "use_with_caution")
                   and (_guideline_position(kb, patient, d) or ("",))[0] != "first_line")
               for d in kept)


def _cross_sensitive_early(kb: KnowledgeBase, patient: Patient, kept: list[str],
                           by_drug: dict[str, list[dict[str, Any]]]) -> list[str]:
    """A kept drug with a high-severity caution from the patient's past reactions (an
    aromatic drug after SJS/TEN or DRESS with another) that is recorded as taken for less
    than the tolerated exposure (dre.yaml: 3 months): still inside the window in which such
    reactions start, so continuing it is not put first (review Y H2: phenytoin at week 6
    after lamotrigine DRESS was kept alone and the non-aromatic levetiracetam withdrawn)."""
    threshold = kb.dre.definition.tolerated_exposure_months
    last = _last_trials(patient)
    return [d for d in kept if any(
        f["category"] == "history" and f["severity"] == "high"
        and f["action"] == "use_with_caution" and f["drug"] == d
        and d in last and last[d].outcome != "intolerance"
        and last[d].duration_months is not None and last[d].duration_months < threshold
        for f in by_drug.get(d, []))]


def _failed_on_top(kb: KnowledgeBase, patient: Patient, rest: list[str],
                   withdrawn: list[str]) -> list[str]:
    """The current drugs withdrawn from ``rest`` (the current drugs that have not ended)
    whose adequate trial failed while ``rest`` was taken: each drug of ``rest`` is recorded
    with an adequate trial at least as long. Seizures continued on ``rest`` then, so
    continuing it alone is not put first (review AA M4: a Dravet toddler whose levetiracetam,
    added to valproate, failed was left on valproate alone). A drug stopped for intolerance
    does not count, nor, when a duration is not recorded, does any drug."""
    last = _last_trials(patient)
    base = [last.get(d) for d in rest]
    if not rest or any(t is None or t.adequate is not True or t.duration_months is None
                       for t in base):
        return []
    shortest = min(t.duration_months for t in base)
    return [d for d in withdrawn if d in last and _failed(kb, patient, last[d])
            and last[d].duration_months is not None and last[d].duration_months <= shortest]


def _keeping_failed_add_on(kb: KnowledgeBase, under: list[str], top: list[Regimen]
                           ) -> list[Regimen]:
    """The regimens, those that keep a drug added to the others that failed (``under``, see
    :func:`_failed_on_top`) marked down by ``previous_inefficacy`` as an early add-on keeping
    a failed drug is, and re-ranked: the options in place of it come first (review AB R3: a
    Dravet toddler's top regimen kept the levetiracetam that had failed on valproate)."""
    if not under:
        return top
    for reg in top:
        kept = [d for d in under if d in reg.drugs]
        if kept and reg.kind != "continue":
            reg.score = round(reg.score + kb.regimens.weights.previous_inefficacy * len(kept), 1)
            reg.warnings.append(f"Keeps {listing(kept)}, which failed an adequate trial added "
                                "to the other current drugs: the options in place of it come "
                                "first.")
    return sorted(top, key=lambda r: -r.score)


def _say_not_alone(patient: Patient, rest: list[str], under: list[str],
                   top: list[Regimen]) -> None:
    """Each regimen says why continuing ``rest`` alone is not put first
    (:func:`_failed_on_top`)."""
    if not under:
        return
    last = _last_trials(patient)
    taken = listing([f"{d} ({plural(last[d].duration_months, 'month')}, adequate)"
                     for d in rest])
    failed = listing([f"{d} ({plural(last[d].duration_months, 'month')})" for d in under])
    one = len(under) == 1
    note = (f"Seizures continued on {taken} while {failed} {'was' if one else 'were'} added "
            f"and failed {'an adequate trial' if one else 'adequate trials'}: continuing "
            f"{listing(rest)} alone, without a new drug, is not put first.")
    for reg in top:
        reg.rationale.insert(1, note)


def _say_not_continued(kb: KnowledgeBase, early: list[str], top: list[Regimen]) -> None:
    """Each regimen says why the drugs of :func:`_cross_sensitive_early` are not continued
    first."""
    if not early:
        return
    note = (f"{listing(early)} {'is' if len(early) == 1 else 'are'} recorded as taken for less "
            f"than {kb.dre.definition.tolerated_exposure_months:g} months with a high-severity "
            "caution from a past reaction to another drug (cross-sensitivity: see the flag), "
            "still within the weeks in which such reactions start, so continuing "
            f"{'it' if len(early) == 1 else 'them'} is not put first.")
    for reg in top:
        reg.rationale.insert(1, note)


def _flags_per_drug(kb: KnowledgeBase, flag_records: list[dict[str, Any]]
                    ) -> dict[str, list[dict[str, Any]]]:
    """The flags that count for each drug on its own. Interactions inside a regimen are
    scored pairwise, so an interaction between two ASMs is not among them; one with a
    long-term co-medication the patient keeps taking (contraceptives, anticoagulants, ...)
    counts for the ASM, also when the flag falls on the co-medication (phenytoin lowers a
    boosted antiretroviral); a short course's does not (it is no reason to change an ASM)."""
    by_drug: dict[str, list[dict[str, Any]]] = {}
    for flag in flag_records:
        if flag["category"] != "interaction" or flag["interacting_drug"] not in kb.drugs:
            by_drug.setdefault(flag["drug"], []).append(flag)
        elif flag["drug"] not in kb.drugs and flag["drug"] not in kb.short_course_comedications:
            by_drug.setdefault(flag["interacting_drug"], []).append(flag)
    return by_drug


def not_shown(kb: KnowledgeBase, patient: Patient, shown: list[Regimen],
              considered: list[Regimen], flag_records: list[dict[str, Any]],
              dose_status: dict[str, str], counted_failures: int,
              labelled_add_on: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Why each drug asked about by name is in none of the regimens shown, as (drug,
    reason): a report must not pass over a drug the prescriber asked about (review U M1:
    ganaxolone, the drug licensed for the girl's CDKL5 deficiency, was left out unsaid)."""
    if not shown:
        return []
    in_shown = {d for r in shown for d in r.drugs}
    avoided = {f["drug"] for f in flag_records if f["action"] == "avoid"}
    only_continue = all(r.kind == "continue" for r in shown) and not considered
    out = []
    for drug in patient.candidate_drugs:
        if drug not in kb.drugs or drug in in_shown:
            continue
        with_it = [r for r in considered if drug in r.drugs]
        if drug in avoided:
            why = "it has an 'avoid' flag (see Flags)"
        elif dose_status.get(drug) in (*NO_DOSE, "needs_input") and not with_it:
            why = "no dose for this patient (see its dose row)"
        elif only_continue:
            why = "no alternatives are ranked while the current treatment is continued"
        elif not counted_failures and _restricted(patient, kb.drugs[drug]):
            why = ("its label keeps it for patients whose alternatives have failed, and no "
                   "adequate trial has failed yet")
        elif not with_it:
            why = _why_never_formed(kb, patient, drug, labelled_add_on)
        else:
            best = max(with_it, key=lambda r: r.score)
            where = ("scored at or below zero" if best.score <= kb.regimens.shown_above_score
                     else f"ranked below the {len(shown)} shown")
            # an 'avoid' in the regimen first (another drug's, with a co-medication: review W
            # M1), then the drug's own warnings, shared adverse effects (the mildest) last
            said = " ".join(sorted((w for w in best.warnings if ": avoid (" in w or drug in w),
                                   key=lambda w: (": avoid (" not in w,
                                                  w.startswith("Overlapping adverse")))[:3])
            why = (f"its best regimen, {' + '.join(best.drugs)} ({best.kind}, score "
                   f"{number(best.score)}), {where}" + (f": {said}" if said else ""))
            if alone := _alone_add_on_only(drug, with_it, best):
                why = f"{why.rstrip('.')}. {alone}"
        out.append((drug, why))
    return out


def _alone_add_on_only(drug: str, with_it: list[Regimen], best: Regimen) -> str:
    """When the drug alone, ranked below its best regimen, leaves a seizure type its label
    gives it for as add-on only, that regimen's warning (review Z08: lacosamide alone for
    primary generalized tonic-clonic seizures)."""
    alone = next((r for r in with_it if r.drugs == [drug] and r is not best), None)
    said = [w for w in alone.warnings if "as add-on therapy only" in w] if alone else []
    return (f"{drug} alone ({alone.kind}, score {number(alone.score)}): {said[0]}"
            if alone and said else "")


def _why_never_formed(kb: KnowledgeBase, patient: Patient, drug: str,
                      labelled_add_on: frozenset[str]) -> str:
    """Why no regimen formed for the patient holds a drug asked about."""
    current = kb.maintenance_asms(patient.current_medications, patient.rescue_medications)
    if drug in kb.short_term_asms:
        return "for short-term use only, not a long-term regimen"
    if drug in _failed_drugs(kb, patient):
        return "its adequate trial failed: it is not offered alone again"
    by = ("its label gives it for this patient only as add-on" if drug in labelled_add_on else
          f"{kb.positions.guideline} names it for these seizure types only as add-on"
          if add_on_only(kb, patient, drug) else None)
    if by and not current:
        return f"{by}, and the patient takes no antiseizure medication to add it to"
    if by:
        return f"{by}, and at this stage another monotherapy comes before add-on treatment"
    return "no regimen formed for this patient at this stage holds it"


def _shown(regimens: list[Regimen], above: float) -> list[Regimen]:
    """The regimens (best first) whose support outweighs their warnings (score above
    ``above``); when none does, the best one alone (an empty list would leave the prescriber
    with no reasoning at all: :func:`_least_unfavourable` says so when it is shown)."""
    kept = [r for r in regimens if r.score > above]
    return kept if kept or not regimens else [regimens[0]]


RANKED_FIRST = "Ranked first whatever its score: the other options apply if seizures continue"


def _alone_or_with_options(top: list[Regimen], above: float) -> list[Regimen]:
    """A continue row with the options below it; alone, it does not point to options that
    are not there (review Z R3): it says that none scores above ``above`` and that the next
    step is the specialist's."""
    first = top[0]
    if len(top) == 1 and first.rationale and RANKED_FIRST in first.rationale[0]:
        head, _, tail = first.rationale[0].partition(RANKED_FIRST)
        rest = tail.split(").", 1)[1] if ")." in tail else ""
        first.rationale[0] = (f"{head}No other option scores above {number(above)} for this "
                              "patient: if seizures continue at an adequate dose, review the "
                              f"next step with the specialist.{rest}")
    return top


def _least_unfavourable(top: list[Regimen], above: float) -> None:
    """The first regimen shown, when it is a new regimen scoring ``above`` or less (no
    continue row before it), says that it is shown for its reasoning only."""
    if top and top[0].kind != "continue" and top[0].score <= above:
        top[0].warnings.append(f"Every regimen the advisor could form scored {number(above)} "
                               "or less (its warnings outweigh its support): this is the least "
                               "unfavourable, shown for its reasoning, not as a recommendation; "
                               "decide with an epilepsy specialist.")


def _high_flags(reg: Regimen, current: list[str],
                by_drug: dict[str, list[dict[str, Any]]]) -> int:
    """How many high-severity flags (other than information) the regimen's new drugs carry:
    the tie-break between regimens of equal score (e.g. an aromatic drug after a past
    SJS/TEN with another, which its flag asks to avoid preferring)."""
    return sum(1 for d in reg.drugs if d not in current for f in by_drug.get(d, [])
               if f["action"] != "info" and f["severity"] == "high")


def _continue(kb: KnowledgeBase, patient: Patient, current: list[str],
              months: tuple[float, float], by_drug: dict[str, list[dict[str, Any]]],
              childbearing: bool, review: bool = False,
              clashes: list[tuple[str, str]] = ()) -> Regimen:
    """The current treatment, kept: the patient is seizure-free on it (``months``: for how
    long, and how long sustained seizure freedom requires); ``review``: a drug of it has high
    reproductive risks, or (``clashes``: (ASM, co-medication)) must not be taken with a
    co-medication, and the options below are for that review."""
    per_drug = {d: _drug_terms(kb, patient, kb.drugs[d], by_drug.get(d, []), childbearing)
                for d in current}
    per_pair = _PairTerms(kb, patient.syndrome)
    reg = _regimen(kb, patient, current, "continue", per_drug, per_pair)
    free, required = months
    drugs = ", ".join(current)
    if free >= required:
        how = f"Seizure-free for {free:g} months on {drugs}: sustained seizure freedom (ILAE 2010)."
    else:
        how = (f"Seizure-free for {free:g} months on {drugs}, less than the {required:g} months "
               "sustained seizure freedom requires (ILAE 2010): the outcome is not yet "
               f"determined, and it is not a failure. Reassess at {required:g} months, or if "
               "seizures recur.")
    asms = listing(list(dict.fromkeys(a for a, _ in clashes)))
    others = listing(list(dict.fromkeys(kb.shown(o) for _, o in clashes)))
    reg.rationale.insert(0, f"{how} " + (
        f"Continue {asms} only if {others} is changed, as the flag advises (with its "
        f"prescriber); the options below replace {asms} if {others} cannot change."
        if clashes else
        "Continue the current treatment while its reproductive risks are reviewed with her "
        "specialist (see its flags); the options below are for that review, not a routine "
        "change." if review else
        "Continue the current treatment; no change is suggested, and no alternatives are "
        "ranked. A change needs its own reason (adverse effects, pregnancy planning, "
        "interactions): review it with the patient's specialist."))
    reg.evidence = list(dict.fromkeys([*reg.evidence, *kb.dre.definition.evidence.sources]))
    return reg


def _syndrome_add_on_next(kb: KnowledgeBase, patient: Patient, usable: list[str],
                          failed: Collection[str] = ()) -> str | None:
    """For a patient taking an ASM whose syndrome's guideline entry offers no usable first-
    or second-line drug that may be given alone and has not failed (lamotrigine in
    Lennox-Gastaut syndrome; review Y M11), the guideline's next step is add-on treatment:
    say so (else None)."""
    entry = kb.positions.for_syndrome(patient.syndrome)
    if entry is None or not patient.current_medications or any(
            d in usable and d not in entry.add_on_only and d not in failed
            for d in (*entry.first_line, *entry.second_line)):
        return None
    name = kb.vocabulary.syndromes[entry.syndrome]
    return (f"{name}: the guideline's first- and second-line options that may be given alone "
            f"are taken, failed or not usable, so its next step is add-on treatment "
            f"({kb.positions.guideline}); substitution is shown only with drugs it names and "
            "does not restrict to add-on use.")


def _stage_note(kb: KnowledgeBase, patient: Patient, current: list[str], failed: int,
                due: bool) -> str:
    """Why these kinds of regimen are offered, in one sentence."""
    if not current and failed == 0 and not patient.medication_history:
        return ("Drug-naive: start with monotherapy (NICE); combinations are for epilepsy "
                "that does not respond to monotherapy.")
    if not due:
        done = ("No adequate trial of an appropriately chosen drug has failed yet" if not failed
                else f"{plural(failed, 'adequate trial')} of an appropriately chosen drug failed")
        return (f"{done}: an alternative monotherapy (substitution) comes before add-on "
                "therapy (NICE).")
    return ("Drug-resistant epilepsy, or two or more adequate trials of appropriately chosen "
            "drugs failed: rational combination therapy with distinct mechanisms may be tried "
            "alongside referral.")
