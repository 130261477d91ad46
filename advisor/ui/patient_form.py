"""The patient panel's form: who, seizures, medicines and history, genotypes, clinical risk
inputs, kidney, liver, pregnancy and past reactions. Widgets are laid out row by row, so that
on a narrow screen they stack in reading order. Returns the patient as a patient-file dict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from advisor.genotype.kinds import pickers
from advisor.inputs.fields import (
    CHILD_PUGH,
    CLINICAL_FIELDS,
    DIALYSIS,
    ETIOLOGIES,
    OUTCOMES,
    PREGNANCY,
    SEXES,
)
from advisor.knowledge import KnowledgeBase
from advisor.numbers import number
from advisor.report.formatting import words

NOT_TESTED = "not tested"
NOT_KNOWN = "not known"
ANSWERS = {NOT_KNOWN: None, "yes": True, "no": False}
CLINICAL_LABELS = {
    "age_at_onset_years": "Age at onset (years)",
    "etiology": "Cause (etiology)",
    "hippocampal_sclerosis": "Hippocampal sclerosis",
    "status_epilepticus_history": "Status epilepticus ever",
    "febrile_seizures_history": "Febrile seizures ever",
    "eeg_abnormal": "Abnormal EEG",
    "intellectual_disability": "Intellectual disability",
    "pretreatment_seizure_count": "Seizures before treatment",
}


def _known(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, [], {}, "")}


def _pickers_in_rows(kb: KnowledgeBase) -> dict[str, str]:
    """Genotype pickers limited to the alleles and values the knowledge base knows; a
    diplotype's two alleles side by side, two keys to a row."""
    genotypes: dict[str, str] = {}
    items = pickers(kb)
    for start in range(0, len(items), 2):
        cols = iter(st.columns(4))
        for picker in items[start:start + 2]:
            options = [NOT_TESTED, *picker.options]
            if picker.pair:
                a = next(cols).selectbox(f"{picker.label} allele 1", options,
                                         key=f"g_{picker.key}_1")
                b = next(cols).selectbox(f"{picker.label} allele 2", options,
                                         key=f"g_{picker.key}_2")
                if NOT_TESTED not in (a, b):
                    genotypes[picker.key] = f"{a}/{b}"
            else:
                value = next(cols).selectbox(picker.label, options, key=f"g_{picker.key}",
                                             format_func=words)
                next(cols)
                if value != NOT_TESTED:
                    genotypes[picker.key] = value
    return genotypes


def _clinical() -> dict[str, Any]:
    """The optional risk-model inputs (absent: not known)."""
    out: dict[str, Any] = {}
    names = list(CLINICAL_FIELDS)
    for start in range(0, len(names), 4):
        for col, name in zip(st.columns(4), names[start:start + 4], strict=False):
            field, label = CLINICAL_FIELDS[name], CLINICAL_LABELS[name]
            if field.kind == "bool":
                out[name] = ANSWERS[col.selectbox(label, list(ANSWERS), key=f"c_{name}")]
            elif field.kind == "choice":
                value = col.selectbox(label, [NOT_KNOWN, *ETIOLOGIES], key=f"c_{name}")
                out[name] = None if value == NOT_KNOWN else value
            else:
                out[name] = col.number_input(label, min_value=float(field.lo or 0),
                                             max_value=float(field.hi or 1e6), value=None,
                                             step=1.0, key=f"c_{name}")
    if out.get("pretreatment_seizure_count") is not None:
        out["pretreatment_seizure_count"] = int(out["pretreatment_seizure_count"])
    return _known(out)


def _add_row(list_key: str, fields: dict[str, Callable[[Any], Any]], required: list[str]
             ) -> None:
    """Button callback: move the pickers' values into the list, and clear the pickers."""
    row = {name: convert(st.session_state.get(f"{list_key}_{name}"))
           for name, convert in fields.items()}
    if all(row.get(r) for r in required):
        st.session_state.setdefault(list_key, []).append(_known(row))
    for name in fields:
        st.session_state.pop(f"{list_key}_{name}", None)


def _remove_row(list_key: str, index: int) -> None:
    st.session_state[list_key].pop(index)


def _listed(list_key: str, describe: Callable[[dict[str, Any]], str]) -> list[dict[str, Any]]:
    """The rows added so far, each with a button that removes it."""
    rows: list[dict[str, Any]] = st.session_state.setdefault(list_key, [])
    for i, row in enumerate(rows):
        text, button = st.columns([6, 1], vertical_alignment="center")
        text.markdown(f"{i + 1}. {describe(row)}")
        button.button("Remove", key=f"{list_key}_remove_{i}", on_click=_remove_row,
                      args=(list_key, i), type="tertiary", icon=":material/close:")
    return list(rows)


def _trial_text(t: dict[str, Any]) -> str:
    parts = [f"**{t['drug']}**", words(t["outcome"])]
    if "adequate" in t:
        parts.append("adequate trial" if t["adequate"] else "not an adequate trial")
    if "duration_months" in t:
        parts.append(f"{number(t['duration_months'])} months")
    if "seizure_free_months" in t:
        parts.append(f"seizure-free {number(t['seizure_free_months'])} months")
    if "note" in t:
        parts.append(f"note: {t['note']}")
    return ", ".join(parts)


def _history(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Past and present trials, oldest first: pick, then add."""
    st.markdown("**Medication history** (oldest first)")
    trials = _listed("history", _trial_text)
    row1 = st.columns(3)
    row1[0].selectbox("Drug tried", list(kb.drugs), index=None, key="history_drug",
                      placeholder="choose a drug")
    row1[1].selectbox("Outcome", OUTCOMES, index=None, key="history_outcome",
                      format_func=words, placeholder="choose the outcome")
    row1[2].selectbox("Adequate trial?", list(ANSWERS), key="history_adequate")
    row2 = st.columns(3)
    row2[0].number_input("Duration (months)", min_value=0.0, max_value=1200.0, value=None,
                         key="history_duration_months")
    row2[1].number_input("Seizure-free (months)", min_value=0.0, max_value=1200.0,
                         value=None, key="history_seizure_free_months")
    row2[2].text_input("Note", key="history_note", placeholder="e.g. rash")
    st.button("Add to history", key="history_add", icon=":material/add:", on_click=_add_row,
              args=("history", {"drug": lambda v: v, "outcome": lambda v: v,
                                "adequate": lambda v: ANSWERS.get(v or NOT_KNOWN),
                                "duration_months": lambda v: v,
                                "seizure_free_months": lambda v: v,
                                "note": lambda v: v or None}, ["drug", "outcome"]))
    return trials


def _reactions(kb: KnowledgeBase) -> list[dict[str, Any]]:
    vocab = kb.vocabulary
    st.markdown("**Serious past drug reactions**")
    rows = _listed("reactions", lambda r: f"**{r['drug']}**: "
                   f"{vocab.reactions.get(r['reaction'], r['reaction'])}")
    cols = st.columns(3)
    cols[0].selectbox("Drug", [*kb.drugs, *kb.comedications], index=None, format_func=words,
                      key="reactions_drug", placeholder="choose a drug")
    cols[1].selectbox("Reaction", list(vocab.reactions), index=None, key="reactions_reaction",
                      format_func=lambda r: vocab.reactions[r], placeholder="choose")
    cols[2].text_input("Note", key="reactions_note")
    st.button("Add reaction", key="reactions_add", icon=":material/add:", on_click=_add_row,
              args=("reactions", {"drug": lambda v: v, "reaction": lambda v: v,
                                  "note": lambda v: v or None}, ["drug", "reaction"]))
    return rows


def _who() -> dict[str, Any]:
    c1, c2, c3, c4 = st.columns(4)
    sex = c4.selectbox("Sex", ["not given", *SEXES], key="f_sex")
    return {"id": c1.text_input("Patient id", key="f_id") or None,
            "age_years": c2.number_input("Age (years)", min_value=0.0, max_value=120.0,
                                         value=None, key="f_age"),
            "weight_kg": c3.number_input("Weight (kg)", min_value=0.0, max_value=400.0,
                                         value=None, key="f_weight"),
            "sex": None if sex == "not given" else sex}


def _seizures_and_medicines(kb: KnowledgeBase) -> dict[str, Any]:
    vocab = kb.vocabulary
    c1, c2 = st.columns(2)
    types = c1.multiselect("Seizure types", list(vocab.seizure_types), key="f_seizure_types",
                           format_func=lambda t: vocab.seizure_types[t])
    syndrome = c2.selectbox("Syndrome", ["none", *vocab.syndromes], key="f_syndrome",
                            format_func=lambda s: vocab.syndromes.get(s, s))
    c1, c2 = st.columns(2)
    current = c1.multiselect("Current medications", [*kb.drugs, *kb.comedications],
                             key="f_current", format_func=words)
    candidates = c2.multiselect("Drugs being considered (optional)", list(kb.drugs),
                                key="f_candidates")
    rescue = c2.multiselect("Rescue medication, kept for seizure emergencies", list(kb.drugs),
                            key="f_rescue", help="Checked for interactions; never dosed "
                            "daily, kept or withdrawn by a maintenance regimen.")
    other = c1.text_input("Other medications, not in the list (comma-separated)",
                          key="f_other", placeholder="e.g. levothyroxine, atorvastatin",
                          help="Listed in the report as not checked for interactions.")
    interval = st.number_input("Longest inter-seizure interval before treatment (days)",
                               min_value=0.0, value=None, key="f_interval")
    return {"seizure_types": types, "syndrome": None if syndrome == "none" else syndrome,
            "current_medications": current, "candidate_drugs": candidates,
            "rescue_medications": rescue,
            "other_medications": [name.strip() for name in other.split(",") if name.strip()],
            "longest_pretreatment_interval_days": interval}


def _organs(kb: KnowledgeBase) -> dict[str, Any]:
    st.markdown("**Kidney, liver and pregnancy** (leave empty if not known: the report says "
                "where it matters)")
    k1, k2, k3 = st.columns(3)
    egfr = k1.number_input("eGFR (mL/min/1.73 m²)", min_value=0.0, max_value=250.0,
                           value=None, key="f_egfr")
    crcl = k2.number_input("Creatinine clearance (mL/min)", min_value=0.0, max_value=250.0,
                           value=None, key="f_crcl")
    dialysis = k3.selectbox("Dialysis", ["none", *DIALYSIS], key="f_dialysis")
    k1, k2, k3 = st.columns(3)
    child_pugh = k1.selectbox("Liver (Child-Pugh)", [NOT_KNOWN, *CHILD_PUGH],
                              key="f_child_pugh")
    pregnancy = k2.selectbox("Pregnancy", ["not given", *PREGNANCY], key="f_pregnancy",
                             format_func=words)
    conditions = k3.multiselect("Other conditions", list(kb.vocabulary.conditions),
                                format_func=lambda c: kb.vocabulary.conditions[c],
                                key="f_conditions")
    renal = _known({"egfr_ml_min": egfr, "creatinine_clearance_ml_min": crcl,
                    "dialysis": None if dialysis == "none" else dialysis})
    return {"renal": renal or None,
            "hepatic": None if child_pugh == NOT_KNOWN else {"child_pugh": child_pugh},
            "pregnancy": None if pregnancy == "not given" else pregnancy,
            "conditions": conditions}


def patient_form(kb: KnowledgeBase) -> tuple[dict[str, Any], bool]:
    """The patient as entered (a patient-file dict) and whether 'Run consultation' was
    pressed."""
    data = _who()
    data |= _seizures_and_medicines(kb)
    data["medication_history"] = _history(kb)
    st.markdown("**Genotypes**")
    data["genotypes"] = _pickers_in_rows(kb)
    st.markdown("**Clinical risk inputs** (optional; for the risk estimate)")
    data["clinical"] = _clinical()
    data |= _organs(kb)
    data["adverse_reactions"] = _reactions(kb)
    st.checkbox("Add the status epilepticus pathway (acute setting)", key="f_acute")
    run = st.button("Run consultation", type="primary", key="run_form",
                    icon=":material/play_arrow:")
    return _known(data), run
