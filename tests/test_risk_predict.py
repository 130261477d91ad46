"""risk_block: the consult's risk section from the shipped models."""

from __future__ import annotations

import math

import pytest

from advisor.inputs.patient import load_patient, validate_patient
from advisor.numbers import percent
from advisor.result import Risk
from advisor.risk.predict import risk_block
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "hla-b1502-focal-dre.yaml"
KEYS = {"p_drug_resistance", "p_drug_resistance_interval", "p_seizure_freedom_next_regimen",
        "p_seizure_freedom_next_regimen_interval", "top_factors", "model", "model_version",
        "calibration_note"}
EVERY_FACTOR = {"etiology": "structural", "status_epilepticus_history": True,
                "febrile_seizures_history": True, "eeg_abnormal": True}
NO_FACTOR = {"etiology": "genetic", "status_epilepticus_history": False,
             "febrile_seizures_history": False, "eeg_abnormal": False}


def _patient(kb, types=("focal",), failed: int = 0, **clinical):
    drugs = ["levetiracetam", "lamotrigine", "valproate", "lacosamide"][:failed]
    return validate_patient(kb, {
        "seizure_types": list(types), "clinical": clinical,
        "medication_history": [{"drug": d, "outcome": "inefficacy", "adequate": True}
                               for d in drugs]})


def test_example_patient(kb):
    risk, reason = risk_block(kb, load_patient(kb, EXAMPLE))
    assert reason is None and KEYS <= set(risk)
    assert 0 < risk["p_drug_resistance"] < 1 and 0 < risk["p_seizure_freedom_next_regimen"] < 1
    assert risk["failed_adequate_regimens"] == 2
    assert {"factor", "value", "contribution"} == set(risk["top_factors"][0])
    contributions = [abs(f["contribution"]) for f in risk["top_factors"]]
    assert contributions == sorted(contributions, reverse=True)
    assert "drug_resistance-" in risk["model_version"]
    assert "seizure_freedom-" in risk["model_version"]
    assert "not validated on patients" in risk["calibration_note"]
    assert "95% confidence intervals" in risk["calibration_note"]
    assert any("ILAE" in note for note in risk["notes"])
    assert set(risk["evidence"]) <= set(kb.sources)


def test_every_risk_factor_versus_none(kb):
    every, _ = risk_block(kb, _patient(kb, ("focal", "absence"), **EVERY_FACTOR))
    none, _ = risk_block(kb, _patient(kb, ("focal",), **NO_FACTOR))
    assert every["p_drug_resistance"] > none["p_drug_resistance"]
    assert every["p_seizure_freedom_next_regimen"] < none["p_seizure_freedom_next_regimen"]
    assert {f["factor"] for f in every["top_factors"]} >= {"status_epilepticus",
                                                            "symptomatic_etiology"}


def test_next_regimen_falls_with_each_failure(kb):
    p = [risk_block(kb, _patient(kb, ("focal", "unknown"), failed=k))[0]
         ["p_seizure_freedom_next_regimen"] for k in range(4)]
    assert p == sorted(p, reverse=True) and len(set(p)) == 4


def test_unknown_inputs_are_listed(kb):
    risk, _ = risk_block(kb, _patient(kb))
    assert {"eeg_abnormal", "abcb1_3435", "pretreatment_seizure_count"} <= \
        set(risk["unknown_inputs"])


@pytest.mark.parametrize(("data", "field"), [
    ({"seizure_types": ["unknown"]}, "seizure_types"),
    ({"seizure_types": ["status_epilepticus"]}, "seizure_types"),
    ({"seizure_types": ["focal"], "medication_history": [
        {"drug": "levetiracetam", "outcome": "inefficacy"}]}, "medication_history.0.adequate"),
])
def test_missing_required_inputs(kb, data, field):
    risk, reason = risk_block(kb, validate_patient(kb, data))
    assert risk is None and reason.startswith(field)


def test_missing_model_files(kb, tmp_path):
    risk, reason = risk_block(kb, _patient(kb), models_dir=tmp_path)
    assert risk is None and "not available" in reason


def _check_interval(point, interval):
    lo, hi = interval
    assert 0 < lo <= point <= hi < 1 and hi > lo, (point, interval)


@pytest.mark.parametrize("failed", [0, 2, 3])
def test_intervals_contain_the_estimate_and_never_reach_zero(kb, failed):
    for patient in (_patient(kb, ("focal",), failed, **NO_FACTOR),
                    _patient(kb, ("focal", "absence"), failed, **EVERY_FACTOR),
                    _patient(kb, ("focal",), failed)):
        risk, _ = risk_block(kb, patient)
        _check_interval(risk["p_drug_resistance"], risk["p_drug_resistance_interval"])
        _check_interval(risk["p_seizure_freedom_next_regimen"],
                        risk["p_seizure_freedom_next_regimen_interval"])


def test_published_uncertainty_widens_the_interval(kb):
    """Status epilepticus has the widest published CI (RR 7.39-18.22): the interval of a
    patient with it is wider on the log-odds scale than that of a patient without."""
    def width(risk):
        lo, hi = risk["p_drug_resistance_interval"]
        return math.log(hi / (1 - hi)) - math.log(lo / (1 - lo))

    with_se, _ = risk_block(kb, _patient(kb, status_epilepticus_history=True, **{
        k: v for k, v in NO_FACTOR.items() if k != "status_epilepticus_history"}))
    without, _ = risk_block(kb, _patient(kb, **NO_FACTOR))
    assert width(with_se) > width(without)


def test_drug_resistant_patient_gets_no_drug_resistance_probability(kb):
    patient = _patient(kb, ("focal",), 2, **EVERY_FACTOR)
    shown, _ = risk_block(kb, patient, drug_resistant=True)
    plain, _ = risk_block(kb, patient)
    assert shown["p_drug_resistance"] is None and shown["p_drug_resistance_interval"] is None
    assert shown["top_factors"] == []
    assert any("ILAE" in note and "next regimen" in note for note in shown["notes"])
    for key in ("p_seizure_freedom_next_regimen", "p_seizure_freedom_next_regimen_interval",
                "top_factors_seizure_freedom"):
        assert shown[key] == plain[key]
    assert Risk.model_validate(shown).p_drug_resistance is None


def test_result_model_accepts_the_block(kb):
    risk, _ = risk_block(kb, _patient(kb))
    parsed = Risk.model_validate(risk)
    assert parsed.p_drug_resistance_interval == risk["p_drug_resistance_interval"]


@pytest.mark.parametrize("syndrome", ["west", "dravet", "lennox_gastaut"])
def test_no_estimate_for_a_developmental_and_epileptic_encephalopathy(kb, syndrome):
    """The model card puts developmental and epileptic encephalopathies outside the models'
    populations: no probability, and the reason names the syndrome (review S M12: 20% for a
    3-month-old with infantile spasms)."""
    from advisor.consult import consult

    res = consult(kb, validate_patient(kb, {
        "age_years": 0.25 if syndrome == "west" else 6, "weight_kg": 6 if syndrome == "west"
        else 20, "sex": "male", "syndrome": syndrome,
        "seizure_types": ["epileptic_spasms"] if syndrome == "west" else ["tonic", "atonic"]}))
    assert res.risk is None
    name = kb.vocabulary.syndromes[syndrome]
    assert res.risk_note.startswith(f"No risk estimate: {name} lies outside the populations")
    focal = consult(kb, validate_patient(kb, {"age_years": 6, "weight_kg": 20, "sex": "male",
                                              "seizure_types": ["focal"]}))
    assert focal.risk is not None and focal.risk.p_drug_resistance is not None


def test_seizure_free_not_yet_sustained_says_the_models_do_not_use_it(kb):
    """A man seizure-free for 14 months on lacosamide, 24 required: the risk section says
    that the models do not use the current course, and the summary does not headline the
    baseline estimate (review U M4: 'probability of drug-resistant epilepsy: 96%' beside
    'seizure-free 14 of the 23.7 months required')."""
    from advisor.consult import consult

    def run(seizure_free_months: float | None):
        trial = {"drug": "lacosamide", "adequate": True, "duration_months": 16,
                 **({"outcome": "seizure_free", "seizure_free_months": seizure_free_months}
                    if seizure_free_months else {"outcome": "ongoing"})}
        return consult(kb, validate_patient(kb, {
            "age_years": 29, "weight_kg": 80, "sex": "male",
            "seizure_types": ["focal"], "longest_pretreatment_interval_days": 240,
            "clinical": {"status_epilepticus_history": True, "etiology": "structural"},
            "medication_history": [
                {"drug": "carbamazepine", "outcome": "inefficacy", "adequate": True,
                 "duration_months": 12}, trial],
            "current_medications": ["lacosamide"]}))

    free = run(14)
    assert free.dre.status == "undetermined" and free.risk is not None
    assert free.risk.p_drug_resistance is not None
    assert any("Seizure-free for 14 months on lacosamide so far" in n for n in free.risk.notes)
    assert free.summary.risk is None
    ongoing = run(None)
    assert ongoing.summary.risk is not None
    assert not any("so far" in n for n in ongoing.risk.notes)


@pytest.mark.parametrize("syndrome", ["tuberous_sclerosis_complex", None])
def test_no_estimate_for_epileptic_spasms_whatever_syndrome_is_recorded(kb, syndrome):
    """Epileptic spasms are the seizures of infantile epileptic spasms syndrome, a
    developmental and epileptic encephalopathy, also when tuberous sclerosis (or nothing) is
    recorded as the syndrome (review Y M13: 50% and 20% were given)."""
    from advisor.consult import consult

    res = consult(kb, validate_patient(kb, {
        "age_years": 0.5, "weight_kg": 7.6, "sex": "male",
        **({"syndrome": syndrome} if syndrome else {}),
        "seizure_types": ["epileptic_spasms", "focal"]}))
    assert res.risk is None
    assert res.risk_note.startswith("No risk estimate: epileptic spasms are the seizures of "
                                    f"{kb.vocabulary.syndromes['west']}, which lies outside")


def test_focal_and_focal_to_bilateral_counted_as_two_gives_both_estimates(kb):
    """Review AA-M3: focal-onset plus focal to bilateral tonic-clonic seizures make the
    multiple-seizure-types factor "yes" (one seizure that spreads, in ILAE 2017 terms); the
    consult says so and gives the estimates counting them as one type, which are those of
    a patient with focal seizures only."""
    both, _ = risk_block(kb, _patient(kb, ("focal", "focal_to_bilateral_tonic_clonic")))
    focal, _ = risk_block(kb, _patient(kb, ("focal",)))
    assert focal["counted_as_one"] == []
    assert not any("counted as two types" in n for n in focal["notes"])
    [one] = both["counted_as_one"]
    assert one["types"] == ["focal", "focal_to_bilateral_tonic_clonic"]
    for key in ("p_drug_resistance", "p_drug_resistance_interval",
                "p_seizure_freedom_next_regimen", "p_seizure_freedom_next_regimen_interval"):
        assert one[key] == focal[key], key
    assert both["p_drug_resistance"] > focal["p_drug_resistance"]
    [note] = [n for n in both["notes"] if "counted as two types" in n]
    assert "focal to bilateral tonic-clonic seizure is a focal seizure that spreads" in note
    assert (f"Counted as one type: probability of drug-resistant epilepsy "
            f"{percent(focal['p_drug_resistance'])} (95% interval") in note
    assert {"DOI-10.1111_epi.13670", "PMID-31348240"} <= set(both["evidence"])
    assert Risk.model_validate(both).counted_as_one[0].label.startswith("focal-onset and")


@pytest.mark.parametrize("types", [
    ("focal", "focal_to_bilateral_tonic_clonic", "absence"),  # two types either way
    ("focal", "absence"), ("focal_to_bilateral_tonic_clonic",)])
def test_no_counted_as_one_estimate_where_the_pair_does_not_decide(kb, types):
    risk, _ = risk_block(kb, _patient(kb, types))
    assert risk["counted_as_one"] == []
    assert not any("counted as two types" in n for n in risk["notes"])


def test_counted_as_one_for_a_drug_resistant_patient_gives_the_next_regimen_only(kb):
    patient = _patient(kb, ("focal", "focal_to_bilateral_tonic_clonic"), 2)
    risk, _ = risk_block(kb, patient, drug_resistant=True)
    [one] = risk["counted_as_one"]
    assert one["p_drug_resistance"] is None and one["p_seizure_freedom_next_regimen"] > 0
    [note] = [n for n in risk["notes"] if "counted as two types" in n]
    assert "Counted as one type: probability of seizure freedom on the next regimen" in note
    assert "probability of drug-resistant epilepsy" not in note
