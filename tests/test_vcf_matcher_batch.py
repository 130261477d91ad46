"""The batched star matcher (every pattern scored at once with numpy) gives exactly what the
former one-pattern-at-a-time matcher gave, on thousands of patterns drawn from the allele
definitions with missing sites, undocumented alleles, phased blocks and noise."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.genotype.matcher import StarMatcher
from advisor.genotype.sites import MISSING, UNDOCUMENTED
from advisor.genotype.vcf import genotype_patterns
from tests.matcher_reference import reference_match
from tests.vcf_builder import haplotype_base

STAR_GENES = ["CYP2C9", "CYP2C19", "CYP3A4", "CYP3A5"]


def random_patterns(matcher: StarMatcher, n: int, seed: int) -> tuple[np.ndarray, ...]:
    """Distinct patterns of ``n`` samples: two named haplotypes each, then per sample some
    of: missing sites, half-missing calls, undocumented alleles, random bases, phasing with
    up to three phase sets."""
    rng = np.random.default_rng(seed)
    gene, sites = matcher.gene, matcher.sites
    table = np.array([[s.alleles.index(haplotype_base(gene, name, s)) for s in sites]
                      for name in matcher.names], np.int16)
    first = table[rng.integers(0, len(table), n)]
    second = table[rng.integers(0, len(table), n)]
    shape = first.shape
    noise = rng.random(shape) < rng.choice([0, 0.02, 0.1], (n, 1))
    n_alleles = np.array([len(s.alleles) for s in sites])
    first = np.where(noise, rng.integers(0, 100, shape) % n_alleles, first).astype(np.int16)
    gone = rng.random(shape) < rng.choice([0, 0, 0.05, 0.5, 1.0], (n, 1))
    first[gone] = MISSING
    second[gone & (rng.random(shape) < 0.9)] = MISSING
    second[rng.random(shape) < 0.0005] = UNDOCUMENTED
    codes = np.stack([first, second], axis=2)
    phased = rng.random(shape) < rng.choice([0, 0.5, 1.0], (n, 1))
    phase_set = rng.integers(0, 3, shape).astype(np.int64)
    return genotype_patterns(codes, phased, phase_set)


@pytest.mark.parametrize("gene", STAR_GENES)
def test_batched_matcher_equals_the_one_pattern_matcher(kb, gene):
    matcher = StarMatcher(kb.genes[gene])
    first, second, block, _ = random_patterns(matcher, 3000, seed=len(gene))
    top = np.arange(len(first)) % 3 != 0
    batched = matcher.match_many(first, second, block, top)
    assert len(batched) == len(first) > 500
    kinds = set()
    for p, got in enumerate(batched):
        expected = reference_match(matcher, first[p], second[p], block[p], bool(top[p]))
        assert got == expected, p
        kinds.add((bool(got.diplotypes), len(got.diplotypes) > 1, bool(got.missing),
                   got.problem.split(" ")[0], bool((block[p] >= 0).any())))
    # the random patterns reach every branch: unique, ambiguous, missing, problems, phasing
    # (every CYP3A5 allele is defined at one site, so its calls are never ambiguous)
    assert {k[0] for k in kinds} == {True, False}
    assert {k[1] for k in kinds} == ({False} if gene == "CYP3A5" else {True, False})
    assert {k[3] for k in kinds} >= {"", "allele", "half-missing", "no", "the"}
    assert {k[4] for k in kinds} == {True, False}
