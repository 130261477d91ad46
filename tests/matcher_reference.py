"""The single-pattern star matcher as it was before the batched one (kept as a test oracle):
``reference_match(matcher, first, second, block, top_only)`` gives what
``StarMatcher.match`` gave, one Python call per pattern."""

from __future__ import annotations

import numpy as np

from advisor.genotype.matcher import _INFEASIBLE, StarMatch, StarMatcher
from advisor.genotype.sites import MISSING, UNDOCUMENTED


def reference_match(self: StarMatcher, first: np.ndarray, second: np.ndarray,
                    block: np.ndarray, top_only: bool = True) -> StarMatch:
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
