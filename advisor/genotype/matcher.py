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

import itertools
from dataclasses import dataclass

import numpy as np

from advisor.genotype.sites import HAPLOID, MISSING, UNDOCUMENTED, Site, ploidy_problem
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
        # per allele code and site, whether each allele rejects it and the points it earns
        # (code, site, allele), and the sums over every site for a homozygous reference call
        self.rejects = (~self.accept).transpose(2, 1, 0).astype(np.int32)
        self.code_points = self.points.transpose(2, 1, 0)
        self.defined_at = self.defined.T.astype(np.int32)

    def match(self, first: np.ndarray, second: np.ndarray, block: np.ndarray,
              top_only: bool = True) -> StarMatch:
        """Diplotypes for one pattern: allele codes of both haplotypes per site, and the phase
        block of each site (-1 = free to arrange; equal labels keep their arrangement)."""
        return self.match_many(first[None], second[None], block[None], top_only)[0]

    def match_many(self, first: np.ndarray, second: np.ndarray, block: np.ndarray,
                   top_only: bool | np.ndarray = True) -> list[StarMatch]:
        """:meth:`match` for many patterns at once (arrays of shape (patterns, sites)); every
        candidate diplotype of every pattern is scored with numpy, in chunks of patterns.
        ``top_only`` may differ per pattern (a boolean array)."""
        top = np.broadcast_to(np.asarray(top_only, bool), (len(first),))
        low, high = np.minimum(first, second), np.maximum(first, second)
        missing_site = (low == MISSING) & (high <= 0)
        # alleles whose every variant site is missing: the variant sites left, per allele
        gone, gone_site = np.nonzero(missing_site)
        variant_at = self.variant_sites.T.astype(np.int32)  # (site, allele)
        left = _segment_sums(variant_at.sum(axis=0), gone, len(first), -variant_at[gone_site])
        unseen = self.variant_sites.any(axis=1) & (left == 0)
        undocumented = low == UNDOCUMENTED
        partial = (low == MISSING) & (high > 0)
        ploidy = low <= HAPLOID
        unmatchable = (ploidy.any(axis=1) | undocumented.any(axis=1) | partial.any(axis=1)
                       | missing_site.all(axis=1))
        names = np.array(self.names, dtype=object)
        out: list[StarMatch] = []
        n_alleles = len(self.names)
        step = max(1, _CHUNK_CELLS // (len(self.sites) * n_alleles))
        for start in range(0, len(first), step):
            part = slice(start, min(start + step, len(first)))
            found = _Scores(self, first[part], second[part], block[part],
                            missing_site[part]).diplotypes(top[part])
            for p in range(part.start, part.stop):
                missing = tuple(self.keys[missing_site[p]])
                if unmatchable[p]:
                    problem = self._problem(low[p], undocumented[p], partial[p])
                    out.append(StarMatch((), missing, problem))
                    continue
                pairs = found[p - part.start]
                unassessable = tuple(names[unseen[p]])
                out.append(StarMatch(pairs, missing, "" if pairs else
                                     "the genotypes fit no pair of defined alleles",
                                     unassessable))
        return out

    def _problem(self, low: np.ndarray, undocumented: np.ndarray, partial: np.ndarray) -> str:
        """Why a pattern cannot be matched at all."""
        odd = low <= HAPLOID
        if odd.any():
            where = ", ".join(f"{s.chrom}:{s.pos} ({s.key})"
                              for s, u in zip(self.sites, odd, strict=True) if u)
            return ploidy_problem(low, where, self.gene.chromosome)
        if undocumented.any():
            where = ", ".join(f"{s.chrom}:{s.pos} ({s.key})"
                              for s, u in zip(self.sites, undocumented, strict=True) if u)
            return f"allele not in the definitions at {where}"
        if partial.any():
            return f"half-missing genotype (e.g. 1/.) at {', '.join(self.keys[partial])}"
        return f"no data at any of the {len(self.sites)} positions"


_CHUNK_CELLS = 4_000_000  # patterns x sites x alleles per chunk (bounds memory)


def _segment_sums(base: np.ndarray, rows: np.ndarray, n: int, values: np.ndarray
                  ) -> np.ndarray:
    """``base`` plus, for each of ``n`` rows, the sum of the ``values`` rows labelled with
    it (``rows`` sorted)."""
    sums = np.zeros((len(values) + 1, values.shape[1]), np.int64)
    np.cumsum(values, axis=0, out=sums[1:])
    bounds = np.searchsorted(rows, np.arange(n + 1))
    return base[None] + (sums[bounds[1:]] - sums[bounds[:-1]])


def _pairs(fit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair (i <= j) of the alleles each pattern fits (a boolean (patterns, alleles)
    matrix), as pattern, i and j arrays ordered by pattern, then i, then j."""
    rows, alleles = np.nonzero(fit)  # by pattern, then allele
    size = np.bincount(rows, minlength=len(fit))[rows]
    place = np.arange(len(rows)) - np.searchsorted(rows, rows)  # position within the pattern
    partners = size - place  # itself and every later allele of its pattern
    first = np.repeat(np.arange(len(rows)), partners)
    second = first + np.arange(len(first)) - np.repeat(np.cumsum(partners) - partners, partners)
    return rows[first], alleles[first], alleles[second]


class _Scores:
    """Scores of the allele pairs (i <= j) a chunk of patterns can take.

    A homozygous site adds the same to both arrangements, so its points are summed per allele
    (``own``) and an allele that cannot take it is out, with every pair it is in; the pairs
    of the remaining alleles are scored (one entry per pattern and pair) at each heterozygous
    site, the better arrangement per free site or per phase block. A pair that cannot take
    the genotypes scores below zero.
    """

    def __init__(self, m: StarMatcher, first: np.ndarray, second: np.ndarray, block: np.ndarray,
                 missing_site: np.ndarray):
        present = ~missing_site
        usable = present & (first >= 0) & (second >= 0)  # other rows are unmatchable anyway
        g1, g2 = np.where(usable, first, 0), np.where(usable, second, 0)
        sites = np.arange(len(m.sites))
        hom = present & (g1 == g2)
        # sums over a pattern's homozygous sites, per allele: those of an all-reference
        # pattern, corrected at the few sites where the pattern is not homozygous reference
        at, site = np.nonzero(~(hom & (g1 == 0)))
        hom_code, is_hom = g1[at, site], hom[at, site][:, None]

        def over_hom_sites(per_code: np.ndarray) -> np.ndarray:  # (code, site, allele)
            values = np.where(is_hom, per_code[hom_code, site], 0) - per_code[0, site]
            return _segment_sums(per_code[0].sum(axis=0), at, len(first), values)

        rejected, own = over_hom_sites(m.rejects), over_hom_sites(m.code_points)
        gone, gone_site = np.nonzero(missing_site)
        defined = _segment_sums(m.defined_at.sum(axis=0), gone, len(first),
                                -m.defined_at[gone_site])
        # an allele with no defined position left in the data cannot be matched
        fit = (rejected == 0) & (defined > 0)
        rows, a, b = _pairs(fit)
        total = own[rows, a] + own[rows, b]
        het = present & ~hom
        key = np.where(het, np.where(block >= 0, block, len(sites) + sites), 2 * len(sites))
        order = np.argsort(key, axis=1, kind="stable")  # each phase block's sites together
        n_het = het.sum(axis=1)[rows]
        straight_sum, crossed_sum = np.zeros_like(total), np.zeros_like(total)
        previous = np.full(len(rows), -1)
        for slot in range(int(n_het.max(initial=0))):
            s = order[rows, slot]
            active = slot < n_het
            label = np.where(active, key[rows, s], -1)
            new = active & (label != previous)  # a new free site or phase block
            total += np.where(new, np.maximum(straight_sum, crossed_sum), 0)
            straight_sum[new] = 0
            crossed_sum[new] = 0
            c1, c2 = g1[rows, s], g2[rows, s]
            straight = np.where(m.accept[a, s, c1] & m.accept[b, s, c2],
                                m.points[a, s, c1] + m.points[b, s, c2], _INFEASIBLE)
            crossed = np.where(m.accept[a, s, c2] & m.accept[b, s, c1],
                               m.points[a, s, c2] + m.points[b, s, c1], _INFEASIBLE)
            straight_sum += np.where(active, straight, 0)
            crossed_sum += np.where(active, crossed, 0)
            previous = label
        total += np.maximum(straight_sum, crossed_sum)
        ok = total >= 0
        self.n = len(first)
        self.rows, self.a, self.b, self.total = rows[ok], a[ok], b[ok], total[ok]
        self.names = np.array(m.names, dtype=object)

    def diplotypes(self, top_only: np.ndarray) -> list[tuple[tuple[str, str, int], ...]]:
        """Per pattern, the diplotypes it can take as (allele, allele, score), best first
        (ties in allele order); only the best-scoring ones where ``top_only``."""
        rows, total = self.rows, self.total
        best = np.full(self.n, _INFEASIBLE)
        np.maximum.at(best, rows, total)
        keep = ~top_only[rows] | (total == best[rows])
        rows, a, b, total = rows[keep], self.a[keep], self.b[keep], total[keep]
        order = np.lexsort((b, a, -total, rows))
        rows, total = rows[order], total[order]
        items = list(zip(self.names[a[order]].tolist(), self.names[b[order]].tolist(),
                         total.tolist(), strict=True))
        bounds = np.searchsorted(rows, np.arange(self.n + 1)).tolist()
        return [tuple(items[lo:hi]) for lo, hi in itertools.pairwise(bounds)]
