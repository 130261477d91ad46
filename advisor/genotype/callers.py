"""Callers of one gene from one genotype pattern (allele codes per site, see
:mod:`advisor.genotype.sites`): star-allele diplotypes, SNP genotypes, known-variant effects.

Each caller is built by its gene kind (:mod:`advisor.genotype.kinds`), which hands it the
kind's own translation; :class:`advisor.genotype.vcf.VcfCaller` feeds it the patterns.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Protocol

import numpy as np

from advisor.genotype.call import Call, GenotypeError
from advisor.genotype.matcher import StarMatch, StarMatcher
from advisor.genotype.sites import MISSING, UNDOCUMENTED, Site, ploidy_problem
from advisor.schema.genes import (
    KnownVariant,
    SnpGene,
    StarAlleleGene,
    Variant,
    VariantEffectGene,
)

Translate = Callable[[str, object], Call]  # (input key, value) -> Call
StarPhenotype = Callable[[str, str], tuple[str, float | None]]  # (allele, allele) -> ...
_COMPLEMENT = str.maketrans("ACGTacgt", "TGCAtgca")


@dataclass(frozen=True)
class GeneCall:
    """One call for one sample: a gene (or, for SNP genes, one SNP)."""

    gene: str
    key: str  # the patient-file genotype key: gene symbol, or rsID for SNP genes
    diplotypes: tuple[str, ...]  # diplotypes / genotypes / effect classes, best first
    phenotype: str | None
    activity_score: float | None
    status: str  # called | ambiguous | no_call
    missing_positions: tuple[str, ...]
    message: str
    phenotypes: tuple[str, ...] = ()  # the phenotype of each listed diplotype (same order)


CALL_FIELDS = [f.name for f in fields(GeneCall)]


class PatternCaller(Protocol):
    sites: list[Site]
    keys: list[str]

    def call_many(self, first: np.ndarray, second: np.ndarray, block: np.ndarray
                  ) -> list[list[GeneCall]]:
        """One GeneCall per key for each genotype pattern (arrays of (patterns, sites))."""


def _no_call(gene: str, key: str, missing: tuple[str, ...], message: str) -> GeneCall:
    return GeneCall(gene, key, (), None, None, "no_call", missing, message)


def _where(site: Site) -> str:
    return f"{site.chrom}:{site.pos} ({site.key})"


class StarCaller:
    """Diplotypes by PharmCAT's method (:class:`~advisor.genotype.matcher.StarMatcher`)."""

    def __init__(self, gene: StarAlleleGene, phenotype: StarPhenotype):
        self.gene = gene
        self.phenotype = functools.cache(phenotype)
        self.matcher = StarMatcher(gene)
        self._descriptions: dict[tuple, tuple] = {}  # by diplotype list (see _described)
        self.sites = self.matcher.sites
        self.keys = [gene.symbol]

    def call(self, first: np.ndarray, second: np.ndarray, block: np.ndarray) -> list[GeneCall]:
        return self.call_many(first[None], second[None], block[None])[0]

    def call_many(self, first: np.ndarray, second: np.ndarray, block: np.ndarray
                  ) -> list[list[GeneCall]]:
        # a missing position can hide any allele defined there: with one missing, list every
        # diplotype the data allow, best first (PharmCAT's all-matches mode), not only the top
        low, high = np.minimum(first, second), np.maximum(first, second)
        top_only = ~((low == MISSING) & (high <= 0)).any(axis=1)
        matches = self.matcher.match_many(first, second, block, top_only)
        made: dict[StarMatch, GeneCall] = {}  # each distinct match is described once
        for m in matches:
            if m not in made:
                made[m] = self._gene_call(m)
        return [[made[m]] for m in matches]

    def _gene_call(self, m: StarMatch) -> GeneCall:
        symbol, notes = self.gene.symbol, []
        if m.missing and len(m.missing) < len(self.sites):
            notes.append(f"{len(m.missing)} of {len(self.sites)} positions missing")
            if gone := m.unassessable:
                more = f" and {len(gone) - 10} more" if len(gone) > 10 else ""
                notes.append(f"not assessable: {', '.join(gone[:10])}{more}")
        if not m.diplotypes:
            return _no_call(symbol, symbol, m.missing, "; ".join([m.problem, *notes]))
        if m.diplotypes not in self._descriptions:
            self._descriptions[m.diplotypes] = self._described(m.diplotypes)
        names, phenotypes, phenotype, score, differ = self._descriptions[m.diplotypes]
        if differ:
            notes.append(differ)
        if len(names) > 1:
            notes.insert(0, f"{len(names)} diplotypes are consistent with the data"
                         if m.missing else f"{len(names)} diplotypes fit equally well")
        return GeneCall(symbol, symbol, names, phenotype, score,
                        "called" if len(names) == 1 else "ambiguous", m.missing,
                        "; ".join(notes), phenotypes)

    def _described(self, diplotypes: tuple[tuple[str, str, int], ...]
                   ) -> tuple[tuple[str, ...], tuple[str, ...], str | None, float | None, str]:
        """Names and phenotypes of a list of diplotypes, the phenotype and activity score they
        share (None if they differ) and the note saying that they differ ('' if not)."""
        each = [self.phenotype(a, b) for a, b, _ in diplotypes]
        distinct = list(dict.fromkeys(each))
        phenotype, score = distinct[0] if len(distinct) == 1 else (None, None)
        differ = ""
        if len(distinct) > 1:
            span = list(dict.fromkeys(p for p, _ in distinct))
            differ = f"the possible diplotypes differ in phenotype ({', '.join(span)})"
        return (tuple(f"{a}/{b}" for a, b, _ in diplotypes), tuple(p for p, _ in each),
                phenotype, score, differ)


class SnpCaller:
    """The genotype of each SNP on the literature (coding) strand, e.g. ``C/T``."""

    def __init__(self, gene: SnpGene, translate: Translate):
        self.gene, self.translate = gene, translate
        used = {g.variant for g in gene.genotypes}
        self.variants: list[Variant] = [v for v in gene.variants if v.id in used]
        self.sites = [Site(v.id, gene.chromosome, v.position, (v.ref, *v.alts), v.rsid)
                      for v in self.variants]
        self.keys = [v.id for v in self.variants]

    def _coding(self, variant: Variant, allele: str) -> str:
        mapped = (variant.coding_alleles or {}).get(allele)
        if mapped:
            return mapped
        return allele.translate(_COMPLEMENT)[::-1] if self.gene.strand == "minus" else allele

    def call_many(self, first: np.ndarray, second: np.ndarray, block: np.ndarray
                  ) -> list[list[GeneCall]]:
        return [self.call(*pattern) for pattern in zip(first, second, block, strict=True)]

    def call(self, first: np.ndarray, second: np.ndarray, block: np.ndarray) -> list[GeneCall]:
        out = []
        for p, (site, variant) in enumerate(zip(self.sites, self.variants, strict=True)):
            a, b = int(first[p]), int(second[p])
            if odd := ploidy_problem(np.array([a, b]), _where(site), site.chrom):
                out.append(_no_call(self.gene.symbol, site.key, (), odd))
            elif min(a, b) == UNDOCUMENTED:
                out.append(_no_call(self.gene.symbol, site.key, (),
                                    f"allele not in the knowledge base at {_where(site)}"))
            elif min(a, b) == MISSING:
                out.append(_no_call(self.gene.symbol, site.key, (site.key,),
                                    f"no genotype at {_where(site)}"))
            else:
                genotype = "/".join(sorted(self._coding(variant, site.alleles[x]) for x in (a, b)))
                try:
                    c = self.translate(site.key, genotype)
                except GenotypeError as exc:
                    out.append(_no_call(self.gene.symbol, site.key, (), str(exc)))
                    continue
                out.append(GeneCall(self.gene.symbol, site.key, (c.display,), c.phenotype,
                                    None, "called", (), "", (c.phenotype,)))
        return out


class EffectCaller:
    """The effect class of the known variants carried (those with a GRCh38 position, REF
    and ALT); a homozygous ``heterozygous_X`` variant is ``X`` when the gene has that class."""

    def __init__(self, gene: VariantEffectGene, translate: Translate):
        self.gene, self.translate = gene, translate
        self.variants: list[KnownVariant] = [
            kv for kv in gene.known_variants if kv.position and kv.ref and kv.alt]
        self.sites = [Site(kv.rsid or f"{gene.chromosome}:{kv.position}:{kv.ref}>{kv.alt}",
                           gene.chromosome, kv.position, (kv.ref, kv.alt), kv.rsid)
                      for kv in self.variants]
        self.keys = [gene.symbol]
        self.classes = [c.name for c in gene.effect_classes]

    def _two_copies(self, effect: str) -> str:
        """``heterozygous_X`` on both chromosomes is ``X`` when the gene has that class."""
        both = effect.removeprefix("heterozygous_")
        return both if both != effect and both in self.classes else effect

    def _one_copy_pairs(self, single: dict[str, list[int]], second: np.ndarray,
                        block: np.ndarray, effects: set[str], notes: list[str]) -> None:
        """Two different one-copy variants of one class: both copies affected when they are
        phased in trans; unphased, the two-copy class is added with a note."""
        for effect, sites in single.items():
            if len(sites) < 2:
                continue
            both = self._two_copies(effect)
            blocks = {int(block[p]) for p in sites}
            if len(blocks) == 1 and -1 not in blocks:  # phased together: in trans or in cis
                if len({int(second[p] == 1) for p in sites}) == 2:
                    effects.discard(effect)
                    effects.add(both)
            else:
                effects.add(both)
                notes.append(f"{len(sites)} different {effect} variants: {both} if in trans "
                             "(phase unknown)")

    def _nothing_found(self, missing: list[str], notes: list[str]) -> GeneCall:
        symbol = self.gene.symbol
        if len(missing) == len(self.sites):
            return _no_call(symbol, symbol, tuple(missing), "; ".join(notes))
        tested = len(self.sites) - len(missing)
        return GeneCall(symbol, symbol, (), None, None, "called", tuple(missing),
                        "; ".join([f"none of the {tested} known variants tested was found",
                                   *notes]))

    def call_many(self, first: np.ndarray, second: np.ndarray, block: np.ndarray
                  ) -> list[list[GeneCall]]:
        return [self.call(*pattern) for pattern in zip(first, second, block, strict=True)]

    def call(self, first: np.ndarray, second: np.ndarray, block: np.ndarray) -> list[GeneCall]:
        symbol = self.gene.symbol
        effects: set[str] = set()
        found, missing, notes = [], [], []
        single: dict[str, list[int]] = {}  # one-copy variants whose two copies mean more
        for p, (site, kv) in enumerate(zip(self.sites, self.variants, strict=True)):
            a, b = int(first[p]), int(second[p])
            copies = (a == 1) + (b == 1)
            if odd := ploidy_problem(np.array([a, b]), _where(site), site.chrom):
                missing.append(site.key)
                notes.append(odd)
            elif copies:
                found.append(f"{kv.variant} {'homozygous' if copies == 2 else 'heterozygous'}")
                effects.add(self._two_copies(kv.effect) if copies == 2 else kv.effect)
                if copies == 1 and self._two_copies(kv.effect) != kv.effect:
                    single.setdefault(kv.effect, []).append(p)
            elif min(a, b) == MISSING:
                missing.append(site.key)
            elif min(a, b) == UNDOCUMENTED:
                notes.append(f"another allele at {_where(site)} is not classified")
        self._one_copy_pairs(single, second, block, effects, notes)
        if missing:
            notes.append(f"{len(missing)} of {len(self.sites)} known-variant positions missing")
        if not effects:
            return [self._nothing_found(missing, notes)]
        values = tuple(c for c in self.classes if c in effects)
        phenotype = self.translate(symbol, values[0]).phenotype if len(values) == 1 else None
        return [GeneCall(symbol, symbol, values, phenotype, None,
                         "called" if len(values) == 1 else "ambiguous", tuple(missing),
                         "; ".join([", ".join(found), *notes]),
                         tuple(self.translate(symbol, v).phenotype for v in values))]
