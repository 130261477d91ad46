"""Which kind of genotype file a path is, and cohort rows from the kinds that are not tables.

Kinds: ``table`` (CSV, TSV, Parquet: :mod:`advisor.inputs.tables`), ``vcf``, ``pharmcat``
(a PharmCAT output: :mod:`advisor.inputs.pharmcat`), and the consumer and array files
``23andme``, ``ancestry`` and ``plink`` (:mod:`advisor.genotype.arrays`). ``auto`` tells
them apart by name and content; a PharmCAT outside-call TSV has no signature and is named
with ``pharmcat``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from advisor.errors import InputError
from advisor.inputs import SOURCE_KINDS

if TYPE_CHECKING:
    import pandas as pd

    from advisor.knowledge import KnowledgeBase

KINDS = SOURCE_KINDS
RESEARCH_GRADE = "research-grade; confirm in a clinical laboratory"


def source_kind(path: str | Path, fmt: str = "auto") -> str:
    """The kind of genotype file at ``path`` (``fmt`` other than auto is taken as given)."""
    if fmt not in KINDS:
        raise InputError("--input-format", fmt, f"expected one of {', '.join(KINDS)}")
    if fmt != "auto":
        return fmt
    p = Path(path)
    if p.name.lower().endswith((".vcf", ".vcf.gz", ".vcf.bgz")):
        return "vcf"
    from advisor.genotype.arrays import array_kind
    from advisor.inputs.pharmcat import looks_like_pharmcat
    from advisor.inputs.tables import table_kind

    kind = array_kind(p)
    if kind is not None:
        return kind
    if looks_like_pharmcat(p):
        return "pharmcat"
    if p.name.lower().endswith(".json"):
        raise InputError("cohort", str(path), "a JSON file that is not a PharmCAT report or "
                         "phenotype JSON")
    return "vcf" if table_kind(p) == "vcf" else "table"


def cohort_rows(kb: KnowledgeBase, path: str | Path, kind: str
                ) -> tuple[pd.DataFrame, list[str]]:
    """Cohort rows (``sample_id`` and genotype keys) from a file that is not a table, and
    notices every output of the screen must carry."""
    if kind == "vcf":
        from advisor.genotype.vcf_cohort import cohort_genotypes

        return cohort_genotypes(kb, path), []
    if kind == "pharmcat":
        from advisor.inputs.pharmcat import cohort_from_pharmcat

        return cohort_from_pharmcat(kb, path), []
    from advisor.genotype.arrays import array_cohort

    table, notices = array_cohort(kb, path, kind)
    return table, notices
