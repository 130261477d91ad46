"""The consult as a Markdown report (for the patient record or a ticket)."""

from __future__ import annotations

from typing import Any

from advisor.report.formatting import acute_dose, mg, pct, risk_sentences, transition_lines
from advisor.result import ConsultResult, StatusEpilepticusPathway
from advisor.vocabulary import ACTION_LABEL, STATUS_LABEL


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _heading(title: str) -> list[str]:
    return ["", f"## {title}", ""]


def _genotypes(res: ConsultResult) -> list[str]:
    out = _heading("Genotypes and phenotypes")
    if res.phenotypes:
        out += ["| Gene / key | Genotype | Phenotype | Activity score | From | Sources |",
                "|---|---|---|---|---|---|"]
        for key, p in res.phenotypes.items():
            score = p.activity_score
            note = " (contested)" if p.contested else ""
            out.append(f"| {key} | {_cell(p.diplotype_or_genotype)} | "
                       f"{_cell(p.phenotype)}{note} | {'' if score is None else f'{score:g}'}"
                       f" | {p.source} | {', '.join(p.evidence)} |")
    for key, call in res.vcf_calls.items():
        origin = call.source.upper() if call.source == "vcf" else call.source
        if call.status != "called" or len(call.diplotypes) != 1:
            span = list(dict.fromkeys(call.phenotypes))
            rng = f" (phenotype range: {', '.join(span)})" if len(span) > 1 else ""
            out.append(f"- {origin} {key}: {call.status} {' or '.join(call.diplotypes)}{rng} "
                       f"{call.message or ''} (not used for doses; flags that differ across "
                       "these diplotypes are marked)".rstrip())
        elif call.overridden:
            out.append(f"- {origin} {key}: {call.diplotypes[0]} overridden by the explicit "
                       "genotype")
    if not res.phenotypes and not res.vcf_calls:
        out.append("No genotypes given.")
    return out


def _flags(res: ConsultResult) -> list[str]:
    out = _heading("Flags")
    if not res.flags:
        return [*out, "No flags."]
    out += ["| Drug | Category | Action | Severity | Why | Evidence |",
            "|---|---|---|---|---|---|"]
    for f in res.flags:
        ev = f"{', '.join(f.evidence)} ({f.evidence_level}"
        ev += ", contested)" if f.contested else ")"
        out.append(f"| {f.drug} | {f.category} | {ACTION_LABEL[f.action]} | "
                   f"{f.severity} | {_cell(f.message)} | {ev} |")
    return out


def _doses(res: ConsultResult) -> list[str]:
    out = [*_heading("Doses"), "| Drug | Standard | Recommended | Change | Basis |",
           "|---|---|---|---|---|"]
    for d in res.doses:
        extra = []
        if d.start_daily_mg:
            extra.append(f"start {d.start_daily_mg:g} mg/day")
        if d.therapeutic_range_mg_per_l:
            lo, hi = d.therapeutic_range_mg_per_l
            extra.append(f"target level {lo:g}-{hi:g} mg/L")
        out.append(f"| {d.drug} | {mg(d.standard_daily_mg)} | "
                   f"{mg(d.recommended_daily_mg)} | {pct(d.adjustment_percent)} | "
                   f"{_cell('; '.join(d.basis + extra))} |")
    return out


def _dre(res: ConsultResult) -> list[str]:
    dre = res.dre
    out = [*_heading("Drug-resistance status (ILAE)"),
           f"**{STATUS_LABEL[dre.status]}**: {dre.failed_adequate_trials} failed adequate "
           f"trial(s); sustained seizure freedom requires "
           f"{dre.required_seizure_free_months:g} months.", ""]
    out += [f"- {r}" for r in dre.reasons]
    if dre.next_steps:
        out += ["", "Next steps:", ""]
        out += [f"- {s.text} [{', '.join(s.evidence)}]" for s in dre.next_steps]
    return out


def _risk(res: ConsultResult) -> list[str]:
    out = _heading("Risk of drug resistance")
    risk = res.risk
    if not risk:
        return [*out, res.risk_note or "Not available."]
    out += [*risk_sentences(risk), f"(Model {risk.model}, version {risk.model_version}.)"]
    out += [""]
    out += [f"- {f.factor} = {f.value}: contribution {f.contribution:+.2f} (log-odds)"
            for f in risk.top_factors]
    if risk.calibration_note:
        out += ["", f"_{risk.calibration_note}_"]
    return out


def _regimens(res: ConsultResult) -> list[str]:
    out = _heading("Suggested combination regimens")
    if not res.regimens:
        out.append("No regimen could be suggested from the candidate drugs.")
    for i, reg in enumerate(res.regimens, 1):
        out.append(f"{i}. **{' + '.join(reg.drugs)}** ({reg.kind}, score {reg.score:g};"
                   f" mechanisms: {', '.join(reg.mechanisms)})")
        out += [f"   - why: {r}" for r in reg.rationale]
        out += [f"   - warning: {w}" for w in reg.warnings]
        if reg.transition.steps:
            out += [f"   - transition: {step}" for step in transition_lines(reg.transition)]
    return out


def _safety(res: ConsultResult) -> list[str]:
    if not res.safety_notes:
        return []
    return [*_heading("Reproductive and long-term safety"),
            *(f"- **{n.drug}** ({n.topic.replace('_', ' ')}): {n.text} "
              f"[{', '.join(n.evidence)}; {n.evidence_level}]" for n in res.safety_notes)]


def _status_epilepticus(se: StatusEpilepticusPathway | None) -> list[str]:
    if not se:
        return []
    out = [*_heading("Status epilepticus pathway"), f"_{se.note}_", ""]
    for st in se.stages:
        lo, hi = st.minutes
        out += [f"### {st.name} ({lo:g}-{hi:g} min)", "", st.instruction, ""]
        for opt in st.options:
            doses = "; ".join(acute_dose(d) for d in opt.doses)
            out.append(f"- {opt.drug}: {doses} [{', '.join(opt.evidence)}; "
                       f"{opt.evidence_level}]")
            out += [f"  - flag: {f}" for f in opt.flags]
        for ex in st.excluded:
            out.append(f"- ~~{ex.drug}~~ excluded: {' '.join(ex.reasons)}")
        out.append("")
    out += ["Evidence:", ""]
    out += [f"- {n.text}" + (f" [{', '.join(n.evidence)}; {n.evidence_level}]"
                             if n.evidence else "") for n in se.evidence_notes]
    return out


def _sources(res: ConsultResult) -> list[str]:
    return [*_heading("Sources"),
            *(f"- **{sid}**: {s.citation}" for sid, s in res.sources.items())]


def _footer(res: ConsultResult) -> list[str]:
    prov = res.provenance
    return ["", "---", f"advisor {prov.advisor_version}; knowledge base "
            f"{prov.knowledgebase_version} (sha256 {prov.knowledgebase_sha256[:16]}...); "
            f"model {prov.model_version or 'none'}; generated {prov.generated_at}.", ""]


def to_markdown(res: ConsultResult) -> str:
    """A Markdown report (for the patient record or a ticket)."""
    out = [f"# Antiseizure medication pharmacogenomic consult: {res.patient_id or '(no id)'}",
           "", f"> {res.disclaimer}"]
    out += _genotypes(res)
    out += _flags(res)
    out += _doses(res)
    out += _dre(res)
    out += _risk(res)
    out += _regimens(res)
    out += _safety(res)
    out += _status_epilepticus(res.status_epilepticus)
    out += _sources(res)
    out += _footer(res)
    return "\n".join(out)
