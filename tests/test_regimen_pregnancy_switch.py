"""A pregnant patient whose non-teratogenic drug has not failed: every regimen that switches
away from it is marked down and says to adjust its dose first, and every regimen that adds a
drug to it says so too; a failed drug, or a patient who is not pregnant, is not."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient

SWITCH = "Switching from lamotrigine during pregnancy"
ADD = "Adding a drug during pregnancy, although lamotrigine has not failed"


def _regimens(kb, **changes):
    data = {"age_years": 31, "weight_kg": 70, "sex": "female", "seizure_types": ["focal"],
            "pregnancy": "pregnant", "current_medications": ["lamotrigine"],
            "medication_history": [{"drug": "lamotrigine", "outcome": "ongoing",
                                    "adequate": True, "duration_months": 24}],
            "candidate_drugs": ["levetiracetam", "zonisamide"], **changes}
    return consult(kb, validate_patient(kb, data)).regimens


def test_switches_are_marked_down_and_say_why(kb):
    regimens = _regimens(kb)
    switches = [r for r in regimens if "lamotrigine" not in r.drugs]
    assert switches and all(any(SWITCH in w for w in r.warnings) for r in switches)
    assert regimens[0].kind != "substitution"
    assert not any(SWITCH in w for r in regimens if "lamotrigine" in r.drugs
                   for w in r.warnings)


def test_a_failed_drug_or_no_pregnancy_is_not_marked(kb):
    failed = _regimens(kb, medication_history=[{"drug": "lamotrigine", "outcome": "inefficacy",
                                                "adequate": True, "duration_months": 24}])
    not_pregnant = _regimens(kb, pregnancy="not_pregnant")
    for regimens in (failed, not_pregnant):
        assert not any(SWITCH in w for r in regimens for w in r.warnings)


def test_add_ons_say_to_adjust_the_working_drug_first(kb):
    """Before, the add-ons that rank first (switches being marked down) said only that NICE
    prefers monotherapy: now each says to adjust lamotrigine by its level first."""
    regimens = _regimens(kb)
    add_ons = [r for r in regimens if r.kind == "add-on"]
    assert add_ons and all(any(ADD in w for w in r.warnings) for r in add_ons)
    for regimens in (_regimens(kb, pregnancy="not_pregnant"), _regimens(
            kb, medication_history=[{"drug": "lamotrigine", "outcome": "inefficacy",
                                     "adequate": True, "duration_months": 24}])):
        assert not any(ADD in w for r in regimens for w in r.warnings)


def test_a_seizure_free_woman_on_valproate_is_not_sent_to_an_interacting_drugs_prescriber(kb):
    """Pregnant and seizure-free on valproate: valproate is replaced for a reproductive
    reason, not an interaction, so no regimen speaks of 'the prescriber of' another drug
    (the note for an interaction-only switch must not reach her)."""
    regimens = _regimens(kb, current_medications=["valproate"], candidate_drugs=[],
                         seizure_types=["generalized_tonic_clonic"], medication_history=[
                             {"drug": "valproate", "outcome": "seizure_free",
                              "seizure_free_months": 24, "adequate": True,
                              "duration_months": 36}])
    assert regimens and all("valproate" not in r.drugs for r in regimens)
    assert not any("prescriber of" in text for r in regimens for text in r.rationale)


def test_valproate_first_line_for_her_syndrome_is_continued_until_the_specialist_review(kb):
    """Pregnant, Dravet syndrome, on valproate and clobazam: the first regimen keeps them and
    says that the urgent specialist review decides any change; a regimen that withdraws
    valproate says a switch is the specialist's decision, not a routine plan (review S H1)."""
    regimens = consult(kb, validate_patient(kb, {
        "age_years": 22, "weight_kg": 54, "sex": "female", "pregnancy": "pregnant",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic"], "syndrome": "dravet",
        "current_medications": ["valproate", "clobazam"],
        "medication_history": [{"drug": "topiramate", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 12}]})).regimens
    first = regimens[0]
    assert first.kind == "continue" and set(first.drugs) == {"valproate", "clobazam"}
    assert any("she is pregnant, so it is continued until the urgent specialist review its "
               "caution asks for, which decides whether it changes" in why
               for why in first.rationale)
    assert not any("pregnancy-prevention measures" in why for why in first.rationale)
    assert not any("Pregnant: a switch" in w for w in first.warnings)
    switched = [r for r in consult(kb, validate_patient(kb, {
        "age_years": 28, "weight_kg": 64, "sex": "female", "pregnancy": "pregnant",
        "seizure_types": ["generalized_tonic_clonic"],
        "current_medications": ["valproate"]})).regimens if "valproate" not in r.drugs]
    said = ("Pregnant: a switch from valproate is her specialist's decision after urgent "
            "review, not a routine plan; never stop valproate abruptly (see its flag).")
    assert switched and all(said in r.warnings for r in switched)


def test_valproate_taken_in_pregnancy_has_no_advisor_dose(kb):
    """Pregnant and taking valproate: no dose, start or restart from the advisor, the dose row
    says why, and the continue row does not ask to optimise its dose (review T H1: the full
    1000-2000 mg/day and 'optimise the doses' were shown)."""
    res = consult(kb, validate_patient(kb, {
        "age_years": 22, "weight_kg": 54, "sex": "female", "pregnancy": "pregnant",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic"], "syndrome": "dravet",
        "current_medications": ["valproate", "clobazam"]}))
    dose = next(d for d in res.doses if d.drug == "valproate")
    assert dose.status == "specialist_dose" and dose.recommended_daily_mg is None
    assert dose.start_daily_mg is None
    assert dose.basis[0].startswith("no dose from the advisor: Pregnant and taking valproate")
    assert not any("if restarted" in b for b in dose.basis)
    first = res.regimens[0]
    assert first.kind == "continue"
    assert any("do not raise the dose of valproate: it is the specialist's" in why
               and "optimise the dose of clobazam" in why for why in first.rationale)
    assert not any("optimise the doses" in why for why in first.rationale)


def test_an_add_on_to_valproate_in_pregnancy_says_the_baby_is_exposed_to_both(kb):
    """Pregnant and on valproate: every add-on that keeps valproate says that the baby is
    exposed to both and that the specialist decides (review T M3: 'valproate + lamotrigine'
    was offered without it)."""
    def regimens(failed: bool):
        return consult(kb, validate_patient(kb, {
            "age_years": 22, "weight_kg": 54, "sex": "female", "pregnancy": "pregnant",
            "seizure_types": ["generalized_tonic_clonic", "myoclonic"], "syndrome": "dravet",
            "current_medications": ["valproate", "clobazam"],
            "medication_history": [{"drug": d, "outcome": "inefficacy", "adequate": True,
                                    "duration_months": 12} for d in ("valproate", "clobazam")]
            if failed else []})).regimens

    said = ("Pregnant: adding a drug to valproate exposes the baby to both; whether valproate "
            "continues, and with what, is her specialist's decision after urgent review (see "
            "its flag).")
    # both failed: an add-on keeping valproate (kept in Dravet syndrome) is the one shown
    shown = regimens(failed=True)
    add_ons = [r for r in shown if r.kind == "add-on" and "valproate" in r.drugs]
    assert add_ons and all(said in r.warnings for r in add_ons)
    # neither failed: the continue row stands alone (no option above 0), without the warning,
    # saying that the next step is the specialist's (review Z R3)
    kept = regimens(failed=False)
    assert [r.kind for r in kept] == ["continue"]
    assert said not in kept[0].warnings
    assert "No other option scores above 0 for this patient" in kept[0].rationale[0]


def test_continued_drugs_whose_levels_fall_are_dosed_by_level_not_by_the_label(kb):
    """Pregnant on lamotrigine and clobazam, neither failed: the continue row says to adjust
    lamotrigine by its level against her pre-pregnancy baseline, not by the label's range;
    not pregnant, the label's range
    (review U M3: 'optimise within the label's range' at 32 weeks on lamotrigine 400 mg)."""
    history = [{"drug": d, "outcome": "ongoing", "adequate": True, "duration_months": 24}
               for d in ("lamotrigine", "clobazam")]
    pregnant = _regimens(kb, current_medications=["lamotrigine", "clobazam"],
                         medication_history=history)
    first = pregnant[0]
    assert first.kind == "continue" and set(first.drugs) == {"lamotrigine", "clobazam"}
    why = first.rationale[0]
    assert "pregnant: adjust lamotrigine by the level against her pre-pregnancy baseline" in why
    assert "optimise the doses before any other change" in why
    not_pregnant = _regimens(kb, current_medications=["lamotrigine", "clobazam"],
                             medication_history=history, pregnancy="not_pregnant")
    assert "within the label's range" in not_pregnant[0].rationale[0]
    assert "pre-pregnancy" not in not_pregnant[0].rationale[0]


def test_a_continued_teratogen_in_pregnancy_is_not_to_be_raised(kb):
    """14 weeks pregnant on phenobarbital alone, not failed: the continue row does not ask to
    optimise its dose within the label's range but says not to raise it without her
    specialist, its malformation risk rising with the dose (review V M8)."""
    regimens = _regimens(kb, current_medications=["phenobarbital"],
                         medication_history=[{"drug": "phenobarbital", "outcome": "ongoing",
                                              "adequate": True, "duration_months": 36}],
                         candidate_drugs=["lamotrigine", "levetiracetam"])
    first = regimens[0]
    assert first.kind == "continue" and first.drugs == ["phenobarbital"]
    assert "do not raise the dose of phenobarbital" in first.rationale[0]
    assert "optimise" not in first.rationale[0]


def test_two_drugs_that_have_not_failed_read_as_two(kb):
    """On lamotrigine and levetiracetam, neither failed: 'neither lamotrigine nor
    levetiracetam has failed', not 'although lamotrigine, levetiracetam has not failed'
    (review Y C2); a switch from both: 'none of them has failed'."""
    two = [{"drug": d, "outcome": "ongoing", "adequate": True, "duration_months": 24}
           for d in ("lamotrigine", "levetiracetam")]
    regimens = _regimens(kb, current_medications=["lamotrigine", "levetiracetam"],
                         medication_history=two, candidate_drugs=["zonisamide"])
    warnings = [w for r in regimens for w in r.warnings]
    assert any("Adding a drug during pregnancy, although neither lamotrigine nor "
               "levetiracetam has failed" in w for w in warnings), warnings
    assert not any("lamotrigine, levetiracetam has not failed" in w for w in warnings)
    switches = [w for w in warnings if w.startswith("Switching from lamotrigine and "
                                                      "levetiracetam during pregnancy")]
    assert all("although none of them has failed or is a known teratogen" in w
               for w in switches)


def test_the_urgent_review_reason_fits_an_add_on_as_well_as_a_switch(kb):
    """Pregnant and seizure-free on valproate: the shared reason calls the options 'these
    options', not 'this switch', as add-ons are among them (review AA C2)."""
    regimens = consult(kb, validate_patient(kb, {
        "age_years": 24, "weight_kg": 60, "sex": "female", "pregnancy": "pregnant",
        "syndrome": "juvenile_myoclonic", "seizure_types": ["myoclonic",
                                                            "generalized_tonic_clonic"],
        "medication_history": [
            {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
             "duration_months": 8},
            {"drug": "valproate", "outcome": "seizure_free", "adequate": True,
             "duration_months": 30, "seizure_free_months": 18}],
        "current_medications": ["valproate"]})).regimens
    assert any(r.kind == "add-on" for r in regimens)
    why = [w for r in regimens for w in r.rationale]
    assert any("These options are for that review, not a routine plan." in w for w in why)
    assert not any("This switch" in w for w in why)
