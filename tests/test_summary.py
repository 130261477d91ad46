"""The summary block: the key actions first (avoid, dose changes, monitor, ILAE status with
next steps, top regimen), built from the finished result and in its JSON."""

from __future__ import annotations

import json

import pytest
import yaml

from advisor.consult import consult, consult_file
from advisor.inputs.patient import validate_patient
from advisor.report import render
from advisor.result import ConsultResult
from advisor.summary import first_sentence, summarize
from tests.conftest import ROOT

HLA = ROOT / "examples" / "hla-b1502-focal-dre.yaml"
GGE = ROOT / "examples" / "valproate-lamotrigine-gge.yaml"
DRAVET = ROOT / "examples" / "child-dravet-gaba.yaml"


@pytest.fixture(scope="module")
def hla(kb) -> ConsultResult:
    return consult_file(kb, HLA)


def test_summary_keys_follow_the_contract(hla):
    data = json.loads(render(hla, "json"))
    keys = list(data["summary"])
    contract = ["avoid", "dose_changes", "monitor", "dre_status", "next_steps", "top_regimen"]
    assert [k for k in keys if k in contract] == contract
    assert all({"drug", "reasons"} <= set(a) for a in data["summary"]["avoid"])
    assert list(data).index("summary") == list(data).index("regimens") + 1


def test_hla_example_avoids_the_aromatic_drugs_with_reason_and_evidence(hla):
    s = hla.summary
    assert [a.drug for a in s.avoid] == ["carbamazepine", "fosphenytoin", "lamotrigine",
                                         "oxcarbazepine", "phenytoin"]
    for a in s.avoid:
        if a.drug == "lamotrigine":  # stopped for a rash (adverse_reactions)
            assert a.reasons[0].startswith("lamotrigine was stopped because of a rash")
            assert a.evidence_level == "high" and "FDA-label-lamictal" in a.evidence
            continue
        assert a.reasons[0].startswith("HLA-B*15:02 positive: do not start")
        assert a.evidence_level == "high" and "CPIC-2017-carbamazepine" in a.evidence
    assert s.dre_status == "drug_resistant" and len(s.next_steps) >= 2
    assert s.next_steps[0].text.startswith("Refer to a tertiary")
    assert s.risk is not None and s.risk.outcome == "seizure_freedom_next_regimen"
    top = s.top_regimen
    assert top is not None and top.drugs == hla.regimens[0].drugs
    assert top.first_step == "add pregabalin at 150 mg/day (week 1)"
    assert top.target_daily_mg == next(d.recommended_daily_mg for d in hla.doses
                                       if d.drug == "pregabalin")


def test_dose_change_reads_from_to_and_why(kb):
    s = consult_file(kb, GGE).summary
    change = next(c for c in s.dose_changes if c.drug == "lamotrigine")
    assert change.change == "225–375 mg/day → 100–200 mg/day (−50%)"
    assert change.reason.startswith("valproate + lamotrigine: Valproate inhibits")
    assert change.rules == ["interaction:valproate-raises-lamotrigine"]
    # in play (asked about by name): its flag, then its label's boxed warning (serious rash);
    # the man's valproate: the MHRA advice to men (review X C2)
    assert [(m.drug, m.rule) for m in s.monitor][-1] == ("lamotrigine",
                                                         "boxed_warning:lamotrigine")
    assert {(m.drug, m.rule) for m in s.monitor if m.drug == "valproate"} == {
        ("valproate", "valproate-men-and-boys")}
    assert {m.drug for m in s.monitor} == {"valproate", "lamotrigine"}
    assert s.in_play == ["valproate", "lamotrigine"]


def test_a_flagged_change_that_leaves_the_range_says_what_stays(kb):
    """Oxcarbazepine below CLcr 10: the label halves the start and no source gives a
    maintenance target; the summary names the start and that there is no target (not
    'unchanged': review S M8; not the usual range: review Y M5), never 'no change' beside
    'reduce'."""
    patient = validate_patient(kb, {"age_years": 70, "weight_kg": 70, "sex": "male",
                                    "seizure_types": ["focal"], "current_medications": [],
                                    "candidate_drugs": ["oxcarbazepine"],
                                    "renal": {"creatinine_clearance_ml_min": 8}})
    result = consult(kb, patient)
    dose = next(d for d in result.doses if d.drug == "oxcarbazepine")
    change = next(c for c in result.summary.dose_changes if c.drug == "oxcarbazepine")
    assert dose.start_daily_mg == 300 and dose.recommended_daily_mg is None and dose.no_target
    assert change.change == ("reduce dose (start 300 mg/day; no maintenance target for this "
                             "patient: see the dose row)")
    assert change.reason.startswith("CLcr <10 mL/min: the label says to initiate at one-half")


def test_a_flagged_change_of_a_drug_without_a_labelled_dose_says_so(kb):
    """Fenfluramine for a child of 20 months on stiripentol: the interaction asks for a lower
    dose, but the label gives none under 2 years; the summary says that, not that the dose
    'could not be computed'."""
    patient = validate_patient(kb, {"age_years": 1.67, "weight_kg": 11, "sex": "female",
                                    "syndrome": "dravet", "seizure_types": ["myoclonic"],
                                    "current_medications": ["valproate", "clobazam",
                                                            "stiripentol"],
                                    "candidate_drugs": ["fenfluramine"]})
    result = consult(kb, patient)
    dose = next(d for d in result.doses if d.drug == "fenfluramine")
    change = next(c for c in result.summary.dose_changes if c.drug == "fenfluramine")
    assert dose.status == "no_labelled_dose"
    assert change.change == ("reduce dose (no labelled dose for this patient: see the dose "
                             "row)")


def test_a_drug_not_in_play_without_a_dose_is_not_a_dose_change(kb):
    """A boy of 9 on carbamazepine: carbamazepine changes tiagabine's dose, but tiagabine is
    neither taken nor asked about and has no labelled dose at 9, so 'Change dose' does not
    list it."""
    patient = validate_patient(kb, {"age_years": 9, "weight_kg": 30, "sex": "male",
                                    "seizure_types": ["focal"],
                                    "current_medications": ["carbamazepine"]})
    result = consult(kb, patient)
    dose = next(d for d in result.doses if d.drug == "tiagabine")
    assert dose.status == "no_labelled_dose"
    assert "tiagabine" not in [c.drug for c in result.summary.dose_changes]


def test_current_drug_dose_change_comes_first_and_other_drugs_to_avoid_last(kb):
    s = consult_file(kb, DRAVET).summary
    assert s.dose_changes[0].drug == "clobazam" and "−50%" in s.dose_changes[0].change
    relevance = [a.relevance for a in s.avoid]
    assert relevance == sorted(relevance, key=["current", "candidate", "other"].index)
    assert "valproate" in s.in_play and "clobazam" in s.in_play


def test_summary_rebuilds_from_the_result_alone(hla):
    again = summarize(hla.model_copy(update={"summary": None}))
    assert again.avoid == hla.summary.avoid
    assert again.top_regimen == hla.summary.top_regimen
    assert again.patient is None


def test_summary_reads_back_from_json(hla):
    again = ConsultResult.model_validate(json.loads(render(hla, "json")))
    assert again.summary == hla.summary


@pytest.mark.parametrize(("text", "first"), [
    ("A: b. Choose c.", "A: b."),
    ("CYP3A5 non-expresser (e.g. *3/*3): higher levels. No guideline.",
     "CYP3A5 non-expresser (e.g. *3/*3): higher levels."),
    ("Use a method (e.g. Copper IUD). Then review.", "Use a method (e.g. Copper IUD)."),
    ("One sentence only", "One sentence only"),
])
def test_first_sentence(text, first):
    assert first_sentence(text) == first


def test_a_seizure_free_patient_gets_no_risk_headline(kb):
    """Sustained seizure freedom (ILAE): the summary shows no model estimate (a baseline 46%
    probability of drug resistance stood beside 'not drug-resistant'), and the risk block says
    why."""
    case = yaml.safe_load((ROOT / "tests" / "cases" /
                           "seizure-free-pregnant-lamotrigine-continue.yaml").read_text())
    res = consult(kb, validate_patient(kb, case["patient"]))
    assert res.dre.status == "not_drug_resistant"
    assert res.summary is not None and res.summary.risk is None
    assert res.risk is not None and res.risk.p_drug_resistance is None
    assert any("sustained seizure freedom" in n for n in res.risk.notes)
    assert "probability of drug-resistant" not in render(res, "markdown")


def test_the_top_regimens_target_reaches_a_label_start_above_the_usual_dose(kb):
    """Ethosuximide for a 22 kg 7-year-old starts at the label's 500 mg/day, above the usual
    20 mg/kg/day (440): the summary read 'add ethosuximide at 500 mg/day (week 1); target 440
    mg/day'; the target now reaches the start."""
    case = yaml.safe_load((ROOT / "tests" / "cases" /
                           "dose-ethosuximide-child-start-above-usual.yaml").read_text())
    s = consult(kb, validate_patient(kb, case["patient"])).summary
    assert s is not None and s.top_regimen is not None
    assert s.top_regimen.first_step == "add ethosuximide at 500 mg/day (week 1)"
    assert s.top_regimen.target_daily_mg == [440.0, 500.0]


def test_a_drug_to_avoid_is_not_listed_among_those_with_nothing_to_monitor(kb):
    """HLA-A*31:01 positive, carbamazepine asked about: the Monitor line names the drugs in
    play it watches (lamotrigine, the top regimen, for its boxed warning), not carbamazepine,
    which the Avoid line names."""
    res = consult(kb, validate_patient(kb, {
        "id": "a31", "sex": "male", "age_years": 40, "weight_kg": 70,
        "seizure_types": ["focal"], "genotypes": {"HLA-A*31:01": "positive"},
        "candidate_drugs": ["carbamazepine"]}))
    text = render(res, "markdown", kb)
    assert "- **Avoid**: carbamazepine" in text
    monitor = next(line for line in text.splitlines()
                   if line.startswith("- **Caution and monitoring**"))
    assert "carbamazepine" not in monitor  # not even its boxed warning: it is avoided
    # the top regimen's drug is watched: its label's boxed warning
    assert "**lamotrigine**: Boxed warning for serious skin rashes" in monitor


def test_drugs_to_avoid_outside_play_are_named_once(kb):
    """A child with Lennox-Gastaut syndrome on valproate and lamotrigine: the drugs to avoid
    are none of the drugs in play, so the Avoid headline says so and names them once, under
    'Also avoid', not twice."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 8, "weight_kg": 25, "sex": "male", "syndrome": "lennox_gastaut",
        "seizure_types": ["tonic", "atonic"],
        "current_medications": ["valproate", "lamotrigine"]}))
    text = render(res, "markdown", kb)
    head = next(line for line in text.splitlines() if line.startswith("- **Avoid**"))
    also = next(line for line in text.splitlines() if "**Also avoid**" in line)
    assert head == "- **Avoid**: no drug in play to avoid"
    assert "carbamazepine" in also


def test_each_drugs_cautions_stand_together(kb):
    """A patient of unknown sex on valproate with topiramate and zonisamide asked about:
    topiramate's two lines (its pregnancy caution and the valproate interaction) stand
    together under Caution and monitoring, not apart."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 30, "weight_kg": 70, "seizure_types": ["focal"],
        "current_medications": ["valproate"],
        "candidate_drugs": ["topiramate", "zonisamide", "lamotrigine"]}))
    drugs = [m.drug for m in res.summary.monitor]
    assert drugs.count("topiramate") >= 2, drugs
    runs = [d for i, d in enumerate(drugs) if i == 0 or drugs[i - 1] != d]
    assert len(runs) == len(set(runs)), drugs


def test_the_patient_line_names_co_medications_as_people_know_them(kb):
    """'taking lamotrigine, lopinavir/ritonavir (Kaletra)', not the id in words ('lopinavir
    ritonavir'); a drug without a shown name is as before."""
    res = consult(kb, validate_patient(kb, {
        "id": "S-K", "age_years": 38, "weight_kg": 72, "sex": "male",
        "seizure_types": ["focal"], "current_medications": ["lamotrigine", "Kaletra"]}))
    assert res.summary.patient.current_medications == ["lamotrigine",
                                                       "lopinavir/ritonavir (Kaletra)"]
    for fmt in ("markdown", "html"):
        text = render(res, fmt)
        assert "taking lamotrigine, lopinavir/ritonavir (Kaletra)" in text, fmt
        assert "lopinavir ritonavir" not in text, fmt


def test_the_patient_line_names_the_syndrome_as_the_vocabulary_does(kb):
    """'Lennox-Gastaut syndrome', not the code in words ('lennox gastaut'; paediatric
    pharmacist review E C2); the JSON keeps the code beside the name."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 9, "weight_kg": 28, "sex": "male", "syndrome": "lennox_gastaut",
        "seizure_types": ["tonic", "atonic"], "current_medications": ["valproate"]}))
    assert res.summary.patient.syndrome == "lennox_gastaut"
    assert res.summary.patient.syndrome_name == "Lennox-Gastaut syndrome"
    for fmt in ("markdown", "html"):
        text = render(res, fmt)
        assert "; Lennox-Gastaut syndrome; taking valproate" in text, fmt
        assert "lennox gastaut" not in text, fmt


def test_the_patient_line_says_pregnancy_kidney_liver_and_past_reactions(kb):
    """What changes doses most is on the first line, where a pharmacist checks who the
    consult is for (review U M8: pregnancy, eGFR and Child-Pugh class were not shown); a
    patient without them has none of it."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 29, "weight_kg": 78, "sex": "female", "pregnancy": "pregnant",
        "seizure_types": ["focal"], "current_medications": ["lamotrigine"],
        "renal": {"egfr_ml_min": 25, "dialysis": "haemodialysis"},
        "hepatic": {"child_pugh": "B"},
        "adverse_reactions": [{"drug": "carbamazepine", "reaction": "dress"}]}))
    assert res.summary.patient.context == [
        "pregnant", "eGFR 25 mL/min/1.73 m2", "on haemodialysis", "Child-Pugh B",
        "past reaction to carbamazepine: Drug reaction with eosinophilia and systemic "
        "symptoms (DRESS)"]
    for fmt in ("markdown", "html"):
        assert "taking lamotrigine; pregnant; eGFR 25 mL/min/1.73 m2; on haemodialysis; " \
            "Child-Pugh B; past reaction to carbamazepine: Drug reaction" in render(res, fmt), fmt
    plain = consult(kb, validate_patient(kb, {
        "age_years": 29, "weight_kg": 78, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"]}))
    assert plain.summary.patient.context is None
    assert "context" not in plain.summary.patient.model_dump(exclude_none=True)


@pytest.mark.parametrize(("drug", "words"), [
    ("lamotrigine", "Boxed warning for serious skin rashes"),
    ("perampanel", "Boxed warning for serious psychiatric and behavioural reactions"),
    ("carbamazepine", "Boxed warnings: serious dermatologic reactions"),
    ("clobazam", "Boxed warnings (benzodiazepine class, FDA 2020)"),
])
def test_a_drug_in_play_brings_its_boxed_warning_to_the_summary(kb, drug, words):
    """A boxed warning is shown where the pharmacist acts (Caution and monitoring), not only
    in the safety section: before, 'nothing for the drugs in play (lamotrigine)' was shown
    for a girl starting lamotrigine (pharmacist review)."""
    res = consult(kb, validate_patient(kb, {
        "id": "BW", "sex": "male", "age_years": 16, "weight_kg": 60,
        "seizure_types": ["focal"], "genotypes": {"HLA-B*15:02": "negative",
                                                  "HLA-A*31:01": "negative"},
        "candidate_drugs": [drug]}))
    assert any(n.drug == drug and n.topic == "boxed_warning" and n.text.startswith(words)
               for n in res.safety_notes)
    watched = [m for m in res.summary.monitor if m.rule == f"boxed_warning:{drug}"]
    assert len(watched) == 1 and watched[0].reason.startswith(words)
    monitor = next(line for line in render(res, "markdown").splitlines()
                   if line.startswith("- **Caution and monitoring**"))
    assert "nothing for the drugs in play" not in monitor


def test_a_dose_lowered_without_a_number_is_a_dose_change_in_play_or_not(kb):
    """Child-Pugh C with eGFR 20: phenytoin (liver) and vigabatrin (kidney) are lowered by
    statements that give no number; neither is taken or asked about, yet 'Change dose'
    lists them, saying so (a pharmacist review found the summary silent where the body
    said 'Reduce dose', high severity)."""
    patient = validate_patient(kb, {"age_years": 58, "weight_kg": 72, "sex": "male",
                                    "seizure_types": ["focal"], "renal": {"egfr_ml_min": 20},
                                    "hepatic": {"child_pugh": "C"},
                                    "current_medications": ["levetiracetam"]})
    changes = {c.drug: c for c in consult(kb, patient).summary.dose_changes}
    assert changes["phenytoin"].change == ("reduce dose (the hepatic statement lowers it, "
                                           "without a number: see the dose row)")
    assert changes["vigabatrin"].change.startswith("reduce dose (the renal statement lowers")


def test_an_add_on_that_withdraws_a_drug_says_what_it_replaces(kb):
    """Child-Pugh C on levetiracetam and lacosamide (to avoid there): the top regimen keeps
    levetiracetam and adds a drug in lacosamide's place; the summary called it a plain
    'add-on' (pharmacist review D M6: a reader may keep lacosamide)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 58, "weight_kg": 72, "sex": "male", "seizure_types": ["focal"],
        "renal": {"egfr_ml_min": 20}, "hepatic": {"child_pugh": "C"},
        "medication_history": [
            {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
             "duration_months": 8},
            {"drug": "lacosamide", "outcome": "inefficacy", "adequate": True,
             "duration_months": 6}],
        "current_medications": ["levetiracetam", "lacosamide"]}))
    top = res.summary.top_regimen
    assert top.kind == "add-on" and "levetiracetam" in top.drugs
    assert "lacosamide" not in top.drugs and top.replacing == ["lacosamide"]
    assert f"**{' + '.join(top.drugs)}**: add-on in place of lacosamide: add " \
        in render(res, "markdown")
    # the regimen table says it too, in every format; the JSON kind stays 'add-on' (review
    # L M7: a replace-one regimen read as 'add-on' only)
    row = f"{' + '.join(top.drugs)}** (add-on in place of lacosamide, score"
    assert row in render(res, "markdown")
    assert f"{' + '.join(top.drugs)}</strong> <span class=\"tag\">(add-on in place of " \
        "lacosamide; score" in render(res, "html")
    assert res.regimens[0].kind == "add-on" and res.regimens[0].replacing == ["lacosamide"]
    # an add-on that withdraws nothing names nothing (two failed trials, one drug taken)
    kept = consult(kb, validate_patient(kb, {
        "age_years": 40, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
        "medication_history": [
            {"drug": "carbamazepine", "outcome": "inefficacy", "adequate": True,
             "duration_months": 8},
            {"drug": "lamotrigine", "outcome": "inefficacy", "adequate": True,
             "duration_months": 6}],
        "current_medications": ["lamotrigine"]})).summary.top_regimen
    assert kept.kind == "add-on" and kept.replacing is None


def test_a_neonates_phenobarbital_plan_leads_with_the_load(kb):
    """SEZABY: maintenance starts 8-12 h after a 20 mg/kg IV load; the summary showed only
    the 15.3 mg/day maintenance of a 3.4 kg neonate (paediatric pharmacist review E H5)."""
    case = yaml.safe_load((ROOT / "tests" / "cases" /
                           "dose-phenobarbital-neonate-load-in-plan.yaml").read_text())
    top = consult(kb, validate_patient(kb, case["patient"])).summary.top_regimen
    assert top.drugs == ["phenobarbital"]
    assert top.first_step.startswith("add phenobarbital at 15.3 mg/day (IV, 8-12 h after a "
                                     "loading dose of 20 mg/kg IV; a second load")


def test_a_plan_without_a_schedule_reads_as_a_clause(kb):
    """An 82-year-old and valproate (the label starts lower without a number): the
    regimen's first step says so, not the titration's long note; a step without any
    schedule shows its note as a clause, not a capitalised sentence with its full stop
    inside the brackets (paediatric pharmacist review E C3)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 82, "weight_kg": 70, "sex": "male",
        "seizure_types": ["generalized_tonic_clonic"], "candidate_drugs": ["valproate"]}))
    from advisor.summary import _first_step

    step = _first_step(next(r for r in res.regimens if r.drugs == ["valproate"]))
    assert step == ("add valproate (start below the label's usual start, by an amount the "
                    "label does not give)"), step
    # a drug without a schedule for the patient: the plan's note, as a clause
    from advisor.result import AddStep

    bare = AddStep(drug="x", notes=["No sourced titration schedule for this age and weight "
                                    "in the knowledge base: follow the product label."])
    from advisor.summary import _add_text

    assert _add_text(bare) == ("add x (no sourced titration schedule for this age and weight "
                               "in the knowledge base: follow the product label)")


def test_a_top_regimen_without_a_labelled_partner_carries_the_caveat(kb):
    """Dravet syndrome at 3 years on valproate, clobazam stopped for intolerance: the top
    regimen is valproate + cannabidiol, and the summary says under it that the EU/UK label
    and NICE give cannabidiol only with clobazam (paediatric pharmacist review E M3: the
    caveat stood only in the regimen table)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 3, "weight_kg": 14, "sex": "male", "syndrome": "dravet",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic"],
        "current_medications": ["valproate"],
        "medication_history": [{"drug": "valproate", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 6},
                               {"drug": "clobazam", "outcome": "intolerance",
                                "adequate": False, "duration_months": 1,
                                "note": "drooling"}]}))
    top = res.summary.top_regimen
    assert top.drugs == ["valproate", "cannabidiol"]
    assert top.caveats and top.caveats[0].startswith("cannabidiol without clobazam: ")
    assert "- **Caution**: cannabidiol without clobazam: " in render(res, "markdown")
    # a regimen with no such warning carries none
    assert all(r.caveats is None for r in res.regimens
               if not ("cannabidiol" in r.drugs and "clobazam" not in r.drugs))
    assert any(r.caveats for r in res.regimens)


@pytest.mark.parametrize(("age", "syndrome", "types", "urgent"), [
    (0.6, "west", ["epileptic_spasms"], True),  # infantile spasms: refer within 24 hours
    (1.5, None, ["epileptic_spasms"], True),
    (4, None, ["epileptic_spasms"], False),  # later spasms are not NG217 6.3's subject
    (0.6, None, ["focal"], False),
])
def test_an_urgent_referral_leads_the_top_regimen(kb, age, syndrome, types, urgent):
    """Infantile spasms: the summary says first, above the regimen, to refer within 24 hours
    and that first-line treatment includes prednisolone (not in the drug list), which stood
    only in the advice section before; in every format and in the JSON."""
    data = {"age_years": age, "weight_kg": 8 if age < 2 else 16, "sex": "male",
            "seizure_types": types}
    if syndrome:
        data["syndrome"] = syndrome
    res = consult(kb, validate_patient(kb, data))
    said = [f.text for f in res.summary.first]
    assert bool(said) == urgent
    if not urgent:
        assert "**First**" not in render(res, "markdown")
        return
    assert said == ["Infantile spasms: make sure tertiary paediatric neurology manages them "
                    "(NG217 6.3.1: refer within 24 hours). First line (6.3.4-6.3.6): high-dose "
                    "oral prednisolone plus vigabatrin; in tuberous sclerosis, vigabatrin alone."]
    assert res.summary.first[0].evidence == ["NICE-2022-NG217"]
    markdown = render(res, "markdown")
    first = markdown.index("- **First**: Infantile spasms: make sure tertiary paediatric")
    assert first < markdown.index("monotherapy: add vigabatrin") < markdown.index(
        "## Genotypes")
    assert "make sure tertiary paediatric neurology manages them" in render(res, "html")
    assert json.loads(render(res, "json"))["summary"]["first"][0]["text"] == said[0]


@pytest.mark.parametrize(("pregnancy", "said"), [("pregnant", True), ("planning", False)])
def test_a_pregnant_womans_drug_level_comes_before_a_change_of_drug(kb, pregnancy, said):
    """Pregnant on lamotrigine after a relapse: the top regimen changes drug, and the summary
    says first to measure the level against her baseline and adjust the dose, which stood
    only in the advice section. Planning a pregnancy: levels have not fallen yet, nothing
    is said first."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 30, "weight_kg": 70, "sex": "female", "pregnancy": pregnancy,
        "seizure_types": ["focal"], "current_medications": ["lamotrigine"],
        "medication_history": [{"drug": "lamotrigine", "outcome": "relapse", "adequate": True,
                                "duration_months": 24, "seizure_free_months": 4}]}))
    first = [f.text for f in res.summary.first]
    assert bool(first) == said, first
    if said:
        assert first[0] == ("Pregnancy: before a change of drug for breakthrough seizures "
                            "(not for adverse effects), measure her lamotrigine, levetiracetam "
                            "or oxcarbazepine (MHD) level against her pre-pregnancy baseline "
                            "and adjust the dose.")
        assert res.summary.top_regimen is not None


def test_an_interaction_to_avoid_names_the_combination_not_the_co_medication(kb):
    """On carbamazepine and apixaban: the summary said 'Avoid: apixaban', which reads as 'stop
    the anticoagulant' (review F M10); it names the combination to avoid."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 67, "weight_kg": 70, "sex": "female", "seizure_types": ["focal"],
        "current_medications": ["carbamazepine", "apixaban"],
        "candidate_drugs": ["levetiracetam"]}))
    apixaban = next(a for a in res.summary.avoid if a.drug == "apixaban")
    assert apixaban.with_drugs == ["carbamazepine"]
    markdown = render(res, "markdown")
    assert "- **Avoid**: apixaban with carbamazepine" in markdown
    assert "  - **apixaban with carbamazepine**: carbamazepine + apixaban: " in markdown
    assert json.loads(render(res, "json"))["summary"]["avoid"][0]["with_drugs"] == [
        "carbamazepine"]
    # a reason other than an interaction names the drug alone
    assert all(a.with_drugs is None for a in consult_file(kb, HLA).summary.avoid)


def test_a_drug_to_avoid_keeps_its_high_severity_interaction_under_caution(kb):
    """On Sublocade and rilpivirine, carbamazepine asked about: it is avoided for rilpivirine,
    and its buprenorphine interaction (withdrawal, then over-dosing when it stops) stays in
    the summary, since a reader whose HIV team changes the antiretroviral may start it (review
    I M1, first with a progestogen-only pill, now a caution: review S M7); its boxed warning,
    a lesser matter here, does not."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 27, "weight_kg": 64, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"], "genotypes": {"HLA-B*15:02": "negative"},
        "current_medications": ["levetiracetam", "Sublocade", "rilpivirine"],
        "candidate_drugs": ["carbamazepine"]}))
    s = res.summary
    assert "carbamazepine" in {a.drug for a in s.avoid}
    kept = [m for m in s.monitor if m.drug == "carbamazepine"]
    assert [m.rule for m in kept] == ["interaction:enzyme-inducers-lower-buprenorphine"]
    assert "carbamazepine + buprenorphine" in kept[0].reason


def test_a_continued_regimen_reads_continue_once(kb):
    """Seizure-free on carbamazepine: the top regimen line read 'continue: continue
    carbamazepine' (review I C3)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 40, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
        "genotypes": {"HLA-B*15:02": "negative"},
        "medication_history": [{"drug": "carbamazepine", "outcome": "seizure_free",
                                "seizure_free_months": 14, "adequate": True,
                                "duration_months": 30}],
        "current_medications": ["carbamazepine"]}))
    assert res.summary.top_regimen.kind == "continue"
    markdown = render(res, "markdown")
    assert "- **Top regimen**: **carbamazepine**: continue carbamazepine" in markdown
    assert "continue: continue" not in markdown


def test_a_current_drug_to_replace_for_an_interaction_keeps_its_dose_change(kb):
    """CYP2C9 *3/*3 on phenytoin with dolutegravir: phenytoin is to be replaced (avoid), but
    it is taken until its taper ends, so the summary keeps its halved dose (review J H1)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 52, "weight_kg": 75, "sex": "male", "seizure_types": ["focal"],
        "genotypes": {"CYP2C9": "*3/*3", "HLA-B*15:02": "negative"},
        "current_medications": ["phenytoin", "dolutegravir"]}))
    s = res.summary
    assert next(a for a in s.avoid if a.drug == "phenytoin").with_drugs == ["dolutegravir"]
    change = next(c for c in s.dose_changes if c.drug == "phenytoin")
    assert change.to_daily_mg == [150.0, 200.0]


def test_a_seizure_free_switch_tapers_once_the_new_drug_is_at_dose(kb):
    """Seizure-free for 84 months on phenytoin, switched only for its interaction with
    dolutegravir: the summary's first step tapers phenytoin once the new drug reaches a
    therapeutic dose (the plan's order), not 'once it works', which a seizure-free patient
    cannot show (review J H2)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 45, "weight_kg": 75, "sex": "male",
        "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"],
        "medication_history": [{"drug": "phenytoin", "outcome": "seizure_free",
                                "adequate": True, "duration_months": 90,
                                "seizure_free_months": 84}],
        "current_medications": ["phenytoin", "Tivicay"]}))
    top = res.summary.top_regimen
    assert top is not None and top.drugs != ["phenytoin"]
    new = next(d for d in top.drugs if d != "phenytoin")
    assert f"taper phenytoin once {new} reaches a therapeutic dose" in top.first_step, top
    assert "once it works" not in top.first_step
    assert "Decide with the prescriber of dolutegravir" in res.regimens[0].rationale[0]



def test_status_epilepticus_options_count_as_in_play_for_partly_checked(kb):
    """In status epilepticus on methadone, the pathway flags the benzodiazepine and
    fosphenytoin options with methadone: the summary does not also say that methadone was
    not checked against them (review J M4); it names only the drugs it has no pairing with
    (levetiracetam: review Z R2)."""
    patient = validate_patient(kb, {
        "age_years": 40, "weight_kg": 70, "sex": "male",
        "seizure_types": ["status_epilepticus", "focal_to_bilateral_tonic_clonic"],
        "medication_history": [{"drug": "levetiracetam", "outcome": "ongoing"}],
        "current_medications": ["levetiracetam", "methadone"]})
    acute = consult(kb, patient, acute=True)
    assert acute.status_epilepticus is not None
    flagged = {f.drug for f in acute.flags if f.interacting_drug == "methadone"}
    assert {"fosphenytoin", "midazolam"} <= flagged
    unpaired = acute.partly_checked_not_against["methadone"]
    assert "levetiracetam" in unpaired and not flagged & set(unpaired)


def test_a_renal_change_without_clearance_limits_is_said_not_applied(kb):
    """Felbamate's label halves the dose in 'renal dysfunction' without clearance limits: the
    summary says the change is not applied automatically, not that the statement has no
    number (review K M8: it quoted 'by one-half' beside 'without a number')."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 82, "weight_kg": 60, "sex": "female", "seizure_types": ["focal"],
        "renal": {"egfr_ml_min": 25}, "candidate_drugs": ["felbamate"]}))
    change = next(c for c in res.summary.dose_changes if c.drug == "felbamate")
    assert "change is not applied automatically: it gives no clearance limits" in change.change
    assert "without a number" not in change.change
    dose = {d.drug: d for d in res.doses}["felbamate"]
    assert any("not applied automatically: judge whether it fits this patient" in b
               for b in dose.basis)


def test_an_acute_consult_leads_with_the_emergency(kb):
    """In status epilepticus the summary's first step is the pathway's first treatment with
    this patient's doses, and the pathway follows the summary in every long format (review K
    M2, L M3: the summary led with a long-term regimen; the pathway came last)."""
    patient = validate_patient(kb, {
        "age_years": 30, "weight_kg": 95, "sex": "male",
        "seizure_types": ["focal_to_bilateral_tonic_clonic", "status_epilepticus"],
        "current_medications": ["phenytoin", "valproate"]})
    res = consult(kb, patient, acute=True)
    first = res.summary.emergency[0].text
    assert first.startswith("Stabilization phase, then initial therapy phase")
    assert "midazolam IM 10 mg" in first and "lorazepam IV 4 mg" in first
    assert "Treat it now, by the report's status epilepticus pathway" in first
    markdown = render(res, "markdown")
    assert markdown.index("- **Status epilepticus**: ") < markdown.index("- **Avoid**")
    assert markdown.index("## Status epilepticus pathway") < markdown.index("## Genotypes")
    html = render(res, "html")
    assert html.index("<h2>Status epilepticus pathway</h2>") < html.index(
        "<h2>Genotypes and phenotypes</h2>")
    # status epilepticus among the seizure types, outside the emergency: the pathway is for
    # reference, at the end, and the summary does not say 'treat it now'
    calm = consult(kb, patient)
    assert calm.status_epilepticus is not None and calm.summary.emergency == []
    markdown = render(calm, "markdown")
    assert "- **Status epilepticus**" not in markdown
    assert markdown.index("## Safety and advice") < markdown.index("## Status epilepticus pathway")


def test_the_emergency_keeps_its_doses_in_markdown_without_an_already_taking_line(kb):
    """With no drug of the pathway already taken, the emergency block has one line: the
    Markdown summary still gives the doses (its headline), not only 'Treat it now' (review
    AA M2)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 30, "weight_kg": 95, "sex": "male",
        "seizure_types": ["focal_to_bilateral_tonic_clonic", "status_epilepticus"]}),
        acute=True)
    markdown = render(res, "markdown")
    line = next(x for x in markdown.splitlines() if x.startswith("- **Status epilepticus**"))
    assert "midazolam IM 10 mg" in line and "lorazepam IV 4 mg" in line, line
    assert "  - **Treat now**: Treat it now, by the report's status epilepticus pathway" \
        in markdown


def test_a_pregnant_woman_seizure_free_on_valproate_sees_the_review_in_the_summary(kb):
    """The top regimen's caution in the summary says the change is for urgent specialist
    review and not to stop valproate abruptly (review K M7)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 27, "weight_kg": 68, "sex": "female", "pregnancy": "pregnant",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic"],
        "syndrome": "juvenile_myoclonic",
        "medication_history": [
            {"drug": "lamotrigine", "outcome": "inefficacy", "adequate": True,
             "duration_months": 10},
            {"drug": "valproate", "outcome": "seizure_free", "adequate": True,
             "duration_months": 30, "seizure_free_months": 24}],
        "current_medications": ["valproate"]}))
    assert res.summary.top_regimen.caveats == [
        "Pregnant and seizure-free on valproate: any change from valproate is for urgent "
        "specialist review; do not stop valproate abruptly."]


def test_only_a_benzodiazepine_or_barbiturate_withdrawn_is_tapered_more_slowly(kb):
    """The plan says 'more slowly' of the benzodiazepine or barbiturate it withdraws, and not
    at all when none is withdrawn (review L: it was said for carbamazepine and valproate)."""
    from advisor import transition

    def plan(current):
        patient = validate_patient(kb, {"age_years": 60, "weight_kg": 70, "sex": "male",
                                        "seizure_types": ["focal"],
                                        "current_medications": current})
        return transition.plan(kb, patient, ["levetiracetam"], {}).sequence

    with_clobazam = plan(["carbamazepine", "clobazam"])
    assert ("Taper clobazam more slowly than the others (benzodiazepines and barbiturates)."
            in with_clobazam)
    assert any(s.startswith("Withdraw carbamazepine and clobazam one at a time, in that order")
               for s in with_clobazam)
    assert not any("more slowly" in s for s in plan(["carbamazepine", "valproate"]))


def test_dose_changes_of_drugs_not_in_play_are_only_named(kb):
    """A woman seizure-free for 4 years on carbamazepine (with warfarin): the summary listed
    'Change dose: lamotrigine 225-375 -> 300-500 mg/day', which reads as a drug she takes
    (review K M5). The drugs in play keep their lines; other candidates are only named."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 44, "weight_kg": 75, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"], "longest_pretreatment_interval_days": 60,
        "medication_history": [{"drug": "carbamazepine", "outcome": "seizure_free",
                                "adequate": True, "duration_months": 60,
                                "seizure_free_months": 48}],
        "current_medications": ["carbamazepine", "warfarin"]}))
    assert "lamotrigine" in [c.drug for c in res.summary.dose_changes]  # the data keep it
    summary = render(res, "markdown").split("## Summary")[1].split("\n## ")[0]
    assert "- **Change dose**: no dose change for the drugs in play; other candidates: " \
        "lamotrigine, " in summary
    assert "**lamotrigine**:" not in summary


def test_the_patient_line_names_seizure_types_as_the_vocabulary_does(kb):
    """'generalized tonic-clonic', not the code's 'generalized tonic clonic' (review O C2),
    in every long format."""
    patient = validate_patient(kb, {
        "age_years": 25, "weight_kg": 70, "sex": "male",
        "seizure_types": ["generalized_tonic_clonic", "absence", "epileptic_spasms"]})
    res = consult(kb, patient)
    line = "Male, 25 years, 70 kg; generalized tonic-clonic, absence seizures; epileptic spasms"
    assert line in render(res, "markdown")
    assert line in render(res, "html")
    assert res.summary.patient.seizure_types == [
        "generalized_tonic_clonic", "absence", "epileptic_spasms"]


def test_a_drug_without_a_dose_is_added_without_a_schedule(kb):
    """Clobazam has no dose in the knowledge base for a 5-year-old with Dravet syndrome: the
    regimens NICE names still hold it, and its step gives no start, steps or target (no
    other group's numbers), in the plan and the summary (review Q H3)."""
    patient = validate_patient(kb, {
        "age_years": 5, "weight_kg": 19, "sex": "male", "syndrome": "dravet",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic"],
        "medication_history": [{"drug": "valproate", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 9}],
        "current_medications": ["valproate"]})
    res = consult(kb, patient)
    steps = [s for r in res.regimens for s in r.transition.steps
             if getattr(s, "action", "") == "add" and s.drug == "clobazam"]
    assert steps and all(s.schedule == [] and s.target_daily_mg is None for s in steps)
    assert all(s.notes == ["No dose for this patient in the knowledge base: choose the start, "
                           "steps and target with specialist advice and the current product "
                           "label; see the clobazam dose row."] for s in steps)
    assert "clobazam" in res.summary.top_regimen.drugs
    assert res.summary.top_regimen.first_step.endswith("; then add cannabidiol")
    assert ("add clobazam: start, steps and target from the product label (no dose for this "
            "use in the knowledge base)") in render(res, "markdown")


def test_a_dose_read_with_a_liver_caution_keeps_its_row(kb):
    """Child-Pugh B: carbamazepine's label gives no hepatic dose, only a caution; its dose
    keeps a row of the Markdown dose table with that caution, not the one-line list of
    candidates 'at the labelled dose' (review Q M5)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 81, "weight_kg": 60, "sex": "male", "seizure_types": ["focal"],
        "renal": {"egfr_ml_min": 25}, "hepatic": {"child_pugh": "B"}}))
    dose = next(d for d in res.doses if d.drug == "carbamazepine")
    assert dose.organ_statements == ["hepatic", "renal"]
    markdown = render(res, "markdown")
    row = next(line for line in markdown.splitlines() if line.startswith("| carbamazepine |"))
    assert "hepatic statement (use with caution)" in row
    listed = next(line for line in markdown.splitlines()
                  if line.startswith("Other candidates at the labelled dose"))
    assert "carbamazepine" not in listed


def test_a_statement_without_a_dose_is_not_said_to_lower_it(kb):
    """On haemodialysis eslicarbazepine's renal statement gives no dose at all; the summary's
    change line says so, not that the statement 'lowers it' (review Q C12)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 83, "weight_kg": 68, "sex": "male", "seizure_types": ["focal"],
        "renal": {"dialysis": "haemodialysis"}, "current_medications": ["phenytoin"],
        "candidate_drugs": ["eslicarbazepine"]}))
    line = next(c for c in res.summary.dose_changes if c.drug == "eslicarbazepine")
    assert "the renal statement gives no dose for this patient: see the dose row" in line.change


def test_a_continue_row_shows_no_score(kb):
    """Seizure-free on carbamazepine and starting rivaroxaban: 'continue' is first by rule;
    the anticoagulant's 'avoid' made its score -947, which no format shows (review Q C13)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 52, "weight_kg": 75, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"], "current_medications": ["carbamazepine", "rivaroxaban"],
        "medication_history": [{"drug": "carbamazepine", "outcome": "seizure_free",
                                "adequate": True, "duration_months": 30,
                                "seizure_free_months": 18}]}))
    assert res.regimens[0].kind == "continue" and res.regimens[0].score < -900
    assert "| 1 | **carbamazepine** (continue)<br>" in render(res, "markdown")
    assert "(continue; carbamazepine: " in render(res, "html")
    assert "score -9" not in render(res, "markdown") + render(res, "html")


def test_a_monotherapy_without_its_schedule_shows_no_add_on_numbers(kb):
    """A girl of 13 with focal epilepsy: oxcarbazepine alone is offered (its label gives it
    alone from 4 years, by a weight table not in the knowledge base), with no schedule or
    target; the add-on target of the dose row is not carried into it (review Q H4)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 13, "weight_kg": 45, "sex": "female", "seizure_types": ["focal"]}))
    dose = next(d for d in res.doses if d.drug == "oxcarbazepine")
    assert dose.adjunctive_only and dose.monotherapy_not_encoded
    alone = next(r for r in res.regimens if r.drugs == ["oxcarbazepine"])
    step = alone.transition.steps[0]
    assert step.label_only and step.schedule == [] and step.target_daily_mg is None
    markdown = render(res, "markdown")
    assert ("add oxcarbazepine: start, steps and target from the product label (no dose for "
            "this use in the knowledge base)") in markdown
    assert "add oxcarbazepine: " + "1800" not in markdown


def test_a_top_regimen_the_label_alone_doses_gives_no_target(kb):
    """A boy of 8 (25 kg, creatinine clearance 40 mL/min) with focal seizures: the top
    regimen is oxcarbazepine alone, whose monotherapy schedule is not in the knowledge base;
    the summary gives no target (not the dose row's add-on 900 mg/day) and says to follow
    the product label."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 8, "weight_kg": 25, "seizure_types": ["focal"],
        "renal": {"creatinine_clearance_ml_min": 40}}))
    top = res.summary.top_regimen
    assert top.drugs == ["oxcarbazepine"] and top.target_daily_mg is None
    assert "follow the product label" in top.first_step
    assert "900" not in next(line for line in render(res, "markdown").splitlines()
                             if line.startswith("- **Top regimen**"))


def test_a_dose_waiting_for_the_kidney_function_has_no_steps(kb):
    """Child-Pugh C, kidney function not given, carbamazepine failed: levetiracetam's dose
    waits for the kidney function, and so does its step: no start of 1000 mg/day and no
    increases (review R: the plan titrated it with no target), in the plan, the summary and
    the regimen's warning."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 50, "weight_kg": 60, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"], "hepatic": {"child_pugh": "C"},
        "current_medications": ["carbamazepine"],
        "medication_history": [{"drug": "carbamazepine", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 6}]}))
    with_lev = [r for r in res.regimens if "levetiracetam" in r.drugs]
    steps = [s for r in with_lev for s in r.transition.steps
             if getattr(s, "action", "") == "add" and s.drug == "levetiracetam"]
    assert steps and all(s.needs == "kidney function" and s.schedule == [] and s.then is None
                         and s.target_daily_mg is None for s in steps)
    assert all("Dose of levetiracetam not shown: give the patient's kidney function (see the "
               "dose row)." in r.warnings for r in with_lev)
    markdown = render(res, "markdown")
    assert "add levetiracetam: no dose until the patient's kidney function is given" in markdown
    assert "add levetiracetam at 1000 mg/day" not in markdown


def test_continuing_valproate_first_line_despite_its_caution_says_why(kb):
    """A woman of 25 with Lennox-Gastaut syndrome on valproate: 'continue' comes first, as
    NICE places valproate first line there; the row says so beside the caution's 'prefer
    alternatives' (review R)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 25, "weight_kg": 60, "sex": "female", "pregnancy": "not_pregnant",
        "syndrome": "lennox_gastaut", "seizure_types": ["tonic", "atonic", "absence"],
        "current_medications": ["valproate"],
        "medication_history": [{"drug": "valproate", "outcome": "ongoing", "adequate": True,
                                "duration_months": 24}]}))
    first = res.regimens[0]
    assert first.kind == "continue" and first.drugs == ["valproate"]
    assert ("NICE-2022-NG217 places valproate first line for Lennox-Gastaut syndrome despite "
            "its reproductive risks") in " ".join(first.rationale)


def test_a_co_medication_that_lowers_the_seizure_threshold_is_said_first(kb):
    """Bupropion and tramadol (review S H3): the summary says first, before the top regimen,
    to review them with their prescribers, with their sources."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 52, "weight_kg": 88, "sex": "male", "seizure_types": ["focal"],
        "current_medications": ["levetiracetam", "tramadol", "bupropion"]}))
    first = {f.text: f.evidence for f in res.summary.first}
    assert first["Bupropion is not to be taken with a seizure disorder (label): ask its "
                 "prescriber to stop or replace it."] == ["UK-PIL-zyban",
                                                          "FDA-label-wellbutrin-sr-older"]
    assert any(t.startswith("Tramadol lowers the seizure threshold") for t in first)
    assert "- **First**: Bupropion is not to be taken with a seizure disorder" in render(
        res, "markdown")


def test_other_candidates_point_to_their_rows_not_to_changed_doses(kb):
    """Candidates not in play whose labels change their dose, some without a number
    (eslicarbazepine, vigabatrin at eGFR 18): the summary points to their rows, and does
    not promise 'changed doses' there (review S C4)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 88, "weight_kg": 52, "sex": "female", "seizure_types": ["focal"],
        "renal": {"egfr_ml_min": 18}}))
    markdown = render(res, "markdown")
    assert "(not taken and not in the top regimen: see their rows in the Doses table)" in markdown
    assert "changed doses are" not in markdown


def test_breastfeeding_advice_says_silence_is_not_safety(kb):
    """Breastfeeding, brivaracetam and perampanel considered (no lactation flag in the
    knowledge base): the advice says a missing flag is not evidence of safety (review S M10)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 29, "weight_kg": 62, "sex": "female", "pregnancy": "breastfeeding",
        "seizure_types": ["focal"], "current_medications": ["lamotrigine"],
        "candidate_drugs": ["brivaracetam", "perampanel"]}))
    advice = next(a for a in res.advice if a.id == "breastfeeding-antiseizure-medication")
    assert ("For a drug without a breastfeeding flag in this report, the knowledge base holds "
            "no lactation statement: that is not evidence of safety") in advice.text


def test_fosphenytoin_is_not_listed_as_a_maintenance_candidate(kb):
    """A boy of 7 with focal seizures: fosphenytoin, a parenteral short-term substitute for
    oral phenytoin, is not among the other candidates at the labelled dose (review S C3)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 7, "weight_kg": 24, "sex": "male", "seizure_types": ["focal"],
        "current_medications": ["carbamazepine"]}))
    line = next(x for x in render(res, "markdown").splitlines()
                if x.startswith("Other candidates at the labelled dose"))
    assert "fosphenytoin" not in line.split(". Short-term")[0]
    assert line.endswith("Short-term substitutes only, not for long-term treatment: "
                         "fosphenytoin.")
    assert next(d for d in res.doses if d.drug == "fosphenytoin").short_term_only


def test_a_hormonal_contraceptive_with_an_inducer_says_what_to_do_in_the_summary(kb):
    """A woman on oxcarbazepine and a progestogen-only pill: the summary's caution says what to
    do (an IUD or DMPA), not only that the pill becomes unreliable (review T M2)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 33, "weight_kg": 55, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"],
        "current_medications": ["oxcarbazepine", "progestogen_only_contraceptive"]}))
    line = next(m for m in res.summary.monitor
                if m.rule == "interaction:enzyme-inducers-reduce-progestogen-only")
    assert "use a copper or levonorgestrel IUD or DMPA instead" in line.reason


def test_a_continue_row_that_withdraws_two_drugs_names_both(kb):
    """A woman of 72 at eGFR 35 on levetiracetam, zonisamide (to avoid at that kidney
    function) and lamotrigine (failed): the top line names both withdrawals, one at a time
    (review V C1: only zonisamide was named)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 72, "weight_kg": 60, "sex": "female", "seizure_types": ["focal"],
        "renal": {"creatinine_clearance_ml_min": 35},
        "medication_history": [
            {"drug": "levetiracetam", "outcome": "ongoing", "adequate": True,
             "duration_months": 24},
            {"drug": "zonisamide", "outcome": "ongoing", "adequate": True,
             "duration_months": 12},
            {"drug": "lamotrigine", "outcome": "inefficacy", "adequate": True,
             "duration_months": 12}],
        "current_medications": ["levetiracetam", "zonisamide", "lamotrigine"]}))
    top = res.summary.top_regimen
    assert top.kind == "continue" and top.drugs == ["levetiracetam"]
    assert "withdraw zonisamide" in top.first_step and "withdraw lamotrigine" in top.first_step
    assert top.first_step.endswith("; one at a time")


def test_a_reaction_to_a_drug_still_taken_is_not_called_past(kb):
    """A rash on lamotrigine, still taken: the patient line says 'reaction to lamotrigine',
    not 'past reaction' (review X C1); one to a drug no longer taken stays 'past'."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 22, "weight_kg": 72, "sex": "male", "seizure_types": ["focal"],
        "current_medications": ["lamotrigine"],
        "adverse_reactions": [{"drug": "lamotrigine", "reaction": "hypersensitivity_rash"},
                              {"drug": "carbamazepine", "reaction": "sjs_ten"}]}))
    context = res.summary.patient.context
    assert any(c.startswith("reaction to lamotrigine: ") for c in context), context
    assert any(c.startswith("past reaction to carbamazepine: ") for c in context), context


def test_the_syndrome_reason_to_avoid_a_drug_leads(kb):
    """Dravet syndrome with myoclonic seizures: carbamazepine's reasons are equally pressing,
    and the one about the syndrome leads, not the juvenile myoclonic epilepsy text (review Y
    M10)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 4, "weight_kg": 16, "sex": "female", "syndrome": "dravet",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic"],
        "candidate_drugs": ["carbamazepine"]}))
    reasons = next(a.reasons for a in res.summary.avoid if a.drug == "carbamazepine")
    assert reasons[0].startswith("Dravet syndrome: sodium-channel blockers"), reasons
    assert any(r.startswith("Myoclonic seizures") for r in reasons[1:])


def test_next_steps_while_seizure_free_not_yet_sustained_say_what_that_means(kb):
    """Two failed trials, then seizure-free 14 months on levetiracetam (17.7 required): the
    referral and surgical evaluation stand, and say what the current seizure freedom means
    for them (review Y M3); without it they do not."""
    def steps(free: bool):
        history = [{"drug": "carbamazepine", "outcome": "inefficacy", "adequate": True,
                    "duration_months": 12},
                   {"drug": "lamotrigine", "outcome": "inefficacy", "adequate": True,
                    "duration_months": 9}]
        if free:
            history.append({"drug": "levetiracetam", "outcome": "seizure_free",
                            "adequate": True, "duration_months": 16,
                            "seizure_free_months": 14})
        res = consult(kb, validate_patient(kb, {
            "age_years": 45, "weight_kg": 72, "sex": "female", "pregnancy": "not_pregnant",
            "seizure_types": ["focal"], "medication_history": history,
            "current_medications": ["levetiracetam" if free else "lamotrigine"],
            "longest_pretreatment_interval_days": 180}))
        return {s.text.split(":")[0]: s.text for s in res.summary.next_steps}

    free = steps(True)
    referral = next(t for k, t in free.items() if k.startswith("Refer to a tertiary"))
    assert "The patient is seizure-free now, not yet for the time that makes it sustained" \
        in referral
    surgery = next(t for k, t in free.items() if k.startswith("Offer referral"))
    assert "it does not mean that surgery is needed" in surgery
    assert not any("seizure-free now" in t.lower() for t in steps(False).values())


def test_risk_headline_gives_focal_and_focal_to_bilateral_counted_as_one_too(kb):
    """Review AA-M3: the headline estimate counts focal-onset and focal to bilateral
    tonic-clonic seizures as two seizure types; it says so and gives the estimate counting
    them as one (that of the patient with focal seizures only)."""
    def patient(types: list[str]) -> dict:
        return {"age_years": 26, "seizure_types": types, "medication_history": [
            {"drug": "lamotrigine", "outcome": "inefficacy", "adequate": True}]}
    both = consult(kb, validate_patient(kb, patient(["focal",
                                                      "focal_to_bilateral_tonic_clonic"])))
    focal = consult(kb, validate_patient(kb, patient(["focal"])))
    assert both.summary.risk.as_one is not None and focal.summary.risk.as_one is None
    assert both.summary.risk.as_one.probability == focal.summary.risk.probability
    head = render(both, "markdown").partition("\n## Genotypes")[0]
    assert ("counting focal-onset and focal to bilateral tonic-clonic seizures as two seizure "
            "types; 20% (95% interval 15–27%) counting them as one") in head


def test_a_single_summary_line_under_a_headline_that_says_more_keeps_the_headline(kb):
    """'Nothing for the drugs in play (phenytoin); checked in part: rivaroxaban' keeps its
    headline, with the 'checked in part' paragraph below it, as every other caution line does
    (review AB R6: the paragraph had replaced the headline)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 66, "weight_kg": 80, "sex": "male", "seizure_types": ["focal"],
        "medication_history": [{"drug": "phenytoin", "outcome": "seizure_free",
                                "adequate": True, "duration_months": 72,
                                "seizure_free_months": 60}],
        "current_medications": ["phenytoin", "rivaroxaban"]}))
    markdown = render(res, "markdown")
    line = next(x for x in markdown.splitlines() if x.startswith("- **Caution and monitoring**"))
    assert "checked in part: rivaroxaban" in line, line
    assert "**Checked in part**" not in line
    assert "  - **Checked in part**: the knowledge base records interactions" in markdown
