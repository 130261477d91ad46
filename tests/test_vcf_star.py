"""Star-allele calls from VCFs built from the allele definitions (CYP2C9, 2C19, 3A4, 3A5)."""

from __future__ import annotations

import pytest

from advisor.genotype.kinds import StarAlleleKind
from advisor.genotype.vcf import VcfCaller
from advisor.knowledge import read_yaml
from advisor.schema import GENE, Gene
from tests.conftest import KB_DIR
from tests.vcf_builder import VcfBuilder

STAR_GENES = ["CYP2C9", "CYP2C19", "CYP3A4", "CYP3A5"]
_GENES = {g: GENE.validate_python(read_yaml(KB_DIR / "genes" / f"{g}.yaml")) for g in STAR_GENES}
ALLELES = [(g, a.name) for g, gene in _GENES.items() for a in gene.alleles
           if a.callable_from_vcf and a.defining]


def genome_reference(gene: Gene) -> str:
    return gene.genome_reference_allele or gene.reference_allele


@pytest.fixture(scope="module")
def caller(kb) -> VcfCaller:
    return VcfCaller(kb)


def call(caller: VcfCaller, builder: VcfBuilder, tmp_path, key: str, sample: str = "S1") -> dict:
    frame = caller.call(builder.write(tmp_path / "t.vcf"))
    rows = frame[(frame["key"] == key) & (frame["sample"] == sample)].to_dict("records")
    assert len(rows) == 1
    return rows[0]


def pair(diplotype: str) -> frozenset[str]:
    return frozenset(diplotype.split("/"))


@pytest.fixture(scope="module")
def panels(kb, caller, tmp_path_factory):
    """Per (gene, phased): calls of a multi-sample VCF with one sample per allele, each
    heterozygous for that allele and the genome reference allele."""
    cache = {}

    def panel(gene: str, phased: bool):
        if (gene, phased) not in cache:
            names = [a for g, a in ALLELES if g == gene]
            b = VcfBuilder(kb, samples=tuple(names))
            ref = genome_reference(kb.genes[gene])
            for name in names:
                b.diplotype(gene, ref, name, sample=name, phased=phased)
            frame = caller.call(b.write(tmp_path_factory.mktemp("panel") / "p.vcf"))
            cache[gene, phased] = frame[frame["key"] == gene].set_index("sample")
        return cache[gene, phased]

    return panel


@pytest.mark.parametrize("phased", [False, True], ids=["unphased", "phased"])
@pytest.mark.parametrize(("gene", "allele"), ALLELES, ids=[f"{g}{a}" for g, a in ALLELES])
def test_every_allele_heterozygous_with_the_reference(kb, panels, gene, allele, phased):
    row = panels(gene, phased).loc[allele]
    ref = genome_reference(kb.genes[gene])
    assert row["status"] in ("called", "ambiguous"), row["message"]
    assert pair(f"{ref}/{allele}") in {pair(d) for d in row["diplotypes"]}


@pytest.mark.parametrize("gene", STAR_GENES)
def test_all_reference_sample_is_the_genome_reference_allele(kb, caller, tmp_path, gene):
    ref = genome_reference(kb.genes[gene])
    row = call(caller, VcfBuilder(kb).reference(gene), tmp_path, gene)
    assert (row["status"], row["diplotypes"]) == ("called", (f"{ref}/{ref}",))
    assert row["phenotype"] == StarAlleleKind.phenotype(kb.genes[gene], ref, ref)[0]
    assert row["missing_positions"] == () and row["message"] == ""


def test_cyp2c19_reference_is_star38_and_star1_needs_rs3758581(kb, caller, tmp_path):
    assert call(caller, VcfBuilder(kb).reference("CYP2C19"), tmp_path,
                "CYP2C19")["diplotypes"] == ("*38/*38",)
    b = VcfBuilder(kb).reference("CYP2C19").genotype("CYP2C19", "rs3758581", "G", "G")
    row = call(caller, b, tmp_path, "CYP2C19")
    assert row["diplotypes"] == ("*1/*1",) and row["phenotype"] == "Normal Metabolizer"


@pytest.mark.parametrize(("gene", "first", "second"), [
    ("CYP2C9", "*2", "*2"), ("CYP2C9", "*3", "*3"), ("CYP2C9", "*2", "*3"),
    ("CYP2C9", "*6", "*6"), ("CYP2C19", "*2", "*2"), ("CYP2C19", "*2", "*17"),
    ("CYP2C19", "*17", "*17"), ("CYP3A5", "*3", "*3"), ("CYP3A5", "*3", "*7"),
    ("CYP3A4", "*22", "*22"), ("CYP3A4", "*20", "*22"),
])
def test_homozygous_and_compound_heterozygous(kb, caller, tmp_path, gene, first, second):
    row = call(caller, VcfBuilder(kb).diplotype(gene, first, second), tmp_path, gene)
    assert (row["status"], row["diplotypes"]) == ("called", (f"{first}/{second}",))
    assert (row["phenotype"], row["activity_score"]) == StarAlleleKind.phenotype(
        kb.genes[gene], first, second)


def test_cyp2c9_activity_score(kb, caller, tmp_path):
    row = call(caller, VcfBuilder(kb).diplotype("CYP2C9", "*1", "*3"), tmp_path, "CYP2C9")
    assert row["diplotypes"] == ("*1/*3",) and row["activity_score"] == 1.0
    assert row["phenotype"] == "Intermediate Metabolizer"


def test_unphased_ambiguity_reports_every_top_diplotype(kb, caller, tmp_path):
    b = (VcfBuilder(kb).reference("CYP2C19").genotype("CYP2C19", "rs12248560", "C", "T")
         .genotype("CYP2C19", "rs3758581", "G", "G").missing("CYP2C19", "rs28399504"))
    row = call(caller, b, tmp_path, "CYP2C19")
    assert row["status"] == "ambiguous"
    # the two top-scoring diplotypes first, then those the missing *4 position also allows
    assert row["diplotypes"] == ("*1/*4", "*1/*17", "*4/*4", "*4/*17")
    assert row["phenotype"] is None and "differ in phenotype" in row["message"]
    assert row["missing_positions"] == ("rs28399504",)


def test_ambiguity_between_equal_phenotypes_keeps_the_phenotype(kb, caller, tmp_path):
    b = VcfBuilder(kb).reference("CYP2C19").missing("CYP2C19", "rs3758581")
    row = call(caller, b, tmp_path, "CYP2C19")
    assert row["status"] == "ambiguous"
    assert set(row["diplotypes"]) == {"*38/*38", "*38/*1", "*1/*1"}
    assert row["phenotype"] == "Normal Metabolizer"


def _cyp2c9_two_hets(kb, first_gt: tuple[str, str], second_gt: tuple[str, str], **kw):
    b = VcfBuilder(kb).reference("CYP2C9")
    b.genotype("CYP2C9", "rs1799853", *first_gt, **kw.get("first", {}))  # *2
    b.genotype("CYP2C9", "rs1057910", *second_gt, **kw.get("second", {}))  # *3
    return b


def test_phased_genotypes_in_trans_and_in_cis(kb, caller, tmp_path):
    unphased = _cyp2c9_two_hets(kb, ("C", "T"), ("A", "C"))
    assert call(caller, unphased, tmp_path, "CYP2C9")["diplotypes"] == ("*2/*3",)
    trans = _cyp2c9_two_hets(kb, ("C", "T"), ("C", "A"), first={"phased": True},
                             second={"phased": True})
    assert call(caller, trans, tmp_path, "CYP2C9")["diplotypes"] == ("*2/*3",)
    cis = _cyp2c9_two_hets(kb, ("C", "T"), ("A", "C"), first={"phased": True},
                           second={"phased": True})
    row = call(caller, cis, tmp_path, "CYP2C9")
    assert row["status"] == "no_call" and "fit no pair" in row["message"]


def test_phase_sets_bind_only_within_a_set(kb, caller, tmp_path):
    same = {"phased": True, "ps": 5}
    cis_same_set = _cyp2c9_two_hets(kb, ("C", "T"), ("A", "C"), first=same, second=same)
    assert call(caller, cis_same_set, tmp_path, "CYP2C9")["status"] == "no_call"
    cis_other_sets = _cyp2c9_two_hets(kb, ("C", "T"), ("A", "C"), first=same,
                                      second={"phased": True, "ps": 9})
    row = call(caller, cis_other_sets, tmp_path, "CYP2C9")
    assert (row["status"], row["diplotypes"]) == ("called", ("*2/*3",))


def test_phased_cyp2c19_resolves_star2_star17(kb, caller, tmp_path):
    b = VcfBuilder(kb).diplotype("CYP2C19", "*2", "*17", phased=True)
    assert call(caller, b, tmp_path, "CYP2C19")["diplotypes"] == ("*2/*17",)
    cis = VcfBuilder(kb).diplotype("CYP2C19", "*1", "*1", phased=True)
    for vid, gt in [("rs12769205", ("A", "G")), ("rs4244285", ("G", "A")),
                    ("rs12248560", ("C", "T"))]:
        cis.genotype("CYP2C19", vid, *gt, phased=True)
    assert call(caller, cis, tmp_path, "CYP2C19")["status"] == "no_call"


def test_missing_core_position_is_not_assumed_reference(kb, caller, tmp_path):
    absent = VcfBuilder(kb).diplotype("CYP3A5", "*1", "*3").missing("CYP3A5", "rs776746")
    row = call(caller, absent, tmp_path, "CYP3A5")
    assert row["diplotypes"] == ("*1/*1",)  # PharmCAT's answer: *3 cannot be seen
    assert row["missing_positions"] == ("rs776746",)
    assert "1 of 5 positions missing" in row["message"] and "*3" in row["message"]
    nocall = VcfBuilder(kb).diplotype("CYP3A5", "*1", "*3")
    nocall.missing("CYP3A5", "rs776746", sample="S1")  # ./. is missing too
    assert call(caller, nocall, tmp_path, "CYP3A5")["missing_positions"] == ("rs776746",)


def test_missing_positions_drop_from_every_definition(kb, caller, tmp_path):
    b = (VcfBuilder(kb).reference("CYP2C19").genotype("CYP2C19", "rs3758581", "G", "G")
         .missing("CYP2C19", "rs12248560"))
    row = call(caller, b, tmp_path, "CYP2C19")
    # issue 16 and PharmCAT's NamedAlleleMatcherCyp2c19Test.s1s1rs12248560missing: every
    # diplotype the data allow, best first, not only the top score
    assert row["diplotypes"] == ("*1/*1", "*1/*17", "*17/*17")
    assert row["status"] == "ambiguous" and row["phenotype"] is None
    assert row["phenotypes"] == ("Normal Metabolizer", "Rapid Metabolizer",
                                 "Ultrarapid Metabolizer")
    assert "Normal Metabolizer, Rapid Metabolizer, Ultrarapid Metabolizer" in row["message"]


def test_no_data_at_all_is_no_call(kb, caller, tmp_path):
    b = VcfBuilder(kb).reference("CYP2C9")
    row = call(caller, b, tmp_path, "CYP2C19")
    assert row["status"] == "no_call" and row["message"] == "no data at any of the 35 positions"
    assert len(row["missing_positions"]) == 35


def test_undocumented_alt_gives_no_call(kb, caller, tmp_path):
    b = VcfBuilder(kb).reference("CYP2C19").genotype("CYP2C19", "rs3758581", "G", "T")
    row = call(caller, b, tmp_path, "CYP2C19")
    assert row["status"] == "no_call" and row["diplotypes"] == ()
    assert "allele not in the definitions at chr10:94842866 (rs3758581)" in row["message"]


def test_half_missing_genotype_with_an_alt_is_no_call(kb, caller, tmp_path):
    b = VcfBuilder(kb).reference("CYP2C9").genotype("CYP2C9", "rs1057910", "C", ".")
    row = call(caller, b, tmp_path, "CYP2C9")
    assert row["status"] == "no_call" and "half-missing" in row["message"]
    ref_half = VcfBuilder(kb).reference("CYP2C9").genotype("CYP2C9", "rs1057910", "A", ".")
    row = call(caller, ref_half, tmp_path, "CYP2C9")
    assert row["diplotypes"] == ("*1/*1",) and row["missing_positions"] == ("rs1057910",)


def test_hom_plus_het_that_fits_no_definition_is_no_call(kb, caller, tmp_path):
    # PharmCAT's CYP2C9 *24/*2+*24 case: *2 het with *24 homozygous
    b = (VcfBuilder(kb).reference("CYP2C9").genotype("CYP2C9", "rs1799853", "C", "T")
         .genotype("CYP2C9", "rs749060448", "A", "A"))
    assert call(caller, b, tmp_path, "CYP2C9")["status"] == "no_call"


def test_iupac_definition_accepts_either_base(kb, caller, tmp_path):
    # CYP2C19 *2 has rs58973490 'R' (A or G): *2 is called with either base there
    for base in ("G", "A"):
        b = (VcfBuilder(kb).reference("CYP2C19").genotype("CYP2C19", "rs3758581", "G", "G")
             .genotype("CYP2C19", "rs12769205", "A", "G").genotype("CYP2C19", "rs4244285", "G", "A")
             .genotype("CYP2C19", "rs58973490", "G", base))
        assert call(caller, b, tmp_path, "CYP2C19")["diplotypes"] == ("*1/*2",), base


def test_iupac_code_scores_only_with_a_non_reference_base(kb, caller, tmp_path):
    # *2 has 'R' at rs58973490; carrying the reference G there it scores like *35, which has
    # its 'M' site missing: *38/*2 and *38/*35 tie (counting the R site, *38/*2 would win)
    b = (VcfBuilder(kb).reference("CYP2C19").genotype("CYP2C19", "rs12769205", "A", "G")
         .genotype("CYP2C19", "rs3758581", "A", "G")
         .missing("CYP2C19", "rs17882687").missing("CYP2C19", "rs4244285"))
    row = call(caller, b, tmp_path, "CYP2C19")
    assert row["diplotypes"] == ("*38/*2", "*38/*35")


def test_multiallelic_site_carries_two_alleles(kb, caller, tmp_path):
    b = VcfBuilder(kb).reference("CYP2C9").genotype("CYP2C9", "rs7900194", "A", "T")
    row = call(caller, b, tmp_path, "CYP2C9")
    assert row["diplotypes"] == ("*8/*27",)


@pytest.mark.parametrize(("gene", "allele", "vid"), [
    ("CYP2C9", "*6", "rs9332131"), ("CYP3A5", "*7", "rs41303343"), ("CYP3A4", "*20", "rs67666821"),
    ("CYP2C9", "*25", "rs1304490498"),
])
def test_indels_in_left_normalised_representation(kb, caller, tmp_path, gene, allele, vid):
    site = next(v for v in kb.genes[gene].variants if v.id == vid)
    b = VcfBuilder(kb).reference(gene).genotype(gene, vid, site.ref, site.alts[0])
    ref = genome_reference(kb.genes[gene])
    assert call(caller, b, tmp_path, gene)["diplotypes"] == (f"{ref}/{allele}",)
