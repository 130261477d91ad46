"""A kidney statement for one kind of dialysis never leaves a patient on the other kind with
the usual dose: without a statement for their kind, the dose has no number and says why."""

from __future__ import annotations

import shutil
from pathlib import Path

from advisor.consult import consult
from advisor.inputs.patient import validate_patient
from advisor.knowledge import load_knowledgebase
from tests.conftest import KB_DIR

PATIENT = {"age_years": 74, "weight_kg": 60, "sex": "female", "seizure_types": ["focal"],
           "candidate_drugs": ["brivaracetam"]}


def _dose(kb, dialysis: str):
    res = consult(kb, validate_patient(kb, {**PATIENT, "renal": {"dialysis": dialysis}}))
    return next(d for d in res.doses if d.drug == "brivaracetam")


def test_a_statement_for_haemodialysis_only_leaves_peritoneal_dialysis_without_a_number(
        tmp_path: Path):
    """Brivaracetam's 'not recommended in ESRD on dialysis' as it was once encoded (for
    haemodialysis only): a patient on peritoneal dialysis got 50-200 mg/day and no kidney
    line at all (review F H1)."""
    copy = tmp_path / "kb"
    shutil.copytree(KB_DIR, copy)
    path = copy / "drugs" / "brivaracetam.yaml"
    text = path.read_text()
    assert "  - dialysis: [haemodialysis, peritoneal]\n" in text
    path.write_text(text.replace("  - dialysis: [haemodialysis, peritoneal]\n",
                                 "  - dialysis: [haemodialysis]\n"))
    kb = load_knowledgebase(copy)
    assert _dose(kb, "haemodialysis").status == "not_recommended"
    dose = _dose(kb, "peritoneal")
    assert dose.status == "no_labelled_dose" and dose.recommended_daily_mg is None
    assert dose.basis[0].startswith("on peritoneal dialysis: the knowledge base has the "
                                    "label's statement for haemodialysis only, none for "
                                    "peritoneal dialysis: dose with specialist input")


def test_the_shipped_statement_covers_both_kinds(kb):
    for dialysis in ("haemodialysis", "peritoneal"):
        assert _dose(kb, dialysis).status == "not_recommended"
