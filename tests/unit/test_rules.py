"""advisor.rules.evaluate on the small knowledge base: rules, aggravation entries, organ
statements and interactions, each checked on hand-built patients."""

from __future__ import annotations

from advisor.rules import FLAG_COLUMNS
from tests.unit.helpers import ADULT, flags, hits

HLA_RULE = "test-hla-t-testdrug-a-naive"
FIRST_START_RULE = "test-testdrug-d-first-start"
C_RAISES_A = "interaction:testdrug-c-raises-testdrug-a"


def rows(table, **match) -> list[int]:
    """The patient rows of the flags that match."""
    return sorted(int(r) for r in hits(table, **match)["row"])


def only(table, **match) -> dict:
    """The one flag that matches, as a record."""
    found = hits(table, **match)
    assert len(found) == 1, found
    return found.iloc[0].to_dict()


def test_nothing_fires_for_a_patient_no_rule_is_about(small_kb):
    table = flags(small_kb, ADULT)
    assert table.empty
    assert list(table.columns) == FLAG_COLUMNS


# --- rules/*.yaml ----------------------------------------------------------------------


def test_a_rule_fires_only_when_every_condition_holds(small_kb):
    # female, 12 <= age < 55, never took testdrug_d
    woman = {**ADULT, "sex": "female"}
    table = flags(small_kb, woman, {**woman, "sex": "male"}, {**woman, "age_years": 55},
                  {**woman, "age_years": 12}, {**woman, "age_years": 11.9})
    assert rows(table, rule=FIRST_START_RULE) == [0, 3]


def test_a_rule_flags_only_the_drugs_it_selects(small_kb):
    table = flags(small_kb, {**ADULT, "sex": "female"})
    assert set(hits(table, rule=FIRST_START_RULE)["drug"].astype(str)) == {"testdrug_d"}
    flag = only(table, rule=FIRST_START_RULE)
    assert (flag["category"], flag["action"], flag["severity"]) == (
        "reproductive", "use_with_caution", "moderate")
    assert flag["message"] == ("TEST: testdrug_d is teratogenic: a first start needs "
                               "specialist agreement.")
    assert flag["evidence"] == "TEST-LABEL"


def test_a_mechanism_selector_picks_the_drugs_with_that_mechanism(small_kb):
    # test_mech_b is testdrug_d's only mechanism; testdrug_a acts on the same target through
    # test_mech_a and is not selected
    table = flags(small_kb, {**ADULT, "conditions": ["test_condition"]}, ADULT)
    flag = only(table, rule="test-condition-mech-b")
    assert (flag["row"], flag["drug"], flag["action"]) == (0, "testdrug_d", "avoid")


def test_drug_naive_means_not_taken_for_three_months_without_intolerance(small_kb):
    carrier = {**ADULT, "genotypes": {"HLA-T*01:01": "positive"}}

    def took_a(outcome, months):
        return {**carrier, "medication_history": [
            {"drug": "testdrug_a", "outcome": outcome, "adequate": True,
             "duration_months": months}]}

    table = flags(small_kb, carrier, took_a("inefficacy", 3), took_a("inefficacy", 2),
                  took_a("intolerance", 12), {**ADULT, "genotypes": {"HLA-T*01:01": "negative"}})
    assert rows(table, rule=HLA_RULE) == [0, 2, 3]
    flag = only(table, rule=HLA_RULE, row=0)
    assert (flag["drug"], flag["category"], flag["action"], flag["gene"]) == (
        "testdrug_a", "hypersensitivity", "avoid", "HLA-T")
    assert flag["message"] == "TEST: HLA-T*01:01 positive: do not start testdrug_a."


def test_ever_taken_counts_current_medicines_and_the_history(small_kb):
    woman = {**ADULT, "sex": "female"}
    table = flags(small_kb, woman, {**woman, "current_medications": ["testdrug_d"]},
                  {**woman, "medication_history": [
                      {"drug": "testdrug_d", "outcome": "intolerance", "duration_months": 1}]})
    assert rows(table, rule=FIRST_START_RULE) == [0]


def test_gene_conditions_on_phenotype_and_activity_score(small_kb):
    # TESTCYP activity values: *1 = 1, *2 = 0.5, *3 = 0
    def on(diplotype):
        return {**ADULT, "genotypes": {"TESTCYP": diplotype}}

    table = flags(small_kb, on("*3/*3"), on("*1/*3"), on("*2/*3"), on("*1/*1"), ADULT)
    assert rows(table, rule="test-testcyp-poor-testdrug-c") == [0]  # score 0: poor
    assert rows(table, rule="test-testcyp-intermediate-testdrug-c") == [1, 2]  # 1 and 0.5
    assert only(table, rule="test-testcyp-poor-testdrug-c")["message"] == (
        "TEST: TESTCYP *3/*3 (Poor Metabolizer): lower testdrug_c by half.")
    assert list(hits(table, rule="test-testcyp-intermediate-testdrug-c")["message"]) == [
        "TEST: TESTCYP activity score 1: lower testdrug_c by a quarter.",
        "TEST: TESTCYP activity score 0.5: lower testdrug_c by a quarter."]


# --- aggravates entries of the drug files ----------------------------------------------


def test_aggravation_by_seizure_type(small_kb):
    patient = {**ADULT, "seizure_types": ["absence", "myoclonic"],
               "candidate_drugs": ["testdrug_a"]}
    table = flags(small_kb, patient)
    flag = only(table, drug="testdrug_a", category="paradoxical")
    assert (flag["action"], flag["severity"], flag["rule"]) == (
        "avoid", "high", "drug:testdrug_a:aggravates:0")
    assert flag["message"] == ("TEST: testdrug_a may worsen absence and myoclonic seizures. "
                               "(patient: absence seizures, myoclonic seizures)")
    # testdrug_d (a candidate: its spectrum has absence) may worsen myoclonic seizures only
    flag = only(table, drug="testdrug_d", category="paradoxical")
    assert (flag["action"], flag["severity"]) == ("monitor", "low")
    assert flag["message"].endswith("(patient: myoclonic seizures)")


def test_aggravation_by_syndrome(small_kb):
    table = flags(small_kb, {**ADULT, "syndrome": "test_syndrome_g"}, ADULT)
    flag = only(table, drug="testdrug_a", category="paradoxical")
    assert flag["row"] == 0
    assert flag["message"].endswith("(patient: Test syndrome G (aggravated by testdrug_a))")


# --- renal and hepatic statements ------------------------------------------------------


def test_renal_statements_flag_the_band_of_the_patients_clearance(small_kb):
    def crcl(value, **more):
        return {**ADULT, **more, "renal": {"creatinine_clearance_ml_min": value}}

    table = flags(small_kb, crcl(40), crcl(60), crcl(20), crcl(20, age_years=10, weight_kg=30))
    organ = hits(table, category="organ_function")
    got = sorted((int(r), str(d), str(a), str(s), str(rule)) for r, d, a, s, rule in zip(
        organ["row"], organ["drug"], organ["action"], organ["severity"], organ["rule"],
        strict=True))
    assert got == [
        (0, "testdrug_b", "reduce_dose", "high", "drug:testdrug_b:renal:1"),  # 30-50
        # row 1: 50-80 is "no adjustment", which raises no flag
        (2, "testdrug_a", "reduce_dose", "high", "drug:testdrug_a:renal:0"),  # below 30
        (2, "testdrug_b", "reduce_dose", "high", "drug:testdrug_b:renal:2"),  # unquantified
        # row 3: a child; both statements are for adults (from 18)
    ]
    assert only(table, row=0, category="organ_function")["message"] == (
        "TEST: CrCl 30-50 mL/min: 500-1000 mg/day.")


def test_hepatic_statements_flag_the_patients_child_pugh_class(small_kb):
    table = flags(small_kb, {**ADULT, "hepatic": {"child_pugh": "B"}},
                  {**ADULT, "hepatic": {"child_pugh": "C"}},
                  {**ADULT, "hepatic": {"child_pugh": "A"}})
    organ = hits(table, category="organ_function", drug="testdrug_c")
    assert list(zip(organ["row"], organ["action"].astype(str), strict=True)) == [
        (0, "reduce_dose"), (1, "avoid")]


# --- interactions ----------------------------------------------------------------------


def test_an_interaction_flags_the_victim_when_the_perpetrator_is_taken(small_kb):
    table = flags(small_kb, {**ADULT, "current_medications": ["testdrug_c"]})
    flag = only(table, rule=C_RAISES_A)
    assert (flag["drug"], flag["interacting_drug"], flag["category"], flag["action"],
            flag["severity"]) == ("testdrug_a", "testdrug_c", "interaction", "reduce_dose",
                                  "moderate")
    assert flag["message"] == (
        "testdrug_c + testdrug_a: TEST: testdrug_c inhibits TESTENZ. Magnitude: TEST: "
        "testdrug_a exposure +33%. Management: TEST: lower testdrug_a by a quarter.")


def test_a_candidate_perpetrator_of_a_taken_victim_is_flagged_monitor(small_kb):
    table = flags(small_kb, {**ADULT, "current_medications": ["testdrug_a"]})
    flag = only(table, rule=C_RAISES_A)
    # the dose that changes is testdrug_a's (see its dose row): testdrug_c is only monitored
    assert (flag["drug"], flag["interacting_drug"], flag["action"]) == (
        "testdrug_c", "testdrug_a", "monitor")
    assert flag["message"].startswith(
        "Starting testdrug_c changes the dose of testdrug_a (see the testdrug_a dose): "
        "testdrug_c + testdrug_a: TEST: testdrug_c inhibits TESTENZ.")
    # testdrug_a is the perpetrator of another interaction: its victim testdrug_b is flagged
    flag = only(table, rule="interaction:testdrug-a-lowers-testdrug-b")
    assert (flag["drug"], flag["interacting_drug"], flag["action"], flag["severity"]) == (
        "testdrug_b", "testdrug_a", "monitor", "low")


def test_an_interaction_does_not_apply_while_an_exception_is_taken(small_kb):
    table = flags(small_kb, {**ADULT, "current_medications": ["testdrug_c", "testdrug_d"]},
                  {**ADULT, "current_medications": ["testdrug_a", "testdrug_d"]},
                  {**ADULT, "current_medications": ["testdrug_c"]})
    assert rows(table, rule=C_RAISES_A) == [2]


def test_an_interaction_with_a_co_medication(small_kb):
    table = flags(small_kb, {**ADULT, "current_medications": ["test_contraceptive"]},
                  {**ADULT, "current_medications": ["testdrug_a", "TEST-PILL"]})
    rule = "interaction:testdrug-a-lowers-test-contraceptive"
    # the victim is taken and the perpetrator is a candidate, but the interaction changes no
    # dose: the candidate keeps the interaction's own action
    first = only(table, rule=rule, row=0)
    assert (first["drug"], first["action"]) == ("testdrug_a", "use_with_caution")
    second = only(table, rule=rule, row=1)
    assert (second["drug"], second["interacting_drug"]) == ("test_contraceptive", "testdrug_a")


def test_flags_are_ordered_by_patient_drug_and_seriousness(small_kb):
    woman = {**ADULT, "sex": "female", "conditions": ["test_condition"]}
    table = flags(small_kb, woman, {**woman, "current_medications": ["testdrug_c"]})
    order = list(zip(table["row"], table["drug"].astype(str), table["action"].astype(str),
                     strict=True))
    assert order == [(0, "testdrug_d", "avoid"), (0, "testdrug_d", "use_with_caution"),
                     (1, "testdrug_a", "reduce_dose"), (1, "testdrug_d", "avoid"),
                     (1, "testdrug_d", "use_with_caution")]
