"""Statements joined in one cell (a dose's basis, a pathway option's flags) read as one
sentence: no '.;' where a statement's full stop meets the separator."""

from __future__ import annotations

from advisor.report import render
from advisor.report.formatting import statements


def test_statements_drop_their_own_full_stops():
    assert statements(["Check levels.", " start 5 mg/day. ", "", "see the label"]) == \
        "Check levels; start 5 mg/day; see the label"


def test_rendered_dose_basis_and_pathway_flags_have_no_full_stop_before_a_separator(kb):
    from advisor.consult import consult
    from advisor.inputs.patient import validate_patient

    patient = validate_patient(kb, {
        "age_years": 66, "weight_kg": 70, "sex": "male",
        "seizure_types": ["focal", "status_epilepticus"], "genotypes": {"CYP2C9": "*3/*3"},
        "current_medications": ["phenytoin"], "candidate_drugs": ["lacosamide"],
        "renal": {"egfr_ml_min": 40}})
    result = consult(kb, patient)
    for fmt in ("markdown", "html"):
        text = render(result, fmt, kb)
        doses = text[text.index("Doses"):text.index("Drug resistance")]
        pathway = text[text.index("tatus epilepticus"):]
        assert ".; " not in doses, fmt
        assert ".; " not in pathway.split("Sources")[0].split("References")[0], fmt


def test_an_if_started_reason_has_no_full_stop_before_a_separator(kb):
    """Perampanel taken, carbamazepine considered: its 'if carbamazepine is started' reason
    joins the interaction's management (ending in a full stop) and the band with '; ', not
    '.; '."""
    from advisor.consult import consult
    from advisor.inputs.patient import validate_patient

    result = consult(kb, validate_patient(kb, {
        "age_years": 28, "weight_kg": 75, "sex": "male", "seizure_types": ["focal"],
        "current_medications": ["perampanel"], "candidate_drugs": ["carbamazepine"]}))
    perampanel = next(d for d in result.doses if d.drug == "perampanel")
    whys = [c.why for c in perampanel.if_started]
    assert whys and not any(".;" in w for w in whys), whys
