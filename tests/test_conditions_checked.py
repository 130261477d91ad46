"""A comorbid condition is judged only by the rules that test it: the report says for which
drugs, and that other drugs are not checked against it (review W H1: porphyria was accepted
and judged by nothing; W H5: a cardiac conduction disorder likewise)."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report import render


def _consult(kb, condition: str, candidates: list[str]):
    return consult(kb, validate_patient(kb, {
        "age_years": 30, "weight_kg": 60, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"], "conditions": [condition],
        "candidate_drugs": candidates}))


def test_porphyria_avoids_the_barbiturates_and_says_it_is_checked_in_part(kb):
    res = _consult(kb, "porphyria", ["phenobarbital", "primidone", "carbamazepine"])
    avoid = {(f.drug, f.rule) for f in res.flags if f.action == "avoid"}
    assert ("phenobarbital", "barbiturates-porphyria") in avoid
    assert ("primidone", "barbiturates-porphyria") in avoid
    assert not any(f.rule == "barbiturates-porphyria" for f in res.flags
                   if f.drug == "carbamazepine")
    # carbamazepine by its own rule (UK SmPC 4.3, hepatic porphyria; review X-H4)
    assert ("carbamazepine", "carbamazepine-porphyria") in avoid
    assert res.summary.conditions_checked_for == {"porphyria": [
        "carbamazepine", "clonazepam", "eslicarbazepine", "ethosuximide", "fosphenytoin",
        "oxcarbazepine", "phenobarbital", "phenytoin", "primidone", "valproate"]}
    unjudged = [d for d in res.summary.in_play
                if d not in res.summary.conditions_checked_for["porphyria"]]
    assert unjudged  # the top regimen's drug
    for fmt in ("markdown", "html"):
        text = render(res, fmt)
        # ten drugs: counted, not named (review Y-M16 added oxcarbazepine, eslicarbazepine)
        assert "acute porphyria: the knowledge base judges it for 10 antiseizure medications " \
            f"only, not for {' and '.join(unjudged)} among the drugs in play" in text, fmt
    assert render(res, "markdown").split("\n")[1].endswith("; acute porphyria.")


def test_familial_short_qt_and_conduction_disorder(kb):
    short_qt = _consult(kb, "familial_short_qt", ["rufinamide", "lamotrigine"])
    assert any(f.drug == "rufinamide" and f.action == "avoid"
               and f.rule == "rufinamide-familial-short-qt" for f in short_qt.flags)
    conduction = _consult(kb, "cardiac_conduction_disorder", ["lacosamide"])
    assert any(f.drug == "lacosamide" and f.action == "use_with_caution"
               and f.severity == "high" for f in conduction.flags
               if f.rule == "lacosamide-cardiac-conduction-disorder")
    assert conduction.summary.conditions_checked_for == {
        "cardiac_conduction_disorder": ["lacosamide"]}


def test_no_condition_recorded_no_line(kb):
    res = consult(kb, validate_patient(kb, {
        "age_years": 30, "weight_kg": 60, "sex": "male", "seizure_types": ["focal"]}))
    assert res.summary.conditions_checked_for == {}
    assert "Condition checked" not in render(res, "markdown")


def test_psychiatric_history_cautions_follow_the_labels(kb):
    """A history of depression or another psychiatric disorder: the drugs whose labels warn of
    psychiatric or behavioural reactions get a caution (perampanel's boxed warning: high),
    and every long-term antiseizure medication the class warning on suicidal thoughts, as
    information, which ranks no drug below another (review Y-M4)."""
    res = _consult(kb, "psychiatric_history", ["levetiracetam", "brivaracetam", "perampanel",
                                               "topiramate", "zonisamide", "lamotrigine"])
    caution = {(f.drug, f.severity) for f in res.flags if f.action == "use_with_caution"
               and f.rule.endswith("-psychiatric-history")}
    assert caution == {("levetiracetam", "moderate"), ("brivaracetam", "moderate"),
                       ("perampanel", "high"), ("topiramate", "moderate"),
                       ("zonisamide", "moderate")}
    suicidality = {f.drug: f.action for f in res.flags
                   if f.rule == "antiseizure-suicidality-psychiatric-history"}
    assert set(suicidality.values()) == {"info"}
    assert {"levetiracetam", "lamotrigine", "valproate", "carbamazepine"} <= set(suicidality)
    assert not {"diazepam", "lorazepam", "midazolam", "ketamine"} & set(suicidality)
    assert not any("class warning" in w for r in res.regimens for w in r.warnings)
    checked = res.summary.conditions_checked_for["psychiatric_history"]
    assert "levetiracetam" in checked and "ketamine" not in checked
    text = render(res, "markdown")
    assert text.split("\n")[1].endswith("; depression or another psychiatric disorder (current "
                                        "or past).")
    assert "perampanel has a boxed warning (US label) for serious or life-threatening " \
        "psychiatric and behavioural reactions" in text


def test_no_psychiatric_history_no_psychiatric_caution(kb):
    res = consult(kb, validate_patient(kb, {
        "age_years": 30, "weight_kg": 60, "sex": "female", "pregnancy": "not_pregnant",
        "seizure_types": ["focal"], "candidate_drugs": ["levetiracetam", "perampanel"]}))
    assert not any("psychiatric-history" in f.rule for f in res.flags)


def test_a_condition_judged_for_every_drug_in_play_has_no_line(kb):
    """Depression or another psychiatric disorder, judged for every long-term ASM (the FDA
    class warning): no 'checked in part' line listing 29 drugs (review of the psychiatric
    history rules)."""
    res = _consult(kb, "psychiatric_history", ["levetiracetam"])
    assert len(res.summary.conditions_checked_for["psychiatric_history"]) > 20
    assert "Condition checked" not in render(res, "markdown")
