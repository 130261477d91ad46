"""Which regimens are shown: none scored at or below zero (unless nothing scores above it,
then the least unfavourable alone, saying so), and no substitution with a drug the
syndrome's guideline entry does not name when its next step is add-on treatment."""

from __future__ import annotations

from advisor.consult import consult
from advisor.inputs.patient import validate_patient


def _dravet(age: float, kg: float, current: list[str], history: list[dict]) -> dict:
    return {"id": "D", "age_years": age, "weight_kg": kg, "sex": "female",
            "syndrome": "dravet",
            "seizure_types": ["generalized_tonic_clonic", "myoclonic", "status_epilepticus"],
            "current_medications": current, "medication_history": history,
            "candidate_drugs": ["fenfluramine", "cannabidiol", "topiramate", "levetiracetam"]}


def test_no_regimen_scored_at_or_below_zero_is_shown(kb):
    """A child of 20 months with Dravet syndrome on valproate, clobazam and stiripentol: the
    substitutions that would withdraw all three (scored below zero) are not shown."""
    patient = validate_patient(kb, _dravet(1.67, 11, ["valproate", "clobazam", "stiripentol"], [
        {"drug": "valproate", "outcome": "inefficacy", "adequate": True, "duration_months": 6},
        {"drug": "clobazam", "outcome": "ongoing", "adequate": True, "duration_months": 4},
        {"drug": "stiripentol", "outcome": "ongoing", "adequate": True,
         "duration_months": 3}]))
    regimens = consult(kb, patient).regimens
    assert regimens and all(r.score > 0 for r in regimens), [(r.drugs, r.score)
                                                              for r in regimens]


def test_dravet_after_valproate_goes_on_by_add_on_not_by_an_unnamed_substitute(kb):
    """NG217 6.1.4: after valproate, add-on treatment (stiripentol with clobazam, ...). A
    child of 14 months whose valproate failed is not offered phenobarbital or primidone in
    its place (NG217 does not name them for Dravet syndrome)."""
    patient = validate_patient(kb, _dravet(1.2, 10, ["valproate"], [
        {"drug": "valproate", "outcome": "inefficacy", "adequate": True, "duration_months": 4}]))
    regimens = consult(kb, patient).regimens
    assert regimens
    assert all("valproate" in r.drugs for r in regimens), [r.drugs for r in regimens]


def test_an_asm_contraindicated_with_a_long_term_comedication_is_not_kept(kb):
    """Phenytoin with elvitegravir/cobicistat (Genvoya): the labels contraindicate the pair,
    and the flag falls on the antiretroviral; it counts for phenytoin in the ranking, so no
    regimen keeps phenytoin. A 5-day Paxlovid course does not move the ranking so."""
    def regimens(comedication: str) -> list[list[str]]:
        patient = validate_patient(kb, {
            "id": "H", "age_years": 50, "weight_kg": 80, "sex": "male",
            "seizure_types": ["focal"], "genotypes": {"CYP2C9": "*1/*1"},
            "current_medications": ["phenytoin", comedication],
            "medication_history": [{"drug": "lamotrigine", "outcome": "inefficacy",
                                    "adequate": True, "duration_months": 12}]})
        return [r.drugs for r in consult(kb, patient).regimens]

    assert not any("phenytoin" in drugs for drugs in regimens("Genvoya")), regimens("Genvoya")
    assert any("phenytoin" in drugs for drugs in regimens("Paxlovid"))


def test_rescue_medication_is_neither_kept_nor_withdrawn(kb):
    """Buccal midazolam (no maintenance dose at any age) beside levetiracetam: no regimen
    counts it as a maintenance drug, no plan withdraws it, and the plan says it stays."""
    patient = validate_patient(kb, {
        "id": "R", "age_years": 30, "weight_kg": 70, "sex": "male",
        "seizure_types": ["focal"], "current_medications": ["levetiracetam", "midazolam"],
        "medication_history": [{"drug": "levetiracetam", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 12}]})
    regimens = consult(kb, patient).regimens
    assert regimens
    for reg in regimens:
        assert "midazolam" not in reg.drugs
        assert not any(s.drug == "midazolam" for s in reg.transition.steps)
        assert ("Rescue treatment (midazolam) stays as prescribed: it is not part of the "
                "maintenance regimen.") in reg.transition.sequence


def test_primidone_is_not_offered_in_place_of_a_failed_phenobarbital(kb):
    """Primidone is converted to phenobarbital (Mysoline label): after an adequate trial of
    phenobarbital failed, primidone is not offered alone, and any regimen with it says why."""
    patient = validate_patient(kb, {
        "id": "P", "age_years": 40, "weight_kg": 70, "sex": "male",
        "seizure_types": ["focal"], "current_medications": ["phenobarbital"],
        "medication_history": [{"drug": "phenobarbital", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 6}],
        "candidate_drugs": ["primidone", "levetiracetam"]})
    regimens = consult(kb, patient).regimens
    assert regimens
    assert ["primidone"] not in [r.drugs for r in regimens]
    for reg in regimens:
        if "primidone" in reg.drugs:
            assert ("primidone is converted to phenobarbital, which already failed an "
                    "adequate trial.") in reg.warnings


def test_fenfluramine_is_placed_from_nices_appraisal_not_called_unnamed(kb):
    """Dravet syndrome at 7 on valproate and clobazam (both failed): fenfluramine's place is
    NICE's technology appraisal (TA808: add-on from 2 years), said as such, never 'NICE
    does not name fenfluramine for Dravet syndrome' (NG217 leaves it to the appraisal); it is
    offered as add-on only."""
    patient = validate_patient(kb, _dravet(7, 23, ["valproate", "clobazam"], [
        {"drug": "valproate", "outcome": "inefficacy", "adequate": True, "duration_months": 12},
        {"drug": "clobazam", "outcome": "inefficacy", "adequate": True, "duration_months": 6}]))
    regimens = consult(kb, patient).regimens
    with_it = [r for r in regimens if "fenfluramine" in r.drugs]
    assert with_it and all(len(r.drugs) > 1 for r in with_it)
    texts = [line for r in with_it for line in [*r.rationale, *r.warnings]]
    assert "NICE-2022-TA808: fenfluramine is adjunctive for Dravet syndrome." in texts
    assert not any("does not name fenfluramine" in line for line in texts), texts
    assert all("NICE-2022-TA808" in r.evidence for r in with_it)


def test_a_high_risk_estimate_brings_no_polytherapy_before_a_failed_trial(kb):
    """A 6-month-old with status epilepticus on phenobarbital for 3 months, nothing failed:
    the model's high estimate (status epilepticus weighs heavily) does not mark the add-on
    regimens 'consider early referral and rational polytherapy' (NICE: monotherapy first;
    paediatric pharmacist review E M5). After a failed adequate trial it does."""
    infant = {"id": "SE-6mo", "age_years": 0.5, "weight_kg": 7.5, "sex": "female",
              "seizure_types": ["focal_to_bilateral_tonic_clonic", "status_epilepticus"],
              "current_medications": ["phenobarbital"],
              "medication_history": [{"drug": "phenobarbital", "outcome": "ongoing",
                                      "adequate": True, "duration_months": 3}]}
    res = consult(kb, validate_patient(kb, infant))
    assert res.risk is not None and res.risk.p_drug_resistance >= 0.5
    assert not any("rational polytherapy" in line for r in res.regimens
                   for line in r.rationale)
    failed = {**infant, "age_years": 30, "weight_kg": 70, "current_medications": ["lamotrigine"],
              "medication_history": [
                  {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
                   "duration_months": 6},
                  {"drug": "lamotrigine", "outcome": "ongoing", "adequate": True,
                   "duration_months": 3}]}
    res = consult(kb, validate_patient(kb, failed))
    assert res.dre.failed_adequate_trials == 1 and res.risk.p_drug_resistance >= 0.5
    assert any("rational polytherapy" in line for r in res.regimens for line in r.rationale)


def test_a_regimen_that_takes_away_the_only_cover_of_a_seizure_type_says_so(kb):
    """Clonazepam alone in place of valproate, for myoclonic and tonic-clonic seizures, loses
    the tonic-clonic cover valproate gives: marked down, with the reason; a withdrawn drug
    whose adequate trial failed (levetiracetam) loses nothing."""
    from advisor.regimens import Regimen, _coverage_lost

    patient = validate_patient(kb, {
        "id": "C", "age_years": 30, "weight_kg": 70, "sex": "male",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic"],
        "current_medications": ["valproate", "levetiracetam"],
        "medication_history": [
            {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
             "duration_months": 6}]})

    def marked(withdrawn: list[str]) -> Regimen:
        reg = Regimen(drugs=["clonazepam"], mechanisms=[], mechanism_labels=[], score=0)
        _coverage_lost(kb, patient, reg, withdrawn, ["generalized_tonic_clonic"], ())
        return reg

    lost = marked(["valproate", "levetiracetam"])
    assert lost.score == kb.regimens.weights.withdraws_coverage < 0
    assert lost.warnings == ["Withdraws valproate, which treats generalized tonic-clonic "
                             "seizures and has not failed: this regimen leaves them "
                             "untreated."]
    kept = marked(["levetiracetam"])
    assert kept.score == 0 and not kept.warnings
    # a drug with an 'avoid' flag is withdrawn whatever the regimen (review M M4)
    avoided = Regimen(drugs=["clonazepam"], mechanisms=[], mechanism_labels=[], score=0)
    _coverage_lost(kb, patient, avoided, ["valproate"], ["generalized_tonic_clonic"],
                   {"valproate"})
    assert avoided.score == 0 and not avoided.warnings


def test_coverage_loss_counts_a_syndromes_drugs_and_not_a_drug_stopped_for_intolerance(kb):
    """Review M: the guideline's drugs for the syndrome treat its seizures (levetiracetam
    in juvenile myoclonic epilepsy, absences included: no 'continue' lost, H4), a drug
    stopped for intolerance is not 'not failed' (M3), and two seizure types lost to one
    drug make one sentence (C3), 'epileptic spasms' whole (C1)."""
    from advisor.regimens import Regimen, _coverage, _coverage_lost

    jme = validate_patient(kb, {
        "id": "J", "age_years": 15, "weight_kg": 55, "sex": "female",
        "syndrome": "juvenile_myoclonic",
        "seizure_types": ["generalized_tonic_clonic", "myoclonic", "absence"]})
    assert _coverage(kb, jme, ["levetiracetam"])[1] == []
    # without the syndrome: NICE places levetiracetam for absences with other seizure types
    # (NG217 5.3.5-5.3.8), not for absences alone (review Q M7)
    assert _coverage(kb, jme.model_copy(update={"syndrome": None}), ["levetiracetam"])[1] == []
    alone = jme.model_copy(update={"syndrome": None, "seizure_types": ["absence"]})
    assert _coverage(kb, alone, ["levetiracetam"])[1] == ["absence"]
    tsc = validate_patient(kb, {
        "id": "T", "age_years": 2, "weight_kg": 12, "sex": "male",
        "seizure_types": ["epileptic_spasms", "tonic"],
        "medication_history": [{"drug": "levetiracetam", "outcome": "intolerance",
                                "adequate": False, "duration_months": 1}]})
    reg = Regimen(drugs=["clobazam"], mechanisms=[], mechanism_labels=[], score=0)
    _coverage_lost(kb, tsc, reg, ["vigabatrin", "levetiracetam"],
                   _coverage(kb, tsc, reg.drugs)[1], ())
    assert reg.warnings == ["Withdraws vigabatrin, which treats epileptic spasms and has not "
                            "failed: this regimen leaves them untreated."]
    both = validate_patient(kb, {"id": "B", "age_years": 30, "weight_kg": 70, "sex": "male",
                                 "seizure_types": ["focal", "generalized_tonic_clonic"]})
    reg = Regimen(drugs=["ethosuximide"], mechanisms=[], mechanism_labels=[], score=0)
    _coverage_lost(kb, both, reg, ["lamotrigine"], _coverage(kb, both, reg.drugs)[1], ())
    assert reg.warnings == ["Withdraws lamotrigine, which treats focal-onset seizures and "
                            "generalized tonic-clonic seizures and has not failed: this "
                            "regimen leaves them untreated."]
    assert reg.score == 2 * kb.regimens.weights.withdraws_coverage


def test_later_add_ons_rank_and_read_as_the_guideline_orders_them(kb):
    """Focal seizures, two adequate trials failed (NG217 5.2.4-5.2.6): a first-line add-on
    (lamotrigine) ranks above the second-line pregabalin that tied with it before, and each
    regimen says which tier it is (review Q M6)."""
    patient = validate_patient(kb, {
        "age_years": 9, "weight_kg": 28, "sex": "male",
        "seizure_types": ["focal", "focal_to_bilateral_tonic_clonic"],
        "genotypes": {"CYP2C9": "*3/*3", "HLA-B*15:02": "negative", "CYP2C19": "*1/*1"},
        "medication_history": [
            {"drug": "oxcarbazepine", "outcome": "inefficacy", "adequate": True,
             "duration_months": 8},
            {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
             "duration_months": 6}],
        "current_medications": ["levetiracetam"]})
    regimens = consult(kb, patient).regimens
    assert regimens[0].drugs == ["levetiracetam", "lamotrigine"], [
        (r.drugs, r.score) for r in regimens]
    why = {tuple(r.drugs): " ".join(r.rationale) for r in regimens}
    assert "lamotrigine is first-line for focal-onset seizures" in why[
        ("levetiracetam", "lamotrigine")]
    assert "pregabalin is a second-line add-on for focal-onset seizures" in why[
        ("levetiracetam", "pregabalin")]


def test_lacosamide_alone_is_placed_third_line_and_added_as_a_first_line_add_on(kb):
    """NG217 5.2.3 places lacosamide third line as monotherapy and 5.2.4 first line as an
    add-on: alone it ranks below the first- and second-line monotherapies and says
    'third-line monotherapy'; added to a drug it keeps its add-on place (review S M2: lacosamide
    alone came first for a drug-naive man of 88, as 'a first-line add-on')."""
    from advisor.consult import consult
    from advisor.inputs.patient import validate_patient

    naive = consult(kb, validate_patient(kb, {
        "age_years": 60, "weight_kg": 75, "sex": "male", "seizure_types": ["focal"]}))
    ranked = [r.drugs for r in naive.regimens]
    alone = next(r for r in naive.regimens if r.drugs == ["lacosamide"])
    assert any("lacosamide is third-line monotherapy for focal-onset seizures" in why
               for why in alone.rationale)
    assert not any("add-on" in why for why in alone.rationale if "lacosamide is" in why)
    for first in ("levetiracetam", "lamotrigine"):
        assert ranked.index([first]) < ranked.index(["lacosamide"])
    added = consult(kb, validate_patient(kb, {
        "age_years": 60, "weight_kg": 75, "sex": "male", "seizure_types": ["focal"],
        "current_medications": ["levetiracetam"],
        "medication_history": [
            {"drug": "perampanel", "outcome": "inefficacy", "adequate": True,
             "duration_months": 9},
            {"drug": "levetiracetam", "outcome": "inefficacy", "adequate": True,
             "duration_months": 9}]}))
    pair = next(r for r in added.regimens if sorted(r.drugs) == ["lacosamide", "levetiracetam"])
    assert any("lacosamide is a first-line add-on for focal-onset seizures" in why
               for why in pair.rationale), pair.rationale


def test_lgs_lamotrigine_added_to_valproate_is_a_step_of_the_sequence(kb):
    """Lennox-Gastaut syndrome, valproate failed: valproate + lamotrigine ranks first, says
    NG217 places lamotrigine second line without restricting it to monotherapy, and is not
    marked as an early add-on; a third-line add-on still is (review S M11)."""
    from advisor.consult import consult
    from advisor.inputs.patient import validate_patient

    regimens = consult(kb, validate_patient(kb, {
        "age_years": 4, "weight_kg": 16, "sex": "male", "syndrome": "lennox_gastaut",
        "seizure_types": ["tonic", "atonic", "absence"], "current_medications": ["valproate"],
        "medication_history": [{"drug": "valproate", "outcome": "inefficacy",
                                "adequate": True, "duration_months": 10}]})).regimens
    first = regimens[0]
    assert sorted(first.drugs) == ["lamotrigine", "valproate"]
    assert ("NICE-2022-NG217 places lamotrigine second line for Lennox-Gastaut syndrome "
            "without restricting it to monotherapy: adding it is a step of the guideline's "
            "sequence.") in first.rationale
    assert not any("NICE prefers an alternative monotherapy first" in w for w in first.warnings)
    clobazam = next(r for r in regimens if sorted(r.drugs) == ["clobazam", "valproate"])
    assert any("NICE prefers an alternative monotherapy first" in w for w in clobazam.warnings)


def test_a_covered_type_the_drug_may_worsen_says_so(kb):
    """Juvenile myoclonic epilepsy: lamotrigine 'covers' myoclonic seizures by the guideline,
    but its flag says it may worsen them; the reason says both (review Y M17)."""
    from advisor.consult import consult
    from advisor.inputs.patient import validate_patient

    res = consult(kb, validate_patient(kb, {
        "age_years": 16, "weight_kg": 55, "sex": "female", "pregnancy": "not_pregnant",
        "syndrome": "juvenile_myoclonic",
        "seizure_types": ["myoclonic", "generalized_tonic_clonic"],
        "candidate_drugs": ["lamotrigine", "levetiracetam"]}))
    alone = {tuple(r.drugs): " ".join(r.rationale) for r in res.regimens}
    assert "myoclonic seizures (lamotrigine may worsen them: see the flag)" \
        in alone[("lamotrigine",)]
    assert "may worsen" not in alone[("levetiracetam",)]
