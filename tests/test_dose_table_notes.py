"""A note about the patient's inputs that several dose rows carry ('eGFR used in place of
creatinine clearance ...') is said once above the dose table, naming its drugs, not in
every row (review U C5: one paragraph in 11 rows); a note carried by one row stays in it."""

from __future__ import annotations

import re

from advisor.consult import consult
from advisor.dosing import EGFR_USED
from advisor.inputs.patient import validate_patient
from advisor.report import render
from advisor.report.formatting import shared_notes


def _consult(kb, candidates: list[str]):
    return consult(kb, validate_patient(kb, {
        "age_years": 60, "weight_kg": 70, "sex": "male", "seizure_types": ["focal"],
        "renal": {"egfr_ml_min": 25}, "current_medications": ["levetiracetam"],
        "candidate_drugs": candidates}))


def test_the_egfr_note_is_said_once_for_its_rows(kb):
    res = _consult(kb, ["lacosamide", "pregabalin", "gabapentin"])
    with_note = [d.drug for d in res.doses if EGFR_USED in d.basis]
    assert len(with_note) >= 3, with_note
    assert shared_notes(res.doses)[EGFR_USED] == with_note
    for fmt in ("markdown", "html"):
        text = render(res, fmt)
        assert text.count("eGFR used in place of creatinine clearance") == 1, fmt
        assert re.search(r"For (levetiracetam|[a-z]+, [a-z, ]*levetiracetam[a-z, ]*): eGFR "
                         "used in place", text), fmt


def test_a_note_on_one_row_stays_in_the_row(kb):
    res = _consult(kb, ["lacosamide"])
    rows = [d for d in res.doses if d.drug == "lacosamide"]
    assert EGFR_USED in rows[0].basis
    assert shared_notes(rows) == {}
