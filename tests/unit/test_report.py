"""advisor.report on results built from the small knowledge base: the disclaimer, no "None",
"nan" or unfilled {placeholders} in Markdown or HTML, one row per flag, dose and regimen; and
the formatting helpers on hand-built result parts."""

from __future__ import annotations

import html
import json
import re

import pytest

from advisor.consult import consult
from advisor.report import to_html, to_json, to_markdown
from advisor.report.formatting import (
    acute_dose,
    citation,
    mg,
    pct,
    probability,
    transition_lines,
)
from advisor.result import (
    AddStep,
    ContinueStep,
    InteractionChange,
    PathwayDose,
    ScheduleEntry,
    TransitionPlan,
    WithdrawStep,
)
from advisor.schema import Source
from tests.unit.helpers import ADULT, patient

PATIENTS = {
    # flags, adjusted doses, drug resistance with next steps, regimens with every kind of
    # transition step and an interaction that ends, a safety note
    "full": dict(
        ADULT, id="full", sex="female", pregnancy="not_pregnant",
        genotypes={"HLA-T*01:01": "negative", "TESTCYP": "*1/*3"},
        current_medications=["testdrug_a", "test_contraceptive"],
        renal={"creatinine_clearance_ml_min": 40}, longest_pretreatment_interval_days=100,
        medication_history=[
            {"drug": "testdrug_a", "outcome": "inefficacy", "adequate": True,
             "duration_months": 6},
            {"drug": "testdrug_b", "outcome": "inefficacy", "adequate": True}]),
    # almost nothing known: no id, age, weight or candidate drug
    "sparse": {"seizure_types": ["unknown"]},
    # doses without numbers: a child without weight (needs input, no labelled dose)
    "child": {"age_years": 10, "seizure_types": ["focal"], "candidate_drugs": ["testdrug_d"]},
    # avoid flags, no automatic dose on dialysis, the status-epilepticus pathway (acute)
    "acute": dict(ADULT, id="acute", renal={"dialysis": "haemodialysis"},
                  hepatic={"child_pugh": "C"}, genotypes={"HLA-T*01:01": "positive"},
                  seizure_types=["focal", "status_epilepticus"]),
}


@pytest.fixture(scope="module")
def results(small_kb):
    return {name: consult(small_kb, patient(small_kb, **fields))
            for name, fields in PATIENTS.items()}


def _text(report: str, fmt: str) -> str:
    """The report's visible text (the HTML without its style sheet and tags)."""
    if fmt == "markdown":
        return report
    body = re.sub(r"<style>.*?</style>", "", report, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


RENDER = {"markdown": to_markdown, "html": to_html}


@pytest.mark.parametrize("fmt", list(RENDER))
@pytest.mark.parametrize("name", list(PATIENTS))
def test_no_none_nan_or_unfilled_placeholder(results, name, fmt):
    text = _text(RENDER[fmt](results[name]), fmt)
    assert not re.search(r"\bNone\b", text)
    assert not re.search(r"\bnan\b", text, flags=re.I)
    assert not re.findall(r"\{[a-z_]*\}", text)


@pytest.mark.parametrize("name", list(PATIENTS))
def test_the_disclaimer_opens_every_report(small_kb, results, name):
    disclaimer = small_kb.manifest.disclaimer
    res = results[name]
    assert res.disclaimer == disclaimer
    lines = to_markdown(res).splitlines()
    assert f"> {disclaimer}" in lines[:5]  # under the title and the patient line
    page = to_html(res)
    assert html.escape(disclaimer) in page
    assert page.index(html.escape(disclaimer)) < page.index("<h2")


def test_the_result_made_from_the_small_kb_has_every_part(results):
    full, acute = results["full"], results["acute"]
    assert full.flags and full.doses and full.regimens and full.safety_notes
    assert full.dre.status == "drug_resistant" and full.dre.next_steps
    kinds = {s.action for r in full.regimens for s in r.transition.steps}
    assert kinds == {"continue", "add", "withdraw"}
    assert any(r.transition.interaction_changes for r in full.regimens)
    assert {d.status for d in results["child"].doses} == {"needs_input", "no_labelled_dose"}
    assert {d.status for d in acute.doses} >= {"not_recommended", "no_labelled_dose"}
    assert acute.status_epilepticus is not None
    assert results["sparse"].regimens == []


@pytest.mark.parametrize("name", list(PATIENTS))
def test_the_markdown_shows_every_flag_dose_and_regimen(results, name):
    res = results[name]
    text = to_markdown(res).replace("\\*", "*")
    for flag in res.flags:  # the report writes names with spaces ("testdrug a")
        assert flag.drug.replace("_", " ") in text, flag
        assert flag.message[:60].replace("_", " ") in text, flag
    for dose in res.doses:
        assert dose.drug in text.split("## Doses", 1)[1], dose.drug
    numbered = re.findall(r"^\| (\d+) \| \*\*(.+?)\*\* \((.+?), score", text, flags=re.M)
    assert numbered == [(str(i), " + ".join(r.drugs), r.kind)
                        for i, r in enumerate(res.regimens, 1)]


def test_the_markdown_states_the_ilae_status_and_next_steps(results):
    text = to_markdown(results["full"])
    assert ("**Drug-resistant (ILAE 2010)**: 2 failed adequate trials; sustained seizure "
            "freedom requires 12 months") in text
    assert "TEST: refer to a test epilepsy centre." in text
    assert "TEST: a step for adults with focal seizures only." in text


def test_the_reports_cite_only_sources_of_the_knowledge_base(small_kb, results):
    for res in results.values():
        assert set(res.sources) <= set(small_kb.sources)
        references = to_markdown(res).split("## References", 1)[1]
        listed = re.findall(r"^\d+\. (.*) \(([A-Z][\w.-]*)\)$", references, flags=re.M)
        assert listed, references
        for entry, sid in listed:
            assert entry.startswith(small_kb.sources[sid].citation), sid


def test_the_json_is_the_models_dump(results):
    res = results["full"]
    assert json.loads(to_json(res)) == res.model_dump(mode="json")


def test_html_escapes_what_the_patient_file_says(small_kb):
    res = consult(small_kb, patient(small_kb, **ADULT, id="<b>x</b>"))
    page = to_html(res)
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


# --- formatting ------------------------------------------------------------------------


def test_numbers_as_the_reports_show_them():
    assert mg([200.0, 400.0]) == "200–400 mg/day"
    assert mg([12.5, 25.0]) == "12.5–25 mg/day"
    assert mg([1050.0, 1050.0]) == "1050 mg/day"
    assert mg(None) == mg([]) == "—"
    assert (pct(-25.0), pct(33.3), pct(0.0), pct(None)) == ("−25%", "+33.3%", "0%", "—")
    assert probability(None, None) == "not estimated"
    assert probability(0.123, None) == "12%"
    assert probability(0.123, [0.1, 0.15]) == "12% (95% interval 10–15%)"
    assert probability(0.022, [0.0075, 0.036]) == "2.2% (95% interval < 1% to 3.6%)"


def test_an_acute_dose_in_words():
    assert acute_dose(PathwayDose(route="IV", dose_rule="20 mg/kg (max 1500 mg)", dose_mg=1400,
                                  repeat="single dose")) == (
        "IV 1400 mg (20 mg/kg (max 1500 mg)) - single dose")
    assert acute_dose(PathwayDose(route="IM", dose_mg=10, weight_band="13-40 kg")) == (
        "IM 10 mg for 13-40 kg")
    assert acute_dose(PathwayDose(route="IV", dose_rule="0.1 mg/kg")) == "IV 0.1 mg/kg"


def test_a_transition_plan_in_lines():
    plan = TransitionPlan(
        steps=[ContinueStep(drug="testdrug_b"),
               AddStep(drug="testdrug_c",
                       schedule=[ScheduleEntry(weeks="weeks 1-2", daily_mg=100),
                                 ScheduleEntry(weeks="week 3", daily_mg_per_kg=5,
                                               daily_mg=None)],
                       then="increase by 100 mg/day every 2 weeks",
                       target_daily_mg=[200, 400]),
               AddStep(drug="testdrug_d"),
               WithdrawStep(drug="testdrug_a", notes=["Taper over 4–8 weeks.", "More."],
                            taper_weeks=[4, 8], never_abrupt=True)],
        interaction_changes=[InteractionChange(removed="testdrug_a", affected="testdrug_b",
                                               interaction="x", change="TEST change.",
                                               evidence=[])],
        sequence=["TEST order."])
    assert transition_lines(plan) == [
        "TEST order.",
        "continue testdrug_b",
        "add testdrug_c: weeks 1-2: 100 mg/day, week 3: 5 mg/kg/day; then increase by 100 "
        "mg/day every 2 weeks; target 200–400 mg/day",
        "add testdrug_d: see the label",
        # the notes are sentences: not joined by a semicolon before a capital
        "withdraw testdrug_a: taper over 4–8 weeks; never stop abruptly. More",
        "TEST change."]


def test_a_reference_gives_its_pmid_or_doi_once():
    """The PMID and DOI follow the citation unless its text already holds them."""
    plain = Source(citation="Author A. Title. J 2020.", kind="study", pmid="123", doi="10.1/x")
    assert citation(plain, "S") == "Author A. Title. J 2020. PMID 123 doi:10.1/x"
    inline = Source(citation="Author A. Title. J 2020. PMID 123.", kind="study", pmid="123",
                    doi="10.1/x")
    assert citation(inline, "S") == "Author A. Title. J 2020. PMID 123. doi:10.1/x"
    assert citation(None, "S") == "S"
