"""One translated genotype, and the error for a value that cannot be translated."""

from __future__ import annotations

from dataclasses import dataclass


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
    # further input keys this result decides, with their values (e.g. the carrier status of
    # each knowledge-base HLA allele derived from a typed HLA diplotype)
    derived: tuple[tuple[str, str], ...] = ()
