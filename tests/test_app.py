"""Streamlit pages driven headless with AppTest: a full consult, a cohort screen, bad uploads."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
EXAMPLE = ROOT / "examples" / "hla-b1502-focal-dre.yaml"


def _app(page: str | None = None) -> AppTest:
    """The whole app (its default page), or one page module of advisor.ui on its own:
    AppTest switches only between file pages, and the app's pages are functions."""
    if page:
        at = AppTest.from_string(f"from advisor.ui import {page}\n{page}.render()\n",
                                 default_timeout=120)
    else:
        at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown) + " " + " ".join(e.label for e in at.expander)


def test_consult_form_hla_positive_shows_avoid_and_doses():
    at = _app()
    at.multiselect(key="f_seizure_types").set_value(["focal"])
    at.selectbox(key="g_HLA-B*15:02").set_value("positive")
    at.selectbox(key="g_CYP2C9_1").set_value("*3")
    at.selectbox(key="g_CYP2C9_2").set_value("*3")
    at.number_input(key="f_age").set_value(30.0)
    at.number_input(key="f_weight").set_value(70.0)
    at.button(key="FormSubmitter:patient_form-Run consultation").click().run()
    assert not at.exception and not at.error
    labels = [e.label for e in at.expander]
    assert "carbamazepine: avoid (1 flag)" in labels
    assert any(label.startswith("1. ") for label in labels)  # ranked regimens
    regimens = [label for label in labels if label[0].isdigit()]
    assert all("carbamazepine" not in r and "phenytoin" not in r for r in regimens)
    assert "AVOID" in _text(at)
    assert any(d.label == "Download HTML report" for d in at.get("download_button"))


def test_consult_upload_patient_file_runs_full_consult():
    at = _app()
    at.file_uploader(key="patient_upload").set_value(
        (EXAMPLE.name, EXAMPLE.read_bytes(), "application/x-yaml")).run()
    at.button(key="run_file").click().run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["ILAE status"] == "Drug-resistant"


@pytest.mark.parametrize(("content", "needle"), [
    (b"seizure_types: [focal]\ncurrent_medications: [carbamazapine]\n", "unknown drug"),
    (b"\x89PNG\r\n\x00\x00", "not UTF-8"),
    (b"- a list\n", "must be a mapping"),
])
def test_bad_patient_upload_shows_error_not_exception(content, needle):
    at = _app()
    at.file_uploader(key="patient_upload").set_value(("bad.yaml", content,
                                                      "application/x-yaml")).run()
    at.button(key="run_file").click().run()
    assert not at.exception
    assert any(needle in e.value for e in at.error), [e.value for e in at.error]


def test_cohort_page_screens_small_cohort_and_reports_bad_rows():
    at = _app("cohort_page")
    table = ("sample_id,CYP2C9,HLA-B*15:02,seizure_types\n"
             "A,*1/*3,negative,focal\nB,*3/*3,positive,focal\nC,*1/*99,negative,focal\n")
    at.file_uploader(key="cohort_upload").set_value(("c.csv", table.encode(), "text/csv")).run()
    at.button(key="run_cohort").click().run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Input samples"], metrics["Processed"], metrics["Rows with errors"]) == (
        "3", "2", "1")
    errors = at.dataframe[-1].value
    assert list(errors["sample_id"]) == ["C"] and "unknown allele" in errors["error"].iloc[0]


def test_cohort_page_unusable_file_shows_error():
    at = _app("cohort_page")
    at.file_uploader(key="cohort_upload").set_value(("c.csv", b"id,CYP2C9\nA,*1/*1\n",
                                                     "text/csv")).run()
    at.button(key="run_cohort").click().run()
    assert not at.exception
    assert any("sample_id column" in e.value for e in at.error)


def test_knowledge_base_page_shows_version_drugs_and_sources():
    at = _app("kb_page")
    assert any("sha256" in c.value for c in at.caption)
    at.selectbox(key="kb_drug").set_value("valproate").run()
    assert not at.exception
    assert "multiple_mechanisms" in _text(at)
    at.selectbox(key="kb_gene").set_value("CYP2C19").run()
    assert any(len(df.value) > 30 for df in at.dataframe)  # full allele table
