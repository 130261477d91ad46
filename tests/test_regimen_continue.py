"""The continue row: a drug kept while a long-term co-medication it must not be taken with
is on the list (carbamazepine with apixaban) says that the co-medication must change for it
to continue (review V H2); a drug taken alone that NICE names only as add-on is not
continued first then (phenytoin with apixaban)."""

from __future__ import annotations

from advisor.consult import consult
from advisor.frame import frame_from_patients
from advisor.inputs.patient import validate_patient
from advisor.regimens import suggest
from advisor.rules import evaluate


def _regimens(kb, drug: str, *others: str):
    return consult(kb, validate_patient(kb, {
        "age_years": 70, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
        "current_medications": [drug, *others]})).regimens


def test_a_continued_drug_to_avoid_with_a_co_medication_says_so(kb):
    regimens = _regimens(kb, "carbamazepine", "apixaban")
    first = regimens[0]
    assert first.kind == "continue" and first.drugs == ["carbamazepine"]
    assert any(w.startswith("carbamazepine is not to be taken with apixaban (see the flag): "
                            "continue carbamazepine only if apixaban is changed") for w in
               first.warnings), first.warnings
    assert any(r.kind == "substitution" for r in regimens[1:])


def test_an_add_on_only_drug_with_such_a_co_medication_is_not_continued_first(kb):
    with_apixaban = _regimens(kb, "phenytoin", "apixaban")
    assert with_apixaban[0].kind != "continue", [(r.drugs, r.kind) for r in with_apixaban]
    assert not any(r.drugs == ["phenytoin"] for r in with_apixaban)
    alone = _regimens(kb, "phenytoin")
    assert alone[0].kind == "continue" and alone[0].drugs == ["phenytoin"]
    assert not any("not to be taken with" in w for w in alone[0].warnings)


def test_a_high_severity_caution_with_a_co_medication_keeps_the_switch_first(kb):
    """Phenytoin alone with efavirenz (a high-severity caution: virological failure): the
    substitution stays first (review V H2); with warfarin (managed by monitoring) phenytoin
    is continued first."""
    with_efavirenz = _regimens(kb, "phenytoin", "efavirenz")
    assert with_efavirenz[0].kind == "substitution", [(r.drugs, r.kind) for r in with_efavirenz]
    with_warfarin = _regimens(kb, "phenytoin", "warfarin")
    assert with_warfarin[0].kind == "continue" and with_warfarin[0].drugs == ["phenytoin"]


def test_a_drug_the_guideline_places_first_line_here_is_continued_alone(kb):
    """A boy of 3 with tuberous sclerosis, focal seizures and epileptic spasms, on vigabatrin
    that has not failed: the label's focal dose is add-on only, but NICE places vigabatrin
    first line for his spasms, so continuing it comes first and says why (review V H4)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 3, "weight_kg": 14, "sex": "male", "syndrome": "tuberous_sclerosis_complex",
        "seizure_types": ["focal", "epileptic_spasms"],
        "medication_history": [{"drug": "vigabatrin", "outcome": "ongoing", "adequate": True,
                                "duration_months": 30}],
        "current_medications": ["vigabatrin"]}))
    first = res.regimens[0]
    assert first.kind == "continue" and first.drugs == ["vigabatrin"]
    assert any("places vigabatrin first line for epileptic (infantile) spasms" in r
               for r in first.rationale), first.rationale


def test_a_drug_with_a_recorded_serious_reaction_is_not_continued_first(kb):
    """A man of 78 on oxcarbazepine with symptomatic hyponatraemia recorded as a reaction to
    it: a switch comes first, not 'continue oxcarbazepine ... optimise the dose' (review W
    H3); without the reaction, continuing comes first."""
    def regimens(reactions: list[dict]):
        return consult(kb, validate_patient(kb, {
            "age_years": 78, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
            "medication_history": [{"drug": "oxcarbazepine", "outcome": "ongoing",
                                    "adequate": True, "duration_months": 36}],
            "adverse_reactions": reactions,
            "current_medications": ["oxcarbazepine"]})).regimens

    reacted = regimens([{"drug": "oxcarbazepine", "reaction": "hyponatraemia"}])
    assert reacted[0].kind != "continue", [(r.drugs, r.kind) for r in reacted]
    assert not any(r.kind == "continue" for r in reacted)
    assert regimens([])[0].kind == "continue"


def test_seizure_free_on_valproate_a_girl_gets_options_for_the_review(kb):
    """A girl of 15 with JME, seizure-free 14 months on valproate: valproate is kept first
    while its reproductive risks are reviewed, and the options after it withdraw valproate
    (no add-on to it), each saying that a change is her specialist's review (review W M3:
    'no alternatives are ranked'); a boy the same is only continued."""
    def regimens(sex: str):
        return consult(kb, validate_patient(kb, {
            "age_years": 15, "weight_kg": 52, "sex": sex, "syndrome": "juvenile_myoclonic",
            "seizure_types": ["myoclonic", "generalized_tonic_clonic"],
            "medication_history": [{"drug": "valproate", "outcome": "seizure_free",
                                    "adequate": True, "duration_months": 30,
                                    "seizure_free_months": 14}],
            "current_medications": ["valproate"]})).regimens

    girl = regimens("female")
    assert girl[0].kind == "continue" and girl[0].drugs == ["valproate"]
    assert "while its reproductive risks are reviewed with her specialist" in \
        girl[0].rationale[0]
    options = girl[1:]
    assert options and all("valproate" not in r.drugs for r in options)
    assert all(r.rationale[0].startswith("Seizure-free for 14 months on valproate: valproate "
                                         "carries high-severity reproductive cautions")
               for r in options)
    boy = regimens("male")
    assert [r.kind for r in boy] == ["continue"]


def test_seizure_free_with_a_serious_reaction_recorded_gets_options(kb):
    """Seizure-free 18 months on carbamazepine, now sodium 121 with confusion, recorded as a
    reaction: not 'no change is suggested' but options, saying why (review X H1)."""
    regimens = consult(kb, validate_patient(kb, {
        "age_years": 72, "weight_kg": 74, "sex": "male", "seizure_types": ["focal"],
        "medication_history": [{"drug": "carbamazepine", "outcome": "seizure_free",
                                "adequate": True, "duration_months": 24,
                                "seizure_free_months": 18}],
        "adverse_reactions": [{"drug": "carbamazepine", "reaction": "hyponatraemia"}],
        "current_medications": ["carbamazepine"]})).regimens
    assert regimens[0].kind == "substitution", [(r.drugs, r.kind) for r in regimens]
    assert regimens[0].rationale[0].startswith(
        "Seizure-free for 18 months on carbamazepine: a change is shown because a serious "
        "reaction to carbamazepine is recorded")


def test_a_co_medication_that_changes_the_level_is_said_in_the_continue_row(kb):
    """Phenytoin continued beside new amiodarone (which raises its level): the dose is
    adjusted by level and effect, not raised within the label's range (review W M2); a
    pharmacodynamic interaction (amiodarone with lacosamide: PR interval) is no such case."""
    first = _regimens(kb, "phenytoin", "amiodarone", "warfarin")[0]
    assert first.kind == "continue" and first.drugs == ["phenytoin"]
    text = " ".join(first.rationale)
    assert ("amiodarone changes phenytoin levels (see the flag): adjust phenytoin by its "
            "level and effect, not by the label's range alone") in text, text
    assert "warfarin changes" not in text  # that flag falls on warfarin, not on phenytoin
    alone = " ".join(_regimens(kb, "phenytoin")[0].rationale)
    assert "changes phenytoin levels" not in alone
    lacosamide = _regimens(kb, "lacosamide", "amiodarone")[0]
    assert lacosamide.kind == "continue"
    assert "changes lacosamide levels" not in " ".join(lacosamide.rationale)


def _after_lamotrigine_dress(kb, phenytoin_months: float):
    return consult(kb, validate_patient(kb, {
        "age_years": 40, "weight_kg": 90, "sex": "male",
        "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"],
        "medication_history": [
            {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
             "duration_months": 12},
            {"drug": "lamotrigine", "outcome": "intolerance", "duration_months": 1},
            {"drug": "phenytoin", "outcome": "ongoing", "duration_months": phenytoin_months}],
        "adverse_reactions": [{"drug": "lamotrigine", "reaction": "dress"}],
        "current_medications": ["phenytoin", "levetiracetam"]})).regimens


def test_an_aromatic_drug_started_weeks_after_dress_is_not_continued_first(kb):
    """Phenytoin at week 6 after DRESS with lamotrigine (cross-sensitivity, a high-severity
    caution): still inside the window in which such reactions start, so 'continue phenytoin,
    withdraw levetiracetam' is not first (review Y H2); after 2 years it is tolerated."""
    early = _after_lamotrigine_dress(kb, 1.5)
    assert early[0].kind != "continue", [(r.kind, r.drugs) for r in early]
    assert not any(r.kind == "continue" for r in early)
    assert "phenytoin is recorded as taken for less than 3 months with a high-severity " \
        "caution from a past reaction to another drug" in " ".join(early[0].rationale)
    tolerated = _after_lamotrigine_dress(kb, 24)
    assert tolerated[0].kind == "continue" and tolerated[0].drugs == ["phenytoin"]


def test_seizure_free_on_phenytoin_beside_apixaban_gets_options_that_say_why(kb):
    """Seizure-free for 4 years on phenytoin, with apixaban (an 'avoid' combination whose
    flag falls on apixaban, which it advises changing): phenytoin is kept first on condition
    that apixaban changes, with options in case it cannot; not 'no change is suggested'
    (review Y M1)."""
    def regimens(*others):
        return consult(kb, validate_patient(kb, {
            "age_years": 70, "weight_kg": 84, "sex": "male", "seizure_types": ["focal"],
            "medication_history": [{"drug": "phenytoin", "outcome": "seizure_free",
                                    "adequate": True, "duration_months": 60,
                                    "seizure_free_months": 48}],
            "current_medications": ["phenytoin", *others]})).regimens

    with_apixaban = regimens("apixaban")
    first, options = with_apixaban[0], with_apixaban[1:]
    summary = consult(kb, validate_patient(kb, {
        "age_years": 70, "weight_kg": 84, "sex": "male", "seizure_types": ["focal"],
        "medication_history": [{"drug": "phenytoin", "outcome": "seizure_free",
                                "adequate": True, "duration_months": 60,
                                "seizure_free_months": 48}],
        "current_medications": ["phenytoin", "apixaban"]})).summary
    assert "continue phenytoin only if apixaban is changed, as the flag advises (see the top " \
        "regimen)" in (summary.top_regimen.caveats or [])  # review Z Z02
    assert (first.kind, first.drugs) == ("continue", ["phenytoin"])
    assert "Continue phenytoin only if apixaban is changed, as the flag advises (with its " \
        "prescriber); the options below replace phenytoin if apixaban cannot change." \
        in first.rationale[0]
    assert options and all("phenytoin" not in r.drugs for r in options)
    assert all("a change is suggested only because of the 'avoid' interaction of phenytoin "
               "with apixaban" in r.rationale[0] for r in options)
    alone = regimens()
    assert [(r.kind, r.drugs) for r in alone] == [("continue", ["phenytoin"])]
    assert "no change is suggested" in " ".join(alone[0].rationale)


def test_under_a_continue_row_no_option_below_zero_is_shown(kb):
    """A 9-month-old with tuberous sclerosis on vigabatrin for 3 weeks (no weight): the
    continue row stands; a valproate switch scoring below zero (under 2 years, boxed
    hepatotoxicity) is not listed under it as 'the least unfavourable' (review Y M14)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 0.75, "sex": "female", "syndrome": "tuberous_sclerosis_complex",
        "seizure_types": ["epileptic_spasms"],
        "medication_history": [{"drug": "vigabatrin", "outcome": "ongoing",
                                "duration_months": 0.75}],
        "current_medications": ["vigabatrin"]}))
    assert res.regimens[0].kind == "continue"
    assert all(r.score > 0 for r in res.regimens[1:])
    assert not any("least unfavourable" in w for r in res.regimens for w in r.warnings)



def _planning(kb):
    """A woman planning a pregnancy on topiramate (to avoid) and carbamazepine (teratogenic),
    levetiracetam failed (review AA M5)."""
    return validate_patient(kb, {
        "age_years": 29, "weight_kg": 68, "sex": "female", "pregnancy": "planning",
        "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"],
        "medication_history": [
            {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
             "duration_months": 12},
            {"drug": "carbamazepine", "outcome": "ongoing", "adequate": True,
             "duration_months": 36},
            {"drug": "topiramate", "outcome": "ongoing", "adequate": True,
             "duration_months": 24}],
        "current_medications": ["carbamazepine", "topiramate"],
        "longest_pretreatment_interval_days": 30})


def test_a_continued_teratogen_ranks_below_an_alternative_when_she_plans_a_pregnancy(kb):
    """Planning a pregnancy: 'continue carbamazepine' (whose row warns 'prefer an
    alternative') comes below lamotrigine, saying why."""
    res = consult(kb, _planning(kb))
    first, second = res.regimens[:2]
    assert (first.kind, first.drugs) == ("substitution", ["lamotrigine"])
    assert (second.kind, second.drugs) == ("continue", ["carbamazepine"])
    assert ("Ranked below lamotrigine: carbamazepine is teratogenic and the patient is "
            "planning a pregnancy, so an option without that risk comes first (its warning: "
            "prefer an alternative); continuing carbamazepine is for discussion with her."
            ) in second.rationale[0]
    assert not second.caveats


def test_a_continued_teratogen_that_leads_carries_its_caution_into_the_summary(kb):
    """With no alternative without a teratogen to rank above it, the continue row leads and
    carries its 'prefer an alternative' into the summary's caution (review AA M5)."""
    patient = _planning(kb)
    flags = evaluate(kb, frame_from_patients(kb, [patient]))
    drugs = ["carbamazepine", "topiramate", "phenytoin"]
    regimens = suggest(kb, patient, flags, drugs, dose_status=dict.fromkeys(drugs, "dosed"),
                       drug_resistant=False, counted_failures=1)
    assert (regimens[0].kind, regimens[0].drugs) == ("continue", ["carbamazepine"])
    assert regimens[0].caveats == [
        "carbamazepine is teratogenic and the patient is planning a pregnancy: prefer an "
        "alternative (see the regimens ranked below it); continue carbamazepine only after "
        "discussing them with her."]
