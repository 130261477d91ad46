"""Advice of more than low severity is in the summary's caution and monitoring: the MHRA
advice to men on valproate was only in the Flags table while the summary said 'nothing for
the drugs in play' (review X C2); low-severity information stays in the Flags table."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report import render


def _consult(kb, sex: str, medications: list[str]):
    return consult(kb, validate_patient(kb, {
        "age_years": 30, "weight_kg": 80, "sex": sex,
        "seizure_types": ["generalized_tonic_clonic"], "current_medications": medications}))


def test_the_mhra_advice_to_men_on_valproate_is_in_the_summary(kb):
    res = _consult(kb, "male", ["valproate"])
    advice = [m for m in res.summary.monitor if m.rule == "valproate-men-and-boys"]
    assert [(m.drug, m.action) for m in advice] == [("valproate", "info")]
    text = render(res, "markdown")
    summary = text.split("## Genotypes")[0]
    assert "**Caution and monitoring**: **valproate**: info: Boys and men on valproate " \
        "(MHRA 2024): use effective contraception" in summary
    assert "nothing for the drugs in play" not in summary


def test_low_severity_information_stays_out_of_the_summary(kb):
    res = _consult(kb, "male", ["carbamazepine", "brivaracetam"])
    low_info = [f for f in res.flags if f.action == "info" and f.severity == "low"
                and f.drug in ("carbamazepine", "brivaracetam")]
    assert low_info, "the check needs a low-severity information flag on a drug taken"
    assert not any(m.action == "info" for m in res.summary.monitor)
