"""Star-allele matcher: one gene, one genotype pattern -> the best-scoring diplotypes.

The method is PharmCAT's Named Allele Matcher (pharmcat.org/methods/NamedAlleleMatcher-101),
written anew for our knowledge base:

- a named allele is a full haplotype: a position it does not define carries the reference;
- a position absent from the data is dropped from every definition (never assumed reference);
  an allele left with no defined position cannot be matched;
- an allele scores one point per position it defines; the reference alleles (``reference_allele``
  and ``genome_reference_allele``, listed in full in the source tables) define every position; an
  IUPAC code scores only when the haplotype carries a non-reference base there;
- unphased heterozygous positions may be arranged either way, phased positions keep their
  arrangement within their phase set; a diplotype scores the best of its arrangements;
- the top score wins and ties are all reported.

Genotypes come as integer codes per site: the index of the allele in ``Site.alleles``
(0 = reference), :data:`MISSING` or :data:`UNDOCUMENTED` (an ALT the definitions do not know).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advisor.genotype.sites import MISSING, UNDOCUMENTED, Site
from advisor.schema.genes import StarAllele, StarAlleleGene

IUPAC = {"R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
         "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT"}
_INFEASIBLE = -1_000_000  # score of an arrangement a pair of alleles cannot take


@dataclass(frozen=True)
class StarMatch:
    """Matcher output for one genotype pattern."""

    diplotypes: tuple[tuple[str, str, int], ...]  # (allele, allele, score), best first
    missing: tuple[str, ...]  # ids of the sites without data
    problem: str = ""  # why nothing could be matched, if so
    unassessable: tuple[str, ...] = ()  # alleles whose every defining site is missing


def gene_sites(gene: StarAlleleGene) -> list[Site]:
    """The gene's defining positions as sites, in position order."""
    sites = [Site(v.id, gene.chromosome, v.position, (v.ref, *v.alts), v.rsid)
             for v in gene.variants]
    return sorted(sites, key=lambda s: s.pos)


def _accepted(allele: str, site: Site) -> tuple[list[int], bool]:
    """Allele codes a definition base accepts at a site, and whether it is an IUPAC code."""
    if allele in site.alleles:
        return [site.alleles.index(allele)], False
    if allele in IUPAC:
        return [i for i, a in enumerate(site.alleles) if a in IUPAC[allele]], True
    raise ValueError(f"allele {allele!r} at {site.key} is neither a site allele nor an IUPAC code")


class StarMatcher:
    """Matches genotype patterns against the callable star alleles of one gene."""

    def __init__(self, gene: StarAlleleGene):
        self.gene = gene
        self.sites = gene_sites(gene)
        self.keys = np.array([s.key for s in self.sites], dtype=object)
        alleles: list[StarAllele] = [a for a in gene.alleles if a.callable_from_vcf]
        self.names = [a.name for a in alleles]
        full = {gene.reference_allele, gene.genome_reference_allele}
        column = {s.key: p for p, s in enumerate(self.sites)}
        n_codes = max(len(s.alleles) for s in self.sites)
        shape = (len(alleles), len(self.sites))
        self.accept = np.zeros((*shape, n_codes), bool)
        self.accept[:, :, 0] = True  # undefined position: the reference base
        self.defined = np.zeros(shape, bool)
        wobble = np.zeros(shape, bool)
        for i, allele in enumerate(alleles):
            self.defined[i] = allele.name in full
            for vid, base in allele.defining.items():
                p = column[vid]
                codes, iupac = _accepted(base, self.sites[p])
                self.accept[i, p] = False
                self.accept[i, p, codes] = True
                self.defined[i, p] = True
                wobble[i, p] = iupac
        # points an allele earns at a site for each allele code it may carry there
        self.points = (self.defined[:, :, None]
                       & ~(wobble[:, :, None] & (np.arange(n_codes) == 0))).astype(np.int32)
        self.variant_sites = ~self.accept[:, :, 0] | wobble  # sites an allele's variants use

    def match(self, first: np.ndarray, second: np.ndarray, block: np.ndarray,
              top_only: bool = True) -> StarMatch:
        """Diplotypes for one pattern: allele codes of both haplotypes per site, and the phase
        block of each site (-1 = free to arrange; equal labels keep their arrangement)."""
        low, high = np.minimum(first, second), np.maximum(first, second)
        missing_site = (low == MISSING) & (high <= 0)
        missing = tuple(self.keys[missing_site])
        unseen = self.variant_sites.any(axis=1) & ~(self.variant_sites & ~missing_site).any(axis=1)
        unassessable = tuple(n for n, u in zip(self.names, unseen, strict=True) if u)
        if (low == UNDOCUMENTED).any():
            where = ", ".join(f"{s.chrom}:{s.pos} ({s.key})"
                              for s, u in zip(self.sites, low == UNDOCUMENTED, strict=True) if u)
            return StarMatch((), missing, f"allele not in the definitions at {where}")
        partial = (low == MISSING) & (high > 0)
        if partial.any():
            where = ", ".join(self.keys[partial])
            return StarMatch((), missing, f"half-missing genotype (e.g. 1/.) at {where}")
        present = np.flatnonzero(~missing_site)
        if present.size == 0:
            return StarMatch((), missing, f"no data at any of the {len(self.sites)} positions")
        g1, g2, blk = first[present], second[present], block[present]
        takes1, takes2 = self.accept[:, present, g1], self.accept[:, present, g2]
        fits = (takes1 | takes2).all(axis=1) & self.defined[:, present].any(axis=1)
        cand = np.flatnonzero(fits)
        i, j = np.triu_indices(cand.size)
        takes1, takes2 = takes1[cand], takes2[cand]
        points1 = self.points[cand[:, None], present, g1]
        points2 = self.points[cand[:, None], present, g2]
        straight = np.where(takes1[i] & takes2[j], points1[i] + points2[j], _INFEASIBLE)
        crossed = np.where(takes2[i] & takes1[j], points2[i] + points1[j], _INFEASIBLE)
        free = blk < 0
        total = np.maximum(straight[:, free], crossed[:, free]).sum(axis=1)
        for label in np.unique(blk[~free]):
            inside = blk == label
            total += np.maximum(straight[:, inside].sum(axis=1), crossed[:, inside].sum(axis=1))
        ok = np.flatnonzero(total >= 0)
        if ok.size == 0:
            return StarMatch((), missing, "the genotypes fit no pair of defined alleles",
                             unassessable)
        if top_only:
            ok = ok[total[ok] == total[ok].max()]
        order = ok[np.lexsort((j[ok], i[ok], -total[ok]))]
        names = self.names
        return StarMatch(tuple((names[cand[i[k]]], names[cand[j[k]]], int(total[k]))
                               for k in order), missing, "", unassessable)
