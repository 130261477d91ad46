"""Genotype calls -> phenotypes (star alleles, rsID genotypes, HLA carriers, variant effects)."""

from advisor.genotype.call import Call, GenotypeError
from advisor.genotype.kinds import KINDS, kind_of, translate
from advisor.genotype.table import column, translate_table

__all__ = ["KINDS", "Call", "GenotypeError", "column", "kind_of", "translate",
           "translate_table"]
