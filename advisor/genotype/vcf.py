"""Genotype calls from GRCh38 VCFs: star-allele diplotypes, SNP genotypes, known variants.

:class:`VcfCaller` calls every gene of the knowledge base that a VCF can inform, with the
pattern caller its gene kind provides (:mod:`advisor.genotype.kinds`):

- ``star_allele`` genes: diplotypes by :class:`~advisor.genotype.matcher.StarMatcher`;
- ``snp`` genes: the genotype of each SNP on the literature (coding) strand, e.g. ``C/T``;
- ``variant_effect`` genes: the effect class of the known variants carried.

A multi-sample VCF is handled as a matrix: the samples' genotype patterns at a gene's sites
are factorised, each distinct pattern is called once and the result broadcast back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.errors import InputError
from advisor.genotype.callers import CALL_FIELDS, GeneCall, PatternCaller
from advisor.genotype.kinds import kind_of
from advisor.genotype.vcf_read import NO_PHASE_SET, SiteGenotypes, read_sites

if TYPE_CHECKING:
    import pandas as pd

    from advisor.knowledge import KnowledgeBase


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
    low, high = np.minimum(first, second), np.maximum(first, second)
    phased_het = (phased & (first != second) & (first >= 0) & (second >= 0) if phased.any()
                  else np.zeros(phased.shape, bool))
    if not phased_het.any():  # nothing to arrange: one small code per site
        if high.max(initial=0) < _CODES:
            pair = (low + _OFFSET) * (_CODES + _OFFSET) + (high + _OFFSET)
            patterns, inverse = _unique_rows(pair.astype(np.int16))
            low = patterns // (_CODES + _OFFSET) - _OFFSET
            high = patterns % (_CODES + _OFFSET) - _OFFSET
            return (low.astype(np.int16), high.astype(np.int16),
                    np.full(low.shape, -1, np.int16), inverse)
        block = np.full(first.shape, -1, np.int16)
    else:
        low, high = np.where(phased_het, first, low), np.where(phased_het, second, high)
        block = _phase_blocks(phased_het, phase_set)
        anchor = np.maximum(block, 0)
        flip = phased_het & (np.take_along_axis(low, anchor, 1)
                             > np.take_along_axis(high, anchor, 1))
        low, high = np.where(flip, high, low), np.where(flip, low, high)
    patterns, inverse = _unique_rows(np.concatenate([low, high, block], axis=1).astype(np.int16))
    return (patterns[:, :n_sites], patterns[:, n_sites:2 * n_sites],
            patterns[:, 2 * n_sites:], inverse)


_OFFSET = 8  # allele codes are >= -_OFFSET (MISSING ... POLYPLOID)
_CODES = 56  # and below this in the packed form: (low + 8) * 64 + (high + 8) fits int16


def _phase_blocks(phased_het: np.ndarray, phase_set: np.ndarray) -> np.ndarray:
    """Each phased heterozygous site's phase block, labelled by the block's first site (-1
    elsewhere)."""
    if (phase_set == NO_PHASE_SET).all():  # no PS: a sample's phased sites are one set
        first = np.argmax(phased_het, axis=1)[:, None]
        return np.where(phased_het, first, -1).astype(np.int16)
    block = np.full(phased_het.shape, -1, np.int16)
    for j in range(phased_het.shape[1]):  # vectorised over samples: label by the first site
        same = (phased_het & phased_het[:, j:j + 1] & (phase_set == phase_set[:, j:j + 1])
                & (block < 0))
        block[same] = j
    return block


def _unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows and each row's index into them (rows compared as raw bytes)."""
    rows = np.ascontiguousarray(rows)
    as_bytes = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
    return rows[first], inverse.reshape(-1)


def _objects(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@dataclass(frozen=True)
class CallTable:
    """The calls of one file, compactly: each distinct :class:`GeneCall` once, and per sample
    and call key the index of its call (results are a function of the genotype pattern)."""

    file: str
    samples: list[str]
    calls: list[GeneCall]  # distinct calls
    index: np.ndarray  # int32 (samples, keys): position in ``calls``
    notices: tuple[str, ...] = ()  # what every output of these calls must say

    def frame(self) -> pd.DataFrame:
        """One row per sample and call key: ``file, sample`` then the GeneCall fields."""
        import pandas as pd

        flat = self.index.reshape(-1)
        frame = {"file": self.file,
                 "sample": np.repeat(_objects(self.samples), self.index.shape[1])}
        frame.update({f: _objects([getattr(c, f) for c in self.calls])[flat]
                      for f in CALL_FIELDS})
        return pd.DataFrame(frame, dtype=object)


class VcfCaller:
    """Calls every gene of the knowledge base a VCF can inform; build once, call many files."""

    def __init__(self, kb: KnowledgeBase):
        callers = (kind_of(gene).vcf_caller(gene) for gene in kb.genes.values())
        self.callers: list[PatternCaller] = [c for c in callers if c is not None and c.sites]

    @property
    def groups(self) -> list[list]:
        """The sites of each caller, in order (what a reader must return genotypes for)."""
        return [c.sites for c in self.callers]

    def call(self, path: str | Path, sample: str | None = None) -> pd.DataFrame:
        """One row per sample and call key: ``file, sample`` then the :class:`GeneCall`
        fields; samples in VCF order, keys in knowledge-base order."""
        return self.call_table(path, sample).frame()

    def call_table(self, path: str | Path, sample: str | None = None) -> CallTable:
        """The calls of :meth:`call` as a :class:`CallTable`."""
        return self.table(read_sites(path, self.groups, sample), path)

    def call_genotypes(self, data: SiteGenotypes, path: str | Path) -> pd.DataFrame:
        """The calls of :meth:`call` from genotypes already read (any reader)."""
        return self.table(data, path).frame()

    def table(self, data: SiteGenotypes, path: str | Path) -> CallTable:
        """The :class:`CallTable` of genotypes already read: each caller calls every distinct
        genotype pattern of its sites at once, and the calls are mapped back to samples."""
        ids: dict[GeneCall, int] = {}
        columns: list[np.ndarray] = []
        start = 0
        for caller in self.callers:
            part = slice(start, start + len(caller.sites))
            start = part.stop
            first, second, block, inverse = genotype_patterns(
                data.codes[:, part], data.phased[:, part], data.phase_set[:, part])
            results = caller.call_many(first, second, block)
            for k in range(len(caller.keys)):
                per_pattern = np.array([ids.setdefault(r[k], len(ids)) for r in results],
                                       np.int32)
                columns.append(per_pattern[inverse])
        index = (np.stack(columns, axis=1) if columns
                 else np.zeros((len(data.samples), 0), np.int32))
        return CallTable(str(path), list(data.samples), list(ids), index, data.notices)


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
                            "message": row.message, "source": "vcf",
                            "phenotypes": list(row.phenotypes)}
    return genotypes, details
