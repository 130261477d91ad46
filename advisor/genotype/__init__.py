"""Genotype calls -> phenotypes (star alleles, rsID genotypes, HLA carriers, variant effects).

The table functions (``column``, ``translate_table``) are loaded on first use: they need
pandas, which calling a VCF (``advisor call``) does not.
"""

from typing import Any

from advisor.genotype.call import Call, GenotypeError
from advisor.genotype.kinds import KINDS, kind_of, translate

__all__ = ["KINDS", "Call", "GenotypeError", "column", "kind_of", "translate",
           "translate_table"]


def __getattr__(name: str) -> Any:
    if name in ("column", "translate_table"):
        from advisor.genotype import table

        return getattr(table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
