"""Every rendered format of every example and case patient reads as text for people.

Over all examples/*.yaml and tests/cases/*.yaml: no Markdown, HTML, JSON or terminal output
holds an unresolved placeholder, "None" or "nan"; every citation number in the Markdown and
HTML reports resolves to an entry of the references; units and ranges read as people write
them. And the Markdown report of the HLA-B*15:02 example is at most 80 lines before its
references.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from advisor.consult import consult, consult_file
from advisor.inputs.patient import validate_patient
from advisor.report import render
from advisor.report.terminal import print_summary
from advisor.result import ConsultResult
from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
CASES = sorted((ROOT / "tests" / "cases").glob("*.yaml"))
PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w]*\}|\{\}")
MISSING = re.compile(r"\b(None|nan|NaN)\b")
SAME_ENDS = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[-–]\s*\1(?![\d.])\s*(mg|min|week)")
MARK = re.compile(r"\[(\d[\d, –]*)\]")


def _patients() -> list[Any]:
    return [pytest.param(p, id=f"example-{p.stem}") for p in EXAMPLES] + [
        pytest.param(p, id=p.stem) for p in CASES]


@pytest.fixture(scope="module")
def results(kb) -> dict[Path, ConsultResult]:
    out = {p: consult_file(kb, p) for p in EXAMPLES}
    for path in CASES:
        case = yaml.safe_load(path.read_text())
        out[path] = consult(kb, validate_patient(kb, case["patient"]),
                            acute=case.get("acute", False))
    return out


def _numbers(mark: str) -> set[int]:
    out: set[int] = set()
    for part in mark.split(","):
        lo, _, hi = part.strip().partition("–")
        out |= set(range(int(lo), int(hi or lo) + 1))
    return out


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def _body(html: str) -> str:
    """The page's text as shown: no style sheet, no tags."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _terminal(res: ConsultResult) -> str:
    buffer = io.StringIO()
    print_summary(res, Console(file=buffer, width=120, color_system=None))
    return buffer.getvalue()


def _clean(text: str, where: str) -> None:
    assert not PLACEHOLDER.findall(text), f"{where}: {PLACEHOLDER.findall(text)[:3]}"
    assert not MISSING.findall(text), f"{where}: {MISSING.findall(text)[:3]}"
    assert not re.search(r"(?<![\d.])1 (weeks|months)\b", text), where  # '11 months' is fine
    assert not re.search(r"\d\.0 (mg|kg|min)", text), where


@pytest.mark.parametrize("path", _patients())
def test_no_placeholder_none_or_nan_in_any_format(results, path):
    res = results[path]
    _clean(render(res, "markdown"), "markdown")
    _clean(_body(render(res, "html")), "html")
    _clean(_terminal(res), "terminal")
    for text in _strings(json.loads(render(res, "json"))):
        assert not PLACEHOLDER.findall(text), text
        assert not MISSING.findall(text), text


@pytest.mark.parametrize("path", _patients())
def test_every_citation_number_resolves(results, path):
    res = results[path]
    md = render(res, "markdown")
    body, _, refs = md.partition("\n## References\n")
    listed = {int(m) for m in re.findall(r"^(\d+)\. ", refs, flags=re.M)}
    cited = {n for m in MARK.findall(body) for n in _numbers(m)}
    assert cited and cited <= listed and listed == set(range(1, len(listed) + 1))
    html = render(res, "html")
    targets = set(re.findall(r'href="#ref-(\d+)"', html))
    anchors = set(re.findall(r'id="ref-(\d+)"', html))
    assert targets and targets <= anchors


@pytest.mark.parametrize("path", _patients())
def test_summary_and_report_ranges_read_naturally(results, path):
    res = results[path]
    summary = "\n".join([render(res, "markdown").partition("\n## Genotypes")[0],
                         _terminal(res)])
    assert not SAME_ENDS.findall(summary), SAME_ENDS.findall(summary)


def test_hla_markdown_report_is_at_most_85_lines_before_references(results):
    """A readability guard: the example's report stays short enough to read at a
    consultation. Each flagged candidate takes one line; the limit moved from 80 to 85 when
    zonisamide gained its label's contraception flag (81 lines), and to 86 when the summary's
    caution line kept its headline above a single 'checked in part' line (review AB R6)."""
    md = render(results[ROOT / "examples" / "hla-b1502-focal-dre.yaml"], "markdown")
    before = md.partition("\n## References\n")[0].splitlines()
    assert len(before) <= 86, len(before)
    assert before[0].startswith("# ") and "## Summary" in before[:8]


@pytest.mark.parametrize("path", _patients())
def test_risk_fits_the_ilae_status(results, path):
    """No probability of becoming drug-resistant next to an ILAE status that already answers
    it: drug-resistant (the summary gives the next-regimen estimate) or sustained seizure
    freedom (the summary gives no estimate; the risk notes say why); nor next to a seizure
    freedom not yet sustained, which the models do not use (review U M4: the risk section
    gives the estimate with a note saying so)."""
    res = results[path]
    resistant = res.dre.status == "drug_resistant"
    seizure_free = res.dre.status == "not_drug_resistant"
    free_now = bool(res.dre.current_seizure_free_months and res.dre.seizure_free_drug)
    if res.risk is None or seizure_free or free_now:
        assert res.summary is not None and res.summary.risk is None
        assert res.risk is None or res.risk.p_drug_resistance is None or (
            free_now and any("so far" in n for n in res.risk.notes))
        return
    assert (res.risk.p_drug_resistance is None) == resistant
    assert res.summary is not None and res.summary.risk is not None
    assert res.summary.risk.outcome == ("seizure_freedom_next_regimen" if resistant
                                        else "drug_resistance")
    head = render(res, "markdown").partition("\n## Genotypes")[0]
    assert ("probability of drug-resistant epilepsy" in head) == (not resistant)


def test_fosphenytoin_amounts_read_in_mg_pe_everywhere(kb):
    """Fosphenytoin is dosed in mg PE (phenytoin sodium equivalents, 1.5 mg fosphenytoin
    sodium each): its dose table, summary change and PDF/HTML rows say 'mg PE/day', never a
    bare 'mg/day' that reads as milligrams of fosphenytoin."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 50, "weight_kg": 75, "seizure_types": ["focal"],
        "current_medications": ["fosphenytoin"],
        "genotypes": {"CYP2C9": "*3/*3", "HLA-B*15:02": "negative"}}))
    dose = next(d for d in res.doses if d.drug == "fosphenytoin")
    assert dose.unit == "mg PE" and dose.recommended_daily_mg
    md = render(res, "markdown")
    row = next(line for line in md.splitlines() if line.startswith("| fosphenytoin |"))
    summary = next(line for line in md.splitlines() if line.startswith("  - **fosphenytoin**:"))
    for line in (row, summary):
        amounts = re.findall(r"\d mg(?: PE)?/day", line.lstrip(" -").partition(" - ")[0])
        assert amounts and all(a.endswith("mg PE/day") for a in amounts), line
    change = next(c for c in res.summary.dose_changes if c.drug == "fosphenytoin")
    assert change.change.count("mg PE/day") == 2, change.change
    html = _body(render(res, "html"))
    assert re.search(r"fosphenytoin.{0,200}?\d mg PE/day", html, re.S)


def test_a_taken_drugs_start_dose_reads_as_a_restart(kb):
    """The label's starting dose of a drug the patient already takes is the dose to restart
    it at ('if restarted: start 25 mg/day'); a candidate's reads 'start ...'. A woman
    seizure-free on lamotrigine for 24 months read 'start 25 mg/day' beside her dose."""
    case = yaml.safe_load((ROOT / "tests" / "cases" /
                           "seizure-free-pregnant-lamotrigine-continue.yaml").read_text())
    res = consult(kb, validate_patient(kb, case["patient"]))
    md = render(res, "markdown")
    row = next(line for line in md.splitlines() if line.startswith("| lamotrigine |"))
    assert "if restarted: start 25 mg/day" in row
    html = _body(render(res, "html"))
    assert "if restarted: start 25 mg/day" in html
    res = consult(kb, validate_patient(kb, {**case["patient"], "current_medications": [],
                                            "candidate_drugs": ["lamotrigine"]}))
    row = next(line for line in render(res, "markdown").splitlines()
               if line.startswith("| lamotrigine |"))
    assert "; start 25 mg/day" in row and "restarted" not in row


def test_a_dose_the_knowledge_base_lacks_is_not_called_unlabelled(kb):
    """A 7-month-old with focal seizures: lacosamide (the current US label doses from 1 month;
    its rows for small children were not read) is 'no dose in the knowledge base', not 'no
    labelled dose' (review K M13); eslicarbazepine, which no label read doses under 4 years,
    stays 'no labelled dose'; acute-only drugs are not listed among maintenance candidates
    (review K C3)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 0.6, "weight_kg": 7.6, "sex": "female", "seizure_types": ["focal"],
        "medication_history": [{"drug": "levetiracetam", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 1}],
        "current_medications": ["levetiracetam"]}))
    doses = {d.drug: d for d in res.doses}
    assert doses["lacosamide"].kb_gap and doses["lacosamide"].status == "no_labelled_dose"
    assert doses["lacosamide"].basis[0].startswith("no dose in the knowledge base for this "
                                                   "patient (not every label's dose")
    assert not doses["eslicarbazepine"].kb_gap
    listed = render(res, "markdown").split("Not dosed: ")[1].split("\n")[0]
    assert "lacosamide (no dose in the knowledge base)" in listed
    assert "eslicarbazepine (no labelled dose)" in listed
    assert "lorazepam" not in listed and "ketamine" not in listed


@pytest.mark.parametrize(("years", "gap"), [(5, False), (9, True)])
def test_perampanel_for_tonic_clonic_seizures_under_12_says_which_gap(kb, years, gap):
    """No label read doses perampanel for tonic-clonic seizures under 7 years ('no labelled
    dose'); from 7 an EU-type label does, unread ('no dose in the knowledge base'; review N
    C3)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": years, "weight_kg": 19 if years < 7 else 28, "sex": "male",
        "seizure_types": ["generalized_tonic_clonic"], "candidate_drugs": ["perampanel"]}))
    dose = next(d for d in res.doses if d.drug == "perampanel")
    assert dose.status == "no_labelled_dose" and bool(dose.kb_gap) == gap


def test_a_report_without_a_risk_model_says_so_in_words(kb):
    """The footer of a consult whose risk model did not run says 'no risk model used', not
    'model none' (read as a broken value); with a model, its version."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 4, "weight_kg": 16, "sex": "female", "syndrome": "cdkl5_deficiency",
        "seizure_types": ["epileptic_spasms"]}))
    assert res.provenance.model_version is None
    for fmt in ("markdown", "html"):
        text = render(res, fmt)
        assert "no risk model used" in text and "model none" not in text, fmt
    with_model = consult(kb, validate_patient(kb, {
        "age_years": 40, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"]}))
    assert with_model.provenance.model_version
    assert f"model {with_model.provenance.model_version}" in render(with_model, "markdown")
