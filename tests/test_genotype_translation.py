"""Genotype -> phenotype translation against CPIC, parametrised over the knowledge base."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.genotype import GenotypeError, translate, translate_table
from advisor.knowledge import load_knowledgebase
from tests.conftest import KB_DIR

KB = load_knowledgebase(KB_DIR)

# CPIC / DPWG expectations written out independently of the YAML phenotype rules:
# phenotype of (reference allele, allele of this function) and of (allele, same allele).
EXPECTED_WITH_REFERENCE = {
    "CYP2C19": {"normal_function": "Normal Metabolizer", "increased_function": "Rapid Metabolizer",
                "decreased_function": "Likely Intermediate Metabolizer",
                "no_function": "Intermediate Metabolizer"},
    "CYP3A5": {"normal_function": "Normal Metabolizer", "no_function": "Intermediate Metabolizer",
               "unknown_function": "Possible Intermediate Metabolizer"},
    "CYP3A4": {"normal_function": "Normal Metabolizer",
               "decreased_function": "Intermediate Metabolizer",
               "no_function": "Intermediate Metabolizer"},
}
EXPECTED_HOMOZYGOUS = {
    "CYP2C19": {"normal_function": "Normal Metabolizer",
                "increased_function": "Ultrarapid Metabolizer",
                "decreased_function": "Likely Intermediate Metabolizer",
                "no_function": "Poor Metabolizer"},
    "CYP3A5": {"normal_function": "Normal Metabolizer", "no_function": "Poor Metabolizer"},
    "CYP3A4": {"normal_function": "Normal Metabolizer", "decreased_function": "Poor Metabolizer",
               "no_function": "Poor Metabolizer"},
}
CYP2C9_PHENOTYPE_BY_SCORE = {2.0: "Normal Metabolizer", 1.5: "Intermediate Metabolizer",
                             1.0: "Intermediate Metabolizer", 0.5: "Poor Metabolizer",
                             0.0: "Poor Metabolizer"}
UNCERTAIN = {"uncertain_function", "unknown_function", "not_assigned"}


def _allele_rows(symbol: str):
    gene = KB.genes[symbol]
    return [pytest.param(symbol, a.name, a.function, a.activity_value, id=f"{symbol}{a.name}")
            for a in gene.alleles]


@pytest.mark.parametrize(("symbol", "allele", "function", "value"), _allele_rows("CYP2C9"))
def test_cyp2c9_every_allele(symbol, allele, function, value):
    ref = KB.genes[symbol].reference_allele
    call = translate(KB, symbol, f"{ref}/{allele}")
    if function in UNCERTAIN:
        assert call.phenotype == "Indeterminate"
        assert call.activity_score is None
    else:
        assert call.activity_score == pytest.approx(1.0 + value)
        assert call.phenotype == CYP2C9_PHENOTYPE_BY_SCORE[call.activity_score]


@pytest.mark.parametrize(("symbol", "allele", "function", "value"),
                         _allele_rows("CYP2C19") + _allele_rows("CYP3A4") + _allele_rows("CYP3A5"))
def test_function_pair_genes_every_allele(symbol, allele, function, value):
    gene = KB.genes[symbol]
    het = translate(KB, symbol, f"{gene.reference_allele}/{allele}")
    hom = translate(KB, symbol, f"{allele}/{allele}")
    assert het.phenotype == EXPECTED_WITH_REFERENCE[symbol].get(function, "Indeterminate")
    assert hom.phenotype == EXPECTED_HOMOZYGOUS[symbol].get(function, "Indeterminate")


@pytest.mark.parametrize(("gene", "diplotype", "phenotype", "score"), [
    ("CYP2C9", "*1/*1", "Normal Metabolizer", 2.0),
    ("CYP2C9", "*1/*2", "Intermediate Metabolizer", 1.5),
    ("CYP2C9", "*1/*3", "Intermediate Metabolizer", 1.0),
    ("CYP2C9", "*2/*2", "Intermediate Metabolizer", 1.0),
    ("CYP2C9", "*2/*3", "Poor Metabolizer", 0.5),
    ("CYP2C9", "*3/*3", "Poor Metabolizer", 0.0),
    ("CYP2C19", "*1/*1", "Normal Metabolizer", None),
    ("CYP2C19", "*1/*17", "Rapid Metabolizer", None),
    ("CYP2C19", "*17/*17", "Ultrarapid Metabolizer", None),
    ("CYP2C19", "*2/*17", "Intermediate Metabolizer", None),
    ("CYP2C19", "*1/*2", "Intermediate Metabolizer", None),
    ("CYP2C19", "*2/*2", "Poor Metabolizer", None),
    ("CYP2C19", "*2/*3", "Poor Metabolizer", None),
    ("CYP2C19", "*1/*9", "Likely Intermediate Metabolizer", None),
    ("CYP2C19", "*2/*9", "Likely Poor Metabolizer", None),
    ("CYP2C19", "*38/*38", "Normal Metabolizer", None),
    ("CYP2C19", "*2/*36", "Poor Metabolizer", None),
    ("CYP3A5", "*1/*1", "Normal Metabolizer", None),
    ("CYP3A5", "*1/*3", "Intermediate Metabolizer", None),
    ("CYP3A5", "*3/*3", "Poor Metabolizer", None),
    ("CYP3A5", "*3/*7", "Poor Metabolizer", None),
    ("CYP3A4", "*1/*22", "Intermediate Metabolizer", None),
    ("CYP3A4", "*22/*22", "Poor Metabolizer", None),
])
def test_cpic_examples(gene, diplotype, phenotype, score):
    call = translate(KB, gene, diplotype)
    assert call.phenotype == phenotype
    assert call.activity_score == score


@pytest.mark.parametrize("raw", ["*3/*1", " *1 / *3 ", "*1|*3", "*3 /*1"])
def test_diplotype_whitespace_and_order_tolerated(raw):
    assert translate(KB, "CYP2C9", raw).display == "*1/*3"


@pytest.mark.parametrize(("key", "raw", "needle"), [
    ("CYP2C9", "*1/*999", "CYP2C9: unknown allele '*999' in '*1/*999'"),
    ("CYP2C19", "*1", "CYP2C19: malformed diplotype '*1'"),
    ("CYP2C19", "1/2", "CYP2C19: malformed diplotype '1/2'"),
    ("CYP2C9", "*1/*2/*3", "CYP2C9: malformed diplotype"),
    ("CYP2C9", 13, "CYP2C9: diplotype must be text"),
    ("CYP2D7", "*1/*1", "unknown gene or genotype key 'CYP2D7'"),
    ("rs1045642", "C/G", "rs1045642: genotype 'C/G' is not one of"),
    ("rs1045642", "CCC", "rs1045642: malformed genotype 'CCC'"),
    ("HLA-B*15:02", "maybe", "HLA-B*15:02: carrier status must be 'positive' or 'negative'"),
    ("GABRB3", "super_function", "GABRB3: variant 'super_function' is not in the knowledge base"),
    ("GABRB3", {"variant": "p.(Xyz1Abc)", "effect": "sideways"}, "GABRB3: unknown effect"),
])
def test_bad_values_name_gene_and_value(key, raw, needle):
    with pytest.raises(GenotypeError) as exc:
        translate(KB, key, raw)
    assert needle in str(exc.value)


@pytest.mark.parametrize(("raw", "expected"), [("C/C", "C/C"), ("CT", "C/T"), ("T/C", "C/T"),
                                                ("t|t", "T/T")])
def test_abcb1_coding_strand_genotypes(raw, expected):
    call = translate(KB, "rs1045642", raw)
    assert call.display == expected
    assert call.gene == "ABCB1"
    assert call.contested  # ABCB1 evidence is contested and must say so


@pytest.mark.parametrize(("raw", "contested"), [("*2/*2", True), ("*1/*3", False),
                                                 ("*3/*3", False), ("*2/*3", False),
                                                 ("*1/*2", False)])
def test_cyp2c9_contested_only_where_guidelines_assign_different_phenotypes(raw, contested):
    """CPIC and DPWG disagree on the *3 label but only on the *2/*2 phenotype."""
    call = translate(KB, "CYP2C9", raw)
    assert call.contested is contested
    assert ("CPIC-2020-phenytoin" in call.evidence) is contested


@pytest.mark.parametrize(("raw", "value"), [("positive", "positive"), ("Negative", "negative"),
                                             ("pos", "positive"), (True, "positive")])
def test_hla_carrier_status(raw, value):
    assert translate(KB, "HLA-B*15:02", raw).value == value
    assert translate(KB, "HLA-A*31:01", raw).value == value


def test_gaba_effect_class_and_named_variant():
    assert translate(KB, "GABRB3", "gain_of_function").value == "gain_of_function"
    named = translate(KB, "GABRG2", {"variant": "p.(Arg43Gln)"})
    assert named.value == "loss_of_function"
    assert named.display == "p.(Arg43Gln)"
    assert translate(KB, "GABRG2", "R43Q").value == "loss_of_function"
    with pytest.raises(GenotypeError, match="is loss_of_function in the knowledge base"):
        translate(KB, "GABRG2", {"variant": "p.(Arg43Gln)", "effect": "gain_of_function"})
    reported = translate(KB, "GABRD", {"variant": "p.(Unlisted1Var)",
                                       "effect": "gain_of_function"})
    assert reported.value == "gain_of_function"
    assert "as reported" in reported.phenotype


def test_table_translation_matches_single_calls_and_reports_bad_cells():
    table = pd.DataFrame({
        "CYP2C9": ["*1/*3", None, "*3/*3", "*1/*999", "*3/*1"],
        "CYP2C19": ["*2/*17", "*17/*17", "", "*2/*2", "*1/*1"],
        "HLA-B*15:02": ["positive", "negative", "maybe", None, "positive"],
    })
    calls, errors, lookup = translate_table(KB, table)
    assert list(calls["CYP2C9.phenotype"].fillna("-")) == [
        "Intermediate Metabolizer", "-", "Poor Metabolizer", "-", "Intermediate Metabolizer"]
    assert list(calls["CYP2C9.activity_score"].fillna(-1)) == [1.0, -1, 0.0, -1, 1.0]
    assert pd.isna(calls["CYP2C19.phenotype"].iloc[2])  # empty cell = not tested
    assert sorted(zip(errors["row"], errors["field"], strict=True)) == [
        (2, "HLA-B*15:02"), (3, "CYP2C9")]
    assert errors.loc[errors["field"] == "CYP2C9", "value"].item() == "*1/*999"
    assert lookup["CYP2C9"]["*1/*3"].phenotype == "Intermediate Metabolizer"
