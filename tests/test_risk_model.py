"""Simulator and fitted models: calibration to the literature, effect recovery, monotonicity,
risk-ratio/odds-ratio conversion and the uncertainty ensemble."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from advisor.risk.effects import or_to_rr, perturbed, rr_to_or
from advisor.risk.features import REGIMEN_LEVELS, UNKNOWN
from advisor.risk.model import SPECS, RiskModel
from advisor.risk.simulate import (
    DRE_OUTCOME,
    SF_OUTCOME,
    IncompatibleEffects,
    calibrate,
    simulate_cohort,
)
from advisor.risk.train import fit_model, regimen_check

N = 40_000  # the next-regimen rate after 0 failures has a sampling SD of ~2 pp here
SEED = 11
TOLERANCE_PP = 5.0


@pytest.fixture(scope="module")
def es(kb):
    return kb.effect_sizes


@pytest.fixture(scope="module")
def cohort(es) -> pd.DataFrame:
    return simulate_cohort(es, N, SEED)


MEMBERS = 8


def _fit(kb, cohort: pd.DataFrame, kind: str) -> RiskModel:
    return fit_model(kb, cohort, SPECS[kind].default_outcome, kind,
                     training_data={"source": "synthetic", "n": N, "seed": SEED},
                     evidence=[], seed=SEED, n_boot=100, members=MEMBERS, member_n=5000,
                     synthetic=kb.effect_sizes)


@pytest.fixture(scope="module")
def dre_model(kb, cohort) -> RiskModel:
    return _fit(kb, cohort, "drug_resistance")


@pytest.fixture(scope="module")
def sf_model(kb, cohort) -> RiskModel:
    return _fit(kb, cohort, "seizure_freedom")


def _binomial_margin(p: float, n: int) -> float:
    return 4 * math.sqrt(p * (1 - p) / n)


def test_simulated_frequencies_match_sources(es, cohort):
    target = es.outcomes.drug_resistance.frequency
    assert abs(cohort[DRE_OUTCOME].mean() - target) < _binomial_margin(target, N)
    rates = es.outcomes.seizure_freedom_by_regimen.conditional_rates()
    by_k = cohort.dropna(subset=[SF_OUTCOME]).groupby("failed_adequate_regimens")[SF_OUTCOME]
    for k, rate in enumerate(rates):
        observed = by_k.get_group(k)
        assert abs(observed.mean() - rate) < _binomial_margin(rate, len(observed))


def test_simulation_is_reproducible_and_hides_values(es, cohort):
    again = simulate_cohort(es, 500, SEED)
    pd.testing.assert_frame_equal(again, simulate_cohort(es, 500, SEED))
    share = cohort["eeg_abnormal"].isna().mean()
    record = es.simulator.clinical_record_missing_fraction
    expected = record + (1 - record) * es.factor("eeg_abnormal").population.unknown_fraction
    assert abs(share - expected) < _binomial_margin(expected, N)


def test_fitted_effects_recover_published_intervals(es, dre_model):
    """Each published figure is the effect of one factor against the reference patient: the
    fitted model's risk ratio (risk-ratio sources) or odds ratio (odds-ratio sources) for
    that contrast falls inside the published 95% CI."""
    fitted = dre_model.odds_ratios()
    reference = dre_model.predict(pd.DataFrame([dre_model.reference()]))[0]
    checked = 0
    for factor in es.factors:
        if factor.ci is None:
            continue
        odds_ratio = fitted[factor.feature][factor.exposed]
        value = (or_to_rr(odds_ratio, reference) if factor.measure == "risk_ratio"
                 else odds_ratio)
        assert factor.ci.lo <= value <= factor.ci.hi, (factor.feature, value)
        checked += 1
    assert checked >= 6


def test_risk_ratios_are_converted_not_copied(es):
    """The simulator's odds ratio is the published risk ratio converted at the reference
    patient's risk (Zhang & Yu), larger than the risk ratio, and the population frequency
    holds."""
    cal = calibrate(es)
    assert 0 < cal.p_ref < es.outcomes.drug_resistance.frequency
    for f in es.factors:
        if f.measure == "risk_ratio":
            assert f.estimate * cal.p_ref < 1
            odds_ratio = cal.odds_ratios[f.feature]
            assert odds_ratio > f.estimate
            assert or_to_rr(odds_ratio, cal.p_ref) == pytest.approx(f.estimate)
        elif f.measure == "odds_ratio":
            assert cal.odds_ratios[f.feature] == f.estimate


def test_conversion_formulas():
    assert rr_to_or(2.0, 0.2) == pytest.approx(2.0 * 0.8 / 0.6)
    assert or_to_rr(rr_to_or(3.36, 0.15), 0.15) == pytest.approx(3.36)
    assert rr_to_or(1.5, 0.001) == pytest.approx(1.5, rel=1e-3)  # rare outcome: OR ~ RR
    with pytest.raises(ValueError, match="cannot hold"):
        rr_to_or(11.6, 0.135)


def test_crude_reading_incompatible_only_where_noted(es):
    """As a crude risk ratio at 25% drug resistance and 8% prevalence, RR 11.6 for status
    epilepticus is impossible (said in base_rate_note); the other risk ratios are not."""
    for f in es.factors:
        assert es.crude_incompatible(f) == bool(f.base_rate_note), f.feature
    assert es.crude_incompatible(es.factor("status_epilepticus"))


def test_synthetic_crude_risk_ratio_is_below_published(es, cohort):
    """Read against the reference patient, the effects overlap in patients with several
    factors, so each factor's crude risk ratio in the synthetic cohort is below the
    published (crude) one but still above 1."""
    for f in es.factors:
        if f.measure != "risk_ratio":
            continue
        column = f.input.clinical
        if column is None:
            continue
        values = cohort[column]
        known = values.notna() & (values.astype(str) != "unknown")
        exposed = values[known].astype(str).isin(
            [*f.input.exposed_values, "True"]).to_numpy()
        outcome = cohort.loc[known, DRE_OUTCOME].to_numpy()
        crude = outcome[exposed].mean() / outcome[~exposed].mean()
        assert 1.3 < crude < f.estimate, (f.feature, crude)


def test_incompatible_numbers_are_refused(es):
    dre = es.outcomes.drug_resistance.model_copy(update={"frequency": 0.9})
    impossible = es.model_copy(update={"outcomes": es.outcomes.model_copy(
        update={"drug_resistance": dre})})
    with pytest.raises(IncompatibleEffects):
        calibrate(impossible)


def test_draws_stay_around_the_published_numbers(es):
    rng = np.random.default_rng(0)
    draws = [perturbed(es, rng) for _ in range(400)]
    eeg = np.log([d.factor("eeg_abnormal").estimate for d in draws])
    assert abs(eeg.mean() - math.log(2.80)) < 0.05
    inside = np.mean([1.95 <= math.exp(v) <= 4.0 for v in eeg])
    assert 0.9 < inside < 0.99
    shares = np.array([d.outcomes.seizure_freedom_by_regimen.cohort_shares[0] for d in draws])
    assert abs(shares.mean() - 0.504) < 0.01 and shares.std() > 0.01
    frequency = np.array([d.outcomes.drug_resistance.frequency for d in draws])
    assert 0.9 < np.mean((frequency >= 0.17) & (frequency <= 0.32)) < 0.99


def test_ensemble_interval_contains_the_estimate(dre_model, sf_model):
    for model, known in ((dre_model, {}), (sf_model, {"failed_regimens": "3+"}),
                         (sf_model, {"failed_regimens": "3+", "status_epilepticus": "yes",
                                     "multiple_seizure_types": "yes",
                                     "febrile_seizures": "yes", "eeg_abnormal": "yes",
                                     "symptomatic_etiology": "yes"})):
        assert model.meta["ensemble"]["members"] == MEMBERS
        row = model.unknown_patient(**known).iloc[0].to_dict()
        p = model.explain(row)[0]
        lo, hi = model.interval(row)
        assert 0 < lo <= p <= hi < 1 and hi > lo
        assert len(model.member_probabilities(row)) == MEMBERS


@pytest.mark.parametrize("feature", ["intellectual_disability", "hippocampal_sclerosis",
                                     "age_at_onset_years"])
def test_features_without_evidence_get_no_effect(dre_model, feature):
    fitted = dre_model.odds_ratios()[feature]
    assert all(abs(math.log(v)) < math.log(1.3) for v in fitted.values()), fitted


def test_every_risk_factor_raises_drug_resistance(dre_model, es):
    none = {f.feature: f.reference for f in es.factors if f.exposed}
    every = {f.feature: (f.exposed if f.estimate and f.estimate > 1 else f.reference)
             for f in es.factors if f.exposed}
    p_none, p_every = dre_model.predict(dre_model.unknown_patient(**none))[0], \
        dre_model.predict(dre_model.unknown_patient(**every))[0]
    assert p_every > p_none
    p_unknown = dre_model.predict(dre_model.unknown_patient())[0]
    assert p_none < p_unknown < p_every


def test_seizure_freedom_falls_with_each_failed_regimen(sf_model, es):
    for known in ({}, {"eeg_abnormal": "yes", "status_epilepticus": "no"}):
        p = [sf_model.predict(sf_model.unknown_patient(failed_regimens=k, **known))[0]
             for k in REGIMEN_LEVELS]
        assert all(a > b for a, b in itertools.pairwise(p)), p


def test_unknown_patient_matches_mohanraj_brodie(sf_model, es):
    rows = regimen_check(sf_model, es)
    assert [r["failed_regimens"] for r in rows] == list(REGIMEN_LEVELS)
    for row in rows:
        assert abs(row["difference_pp"]) <= TOLERANCE_PP, row


def test_held_out_metrics_are_recorded(dre_model, sf_model):
    for model in (dre_model, sf_model):
        m = model.meta["held_out_metrics"]
        assert 0.6 < m["roc_auc"] < 1
        assert m["roc_auc_ci95"][0] < m["roc_auc"] < m["roc_auc_ci95"][1]
        assert 0.8 < m["calibration_slope"] < 1.2
        assert abs(m["calibration_intercept"]) < 0.2
        assert model.meta["sklearn_version"]
        assert model.meta["training_data"]["rows_with_outcome"] == \
            model.meta["training_data"]["n_train"] + model.meta["training_data"]["n_held_out"]


def test_contributions_add_up_to_the_prediction(sf_model):
    row = sf_model.unknown_patient(failed_regimens="2", eeg_abnormal="yes").iloc[0].to_dict()
    reference = sf_model.predict(pd.DataFrame([sf_model.reference()]))[0]
    total = math.log(reference / (1 - reference)) + sum(sf_model.contributions(row).values())
    p = sf_model.predict(pd.DataFrame([row]))[0]
    assert total == pytest.approx(math.log(p / (1 - p)))
    assert sf_model.contributions(row)["eeg_abnormal"] < 0


def test_unknown_category_is_not_treated_as_absent(dre_model):
    absent = dre_model.predict(dre_model.unknown_patient(status_epilepticus="no"))[0]
    unknown = dre_model.predict(dre_model.unknown_patient(status_epilepticus=UNKNOWN))[0]
    present = dre_model.predict(dre_model.unknown_patient(status_epilepticus="yes"))[0]
    assert absent < unknown < present
    assert not np.isclose(absent, unknown)
