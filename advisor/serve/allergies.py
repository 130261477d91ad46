"""Allergy and intolerance records (FHIR R4 AllergyIntolerance, prefetch key ``allergies``)
as the patient file's ``adverse_reactions``.

A record counts when it names an antiseizure medication of the knowledge base (by RxNorm or
ATC code or by name, as a MedicationRequest's drug is matched), is not inactive or resolved,
and is not refuted or entered in error. Its reaction is read from the words of its
manifestations (their text and codings' displays), the most serious first: SJS/TEN, DRESS,
angioedema, aplastic anaemia or agranulocytosis, pancreatitis, liver injury, then a rash. A
record whose reaction is none of these (or not given) is not judged: the cards name it, so
that the prescriber checks it.
"""

from __future__ import annotations

import re
from typing import Any

from advisor.serve.medications import MedicationCodes, concept_texts

REACTION_WORDS = (
    ("sjs_ten", ("stevens-johnson", "stevens johnson", "toxic epidermal necrolysis", "lyell",
                 "sjs", "ten", "sjs/ten")),
    ("dress", ("drug reaction with eosinophilia", "drug rash with eosinophilia", "dress",
               "drug-induced hypersensitivity syndrome", "dihs")),
    ("angioedema", ("angioedema", "angio-oedema", "angiooedema")),
    ("aplastic_anaemia", ("aplastic", "agranulocytosis")),
    ("pancreatitis", ("pancreatitis",)),
    ("hepatotoxicity", ("hepatitis", "liver injury", "hepatotoxicity", "liver failure")),
    ("hypersensitivity_rash", ("rash", "exanthem", "eruption", "urticaria", "hives")),
)
INACTIVE = {"inactive", "resolved"}
UNVERIFIED = {"refuted", "entered-in-error"}


def _status(concept: Any) -> set[str]:
    return {str(c.get("code")) for c in (concept or {}).get("coding") or []
            if isinstance(c, dict)} if isinstance(concept, dict) else set()


def reaction_of(texts: list[str]) -> str | None:
    """The most serious reaction the words name (whole words or phrases), or None."""
    text = " ".join(t.lower() for t in texts)
    for reaction, words in REACTION_WORDS:
        if any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text) for w in words):
            return reaction
    return None


def adverse_reactions(codes: MedicationCodes, records: list[dict[str, Any]]
                      ) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """The patient file's ``adverse_reactions`` from AllergyIntolerance records, and the
    records of antiseizure medications whose reaction is not read, as (drug, what the record
    says: "nausea")."""
    found: list[dict[str, str]] = []
    unread: list[tuple[str, str]] = []
    for record in records:
        if _status(record.get("clinicalStatus")) & INACTIVE or \
                _status(record.get("verificationStatus")) & UNVERIFIED:
            continue
        drugs = [d for d in codes.concept(record.get("code")).drugs if d in codes.kb.drugs]
        words = [t for r in record.get("reaction") or [] if isinstance(r, dict)
                 for m in r.get("manifestation") or [] for t in concept_texts(m)]
        reaction = reaction_of(words)
        for drug in drugs:
            if reaction is None:
                said = ", ".join(dict.fromkeys(words))[:80] or "reaction not given"
                unread.append((drug, said))
            else:
                found.append({"drug": drug, "reaction": reaction,
                              "note": "from the record's allergy and intolerance list"})
    return found, list(dict.fromkeys(unread))
