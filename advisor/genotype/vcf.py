"""Genotype calls from GRCh38 VCFs: star-allele diplotypes, SNP genotypes, known variants.

:class:`VcfCaller` calls every gene of the knowledge base that a VCF can inform:

- ``star_allele`` genes: diplotypes by :class:`~advisor.genotype.matcher.StarMatcher`;
- ``snp`` genes: the genotype of each SNP on the literature (coding) strand, e.g. ``C/T``;
- ``variant_effect`` genes: the effect class of the known variants carried (those with a
  GRCh38 position, REF and ALT in the knowledge base); a homozygous ``heterozygous_X`` variant
  is ``X`` when the gene has that class.

A multi-sample VCF is handled as a matrix: the samples' genotype patterns at a gene's sites
are factorised, each distinct pattern is called once and the result broadcast back.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from advisor.errors import InputError
from advisor.genotype.calls import GenotypeError, star_phenotype, translate
from advisor.genotype.matcher import StarMatcher
from advisor.genotype.vcf_read import MISSING, UNDOCUMENTED, Site, read_sites
from advisor.kb_schema import Gene, KnownVariant, Variant
from advisor.knowledge import KnowledgeBase

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


CALL_FIELDS = [f.name for f in fields(GeneCall)]


class _Caller(Protocol):
    gene: Gene
    sites: list[Site]
    keys: list[str]

    def call(self, first: np.ndarray, second: np.ndarray, block: np.ndarray) -> list[GeneCall]:
        """One GeneCall per key for a genotype pattern."""


def _no_call(gene: str, key: str, missing: tuple[str, ...], message: str) -> GeneCall:
    return GeneCall(gene, key, (), None, None, "no_call", missing, message)


def _where(site: Site) -> str:
    return f"{site.chrom}:{site.pos} ({site.key})"


class _StarCaller:
    def __init__(self, gene: Gene):
        self.gene = gene
        self.matcher = StarMatcher(gene)
        self.sites = self.matcher.sites
        self.keys = [gene.symbol]

    def call(self, first: np.ndarray, second: np.ndarray, block: np.ndarray) -> list[GeneCall]:
        m = self.matcher.match(first, second, block)
        symbol, notes = self.gene.symbol, []
        if m.missing and len(m.missing) < len(self.sites):
            notes.append(f"{len(m.missing)} of {len(self.sites)} positions missing")
            if gone := m.unassessable:
                more = f" and {len(gone) - 10} more" if len(gone) > 10 else ""
                notes.append(f"not assessable: {', '.join(gone[:10])}{more}")
        if not m.diplotypes:
            return [_no_call(symbol, symbol, m.missing, "; ".join([m.problem, *notes]))]
        phenotypes = {star_phenotype(self.gene, a, b) for a, b, _ in m.diplotypes}
        phenotype, score = phenotypes.pop() if len(phenotypes) == 1 else (None, None)
        if phenotypes:
            notes.append("the possible diplotypes differ in phenotype")
        if len(m.diplotypes) > 1:
            notes.insert(0, f"{len(m.diplotypes)} diplotypes fit equally well")
        return [GeneCall(symbol, symbol, tuple(f"{a}/{b}" for a, b, _ in m.diplotypes),
                         phenotype, score, "called" if len(m.diplotypes) == 1 else "ambiguous",
                         m.missing, "; ".join(notes))]


class _SnpCaller:
    def __init__(self, kb: KnowledgeBase, gene: Gene):
        self.kb, self.gene = kb, gene
        used = {g.variant for g in gene.genotypes}
        self.variants: list[Variant] = [v for v in gene.variants if v.id in used]
        self.sites = [Site(v.id, gene.chromosome, v.position, (v.ref, *v.alts))
                      for v in self.variants]
        self.keys = [v.id for v in self.variants]

    def _coding(self, variant: Variant, allele: str) -> str:
        mapped = (variant.coding_alleles or {}).get(allele)
        if mapped:
            return mapped
        return allele.translate(_COMPLEMENT)[::-1] if self.gene.strand == "minus" else allele

    def call(self, first: np.ndarray, second: np.ndarray, block: np.ndarray) -> list[GeneCall]:
        out = []
        for p, (site, variant) in enumerate(zip(self.sites, self.variants, strict=True)):
            a, b = int(first[p]), int(second[p])
            if min(a, b) == UNDOCUMENTED:
                out.append(_no_call(self.gene.symbol, site.key, (),
                                    f"allele not in the knowledge base at {_where(site)}"))
            elif min(a, b) == MISSING:
                out.append(_no_call(self.gene.symbol, site.key, (site.key,),
                                    f"no genotype at {_where(site)}"))
            else:
                genotype = "/".join(sorted(self._coding(variant, site.alleles[x]) for x in (a, b)))
                try:
                    c = translate(self.kb, site.key, genotype)
                except GenotypeError as exc:
                    out.append(_no_call(self.gene.symbol, site.key, (), str(exc)))
                    continue
                out.append(GeneCall(self.gene.symbol, site.key, (c.display,), c.phenotype,
                                    None, "called", (), ""))
        return out


class _EffectCaller:
    def __init__(self, kb: KnowledgeBase, gene: Gene):
        self.kb, self.gene = kb, gene
        self.variants: list[KnownVariant] = [
            kv for kv in gene.known_variants if kv.position and kv.ref and kv.alt]
        self.sites = [Site(kv.rsid or f"{gene.chromosome}:{kv.position}:{kv.ref}>{kv.alt}",
                           gene.chromosome, kv.position, (kv.ref, kv.alt))
                      for kv in self.variants]
        self.keys = [gene.symbol]
        self.classes = [c.name for c in gene.effect_classes]

    def _two_copies(self, effect: str) -> str:
        """``heterozygous_X`` on both chromosomes is ``X`` when the gene has that class."""
        both = effect.removeprefix("heterozygous_")
        return both if both != effect and both in self.classes else effect

    def call(self, first: np.ndarray, second: np.ndarray, block: np.ndarray) -> list[GeneCall]:
        symbol = self.gene.symbol
        effects: set[str] = set()
        found, missing, notes = [], [], []
        single: dict[str, list[int]] = {}  # one-copy variants whose two copies mean more
        for p, (site, kv) in enumerate(zip(self.sites, self.variants, strict=True)):
            a, b = int(first[p]), int(second[p])
            copies = (a == 1) + (b == 1)
            if copies:
                found.append(f"{kv.variant} {'homozygous' if copies == 2 else 'heterozygous'}")
                effects.add(self._two_copies(kv.effect) if copies == 2 else kv.effect)
                if copies == 1 and self._two_copies(kv.effect) != kv.effect:
                    single.setdefault(kv.effect, []).append(p)
            elif min(a, b) == MISSING:
                missing.append(site.key)
            elif min(a, b) == UNDOCUMENTED:
                notes.append(f"another allele at {_where(site)} is not classified")
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
        if missing:
            notes.append(f"{len(missing)} of {len(self.sites)} known-variant positions missing")
        if not effects:
            if len(missing) == len(self.sites):
                return [_no_call(symbol, symbol, tuple(missing), "; ".join(notes))]
            tested = len(self.sites) - len(missing)
            return [GeneCall(symbol, symbol, (), None, None, "called", tuple(missing),
                             "; ".join([f"none of the {tested} known variants tested was found",
                                        *notes]))]
        values = tuple(c for c in self.classes if c in effects)
        phenotype = translate(self.kb, symbol, values[0]).phenotype if len(values) == 1 else None
        return [GeneCall(symbol, symbol, values, phenotype, None,
                         "called" if len(values) == 1 else "ambiguous", tuple(missing),
                         "; ".join([", ".join(found), *notes]))]


def _caller(kb: KnowledgeBase, gene: Gene) -> _Caller | None:
    match gene.kind:
        case "star_allele":
            return _StarCaller(gene)
        case "snp":
            return _SnpCaller(kb, gene)
        case "variant_effect":
            return _EffectCaller(kb, gene)
    return None


def genotype_patterns(codes: np.ndarray, phased: np.ndarray, phase_set: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct genotype patterns of all samples at a set of sites.

    Returns per pattern the allele codes of both haplotypes and the phase block of each site
    (-1: free to arrange; otherwise the first site of its phase set), plus each sample's
    pattern index. Unphased alleles are sorted and phase sets relabelled and oriented, so
    equivalent genotypes share one pattern.
    """
    first, second = codes[:, :, 0], codes[:, :, 1]
    n_sites = first.shape[1]
    phased_het = phased & (first != second) & (first >= 0) & (second >= 0)
    low = np.where(phased_het, first, np.minimum(first, second))
    high = np.where(phased_het, second, np.maximum(first, second))
    block = np.full(first.shape, -1, np.int16)
    if phased_het.any():
        for j in range(n_sites):  # vectorised over samples: label by the set's first site
            same = (phased_het & phased_het[:, j:j + 1] & (phase_set == phase_set[:, j:j + 1])
                    & (block < 0))
            block[same] = j
        anchor = np.maximum(block, 0)
        flip = phased_het & (np.take_along_axis(low, anchor, 1)
                             > np.take_along_axis(high, anchor, 1))
        low, high = np.where(flip, high, low), np.where(flip, low, high)
    patterns, inverse = _unique_rows(np.concatenate([low, high, block], axis=1).astype(np.int16))
    return (patterns[:, :n_sites], patterns[:, n_sites:2 * n_sites],
            patterns[:, 2 * n_sites:], inverse)


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows and each row's index into them: rows are hashed to 64 bits and sorted
    (much faster than sorting whole rows); a hash collision falls back to exact sorting."""
    weights = np.random.default_rng(0).integers(1, 2**63, rows.shape[1], dtype=np.uint64)
    hashes = (rows.astype(np.uint64) * (weights | 1)).sum(axis=1)  # wraps modulo 2**64
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    if (rows[first][inverse] == rows).all():
        return rows[first], inverse.reshape(-1)
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    return unique, inverse.reshape(-1)


def _objects(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class VcfCaller:
    """Calls every gene of the knowledge base a VCF can inform; build once, call many files."""

    def __init__(self, kb: KnowledgeBase):
        callers = (_caller(kb, gene) for gene in kb.genes.values())
        self.callers: list[_Caller] = [c for c in callers if c is not None and c.sites]

    def call(self, path: str | Path, sample: str | None = None) -> pd.DataFrame:
        """One row per sample and call key: ``file, sample`` then the :class:`GeneCall`
        fields; samples in VCF order, keys in knowledge-base order."""
        data = read_sites(path, [c.sites for c in self.callers], sample)
        columns: dict[str, list[np.ndarray]] = {f: [] for f in CALL_FIELDS}
        start = 0
        for caller in self.callers:
            part = slice(start, start + len(caller.sites))
            start = part.stop
            first, second, block, inverse = genotype_patterns(
                data.codes[:, part], data.phased[:, part], data.phase_set[:, part])
            results = [caller.call(first[u], second[u], block[u]) for u in range(len(first))]
            for k in range(len(caller.keys)):
                for f in CALL_FIELDS:
                    columns[f].append(_objects([getattr(r[k], f) for r in results])[inverse])
        n_keys = len(columns["key"])
        frame = {"file": str(path), "sample": np.repeat(_objects(data.samples), n_keys)}
        frame.update({f: np.stack(cols, axis=1).reshape(-1) for f, cols in columns.items()})
        return pd.DataFrame(frame, dtype=object)


def genotypes_from_vcf(kb: KnowledgeBase, path: str | Path, sample: str | None
                       ) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Patient-file genotypes called from a VCF, and the details of every call.

    Only unique calls become genotypes (ambiguous and failed calls stay out; their details
    say why). ``sample`` may be omitted for a single-sample VCF.
    """
    frame = VcfCaller(kb).call(path, sample)
    if sample is None and frame["sample"].nunique() > 1:
        raise InputError("sample", None, f"{path} holds {frame['sample'].nunique()} samples; "
                         "name one with 'sample'")
    genotypes: dict[str, str] = {}
    details: dict[str, dict[str, Any]] = {}
    for row in frame.itertuples(index=False):
        if row.status == "called" and len(row.diplotypes) == 1:
            genotypes[row.key] = row.diplotypes[0]
        details[row.key] = {"status": row.status, "diplotypes": list(row.diplotypes),
                            "missing_positions": list(row.missing_positions),
                            "message": row.message, "source": "vcf"}
    return genotypes, details
