"""Render a consult result as JSON, Markdown or a self-contained printable HTML page."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

ACTION_LABEL = {"avoid": "AVOID", "reduce_dose": "Reduce dose", "increase_dose": "Increase dose",
                "use_with_caution": "Use with caution", "monitor": "Monitor", "info": "Info"}
STATUS_LABEL = {"drug_resistant": "Drug-resistant (ILAE 2010)",
                "not_drug_resistant": "Not drug-resistant (sustained seizure freedom)",
                "undetermined": "Undetermined"}


def _mg(r: list[float] | None) -> str:
    return "-" if not r else f"{r[0]:g}-{r[1]:g} mg/day"


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{p:+g}%"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(res: dict[str, Any]) -> str:
    """A Markdown report (for the patient record or a ticket)."""
    out = [f"# Antiseizure medication pharmacogenomic consult: {res['patient_id'] or '(no id)'}",
           "", f"> {res['disclaimer']}", ""]
    out += ["## Genotypes and phenotypes", ""]
    if res["phenotypes"]:
        out += ["| Gene / key | Genotype | Phenotype | Activity score | From | Sources |",
                "|---|---|---|---|---|---|"]
        for key, p in res["phenotypes"].items():
            score = p.get("activity_score")
            note = " (contested)" if p.get("contested") else ""
            out.append(f"| {key} | {_cell(p['diplotype_or_genotype'])} | "
                       f"{_cell(p['phenotype'])}{note} | {'' if score is None else f'{score:g}'}"
                       f" | {p['source']} | {', '.join(p['evidence'])} |")
    for key, call in res.get("vcf_calls", {}).items():
        if call["status"] != "called" or len(call["diplotypes"]) != 1:
            out.append(f"- VCF {key}: {call['status']} {' or '.join(call['diplotypes'])} "
                       f"{call.get('message') or ''} (not used)".rstrip())
        elif call.get("overridden"):
            out.append(f"- VCF {key}: {call['diplotypes'][0]} overridden by the explicit "
                       "genotype")
    else:
        out.append("No genotypes given.")
    out += ["", "## Flags", ""]
    if res["flags"]:
        out += ["| Drug | Category | Action | Severity | Why | Evidence |",
                "|---|---|---|---|---|---|"]
        for f in res["flags"]:
            ev = f"{', '.join(f['evidence'])} ({f['evidence_level']}"
            ev += ", contested)" if f["contested"] else ")"
            out.append(f"| {f['drug']} | {f['category']} | {ACTION_LABEL[f['action']]} | "
                       f"{f['severity']} | {_cell(f['message'])} | {ev} |")
    else:
        out.append("No flags.")
    out += ["", "## Doses", "", "| Drug | Standard | Recommended | Change | Basis |",
            "|---|---|---|---|---|"]
    for d in res["doses"]:
        extra = []
        if d.get("start_daily_mg"):
            extra.append(f"start {d['start_daily_mg']:g} mg/day")
        if d.get("therapeutic_range_mg_per_l"):
            lo, hi = d["therapeutic_range_mg_per_l"]
            extra.append(f"target level {lo:g}-{hi:g} mg/L")
        out.append(f"| {d['drug']} | {_mg(d['standard_daily_mg'])} | "
                   f"{_mg(d['recommended_daily_mg'])} | {_pct(d['adjustment_percent'])} | "
                   f"{_cell('; '.join(d['basis'] + extra))} |")
    dre = res["dre"]
    out += ["", "## Drug-resistance status (ILAE)", "",
            f"**{STATUS_LABEL[dre['status']]}**: {dre['failed_adequate_trials']} failed adequate "
            f"trial(s); sustained seizure freedom requires "
            f"{dre['required_seizure_free_months']:g} months.", ""]
    out += [f"- {r}" for r in dre["reasons"]]
    if dre["next_steps"]:
        out += ["", "Next steps:", ""]
        out += [f"- {s['text']} [{', '.join(s['evidence'])}]" for s in dre["next_steps"]]
    out += ["", "## Risk of drug resistance", ""]
    risk = res["risk"]
    if risk:
        out.append(f"Probability of drug-resistant epilepsy: {risk['p_drug_resistance']:.0%}; "
                   "probability of seizure freedom on the next regimen: "
                   f"{risk['p_seizure_freedom_next_regimen']:.1%} "
                   f"(model {risk['model']} {risk['model_version']}).")
        out += [f"- {f['factor']} = {f['value']}: contribution {f['contribution']:+.2f} "
                "(log-odds)" for f in risk.get("top_factors", [])]
        if risk.get("calibration_note"):
            out += ["", f"_{risk['calibration_note']}_"]
    else:
        out.append(res.get("risk_note") or "Not available.")
    out += ["", "## Suggested combination regimens", ""]
    if not res["regimens"]:
        out.append("No regimen could be suggested from the candidate drugs.")
    for i, reg in enumerate(res["regimens"], 1):
        out.append(f"{i}. **{' + '.join(reg['drugs'])}** ({reg['kind']}, score {reg['score']:g};"
                   f" mechanisms: {', '.join(reg['mechanisms'])})")
        out += [f"   - why: {r}" for r in reg["rationale"]]
        out += [f"   - warning: {w}" for w in reg["warnings"]]
        tr = reg.get("transition")
        if tr and tr["steps"]:
            out += [f"   - transition: {step}" for step in _transition_lines(tr)]
    if res.get("safety_notes"):
        out += ["", "## Reproductive and long-term safety", ""]
        out += [f"- **{n['drug']}** ({n['topic'].replace('_', ' ')}): {n['text']} "
                f"[{', '.join(n['evidence'])}; {n['evidence_level']}]" for n in res["safety_notes"]]
    se = res.get("status_epilepticus")
    if se:
        out += ["", "## Status epilepticus pathway", "", f"_{se['note']}_", ""]
        for st in se["stages"]:
            lo, hi = st["minutes"]
            out += [f"### {st['name']} ({lo:g}-{hi:g} min)", "", st["instruction"], ""]
            for opt in st["options"]:
                doses = "; ".join(_acute_dose(d) for d in opt["doses"])
                out.append(f"- {opt['drug']}: {doses} [{', '.join(opt['evidence'])}; "
                           f"{opt['evidence_level']}]")
                out += [f"  - flag: {f}" for f in opt["flags"]]
            for ex in st["excluded"]:
                out.append(f"- ~~{ex['drug']}~~ excluded: {' '.join(ex['reasons'])}")
            out.append("")
        out += ["Evidence:", ""]
        out += [f"- {n['text']}" + (f" [{', '.join(n['evidence'])}; {n['evidence_level']}]"
                                    if n["evidence"] else "") for n in se["evidence_notes"]]
    out += ["", "## Sources", ""]
    out += [f"- **{sid}**: {s['citation']}" for sid, s in res["sources"].items()]
    prov = res["provenance"]
    out += ["", "---", f"advisor {prov['advisor_version']}; knowledge base "
            f"{prov['knowledgebase_version']} (sha256 {prov['knowledgebase_sha256'][:16]}...); "
            f"model {prov['model_version'] or 'none'}; generated {prov['generated_at']}.", ""]
    return "\n".join(out)


def _acute_dose(d: dict[str, Any]) -> str:
    amount = f"{d['dose_mg']:g} mg" if d.get("dose_mg") is not None else d.get("dose_rule", "")
    parts = [f"{d['route']} {amount}"]
    if d.get("dose_rule") and d.get("dose_mg") is not None:
        parts.append(f"({d['dose_rule']})")
    if d.get("weight_band"):
        parts.append(f"for {d['weight_band']}")
    if d.get("repeat"):
        parts.append(f"- {d['repeat']}")
    return " ".join(parts)


def _transition_lines(tr: dict[str, Any]) -> list[str]:
    lines = list(tr["sequence"])
    for step in tr["steps"]:
        if step["action"] == "continue":
            lines.append(f"continue {step['drug']}")
        elif step["action"] == "add":
            sched = ", ".join(f"{x['weeks']}: {x['daily_mg']:g} mg/day" if x.get("daily_mg")
                              else f"{x['weeks']}: {x['daily_mg_per_kg']:g} mg/kg/day"
                              for x in step["schedule"])
            then = f"; then {step['then']}" if step.get("then") else ""
            target = (f" to {step['target_daily_mg'][0]:g}-{step['target_daily_mg'][1]:g} "
                      "mg/day" if step.get("target_daily_mg") else "")
            lines.append(f"add {step['drug']}: {sched or 'see label'}{then}{target}")
        else:
            lines.append(f"withdraw {step['drug']}: {step['notes'][0]}")
    lines += [c["change"] for c in tr["interaction_changes"]]
    return lines


_ENV = Environment(loader=PackageLoader("advisor", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                   lstrip_blocks=True)


def to_html(res: dict[str, Any]) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no network) fit to print."""
    return _ENV.get_template("report.html.j2").render(
        r=res, action_label=ACTION_LABEL, status_label=STATUS_LABEL, mg=_mg, pct=_pct,
        transition_lines=_transition_lines, acute_dose=_acute_dose)


def render(res: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(res, indent=2, ensure_ascii=False, default=str)
    if fmt == "html":
        return to_html(res)
    return to_markdown(res)
