"""Translate one genotype value (as a patient or a cohort cell gives it) to a phenotype.

Each translator works on a single distinct value; :mod:`advisor.genotype.table` applies
them to the distinct values of a whole column at once, so cohorts cost one call per
distinct genotype, not per sample.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from advisor.kb_schema import KNOWN_FUNCTIONS, Gene
from advisor.knowledge import KnowledgeBase


class GenotypeError(ValueError):
    """A genotype value that cannot be translated; the message names the key and value."""


@dataclass(frozen=True)
class Call:
    """A translated genotype: what was given, what it means, and the sources behind it."""

    key: str
    gene: str
    display: str  # normalised input, e.g. "*1/*3", "C/T", "positive", "p.(Arg43Gln)"
    value: str  # what rules test with value_in: genotype, carrier status or effect class
    phenotype: str
    activity_score: float | None
    evidence: tuple[str, ...]
    contested: bool = False


_STAR = re.compile(r"^\*[0-9]+(?:\.[0-9]+)?[A-Za-z]?$")
_HLA_ALIASES = {"positive": "positive", "pos": "positive", "+": "positive", "carrier": "positive",
                "negative": "negative", "neg": "negative", "-": "negative",
                "non-carrier": "negative", "noncarrier": "negative"}


def translate(kb: KnowledgeBase, key: str, raw: Any) -> Call:
    """Translate one value for an input key (gene, rsID or HLA allele)."""
    if key not in kb.input_keys:
        raise GenotypeError(f"unknown gene or genotype key {key!r}")
    gene = kb.genes[kb.input_keys[key]]
    match gene.kind:
        case "star_allele":
            return _star(gene, key, raw)
        case "snp":
            return _snp(gene, key, raw)
        case "hla":
            return _hla(gene, key, raw)
        case _:
            return _effect(gene, key, raw)


def _gene_sources(gene: Gene) -> list[str]:
    return list(gene.evidence.sources)


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def parse_diplotype(gene: Gene, key: str, raw: Any) -> tuple[str, str]:
    """Split a diplotype such as ``*1/*3`` into two known allele names, in table order."""
    if not isinstance(raw, str):
        raise GenotypeError(f"{key}: diplotype must be text like '*1/*3', got {raw!r}")
    parts = [p.strip() for p in re.split(r"[/|]", raw.strip())]
    if len(parts) != 2 or not all(_STAR.match(p) for p in parts):
        raise GenotypeError(f"{key}: malformed diplotype {raw!r} (expected two star alleles "
                            "like '*1/*3')")
    order = {a.name: i for i, a in enumerate(gene.alleles)}
    unknown = [p for p in parts if p not in order]
    if unknown:
        raise GenotypeError(f"{key}: unknown allele {unknown[0]!r} in {raw!r}")
    a, b = sorted(parts, key=order.__getitem__)
    return a, b


def star_phenotype(gene: Gene, a: str, b: str) -> tuple[str, float | None]:
    """Phenotype and activity score of a diplotype of known alleles."""
    alleles = {al.name: al for al in gene.alleles}
    pair = (alleles[a], alleles[b])
    if gene.phenotype_method == "activity_score":
        if any(al.function not in KNOWN_FUNCTIONS for al in pair):
            return gene.indeterminate_phenotype, None
        score = sum(al.activity_value for al in pair)
        for rule in gene.phenotypes:
            if rule.activity_score and rule.activity_score.lo <= score <= rule.activity_score.hi:
                return rule.phenotype, score
        return gene.indeterminate_phenotype, score
    functions = sorted(al.function for al in pair)
    for rule in gene.phenotypes:
        if rule.functions and sorted(rule.functions) == functions:
            return rule.phenotype, None
    return gene.indeterminate_phenotype, None


def _star(gene: Gene, key: str, raw: Any) -> Call:
    a, b = parse_diplotype(gene, key, raw)
    phenotype, score = star_phenotype(gene, a, b)
    alleles = {al.name: al for al in gene.alleles}
    sources = _gene_sources(gene)
    contested = gene.evidence.contested
    for al in (alleles[a], alleles[b]):
        if al.evidence:
            sources += al.evidence.sources
            contested = contested or al.evidence.contested
    return Call(key, gene.symbol, f"{a}/{b}", f"{a}/{b}", phenotype, score, _dedupe(sources),
                contested)


def _snp(gene: Gene, key: str, raw: Any) -> Call:
    options = [g for g in gene.genotypes if g.variant == key]
    text = str(raw).strip().upper() if isinstance(raw, str) else None
    alleles = re.findall(r"[ACGT]", text) if text else []
    if text is None or len(alleles) != 2 or re.sub(r"[ACGT/|\s]", "", text):
        raise GenotypeError(f"{key}: malformed genotype {raw!r} (expected two nucleotides on "
                            "the gene's reported strand, like 'C/T')")
    wanted = Counter(alleles)
    for option in options:
        if Counter(re.findall(r"[ACGT]", option.genotype)) == wanted:
            sources = _gene_sources(gene) + (option.evidence.sources if option.evidence else [])
            contested = gene.evidence.contested or bool(
                option.evidence and option.evidence.contested)
            return Call(key, gene.symbol, option.genotype, option.genotype, option.phenotype,
                        None, _dedupe(sources), contested)
    known = ", ".join(o.genotype for o in options)
    raise GenotypeError(f"{key}: genotype {raw!r} is not one of {known}")


def _hla(gene: Gene, key: str, raw: Any) -> Call:
    text = str(raw).strip().lower() if isinstance(raw, str | bool) else None
    if isinstance(raw, bool):
        text = "positive" if raw else "negative"
    value = _HLA_ALIASES.get(text or "")
    if value is None or value not in gene.values:
        raise GenotypeError(f"{key}: carrier status must be 'positive' or 'negative', got {raw!r}")
    allele = next(a for a in gene.alleles if f"{gene.symbol}{a.name}" == key)
    sources = _gene_sources(gene) + (allele.evidence.sources if allele.evidence else [])
    phenotype = f"{key} {'carrier' if value == 'positive' else 'non-carrier'}"
    return Call(key, gene.symbol, value, value, phenotype, None, _dedupe(sources))


def _effect(gene: Gene, key: str, raw: Any) -> Call:
    classes = {c.name: c for c in gene.effect_classes}
    variants = {}
    for kv in gene.known_variants:
        for name in (kv.variant, *kv.aliases):
            variants[_variant_key(name)] = kv
    if isinstance(raw, dict):
        extra = set(raw) - {"variant", "effect"}
        if extra or not raw:
            raise GenotypeError(f"{key}: a variant mapping has 'variant' and/or 'effect', "
                                f"got keys {sorted(raw)}")
        name, effect = raw.get("variant"), raw.get("effect")
    elif isinstance(raw, str):
        stripped = raw.strip()
        name, effect = (None, stripped) if stripped in classes else (stripped, None)
    else:
        raise GenotypeError(f"{key}: expected an effect class or a variant, got {raw!r}")
    if effect is not None and effect not in classes:
        raise GenotypeError(f"{key}: unknown effect {effect!r} (expected one of "
                            f"{', '.join(classes)})")
    known = variants.get(_variant_key(name)) if name else None
    if name and known is None and effect is None:
        raise GenotypeError(f"{key}: variant {name!r} is not in the knowledge base; give its "
                            "effect too, e.g. {variant: ..., effect: loss_of_function}")
    if known and effect and known.effect != effect:
        raise GenotypeError(f"{key}: variant {name!r} is {known.effect} in the knowledge base, "
                            f"not {effect}")
    effect = effect or known.effect
    cls = classes[effect]
    sources = _gene_sources(gene) + (cls.evidence.sources if cls.evidence else [])
    if known:
        sources += known.evidence.sources
        display = known.variant
        phenotype = f"{cls.phenotype} ({known.variant}" + (
            f": {known.phenotype})" if known.phenotype else ")")
    else:
        display = name or effect
        phenotype = cls.phenotype + (" (variant effect as reported)" if name else "")
    contested = gene.evidence.contested or bool(cls.evidence and cls.evidence.contested)
    return Call(key, gene.symbol, display, effect, phenotype, None, _dedupe(sources), contested)


def _variant_key(name: str | None) -> str:
    return re.sub(r"[\s()]", "", name or "").lower()
