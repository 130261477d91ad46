"""The consult result on screen: the summary as coloured cards, the downloads, then the
details in tabs (flags, doses, regimens, ILAE status and risk, genotypes, safety, references).
Every statement keeps its evidence level and numbered sources, one click away."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import pandas as pd
import streamlit as st

from advisor.numbers import daily_mg, number, plural, signed_percent
from advisor.report import render
from advisor.report.formatting import (
    basis_text,
    mechanisms,
    model_text,
    probability,
    regimen_tag,
    shared_lines,
    shared_notes,
    start_text,
    transition_lines,
    value_text,
    words,
)
from advisor.report.layout import (
    NO_REGIMEN,
    NOT_SHOWN,
    Block,
    Citations,
    DrugFlags,
    flag_groups,
    summary_blocks,
)
from advisor.resources import models_dir
from advisor.result import ConsultResult, Flag
from advisor.ui.common import badge, disclaimer, md, source_link, sources_popover
from advisor.vocabulary import ACTION_LABEL, LEVEL_LABEL, STATUS_LABEL

CARD: dict[str, Callable[..., object]] = {"emergency": st.error, "avoid": st.error,
                                          "dose": st.warning, "monitor": st.info,
                                          "regimen": st.success}
COLOUR = {"emergency": "red", "avoid": "red", "dose": "orange", "monitor": "blue",
          "dre": "violet", "regimen": "green"}
ICON_OF = {"emergency": ":material/emergency:", "avoid": ":material/block:",
           "dose": ":material/tune:",
           "monitor": ":material/visibility:", "dre": ":material/insights:",
           "regimen": ":material/medication:"}
SHOWN = 3  # items on a card (all for 'avoid'); the rest are one tab away
TAB = {"dose": "Doses", "monitor": "Flags", "dre": "ILAE status and risk",
       "regimen": "Regimens"}
ICON = {"avoid": ":material/block:", "reduce_dose": ":material/arrow_downward:",
        "increase_dose": ":material/arrow_upward:", "use_with_caution": ":material/warning:",
        "monitor": ":material/visibility:", "info": ":material/info:"}


def _card(block: Block, cite: Citations) -> None:
    """A coloured card when the block holds actions; a plain one when it says 'none'."""
    show = CARD.get(block.key)
    shown = (block.lines if block.key in ("avoid", "emergency")  # every drug, every step
             else block.lines[:SHOWN])
    lines = [f"- **{md(line.lead)}**: {md(line.text)}"
             + (f" _(evidence {LEVEL_LABEL[line.level]})_" if line.level else "")
             + (f" {cite(line.refs)}" if line.refs else "") for line in shown]
    if len(block.lines) > len(shown):
        lines.append(f"- … and {len(block.lines) - len(shown)} more under "
                     f"'{TAB[block.key]}'")
    body = "\n".join([f"**{block.title}** · {md(block.headline)}", "", *lines])
    if show is None or not block.lines:  # the ILAE status, or nothing to act on
        with st.container(border=True):
            st.markdown(f":{COLOUR[block.key]}[{ICON_OF[block.key]}] {body}")
    else:
        show(body, icon=ICON_OF[block.key])


def summary_cards(res: ConsultResult, cite: Citations) -> None:
    """Avoid, change dose, monitor, ILAE status and top regimen: on a narrow screen in that
    order, one under the other."""
    blocks = {b.key: b for b in summary_blocks(res)}
    if "emergency" in blocks:  # status epilepticus: before everything else, full width
        _card(blocks["emergency"], cite)
    left, right = st.columns([3, 2])
    with left:
        _card(blocks["avoid"], cite)
    with right:
        _card(blocks["dose"], cite)
        _card(blocks["monitor"], cite)
    left, right = st.columns([3, 2])
    with left:
        _card(blocks["dre"], cite)
    with right:
        _card(blocks["regimen"], cite)


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def downloads(kb, res: ConsultResult) -> None:
    """The report in every format, in view above the summary (each made on click)."""
    name = res.patient_id or "patient"
    row = st.container(horizontal=True, wrap=True, gap="small",
                       vertical_alignment="center")
    row.markdown("**Report**")
    formats = [("HTML", "html", "text/html"), ("PDF", "pdf", "application/pdf"),
               ("Markdown", "md", "text/markdown"), ("JSON", "json", "application/json"),
               ("FHIR", "fhir.json", "application/fhir+json")]
    makers: dict[str, Callable[[], str | bytes]] = {
        "HTML": lambda: render(res, "html"), "Markdown": lambda: render(res, "markdown"),
        "JSON": lambda: render(res, "json"), "FHIR": lambda: render(res, "fhir", kb)}
    if _has("reportlab"):
        from advisor.report.pdf import to_pdf

        makers["PDF"] = lambda: to_pdf(res)
    missing = {"PDF": "pdf", "FHIR": "fhir"}
    if not _has("fhir.resources"):
        makers.pop("FHIR")
    for label, ext, mime in formats:
        if label in makers:
            row.download_button(label, makers[label], file_name=f"{name}-consult.{ext}",
                                mime=mime, key=f"dl_{ext}", icon=":material/download:",
                                on_click="ignore")
        else:
            row.button(label, disabled=True, key=f"dl_{ext}",
                       help=f"install the optional extra [{missing[label]}]")


def _flag(kb, f: Flag, cite: Citations, key: str) -> None:
    st.markdown(f"{badge(f)} {md(words(f.message))}")
    contested = " · :orange[contested: sources disagree]" if f.contested else ""
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.caption(f"Evidence {LEVEL_LABEL[f.evidence_level]}{contested} · {f.severity} "
                 f"severity · rule {md(f.rule)}")
    with right:
        sources_popover(kb, cite, f.evidence, key)


def _drug(kb, d: DrugFlags, cite: Citations, open_: bool, key: str) -> None:
    worst = d.worst
    label = (f"{words(d.drug)}: {ACTION_LABEL[worst.action]} "
             f"({plural(len(d.flags), 'flag')})")
    with st.expander(label, expanded=open_, icon=ICON[worst.action]):
        for i, f in enumerate(d.flags):
            _flag(kb, f, cite, f"{key}_{i}")


def flags_tab(kb, res: ConsultResult, cite: Citations) -> None:
    groups, collapsed = flag_groups(res)
    if not groups and not collapsed:
        st.info("No flags.")
    for g in groups:
        st.markdown(f"**{g.title}**")
        for i, d in enumerate(g.drugs):
            _drug(kb, d, cite, g.relevance == "current" or d.worst.action == "avoid",
                  f"src_{g.relevance}_{i}")
    if collapsed:
        with st.expander(f"{plural(len(collapsed), 'information-only flag')} about drugs "
                         "not in play", icon=ICON["info"]):
            for i, f in enumerate(collapsed):
                st.markdown(f"**{words(f.drug)}**")
                _flag(kb, f, cite, f"src_info_{i}")


def _start_cell(text: str) -> str:
    """A start dose in a narrow column: '25 mg/day', '25 mg/day (restart)', or '—'."""
    if text.startswith("if restarted: start "):
        return f"{text.removeprefix('if restarted: start ')} (restart)"
    return text.removeprefix("start ") or "—"


def doses_tab(res: ConsultResult, cite: Citations) -> None:
    in_play = set(res.summary.in_play if res.summary else [])
    said = shared_notes(res.doses)
    for line in shared_lines(said):
        st.caption(line)
    rows = [{"drug": d.drug + (" (in play)" if d.drug in in_play else ""),
             "status": d.status_text,
             "standard": daily_mg(d.standard_daily_mg, d.unit),
             "recommended": daily_mg(d.recommended_daily_mg, d.unit),
             "change": "—" if d.adjustment_percent is None else
             signed_percent(d.adjustment_percent),
             "start": _start_cell(start_text(d, res)),
             "basis": words(basis_text(d, said)),
             "sources": cite(d.evidence)}
            for d in sorted(res.doses, key=lambda d: d.drug not in in_play)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        "drug": st.column_config.TextColumn("Drug", pinned=True),
        "status": st.column_config.TextColumn("Status"),
        "standard": st.column_config.TextColumn("Labelled dose", help="for this patient's "
                                                "age, weight and indication"),
        "recommended": st.column_config.TextColumn("Recommended"),
        "change": st.column_config.TextColumn("Change", help="net change of the midpoint"),
        "start": st.column_config.TextColumn("Start"),
        "basis": st.column_config.TextColumn("Basis", width="large"),
        "sources": st.column_config.TextColumn("Sources", help="see References")})


def regimens_tab(res: ConsultResult, cite: Citations) -> None:
    if not res.regimens:
        st.info(res.no_regimen or NO_REGIMEN)
    doses = {d.drug: d for d in res.doses}
    for i, reg in enumerate(res.regimens, 1):
        with st.expander(f"{i}. {' + '.join(reg.drugs)} ({regimen_tag(reg)})",
                         expanded=i == 1):
            st.markdown(f"Mechanisms: {md(mechanisms(reg))} "
                        f"{cite(reg.evidence)}")
            for r in reg.rationale:
                st.markdown(f":green[why] {md(words(r))}")
            for w in reg.warnings:
                st.markdown(f":orange[warning] {md(words(w))}")
            steps = transition_lines(reg.transition, doses)
            if steps:
                st.markdown("**Steps**\n\n" + "\n".join(f"1. {md(words(s))}" for s in steps))
    if res.regimens and res.not_shown:
        st.markdown(f"**{NOT_SHOWN}**\n\n" + "\n".join(
            f"- **{n.drug}**: {md(words(n.reason))}" for n in res.not_shown))


def dre_tab(res: ConsultResult, cite: Citations) -> None:
    dre = res.dre
    st.markdown(f"**{STATUS_LABEL[dre.status]}** {cite(dre.evidence)}")
    c1, c2 = st.columns(2)
    c1.metric("Failed adequate, tolerated trials", dre.failed_adequate_trials)
    c2.metric("Seizure-free", f"{number(dre.current_seizure_free_months)} of "
              f"{number(dre.required_seizure_free_months)} months")
    for reason in dre.reasons:
        st.markdown(f"- {md(words(reason))}")
    if dre.next_steps:
        st.markdown("**Next steps**\n\n" + "\n".join(
            f"1. {md(s.text)} _(evidence {LEVEL_LABEL[s.evidence_level]})_ {cite(s.evidence)}"
            for s in dre.next_steps))
    risk_view(res, cite)


def risk_view(res: ConsultResult, cite: Citations) -> None:
    """The model's estimates with their intervals, its main factors and its calibration
    (the model card's reliability plot)."""
    risk = res.risk
    st.markdown("**Model estimate**")
    if not risk:
        st.info(res.risk_note or "Risk model not available.")
        return
    c1, c2 = st.columns(2)
    if risk.p_drug_resistance is not None:
        c1.metric("Probability of drug-resistant epilepsy",
                  probability(risk.p_drug_resistance, risk.p_drug_resistance_interval))
    c2.metric("Probability of seizure freedom on the next regimen",
              probability(risk.p_seizure_freedom_next_regimen,
                          risk.p_seizure_freedom_next_regimen_interval))
    for note in risk.notes:
        st.caption(md(note))
    if risk.top_factors:
        st.dataframe(pd.DataFrame([{"factor": words(f.factor), "value": value_text(f.value),
                                    "contribution": f.contribution}
                                   for f in risk.top_factors]),
                     hide_index=True, column_config={
                         "factor": st.column_config.TextColumn("Factor"),
                         "value": st.column_config.TextColumn("Value"),
                         "contribution": st.column_config.NumberColumn(
                             "Contribution (log-odds)", format="%+.2f")})
    plot = models_dir() / "reliability.png"
    if plot.is_file():
        st.image(str(plot), caption="Reliability of the model on held-out synthetic data "
                 "(model card)", width=520)
    st.caption(f"Model {md(risk.model)}, version {md(risk.model_version)}. "
               f"{md(risk.calibration_note)} {cite(risk.evidence)}")


def genotypes_tab(res: ConsultResult, cite: Citations) -> None:
    if res.vcf_calls:
        with st.expander("Calls from the genotype files"):
            st.json({key: call.model_dump(mode="json") for key, call in res.vcf_calls.items()},
                    expanded=False)
    if not res.phenotypes:
        st.info("No genotypes given.")
        return
    rows = [{"key": key, "genotype": words(p.diplotype_or_genotype),
             "phenotype": p.phenotype + (" (contested)" if p.contested else ""),
             "score": "" if p.activity_score is None else number(p.activity_score),
             "source": p.source, "sources": cite(p.evidence)}
            for key, p in res.phenotypes.items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        "key": st.column_config.TextColumn("Gene or variant"),
        "genotype": st.column_config.TextColumn("Genotype"),
        "phenotype": st.column_config.TextColumn("Phenotype", width="large"),
        "score": st.column_config.TextColumn("Activity score"),
        "source": st.column_config.TextColumn("From"),
        "sources": st.column_config.TextColumn("Sources")})


def safety_tab(res: ConsultResult, cite: Citations) -> None:
    if not res.safety_notes and not res.advice and not res.status_epilepticus:
        st.info("No safety notes or advice for the drugs in play.")
    for n in res.safety_notes:
        st.markdown(f"**{md(n.drug)}** ({md(words(n.topic))}): {md(n.text)} _(evidence "
                    f"{LEVEL_LABEL[n.evidence_level]})_ {cite(n.evidence)}")
    for a in res.advice:
        contested = " · :orange[contested: sources disagree]" if a.contested else ""
        st.markdown(f"**{md(words(a.topic))}**: {md(a.text)} _(evidence "
                    f"{LEVEL_LABEL[a.evidence_level]})_{contested} {cite(a.evidence)}")
    se = res.status_epilepticus
    if se:
        st.markdown("**Status epilepticus pathway**")
        st.caption(md(se.note))
        for stage in se.stages:
            st.markdown(f"**{md(stage.name)}**: {md(stage.instruction)}")
            for opt in stage.options:
                st.markdown(f"- {opt.drug}: " + md("; ".join(
                    f"{d.route} {number(d.dose_mg)} {d.unit}" if d.dose_mg is not None else
                    f"{d.route} {d.dose_rule or ''}" for d in opt.doses))
                    + f" {cite(opt.evidence)}")
            for ex in stage.excluded:
                st.error(f"{ex.drug} excluded: {md(' '.join(ex.reasons))}")


def references_tab(kb, cite: Citations) -> None:
    for n, sid, _ in cite.listed():
        st.markdown(f"{n}. {source_link(kb, sid)}")


def show_results(kb, res: ConsultResult) -> None:
    """Summary first, downloads in view, the details in tabs, provenance at the end."""
    cite = Citations(res.sources)
    downloads(kb, res)
    summary_cards(res, cite)
    disclaimer()
    tabs = st.tabs(["Flags", "Doses", "Regimens", "ILAE status and risk", "Genotypes",
                    "Safety and advice", "References"])
    parts = [lambda: flags_tab(kb, res, cite), lambda: doses_tab(res, cite),
             lambda: regimens_tab(res, cite), lambda: dre_tab(res, cite),
             lambda: genotypes_tab(res, cite), lambda: safety_tab(res, cite),
             lambda: references_tab(kb, cite)]
    for tab, part in zip(tabs, parts, strict=True):
        with tab:
            part()
    prov = res.provenance
    st.caption(f"advisor {prov.advisor_version}, knowledge base "
               f"{prov.knowledgebase_version} (sha256 {prov.knowledgebase_sha256[:16]}...), "
               f"{model_text(prov)}; generated {prov.generated_at}")
