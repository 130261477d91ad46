"""knowledgebase/risk/effect_sizes.yaml: schema, sources and the no-invented-numbers rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from advisor.risk.effect_sizes import (
    FACTOR_FEATURES,
    RELATIVE_PATH,
    load_effect_sizes,
    validate_effect_sizes,
)
from tests.conftest import KB_DIR


@pytest.fixture
def source_ids(kb) -> set[str]:
    return set(kb.sources)


def _edited(tmp_path: Path, edit) -> Path:
    """A copy of the effect-sizes file changed by ``edit(data)``; returns the kb folder."""
    target = tmp_path / RELATIVE_PATH
    target.parent.mkdir(parents=True)
    shutil.copy(KB_DIR / RELATIVE_PATH, target)
    data = yaml.safe_load(target.read_text())
    edit(data)
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    return tmp_path


def _factor(data: dict, feature: str) -> dict:
    return next(f for f in data["factors"] if f["feature"] == feature)


def test_shipped_file_is_sound(source_ids):
    assert validate_effect_sizes(KB_DIR, source_ids) == []


def test_every_feature_has_sourced_effect_and_population():
    es = load_effect_sizes(KB_DIR)
    assert {f.feature for f in es.factors} == set(FACTOR_FEATURES)
    for f in es.factors:
        assert f.evidence.sources
        assert f.population.assumption or f.population.evidence
        if f.estimate is None:
            assert f.simulator_odds_ratio == 1.0


def test_contested_abcb1_is_marked():
    assert load_effect_sizes(KB_DIR).factor("abcb1_3435").evidence.contested


def test_conditional_rates_follow_from_cohort_shares():
    by_regimen = load_effect_sizes(KB_DIR).outcomes.seizure_freedom_by_regimen
    shares, rates = by_regimen.cohort_shares, by_regimen.conditional_rates()
    left = 1.0
    for share, rate in zip(shares, rates, strict=True):
        assert rate == pytest.approx(share / left)
        left -= share


def test_unknown_source_is_a_problem(kb):
    problems = validate_effect_sizes(KB_DIR, set(kb.sources) - {"PMID-25799371"})
    assert any("PMID-25799371" in p.message and p.file == RELATIVE_PATH for p in problems)


def test_invented_number_is_refused(tmp_path, source_ids):
    def edit(data):
        _factor(data, "gaba_a_gof")["simulator_odds_ratio"] = 2.0

    problems = validate_effect_sizes(_edited(tmp_path, edit), source_ids)
    assert any("do not invent" in p.message for p in problems)


def test_interval_must_contain_estimate(tmp_path, source_ids):
    def edit(data):
        _factor(data, "eeg_abnormal")["ci"] = [3.0, 4.0]

    problems = validate_effect_sizes(_edited(tmp_path, edit), source_ids)
    assert any("confidence interval" in p.message for p in problems)


def test_unsourced_prevalence_is_a_problem(tmp_path, source_ids):
    def edit(data):
        del _factor(data, "eeg_abnormal")["population"]["assumption"]

    problems = validate_effect_sizes(_edited(tmp_path, edit), source_ids)
    assert any("where the figures come from" in p.message for p in problems)


def test_missing_feature_entry(tmp_path, source_ids):
    def edit(data):
        data["factors"] = [f for f in data["factors"] if f["feature"] != "febrile_seizures"]

    problems = validate_effect_sizes(_edited(tmp_path, edit), source_ids)
    assert any("febrile_seizures" in p.message for p in problems)


def test_missing_file(tmp_path, source_ids):
    problems = validate_effect_sizes(tmp_path, source_ids)
    assert [p.message for p in problems] == ["file is missing"]
