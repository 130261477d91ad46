"""advisor.regimens.suggest on the small knowledge base, with hand-written flags so that each
score can be added up from kb/regimens.yaml:

base 50; per drug -5; per covered seizure type +8; distinct targets +10; same primary target
-60; shared adverse effect (sedation) -4 each; an interaction inside the regimen by its action
(reduce_dose -4, monitor -3); guideline position (focal: testdrug_b first line +12,
testdrug_a second line +8, testdrug_c adjunctive +6); teratogenic -20 in child-bearing
potential (female 12-50), -60 when pregnant or planning; previous failure -15, same target as
a failed drug -12; withdrawing a current drug -10; an add-on before two failures -15.

Targets: testdrug_a and testdrug_d target one, testdrug_b target two, testdrug_c target three.
"""

from __future__ import annotations

import shutil

import yaml

from advisor.dre import classify
from advisor.knowledge import load_knowledgebase
from advisor.regimens import suggest
from tests.unit.conftest import SMALL_KB_DIR
from tests.unit.helpers import ADULT, flag_table, no_flags, patient

DRUGS = ["testdrug_a", "testdrug_b", "testdrug_c", "testdrug_d"]


def regimens(kb, *, flags=None, dose_status=None, drug_resistant=False, note=None, **fields):
    """Regimens for one patient judged for all four drugs (every dose labelled unless
    ``dose_status`` says otherwise), by their drugs. ``drug_resistant`` is given as it is
    (the consult takes it from the ILAE classification), so that pairs can be scored without
    the history terms of the failed trials; the failed trials counted are those of the ILAE
    classification, as in the consult."""
    p = patient(kb, **{**ADULT, **fields})
    status = {**dict.fromkeys(DRUGS, "dosed"), **(dose_status or {})}
    found = suggest(kb, p, no_flags() if flags is None else flags, DRUGS, dose_status=status,
                    drug_resistant=drug_resistant, polytherapy_note=note,
                    counted_failures=classify(kb, p).failed_adequate_trials)
    return {tuple(r.drugs): r for r in found}


def scores(found) -> dict[tuple[str, ...], float]:
    return {drugs: r.score for drugs, r in found.items()}


def test_a_drug_naive_patient_gets_monotherapy_ranked_by_score(small_kb):
    found = suggest(small_kb, patient(small_kb, **ADULT), no_flags(), DRUGS,
                    dose_status=dict.fromkeys(DRUGS, "dosed"), drug_resistant=False,
                    counted_failures=0)
    assert [(r.drugs, r.kind, r.score) for r in found] == [
        (["testdrug_b"], "monotherapy", 65),  # 50 - 5 + 8 + 12 (first line)
        (["testdrug_a"], "monotherapy", 61),  # 50 - 5 + 8 + 8 (second line)
        (["testdrug_c"], "monotherapy", 59),  # 50 - 5 + 8 + 6 (adjunctive)
        (["testdrug_d"], "monotherapy", 53)]  # 50 - 5 + 8
    assert all(r.rationale[0].startswith("Drug-naive: start with monotherapy") for r in found)
    assert found[0].rationale[1:] == [
        "TEST-GUIDELINE: testdrug_b is first-line for focal seizures.",
        "Covers the patient's seizure types: focal seizures."]
    assert found[0].mechanisms == ["test_mech_c"]
    assert found[0].evidence == ["TEST-GUIDELINE"]


def test_an_uncovered_seizure_type_costs(small_kb):
    found = regimens(small_kb, seizure_types=["focal", "myoclonic"])
    # testdrug_b covers focal only: 65 - 15 for myoclonic seizures
    assert found[("testdrug_b",)].score == 50
    assert "Does not cover: myoclonic seizures." in found[("testdrug_b",)].warnings


def test_drug_resistance_adds_combinations_of_distinct_targets(small_kb):
    # testdrug_a and testdrug_d (target one) failed; testdrug_b and testdrug_c are untouched
    history = [{"drug": d, "outcome": "inefficacy", "adequate": True}
               for d in ("testdrug_a", "testdrug_d")]
    found = regimens(small_kb, drug_resistant=True, medication_history=history)
    # every pair, and alone every drug but the two whose adequate trials failed
    assert len(found) == 2 + 6
    assert ("testdrug_a",) not in found and ("testdrug_d",) not in found
    bc = found[("testdrug_b", "testdrug_c")]
    assert bc.kind == "combination"
    assert bc.score == 76  # 50 - 10 + 8 + 10 (distinct) + 12 + 6
    assert ("Distinct mechanisms: testdrug_b (test mechanism C) + testdrug_c (test mechanism D)."
            in bc.rationale)
    assert bc.rationale[0].startswith("Drug-resistant epilepsy, or two or more adequate trials")


def test_two_drugs_on_one_target_are_penalised(small_kb):
    ad = regimens(small_kb, drug_resistant=True)[("testdrug_a", "testdrug_d")]
    assert ad.score == -4  # 50 - 10 + 8 - 60 (same target) + 8
    assert ("testdrug_a and testdrug_d act on the same target (test target one): not distinct "
            "mechanisms; additive toxicity, little gain.") in ad.warnings


def test_a_licensed_combination_is_not_penalised_for_its_syndrome(small_kb):
    ad = regimens(small_kb, drug_resistant=True, syndrome="test_syndrome_l")[
        ("testdrug_a", "testdrug_d")]
    assert ad.score == 56  # 50 - 10 + 8 + 8, no same-target penalty
    assert ("Licensed combination: TEST: testdrug_a with testdrug_d is licensed for test "
            "syndrome L.") in ad.rationale
    assert not any("same target" in w for w in ad.warnings)
    assert "TEST-LABEL" in ad.evidence


def test_shared_adverse_effects_and_interactions_inside_a_regimen_cost(small_kb):
    found = regimens(small_kb, drug_resistant=True)
    ab = found[("testdrug_a", "testdrug_b")]
    # 50 - 10 + 8 + 10 - 4 (both sedating) - 3 (monitor interaction) + 8 + 12
    assert ab.score == 71
    assert "Overlapping adverse effects of testdrug_a and testdrug_b: sedation." in ab.warnings
    ac = found[("testdrug_a", "testdrug_c")]
    assert ac.score == 68  # 50 - 10 + 8 + 10 - 4 (reduce_dose interaction) + 8 + 6
    assert ("Interaction testdrug_c -> testdrug_a: TEST: testdrug_c inhibits TESTENZ. "
            "Management: TEST: lower testdrug_a by a quarter.") in ac.warnings


def test_a_previous_failure_penalises_the_drug_and_its_target(small_kb):
    history = [{"drug": "testdrug_a", "outcome": "inefficacy", "adequate": True}]
    found = regimens(small_kb, medication_history=history)
    # the failed drug is not offered alone again
    assert {k: r.kind for k, r in found.items()} == dict.fromkeys(
        [("testdrug_b",), ("testdrug_c",), ("testdrug_d",)], "monotherapy")
    assert scores(found) == {("testdrug_b",): 65, ("testdrug_c",): 59,
                             ("testdrug_d",): 41}  # 53 - 12
    # in a combination: -15, and its guideline bonus is gone (its step is behind the patient)
    both = regimens(small_kb, medication_history=history, drug_resistant=True)
    assert ("testdrug_a",) not in both
    assert "testdrug_a already failed an adequate trial." in both[
        ("testdrug_a", "testdrug_b")].warnings
    assert ("testdrug_d acts on the same target (test target one) as testdrug_a, which already "
            "failed an adequate trial for lack of efficacy.") in found[("testdrug_d",)].warnings
    assert found[("testdrug_b",)].rationale[0] == (
        "1 adequate trial of an appropriately chosen drug failed: an alternative monotherapy "
        "(substitution) comes before add-on therapy (NICE).")
    # an inadequate trial is no evidence against the drug or its target
    inadequate = [{**history[0], "adequate": False}]
    assert scores(regimens(small_kb, medication_history=inadequate))[("testdrug_d",)] == 53


def test_teratogen_weight_follows_pregnancy_status(small_kb):
    def d_score(**fields) -> float:
        return regimens(small_kb, **fields)[("testdrug_d",)].score

    assert d_score() == 53  # a man
    assert d_score(sex="female", pregnancy="not_pregnant") == 33  # child-bearing potential
    assert d_score(sex="female", pregnancy="pregnant") == -7  # -60, not -60 and -20
    assert d_score(sex="female", pregnancy="planning") == -7
    assert d_score(sex="female", age_years=60) == 53
    pregnant = regimens(small_kb, sex="female", pregnancy="pregnant")[("testdrug_d",)]
    assert ("testdrug_d is teratogenic and the patient is pregnant: prefer an alternative; "
            "discuss with the patient.") in pregnant.warnings
    assert "TEST-LABEL" in pregnant.evidence  # regimens.yaml teratogenic_policy
    # the other drugs are not teratogenic
    assert regimens(small_kb, sex="female", pregnancy="pregnant")[("testdrug_b",)].score == 65


def test_flags_on_a_drug_weigh_on_its_regimens(small_kb):
    flags = flag_table({"drug": "testdrug_b", "category": "metabolism",
                        "action": "reduce_dose", "message": "TEST flag", "evidence": "TEST-STUDY"})
    b = regimens(small_kb, flags=flags)[("testdrug_b",)]
    assert b.score == 62  # 65 - 3
    assert "testdrug_b: reduce dose (metabolism) - TEST flag" in b.warnings


def test_drugs_to_avoid_or_without_a_labelled_dose_are_left_out(small_kb):
    avoid = flag_table({"drug": "testdrug_a", "category": "hypersensitivity",
                        "action": "avoid", "message": "TEST", "evidence": "TEST-GUIDELINE"})
    found = regimens(small_kb, flags=avoid, drug_resistant=True)
    assert not any("testdrug_a" in drugs for drugs in found)
    found = regimens(small_kb, dose_status={"testdrug_b": "no_labelled_dose",
                                            "testdrug_c": "needs_input"})
    assert list(found) == [("testdrug_a",), ("testdrug_c",), ("testdrug_d",)]
    assert ("Dose of testdrug_c not shown: give the patient's age and weight (see the dose "
            "row)." in found[("testdrug_c",)].warnings)


def test_a_patient_on_one_drug_gets_substitutions_before_add_ons(small_kb):
    found = regimens(small_kb, current_medications=["testdrug_b"])
    assert {k: r.kind for k, r in found.items()} == {
        ("testdrug_b",): "continue",  # nothing has failed: first, whatever its score
        ("testdrug_a",): "substitution", ("testdrug_c",): "substitution",
        ("testdrug_d",): "substitution", ("testdrug_b", "testdrug_a"): "add-on",
        ("testdrug_b", "testdrug_c"): "add-on", ("testdrug_b", "testdrug_d"): "add-on"}
    sub = found[("testdrug_c",)]
    assert sub.score == 49  # 50 - 5 + 8 + 6 - 10 (withdraw testdrug_b)
    assert "Requires withdrawing testdrug_b (taper; see the transition plan)." in sub.warnings
    add = found[("testdrug_b", "testdrug_c")]
    # 50 - 10 + 8 + 10 + 6 - 15 (early add-on); testdrug_b is taken, so no guideline bonus
    assert add.score == 49
    assert ("Add-on before monotherapy options are exhausted: NICE prefers an alternative "
            "monotherapy first.") in add.warnings
    assert add.rationale[0] == ("No adequate trial of an appropriately chosen drug has failed "
                                "yet: an alternative monotherapy (substitution) comes before "
                                "add-on therapy (NICE).")
    # once drug resistance is established, an add-on is not penalised
    late = regimens(small_kb, current_medications=["testdrug_b"], drug_resistant=True)
    assert late[("testdrug_b", "testdrug_c")].score == 64


def test_the_polytherapy_note_goes_to_combinations_only(small_kb):
    found = regimens(small_kb, drug_resistant=True, note="TEST NOTE")
    assert found[("testdrug_b", "testdrug_c")].rationale[1] == "TEST NOTE"
    assert "TEST-STUDY" in found[("testdrug_b", "testdrug_c")].evidence  # early_polytherapy
    assert "TEST NOTE" not in found[("testdrug_b",)].rationale


def _edited_kb(tmp_path, edit):
    """The small knowledge base with its positions and regimens changed by ``edit(file
    name, data)``."""
    folder = tmp_path / "kb"
    shutil.copytree(SMALL_KB_DIR, folder)
    for name in ("guideline_positions.yaml", "regimens.yaml"):
        data = yaml.safe_load((folder / name).read_text())
        edit(name, data)
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return load_knowledgebase(folder)


def test_an_add_on_only_drug_is_never_suggested_alone(tmp_path):
    def edit(name, data):
        if name == "guideline_positions.yaml":
            data["positions"][0]["add_on_only"] = ["testdrug_c"]
    kb = _edited_kb(tmp_path, edit)
    naive = regimens(kb)
    assert ("testdrug_c",) not in naive and ("testdrug_b",) in naive
    on_b = regimens(kb, current_medications=["testdrug_b"])
    assert ("testdrug_c",) not in on_b
    assert on_b[("testdrug_b", "testdrug_c")].kind == "add-on"
    # a seizure type whose entry does not place it leaves it free to stand alone
    assert ("testdrug_c",) in regimens(kb, seizure_types=["myoclonic"])


def test_a_drug_licensed_only_with_another_always_comes_with_it(tmp_path):
    def edit(name, data):
        if name == "regimens.yaml":
            data["licensed_combinations"][0]["first_only_with_second"] = True
    kb = _edited_kb(tmp_path, edit)
    found = regimens(kb, drug_resistant=True, current_medications=["testdrug_b"],
                     syndrome="test_syndrome_l")
    with_a = [drugs for drugs in found if "testdrug_a" in drugs]
    assert with_a and all("testdrug_d" in drugs for drugs in with_a)
    assert ("testdrug_b", "testdrug_d", "testdrug_a") in found
    # without a labelled dose of the partner, the drug is not suggested at all
    no_d = regimens(kb, drug_resistant=True, current_medications=["testdrug_b"],
                    syndrome="test_syndrome_l", dose_status={"testdrug_d": "no_labelled_dose"})
    assert not any("testdrug_a" in drugs for drugs in no_d)
    # the licence binds the pair for its syndrome only
    other = regimens(kb, drug_resistant=True, current_medications=["testdrug_b"])
    assert ("testdrug_b", "testdrug_a") in other


def test_a_drug_whose_labels_disagree_on_its_partner_comes_with_and_without_it(tmp_path):
    def contested(weight):
        def edit(name, data):
            if name == "regimens.yaml":
                data["licensed_combinations"][0]["first_only_with_second"] = "contested"
                data["weights"]["without_licensed_partner"] = weight
        return edit
    kb = _edited_kb(tmp_path, contested(-10))
    found = regimens(kb, drug_resistant=True, current_medications=["testdrug_b"],
                     syndrome="test_syndrome_l")
    alone = found[("testdrug_b", "testdrug_a")]
    paired = found[("testdrug_b", "testdrug_d", "testdrug_a")]
    assert alone.warnings[-1] == ("testdrug_a without testdrug_d: TEST: testdrug_a with "
                                  "testdrug_d is licensed for test syndrome L.")
    assert not any("without testdrug_d" in w for w in paired.warnings)
    # scored again with the weight at zero: only the weight differs
    unweighted = regimens(_edited_kb(tmp_path / "zero", contested(0)), drug_resistant=True,
                          current_medications=["testdrug_b"], syndrome="test_syndrome_l")
    assert alone.score == unweighted[("testdrug_b", "testdrug_a")].score - 10
    # without a usable partner the drug still comes, marked down and saying why
    no_d = regimens(kb, drug_resistant=True, current_medications=["testdrug_b"],
                    syndrome="test_syndrome_l", dose_status={"testdrug_d": "no_labelled_dose"})
    assert ("testdrug_b", "testdrug_a") in no_d
    assert not any("testdrug_d" in drugs for drugs in no_d)
    # outside the syndrome the condition does not apply
    other = regimens(kb, drug_resistant=True, current_medications=["testdrug_b"])
    assert not any("without testdrug_d" in w for r in other.values() for w in r.warnings)


def test_only_regimens_above_the_shown_score_are_suggested(small_kb, monkeypatch):
    """Above ``shown_above_score`` only; when none is above it, the best one alone, with a
    warning that it is shown for its reasoning, not as a recommendation."""
    every = scores(regimens(small_kb, drug_resistant=True))
    middle = sorted(every.values())[len(every) // 2]
    def shown_above(score: float) -> None:
        monkeypatch.setattr(small_kb, "regimens", small_kb.regimens.model_copy(
            update={"shown_above_score": score}))

    shown_above(middle)
    assert scores(regimens(small_kb, drug_resistant=True)) == {
        d: s for d, s in every.items() if s > middle}
    shown_above(max(every.values()))
    (best,) = regimens(small_kb, drug_resistant=True).values()
    assert best.score == max(every.values())
    assert best.warnings[-1].startswith("Every regimen the advisor could form scored "
                                        f"{max(every.values()):g} or less")


def test_nothing_failed_yet_puts_continuing_first(small_kb):
    """A patient on a drug whose trial is ongoing (none failed or stopped) is first told to
    continue and optimise it, whatever the score of a switch (review K M6: an ongoing
    levetiracetam was replaced by lamotrigine at the top); a failed trial of the current drug
    brings the switches back to the top."""
    found = suggest_list(small_kb, current_medications=["testdrug_b"],
                         medication_history=[{"drug": "testdrug_b", "outcome": "ongoing",
                                              "adequate": True, "duration_months": 6}])
    assert found[0].kind == "continue" and found[0].drugs == ["testdrug_b"]
    assert found[0].rationale[0].startswith("Continue testdrug_b: no adequate trial of "
                                            "testdrug_b is recorded as failed")
    failed = suggest_list(small_kb, current_medications=["testdrug_b"],
                          medication_history=[{"drug": "testdrug_b", "outcome": "inefficacy",
                                               "adequate": True, "duration_months": 6}])
    assert all(r.kind != "continue" for r in failed)


def suggest_list(kb, **fields):
    p = patient(kb, **{**ADULT, **fields})
    return suggest(kb, p, no_flags(), DRUGS, dose_status=dict.fromkeys(DRUGS, "dosed"),
                   drug_resistant=False, counted_failures=classify(kb, p).failed_adequate_trials)


def test_on_two_drugs_the_failed_one_may_be_replaced_alone(small_kb):
    """On testdrug_a (failed) and testdrug_b (ongoing), testdrug_b may stay while a new drug
    replaces testdrug_a, beside keeping both and adding one (review K H4)."""
    found = suggest_list(small_kb, current_medications=["testdrug_a", "testdrug_b"],
                         medication_history=[
                             {"drug": "testdrug_a", "outcome": "inefficacy", "adequate": True,
                              "duration_months": 6},
                             {"drug": "testdrug_b", "outcome": "ongoing", "adequate": True,
                              "duration_months": 3}])
    kinds = {tuple(r.drugs): r.kind for r in found}
    assert kinds.get(("testdrug_b", "testdrug_c")) == "add-on", kinds
    assert kinds.get(("testdrug_a", "testdrug_b", "testdrug_c")) == "add-on", kinds
