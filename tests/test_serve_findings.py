"""The CDS Hooks cards come from :func:`advisor.consult.order_findings`, the consult's judging
without the parts no card shows: on every clinical vignette of ``tests/cases`` (children,
pregnancy, kidneys, past reactions, syndromes, interactions), with the patient's candidate
drugs ordered (every drug for a vignette without candidates), its flags, doses, regimens and
cards are those of the full consult."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from advisor.consult import consult, order_findings, order_findings_many, prepare
from advisor.inputs.patient import validate_patient
from advisor.serve.cards import cards
from advisor.serve.hook import Order
from advisor.serve.medications import Match

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
RANDOM = re.compile(r"'uuid': '[0-9a-f-]{36}'")


def _patient(kb, path: Path):
    return validate_patient(kb, {"id": path.stem, **yaml.safe_load(path.read_text())["patient"]})


def _ordered(kb, patient) -> list[str]:
    return patient.candidate_drugs or list(kb.drugs)


def _cards(kb, result, patient) -> str:
    orders = [Order(f"MedicationRequest/{i}", {
        "resourceType": "MedicationRequest", "id": str(i), "status": "draft",
        "intent": "order", "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": {"text": drug}}, Match((drug,), "name"))
        for i, drug in enumerate(_ordered(kb, patient))]
    current = [d for d in patient.current_medications if d in kb.drugs]
    made = cards(kb, result, orders, current_asms=current, taking=current,
                 report_url="https://advisor.example/report/x")
    return RANDOM.sub("'uuid': ''", repr(made))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_cards_from_the_findings_are_the_consults(kb, path):
    patient = _patient(kb, path)
    full = consult(kb, patient)
    lean = order_findings(kb, patient, _ordered(kb, patient))
    assert lean.flags == full.flags
    shown = {*_ordered(kb, patient), *patient.current_medications}
    assert lean.doses == [d for d in full.doses if d.drug in shown]
    note = kb.regimens.weights.high_risk_polytherapy_note_threshold
    for mine, theirs in zip(lean.regimens, full.regimens, strict=True):
        # without the risk estimate, only the rationale's note on a high risk is missing
        extra = [r for r in theirs.rationale if r not in mine.rationale]
        assert all(r.startswith("Estimated risk of drug resistance") for r in extra), extra
        assert not extra or (full.risk.p_drug_resistance or 0) >= note
        assert mine.model_copy(update={"rationale": []}) == theirs.model_copy(
            update={"rationale": [], "evidence": mine.evidence})
        assert set(theirs.evidence) >= set(mine.evidence)
    assert (lean.provenance.advisor_version, lean.provenance.knowledgebase_sha256) == (
        full.provenance.advisor_version, full.provenance.knowledgebase_sha256)
    # advice at the order: the consult's advice about the ordered drugs (not its rationale);
    # every drug is ordered for a vignette without candidates, more than the consult has in
    # play
    ordered = set(_ordered(kb, patient))
    at_order = {a.id for a in kb.advice if ordered & set(a.drugs) and a.topic != "rationale"}
    consulted = [a for a in full.advice if a.id in at_order]
    if patient.candidate_drugs:
        assert lean.advice == consulted
    else:
        assert all(a in lean.advice for a in consulted)
    assert _cards(kb, lean, patient) == _cards(
        kb, full.model_copy(update={"advice": lean.advice}), patient)


def test_the_findings_give_cards_where_the_consult_does(kb):
    """The comparison above is not of empty lists: most vignettes give cards, and some a
    card that replaces the order (the only kind that ranks the regimens)."""
    made = [_cards(kb, order_findings(kb, p, _ordered(kb, p)), p)
            for p in map(lambda path: _patient(kb, path), CASES)]
    assert sum(c != "[]" for c in made) >= len(CASES) // 2
    assert sum("'type': 'create'" in c for c in made) >= 20


def test_judged_together_as_one_by_one(kb):
    """The service judges the requests that wait for the engine together: every vignette
    in one batch gives the findings each gives alone (rows do not leak into each other)."""
    patients = [_patient(kb, path) for path in CASES]
    ordered = [_ordered(kb, p) for p in patients]
    together = order_findings_many(kb, [prepare(kb, p) for p in patients], ordered)
    assert len(together) == len(patients)
    for patient, drugs, mine in zip(patients, ordered, together, strict=True):
        alone = order_findings(kb, patient, drugs)
        assert (mine.flags, mine.doses, mine.regimens) == (alone.flags, alone.doses,
                                                           alone.regimens), patient.id


@pytest.mark.parametrize(("text", "limit", "keep", "cut"), [
    # a clause boundary late enough: the phrase before it, whole
    ("Ethinylestradiol induces lamotrigine glucuronidation; levels fall on active pills and "
     "rise in the pill-free week", 91, 0.5,
     "Ethinylestradiol induces lamotrigine glucuronidation…"),
    # never inside brackets: the boundary before the bracket
    ("Combined P-gp and strong CYP3A4 induction lowers apixaban exposure (risk of stroke, "
     "embolism and thrombosis in the patient)", 91, 0.5,
     "Combined P-gp and strong CYP3A4 induction lowers apixaban exposure…"),
    # no boundary late enough: at a word
    ("Previous SJS/TEN or DRESS with carbamazepine: lamotrigine is another aromatic "
     "antiseizure medication with documented cross-sensitivity", 91, 0.5,
     "Previous SJS/TEN or DRESS with carbamazepine: lamotrigine is another aromatic "
     "antiseizure…"),
    ("short enough", 91, 0.5, "short enough"),
])
def test_a_summary_is_cut_at_a_clause_where_one_is_late_enough(text, limit, keep, cut):
    from advisor.serve.cards import _cut

    assert _cut(text, limit, keep=keep) == cut
    assert len(cut) <= limit
