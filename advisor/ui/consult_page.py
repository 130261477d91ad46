"""Consultation page: enter or upload a patient, see flags, doses, DRE status, regimens."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from advisor.consult import consult
from advisor.errors import InputError
from advisor.genotype.kinds import pickers
from advisor.genotype.vcf_cohort import genotypes_from_upload
from advisor.inputs.fields import CHILD_PUGH, DIALYSIS, PREGNANCY
from advisor.inputs.patient import Outcome, parse_patient_text, validate_patient
from advisor.report import render as render_report
from advisor.report.formatting import probability
from advisor.result import AddStep, ConsultResult, Flag, StatusEpilepticusPathway
from advisor.risk.predict import trusting_models
from advisor.ui.common import (
    badge,
    disclaimer,
    error_box,
    evidence,
    failure_text,
    knowledge_base,
    models_trusted,
)
from advisor.vocabulary import ACTION_ORDER, STATUS_LABEL

NOT_TESTED = "not tested"
PATIENT_UPLOAD_MB = 1  # the patient parser refuses more than 1,000,000 bytes anyway
OUTCOMES = list(Outcome.__args__)


def _genotype_pickers(kb) -> dict[str, Any]:
    """Pickers limited to the alleles and values the knowledge base knows."""
    genotypes: dict[str, Any] = {}
    cols = st.columns(4)
    for i, picker in enumerate(pickers(kb)):
        key, options = picker.key, [NOT_TESTED, *picker.options]
        with cols[i % 4]:
            if picker.pair:
                a = st.selectbox(f"{picker.label} allele 1", options, key=f"g_{key}_1")
                b = st.selectbox(f"{picker.label} allele 2", options, key=f"g_{key}_2")
                if a != NOT_TESTED and b != NOT_TESTED:
                    genotypes[key] = f"{a}/{b}"
            else:
                value = st.selectbox(picker.label, options, key=f"g_{key}")
                if value != NOT_TESTED:
                    genotypes[key] = value
    return genotypes


def _form(kb) -> dict[str, Any] | None:
    vocab = kb.vocabulary
    with st.form("patient_form"):
        c1, c2, c3, c4 = st.columns(4)
        pid = c1.text_input("Patient id", key="f_id")
        age = c2.number_input("Age (years)", min_value=0.0, max_value=120.0, value=None,
                              key="f_age")
        weight = c3.number_input("Weight (kg)", min_value=0.0, max_value=400.0, value=None,
                                 key="f_weight")
        sex = c4.selectbox("Sex", ["not given", "female", "male", "other"], key="f_sex")
        seizure_types = st.multiselect("Seizure types", list(vocab.seizure_types),
                                       key="f_seizure_types")
        syndrome = st.selectbox("Syndrome", ["none", *vocab.syndromes], key="f_syndrome")
        st.markdown("**Genotypes**")
        genotypes = _genotype_pickers(kb)
        st.markdown("**Medication history** (oldest first)")
        history = st.data_editor(
            pd.DataFrame(columns=["drug", "outcome", "adequate", "duration_months",
                                  "seizure_free_months", "note"]),
            num_rows="dynamic", key="f_history", column_config={
                "drug": st.column_config.SelectboxColumn(options=list(kb.drugs)),
                "outcome": st.column_config.SelectboxColumn(options=OUTCOMES),
                "adequate": st.column_config.CheckboxColumn(),
                "duration_months": st.column_config.NumberColumn(min_value=0),
                "seizure_free_months": st.column_config.NumberColumn(min_value=0)})
        c1, c2 = st.columns(2)
        current = c1.multiselect("Current medications",
                                 [*kb.drugs, *kb.comedications], key="f_current")
        candidates = c2.multiselect("Drugs being considered (optional)", list(kb.drugs),
                                    key="f_candidates")
        interval = st.number_input("Longest pre-treatment inter-seizure interval (days)",
                                   min_value=0.0, value=None, key="f_interval")
        st.markdown("**Kidney, liver, pregnancy and past reactions** (leave empty if not "
                    "known: the report says where it matters)")
        k1, k2, k3, k4, k5 = st.columns(5)
        egfr = k1.number_input("eGFR (mL/min/1.73 m²)", min_value=0.0, max_value=250.0,
                               value=None, key="f_egfr")
        crcl = k2.number_input("Creatinine clearance (mL/min)", min_value=0.0,
                               max_value=250.0, value=None, key="f_crcl")
        dialysis = k3.selectbox("Dialysis", ["none", *DIALYSIS], key="f_dialysis")
        child_pugh = k4.selectbox("Liver (Child-Pugh)", ["not known", *CHILD_PUGH],
                                  key="f_child_pugh")
        pregnancy = k5.selectbox("Pregnancy", ["not given", *PREGNANCY], key="f_pregnancy")
        conditions = st.multiselect("Other conditions", list(vocab.conditions),
                                    format_func=lambda c: vocab.conditions[c],
                                    key="f_conditions")
        reactions = st.data_editor(
            pd.DataFrame(columns=["drug", "reaction", "note"]), num_rows="dynamic",
            key="f_reactions", column_config={
                "drug": st.column_config.SelectboxColumn(
                    "Drug", options=[*kb.drugs, *kb.comedications]),
                "reaction": st.column_config.SelectboxColumn(
                    "Serious past reaction", options=list(vocab.reactions))})
        st.checkbox("Add the status epilepticus pathway (acute setting)", key="f_acute")
        submitted = st.form_submit_button("Run consultation", type="primary")
    if not submitted:
        return None
    trials = []
    for row in history.dropna(subset=["drug", "outcome"]).to_dict("records"):
        trials.append({k: v for k, v in row.items() if v is not None and not pd.isna(v)
                       and v != ""})
    renal = {k: v for k, v in (("egfr_ml_min", egfr), ("creatinine_clearance_ml_min", crcl),
                               ("dialysis", None if dialysis == "none" else dialysis))
             if v is not None}
    past = [{k: v for k, v in row.items() if v is not None and not pd.isna(v) and v != ""}
            for row in reactions.dropna(subset=["drug", "reaction"]).to_dict("records")]
    data = {"id": pid or None, "age_years": age, "weight_kg": weight,
            "sex": None if sex == "not given" else sex, "seizure_types": seizure_types,
            "syndrome": None if syndrome == "none" else syndrome, "genotypes": genotypes,
            "medication_history": trials, "current_medications": current,
            "candidate_drugs": candidates, "longest_pretreatment_interval_days": interval,
            "renal": renal or None,
            "hepatic": None if child_pugh == "not known" else {"child_pugh": child_pugh},
            "pregnancy": None if pregnancy == "not given" else pregnancy,
            "conditions": conditions, "adverse_reactions": past}
    return {k: v for k, v in data.items() if v not in (None, [], {})}


def _show_flags(kb, res: ConsultResult) -> None:
    if not res.flags:
        st.info("No flags for the candidate drugs.")
        return
    by_drug: dict[str, list[Flag]] = {}
    for f in res.flags:
        by_drug.setdefault(f.drug, []).append(f)
    order = sorted(by_drug, key=lambda d: (min(ACTION_ORDER[f.action] for f in by_drug[d]), d))
    for drug in order:
        items = by_drug[drug]
        worst = min(items, key=lambda f: ACTION_ORDER[f.action])
        with st.expander(f"{drug}: {worst.action.replace('_', ' ')} "
                         f"({len(items)} flag{'s' if len(items) > 1 else ''})",
                         expanded=worst.action == "avoid"):
            for f in items:
                st.markdown(f"{badge(f)} {f.message}")
                st.caption(f"rule {f.rule}")
                evidence(kb, f.evidence, f.evidence_level, f.contested)


def _show_dre(res: ConsultResult) -> None:
    dre = res.dre
    st.subheader(STATUS_LABEL[dre.status])
    st.metric("Failed adequate, tolerated trials", dre.failed_adequate_trials)
    required = dre.required_seizure_free_months
    free = dre.current_seizure_free_months
    st.markdown(f"**Seizure-freedom clock**: {free:g} of {required:g} months required")
    st.progress(min(1.0, free / required) if required else 0.0)
    for reason in dre.reasons:
        st.markdown(f"- {reason}")
    for step in dre.next_steps:
        st.success(f"{step.text} ({', '.join(step.evidence)}; {step.evidence_level})")


def _show_risk(kb, res: ConsultResult) -> None:
    risk = res.risk
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
        st.caption(note)
    if risk.top_factors:
        st.dataframe(pd.DataFrame([f.model_dump() for f in risk.top_factors]),
                     hide_index=True)
    st.caption(f"Model {risk.model} {risk.model_version}. " + (risk.calibration_note or ""))


def _show_regimens(kb, res: ConsultResult) -> None:
    if not res.regimens:
        st.info("No regimen could be suggested from the candidate drugs.")
    for i, reg in enumerate(res.regimens, 1):
        with st.expander(f"{i}. {' + '.join(reg.drugs)} (score {reg.score:g})",
                         expanded=i == 1):
            st.markdown("Mechanisms: " + ", ".join(f"`{m}`" for m in reg.mechanisms))
            for r in reg.rationale:
                st.markdown(f":green[why] {r}")
            for w in reg.warnings:
                st.markdown(f":orange[warning] {w}")
            tr = reg.transition
            if tr.steps:
                st.markdown("**Transition**")
                for line in tr.sequence:
                    st.markdown(f"- {line}")
                st.dataframe(pd.DataFrame([{
                    "drug": s.drug, "action": s.action,
                    "schedule": "; ".join(f"{x.weeks}: {x.daily_mg} mg/day"
                                          for x in (s.schedule if isinstance(s, AddStep)
                                                    else [])),
                    "notes": " ".join(s.notes)} for s in tr.steps]), hide_index=True)
                for c in tr.interaction_changes:
                    st.markdown(f":orange[interaction change] {c.change}")


def _show_pathway(se: StatusEpilepticusPathway) -> None:
    st.subheader("Status epilepticus pathway")
    st.caption(se.note)
    for stage in se.stages:
        lo, hi = stage.minutes
        st.markdown(f"**{stage.name}** ({lo:g}-{hi:g} min): {stage.instruction}")
        for opt in stage.options:
            doses = "; ".join(f"{d.route} {d.dose_mg if d.dose_mg is not None else d.dose_rule}"
                              + (" mg" if d.dose_mg else "") for d in opt.doses)
            st.markdown(f"- {opt.drug}: {doses}")
        for ex in stage.excluded:
            st.error(f"{ex.drug} excluded: {' '.join(ex.reasons)}")


def _show_results(kb, res: ConsultResult) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric("ILAE status", STATUS_LABEL[res.dre.status].split(" (")[0])
    c2.metric("Flags", len(res.flags),
              help="avoid: " + str(sum(f.action == "avoid" for f in res.flags)))
    c3.metric("Regimens suggested", len(res.regimens))
    tabs = st.tabs(["Flags", "Doses", "Regimens", "DRE status", "Risk", "Genotypes",
                    "Safety", "Report"])
    with tabs[0]:
        _show_flags(kb, res)
    with tabs[1]:
        doses = pd.DataFrame([d.model_dump() for d in res.doses])
        if len(doses):
            doses["basis"] = doses["basis"].map("; ".join)
            doses["evidence"] = doses["evidence"].map(", ".join)
        st.dataframe(doses, hide_index=True)
    with tabs[2]:
        _show_regimens(kb, res)
    with tabs[3]:
        _show_dre(res)
    with tabs[4]:
        _show_risk(kb, res)
    with tabs[5]:
        rows = [{"key": k, **{f: v for f, v in p.model_dump().items() if f != "evidence"},
                 "evidence": ", ".join(p.evidence)} for k, p in res.phenotypes.items()]
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    with tabs[6]:
        for n in res.safety_notes:
            st.markdown(f"**{n.drug}** ({n.topic.replace('_', ' ')}): {n.text}")
        if res.status_epilepticus:
            _show_pathway(res.status_epilepticus)
    with tabs[7]:
        name = res.patient_id or "patient"
        for fmt, ext, mime in (("html", "html", "text/html"), ("markdown", "md", "text/markdown"),
                               ("json", "json", "application/json")):
            st.download_button(f"Download {fmt.upper()} report", render_report(res, fmt),
                               file_name=f"{name}-consult.{ext}", mime=mime, key=f"dl_{fmt}")
        prov = res.provenance
        st.caption(f"advisor {prov.advisor_version}, knowledge base "
                   f"{prov.knowledgebase_version} (sha256 {prov.knowledgebase_sha256}), "
                   f"model {prov.model_version or 'none'}")


def render_page_input(kb) -> dict[str, Any] | None:
    """The patient, from the form, an uploaded file or a VCF plus the form."""
    tab_form, tab_file, tab_vcf = st.tabs(["Enter patient", "Upload patient file",
                                           "Genotypes from VCF"])
    with tab_file:
        upload = st.file_uploader("Patient file (YAML or JSON)", type=["yaml", "yml", "json"],
                                  key="patient_upload", max_upload_size=PATIENT_UPLOAD_MB)
        if upload is not None and st.button("Run consultation on the file", key="run_file"):
            return {"_text": upload.getvalue(), "_name": upload.name}
    with tab_vcf:
        vcf = st.file_uploader("VCF (GRCh38, .vcf or .vcf.gz)", type=["vcf", "gz"],
                               key="vcf_upload")
        sample = st.text_input("Sample id (when the VCF holds several)", key="vcf_sample")
        if vcf is not None:
            st.session_state["vcf_bytes"] = (vcf.name, vcf.getvalue(), sample or None)
            st.caption("Calls from this VCF are added to the form's genotypes; genotypes "
                       "picked in the form override them.")
    with tab_form:
        data = _form(kb)
    return data


def _consult(kb, data: dict[str, Any]) -> ConsultResult:
    """The consult for the page's input (an uploaded file or the form), parsed with the
    same limits as the command line."""
    if "_text" in data:
        patient = parse_patient_text(kb, data["_text"], name=data["_name"])
        if patient.vcf:  # never read server-side paths named by an upload
            raise InputError("vcf", patient.vcf, "in the app, upload the VCF in the "
                             "'Genotypes from VCF' tab instead of naming a path")
        if patient.pharmcat:
            raise InputError("pharmcat", patient.pharmcat, "in the app, give the "
                             "genotypes in the file instead of naming a path")
        calls = None
    else:
        vcf = st.session_state.get("vcf_bytes")
        calls = genotypes_from_upload(kb, *vcf) if vcf else None
        patient = validate_patient(kb, data)
    with trusting_models(models_trusted()):
        return consult(kb, patient, vcf_calls=calls, acute=st.session_state.get(
            "f_acute", False))


def render() -> None:
    kb = knowledge_base()
    st.title("Consultation")
    disclaimer()
    data = render_page_input(kb)
    if data is not None:
        try:
            result = _consult(kb, data)
            st.session_state["vcf_calls"] = result.vcf_calls
            st.session_state["consult_result"] = result
            st.session_state["consult_error"] = None
        except Exception as exc:  # every failed input ends in the bounded box below
            st.session_state["consult_error"] = failure_text(exc)
            st.session_state["consult_result"] = None
    if st.session_state.get("consult_error"):
        error_box("Cannot run the consultation: ", st.session_state["consult_error"])
    details = st.session_state.get("vcf_calls")
    if details:
        with st.expander("Calls from the VCF"):
            st.code(json.dumps({key: call.model_dump(mode="json")
                                for key, call in details.items()}, indent=1), language="json")
    res = st.session_state.get("consult_result")
    if res is not None:
        _show_results(kb, res)
