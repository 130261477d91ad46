"""Positions of interest and the integer allele codes VCF genotypes are turned into."""

from __future__ import annotations

from dataclasses import dataclass

MISSING = -1  # no call at the site (absent record, ./. or a half-missing reference call)
UNDOCUMENTED = -2  # an ALT allele the site does not define


@dataclass(frozen=True)
class Site:
    """A position of interest: variant id, GRCh38 contig and position, REF then ALT alleles."""

    key: str
    chrom: str
    pos: int
    alleles: tuple[str, ...]
    rsid: str | None = None  # how array and consumer files name the site
