"""Consultation page: a compact patient panel (it folds away once a result exists), then the
result with its summary first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from advisor.consult import consult
from advisor.errors import InputError
from advisor.genotype.vcf_cohort import genotypes_from_upload
from advisor.inputs.patient import parse_patient_text, validate_patient
from advisor.resources import bundled
from advisor.risk.predict import trusting_models
from advisor.ui.common import error_box, failure_text, header, knowledge_base, models_trusted
from advisor.ui.patient_form import patient_form
from advisor.ui.results import show_results

PATIENT_UPLOAD_MB = 1  # the patient parser refuses more than 1,000,000 bytes anyway

TO_TOP = """<script>
const doc = window.parent.document;
for (const el of [doc.querySelector('[data-testid="stMain"]'), doc.documentElement]) {
  if (el) { el.scrollTop = 0; }
}
</script>"""


def examples() -> dict[str, Path]:
    """The bundled example patients, by their first comment line."""
    out = {}
    for path in sorted(bundled("examples").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        out[f"{path.stem}: {first}"] = path
    return out


def _from_file() -> dict[str, Any] | None:
    upload = st.file_uploader("Patient file (YAML or JSON)", type=["yaml", "yml", "json"],
                              key="patient_upload", max_upload_size=PATIENT_UPLOAD_MB)
    if upload is not None and st.button("Run consultation on the file", key="run_file",
                                        type="primary", icon=":material/play_arrow:"):
        return {"_text": upload.getvalue(), "_name": upload.name}
    return None


def _from_example() -> dict[str, Any] | None:
    choices = examples()
    if not choices:
        st.caption("No example patients are installed.")
        return None
    name = st.selectbox("Example patient", list(choices), key="example_patient")
    if st.button("Run consultation on the example", key="run_example", type="primary",
                 icon=":material/play_arrow:"):
        path = choices[name]
        return {"_text": path.read_bytes(), "_name": path.name}
    return None


def _from_vcf() -> None:
    vcf = st.file_uploader("VCF (GRCh38, .vcf or .vcf.gz)", type=["vcf", "gz"],
                           key="vcf_upload")
    sample = st.text_input("Sample id (when the VCF holds several)", key="vcf_sample")
    if vcf is not None:
        st.session_state["vcf_bytes"] = (vcf.name, vcf.getvalue(), sample or None)
        st.caption("Calls from this VCF are added to the form's genotypes; genotypes picked "
                   "in the form override them.")


def patient_panel(kb) -> dict[str, Any] | None:
    """The patient from the form, a file, an example or a VCF plus the form; the panel is
    open until a result exists."""
    res = st.session_state.get("consult_result")
    label = ("Patient" if res is None else
             f"Patient {res.patient_id}: change the inputs and run again" if res.patient_id
             else "Patient: change the inputs and run again")
    with st.expander(label, expanded=res is None, icon=":material/person:"):
        tab_form, tab_file, tab_example, tab_vcf = st.tabs(
            ["Enter patient", "Upload patient file", "Example patients", "Genotypes from VCF"])
        with tab_file:
            chosen = _from_file()
        with tab_example:
            chosen = _from_example() or chosen
        with tab_vcf:
            _from_vcf()
        with tab_form:
            data, run = patient_form(kb)
    if chosen is None and run:
        chosen = data
    return chosen


def _patient(kb, data: dict[str, Any]):
    """The validated patient and the VCF calls to add (never a path named by an upload)."""
    if "_text" not in data:
        vcf = st.session_state.get("vcf_bytes")
        return validate_patient(kb, data), genotypes_from_upload(kb, *vcf) if vcf else None
    patient = parse_patient_text(kb, data["_text"], name=data["_name"])
    if patient.vcf:
        raise InputError("vcf", patient.vcf, "in the app, upload the VCF in the 'Genotypes "
                         "from VCF' tab instead of naming a path")
    if patient.pharmcat:
        raise InputError("pharmcat", patient.pharmcat, "in the app, give the genotypes in the "
                         "file instead of naming a path")
    return patient, None


def _run(kb, data: dict[str, Any]) -> None:
    try:
        patient, calls = _patient(kb, data)
        with st.spinner("Consulting..."), trusting_models(models_trusted()):
            result = consult(kb, patient, vcf_calls=calls,
                             acute=st.session_state.get("f_acute", False))
    except Exception as exc:  # every failed input ends in the bounded box below
        st.session_state["consult_error"] = failure_text(exc)
        st.session_state["consult_result"] = None
        return
    st.session_state["consult_result"] = result
    st.session_state["consult_error"] = None
    st.session_state["scroll_to_top"] = True
    st.rerun()


def render() -> None:
    kb = knowledge_base()
    header("Consultation")
    data = patient_panel(kb)
    if data is not None:
        _run(kb, data)
    if st.session_state.get("consult_error"):
        error_box("Cannot run the consultation: ", st.session_state["consult_error"])
    res = st.session_state.get("consult_result")
    if res is None:
        return
    if st.session_state.pop("scroll_to_top", False):
        st.iframe(TO_TOP, height=1)
    show_results(kb, res)
