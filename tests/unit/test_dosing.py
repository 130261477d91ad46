"""advisor.dosing.recommend_doses on the small knowledge base.

The bands of the test drugs (see kb/drugs):

- testdrug_a: from 18 years 200-400 mg/day (max 600, start 100); 2 to under 18 years for
  focal seizures 10-20 mg/kg/day (max 500); no dose below 2 years; older adults start 50;
  CrCl below 30 (from 18 years): -50%;
- testdrug_b: from 18 years 1000-2000 (max 3000); absence 800-1600; test_syndrome_l
  600-1200; with testdrug_c 500-1000; CrCl 50-80 no adjustment, 30-50 500-1000, below 30
  reduce_unquantified;
- testdrug_c: from 18 years 200-400 (max 500, start 100); TESTCYP poor -50%, activity score
  0.5-1.5 -25%; test_inducer +50%; Child-Pugh B -50% and at most 150, C avoid;
- interactions: testdrug_c lowers testdrug_a by 25% (not with testdrug_d).
"""

from __future__ import annotations

from advisor.result import IfStarted
from tests.unit.helpers import ADULT, doses


def test_an_adult_gets_the_adult_band(small_kb):
    dose = doses(small_kb, **ADULT)["testdrug_a"]
    assert dose.status == "dosed"
    assert dose.standard_daily_mg == [200, 400]
    assert dose.recommended_daily_mg == [200, 400]
    assert dose.adjustment_percent == 0
    assert (dose.start_daily_mg, dose.max_daily_mg) == (100, 600)
    assert dose.band == "from 18 years"
    assert dose.basis[0] == "labelled dose, from 18 years [TEST-LABEL; evidence high]"
    assert dose.evidence == ["TEST-LABEL"]


def test_a_child_gets_the_weight_based_band_for_the_indication(small_kb):
    dose = doses(small_kb, **{**ADULT, "age_years": 10, "weight_kg": 20})["testdrug_a"]
    assert dose.band == "2 to under 18 years, for focal seizures"
    assert dose.recommended_daily_mg == [200, 400]  # 10-20 mg/kg x 20 kg
    assert "(10–20 mg/kg/day x 20 kg)" in dose.basis[0]
    assert dose.max_daily_mg == 500


def test_a_dose_never_exceeds_the_bands_maximum(small_kb):
    dose = doses(small_kb, **{**ADULT, "age_years": 10, "weight_kg": 40})["testdrug_a"]
    # 10-20 mg/kg x 40 kg = 400-800, above the band's 500 mg maximum
    assert dose.standard_daily_mg == [400, 500]
    assert dose.recommended_daily_mg == [400, 500]
    assert dose.adjustment_percent == 0
    assert "capped at 500 mg/day (labelled maximum)" in dose.basis


def test_an_increase_stops_at_the_maximum(small_kb):
    dose = doses(small_kb, **ADULT, current_medications=["test_inducer"])["testdrug_c"]
    # 200-400 +50% = 300-600, capped at the band's 500
    assert dose.recommended_daily_mg == [300, 500]
    assert dose.max_daily_mg == 500
    assert dose.adjustment_percent == 33.3  # (300 + 500) / (200 + 400) - 1
    assert "with test_inducer: maintenance dose 50% higher [TEST-STUDY; evidence low]" in dose.basis
    assert "capped at 500 mg/day (labelled maximum)" in dose.basis


def test_a_syndrome_band_beats_a_seizure_type_band_beats_a_general_one(small_kb):
    def b(**more):
        return doses(small_kb, **{**ADULT, **more})["testdrug_b"]

    assert b().recommended_daily_mg == [1000, 2000]
    assert b(seizure_types=["absence"]).recommended_daily_mg == [800, 1600]
    by_syndrome = b(seizure_types=["absence"], syndrome="test_syndrome_l")
    assert by_syndrome.recommended_daily_mg == [600, 1200]
    assert by_syndrome.band == "from 18 years, for Test syndrome L (testdrug_a with testdrug_d " \
                               "licensed)"


def test_a_co_medication_band_beats_every_other_band(small_kb):
    dose = doses(small_kb, **ADULT, current_medications=["testdrug_c"])["testdrug_b"]
    assert dose.band == "from 18 years, with testdrug_c"
    assert dose.recommended_daily_mg == [500, 1000]
    assert dose.standard_daily_mg == [1000, 2000]  # the band without co-medication
    assert dose.adjustment_percent == -50
    dose = doses(small_kb, **{**ADULT, "seizure_types": ["absence"]},
                 syndrome="test_syndrome_l", current_medications=["testdrug_c"])["testdrug_b"]
    assert dose.recommended_daily_mg == [500, 1000]
    assert dose.standard_daily_mg == [600, 1200]
    assert dose.adjustment_percent == -16.7  # 1500 / 1800 - 1


def test_a_missing_age_or_weight_asks_for_it(small_kb):
    no_age = doses(small_kb, seizure_types=["focal"], weight_kg=70)["testdrug_a"]
    assert no_age.status == "needs_input"
    assert no_age.recommended_daily_mg is None
    assert no_age.basis[0].startswith("age not given")
    no_weight = doses(small_kb, seizure_types=["focal"], age_years=10)["testdrug_a"]
    assert no_weight.status == "needs_input"
    assert no_weight.basis[0].startswith("weight not given: the labelled dose for this age is "
                                         "by body weight")
    # an adult band in mg/day needs no weight
    assert doses(small_kb, seizure_types=["focal"], age_years=30)["testdrug_a"].status == "dosed"


def test_a_group_the_label_gives_no_dose_for_gets_no_number(small_kb):
    infant = doses(small_kb, **{**ADULT, "age_years": 1, "weight_kg": 10})["testdrug_a"]
    assert infant.status == "no_labelled_dose"
    assert (infant.standard_daily_mg, infant.recommended_daily_mg) == (None, None)
    assert infant.basis == ["no labelled dose for this patient: TEST: no labelled dose below 2 "
                            "years. [TEST-LABEL; evidence high]"]
    # a child with generalized seizures: the child band is for focal seizures only
    child = doses(small_kb, **{**ADULT, "age_years": 10, "weight_kg": 30,
                               "seizure_types": ["generalized_tonic_clonic"]})["testdrug_a"]
    assert child.status == "no_labelled_dose"
    assert child.basis[0].startswith("no labelled maintenance dose in the knowledge base for "
                                     "this patient's age, weight and indication")


def test_genotype_rules_change_the_dose_by_their_percentage(small_kb):
    poor = doses(small_kb, **ADULT, genotypes={"TESTCYP": "*3/*3"})["testdrug_c"]
    assert poor.recommended_daily_mg == [100, 200]
    assert poor.adjustment_percent == -50
    # named by its flag's message up to the colon, not by the rule's id (review AA C1)
    assert "TEST: maintenance dose 50% lower [TEST-GUIDELINE; evidence high]" in poor.basis
    intermediate = doses(small_kb, **ADULT, genotypes={"TESTCYP": "*1/*3"})["testdrug_c"]
    assert intermediate.recommended_daily_mg == [150, 300]
    assert intermediate.adjustment_percent == -25


def test_a_reduced_dose_keeps_a_reduced_ceiling(small_kb):
    # the band's 500 mg maximum is lowered by the same -50% / -25% as the range
    poor = doses(small_kb, **ADULT, genotypes={"TESTCYP": "*3/*3"})["testdrug_c"]
    assert poor.max_daily_mg == 250
    intermediate = doses(small_kb, **ADULT, genotypes={"TESTCYP": "*1/*3"})["testdrug_c"]
    assert intermediate.max_daily_mg == 375
    # an increase never raises it: the band's maximum stays the ceiling
    induced = doses(small_kb, **ADULT, current_medications=["test_inducer"])["testdrug_c"]
    assert induced.max_daily_mg == 500


def test_an_interaction_changes_the_victims_dose(small_kb):
    dose = doses(small_kb, **ADULT, current_medications=["testdrug_c"])["testdrug_a"]
    assert dose.recommended_daily_mg == [150, 300]
    assert dose.adjustment_percent == -25
    assert ("with testdrug_c: maintenance dose 25% lower [TEST-STUDY; evidence moderate]"
            in dose.basis)
    # not while the exception (testdrug_d) is also taken
    dose = doses(small_kb, **ADULT, current_medications=["testdrug_c", "testdrug_d"])
    assert dose["testdrug_a"].recommended_daily_mg == [200, 400]


def test_changes_from_rules_and_interactions_multiply(small_kb):
    dose = doses(small_kb, **ADULT, genotypes={"TESTCYP": "*3/*3"},
                 current_medications=["test_inducer"])["testdrug_c"]
    assert dose.recommended_daily_mg == [150, 300]  # 200-400 x 0.5 x 1.5
    assert dose.adjustment_percent == -25


def test_a_renal_statement_with_a_range_replaces_the_range(small_kb):
    dose = doses(small_kb, **ADULT, renal={"creatinine_clearance_ml_min": 40})["testdrug_b"]
    assert dose.status == "dosed"
    assert dose.standard_daily_mg == [1000, 2000]
    assert dose.recommended_daily_mg == [500, 1000]
    assert dose.max_daily_mg == 1000  # the statement's range is also a ceiling
    assert dose.adjustment_percent == -50
    assert ("renal statement (reduce dose): TEST: CrCl 30-50 mL/min: 500-1000 mg/day "
            "[TEST-LABEL; evidence high]") in dose.basis


def test_a_renal_statement_with_a_percentage(small_kb):
    dose = doses(small_kb, **ADULT, renal={"creatinine_clearance_ml_min": 20})["testdrug_a"]
    assert dose.recommended_daily_mg == [100, 200]
    assert dose.adjustment_percent == -50


def test_a_renal_statement_of_no_adjustment_is_noted(small_kb):
    dose = doses(small_kb, **ADULT, renal={"creatinine_clearance_ml_min": 60})["testdrug_b"]
    assert dose.recommended_daily_mg == [1000, 2000]
    assert "renal: TEST: CrCl 50-80 mL/min: no adjustment [TEST-LABEL; evidence high]" in (
        dose.basis)
    assert not any(b.startswith("renal function not given") for b in dose.basis)


def test_a_reduction_without_an_amount_gives_no_number(small_kb):
    dose = doses(small_kb, **ADULT, renal={"creatinine_clearance_ml_min": 20})["testdrug_b"]
    assert dose.status == "no_labelled_dose"
    assert (dose.recommended_daily_mg, dose.adjustment_percent) == (None, None)
    assert dose.basis[0] == "no automatic renal dose: see the renal statement above"
    assert any(b.startswith("renal statement (reduce unquantified): TEST: CrCl below 30")
               for b in dose.basis)


def test_dialysis_without_a_dialysis_statement_gives_no_number(small_kb):
    both = doses(small_kb, **ADULT, renal={"dialysis": "haemodialysis"})
    for name in ("testdrug_a", "testdrug_b"):  # both lower the dose by clearance
        assert both[name].status == "no_labelled_dose"
        assert both[name].basis[0].startswith(
            "on haemodialysis: the label lowers the dose by creatinine clearance and gives no "
            "dialysis dose")
    assert both["testdrug_c"].status == "dosed"  # no renal statement at all


def test_a_renal_statement_for_other_ages_gives_no_number(small_kb):
    dose = doses(small_kb, **{**ADULT, "age_years": 10, "weight_kg": 20},
                 renal={"creatinine_clearance_ml_min": 20})["testdrug_a"]
    assert dose.status == "no_labelled_dose"
    assert dose.basis[0].startswith("the label's renal adjustment is for other ages (from 18 "
                                    "years)")


def test_hepatic_statements(small_kb):
    b = doses(small_kb, **ADULT, hepatic={"child_pugh": "B"})["testdrug_c"]
    assert b.recommended_daily_mg == [100, 150]  # 200-400 -50% = 100-200, at most 150
    assert b.max_daily_mg == 150
    c = doses(small_kb, **ADULT, hepatic={"child_pugh": "C"})["testdrug_c"]
    assert c.status == "not_recommended"
    assert c.recommended_daily_mg is None
    assert c.basis[0] == "not recommended for this patient: 'avoid' flag (organ_function)"


def test_unknown_organ_function_and_egfr_are_said(small_kb):
    plain = doses(small_kb, **ADULT)
    assert ("renal function not given: this dose assumes normal kidney function (the label "
            "lowers it in renal impairment)") in plain["testdrug_b"].basis
    assert ("liver function not given: this dose assumes normal liver function (the label "
            "lowers it in hepatic impairment)") in plain["testdrug_c"].basis
    assert not any("function not given" in b for b in plain["testdrug_d"].basis)
    egfr = doses(small_kb, **ADULT, renal={"egfr_ml_min": 60})["testdrug_b"]
    assert any(b.startswith("eGFR used in place of creatinine clearance") for b in egfr.basis)


def test_older_adults_get_the_older_adult_start(small_kb):
    dose = doses(small_kb, **{**ADULT, "age_years": 70})["testdrug_a"]
    assert dose.recommended_daily_mg == [200, 400]
    assert dose.start_daily_mg == 50  # the band's 100, lowered to the statement's 50
    assert ("older adults (from 65 years): TEST: start low in older adults [TEST-LABEL; "
            "evidence moderate]") in dose.basis
    assert doses(small_kb, **{**ADULT, "age_years": 64})["testdrug_a"].start_daily_mg == 100


def test_an_avoid_flag_gives_no_dose(small_kb):
    dose = doses(small_kb, **ADULT, genotypes={"HLA-T*01:01": "positive"})["testdrug_a"]
    assert dose.status == "not_recommended"
    assert dose.recommended_daily_mg is None
    assert dose.basis[0] == "not recommended for this patient: 'avoid' flag (hypersensitivity)"


def test_a_taken_drug_shows_its_dose_if_a_candidate_is_started(small_kb):
    dose = doses(small_kb, **ADULT, current_medications=["testdrug_a"])["testdrug_a"]
    assert dose.recommended_daily_mg == [200, 400]  # testdrug_c is not taken yet
    assert dose.if_started == [IfStarted(
        drug="testdrug_c", recommended_daily_mg=[150, 300], adjustment_percent=-25,
        why="interaction testdrug-c-raises-testdrug-a: TEST: lower testdrug_a by a quarter.",
        evidence=["TEST-STUDY"])]
    # a candidate is not "started" for a drug that is not taken
    assert doses(small_kb, **ADULT)["testdrug_a"].if_started == []
    # nor when the interaction does not apply (testdrug_d is taken)
    taken = doses(small_kb, **ADULT, current_medications=["testdrug_a", "testdrug_d"])
    assert taken["testdrug_a"].if_started == []


def test_the_therapeutic_range_is_shown_with_its_source(small_kb):
    dose = doses(small_kb, **ADULT)["testdrug_c"]
    assert dose.therapeutic_range_mg_per_l == [10, 20]
    assert "TEST-LABEL" in dose.evidence
    assert doses(small_kb, **ADULT)["testdrug_a"].therapeutic_range_mg_per_l is None


def test_whole_tablets_round_down_to_what_the_strengths_make():
    from advisor.schema import WholeTablets

    tablets = WholeTablets(strengths_mg=[2, 5, 25], evidence={"sources": ["X"], "level": "high"})
    assert [tablets.round_down(mg) for mg in (1.8, 2, 3, 6, 7.5, 12.5, 30.3)] == [
        None, 2, 2, 6, 7, 12, 30]
