"""Reproductive safety notes of the shipped knowledge base reach only the patients they can
concern: no contraception or pregnancy note for a newborn or a young child, and both for a
woman of child-bearing age."""

from __future__ import annotations

from advisor import transition
from advisor.inputs.patient import validate_patient

REPRODUCTIVE = ("contraception", "pregnancy")


def _topics(kb, **fields) -> set[tuple[str, str]]:
    patient = validate_patient(kb, {"seizure_types": ["focal"], **fields})
    return {(n.drug, n.topic) for n in transition.safety_notes(kb, patient, list(kb.drugs))}


def test_reproductive_notes_start_at_the_child_bearing_band(kb):
    for drug in kb.drugs.values():
        for note in drug.safety_notes:
            if note.topic in REPRODUCTIVE:
                assert note.sex == "female" and note.age_years.lo == 12, (drug.name, note.topic)


def test_no_reproductive_note_for_a_newborn_or_a_child(kb):
    for fields in ({"age_years": 0.02, "weight_kg": 3.2}, {"age_years": 8, "weight_kg": 25},
                   {"age_years": 8, "weight_kg": 25, "sex": "female"}):
        assert not {t for _, t in _topics(kb, **fields)} & set(REPRODUCTIVE), fields
    woman = _topics(kb, age_years=30, weight_kg=60, sex="female")
    assert ("carbamazepine", "contraception") in woman and ("valproate", "pregnancy") in woman


def test_the_carboxamides_carry_a_hyponatraemia_note_for_everyone(kb):
    """Carbamazepine, oxcarbazepine and eslicarbazepine lower sodium (label warnings): the
    note reaches an 82-year-old man, whom no reproductive note concerns."""
    patient = validate_patient(kb, {"seizure_types": ["focal"], "age_years": 82,
                                    "weight_kg": 58, "sex": "male"})
    notes = transition.safety_notes(kb, patient, ["carbamazepine", "oxcarbazepine",
                                                  "eslicarbazepine", "levetiracetam"])
    about_sodium = {n.drug for n in notes if n.text.startswith("Hyponatraemia")}
    assert about_sodium == {"carbamazepine", "oxcarbazepine", "eslicarbazepine"}


def test_no_contraception_note_during_a_pregnancy(kb):
    pregnant = _topics(kb, age_years=30, weight_kg=60, sex="female", pregnancy="pregnant")
    assert ("carbamazepine", "pregnancy") in pregnant
    assert not {t for _, t in pregnant} & {"contraception"}


def test_no_contraception_note_after_55(kb):
    """FSRH (2017): contraception can stop at 55, so an 84-year-old woman gets none."""
    assert not {t for _, t in _topics(kb, age_years=84, weight_kg=55, sex="female")} \
        & {"contraception"}
    assert ("carbamazepine", "contraception") in _topics(kb, age_years=52, weight_kg=60,
                                                         sex="female")
