"""Streamlit pages driven headless with AppTest: a consult from the form (with the history
pickers and the clinical risk inputs), from a file and from an example; the summary cards and
downloads; cohort screens (uploaded and the bundled example); bad uploads."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
EXAMPLE = ROOT / "examples" / "hla-b1502-focal-dre.yaml"
DOWNLOADS = ["HTML", "PDF", "Markdown", "JSON", "FHIR"]


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


def _cards(at: AppTest) -> dict[str, str]:
    """The summary cards by title (the text before the first ' · ')."""
    cards = [*at.error, *at.warning, *at.info, *at.success]
    cards += [m for m in at.markdown if re.match(r":\w+\[:material/\w+:\] \*\*", m.value)]
    out = {}
    for card in cards:
        head = re.sub(r"^:\w+\[:material/\w+:\] ", "", card.value)
        out[head.split(" · ")[0].strip("*")] = head
    return out


def _add_trial(at: AppTest, drug: str, outcome: str, adequate: str, months: float) -> None:
    at.selectbox(key="history_drug").set_value(drug)
    at.selectbox(key="history_outcome").set_value(outcome)
    at.selectbox(key="history_adequate").set_value(adequate)
    at.number_input(key="history_duration_months").set_value(months)
    at.button(key="history_add").click().run()


def test_consult_form_with_history_and_risk_inputs_shows_summary_first():
    at = _app()
    at.multiselect(key="f_seizure_types").set_value(["focal"])
    at.selectbox(key="g_HLA-B*15:02").set_value("positive")
    at.selectbox(key="g_CYP2C9_1").set_value("*3")
    at.selectbox(key="g_CYP2C9_2").set_value("*3")
    at.number_input(key="f_age").set_value(30.0)
    at.number_input(key="f_weight").set_value(70.0)
    at.selectbox(key="c_eeg_abnormal").set_value("yes")
    at.selectbox(key="c_etiology").set_value("structural")
    _add_trial(at, "levetiracetam", "inefficacy", "yes", 6.0)
    _add_trial(at, "lacosamide", "inefficacy", "yes", 8.0)
    assert "**levetiracetam**, inefficacy, adequate trial, 6 months" in _text(at)
    at.button(key="run_form").click().run()
    assert not at.exception and not at.error[1:]
    res = at.session_state["consult_result"]
    assert res.dre.status == "drug_resistant" and res.dre.failed_adequate_trials == 2
    assert "eeg_abnormal" not in res.risk.unknown_inputs
    cards = _cards(at)
    assert list(cards)[:1] == ["Avoid"] and "carbamazepine" in cards["Avoid"]
    assert {"Avoid", "Change dose", "Caution and monitoring", "ILAE status",
            "Top regimen"} <= set(cards)
    assert "Drug-resistant (ILAE 2010)" in cards["ILAE status"]
    labels = [e.label for e in at.expander]
    assert labels[0].startswith("Patient") and "run again" in labels[0]
    assert "carbamazepine: AVOID (1 flag)" in labels
    regimens = [label for label in labels if label[:1].isdigit()]
    assert regimens and all("carbamazepine" not in r and "phenytoin" not in r
                            for r in regimens)
    assert [d.label for d in at.get("download_button")] == DOWNLOADS


def test_other_medications_are_shown_as_not_checked():
    at = _app()
    at.multiselect(key="f_seizure_types").set_value(["focal"])
    at.multiselect(key="f_current").set_value(["carbamazepine"])
    at.text_input(key="f_other").set_value("levothyroxine, Atorvastatin,")
    at.button(key="run_form").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["consult_result"].unchecked_medications == ["levothyroxine",
                                                                        "Atorvastatin"]
    monitor = _cards(at)["Caution and monitoring"]
    assert "not checked: levothyroxine, Atorvastatin" in monitor
    assert "no interaction with them was checked" in monitor


def test_rescue_medication_is_not_dosed_or_kept_by_a_regimen():
    at = _app()
    at.multiselect(key="f_seizure_types").set_value(["focal"])
    at.multiselect(key="f_current").set_value(["lamotrigine"])
    at.multiselect(key="f_rescue").set_value(["diazepam"])
    at.button(key="run_form").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    res = at.session_state["consult_result"]
    assert {d.drug: d.status for d in res.doses}["diazepam"] == "rescue"
    assert res.regimens and all("diazepam" not in r.drugs for r in res.regimens)
    at.multiselect(key="f_current").set_value(["lamotrigine", "diazepam"])
    at.button(key="run_form").click().run()
    said = [e.value.replace("\\_", "_") for e in at.error]  # markdown-escaped
    assert any("rescue_medications.0" in e and "also under current_medications" in e
               for e in said), said


def test_removing_a_trial_from_the_history():
    at = _app()
    _add_trial(at, "levetiracetam", "inefficacy", "yes", 6.0)
    _add_trial(at, "lamotrigine", "intolerance", "no", 1.0)
    at.button(key="history_remove_0").click().run()
    assert at.session_state["history"] == [{"drug": "lamotrigine", "outcome": "intolerance",
                                            "adequate": False, "duration_months": 1.0}]


def test_upload_patient_file_runs_full_consult():
    at = _app()
    at.file_uploader(key="patient_upload").set_value(
        (EXAMPLE.name, EXAMPLE.read_bytes(), "application/x-yaml")).run()
    at.button(key="run_file").click().run()
    assert not at.exception
    cards = _cards(at)
    assert cards["ILAE status"].startswith("**ILAE status** · Drug-resistant (ILAE 2010): "
                                           "2 failed adequate trials")
    assert "phenytoin" in cards["Avoid"] and "no dose change" in cards["Change dose"]
    assert not [w for w in at.warning if "Change dose" in w.value]  # nothing to do: no colour
    assert "add pregabalin at 150 mg/day" in cards["Top regimen"]


def test_example_patient_runs_from_the_picker():
    at = _app()
    names = at.selectbox(key="example_patient").options
    at.selectbox(key="example_patient").set_value(
        next(n for n in names if n.startswith("valproate-lamotrigine-gge"))).run()
    at.button(key="run_example").click().run()
    assert not at.exception
    cards = _cards(at)
    assert "lamotrigine" in cards["Change dose"] and "−50%" in at.warning[0].value


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
    assert any(needle in e.value.replace("\\", "") for e in at.error), [e.value for e in at.error]


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


def test_cohort_example_counts_samples_per_drug_and_action():
    at = _app("cohort_page")
    at.button(key="run_example_cohort").click().run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Input samples"] == metrics["Processed"] == "20"
    per_drug = at.dataframe[0].value.set_index("drug")
    # three HLA-B*15:02 carriers and a myoclonic patient: samples, not flags, are counted
    assert per_drug.loc["carbamazepine", "AVOID"] <= 20
    assert per_drug.sum(axis=1).max() <= 20
    assert int(metrics["Samples with an actionable result"]) <= 20
    assert any(s.value == "Every row was processed." for s in at.success)


def test_cohort_page_unusable_file_shows_error():
    at = _app("cohort_page")
    at.file_uploader(key="cohort_upload").set_value(("c.csv", b"id,CYP2C9\nA,*1/*1\n",
                                                     "text/csv")).run()
    at.button(key="run_cohort").click().run()
    assert not at.exception
    assert any("sample_id column" in e.value.replace("\\", "") for e in at.error)


def test_knowledge_base_page_shows_version_drugs_and_sources():
    at = _app("kb_page")
    assert any("sha256" in c.value for c in at.caption)
    at.selectbox(key="kb_drug").set_value("valproate").run()
    assert not at.exception
    assert "multiple_mechanisms" in _text(at)
    at.selectbox(key="kb_gene").set_value("CYP2C19").run()
    assert any(len(df.value) > 30 for df in at.dataframe)  # full allele table
