"""Genotype calls -> phenotypes (star alleles, rsID genotypes, HLA carriers, variant effects)."""

from advisor.genotype.calls import Call, GenotypeError, parse_diplotype, star_phenotype, translate
from advisor.genotype.table import column, translate_table

__all__ = ["Call", "GenotypeError", "column", "parse_diplotype", "star_phenotype", "translate",
           "translate_table"]
