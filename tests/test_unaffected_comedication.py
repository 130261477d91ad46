"""A co-medication that no antiseizure medication affects, by a source (the levonorgestrel
IUD and DMPA injection, FSRH 2022), can be recorded: it is not taken for a progestogen-only
pill (which enzyme inducers make unreliable), it is not reported as 'checked in part', and
the report says why nothing is flagged (review X M3)."""

from __future__ import annotations

import pytest

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.knowledge import validate_knowledgebase
from advisor.report import render

from .test_knowledge_validate import kb_copy  # noqa: F401  (fixture)


def _consult(kb, medications: list[str]):
    return consult(kb, validate_patient(kb, {
        "age_years": 28, "weight_kg": 60, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"], "current_medications": medications,
        "medication_history": [{"drug": "carbamazepine", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 12}]}))


@pytest.mark.parametrize(("given", "canonical"), [
    ("levonorgestrel IUD", "levonorgestrel_intrauterine_system"),
    ("Mirena", "levonorgestrel_intrauterine_system"),
    ("LNG-IUS", "levonorgestrel_intrauterine_system"),
    ("Depo-Provera", "medroxyprogesterone_depot"),
    ("Sayana Press", "medroxyprogesterone_depot"),
    ("progestogen-only pill", "progestogen_only_contraceptive"),
])
def test_names_resolve_to_their_own_entry(kb, given, canonical):
    patient = validate_patient(kb, {"seizure_types": ["focal"],
                                    "current_medications": ["carbamazepine", given]})
    assert canonical in patient.current_medications


@pytest.mark.parametrize("method", ["Mirena", "Depo-Provera"])
def test_an_unaffected_method_with_an_inducer_is_not_flagged_and_says_why(kb, method):
    res = _consult(kb, ["carbamazepine", method])
    canonical = next(m for m in res.summary.unaffected_medications)
    assert not any(canonical in (f.message or "") or canonical == f.drug for f in res.flags)
    assert canonical not in res.partly_checked_medications
    said = res.unaffected_medications[canonical]
    assert said.evidence == ["FSRH-2022-drug-interactions"]
    assert "FSRH-2022-drug-interactions" in res.sources
    for fmt in ("markdown", "html"):
        text = render(res, fmt)
        assert "no interaction expected" in text, fmt
        assert "unaffected by enzyme-inducing drugs" in text, fmt
        assert "Checked in part" not in text, fmt


def test_a_progestogen_only_pill_with_an_inducer_is_still_flagged(kb):
    res = _consult(kb, ["carbamazepine", "progestogen-only pill"])
    assert any(f.category == "interaction" and f.drug == "progestogen_only_contraceptive"
               and f.message.startswith("carbamazepine + ") for f in res.flags)
    assert res.unaffected_medications == {}


def test_an_interaction_naming_an_unaffected_medication_is_a_problem(kb_copy):  # noqa: F811
    path = kb_copy / "interactions.yaml"
    text = path.read_text()
    path.write_text(text.replace("victims: [progestogen_only_contraceptive]",
                                 "victims: [progestogen_only_contraceptive, "
                                 "levonorgestrel_intrauterine_system]", 1))
    problems = [str(p) for p in validate_knowledgebase(kb_copy)]
    assert any("levonorgestrel_intrauterine_system" in p and "unaffected" in p
               for p in problems), problems
