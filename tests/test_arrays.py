"""Consumer and array files: 23andMe, AncestryDNA and PLINK at the knowledge base's rsIDs,
missing positions as no-calls, research-grade in every output, malformed files exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from advisor.cli import main
from advisor.errors import InputError
from advisor.genotype.arrays import RESEARCH_GRADE, call_array

DATA = Path(__file__).parent / "data" / "consumer"
FIXTURE = DATA / "23andme_build37.txt"


def by_key(frame):
    return {r["key"]: r for r in frame.to_dict("records")}


def test_23andme_fixture_genotypes_and_missing_positions(kb):
    calls = by_key(call_array(kb, FIXTURE, "23andme"))
    assert calls["rs1045642"]["diplotypes"] == ("C/T",)  # plus A/G on the minus-strand gene
    assert calls["rs1128503"]["diplotypes"] == ("C/T",)
    assert calls["rs2032582"]["status"] == "no_call"  # '--' in the file
    assert calls["rs2032582"]["missing_positions"] == ("rs2032582",)
    assert calls["CYP3A5"]["diplotypes"] == ("*3/*3",)
    cyp2c19 = calls["CYP2C19"]
    assert cyp2c19["status"] == "ambiguous" and cyp2c19["diplotypes"][0] == "*1/*2"
    assert "rs12248560" in cyp2c19["missing_positions"]  # absent from the file: never reference
    assert calls["CYP2C9"]["diplotypes"][0] == "*1/*2"
    assert all(RESEARCH_GRADE in c["message"] for c in calls.values())


@pytest.mark.parametrize("fmt", ["json", "tsv", "pharmcat"])
def test_every_call_format_says_research_grade(fmt, capsys):
    assert main(["call", str(FIXTURE), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert RESEARCH_GRADE in "".join(out.splitlines()[:3])
    if fmt == "json":
        assert json.loads(out)["notices"][0].endswith(RESEARCH_GRADE)


def test_ancestry_and_screen(kb, tmp_path, capsys):
    anc = tmp_path / "AncestryDNA.txt"
    anc.write_text("#AncestryDNA raw data download\n#Genotypes are on the forward (+) strand "
                   "of human reference build 37.1\nrsid\tchromosome\tposition\tallele1\tallele2\n"
                   "rs776746\t7\t99672916\tT\tC\nrs1045642\t7\t87509329\tG\tG\n")
    calls = by_key(call_array(kb, anc, "ancestry"))
    assert calls["CYP3A5"]["diplotypes"] == ("*1/*3",)
    assert calls["rs1045642"]["diplotypes"] == ("C/C",)
    out = tmp_path / "r.csv"
    assert main(["screen", str(anc), "--out", str(out)]) == 0
    assert RESEARCH_GRADE in capsys.readouterr().out
    assert RESEARCH_GRADE in out.read_text().splitlines()[1]


def test_grch38_positions_are_checked(kb, tmp_path):
    f = tmp_path / "g38.txt"
    f.write_text("# 23andMe\n# reference human assembly GRCh38\n"
                 "# rsid\tchromosome\tposition\tgenotype\nrs776746\t7\t12345\tCC\n")
    calls = by_key(call_array(kb, f, "23andme"))
    assert calls["CYP3A5"]["status"] == "no_call"


@pytest.mark.parametrize(("name", "content"), [
    ("wrong_header.txt", b"# 23andMe\n# build 37\n# id\tchr\tpos\tcall\nrs1\t1\t1\tAA\n"),
    ("wrong_build.txt", b"# 23andMe\n# reference human assembly build 36\n"
                        b"# rsid\tchromosome\tposition\tgenotype\nrs1\t1\t1\tAA\n"),
    ("no_build.txt", b"# 23andMe\n# rsid\tchromosome\tposition\tgenotype\nrs1\t1\t1\tAA\n"),
    ("binary.txt", b"# 23andMe\x00\x01\x02" + bytes(range(256))),
    ("bad_call.txt", b"# 23andMe\n# build 37\n# rsid\tchromosome\tposition\tgenotype\n"
                     b"rs776746\t7\t1\tXYZ\n"),
])
def test_malformed_consumer_files_exit_2_with_one_line(tmp_path, capsys, name, content):
    f = tmp_path / name
    f.write_bytes(content)
    assert main(["call", str(f), "--input-format", "23andme"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: 23andme:") and "\n" not in err


def _plink(kb, tmp_path, a1="G", a2="A"):
    from bed_reader import to_bed

    path = tmp_path / "arr.bed"
    counts = np.array([[0, 2], [1, 1], [2, -127]], dtype=np.int8)  # copies of allele 1
    to_bed(path, counts, properties={"iid": ["I1", "I2", "I3"], "sid": ["rs1045642", "rs776746"],
                                     "chromosome": ["7", "7"], "bp_position": [87509329, 99672916],
                                     "allele_1": [a1, "C"], "allele_2": [a2, "T"]})
    return path


def test_plink(kb, tmp_path):
    frame = call_array(kb, _plink(kb, tmp_path), "plink")
    got = {(r["sample"], r["key"]): r for r in frame.to_dict("records")}
    assert got["I1", "rs1045642"]["diplotypes"] == ("T/T",)  # 0 copies of G: A/A plus
    assert got["I2", "rs1045642"]["diplotypes"] == ("C/T",)
    assert got["I1", "CYP3A5"]["diplotypes"] == ("*3/*3",)
    assert got["I3", "CYP3A5"]["status"] == "no_call"  # missing genotype
    assert "GRCh38 (the .bim positions agree" in " ".join(frame.attrs["notices"])
    flipped = call_array(kb, _plink(kb, tmp_path, a1="C", a2="T"), "plink")
    assert "flipped at rs1045642" in " ".join(flipped.attrs["notices"])
    assert by_key(flipped[flipped["sample"] == "I2"])["rs1045642"]["diplotypes"] == ("C/T",)


def test_plink_malformed(kb, tmp_path):
    bed = _plink(kb, tmp_path)
    bed.write_bytes(b"not a bed")
    with pytest.raises(InputError, match="magic bytes"):
        call_array(kb, bed, "plink")
    Path(f"{tmp_path}/arr.fam").unlink()
    with pytest.raises(InputError, match="missing"):
        call_array(kb, bed, "plink")
