"""ILAE drug-resistance status (Kwan et al. 2010) from the medication history."""

from __future__ import annotations

from advisor.frame import PatientFrame, frame_from_patients
from advisor.inputs.patient import Patient, Trial
from advisor.knowledge import KnowledgeBase
from advisor.numbers import plural, syndrome_phrase
from advisor.result import DreResult, DreStatus, NextStep
from advisor.rules import row_mask

DAYS_PER_MONTH = 365.25 / 12


def required_seizure_free_months(kb: KnowledgeBase, interval_days: float | None) -> float:
    """The longer of the minimum (12 months) and 3x the longest pre-treatment interval."""
    d = kb.dre.definition
    if interval_days is None:
        return d.min_seizure_free_months
    return round(max(d.min_seizure_free_months,
                     d.interval_multiplier * interval_days / DAYS_PER_MONTH), 1)


IGNORED_TYPES = {"unknown", "status_epilepticus"}


def appropriate(kb: KnowledgeBase, patient: Patient, drug_name: str) -> tuple[bool | None, str]:
    """Whether a drug was an appropriate choice for the patient's epilepsy (ILAE 2010:
    'appropriately chosen'): its spectrum covers a seizure type or the syndrome, and the
    knowledge base does not say it aggravates them, or the guideline names it for the
    patient's syndrome (NG217 names lamotrigine second-line for Lennox-Gastaut syndrome
    although it may exacerbate it). A drug the guideline places first line for one of the
    patient's seizure types is not disqualified by a caution that it may aggravate another
    (review U M5: vigabatrin for a child's epileptic spasms, beside tonic seizures); a 'do not
    use' still disqualifies it. None when the seizure types are unknown."""
    drug = kb.drugs[drug_name]
    types = [t for t in patient.seizure_types if t not in IGNORED_TYPES]
    entry = kb.positions.for_syndrome(patient.syndrome)
    if entry is not None and drug_name in entry.named:
        return True, ""
    first_line = any(p.seizure_type in types and drug_name in p.first_line
                     for p in kb.positions.positions)
    for agg in drug.aggravates:
        if first_line and agg.action != "avoid":
            continue
        hits = [kb.vocabulary.seizure_types[t].lower() for t in agg.seizure_types
                if t in patient.seizure_types]
        if patient.syndrome in agg.syndromes:
            hits.append(syndrome_phrase(kb.vocabulary.syndromes[patient.syndrome]))
        if hits and agg.action in ("avoid", "use_with_caution"):
            return False, f"may aggravate the patient's {', '.join(hits)}"
    if not types and patient.syndrome is None:
        return None, ("seizure types unknown, so whether it was appropriately chosen cannot "
                      "be judged")
    fits = any(drug.spectrum.covers(t, patient.syndrome) for t in types) or (
        patient.syndrome is not None and patient.syndrome in drug.spectrum.syndromes)
    if not fits:
        named = [kb.vocabulary.seizure_types[t].lower() for t in types]
        return False, f"not indicated for the patient's {', '.join(named) or 'syndrome'}"
    return True, ""


def _count(kb: KnowledgeBase, patient: Patient, trial: Trial, required: float
           ) -> tuple[bool, str]:
    """Whether a trial counts as a failure toward the ILAE definition, and why, in one line."""
    name = trial.drug
    if trial.outcome in ("inefficacy", "relapse"):
        if trial.outcome == "relapse" and trial.seizure_free_months >= required:
            return False, (f"{name}: seizure-free for {trial.seizure_free_months:g} months (at "
                           f"least the {required:g} required) before seizures returned: a "
                           "success followed by a new episode, not a failure.")
        if not trial.adequate:
            why = "not stated to be adequate" if trial.adequate is None else "not adequate"
            return False, (f"{name}: failed but {why} (dose or duration), so it does not "
                           "count.")
        fit, why = appropriate(kb, patient, name)
        if fit is False:
            return False, (f"{name}: not counted: not an appropriately chosen drug for this "
                           f"epilepsy ({why}; ILAE 2010 counts only appropriately chosen "
                           "drugs).")
        caveat = f" ({why})" if fit is None else ""
        if trial.outcome == "relapse":
            return True, (f"{name}: counted as a failure: seizure freedom lasted "
                          f"{trial.seizure_free_months:g} months, less than the {required:g} "
                          f"required, and seizures returned on an adequate dose{caveat}.")
        return True, f"{name}: counted as an adequate trial that failed{caveat}."
    if trial.outcome == "intolerance":
        return False, (f"{name}: stopped for intolerance" + (f" ({trial.note})" if trial.note
                                                             else "")
                       + "; an intolerant trial does not count as a failure.")
    if trial.outcome == "seizure_free":
        return False, f"{name}: seizure freedom (see below), not a failure."
    return False, f"{name}: outcome {trial.outcome.replace('_', ' ')}; not counted."


def _with_note(line: str, trial: Trial) -> str:
    """A trial's line with its medication-history note, which is shown nowhere else (review
    Y-M4: 'low mood and depression since starting' was dropped); the intolerance line
    already names it."""
    note = " ".join((trial.note or "").split())
    if not note or trial.outcome == "intolerance":
        return line
    return f"{line} Note in the medication history: {note}" + (
        "" if note.endswith((".", "!", "?")) else ".")


def last_seizure_free(history: list[Trial]) -> Trial | None:
    """The trial the patient is seizure-free on: the last one, or the last before trials
    stopped only for intolerance (which say nothing about seizure control); None when a
    later trial ended otherwise."""
    for trial in reversed(history):
        if trial.outcome == "seizure_free":
            return trial
        if trial.outcome != "intolerance":
            return None
    return None


def classify(kb: KnowledgeBase, patient: Patient, frame: PatientFrame | None = None,
             row: int = 0) -> DreResult:
    """Classify one patient against the ILAE definition, with one line per trial saying how
    it was counted. ``frame`` (the consult's) decides which next steps apply."""
    d = kb.dre.definition
    required = required_seizure_free_months(kb, patient.longest_pretreatment_interval_days)
    reasons: list[str] = []
    if patient.longest_pretreatment_interval_days is None:
        reasons.append(f"Longest pre-treatment inter-seizure interval not given: "
                       f"{d.min_seizure_free_months:g} months of seizure freedom assumed as the "
                       f"minimum; it is longer if that interval exceeded "
                       f"{d.min_seizure_free_months / d.interval_multiplier:g} months.")
    else:
        reasons.append(f"Sustained seizure freedom requires {required:g} months (the longer of "
                       f"{d.min_seizure_free_months:g} months and {d.interval_multiplier:g}x the "
                       f"longest pre-treatment interval of "
                       f"{plural(patient.longest_pretreatment_interval_days, 'day')}).")
    failed: list[str] = []
    for trial in patient.medication_history:
        counted, line = _count(kb, patient, trial, required)
        reasons.append(_with_note(line, trial))
        if counted and trial.drug not in failed:
            failed.append(trial.drug)
    if failed:
        reasons.append(f"{plural(len(failed), 'adequate, tolerated, appropriately chosen trial')}"
                       f" failed: {', '.join(failed)}.")
    if patient.medication_history and d.rationale:
        reasons.append(d.rationale)
    last = last_seizure_free(patient.medication_history)
    free_months = (last.seizure_free_months or 0.0) if last else 0.0
    status, reason = _status(kb, last, free_months, required, len(failed))
    evidence = list(d.evidence.sources)
    not_classified = None
    if kb.manifest.neonatal_period.seizure_type in patient.seizure_types:  # review K M11
        not_classified = "neonatal seizures, not classified"
        status, reason = "undetermined", (
            "Neonatal seizures: drug resistance is not classified. The ILAE 2010 definition is "
            "for epilepsy, and most neonatal seizures are acute provoked seizures, after which "
            "the ILAE neonatal guideline (2023) advises stopping antiseizure medication before "
            "discharge: the trials above are counted for information only.")
        evidence.append("ILAE-2023-neonatal-seizures")
    reasons.append(reason)
    steps = []
    if status == "drug_resistant":
        frame = frame if frame is not None else frame_from_patients(kb, [patient])
        steps = _next_steps(kb, frame, row, seizure_free=last is not None)
    return DreResult(status=status, failed_adequate_trials=len(failed),
                     required_seizure_free_months=required,
                     current_seizure_free_months=free_months,
                     seizure_free_drug=last.drug if last else None, reasons=reasons,
                     next_steps=steps, evidence=evidence, not_classified=not_classified)


def _status(kb: KnowledgeBase, last: Trial | None, free_months: float, required: float,
            failed: int) -> tuple[DreStatus, str]:
    """The ILAE status and the line saying why, from the trial the patient is seizure-free
    on (``last``, for ``free_months``) and the number of failed adequate trials."""
    d = kb.dre.definition
    resistant = (f"At least {d.min_failed_adequate_trials} adequate, tolerated, appropriately "
                 "chosen ASM schedules failed to achieve sustained seizure freedom (ILAE 2010).")
    if last and free_months >= required:
        return "not_drug_resistant", (f"Seizure-free for {free_months:g} months on {last.drug} "
                                      f"(at least {required:g} required): sustained seizure "
                                      "freedom.")
    short = (f"Seizure-free for {free_months:g} months on {last.drug}, less than the "
             f"{required:g} months required: ") if last else ""
    if failed >= d.min_failed_adequate_trials:
        return "drug_resistant", resistant + (
            f" {short}not yet sustained; if it reaches that, the patient is drug responsive "
            "(the classification follows the course of treatment)." if last else "")
    if last:
        return "undetermined", f"{short}outcome not yet determined."
    return "undetermined", (f"Fewer than {d.min_failed_adequate_trials} adequate, tolerated, "
                            "appropriately chosen trials have failed: not drug-resistant by "
                            "the ILAE definition so far.")


def _next_steps(kb: KnowledgeBase, frame: PatientFrame, row: int, *, seizure_free: bool
                ) -> list[NextStep]:
    """The knowledge base's steps after drug resistance whose conditions hold for the row;
    while seizure freedom not yet sustained (``seizure_free``), only those marked for it."""
    return [NextStep(id=step.id, text=step.text + (
                         f" {step.seizure_free_text}" if seizure_free and step.seizure_free_text
                         else ""), evidence=list(step.evidence.sources),
                     seizure_free_note=step.seizure_free_text if seizure_free else None,
                     evidence_level=step.evidence.level)
            for step in kb.dre.next_steps
            if (step.while_seizure_free or not seizure_free)
            and all(row_mask(frame, cond)[row] for cond in step.when)]
