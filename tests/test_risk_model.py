"""Simulator and fitted models: calibration to the literature, effect recovery, monotonicity."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from advisor.risk.features import REGIMEN_LEVELS, UNKNOWN
from advisor.risk.model import SPECS, RiskModel
from advisor.risk.simulate import DRE_OUTCOME, SF_OUTCOME, simulate_cohort
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


def _fit(kb, cohort: pd.DataFrame, kind: str) -> RiskModel:
    return fit_model(kb, cohort, SPECS[kind].default_outcome, kind,
                     training_data={"source": "synthetic", "n": N, "seed": SEED},
                     evidence=[], seed=SEED, n_boot=100)


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
    fitted = dre_model.odds_ratios()
    checked = 0
    for factor in es.factors:
        if factor.ci is None:
            continue
        odds_ratio = fitted[factor.feature][factor.exposed]
        assert factor.ci.lo <= odds_ratio <= factor.ci.hi, (factor.feature, odds_ratio)
        checked += 1
    assert checked >= 6


@pytest.mark.parametrize("feature", ["intellectual_disability", "hippocampal_sclerosis",
                                     "age_at_onset_years"])
def test_features_without_evidence_get_no_effect(dre_model, feature):
    fitted = dre_model.odds_ratios()[feature]
    assert all(abs(math.log(v)) < math.log(1.3) for v in fitted.values()), fitted


def test_every_risk_factor_raises_drug_resistance(dre_model, es):
    none = {f.feature: f.reference for f in es.factors if f.exposed}
    every = {f.feature: (f.exposed if f.simulator_odds_ratio > 1 else f.reference)
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
