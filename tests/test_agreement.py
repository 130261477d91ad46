"""One source of truth for each number, over every example and case patient.

- A flag that asks for a dose change and the patient's dose row agree: a 'reduce dose' flag
  lowers the recommended dose, an 'increase dose' flag raises it, and a dose that differs
  from the labelled standard has a flag (dose change or organ function) that says why.
- A regimen's target dose is the dose table's recommended range for that drug.

A flag whose change is a start dose only (e.g. a higher first dose with an enzyme inducer)
agrees with a dose row that shows that start dose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from advisor.consult import consult, consult_file
from advisor.inputs.patient import validate_patient
from advisor.knowledge import KnowledgeBase, load_knowledgebase
from advisor.result import AddStep, ConsultResult, Dose, Flag
from tests.conftest import KB_DIR, ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
CASES = sorted((ROOT / "tests" / "cases").glob("*.yaml"))
PATIENTS = [pytest.param(p, id=f"example-{p.stem}") for p in EXAMPLES] + [
    pytest.param(p, id=p.stem) for p in CASES]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledgebase(KB_DIR)


@pytest.fixture(scope="module")
def results(kb) -> dict[Path, ConsultResult]:
    out = {p: consult_file(kb, p) for p in EXAMPLES}
    for path in CASES:
        case = yaml.safe_load(path.read_text())
        out[path] = consult(kb, validate_patient(kb, case["patient"]),
                            acute=case.get("acute", False))
    return out


def _judged(res: ConsultResult, dose: Dose) -> list[Flag]:
    """The flags the dose row of a drug is built from (not those that depend on an untested
    position, which the doses do not include)."""
    return [f for f in res.flags if f.drug == dose.drug and not f.depends_on_untested_position]


def _directions(dose: Dose) -> set[int]:
    """Which ways the recommended range moved from the standard, by its midpoint and by its
    top (a wider co-medication band can move them apart); empty when it did not move."""
    std, rec = dose.standard_daily_mg, dose.recommended_daily_mg
    if not std or not rec or rec == std:
        return set()
    moves = {sum(rec) - sum(std), rec[1] - std[1]}
    return {1 if m > 0 else -1 for m in moves if m}


@pytest.mark.parametrize("path", PATIENTS)
def test_dose_flags_and_dose_rows_agree(results, path):
    res = results[path]
    problems = []
    for dose in res.doses:
        if dose.status != "dosed":
            continue
        flags = _judged(res, dose)
        moved = _directions(dose)
        # a drug started now is dosed without an inducer the plan stops for a reaction (the
        # row says so): that inducer's flag does not move it (review Y H3)
        flags = [f for f in flags if not (f.interacting_drug and any(
            f"the label's dose without {f.interacting_drug}, as its induction wears off" in b
            for b in dose.basis))]
        reduce = [f.rule for f in flags if f.action == "reduce_dose"]
        increase = [f.rule for f in flags if f.action == "increase_dose"]
        explained = [f for f in flags if f.action in ("reduce_dose", "increase_dose")
                     or f.category == "organ_function"]
        # a start-dose-only change, or a change whose source gives no figure (said so)
        starts = any("start at" in b or "gives no figure, so this number does not include"
                     in b for b in dose.basis)
        if reduce and not increase and -1 not in moved and not starts:
            problems.append(f"{dose.drug}: 'reduce dose' ({', '.join(reduce)}) but the dose "
                            f"row is {dose.standard_daily_mg} -> {dose.recommended_daily_mg}")
        if increase and not reduce and 1 not in moved and not starts:
            problems.append(f"{dose.drug}: 'increase dose' ({', '.join(increase)}) but the dose "
                            f"row is {dose.standard_daily_mg} -> {dose.recommended_daily_mg}")
        if moved and not explained:
            problems.append(f"{dose.drug}: {dose.standard_daily_mg} -> "
                            f"{dose.recommended_daily_mg} with no flag saying why")
    assert not problems, problems


@pytest.mark.parametrize("path", PATIENTS)
def test_regimen_targets_are_the_dose_table(results, path):
    res = results[path]
    doses = {d.drug: d for d in res.doses}
    problems = []
    for reg in res.regimens:
        for step in reg.transition.steps:
            if not isinstance(step, AddStep) or not step.target_daily_mg:
                continue
            dose = doses.get(step.drug)
            table = dose.recommended_daily_mg if dose else None
            first = step.schedule[0].daily_mg if step.schedule else None
            if table and first and first > table[1]:  # a label start above a usual dose:
                table = [table[0], first]  # the plan targets the usual dose up to the start
            if table != step.target_daily_mg:
                problems.append(f"{' + '.join(reg.drugs)}: {step.drug} target "
                                f"{step.target_daily_mg}, dose table {table}")
    assert not problems, sorted(set(problems))
