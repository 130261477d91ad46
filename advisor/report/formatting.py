"""Plain-text pieces shared by the Markdown and the HTML report."""

from __future__ import annotations

from advisor.result import AddStep, ContinueStep, PathwayDose, TransitionPlan


def mg(r: list[float] | None) -> str:
    """A daily range in mg, or "-" when there is none."""
    return "-" if not r else f"{r[0]:g}-{r[1]:g} mg/day"


def pct(p: float | None) -> str:
    return "-" if p is None else f"{p:+g}%"


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
