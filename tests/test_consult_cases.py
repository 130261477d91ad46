"""Guideline and label cases (tests/cases/*.yaml) through the full consult."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
import yaml

from advisor import transition
from advisor.consult import consult
from advisor.frame import frame_from_patients
from advisor.inputs.patient import validate_patient
from advisor.regimens import targets
from advisor.rules import evaluate

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def _matches(record: dict, spec: dict) -> bool:
    return all(record.get(k) == v for k, v in spec.items())


@pytest.fixture(scope="module")
def results(kb):
    out = {}
    for path in CASES:
        case = yaml.safe_load(path.read_text())
        res = consult(kb, validate_patient(kb, case["patient"]))
        out[path.stem] = (case, res.model_dump(mode="json"))
    return out


@pytest.mark.parametrize("name", [p.stem for p in CASES])
def test_case(results, name):
    case, res = results[name]
    exp = case["expect"]
    for spec in exp.get("flags", []):
        assert any(_matches(f, spec) for f in res["flags"]), f"missing flag {spec}"
    for spec in exp.get("no_flags", []):
        hits = [f for f in res["flags"] if _matches(f, spec)]
        assert not hits, f"unexpected flag(s) for {spec}: {hits}"
    doses = {d["drug"]: d for d in res["doses"]}
    for spec in exp.get("doses", []):
        dose = doses[spec["drug"]]
        if "adjustment_percent" in spec:
            assert dose["adjustment_percent"] == spec["adjustment_percent"], dose
        if "recommended_max_le" in spec:
            assert dose["recommended_daily_mg"][1] <= spec["recommended_max_le"], dose
        if "start_daily_mg" in spec:
            assert dose["start_daily_mg"] == spec["start_daily_mg"], dose
        if "standard" in spec:
            assert dose["standard_daily_mg"] == spec["standard"], dose
        if spec.get("recommended_none"):
            assert dose["recommended_daily_mg"] is None and "not recommended" in dose["basis"][0]
        if spec.get("above_standard"):
            assert dose["recommended_daily_mg"][0] > dose["standard_daily_mg"][0], dose
            assert dose["adjustment_percent"] > 0
        if spec.get("below_standard"):
            assert dose["recommended_daily_mg"][1] < dose["standard_daily_mg"][1], dose
            assert dose["adjustment_percent"] < 0
        assert dose["basis"] and dose["evidence"]
    if "dre" in exp:
        for key, value in exp["dre"].items():
            assert res["dre"][key] == value, (key, res["dre"])
    if "dre_next_steps" in exp:
        assert [s["id"] for s in res["dre"]["next_steps"]] == exp["dre_next_steps"]
    regimens = res["regimens"]
    for drug in exp.get("regimens_exclude", []):
        assert all(drug not in r["drugs"] for r in regimens), drug
    if "regimens_min" in exp:
        assert len(regimens) >= exp["regimens_min"]
    for combo in exp.get("regimens_include", []):
        assert any(set(combo) <= set(r["drugs"]) for r in regimens), combo
    if "regimen_warning" in exp:
        spec = exp["regimen_warning"]
        with_drug = [r for r in regimens if spec["drug"] in r["drugs"]]
        assert all(any(spec["contains"] in w for w in r["warnings"]) for r in with_drug)
    for drug in exp.get("top_regimen_excludes", []):
        assert regimens and drug not in regimens[0]["drugs"]
    if "status_epilepticus" in exp:
        _check_pathway(res["status_epilepticus"], exp["status_epilepticus"])
    else:
        assert res["status_epilepticus"] is None


def _check_pathway(se: dict, spec: dict) -> None:
    options = {o["drug"]: o for st in se["stages"] for o in st["options"]}
    excluded = {e["drug"]: e for st in se["stages"] for e in st["excluded"]}
    for drug in spec.get("excluded", []):
        assert drug in excluded and drug not in options, drug
        assert excluded[drug]["reasons"] and excluded[drug]["evidence"]
    for drug in spec.get("offered", []):
        assert drug in options, drug
    if "dose" in spec:
        doses = [d.get("dose_mg") for d in options[spec["dose"]["drug"]]["doses"]]
        assert spec["dose"]["dose_mg"] in doses, doses
    if "option_flag" in spec:
        flags = options[spec["option_flag"]["drug"]]["flags"]
        assert any(spec["option_flag"]["contains"] in f for f in flags), flags
    assert se["evidence_notes"]


def test_every_flag_and_regimen_explains_itself(results):
    for _, res in results.values():
        for flag in res["flags"]:
            assert flag["message"] and flag["evidence"] and flag["evidence_level"]
            assert set(flag["evidence"]) <= set(res["sources"])
        for reg in res["regimens"]:
            assert reg["rationale"] and len(reg["mechanisms"]) == len(reg["drugs"])


def test_regimens_never_pair_one_primary_target_in_top(kb, results):
    """Two drugs acting on one target (two sodium-channel blockers; levetiracetam and
    brivaracetam; a benzodiazepine and a barbiturate) are never a top regimen."""
    for _, res in results.values():
        for reg in res["regimens"][:3]:
            primary = [targets(kb, kb.drugs[d])[0] for d in reg["drugs"]]
            for a, b in combinations(primary, 2):
                assert not a & b, reg


@pytest.mark.parametrize("name", [p.stem for p in CASES
                                  if "transition" in yaml.safe_load(p.read_text())["expect"]])
def test_transition_case(kb, name):
    case = yaml.safe_load((Path(__file__).parent / "cases" / f"{name}.yaml").read_text())
    spec = case["expect"]["transition"]
    patient = validate_patient(kb, case["patient"])
    flags = evaluate(kb, frame_from_patients(kb, [patient]))
    plan = transition.plan(kb, patient, spec["regimen"], transition.flags_by_drug(flags)
                           ).model_dump(mode="json")
    steps = {s["drug"]: s for s in plan["steps"]}
    for want in spec.get("steps", []):
        step = steps[want["drug"]]
        assert step["action"] == want["action"]
        assert step["evidence"], step
        if "never_abrupt" in want:
            assert step["never_abrupt"] is want["never_abrupt"]
            assert any("never stop abruptly" in n for n in step["notes"])
        if "min_taper_weeks" in want:
            assert step["taper_weeks"][0] >= want["min_taper_weeks"]
        if "first_daily_mg" in want:
            assert step["schedule"][0]["daily_mg"] == want["first_daily_mg"]
    if "change" in spec:
        want = spec["change"]
        assert any(c["removed"] == want["removed"] and c["affected"] == want["affected"]
                   and want["contains"] in c["change"] for c in plan["interaction_changes"])
