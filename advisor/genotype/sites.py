"""Positions of interest and the integer allele codes VCF genotypes are turned into."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MISSING = -1  # no call at the site (absent record, ./. or a half-missing reference call)
UNDOCUMENTED = -2  # an ALT allele the site does not define
HAPLOID = -3  # the second allele of a GT with one allele (e.g. "1")
POLYPLOID = -4  # both alleles of a GT with more than two (e.g. "0/1/1")


def ploidy_problem(codes: np.ndarray, where: str, chrom: str) -> str:
    """Why a call whose codes hold HAPLOID or POLYPLOID is not made ('' if they hold neither).

    On an autosome two alleles are expected: a haploid GT there is a caller's artefact or a
    deletion the definitions do not describe. On X, Y or MT a haploid GT may be a true
    hemizygous call, but the definitions are diploid, so it is not matched either.
    """
    if (codes == POLYPLOID).any():
        return f"GT with more than two alleles at {where}: a diploid call is expected"
    if not (codes == HAPLOID).any():
        return ""
    if chrom.lower().removeprefix("chr") in ("x", "y", "m", "mt"):
        return (f"haploid GT (one allele) at {where}: a hemizygous call is not matched "
                "against diploid definitions; not called")
    return (f"haploid GT (one allele) at {where}: {chrom} is an autosome, two alleles are "
            "expected; not called")


@dataclass(frozen=True)
class Site:
    """A position of interest: variant id, GRCh38 contig and position, REF then ALT alleles."""

    key: str
    chrom: str
    pos: int
    alleles: tuple[str, ...]
    rsid: str | None = None  # how array and consumer files name the site
