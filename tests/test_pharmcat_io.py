"""PharmCAT both ways: outside-call files PharmCAT 3.x accepts, and PharmCAT's outputs
(outside calls, report/phenotype JSON, calls-only TSV) read as inputs to consult and screen.

Fixtures: tests/data/pharmcat (built from PharmCAT's published examples; see its README)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.consult import consult, consult_file
from advisor.errors import InputError
from advisor.genotype.vcf import VcfCaller
from advisor.inputs.patient import validate_patient
from advisor.inputs.pharmcat import cohort_from_pharmcat, read_pharmcat, sample_calls
from advisor.report.calls import render_pharmcat
from advisor.report.pharmcat import consult_outside_calls
from tests.vcf_builder import VcfBuilder

DATA = Path(__file__).parent / "data" / "pharmcat"
FIXTURES = ["example.report.json", "example.phenotype.json", "example2.report.json",
            "example2.phenotype.json"]


def pharmcat_alleles() -> dict[str, set[str]]:
    """Genes and named alleles PharmCAT documents for outside calls (docs/phenotypes.tsv)."""
    lines = (DATA / "phenotypes.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return {gene: set(alleles.split(";")) for gene, alleles in (ln.split("\t") for ln in lines)}


_HLA = re.compile(r"^\*\d{2,3}:\d{2,4}$")


def assert_pharmcat_accepts(text: str) -> list[list[str]]:
    """PharmCAT 3.1.1's outside-call rules (OutsideCallParser, OutsideCall): comments start
    with '#'; at least gene and diplotype fields, at most four; a gene PharmCAT knows; at most
    two alleles split on '/'; HLA alleles '*NN:NN'; named alleles PharmCAT documents; one
    line per gene."""
    known = pharmcat_alleles()
    rows, genes = [], []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        assert 2 <= len(cells) <= 4, line
        gene, dip = cells[0], cells[1]
        assert gene in known, f"PharmCAT takes no outside call for {gene}"
        genes.append(gene)
        if dip:
            alleles = dip.split("/")
            assert len(alleles) <= 2, f"too many alleles: {line}"
            for allele in alleles:
                if gene.startswith("HLA-"):
                    assert _HLA.match(allele), line
                else:
                    assert allele in known[gene], f"undocumented {gene} allele {allele}"
        else:
            assert len(cells) >= 3 and cells[2], line
            if gene.startswith("HLA-"):
                allele, status = cells[2].split(" ")
                assert _HLA.match(allele) and status in ("positive", "negative"), line
        rows.append(cells)
    assert len(genes) == len(set(genes)), "one line per gene"
    return rows


def test_published_outside_call_example_passes_our_statement_of_the_rules():
    rows = assert_pharmcat_accepts((DATA / "testAll.outsideCall.tsv").read_text())
    assert ["HLA-A", "", "*31:01 positive"] in rows


def test_advisor_call_writes_only_lines_pharmcat_accepts(kb, tmp_path):
    b = VcfBuilder(kb).reference("CYP2C9", "CYP2C19", "CYP3A4", "CYP3A5", "ABCB1")
    b.diplotype("CYP2C9", "*2", "*3").diplotype("CYP3A5", "*3", "*3")
    b.genotype("CYP2C19", "rs3758581", "G", "G").missing("CYP2C19", "rs12248560")
    frame = VcfCaller(kb).call(b.write(tmp_path / "s.vcf"))
    text = render_pharmcat(kb, frame)
    rows = assert_pharmcat_accepts(text)
    assert ["CYP2C9", "*2/*3"] in rows and ["CYP3A5", "*3/*3"] in rows
    assert "# CYP2C19: ambiguous, *1/*1 or *1/*17 or *17/*17 (not passed to PharmCAT: an " \
           "outside call takes one diplotype)" in text.splitlines()
    # read back: the same unique calls
    back = read_pharmcat(kb, text.encode(), "calls.tsv")[0].genotypes()
    assert back == {"CYP2C9": "*2/*3", "CYP3A4": "*1/*1", "CYP3A5": "*3/*3"}


def test_consult_outside_calls_write_hla_in_pharmcats_forms(kb):
    patient = validate_patient(kb, {"seizure_types": ["focal"], "genotypes": {
        "CYP2C19": "*2/*2", "HLA-B": "*15:02/*44:03", "HLA-A*31:01": "negative",
        "rs1045642": "C/T"}})
    text = consult_outside_calls(kb, consult(kb, patient))
    rows = assert_pharmcat_accepts(text)
    assert ["HLA-B", "*15:02/*44:03"] in rows
    assert ["HLA-A", "", "*31:01 negative"] in rows
    assert ["CYP2C19", "*2/*2"] in rows
    assert not any(r[0].startswith("rs") or r[0] == "ABCB1" for r in rows)


def test_carrier_status_only_gives_one_hla_line_per_gene(kb):
    patient = validate_patient(kb, {"seizure_types": ["focal"], "genotypes": {
        "HLA-B*15:02": "negative", "HLA-B*15:11": "positive"}})
    text = consult_outside_calls(kb, consult(kb, patient))
    rows = assert_pharmcat_accepts(text)
    assert [r for r in rows if r[0] == "HLA-B"] == [["HLA-B", "", "*15:02 negative"]]
    assert "# HLA-B*15:11: positive (PharmCAT takes one HLA-B line; written: *15:02 " \
           "negative)" in text.splitlines()


# --- reading PharmCAT -------------------------------------------------------------------


def test_report_and_phenotype_json(kb):
    for name in FIXTURES:
        (s,) = read_pharmcat(kb, DATA / name)
        expected = {"CYP2C9": "*1/*1", "CYP3A4": "*1/*1", "CYP3A5": "*1/*1"}
        if name.startswith("example2"):
            assert s.sample == "Sample_2"
            assert s.genotypes() == {**expected, "CYP2C19": "*2/*2"}
        else:
            assert s.sample == "Sample_1"
            # HLA-B came from the example's outside call; CYP2C19 *38 is the reference allele
            assert s.genotypes() == {**expected, "CYP2C19": "*38/*38", "HLA-B": "*15:02/*57:01"}
        assert s.details["HLA-A"]["status"] == "no_call"
        assert s.ignored == ["CYP2D6"]
        assert all(d["source"] == "pharmcat" for d in s.details.values())


def test_calls_only_tsv_multi_sample(kb):
    samples = {s.sample: s for s in read_pharmcat(kb, DATA / "merged.report.tsv")}
    assert set(samples) == {"Sample_1", "Sample_2", "Sample_3"}
    assert samples["Sample_2"].genotypes()["CYP2C19"] == "*2/*2"
    amb = samples["Sample_3"].details["CYP2C19"]
    assert amb["status"] == "ambiguous" and amb["diplotypes"] == ["*1/*4", "*1/*17"]
    assert amb["phenotypes"] == ["Intermediate Metabolizer", "Rapid Metabolizer"]
    assert samples["Sample_3"].details["CYP3A5"]["status"] == "no_call"
    with pytest.raises(InputError, match="holds 3 samples"):
        sample_calls(kb, DATA / "merged.report.tsv", None)
    table = cohort_from_pharmcat(kb, DATA / "merged.report.tsv")
    assert list(table["sample_id"]) == ["Sample_1", "Sample_2", "Sample_3"]
    assert table.set_index("sample_id").loc["Sample_3"].drop(["CYP2C9"], errors="ignore") \
        .isna().all()


def test_outside_call_files(kb):
    (s,) = read_pharmcat(kb, DATA / "example.outsideCall.tsv")
    assert s.genotypes() == {"HLA-B": "*15:02/*57:01"}
    assert s.ignored == ["CYP2D6", "MT-RNR1"]
    (s,) = read_pharmcat(kb, DATA / "testAll.outsideCall.tsv")
    assert s.genotypes() == {"HLA-A*31:01": "positive", "HLA-B": "*15:02/*57:01"}


@pytest.mark.parametrize("name", [*FIXTURES, "merged.report.tsv"])
def test_pharmcat_fixture_consults_like_explicit_diplotypes(kb, tmp_path, name):
    """Every PharmCAT fixture gives the same phenotypes and flags in a consult as the
    equivalent explicit diplotypes."""
    for s in read_pharmcat(kb, DATA / name):
        base = {"id": "P", "seizure_types": ["focal"], "sample": s.sample}
        via = consult(kb, validate_patient(kb, {**base, "pharmcat": str(DATA / name)}))
        explicit = consult(kb, validate_patient(kb, {**base, "genotypes": s.genotypes()}))
        strip = {"source"}
        assert {k: p.model_dump(exclude=strip) for k, p in via.phenotypes.items()} == \
            {k: p.model_dump(exclude=strip) for k, p in explicit.phenotypes.items()}
        certain = [f.model_dump() for f in via.flags if not f.depends_on_untested_position]
        assert certain == [f.model_dump() for f in explicit.flags]
        if any(d["status"] == "ambiguous" for d in s.details.values()):  # Sample_3: *1/*4|*1/*17
            marked = [f for f in via.flags if f.depends_on_untested_position]
            assert marked and all(f.message.startswith(("Depends on an untested position",
                                                        "Holds for every diplotype"))
                                  for f in marked)
        if s.genotypes():
            assert {p.source for p in via.phenotypes.values()} == {"pharmcat"}


def test_consult_cli_pharmcat_option_and_patient_key(kb, tmp_path, capsys):
    patient = tmp_path / "p.yaml"
    patient.write_text("id: P\nseizure_types: [focal]\nsample: Sample_2\n"
                       f"pharmcat: {DATA / 'merged.report.tsv'}\n")
    assert main(["consult", str(patient), "--format", "json"]) == 0
    assert '"CYP2C19"' in capsys.readouterr().out
    plain = tmp_path / "q.yaml"
    plain.write_text("id: Q\nseizure_types: [focal]\n")
    res = consult_file(kb, plain, pharmcat=DATA / "example.report.json")
    assert res.phenotypes["HLA-B*15:02"].diplotype_or_genotype == "positive"
    assert res.phenotypes["HLA-B*15:02"].derived_from == "HLA-B"


def test_screen_reads_the_calls_only_tsv(kb, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert main(["screen", str(DATA / "merged.report.tsv"), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "samples: 3 in, 3 processed, 0 with errors" in text
    assert "CYP2C19: " in text and "Poor Metabolizer: 1" in text


@pytest.mark.parametrize("content", [
    b"\x00\x01\x02binary", b"", b"{not json", b'{"genes": 3}', b"PharmCAT v3\nno header\n",
    b"CYP2C19\n", b"CYP2C19\t*1/*2/*3\n", b"CYP2C19\t*1/*2\nCYP2C19\t*1/*1\n",
    b"CYP2C19\t\t\t\n", b"\xff\xfe\xfa"])
def test_malformed_pharmcat_files_are_one_line_input_errors(kb, content):
    with pytest.raises(InputError) as err:
        read_pharmcat(kb, content, "bad.tsv")
    assert err.value.field == "pharmcat" and "\n" not in str(err.value)


def test_unknown_allele_is_a_no_call_not_a_crash(kb):
    (s,) = read_pharmcat(kb, b"CYP2C19\t*1/*99\n", "x.tsv")
    assert s.details["CYP2C19"]["status"] == "no_call"
    assert "not usable" in s.details["CYP2C19"]["message"]
