"""Drug files (``knowledgebase/drugs/*.yaml``) and co-medications."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from advisor.schema.common import CodeSet, Evidence, Range, Severity, Strict
from advisor.schema.dosing import Band, Dosing, Indication

PgpStatus = Literal["substrate", "likely_substrate", "conflicting", "not_substrate", "unknown"]


class SeizureScope(Strict):
    seizure_types: list[str] = Field(default_factory=list)
    syndromes: list[str] = Field(default_factory=list)
    # True when the seizure types are treated only within the listed syndromes
    # (e.g. a drug licensed for the seizures of Dravet or Lennox-Gastaut syndrome).
    syndrome_only: bool = False
    evidence: Evidence

    def covers(self, seizure_type: str, syndrome: str | None) -> bool:
        """Whether the drug treats this seizure type in this syndrome. A drug listed for
        syndromes only (no seizure types: e.g. ganaxolone, 'seizures associated with CDKL5
        deficiency disorder') covers every seizure type of those syndromes."""
        if not self.seizure_types:
            return syndrome in self.syndromes
        in_scope = not self.syndrome_only or syndrome in self.syndromes
        return in_scope and seizure_type in self.seizure_types


class Aggravation(Strict):
    seizure_types: list[str] = Field(default_factory=list)
    syndromes: list[str] = Field(default_factory=list)
    action: Literal["avoid", "use_with_caution", "monitor"]
    severity: Severity
    message: str
    evidence: Evidence


class EnzymeRole(Strict):
    enzyme: str
    role: Literal["major", "minor"]
    evidence: Evidence


class EnzymeEffect(Strict):
    enzyme: str
    strength: Literal["strong", "moderate", "weak"]
    evidence: Evidence
    note: str | None = None


class PgpSubstrate(Strict):
    status: PgpStatus
    evidence: Evidence | None = None

    @model_validator(mode="after")
    def _evidence_unless_unknown(self) -> PgpSubstrate:
        if self.status != "unknown" and self.evidence is None:
            raise ValueError(f"P-gp status {self.status!r} needs evidence")
        return self


class SafetyNote(Strict):
    """A reproductive or long-term safety point shown where it applies to the patient."""

    topic: Literal["boxed_warning", "pregnancy", "contraception", "bone_health", "long_term",
                   "other"]
    sex: Literal["female", "male"] | None = None
    age_years: Range | None = None
    text: str
    evidence: Evidence


class AdverseEffects(Strict):
    tags: list[str]
    evidence: Evidence


class RestrictedUse(Strict):
    """A label restriction to patients who failed alternatives (e.g. for a boxed harm);
    ``except_for``: the seizure types or syndromes the restriction leaves out (a patient
    with any of them is not restricted)."""

    note: str
    except_for: Indication | None = None
    evidence: Evidence


class ProductAges(Strict):
    """The ages one rescue product's label covers (its names: brand and the product form
    only it has, such as 'diazepam nasal spray' for Valtoco), from the product's evidence."""

    names: list[str] = Field(min_length=1)
    age_years: Band
    note: str


class RescueProducts(Strict):
    """Products of the drug made only for seizure emergencies (clusters, prolonged
    seizures): a patient who names one takes the drug as rescue treatment, not as part of
    the maintenance regimen."""

    names: list[str] = Field(min_length=1)
    # the ages a product's label covers (of the names above; a name not listed: none read)
    labelled_ages: list[ProductAges] = Field(default_factory=list)
    evidence: Evidence

    @model_validator(mode="after")
    def _aged_names_listed(self) -> RescueProducts:
        unknown = sorted({n for a in self.labelled_ages for n in a.names} - set(self.names))
        if unknown:
            raise ValueError(f"labelled_ages names products not under names: {unknown}")
        return self

    def ages_of(self, named: list[str]) -> list[ProductAges]:
        """The labelled ages of the products named (compared without case)."""
        low = {n.lower() for n in named}
        return [a for a in self.labelled_ages if low & {n.lower() for n in a.names}]


class ConvertedTo(Strict):
    """ASMs the body makes of this drug (primidone -> phenobarbital): a failed adequate trial
    of one of them is a failed trial of much of this drug's effect."""

    drugs: list[str] = Field(min_length=1)
    evidence: Evidence


class Drug(Strict):
    name: str
    synonyms: list[str] = Field(default_factory=list)
    brand_names: list[str] = Field(default_factory=list)
    rescue_products: RescueProducts | None = None
    rxnorm: CodeSet | None = None  # RxNorm ingredient RxCUI
    atc: CodeSet | None = None  # WHO ATC code(s)
    primary_mechanism: str
    mechanisms: list[str] = Field(min_length=1)
    mechanism_evidence: Evidence
    spectrum: SeizureScope
    aggravates: list[Aggravation] = Field(default_factory=list)
    metabolism: list[EnzymeRole] = Field(default_factory=list)
    renal_elimination_percent: float | None = None
    pgp_substrate: PgpSubstrate
    induces: list[EnzymeEffect] = Field(default_factory=list)
    inhibits: list[EnzymeEffect] = Field(default_factory=list)
    dosing: Dosing
    adverse_effects: AdverseEffects
    restricted_use: RestrictedUse | None = None
    converted_to: ConvertedTo | None = None
    safety_notes: list[SafetyNote] = Field(default_factory=list)
    notes: str | None = None

    @property
    def rescue_names(self) -> list[str]:
        """The names of its rescue-only products (none without ``rescue_products``)."""
        return self.rescue_products.names if self.rescue_products else []

    @property
    def own_names(self) -> list[str]:
        """Its name, synonyms and brand names."""
        return [self.name, *self.synonyms, *self.brand_names]

    @model_validator(mode="after")
    def _primary_listed(self) -> Drug:
        if self.primary_mechanism not in self.mechanisms:
            raise ValueError("primary_mechanism must also be listed in mechanisms")
        return self


class Unaffected(Strict):
    """What a source says of a co-medication that antiseizure medications do not affect."""

    statement: str
    evidence: Evidence


class Comedication(Strict):
    name: str
    synonyms: list[str] = Field(default_factory=list)
    # Free vocabulary on purpose: classes only group co-medications for display.
    drug_class: str = Field(alias="class")
    rxnorm: CodeSet | None = None
    atc: CodeSet | None = None
    metabolism: list[EnzymeRole] = Field(default_factory=list)
    # A course of days to weeks (an antibiotic): its interactions are flagged, and their
    # management is for the course, but they do not steer the long-term regimen ranking.
    short_course: bool = False
    # how people read it, when the name in words would read wrongly ("st johns wort")
    display: str | None = None
    # a combination product: the co-medications it contains, each judged as taken with it
    components: list[str] = Field(default_factory=list)
    notes: str | None = None
    # documented to interact with no antiseizure medication (the levonorgestrel IUD): not
    # reported as checked in part, and said so with its source
    unaffected: Unaffected | None = None


class ComedicationsFile(Strict):
    comedications: list[Comedication]


