"""Cohort page: upload a table or VCF, screen it with a progress bar, see and download results."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from advisor.cohort import screen_chunks
from advisor.cohort_report import chart_data
from advisor.errors import InputError
from advisor.genotype.vcf_cohort import cohort_from_upload
from advisor.inputs.tables import read_chunks, table_kind
from advisor.ui.common import disclaimer, error_box, failure_text, knowledge_base

CHUNK = 20_000


def _chunks(upload) -> list[pd.DataFrame]:
    """The uploaded cohort as chunks of text cells, read in memory (never written to disk)."""
    data = upload.getvalue()
    if table_kind(upload.name) == "vcf":
        table = cohort_from_upload(knowledge_base(), upload.name, data)
        return [table.iloc[i:i + CHUNK] for i in range(0, len(table), CHUNK)] or [table]
    return list(read_chunks(data, upload.name, CHUNK))


def render() -> None:
    kb = knowledge_base()
    st.title("Cohort screen")
    disclaimer()
    keys = ", ".join(f"`{k}`" for k in list(kb.input_keys)[:4])
    st.markdown(f"One row per sample: `sample_id`, genotype columns named as in the patient "
                f"file ({keys}, ...), optionally `seizure_types`, `current_medications` "
                "(`;`-separated). Or a multi-sample VCF (GRCh38).")
    upload = st.file_uploader("Cohort (CSV, TSV, Parquet, VCF)",
                              type=["csv", "tsv", "txt", "parquet", "vcf", "gz"],
                              key="cohort_upload")
    drugs = st.multiselect("Judge only these drugs (default: by seizure type, or all)",
                           list(kb.drugs), key="cohort_drugs")
    if upload is not None and st.button("Screen cohort", type="primary", key="run_cohort"):
        results, errors = [], []
        bar = st.progress(0.0, text="Screening...")
        try:
            chunks = _chunks(upload)
            total = sum(len(c) for c in chunks)

            def progress(n: int) -> None:
                bar.progress(min(1.0, n / max(total, 1)), text=f"Screened {n:,} of {total:,}")

            summary = screen_chunks(kb, chunks, lambda r, e: (results.append(r),
                                                              errors.append(e)),
                                    drugs=drugs or None, progress=progress)
            st.session_state["cohort"] = (summary, pd.concat(results, ignore_index=True),
                                          pd.concat(errors, ignore_index=True))
            st.session_state["cohort_error"] = None
        except InputError as exc:
            st.session_state["cohort_error"] = str(exc)
            st.session_state["cohort"] = None
        except Exception as exc:  # any other failed input: the bounded box below too
            st.session_state["cohort_error"] = failure_text(exc)
            st.session_state["cohort"] = None
        bar.empty()
    if st.session_state.get("cohort_error"):
        error_box("Cannot screen this file: ", st.session_state["cohort_error"])
    if st.session_state.get("cohort"):
        _show(*st.session_state["cohort"])


def _show(summary, results: pd.DataFrame, errors: pd.DataFrame) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric("Input samples", summary.input_samples)
    c2.metric("Processed", summary.processed)
    c3.metric("Rows with errors", summary.error_rows)
    phenotypes, flags = chart_data(summary)
    st.subheader("Phenotype and genotype frequencies")
    for key, table in phenotypes.items():
        st.markdown(f"**{key}**")
        st.bar_chart(table, x="value", y="samples", horizontal=True)
    st.subheader("Actionable flags (samples)")
    if len(flags):
        st.dataframe(flags, hide_index=True)
        st.bar_chart(flags.groupby("drug", as_index=False)["samples"].sum(), x="drug",
                     y="samples")
    else:
        st.info("No actionable flags.")
    st.subheader("Errors")
    if len(errors):
        st.dataframe(errors, hide_index=True)
    else:
        st.success("Every row was processed.")
    st.download_button("Download results (CSV)", results.to_csv(index=False),
                       file_name="screen-results.csv", mime="text/csv", key="dl_results")
    st.download_button("Download errors (CSV)", errors.to_csv(index=False),
                       file_name="screen-errors.csv", mime="text/csv", key="dl_errors")
