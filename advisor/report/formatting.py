"""Plain-text pieces shared by the Markdown and the HTML report."""

from __future__ import annotations

from advisor.numbers import percent
from advisor.result import AddStep, ContinueStep, PathwayDose, Risk, TransitionPlan


def mg(r: list[float] | None) -> str:
    """A daily range in mg, or "-" when there is none."""
    return "-" if not r else f"{r[0]:g}-{r[1]:g} mg/day"


def pct(p: float | None) -> str:
    return "-" if p is None else f"{p:+g}%"


def probability(p: float | None, interval: list[float] | None) -> str:
    """A probability with its 95% uncertainty interval, e.g. "2.1% (95% interval 0.84-3.8%)"."""
    if p is None:
        return "not estimated"
    if not interval:
        return percent(p)
    return f"{percent(p)} (95% interval {percent(interval[0])[:-1]}-{percent(interval[1])})"


def risk_sentences(risk: Risk) -> list[str]:
    """The two estimates (or why one is not given), as sentences."""
    out = []
    if risk.p_drug_resistance is not None:
        out.append("Probability of drug-resistant epilepsy: "
                   f"{probability(risk.p_drug_resistance, risk.p_drug_resistance_interval)}.")
    out.append("Probability of seizure freedom on the next regimen: "
               + probability(risk.p_seizure_freedom_next_regimen,
                             risk.p_seizure_freedom_next_regimen_interval) + ".")
    return [*out, *risk.notes]


def acute_dose(d: PathwayDose) -> str:
    """One status-epilepticus dose: route, amount (or mg/kg rule), band and repeat."""
    amount = f"{d.dose_mg:g} mg" if d.dose_mg is not None else (d.dose_rule or "")
    parts = [f"{d.route} {amount}"]
    if d.dose_rule and d.dose_mg is not None:
        parts.append(f"({d.dose_rule})")
    if d.weight_band:
        parts.append(f"for {d.weight_band}")
    if d.repeat:
        parts.append(f"- {d.repeat}")
    return " ".join(parts)


def transition_lines(tr: TransitionPlan) -> list[str]:
    """The transition plan as one line per instruction, in the order to follow them."""
    lines = list(tr.sequence)
    for step in tr.steps:
        if isinstance(step, ContinueStep):
            lines.append(f"continue {step.drug}")
        elif isinstance(step, AddStep):
            sched = ", ".join(f"{x.weeks}: {x.daily_mg:g} mg/day" if x.daily_mg
                              else f"{x.weeks}: {x.daily_mg_per_kg:g} mg/kg/day"
                              for x in step.schedule)
            then = f"; then {step.then}" if step.then else ""
            target = (f" to {step.target_daily_mg[0]:g}-{step.target_daily_mg[1]:g} "
                      "mg/day" if step.target_daily_mg else "")
            lines.append(f"add {step.drug}: {sched or 'see label'}{then}{target}")
        else:
            lines.append(f"withdraw {step.drug}: {step.notes[0]}")
    lines += [c.change for c in tr.interaction_changes]
    return lines
