"""Regressions found by the unit tests: a kept drug without a number when a candidate starts,
the flag caution without a titration schedule, a patient taking an ASM is never "drug-naive",
and a co-medication band as the taken drug's dose once the candidate starts."""

from __future__ import annotations

from advisor import transition
from advisor.consult import consult
from advisor.dosing import recommend_doses
from advisor.frame import frame_from_patients
from advisor.regimens import suggest
from advisor.rules import evaluate
from tests.unit.helpers import ADULT, flag_table, patient

DRUGS = ["testdrug_a", "testdrug_b", "testdrug_c", "testdrug_d"]


def test_plan_does_not_crash_when_a_kept_drug_has_no_number_if_a_candidate_starts(small_kb):
    # testdrug_a is taken; on haemodialysis it gets no automatic dose (its label lowers it by
    # clearance, without a dialysis statement), so its if_started for testdrug_c has no number
    p = patient(small_kb, **ADULT, current_medications=["testdrug_a"],
                renal={"dialysis": "haemodialysis"})
    frame = frame_from_patients(small_kb, [p])
    flags = evaluate(small_kb, frame)
    doses = recommend_doses(small_kb, frame, flags, 0)
    result = transition.plan(small_kb, p, ["testdrug_a", "testdrug_c"],
                             transition.flags_by_drug(flags), doses)
    add = next(s for s in result.steps if s.drug == "testdrug_c")
    note = next(n for n in add.notes if n.startswith("Starting testdrug_c: "))
    assert "testdrug_a" in note and "None" not in note


def test_consult_does_not_crash_for_that_patient(small_kb):
    p = patient(small_kb, **ADULT, current_medications=["testdrug_a"],
                renal={"dialysis": "haemodialysis"})
    assert consult(small_kb, p).regimens


def test_an_add_step_without_a_schedule_keeps_the_flag_caution(small_kb):
    p = patient(small_kb, **ADULT, genotypes={"TESTCYP": "*3/*3"})
    flags = transition.flags_by_drug(evaluate(small_kb, frame_from_patients(small_kb, [p])))
    add = transition.plan(small_kb, p, ["testdrug_c"], flags).steps[0]
    assert ("Titrate cautiously (flag): TEST: TESTCYP *3/*3 (Poor Metabolizer): lower "
            "testdrug_c by half.") in add.notes


def test_a_patient_taking_an_asm_is_not_called_drug_naive(small_kb):
    # testdrug_a is taken but must be avoided (it aggravates absence seizures)
    p = patient(small_kb, **{**ADULT, "seizure_types": ["absence"]},
                current_medications=["testdrug_a"])
    avoid = flag_table({"drug": "testdrug_a", "category": "paradoxical", "action": "avoid",
                        "message": "TEST", "evidence": "TEST-STUDY"})
    found = suggest(small_kb, p, avoid, ["testdrug_a", "testdrug_b", "testdrug_d"],
                    dose_status=dict.fromkeys(DRUGS, "dosed"), drug_resistant=False,
                    counted_failures=0)
    assert found
    for reg in found:
        assert not reg.rationale[0].startswith("Drug-naive"), reg.rationale[0]
        assert reg.kind == "substitution"


def test_a_taken_drugs_co_medication_band_is_its_if_started_dose(kb):
    # real knowledge base: lamotrigine taken, valproate a candidate. valproate's flag says
    # "see the lamotrigine dose"; with valproate, lamotrigine's own band is 100-200 mg/day
    p = patient(kb, **ADULT, current_medications=["lamotrigine"], candidate_drugs=["valproate"])
    lamotrigine = next(d for d in consult(kb, p).doses if d.drug == "lamotrigine")
    change = next(c for c in lamotrigine.if_started if c.drug == "valproate")
    assert change.recommended_daily_mg == [100, 200]
