"""A drug being withdrawn with a hypersensitivity reaction recorded to it is not kept until
the new drug is titrated: the plan says to stop it now if the reaction may be drug-related,
and the summary's top line too (review W H4: a rash on carbamazepine at week 5 was to be
tapered once the new drug reached a therapeutic dose); after SJS/TEN or DRESS it says plainly
to stop the drug now and not to restart it, with no taper (review X M1); each line cites the
stopped drug's own label where the knowledge base quotes one, never another drug's (X C3);
another reaction (hyponatraemia) keeps the usual cross-taper."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.report.formatting import transition_lines
from advisor.transition import REACTION_WORDS


def _boy(kb, reaction: str, hla_a: str = "positive"):
    return consult(kb, validate_patient(kb, {
        "age_years": 15, "weight_kg": 58, "sex": "male",
        "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"],
        "genotypes": {"HLA-A*31:01": hla_a, "HLA-B*15:02": "negative"},
        "medication_history": [
            {"drug": "levetiracetam", "outcome": "intolerance", "adequate": False,
             "duration_months": 3},
            {"drug": "carbamazepine", "outcome": "intolerance", "adequate": False,
             "duration_months": 1.2}],
        "adverse_reactions": [{"drug": "carbamazepine", "reaction": reaction}],
        "current_medications": ["carbamazepine"],
        "candidate_drugs": ["lacosamide", "lamotrigine"]}))


def _lines(res, reg=None):
    reg = reg or res.regimens[0]
    return transition_lines(reg.transition, {d.drug: d for d in res.doses})


def test_a_rash_on_the_drug_being_withdrawn_stops_it_now(kb):
    res = _boy(kb, "hypersensitivity_rash")
    top = res.regimens[0]
    assert "carbamazepine" not in top.drugs
    lines = _lines(res)
    assert lines[0].startswith("A hypersensitivity rash with carbamazepine is recorded: do "
                               "not keep carbamazepine until the new drug reaches")
    assert not any(line.startswith("Add and titrate the new drug(s) first") for line in lines)
    assert any(line.startswith("withdraw carbamazepine: stop it now if the recorded "
                               "hypersensitivity rash may be drug-related") for line in lines)
    first = res.summary.top_regimen.first_step
    assert "stop carbamazepine now" in first and "taper carbamazepine once" not in first
    # the carbamazepine label's own rash statement, not lamotrigine's
    assert lines[0].endswith("(the carbamazepine label: 'Carbamazepine should be discontinued "
                             "at the first sign of a rash, unless the rash is clearly not "
                             "drug-related').")
    assert "lamotrigine label" not in lines[0]


def test_sjs_ten_on_carbamazepine_stops_it_now_and_for_good(kb):
    """SJS/TEN on carbamazepine, still taken: stop it now and do not restart it, with no
    'if it may be drug-related and is recent' and no taper as the otherwise-branch; the
    carbamazepine label's own SJS/TEN sentence is cited (review X M1, X C3)."""
    res = _boy(kb, "sjs_ten")
    top = res.regimens[0]
    lines = _lines(res)
    assert lines[0] == (
        "SJS/TEN attributed to carbamazepine is recorded: stop carbamazepine now and do not "
        "restart it; decide seizure cover while the new drug is titrated, with the specialist "
        "today (the carbamazepine label: 'If signs or symptoms suggest SJS/TEN, use of this "
        "drug should not be resumed and alternative therapy should be considered').")
    assert "withdraw carbamazepine: stop it now and do not restart it (with the specialist, "\
        "and seizure cover)" in lines
    assert not any("may be drug-related" in line or "otherwise taper" in line
                   for line in lines), lines
    assert "lamotrigine label" not in " ".join(lines)
    step = next(s for s in top.transition.steps if s.action == "withdraw")
    assert step.stop_now_only and "FDA-label-tegretol" in step.evidence
    first = res.summary.top_regimen.first_step
    assert "stop carbamazepine now and do not restart it (see the plan)" in first
    assert "may be drug-related" not in first
    assert "Requires stopping carbamazepine now, not tapered (see the transition plan)." \
        in top.warnings
    assert not any("Requires withdrawing carbamazepine" in w for w in top.warnings)


def test_another_reaction_keeps_the_cross_taper(kb):
    """HLA-A*31:01 negative: a carrier taking carbamazepine for 1.2 months would have its
    taper start now for the HLA result itself (review AA AA-H1)."""
    res = _boy(kb, "hyponatraemia", hla_a="negative")
    top = res.regimens[0]
    lines = transition_lines(top.transition, {d.drug: d for d in res.doses})
    assert any(line.startswith("Add and titrate the new drug(s) first") for line in lines)
    assert not any("stop it now" in line for line in lines)


def test_a_rash_on_lamotrigine_beside_valproate_stops_lamotrigine_alone(kb):
    """A rash with fever at week 4 of lamotrigine added to valproate: lamotrigine is stopped
    now, valproate is tapered after the new drug; no 'withdraw valproate and lamotrigine one
    at a time', and no lamotrigine change as valproate goes (review X H2)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 22, "weight_kg": 72, "sex": "male",
        "seizure_types": ["generalized_tonic_clonic"],
        "medication_history": [
            {"drug": "valproate", "outcome": "inefficacy", "adequate": True,
             "duration_months": 24},
            {"drug": "lamotrigine", "outcome": "intolerance", "adequate": False,
             "duration_months": 1}],
        "adverse_reactions": [{"drug": "lamotrigine", "reaction": "hypersensitivity_rash"}],
        "current_medications": ["valproate", "lamotrigine"],
        "candidate_drugs": ["levetiracetam"]}))
    top = res.regimens[0]
    lines = _lines(res)
    # a mild rash keeps the conditional wording, citing the lamotrigine label itself
    assert lines[0] == (
        "A hypersensitivity rash with lamotrigine is recorded: do not keep lamotrigine until "
        "the new drug reaches a therapeutic dose. If the rash may be drug-related and is "
        "recent, stop it now and decide seizure cover while the new drug is titrated, with the "
        "specialist today (the lamotrigine label: 'LAMICTAL should be discontinued at the "
        "first sign of rash, unless the rash is clearly not drug-related').")
    assert "Add and titrate the new drug(s) first; start tapering valproate once" in lines[1]
    assert not any("one at a time" in line for line in lines), lines
    assert not any(line.startswith("lamotrigine levels") or "lamotrigine may need" in line
                   for line in lines), lines
    assert any(line.startswith("withdraw lamotrigine: stop it now if the recorded "
                               "hypersensitivity rash may be drug-related and is recent (with "
                               "the specialist, and seizure cover); otherwise taper over")
               for line in lines), lines
    step = next(s for s in top.transition.steps
                if s.action == "withdraw" and s.drug == "lamotrigine")
    assert not step.stop_now_only
    assert "stop lamotrigine now if the recorded hypersensitivity reaction may be " \
        "drug-related and is recent" in res.summary.top_regimen.first_step


def test_a_new_drug_is_not_dosed_as_if_the_stopped_inducer_were_taken(kb):
    """DRESS on phenytoin at 80: phenytoin stops now, so lamotrigine starts on its schedule
    without an inducer (25 mg/day), not 50 mg/day, and its target is not the inducer range
    (review X H3): it is the dose row's, which is the label's dose without phenytoin too
    (review Y H3)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 80, "weight_kg": 55, "sex": "female", "seizure_types": ["focal"],
        "medication_history": [{"drug": "phenytoin", "outcome": "intolerance",
                                "adequate": False, "duration_months": 1.2}],
        "adverse_reactions": [{"drug": "phenytoin", "reaction": "dress"}],
        "current_medications": ["phenytoin"], "candidate_drugs": ["lamotrigine"]}))
    reg = next(r for r in res.regimens if r.drugs == ["lamotrigine"])
    step = next(s for s in reg.transition.steps if s.action == "add")
    assert step.schedule[0].daily_mg == 25, step.schedule
    dose = next(d for d in res.doses if d.drug == "lamotrigine")
    assert step.target_daily_mg == dose.recommended_daily_mg == [225, 375]
    assert step.target_text is None and dose.start_daily_mg == 25
    lines = _lines(res, reg)
    line = next(x for x in lines if x.startswith("add lamotrigine"))
    assert "300–500" not in line and "target 225–375 mg/day" in line
    # DRESS: stop phenytoin now and do not restart it, citing the phenytoin label (review X
    # M1, X C3), with no taper after it
    assert lines[0] == (
        "DRESS attributed to phenytoin is recorded: stop phenytoin now and do not restart it; "
        "decide seizure cover while the new drug is titrated, with the specialist today (the "
        "phenytoin label: contraindicated with 'A history of hypersensitivity to phenytoin, its "
        "inactive ingredients, or other hydantoins').")
    assert "withdraw phenytoin: stop it now and do not restart it (with the specialist, and " \
        "seizure cover)" in lines
    assert not any("may be drug-related" in x or "taper over" in x or "lamotrigine label" in x
                   for x in lines), lines


def test_a_reaction_without_a_quoted_label_cites_none(kb):
    """DRESS on carbamazepine: the knowledge base quotes no carbamazepine DRESS statement, so
    the line cites no label at all (not another drug's); angioedema keeps the conditional
    wording (no label quoted says 'do not resume' after it)."""
    lines = _lines(_boy(kb, "dress"))
    assert lines[0] == (
        "DRESS attributed to carbamazepine is recorded: stop carbamazepine now and do not "
        "restart it; decide seizure cover while the new drug is titrated, with the specialist "
        "today.")
    lines = _lines(_boy(kb, "angioedema"))
    assert lines[0] == (
        "Angioedema with carbamazepine is recorded: do not keep carbamazepine until the new "
        "drug reaches a therapeutic dose. If the angioedema may be drug-related and is recent, "
        "stop it now and decide seizure cover while the new drug is titrated, with the "
        "specialist today.")
    assert any(x.startswith("withdraw carbamazepine: stop it now if the recorded angioedema "
                            "may be drug-related and is recent") for x in lines), lines


def test_the_most_severe_of_two_reactions_decides(kb):
    """A rash and then SJS/TEN recorded to the same drug: the SJS/TEN wording."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 15, "weight_kg": 58, "sex": "male",
        "seizure_types": ["focal"],
        "adverse_reactions": [{"drug": "carbamazepine", "reaction": "hypersensitivity_rash"},
                              {"drug": "Tegretol", "reaction": "sjs_ten"}],
        "current_medications": ["carbamazepine"], "candidate_drugs": ["levetiracetam"]}))
    assert _lines(res)[0].startswith("SJS/TEN attributed to carbamazepine is recorded: stop "
                                     "carbamazepine now and do not restart it")


def _on_two(kb, reaction: str):
    """Levetiracetam and carbamazepine, neither failed: continuing levetiracetam alone (no
    new drug) ranks first."""
    return consult(kb, validate_patient(kb, {
        "age_years": 40, "weight_kg": 60, "sex": "female", "seizure_types": ["focal"],
        "medication_history": [
            {"drug": "levetiracetam", "outcome": "ongoing", "adequate": True,
             "duration_months": 24},
            {"drug": "carbamazepine", "outcome": "ongoing", "adequate": True,
             "duration_months": 12}],
        "adverse_reactions": [{"drug": "carbamazepine", "reaction": reaction}],
        "current_medications": ["levetiracetam", "carbamazepine"]}))


def test_without_a_new_drug_the_plan_names_none(kb):
    """No drug is started (levetiracetam continued): no 'while the new drug is titrated' or
    'until the new drug reaches a therapeutic dose', and the summary says to stop the drug
    now, not to withdraw it over its taper."""
    res = _on_two(kb, "sjs_ten")
    top = res.regimens[0]
    assert top.kind == "continue" and top.drugs == ["levetiracetam"]
    lines = _lines(res)
    assert lines[0] == (
        "SJS/TEN attributed to carbamazepine is recorded: stop carbamazepine now and do not "
        "restart it; decide seizure cover with the specialist today (the carbamazepine label: "
        "'If signs or symptoms suggest SJS/TEN, use of this drug should not be resumed and "
        "alternative therapy should be considered').")
    assert res.summary.top_regimen.first_step == ("stop carbamazepine now and do not restart "
                                                  "it (see the plan)")
    res = _on_two(kb, "hypersensitivity_rash")
    lines = _lines(res)
    assert lines[0].startswith(
        "A hypersensitivity rash with carbamazepine is recorded: if the rash may be "
        "drug-related and is recent, stop carbamazepine now instead of tapering it; decide "
        "seizure cover with the specialist today (the carbamazepine label: ")
    assert not any("new drug" in line for line in lines), lines
    assert res.summary.top_regimen.first_step == (
        "stop carbamazepine now if the recorded hypersensitivity reaction may be drug-related "
        "and is recent, otherwise withdraw it over 3–6 weeks (see the plan)")


def test_every_reaction_that_ends_tolerance_has_the_plans_words(kb):
    """The plan stops a drug after each reaction that ends its tolerance (dre.yaml), and
    names it in words: one list, in the knowledge base, with words for each."""
    assert set(kb.dre.definition.tolerance_ended_by) == set(REACTION_WORDS)


def test_every_quoted_label_statement_is_the_drugs_own(kb):
    """A label statement on stopping a drug after a reaction names that drug's label, and is
    for a reaction that stops the drug now (review X C3)."""
    quoted = 0
    for name, drug in kb.drugs.items():
        wd = drug.dosing.withdrawal
        for stop in wd.after_reaction if wd else []:
            quoted += 1
            assert stop.text.startswith(f"the {name} label"), (name, stop.text)
            assert set(stop.reactions) <= set(kb.dre.definition.tolerance_ended_by), (
                name, stop.reactions)
    assert quoted >= 4


def test_dose_rows_of_drugs_started_now_are_without_the_inducer_stopped(kb):
    """A rash on carbamazepine (withdrawn, stopped now if drug-related and recent): the
    lamotrigine and tiagabine rows of drugs started now are the labels' doses without
    carbamazepine, and say so (review Y H3); without a recorded reaction they are the doses
    with it, and say nothing of it."""
    from advisor.consult import consult
    from advisor.inputs.patient import validate_patient

    def doses(reactions, current=("carbamazepine",)):
        res = consult(kb, validate_patient(kb, {
            "age_years": 38, "weight_kg": 80, "sex": "male", "seizure_types": ["focal"],
            "medication_history": [{"drug": "carbamazepine", "outcome": "intolerance",
                                    "duration_months": 0.75}],
            "adverse_reactions": reactions, "current_medications": list(current),
            "candidate_drugs": ["lamotrigine", "tiagabine", "levetiracetam"]}))
        return {d.drug: d for d in res.doses}

    def said(dose):
        return " ".join(dose.basis)

    without = ("carbamazepine is to be withdrawn for a recorded hypersensitivity reaction "
               "(stopped now if it may be drug-related and is recent, otherwise tapered: see "
               "the plan): this is the label's dose without carbamazepine")
    rash = doses([{"drug": "carbamazepine", "reaction": "hypersensitivity_rash"}])
    assert rash["lamotrigine"].recommended_daily_mg == [225, 375]
    assert rash["tiagabine"].recommended_daily_mg == [15, 30]
    assert without in said(rash["lamotrigine"]) and without in said(rash["tiagabine"])
    assert "carbamazepine" not in said(rash["levetiracetam"])  # not dosed by carbamazepine
    kept = doses([])
    assert kept["lamotrigine"].recommended_daily_mg == [300, 500]
    assert kept["tiagabine"].recommended_daily_mg == [32, 56]
    assert not any("to be withdrawn" in said(d) or "stopped now" in said(d)
                   for d in kept.values())
    # after SJS/TEN the plan stops it now without condition, and the row says so (review Z R4)
    sjs = doses([{"drug": "carbamazepine", "reaction": "sjs_ten"}])
    assert "carbamazepine is to be stopped now (a recorded SJS/TEN or DRESS: see the plan): " \
        "this is the label's dose without carbamazepine" in said(sjs["lamotrigine"])
    # valproate is no inducer: without it lamotrigine's dose is higher, so a drug started
    # now keeps the valproate band while valproate is taken, and the row says so
    valproate = doses([{"drug": "valproate", "reaction": "hypersensitivity_rash"}],
                      ("carbamazepine", "valproate"))
    assert valproate["lamotrigine"].recommended_daily_mg == [100, 400]
    assert "this dose is the label's with valproate, and holds only while it is taken" \
        in said(valproate["lamotrigine"])


def test_a_dose_without_the_stopped_inducer_is_never_higher(kb):
    """The maintenance dose of a drug started now, without an inducer stopped for a rash, is
    never above the label's dose with it (so it is not too high while a tapered inducer is
    still taken), nor its start where both come from one label: every drug whose bands name
    an inducer, at three ages (review Y H3). (Tiagabine's start is not compared: 5 mg/day
    without an inducer is the UK label's, as tiagabine base; 4 mg/day with one is the US
    label's, as the hydrochloride.)"""
    from advisor.dosing import stopped_inducers

    inducers = set(stopped_inducers(kb, kb.drugs))
    banded = sorted(d for d, drug in kb.drugs.items() if drug.dosing.banded & inducers)
    assert {"lamotrigine", "tiagabine", "perampanel"} <= set(banded)

    def doses(age, weight, inducer, reactions):
        res = consult(kb, validate_patient(kb, {
            "age_years": age, "weight_kg": weight, "sex": "female",
            "seizure_types": ["focal"], "adverse_reactions": reactions,
            "current_medications": [inducer], "candidate_drugs": banded}))
        return {d.drug: d for d in res.doses}

    compared = 0
    for age, weight in ((8, 25), (15, 55), (38, 80)):
        for inducer in sorted(inducers & {"carbamazepine", "phenytoin", "phenobarbital"}):
            rash = doses(age, weight, inducer,
                         [{"drug": inducer, "reaction": "hypersensitivity_rash"}])
            kept = doses(age, weight, inducer, [])
            for drug in set(banded) & set(rash) & set(kept) - {inducer}:
                now, was = rash[drug], kept[drug]
                if now.recommended_daily_mg and was.recommended_daily_mg:
                    compared += 1
                    assert now.recommended_daily_mg[1] <= was.recommended_daily_mg[1], \
                        (age, inducer, drug, now.recommended_daily_mg)
                if None not in (now.start_daily_mg, was.start_daily_mg,
                                was.adjustment_percent):
                    assert now.start_daily_mg <= was.start_daily_mg, (age, inducer, drug)
    assert compared >= 15
