"""SNP genotypes (ABCB1) and known variants (GABA-A, POLG) from VCFs; patient-file genotypes
from a VCF; the ``advisor call`` command."""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys

import pytest

from advisor.cli.call import register
from advisor.errors import InputError
from advisor.genotype import translate
from advisor.genotype.vcf import VcfCaller, genotypes_from_vcf
from advisor.genotype.writers import COLUMNS
from advisor.inputs.patient import validate_patient
from advisor.knowledge import KnowledgeBase
from tests.vcf_builder import VcfBuilder

# Synthetic coordinates for tests only: the knowledge base lists no verified GRCh38 positions
# for these variants yet.
KNOWN_SITES = {
    "GABRG2": {"p.(Arg43Gln)": (161000000, "G", "A")},
    # p.(Ala467Thr) uses its real coordinates from the knowledge base (rs113994095)
    "POLG": {"p.(Gln1236His)": (89310000, "C", "A")},
}


@pytest.fixture(scope="module")
def site_kb(kb) -> KnowledgeBase:
    """The knowledge base with test coordinates on known variants that have none yet."""
    genes = dict(kb.genes)
    for symbol, sites in KNOWN_SITES.items():
        variants = [kv.model_copy(update=dict(zip(("position", "ref", "alt"), sites[kv.variant],
                                                  strict=True)))
                    if kv.variant in sites else kv for kv in genes[symbol].known_variants]
        genes[symbol] = genes[symbol].model_copy(update={"known_variants": variants})
    return dataclasses.replace(kb, genes=genes)


def rows(kb, path, key):
    frame = VcfCaller(kb).call(path)
    return frame[frame["key"] == key].set_index("sample")


@pytest.mark.parametrize(("alleles", "coding"), [
    (("A", "A"), "T/T"), (("A", "G"), "C/T"), (("G", "G"), "C/C")])
def test_abcb1_3435_on_the_coding_strand(kb, tmp_path, alleles, coding):
    b = VcfBuilder(kb).reference("ABCB1").genotype("ABCB1", "rs1045642", *alleles)
    row = rows(kb, b.write(tmp_path / "a.vcf"), "rs1045642").loc["S1"]
    assert (row["status"], row["diplotypes"]) == ("called", (coding,))
    assert row["phenotype"] == translate(kb, "rs1045642", coding).phenotype


def test_abcb1_triallelic_2677_and_missing(kb, tmp_path):
    b = VcfBuilder(kb, samples=("X", "Y")).reference("ABCB1")
    b.genotype("ABCB1", "rs2032582", "C", "T", sample="X")  # plus strand C/T = coding G/A
    b.missing("ABCB1", "rs1128503", sample="Y")
    frame = VcfCaller(kb).call(b.write(tmp_path / "a.vcf"))
    got = {(r["sample"], r["key"]): r for r in frame.to_dict("records")}
    assert got["X", "rs2032582"]["diplotypes"] == ("A/G",)
    assert got["Y", "rs2032582"]["diplotypes"] == ("T/T",)
    assert got["Y", "rs1128503"]["status"] == "no_call"
    assert got["Y", "rs1128503"]["missing_positions"] == ("rs1128503",)


def test_abcb1_undocumented_allele(kb, tmp_path):
    b = VcfBuilder(kb).reference("ABCB1").genotype("ABCB1", "rs1045642", "A", "T")
    row = rows(kb, b.write(tmp_path / "a.vcf"), "rs1045642").loc["S1"]
    assert row["status"] == "no_call" and "not in the knowledge base" in row["message"]


def test_known_variant_carriers(site_kb, tmp_path):
    b = VcfBuilder(site_kb, samples=("H", "O", "U", "T", "C", "N", "M", "G"))
    b.reference("POLG", "GABRG2")
    a467t, q1236h = "rs113994095", "p.(Gln1236His)"
    b.genotype("POLG", a467t, "C", "T", sample="H")
    b.genotype("POLG", a467t, "T", "T", sample="O")
    b.genotype("POLG", a467t, "C", "T", sample="U").genotype("POLG", q1236h, "C", "A", sample="U")
    b.genotype("POLG", a467t, "T", "C", sample="T", phased=True)
    b.genotype("POLG", q1236h, "C", "A", sample="T", phased=True)
    b.genotype("POLG", a467t, "T", "C", sample="C", phased=True)
    b.genotype("POLG", q1236h, "A", "C", sample="C", phased=True)
    b.missing("POLG", a467t, sample="M").missing("POLG", q1236h, sample="M")
    b.missing("POLG", "rs113994097", sample="M")  # p.(Trp748Ser): every POLG site missing
    b.genotype("GABRG2", "p.(Arg43Gln)", "G", "A", sample="G")
    path = b.write(tmp_path / "k.vcf")
    polg = rows(site_kb, path, "POLG")
    assert polg.loc["H", "diplotypes"] == ("heterozygous_pathogenic",)
    assert polg.loc["O", "diplotypes"] == ("pathogenic",)
    assert polg.loc["U", "status"] == "ambiguous"
    assert polg.loc["U", "diplotypes"] == ("pathogenic", "heterozygous_pathogenic")
    assert "pathogenic if in trans" in polg.loc["U", "message"]
    assert polg.loc["T", "diplotypes"] == ("pathogenic",)
    assert polg.loc["C", "diplotypes"] == ("heterozygous_pathogenic",)
    assert polg.loc["N", "status"] == "called" and polg.loc["N", "diplotypes"] == ()
    assert "none of the 3 known variants tested was found" in polg.loc["N", "message"]
    assert polg.loc["M", "status"] == "no_call"
    assert polg.loc["H", "phenotype"] == translate(site_kb, "POLG",
                                                   "heterozygous_pathogenic").phenotype
    gabrg2 = rows(site_kb, path, "GABRG2")
    assert gabrg2.loc["G", "diplotypes"] == ("loss_of_function",)
    assert "p.(Arg43Gln) heterozygous" in gabrg2.loc["G", "message"]


def test_genes_without_vcf_coordinates_are_not_called(kb, tmp_path):
    keys = set(VcfCaller(kb).call(VcfBuilder(kb).reference("CYP3A5").write(tmp_path / "r.vcf"))
               ["key"])
    assert {"CYP2C9", "CYP2C19", "CYP3A4", "CYP3A5", "rs1045642"} <= keys
    assert not any(k.startswith("HLA") for k in keys)


def _patient_vcf(kb, tmp_path, samples=("P1",)):
    b = VcfBuilder(kb, samples=samples).reference("CYP2C9", "CYP2C19", "ABCB1")
    b.diplotype("CYP2C9", "*1", "*3")
    b.genotype("CYP2C19", "rs12248560", "C", "T").genotype("CYP2C19", "rs3758581", "G", "G")
    b.missing("CYP2C19", "rs28399504")
    b.genotype("ABCB1", "rs1045642", "A", "G")
    return b.write(tmp_path / "p.vcf.gz", compress=True, index=True)


def test_genotypes_from_vcf(kb, tmp_path):
    genotypes, details = genotypes_from_vcf(kb, _patient_vcf(kb, tmp_path), None)
    assert genotypes == {"CYP2C9": "*1/*3", "rs1045642": "C/T", "rs2032582": "T/T",
                         "rs1128503": "T/T"}
    assert details["CYP2C19"]["status"] == "ambiguous"
    # rs28399504 (the *4 position) is missing: every diplotype the data allow, best first
    assert details["CYP2C19"]["diplotypes"] == ["*1/*4", "*1/*17", "*4/*4", "*4/*17"]
    assert details["CYP2C19"]["missing_positions"] == ["rs28399504"]
    assert details["CYP3A5"]["status"] == "no_call"
    assert all(d["source"] == "vcf" for d in details.values())
    assert set(details["CYP2C9"]) == {"status", "diplotypes", "missing_positions", "message",
                                      "source", "phenotypes"}
    patient = validate_patient(kb, {"seizure_types": ["focal"], "genotypes": genotypes})
    assert patient.genotypes == genotypes


def test_genotypes_from_a_multi_sample_vcf_need_a_sample(kb, tmp_path):
    path = _patient_vcf(kb, tmp_path, samples=("P1", "P2"))
    with pytest.raises(InputError) as err:
        genotypes_from_vcf(kb, path, None)
    assert err.value.field == "sample"
    assert genotypes_from_vcf(kb, path, "P2")[0]["CYP2C9"] == "*1/*3"
    with pytest.raises(InputError, match=r"not in p\.vcf\.gz"):
        genotypes_from_vcf(kb, path, "P3")


@pytest.fixture
def cli():
    parser = argparse.ArgumentParser(prog="advisor")
    register(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> int:
        args = parser.parse_args(["call", *argv])
        return args.func(args)

    return run


def test_cli_json(kb, tmp_path, cli, capsys):
    path = _patient_vcf(kb, tmp_path)
    assert cli(str(path)) == 0
    calls = json.loads(capsys.readouterr().out)["calls"]
    assert all(list(c) == COLUMNS for c in calls)
    by_key = {c["key"]: c for c in calls}
    assert by_key["CYP2C9"] == {
        "file": str(path), "sample": "P1", "gene": "CYP2C9", "key": "CYP2C9",
        "diplotypes": ["*1/*3"], "phenotype": "Intermediate Metabolizer", "activity_score": 1.0,
        "status": "called", "missing_positions": [], "message": "",
        "phenotypes": ["Intermediate Metabolizer"]}
    assert by_key["rs1045642"]["gene"] == "ABCB1"
    assert by_key["CYP2C19"]["status"] == "ambiguous"


def test_cli_tsv_to_file_and_several_vcfs(kb, tmp_path, cli):
    first = _patient_vcf(kb, tmp_path)
    second = VcfBuilder(kb, samples=("Q",)).reference("CYP3A5").write(tmp_path / "q.vcf")
    out = tmp_path / "calls.tsv"
    assert cli(str(first), str(second), "--format", "tsv", "--out", str(out)) == 0
    lines = out.read_text().splitlines()
    assert lines[0].split("\t") == COLUMNS
    table = [dict(zip(COLUMNS, line.split("\t"), strict=True)) for line in lines[1:]]
    assert {r["sample"] for r in table} == {"P1", "Q"}
    cyp2c19 = next(r for r in table if r["sample"] == "P1" and r["key"] == "CYP2C19")
    assert cyp2c19["diplotypes"] == "*1/*4;*1/*17;*4/*4;*4/*17"
    assert cyp2c19["activity_score"] == ""
    cyp3a5 = next(r for r in table if r["sample"] == "Q" and r["key"] == "CYP3A5")
    assert cyp3a5["diplotypes"] == "*1/*1" and cyp3a5["phenotype"] == "Normal Metabolizer"


def test_cli_pharmcat_outside_calls(kb, tmp_path, cli, capsys):
    assert cli(str(_patient_vcf(kb, tmp_path)), "--format", "pharmcat") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# advisor call: ")
    # one unambiguous diplotype per line; PharmCAT looks up the phenotype itself
    assert "CYP2C9\t*1/*3" in lines
    assert not any(line.startswith("CYP2C19") for line in lines)  # ambiguous: a comment
    assert "# CYP2C19: ambiguous, *1/*4 or *1/*17 or *4/*4 or *4/*17 (not passed to " \
           "PharmCAT: an outside call takes one diplotype)" in lines
    assert any(line.startswith("# CYP3A5: no call (no data") for line in lines)
    assert not any(line.startswith(("ABCB1", "rs1045642")) for line in lines)


def test_cli_pharmcat_needs_one_sample(kb, tmp_path, cli, capsys):
    path = _patient_vcf(kb, tmp_path, samples=("P1", "P2"))
    with pytest.raises(InputError, match="--sample"):
        cli(str(path), "--format", "pharmcat")
    assert cli(str(path), "--format", "pharmcat", "--sample", "P2") == 0
    assert "sample P2" in capsys.readouterr().out


def test_cli_bad_input_is_one_line_input_error(kb, tmp_path, cli):
    bad = tmp_path / "bad.vcf"
    bad.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\n")
    with pytest.raises(InputError) as err:
        cli(str(bad))
    assert err.value.field == "vcf" and "\n" not in str(err.value)
    with pytest.raises(InputError) as err:
        cli(str(_patient_vcf(kb, tmp_path)), "--sample", "nobody")
    assert str(err.value).startswith("sample: not in p.vcf.gz")


def test_calling_a_vcf_loads_neither_pandas_nor_pyarrow(kb, tmp_path):
    """``advisor call`` starts faster without them (the VCF goal of issue 15 is a ratio to
    a raw cyvcf2 read, start-up included); the calls are the same as in process."""
    path = _patient_vcf(kb, tmp_path)
    code = ("import sys\nfrom advisor.cli import main\n"
            "for fmt in ('tsv', 'jsonl', 'json'):\n"
            f"    assert main(['call', {str(path)!r}, '--format', fmt, '--out', "
            f"{str(tmp_path)!r} + '/calls.' + fmt]) == 0\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'pyarrow'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
    table = VcfCaller(kb).call(path)
    lines = (tmp_path / "calls.tsv").read_text().splitlines()
    assert len(lines) == 1 + len(table)
    by_key = {c["key"]: c for c in map(json.loads, (tmp_path / "calls.jsonl").read_text()
                                        .splitlines())}
    assert by_key["CYP2C9"]["diplotypes"] == ["*1/*3"]
    assert json.loads((tmp_path / "calls.json").read_text())["calls"] == list(by_key.values())
