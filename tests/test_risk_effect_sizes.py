"""knowledgebase/risk/effect_sizes.yaml: schema, sources and the no-invented-numbers rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from advisor.knowledge import validate_knowledgebase
from advisor.risk.features import model_columns
from advisor.risk.predict import shipped_models
from tests.conftest import KB_DIR

RELATIVE_PATH = "risk/effect_sizes.yaml"


def _edited(tmp_path: Path, edit) -> Path:
    """A copy of the knowledge base whose effect-sizes file ``edit(data)`` changed."""
    root = tmp_path / "kb"
    shutil.copytree(KB_DIR, root)
    target = root / RELATIVE_PATH
    data = yaml.safe_load(target.read_text())
    edit(data)
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    return root


def _problems(kb_dir: Path) -> list:
    return [p for p in validate_knowledgebase(kb_dir) if p.file == RELATIVE_PATH]


def _factor(data: dict, feature: str) -> dict:
    return next(f for f in data["factors"] if f["feature"] == feature)


def test_shipped_file_is_sound():
    assert _problems(KB_DIR) == []


def test_every_feature_has_sourced_effect_and_population(kb):
    es = kb.effect_sizes
    trained = {c for model in shipped_models() for c in model.columns}
    assert set(model_columns(es, history=True)) | set(model_columns(es, history=False)) == trained
    for f in es.factors:
        assert f.evidence.sources
        assert f.population.assumption or f.population.evidence
        if f.estimate is None:
            assert f.measure == "none"


def test_contested_abcb1_is_marked(kb):
    assert kb.effect_sizes.factor("abcb1_3435").evidence.contested


def test_conditional_rates_follow_from_cohort_shares(kb):
    by_regimen = kb.effect_sizes.outcomes.seizure_freedom_by_regimen
    shares, rates = by_regimen.cohort_shares, by_regimen.conditional_rates()
    left = 1.0
    for share, rate in zip(shares, rates, strict=True):
        assert rate == pytest.approx(share / left)
        left -= share


def test_unknown_source_is_a_problem(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(KB_DIR, root)
    sources = yaml.safe_load((root / "sources.yaml").read_text())
    del sources["sources"]["PMID-25799371"]
    (root / "sources.yaml").write_text(yaml.safe_dump(sources, sort_keys=False))
    assert any("PMID-25799371" in p.message for p in _problems(root))


def test_invented_number_is_refused(tmp_path):
    def edit(data):
        _factor(data, "gaba_a_gof")["estimate"] = 2.0

    problems = _problems(_edited(tmp_path, edit))
    assert any("do not invent" in p.message for p in problems)


def test_incompatible_risk_ratio_must_be_said(tmp_path):
    def edit(data):
        del _factor(data, "status_epilepticus")["base_rate_note"]

    problems = _problems(_edited(tmp_path, edit))
    assert any("base_rate_note" in p.message and "status_epilepticus" in p.message
               for p in problems)


def test_base_rate_note_only_where_incompatible(tmp_path):
    def edit(data):
        _factor(data, "eeg_abnormal")["base_rate_note"] = "not needed"

    problems = _problems(_edited(tmp_path, edit))
    assert any("compatible" in p.message for p in problems)


def test_hippocampal_sclerosis_has_no_invented_effect(kb):
    """No usable effect size could be verified (see the factor's note): no number."""
    factor = kb.effect_sizes.factor("hippocampal_sclerosis")
    assert factor.measure == "none" and factor.estimate is None
    assert "Semah" in factor.evidence.note


def test_interval_must_contain_estimate(tmp_path):
    def edit(data):
        _factor(data, "eeg_abnormal")["ci"] = [3.0, 4.0]

    problems = _problems(_edited(tmp_path, edit))
    assert any("confidence interval" in p.message for p in problems)


def test_unsourced_prevalence_is_a_problem(tmp_path):
    def edit(data):
        del _factor(data, "eeg_abnormal")["population"]["assumption"]

    problems = _problems(_edited(tmp_path, edit))
    assert any("where the figures come from" in p.message for p in problems)


def test_missing_feature_entry(tmp_path, kb):
    """A feature the shipped models use but the file no longer declares: the risk block is
    refused with the reason, never computed on other features."""
    from advisor.inputs.patient import validate_patient
    from advisor.knowledge import load_knowledgebase
    from advisor.risk.predict import risk_block

    def edit(data):
        data["factors"] = [f for f in data["factors"] if f["feature"] != "febrile_seizures"]

    edited = load_knowledgebase(_edited(tmp_path, edit))
    risk, reason = risk_block(edited, validate_patient(edited, {"seizure_types": ["focal"]}))
    assert risk is None and "febrile_seizures" in reason and "retrain" in reason


def test_unknown_clinical_field_or_gene_is_a_problem(tmp_path):
    def edit(data):
        next(f for f in data["factors"] if f["feature"] == "eeg_abnormal")["input"] = {
            "clinical": "eeg_strange"}
        next(f for f in data["factors"] if f["feature"] == "abcb1_3435")["input"][
            "genotype"] = ["rs000"]

    messages = [p.message for p in _problems(_edited(tmp_path, edit))]
    assert any("unknown clinical field 'eeg_strange'" in m for m in messages)
    assert any("unknown genotype input key 'rs000'" in m for m in messages)


def test_missing_file(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(KB_DIR, root)
    (root / RELATIVE_PATH).unlink()
    assert [p.message for p in _problems(root)] == ["file is missing"]


def test_count_note_names_counted_seizure_types_only(tmp_path):
    """A count note's types must be seizure types the count counts (review AA-M3)."""
    def edit(data):
        _factor(data, "multiple_seizure_types")["input"]["count_notes"][0]["types"] = [
            "focal", "status_epilepticus", "focal_spread"]

    messages = [p.message for p in _problems(_edited(tmp_path, edit))]
    assert any("unknown counted seizure type 'status_epilepticus'" in m for m in messages)
    assert any("unknown counted seizure type 'focal_spread'" in m for m in messages)
