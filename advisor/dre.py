"""ILAE drug-resistance status (Kwan et al. 2010) from the medication history."""

from __future__ import annotations

from advisor.inputs.patient import Patient
from advisor.knowledge import KnowledgeBase
from advisor.result import DreResult, DreStatus, NextStep

DAYS_PER_MONTH = 365.25 / 12


def required_seizure_free_months(kb: KnowledgeBase, interval_days: float | None) -> float:
    """The longer of the minimum (12 months) and 3x the longest pre-treatment interval."""
    d = kb.dre.definition
    if interval_days is None:
        return d.min_seizure_free_months
    return round(max(d.min_seizure_free_months,
                     d.interval_multiplier * interval_days / DAYS_PER_MONTH), 1)


def _lesional(patient: Patient) -> bool:
    c = patient.clinical
    return c.etiology == "structural" or bool(c.hippocampal_sclerosis)


def classify(kb: KnowledgeBase, patient: Patient) -> DreResult:
    """Classify one patient against the ILAE definition, with reasons in plain words."""
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
                       f"{patient.longest_pretreatment_interval_days:g} days).")
    failed: list[str] = []
    for trial in patient.medication_history:
        if trial.outcome == "inefficacy" and trial.adequate:
            if trial.drug not in failed:
                failed.append(trial.drug)
        elif trial.outcome == "inefficacy":
            why = "not stated to be adequate" if trial.adequate is None else "not adequate"
            reasons.append(f"{trial.drug}: failed but {why} (dose or duration), so it does "
                           "not count.")
        elif trial.outcome == "intolerance":
            reasons.append(f"{trial.drug}: stopped for intolerance"
                           + (f" ({trial.note})" if trial.note else "")
                           + "; an intolerant trial does not count as a failure.")
    if failed:
        reasons.append(f"{len(failed)} adequate, tolerated trial(s) failed: {', '.join(failed)}.")
    last = patient.medication_history[-1] if patient.medication_history else None
    free = last is not None and last.outcome == "seizure_free"
    free_months = (last.seizure_free_months or 0.0) if free else 0.0
    if free and free_months >= required:
        status: DreStatus = "not_drug_resistant"
        reasons.append(f"Seizure-free for {free_months:g} months on {last.drug} (at least "
                       f"{required:g} required): sustained seizure freedom.")
    elif free:
        status = "undetermined"
        reasons.append(f"Seizure-free for {free_months:g} months on {last.drug}, less than the "
                       f"{required:g} months required: outcome not yet determined.")
    elif len(failed) >= d.min_failed_adequate_trials:
        status = "drug_resistant"
        reasons.append(f"At least {d.min_failed_adequate_trials} adequate, tolerated ASM "
                       "schedules failed to achieve sustained seizure freedom (ILAE 2010).")
    else:
        status = "undetermined"
        reasons.append(f"Fewer than {d.min_failed_adequate_trials} adequate, tolerated trials "
                       "have failed: not drug-resistant by the ILAE definition so far.")
    steps = []
    if status == "drug_resistant":
        lesional = "focal" in patient.seizure_types and _lesional(patient)
        for step in kb.dre.next_steps:
            if step.when == "always" or (step.when == "focal_lesional") == lesional:
                steps.append(NextStep(id=step.id, text=step.text,
                                      evidence=list(step.evidence.sources),
                                      evidence_level=step.evidence.level))
    return DreResult(status=status, failed_adequate_trials=len(failed),
                     required_seizure_free_months=required,
                     current_seizure_free_months=free_months, reasons=reasons,
                     next_steps=steps, evidence=list(d.evidence.sources))
