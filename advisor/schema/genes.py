"""Gene files (``knowledgebase/genes/*.yaml``): a discriminated union on ``kind``.

Each kind of gene has its own model; what the engine does with each kind (input keys,
translation, VCF calling, pickers) lives in :mod:`advisor.genotype.kinds`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, TypeAdapter, model_validator

from advisor.schema.common import CodeSet, Evidence, Range, Strict

AlleleFunction = Literal[
    "normal_function",
    "decreased_function",
    "no_function",
    "increased_function",
    "uncertain_function",
    "unknown_function",
    "not_assigned",
]
KNOWN_FUNCTIONS = ("normal_function", "decreased_function", "no_function", "increased_function")


class Variant(Strict):
    id: str
    rsid: str | None = None
    position: int = Field(gt=0)
    ref: str
    alts: list[str] = Field(min_length=1)
    name: str | None = None
    protein: str | None = None
    coding_alleles: dict[str, str] | None = None


class StarAllele(Strict):
    name: str
    function: AlleleFunction
    activity_value: float | None = None
    defining: dict[str, str] = Field(default_factory=dict)
    callable_from_vcf: bool = True  # False for structural alleles (e.g. whole-gene deletions)
    evidence: Evidence | None = None
    note: str | None = None


class PhenotypeRule(Strict):
    phenotype: str
    activity_score: Range | None = None
    functions: tuple[AlleleFunction, AlleleFunction] | None = None

    @model_validator(mode="after")
    def _one_criterion(self) -> PhenotypeRule:
        if (self.activity_score is None) == (self.functions is None):
            raise ValueError("give exactly one of activity_score or functions")
        return self


class ContestedDiplotype(Strict):
    """A diplotype whose phenotype the guidelines assign differently (say how in ``note``)."""

    diplotype: str
    note: str
    evidence: Evidence


class SnpGenotype(Strict):
    variant: str
    genotype: str
    phenotype: str
    evidence: Evidence | None = None


class HlaAllele(Strict):
    name: str
    evidence: Evidence | None = None
    note: str | None = None


class EffectClass(Strict):
    name: str
    phenotype: str
    evidence: Evidence | None = None


class KnownVariant(Strict):
    variant: str
    aliases: list[str] = Field(default_factory=list)
    effect: str
    phenotype: str | None = None
    rsid: str | None = None
    position: int | None = None
    ref: str | None = None
    alt: str | None = None
    evidence: Evidence


class GeneBase(Strict):
    """Fields every gene file has."""

    symbol: str
    name: str
    chromosome: str
    strand: Literal["plus", "minus"]
    evidence: Evidence
    notes: str | None = None
    variants: list[Variant] = Field(default_factory=list)
    hgnc: CodeSet | None = None  # the HGNC gene id, e.g. HGNC:2623


class StarAlleleGene(GeneBase):
    """Star-allele diplotypes with allele functions and phenotype rules (CYP genes)."""

    kind: Literal["star_allele"]
    reference_allele: str
    genome_reference_allele: str | None = None
    alleles: list[StarAllele] = Field(min_length=1)
    phenotype_method: Literal["activity_score", "function_pair"]
    phenotypes: list[PhenotypeRule] = Field(min_length=1)
    indeterminate_phenotype: str
    # None: not reviewed per diplotype, so an allele with contested evidence marks every call
    # that carries it; a list: only these diplotypes have a contested phenotype.
    contested_diplotypes: list[ContestedDiplotype] | None = None


class SnpGene(GeneBase):
    """Single-nucleotide variants entered as genotypes on the literature strand."""

    kind: Literal["snp"]
    variants: list[Variant] = Field(min_length=1)
    genotypes: list[SnpGenotype] = Field(min_length=1)


class HlaGene(GeneBase):
    """Carrier status of named HLA alleles."""

    kind: Literal["hla"]
    alleles: list[HlaAllele] = Field(min_length=1)
    values: list[str] = Field(min_length=1)


class VariantEffectGene(GeneBase):
    """Variants classified by their functional effect (e.g. gain or loss of function)."""

    kind: Literal["variant_effect"]
    effect_classes: list[EffectClass] = Field(min_length=1)
    known_variants: list[KnownVariant] = Field(default_factory=list)


Gene = Annotated[StarAlleleGene | SnpGene | HlaGene | VariantEffectGene,
                 Field(discriminator="kind")]
GENE = TypeAdapter(Gene)
