"""Cohort page: upload a table or VCF (or try the bundled example), screen it with a progress
bar, see samples per drug and action, and download the results."""

from __future__ import annotations

from typing import NamedTuple

import altair as alt
import pandas as pd
import streamlit as st

from advisor.cohort import screen_chunks
from advisor.cohort_report import ACTIONABLE, chart_data, samples_by_drug_and_action
from advisor.genotype.vcf_cohort import cohort_from_upload
from advisor.inputs.tables import read_chunks, table_kind
from advisor.outputs import csv_safe
from advisor.report.formatting import words
from advisor.resources import bundled
from advisor.ui.common import error_box, failure_text, header, knowledge_base, md
from advisor.vocabulary import ACTION_LABEL, ACTION_ORDER

ACTION_COLOUR = {"avoid": "#b3261e", "reduce_dose": "#e07b00", "increase_dose": "#f2b134",
                 "use_with_caution": "#1f5fa8", "monitor": "#8fb8e8"}
CHUNK = 20_000
EXAMPLE = "cohort.csv"


class Upload(NamedTuple):
    name: str
    data: bytes


def _chunks(upload: Upload) -> list[pd.DataFrame]:
    """The cohort as chunks of text cells, read in memory (never written to disk)."""
    if table_kind(upload.name) == "vcf":
        table = cohort_from_upload(knowledge_base(), upload.name, upload.data)
        return [table.iloc[i:i + CHUNK] for i in range(0, len(table), CHUNK)] or [table]
    return list(read_chunks(upload.data, upload.name, CHUNK))


def _screen(upload: Upload, drugs: list[str]) -> None:
    kb = knowledge_base()
    results, errors = [], []
    bar = st.progress(0.0, text="Screening...")
    try:
        chunks = _chunks(upload)
        total = sum(len(c) for c in chunks)

        def progress(n: int) -> None:
            bar.progress(min(1.0, n / max(total, 1)), text=f"Screened {n:,} of {total:,}")

        summary = screen_chunks(kb, chunks, lambda r, e: (results.append(r), errors.append(e)),
                                drugs=drugs or None, progress=progress)
        st.session_state["cohort"] = (upload.name, summary, pd.concat(results, ignore_index=True),
                                      pd.concat(errors, ignore_index=True))
        st.session_state["cohort_error"] = None
    except Exception as exc:  # every failed input ends in the bounded box below
        st.session_state["cohort_error"] = failure_text(exc)
        st.session_state["cohort"] = None
    bar.empty()


def _chosen(kb) -> tuple[Upload | None, list[str]]:
    keys = ", ".join(f"`{k}`" for k in list(kb.input_keys)[:4])
    st.markdown(f"One row per sample: `sample_id`, genotype columns named as in the patient "
                f"file ({keys}, ...), optionally `seizure_types`, `current_medications`, "
                "`candidate_drugs` (`;`-separated), `age_years`, `weight_kg`, `sex` and the "
                "clinical fields. Or a multi-sample VCF (GRCh38). An empty cell is 'not tested'.")
    upload = st.file_uploader("Cohort (CSV, TSV, Parquet, VCF)",
                              type=["csv", "tsv", "txt", "parquet", "vcf", "gz"],
                              key="cohort_upload")
    drugs = st.multiselect("Judge only these drugs (default: by seizure type, or all)",
                           list(kb.drugs), key="cohort_drugs")
    run, example = st.columns(2)
    if upload is not None and run.button("Screen cohort", type="primary", key="run_cohort",
                                         icon=":material/play_arrow:"):
        return Upload(upload.name, upload.getvalue()), drugs
    path = bundled("examples") / EXAMPLE
    if path.is_file() and example.button("Try the example cohort (20 patients)",
                                         key="run_example_cohort", icon=":material/science:"):
        return Upload(EXAMPLE, path.read_bytes()), drugs
    return None, drugs


def render() -> None:
    kb = knowledge_base()
    header("Cohort screen")
    upload, drugs = _chosen(kb)
    if upload is not None:
        _screen(upload, drugs)
    if st.session_state.get("cohort_error"):
        error_box("Cannot screen this file: ", st.session_state["cohort_error"])
    if st.session_state.get("cohort"):
        _show(*st.session_state["cohort"])


def _per_drug(results: pd.DataFrame) -> None:
    table = samples_by_drug_and_action(results)
    st.subheader("Samples per drug and action")
    if table.empty:
        st.info("No flags.")
        return
    labels = table.assign(action=table["action"].map(ACTION_LABEL),
                          order=table["action"].map(ACTION_ORDER))
    st.caption("Each sample counted once per drug, under its most pressing action. "
               "Actionable: avoid or a dose change; caution and monitoring are shown apart.")
    st.altair_chart(_chart(labels), width="stretch")
    wide = (labels.pivot_table(index="drug", columns="action", values="samples",
                               aggfunc="sum", fill_value=0, sort=False)
            .reindex(columns=[a for a in map(ACTION_LABEL.get, ACTION_COLOUR)
                              if a in set(labels["action"])]).reset_index())
    st.dataframe(wide, hide_index=True, column_config={
        "drug": st.column_config.TextColumn("Drug"),
        **{ACTION_LABEL[a]: st.column_config.NumberColumn(f"{ACTION_LABEL[a]} (samples)")
           for a in ACTION_LABEL}})


def _chart(labels: pd.DataFrame) -> alt.Chart:
    """Horizontal bars, one per drug (most actionable first), stacked by action in the
    colours of the consult's cards."""
    actions = [ACTION_LABEL[a] for a in ACTION_COLOUR]
    return alt.Chart(labels).mark_bar().encode(
        y=alt.Y("drug:N", sort=list(dict.fromkeys(labels["drug"])), title=None),
        x=alt.X("sum(samples):Q", title="samples", axis=alt.Axis(format="d", tickMinStep=1)),
        color=alt.Color("action:N", title="most pressing action",
                        scale=alt.Scale(domain=actions, range=list(ACTION_COLOUR.values())),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("drug:N", title="drug"), alt.Tooltip("action:N", title="action"),
                 alt.Tooltip("samples:Q", title="samples")],
    ).properties(height=max(240, 26 * labels["drug"].nunique()))


def _show(name: str, summary, results: pd.DataFrame, errors: pd.DataFrame) -> None:
    flags = results[results["record"] == "flag"]
    actionable = flags.loc[flags["action"].isin(ACTIONABLE), "sample_id"].nunique()
    st.markdown(f"**{md(name)}**")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Input samples", summary.input_samples)
    c2.metric("Processed", summary.processed)
    c3.metric("Rows with errors", summary.error_rows)
    c4.metric("Samples with an actionable result", actionable,
              help="at least one 'avoid' or dose-change flag")
    d1, d2 = st.columns(2)
    d1.download_button("Download results (CSV)", csv_safe(results).to_csv(index=False),
                       file_name="screen-results.csv", mime="text/csv", key="dl_results",
                       icon=":material/download:", on_click="ignore")
    d2.download_button("Download errors (CSV)", csv_safe(errors).to_csv(index=False),
                       file_name="screen-errors.csv", mime="text/csv", key="dl_errors",
                       icon=":material/download:", on_click="ignore")
    _per_drug(results)
    phenotypes, _ = chart_data(summary)
    with st.expander("Phenotype and genotype frequencies"):
        for key, table in phenotypes.items():
            st.markdown(f"**{md(key)}**")
            st.bar_chart(table.assign(value=table["value"].map(words)), x="value",
                         y="samples", horizontal=True, x_label="samples", y_label="")
    st.subheader("Rows with errors")
    if len(errors):
        st.dataframe(errors, hide_index=True, column_config={
            "row": st.column_config.NumberColumn("Row"),
            "sample_id": st.column_config.TextColumn("Sample"),
            "field": st.column_config.TextColumn("Field"),
            "value": st.column_config.TextColumn("Value"),
            "error": st.column_config.TextColumn("Error", width="large")})
    else:
        st.success("Every row was processed.")
