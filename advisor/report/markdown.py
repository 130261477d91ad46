"""The consult as a short Markdown report (for the patient record or a ticket).

The summary comes first; then genotypes, flags (grouped, one row per drug, most pressing
first; information about drugs not in play folded away), doses, ILAE status and risk,
regimens, safety, and the numbered references at the end.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from advisor.numbers import number, plural
from advisor.report.formatting import (
    acute_dose,
    citation,
    mechanisms,
    mg,
    minutes,
    model_text,
    patient_line,
    pct,
    probability,
    regimen_tag,
    shared_lines,
    shared_notes,
    start_text,
    statements,
    transition_lines,
    value_text,
    words,
)
from advisor.report.layout import (
    NO_REGIMEN,
    NOT_SHOWN,
    Citations,
    Line,
    flag_groups,
    summary_blocks,
)
from advisor.result import ConsultResult, Dose, Flag, StatusEpilepticusPathway
from advisor.summary import summary_of, without_citations
from advisor.vocabulary import ACTION_LABEL, LEVEL_LABEL, STATUS_LABEL


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _refs(cite: Citations, ids: list[str]) -> str:
    marks = cite(ids)
    return f" {marks}" if marks else ""


def _line(line: Line, cite: Citations) -> str:
    level = f" (evidence {LEVEL_LABEL[line.level]})" if line.level else ""
    return f"**{line.lead}**: {line.text}{level}{_refs(cite, line.refs)}"


MAX_NEXT_STEPS = 3  # in the summary; the drug-resistance section lists every step


def _summary(res: ConsultResult, cite: Citations) -> list[str]:
    out = ["", "## Summary"]
    for block in summary_blocks(res):
        # one line whose lead is all the headline says: on the block's own line (not the
        # emergency's doses, nor 'nothing for the drugs in play; checked in part: ...')
        if len(block.lines) == 1 and block.key != "avoid" \
                and block.headline == block.lines[0].lead:
            out.append(f"- **{block.title}**: {_line(block.lines[0], cite)}")
            continue
        out.append(f"- **{block.title}**: {block.headline}")
        shown = block.lines[:MAX_NEXT_STEPS] if block.key == "dre" else block.lines
        out += [f"  - {_line(line, cite)}" for line in shown]
        if len(block.lines) > len(shown):  # the full list is in the drug-resistance section
            out[-1] += f" (+{plural(len(block.lines) - len(shown), 'more step')} below)"
    return out


def _genotypes(res: ConsultResult, cite: Citations) -> list[str]:
    out = ["", "## Genotypes and phenotypes"]
    if res.phenotypes:
        out += ["| Gene / key | Genotype | Phenotype | From |", "|---|---|---|---|"]
        for key, p in res.phenotypes.items():
            score = f" (activity score {number(p.activity_score)})" \
                if p.activity_score is not None else ""
            note = " (contested)" if p.contested else ""
            out.append(f"| {key} | {_cell(words(p.diplotype_or_genotype))} | {_cell(p.phenotype)}"
                       f"{score}{note}{_refs(cite, p.evidence)} | {p.source} |")
    calls = []
    for key, call in res.vcf_calls.items():
        origin = call.source.upper() if call.source == "vcf" else call.source
        if call.status != "called" or len(call.diplotypes) != 1:
            span = list(dict.fromkeys(call.phenotypes))
            rng = f" (phenotype range: {', '.join(span)})" if len(span) > 1 else ""
            calls.append(f"- {origin} {key}: {call.status} {' or '.join(call.diplotypes)}"
                         f"{rng} {call.message or ''} (not used for doses; flags that differ "
                         "across these diplotypes are marked)")
        elif call.overridden:
            calls.append(f"- {origin} {key}: {call.diplotypes[0]} overridden by the explicit "
                         "genotype")
    if calls:
        out += ["", *calls]
    if not res.phenotypes and not res.vcf_calls:
        out.append("No genotypes given.")
    return out


def _flag_text(f: Flag, cite: Citations) -> str:
    contested = ", contested" if f.contested else ""
    return (f"**{ACTION_LABEL[f.action]}** ({words(f.category)}, {f.severity} severity): "
            f"{_cell(words(f.message))}{_refs(cite, f.evidence)} (evidence "
            f"{LEVEL_LABEL[f.evidence_level]}{contested}; rule {f.rule})")


def _flags(res: ConsultResult, cite: Citations) -> list[str]:
    out = ["", "## Flags"]
    groups, collapsed = flag_groups(res)
    if not groups and not collapsed:
        return [*out, "No flags."]
    for group in groups:
        out += [f"| {group.title} | Flags, most pressing first |", "|---|---|"]
        out += [f"| **{words(d.drug)}** | {'<br>'.join(_flag_text(f, cite) for f in d.flags)} |"
                for d in group.drugs]
    if collapsed:
        items = "<br>".join(f"{words(f.drug)}: {_flag_text(f, cite)}" for f in collapsed)
        out += [f"<details><summary>{plural(len(collapsed), 'information-only flag')} "
                f"about drugs not in play</summary>{items}</details>"]
    return out


def _dose_row(d: Dose, res: ConsultResult, cite: Citations, said: Collection[str] = ()) -> str:
    extra = [start_text(d, res)] if d.start_daily_mg else []
    if d.therapeutic_range_mg_per_l:
        lo, hi = d.therapeutic_range_mg_per_l
        extra.append(f"target level {number(lo)}–{number(hi)} mg/L")
    basis = words(statements([*(b for b in (without_citations(b) for b in d.basis)
                                if b not in said), *extra]))
    return (f"| {d.drug} | {mg(d.standard_daily_mg, d.unit)} | "
            f"{mg(d.recommended_daily_mg, d.unit)} | "
            f"{pct(d.adjustment_percent)} | {_cell(basis)}{_refs(cite, d.evidence)} |")


def _start_only(d: Dose) -> str:
    """A dose without a maintenance target, in words: its start only."""
    start = f"start {mg([d.start_daily_mg], d.unit)}, " if d.start_daily_mg else ""
    return f"({start}no maintenance target for this patient)"


def _doses(res: ConsultResult, cite: Citations) -> list[str]:
    summary = summary_of(res)
    first = set(summary.in_play) | {c.drug for c in summary.dose_changes}
    # a dose read with a kidney or liver statement keeps its row (its caution), also when
    # the statement gives no number (review Q M5: carbamazepine in cirrhosis)
    shown = [d for d in res.doses if d.drug in first or d.organ_statements]
    rest = [d for d in res.doses if d not in shown]
    out = ["", "## Doses"]
    if shown:
        said = shared_notes(shown)
        out += ["", *shared_lines(said)] if said else []
        out += ["", "| Drug | Standard | Recommended | Change | Basis |", "|---|---|---|---|---|"]
        out += [_dose_row(d, res, cite, said) for d in shown]
    if rest:
        dosed = [f"{d.drug} {_start_only(d) if d.no_target else mg(d.recommended_daily_mg, d.unit)}"
                 f"{_refs(cite, d.evidence)}"
                 for d in rest if d.status == "dosed" and not d.short_term_only]
        # acute-only drugs (ketamine, lorazepam) are the status-epilepticus pathway's, not
        # candidates for a maintenance regimen; nor is a short-term substitute (review S C3)
        other = [f"{d.drug} ({d.status_text})" for d in rest
                 if d.status not in ("dosed", "no_maintenance") and not d.short_term_only]
        brief = [d.drug for d in rest if d.short_term_only]
        out += ["", "Other candidates at the labelled dose: " + ("; ".join(dosed) or "none")
                + (". Not dosed: " + ", ".join(other) if other else "") + "."
                + (f" Short-term substitutes only, not for long-term treatment: "
                   f"{', '.join(brief)}." if brief else "")]
    return out


def _dre(res: ConsultResult, cite: Citations) -> list[str]:
    dre = res.dre
    out = ["", "## Drug resistance (ILAE 2010) and risk",
           f"**{STATUS_LABEL[dre.status]}**: "
           + (f"{dre.not_classified}{_refs(cite, dre.evidence)}. " if dre.not_classified else
              f"{plural(dre.failed_adequate_trials, 'failed adequate trial')}; sustained "
              f"seizure freedom requires {plural(dre.required_seizure_free_months, 'month')}"
              f"{_refs(cite, dre.evidence)}. ")
           + " ".join(words(r) for r in dre.reasons)]
    if dre.next_steps:
        out += ["", "**Next steps**: " + " ".join(
            f"({i}) {words(s.text)} (evidence {LEVEL_LABEL[s.evidence_level]})"
            f"{_refs(cite, s.evidence)}" for i, s in enumerate(dre.next_steps, 1))]
    risk = res.risk
    if not risk:
        return [*out, "", res.risk_note or "Risk model not available."]
    estimates = []
    if risk.p_drug_resistance is not None:
        estimates.append("probability of drug-resistant epilepsy "
                         + probability(risk.p_drug_resistance, risk.p_drug_resistance_interval))
    estimates.append("probability of seizure freedom on the next regimen "
                     + probability(risk.p_seizure_freedom_next_regimen,
                                   risk.p_seizure_freedom_next_regimen_interval))
    factors = ", ".join(f"{words(f.factor)} = {value_text(f.value)} ({f.contribution:+.2f})"
                        for f in risk.top_factors)
    text = [f"Model estimate{_refs(cite, risk.evidence)}: " + "; ".join(estimates) + ".",
            *risk.notes, f"Main factors (log-odds): {factors}." if factors else "",
            f"_Model {risk.model}, version {risk.model_version}. {risk.calibration_note}_"]
    out += ["", " ".join(t for t in text if t)]
    return out


def _regimens(res: ConsultResult, cite: Citations) -> list[str]:
    out = ["", "## Suggested regimens"]
    if not res.regimens:
        return [*out, res.no_regimen or NO_REGIMEN]
    doses = {d.drug: d for d in res.doses}
    out += ["| # | Regimen | Why | Warnings | Steps |", "|---|---|---|---|---|"]
    for i, reg in enumerate(res.regimens, 1):
        name = (f"**{' + '.join(reg.drugs)}** ({regimen_tag(reg)})"
                f"<br>{_cell(mechanisms(reg))}")
        steps = "<br>".join(_cell(words(x)) for x in transition_lines(reg.transition, doses))
        out.append(f"| {i} | {name} | {_cell(words(' '.join(reg.rationale)))}"
                   f"{_refs(cite, reg.evidence)} | {_cell(words(' '.join(reg.warnings)))} | "
                   f"{steps} |")
    if res.not_shown:
        out += ["", f"**{NOT_SHOWN}**:",
                *(f"- **{n.drug}**: {words(n.reason)}" for n in res.not_shown)]
    return out


def _safety(res: ConsultResult, cite: Citations) -> list[str]:
    if not res.safety_notes and not res.advice:
        return []
    out = ["", "## Safety and advice"]
    out += [f"- **{n.drug}** ({words(n.topic)}): {n.text}{_refs(cite, n.evidence)} "
            f"(evidence {LEVEL_LABEL[n.evidence_level]})" for n in res.safety_notes]
    out += [f"- **{words(a.topic)}**: {a.text}{_refs(cite, a.evidence)} "
            f"(evidence {LEVEL_LABEL[a.evidence_level]}{', contested' if a.contested else ''})"
            for a in res.advice]
    return out


def _status_epilepticus(se: StatusEpilepticusPathway | None, cite: Citations) -> list[str]:
    if not se:
        return []
    out = ["", "## Status epilepticus pathway", f"_{se.note}_"]
    for st in se.stages:
        out += ["", f"### {st.name} ({minutes(*st.minutes)})", st.instruction]
        for opt in st.options:
            doses = "; ".join(acute_dose(d) for d in opt.doses)
            out.append(f"- {opt.drug}: {doses}{_refs(cite, opt.evidence)} (evidence "
                       f"{LEVEL_LABEL[opt.evidence_level]})")
            out += [f"  - flag: {words(f)}" for f in opt.flags]
        for ex in st.excluded:
            out.append(f"- ~~{ex.drug}~~ excluded: {words(' '.join(ex.reasons))}"
                       f"{_refs(cite, ex.evidence)}")
    out += ["", "Evidence:"]
    out += [f"- {n.text}{_refs(cite, n.evidence)}" for n in se.evidence_notes]
    return out


def references(cite: Citations) -> list[str]:
    return ["", "## References", *(f"{n}. {citation(src, sid)} ({sid})"
                                   for n, sid, src in cite.listed())]


def _footer(res: ConsultResult) -> list[str]:
    prov = res.provenance
    return ["", "---", f"advisor {prov.advisor_version}; knowledge base "
            f"{prov.knowledgebase_version} (sha256 {prov.knowledgebase_sha256[:16]}...); "
            f"{model_text(prov)}; generated {prov.generated_at}.", ""]


def to_markdown(res: ConsultResult) -> str:
    """A short Markdown report: summary first, references at the end."""
    cite = Citations(res.sources)
    who = patient_line(summary_of(res).patient)
    out = [f"# Antiseizure medication pharmacogenomic consult: {res.patient_id or '(no id)'}",
           *([who + "."] if who else []), "", f"> {res.disclaimer}"]
    acute = bool(summary_of(res).emergency)  # the emergency: next to the summary
    out += _summary(res, cite)
    out += _status_epilepticus(res.status_epilepticus, cite) if acute else []
    for part in (_genotypes, _flags, _doses, _dre, _regimens, _safety):
        out += part(res, cite)
    out += [] if acute else _status_epilepticus(res.status_epilepticus, cite)
    out += references(cite)
    out += _footer(res)
    return "\n".join(out)
