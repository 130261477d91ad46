"""FHIR medications -> knowledge-base drugs.

A MedicationRequest names its drug in ``medicationCodeableConcept`` or through
``medicationReference`` (a contained Medication, a Medication elsewhere in the same Bundle,
or only the reference's ``display``). A coding is matched first by code: RxNorm and ATC codes
the knowledge base carries for the drug (ingredient RxCUIs; an order coded with a clinical
drug RxCUI that the knowledge base does not list falls through), then by name: the coding's
``display`` and the concept's ``text``, as a whole and then as runs of words
("carbamazepine 200 MG Oral Tablet" -> carbamazepine), through the knowledge base's names,
synonyms and brand names; a name that is one ingredient of another name found (ritonavir in
"nirmatrelvir 150 MG / ritonavir 100 MG", named nirmatrelvir/ritonavir) is not taken alone.
A medication that matches nothing is not the advisor's to judge.

A product for local use on the skin, eye or ear (a word of its name or route such as topical,
cutaneous, dermal, ointment, cream, ophthalmic, ocular, eye, otic or ear) matches nothing
either: the knowledge base's interactions are about the drug in the blood, and such a
product puts little there (tacrolimus ointment: systemic exposure below 1 ng/mL, Protopic
prescribing information, LEO Pharma, as read in a MIMS Philippines copy). A transdermal
patch, vaginal ring or nasal spray is systemic and is matched.

A rescue product (Valtoco; a nasal, rectal or buccal form of a drug that has rescue products
in the knowledge base) is matched with the product's name, which the patient file lists: the
drug is then the patient's rescue treatment, one dose per seizure emergency, not a daily
maintenance dose to check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.knowledge.base import normalize_name

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
MAX_WORDS = 4  # the longest run of words tried as a name
MIN_PART_CHARS = 4  # a name inside a longer text: at least this long (no 3-letter abbreviations)
PUNCTUATION = "()[]{},;:\"'"
LOCAL_USE = frozenset({"topical", "cutaneous", "dermal", "ointment", "cream", "lotion",
                       "shampoo", "ophthalmic", "ophth", "ocular", "eye", "conjunctival",
                       "intravitreal", "otic", "auricular", "ear"})  # words of a local product
STRENGTH_UNITS = frozenset({"mg", "ml", "mcg", "g", "microgram", "micrograms", "actuat",
                            "actuation", "actuations"})  # '5 MG/ACTUAT'
# words of a route of rescue products -> the word their names use
RESCUE_ROUTES = {"nasal": "nasal", "intranasal": "nasal", "rectal": "rectal",
                 "buccal": "buccal", "oromucosal": "buccal"}


@dataclass(frozen=True)
class Match:
    """The knowledge-base drugs a medication is, and how they were recognised."""

    drugs: tuple[str, ...]
    by: str | None  # "rxnorm" | "atc" | "name" | None (not recognised)
    rescue: str | None = None  # the rescue product's name (Valtoco), for a rescue product


NO_MATCH = Match((), None)


class MedicationCodes:
    """RxNorm and ATC codes of the knowledge base's drugs and co-medications; a code given to
    more than one of them is left out (it decides nothing)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        found: dict[str, dict[str, set[str]]] = {RXNORM: {}, ATC: {}}
        for name, med in [*kb.drugs.items(), *kb.comedications.items()]:
            for system, codes in ((RXNORM, med.rxnorm), (ATC, med.atc)):
                for code in codes.codes if codes else []:
                    found[system].setdefault(code, set()).add(name)
        self.codes = {system: {code: next(iter(names)) for code, names in table.items()
                               if len(names) == 1} for system, table in found.items()}

    def coded(self, system: str) -> dict[str, str]:
        """Code -> drug for one coding system."""
        return self.codes[system]

    def concept(self, concept: Any) -> Match:
        """The drugs a CodeableConcept names: by code, else by name."""
        if not isinstance(concept, dict):
            return NO_MATCH
        codings = [c for c in concept.get("coding") or [] if isinstance(c, dict)]
        for system, how in ((RXNORM, "rxnorm"), (ATC, "atc")):
            drugs = [self.codes[system][str(c.get("code"))] for c in codings
                     if c.get("system") == system and str(c.get("code")) in self.codes[system]]
            if drugs:
                return Match(tuple(dict.fromkeys(drugs)), how)
        texts = [c.get("display") for c in codings] + [concept.get("text")]
        return self.named(t for t in texts if isinstance(t, str))

    def named(self, texts: Iterable[str]) -> Match:
        """The drugs the first text that names any does name."""
        for text in texts:
            drugs = names_in(self.kb, text)
            if drugs:
                return Match(drugs, "name")
        return NO_MATCH

    def medication(self, request: dict[str, Any], bundle_media: dict[str, dict[str, Any]]
                   ) -> Match:
        """The drugs of a MedicationRequest (``bundle_media``: Medication resources of the
        same Bundle by ``Medication/<id>``); none for a product for local use."""
        texts = medication_texts(request, bundle_media)
        if LOCAL_USE.intersection(w for t in texts for w in _words(t)):
            return NO_MATCH
        match = self._medication(request, bundle_media)
        if len(match.drugs) == 1 and match.drugs[0] in self.kb.drugs:
            product = rescue_product(self.kb, match.drugs[0], texts)
            if product is not None:
                return Match(match.drugs, match.by, product)
        return match

    def _medication(self, request: dict[str, Any], bundle_media: dict[str, dict[str, Any]]
                    ) -> Match:
        if "medicationCodeableConcept" in request:
            return self.concept(request["medicationCodeableConcept"])
        ref = request.get("medicationReference")
        if not isinstance(ref, dict):
            return NO_MATCH
        target = str(ref.get("reference") or "")
        medication = None
        if target.startswith("#"):
            medication = next((c for c in request.get("contained") or []
                               if isinstance(c, dict) and c.get("resourceType") == "Medication"
                               and c.get("id") == target[1:]), None)
        elif target:  # relative (Medication/<id>) or absolute: the last two segments
            medication = bundle_media.get("/".join(target.split("/")[-2:]))
        if medication is not None:
            match = self.concept(medication.get("code"))
            if match.drugs:
                return match
        display = ref.get("display")
        return self.named([display] if isinstance(display, str) else [])


def concept_texts(concept: Any) -> list[str]:
    """A CodeableConcept's text and its codings' displays."""
    if not isinstance(concept, dict):
        return []
    return [t for t in [concept.get("text"), *(c.get("display") for c in concept.get("coding")
                                               or [] if isinstance(c, dict))]
            if isinstance(t, str)]


def medication_texts(request: dict[str, Any], bundle_media: dict[str, dict[str, Any]]
                     ) -> list[str]:
    """A MedicationRequest's medication names and forms, and its dosage instructions'
    routes."""
    texts = concept_texts(request.get("medicationCodeableConcept"))
    ref = request.get("medicationReference")
    if isinstance(ref, dict):
        texts += [ref["display"]] if isinstance(ref.get("display"), str) else []
        target = str(ref.get("reference") or "")
        media = [c for c in request.get("contained") or [] if isinstance(c, dict)
                 and target.startswith("#") and c.get("id") == target[1:]]
        media += [bundle_media.get("/".join(target.split("/")[-2:]))] if target else []
        for medication in (m for m in media if isinstance(m, dict)):
            texts += [*concept_texts(medication.get("code")),
                      *concept_texts(medication.get("form"))]
    for dosage in request.get("dosageInstruction") or []:
        if isinstance(dosage, dict):
            texts += concept_texts(dosage.get("route"))
    return texts


def _words(text: str) -> list[str]:
    return [w.strip(PUNCTUATION) for w in normalize_name(text).replace("/", " ").split()]


def rescue_product(kb: KnowledgeBase, drug: str, texts: list[str]) -> str | None:
    """The rescue product of ``drug`` a medication is: one its texts name (Valtoco), else
    the route its texts give with the drug ('rectal diazepam', no one product's name, so no
    product's labelled ages), else the first whose name has that route; None when it is not
    one (or the drug has no rescue product)."""
    names = kb.drugs[drug].rescue_names
    for text in texts:  # strengths left out: 'diazepam 10 MG Rectal Gel' is a rectal gel
        low = " ".join(w for w in _words(text)
                       if not any(c.isdigit() for c in w) and w not in STRENGTH_UNITS)
        for name in names:
            if re.search(rf"(?<![a-z0-9]){re.escape(normalize_name(name))}(?![a-z0-9])", low):
                return name
    routes = sorted({RESCUE_ROUTES[w] for t in texts for w in _words(t) if w in RESCUE_ROUTES})
    generic = {normalize_name(n): n for n in names}  # 'rectal diazepam': no one product's
    for route in routes:
        if f"{route} {drug}" in generic:
            return generic[f"{route} {drug}"]
    return next((name for name in names if set(routes) & set(_words(name))), None)


def names_in(kb: KnowledgeBase, text: str) -> tuple[str, ...]:
    """Knowledge-base drugs named in a text: the whole text, else each longest run of up to
    :data:`MAX_WORDS` words (of at least :data:`MIN_PART_CHARS` characters) that is a name,
    synonym or brand name."""
    whole = kb.resolve_drug(text)
    if whole is not None:
        return (whole,)
    words = [w.strip(PUNCTUATION) for w in normalize_name(text.replace("/", " / ")).split()]
    found: list[str] = []
    i = 0
    while i < len(words):
        step = 1
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(words[i:i + n])
            drug = kb.resolve_drug(phrase) if len(phrase) >= MIN_PART_CHARS else None
            if drug is not None:
                found.append(drug)
                step = n
                break
        i += step
    return _without_ingredients(kb, tuple(dict.fromkeys(found)))


def _without_ingredients(kb: KnowledgeBase, found: tuple[str, ...]) -> tuple[str, ...]:
    """The drugs found, less any named as one ingredient of another's combination name
    ('nirmatrelvir 150 MG / ritonavir 100 MG': the nirmatrelvir/ritonavir course, not also
    long-term ritonavir)."""
    if len(found) < 2:
        return found
    names: dict[str, set[str]] = {d: set() for d in found}
    parts: dict[str, set[str]] = {d: set() for d in found}
    for alias, drug in kb.drug_aliases.items():
        if drug in names:
            names[drug].add(alias)
            if "/" in alias:
                parts[drug].update(p.strip() for p in alias.split("/"))
    return tuple(d for d in found
                 if not any(other != d and names[d] & parts[other] for other in found))
