"""Reading VCFs: compression and index, contig names, multi-allelic records, multi-sample
matrices, and malformed files (each an InputError)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from advisor.errors import InputError
from advisor.genotype import vcf
from advisor.genotype.sites import HAPLOID, POLYPLOID
from advisor.genotype.vcf import VcfCaller, genotype_patterns
from advisor.genotype.vcf_read import MISSING, UNDOCUMENTED, read_sites
from tests.vcf_builder import VcfBuilder, sites_of


@pytest.fixture(scope="module")
def caller(kb) -> VcfCaller:
    return VcfCaller(kb)


def calls(caller, path, key, sample=None) -> dict[str, tuple[str, ...]]:
    frame = caller.call(path, sample)
    rows = frame[frame["key"] == key]
    return dict(zip(rows["sample"], rows["diplotypes"], strict=True))


def mixed(kb, **kw) -> VcfBuilder:
    """Six samples across four genes, with missing data and phasing."""
    b = VcfBuilder(kb, samples=("A", "B", "C", "D", "E", "F"), **kw)
    b.reference("CYP2C9", "CYP2C19", "CYP3A5", "ABCB1")
    b.diplotype("CYP2C9", "*1", "*3", sample="A").diplotype("CYP2C9", "*2", "*3", sample="B")
    b.diplotype("CYP2C9", "*2", "*3", sample="E", phased=True)
    b.diplotype("CYP2C19", "*2", "*17", sample="C").diplotype("CYP2C19", "*1", "*1", sample="D")
    b.diplotype("CYP3A5", "*3", "*3", sample="A").diplotype("CYP3A5", "*1", "*3", sample="F")
    b.genotype("ABCB1", "rs1045642", "A", "G", sample="B")
    b.missing("CYP2C19", "rs3758581", sample="E")
    return b


EXPECTED = {"A": "*1/*3", "B": "*2/*3", "C": "*1/*1", "D": "*1/*1", "E": "*2/*3", "F": "*1/*1"}


@pytest.mark.parametrize(("compress", "index"), [(False, False), (True, False), (True, True)],
                         ids=["plain", "bgzip", "bgzip+tabix"])
@pytest.mark.parametrize("chr_prefix", [True, False], ids=["chr10", "10"])
def test_plain_bgzipped_indexed_and_contig_names_agree(kb, caller, tmp_path, compress, index,
                                                       chr_prefix):
    path = mixed(kb, chr_prefix=chr_prefix).write(tmp_path / ("m.vcf.gz" if compress else "m.vcf"),
                                                   compress=compress, index=index)
    assert (tmp_path / "m.vcf.gz.tbi").exists() == index
    assert {s: d[0] for s, d in calls(caller, path, "CYP2C9").items()} == EXPECTED
    assert calls(caller, path, "CYP2C19")["C"] == ("*2/*17",)
    assert calls(caller, path, "rs1045642") == {
        "A": ("T/T",), "B": ("C/T",), "C": ("T/T",), "D": ("T/T",), "E": ("T/T",), "F": ("T/T",)}


def test_plain_gzip_is_read_too(kb, caller, tmp_path):
    path = tmp_path / "m.vcf.gz"
    path.write_bytes(gzip.compress(mixed(kb).text().encode()))
    assert {s: d[0] for s, d in calls(caller, path, "CYP2C9").items()} == EXPECTED


def test_multi_sample_matrix_equals_sample_by_sample(kb, caller, tmp_path):
    path = mixed(kb).write(tmp_path / "m.vcf.gz", compress=True, index=True)
    together = caller.call(path)
    assert len(together) == 6 * len(together["key"].unique())
    for sample in "ABCDEF":
        alone = caller.call(path, sample).drop(columns="sample").reset_index(drop=True)
        part = (together[together["sample"] == sample].drop(columns="sample")
                .reset_index(drop=True))
        assert alone.equals(part), sample


def test_patterns_are_shared_and_phase_sets_relabelled():
    # 4 samples x 2 sites: 0/1 and 1/0 unphased are one pattern; two phased samples with
    # different PS numbers but the same arrangement are one pattern
    codes = np.array([[[0, 1], [0, 0]], [[1, 0], [0, 0]],
                      [[0, 1], [1, 0]], [[1, 0], [0, 1]]], np.int16)
    phased = np.array([[False, False], [False, False], [True, True], [True, True]])
    ps = np.array([[0, 0], [0, 0], [7, 7], [99, 99]])
    first, second, block, inverse = genotype_patterns(codes, phased, ps)
    assert len(first) == 2 and inverse[0] == inverse[1] and inverse[2] == inverse[3]
    phased_pattern = inverse[2]
    assert block[phased_pattern].tolist() == [0, 0]
    assert (first[phased_pattern].tolist(), second[phased_pattern].tolist()) == ([0, 1], [1, 0])


def test_unique_rows_are_exact():
    rows = np.array([[0, 1], [1, 0], [0, 1], [2, 2], [-1, 0], [0, -1]], np.int16)
    unique, inverse = vcf._unique_rows(rows)
    assert len(unique) == 5
    assert (unique[inverse] == rows).all()
    assert inverse[0] == inverse[2] != inverse[1]


def test_multiallelic_record_with_an_unknown_alt(kb, caller, tmp_path):
    b = VcfBuilder(kb, samples=("K", "U")).reference("CYP2C9")
    b.genotype("CYP2C9", "rs9332131", "GA", "G", sample="K")  # *6 deletion
    b.genotype("CYP2C9", "rs9332131", "GA", "GAA", sample="U")  # an insertion nobody defines
    frame = caller.call(b.write(tmp_path / "m.vcf"))
    rows = frame[frame["key"] == "CYP2C9"].set_index("sample")
    assert rows.loc["K", "diplotypes"] == ("*1/*6",)
    assert rows.loc["U", "status"] == "no_call"
    assert "not in the definitions" in rows.loc["U", "message"]


def test_longer_ref_and_split_records_map_onto_the_site(kb, caller, tmp_path):
    b = VcfBuilder(kb, samples=("L", "S")).reference("CYP2C9").missing("CYP2C9", "rs9332131")
    # the *6 deletion written with a longer REF next to another ALT, as a joined record
    b.line("chr10\t94949281\t.\tGAA\tGA,G\t.\tPASS\t.\tGT\t0/1\t0/0")
    # *8 / *27 (multi-allelic site) written as two split records
    b.missing("CYP2C9", "rs7900194")
    b.line("chr10\t94942309\t.\tG\tA\t.\tPASS\t.\tGT\t0/0\t1/0")
    b.line("chr10\t94942309\t.\tG\tT\t.\tPASS\t.\tGT\t0/0\t0/1")
    frame = caller.call(b.write(tmp_path / "m.vcf"))
    rows = frame[frame["key"] == "CYP2C9"].set_index("sample")
    assert rows.loc["L", "diplotypes"] == ("*1/*6",)
    assert rows.loc["S", "diplotypes"] == ("*8/*27",)


def test_string_phase_sets(kb, caller, tmp_path):
    ps = '##FORMAT=<ID=PS,Number=1,Type=String,Description="Phase set">'
    b = VcfBuilder(kb, samples=("A", "B"), header=(ps,)).reference("CYP2C9")
    b.missing("CYP2C9", "rs1799853").missing("CYP2C9", "rs1057910")
    b.line("chr10\t94942290\trs1799853\tC\tT\t.\tPASS\t.\tGT:PS\t0|1:blockA\t0|1:blockA")
    b.line("chr10\t94981296\trs1057910\tA\tC\t.\tPASS\t.\tGT:PS\t0|1:blockA\t0|1:blockB")
    frame = caller.call(b.write(tmp_path / "ps.vcf"))
    rows = frame[frame["key"] == "CYP2C9"].set_index("sample")
    assert rows.loc["A", "status"] == "no_call"  # *2 and *3 in cis within one phase set
    assert rows.loc["B", "diplotypes"] == ("*2/*3",)  # different sets: arranged freely


def test_read_sites_codes(kb, tmp_path):
    sites = sites_of(kb.genes["CYP3A5"])
    b = VcfBuilder(kb, samples=("X",)).reference("CYP3A5")
    b.genotype("CYP3A5", "rs776746", "T", "G", sample="X")  # undocumented ALT G
    b.missing("CYP3A5", "rs10264272")
    data = read_sites(b.write(tmp_path / "c.vcf"), [sites])
    keys = [s.key for s in sites]
    assert data.codes[0, keys.index("rs776746")].tolist() == [0, UNDOCUMENTED]
    assert data.codes[0, keys.index("rs10264272")].tolist() == [MISSING, MISSING]
    assert data.samples == ["X"]


BAD_HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\n chr10 1 . A C\n"


@pytest.mark.parametrize(("make", "field", "needle"), [
    (lambda kb, p: p.write_text("this is not a VCF\n"), "vcf", "not a readable VCF"),
    (lambda kb, p: p.write_text(BAD_HEADER), "vcf", "not a readable VCF"),
    (lambda kb, p: p.write_text(""), "vcf", "not a readable VCF"),
    (lambda kb, p: None, "vcf", "file not found"),
], ids=["not-vcf", "bad-header", "empty", "absent"])
def test_unreadable_files(kb, caller, tmp_path, make, field, needle):
    path = tmp_path / "bad.vcf"
    make(kb, path)
    with pytest.raises(InputError) as err:
        caller.call(path)
    assert err.value.field == field and needle in err.value.message
    assert "\n" not in str(err.value)


def test_truncated_bgzip(kb, caller, tmp_path):
    big = VcfBuilder(kb, samples=tuple(f"S{i}" for i in range(300)))
    big.reference("CYP2C9", "CYP2C19", "CYP3A4", "CYP3A5")
    whole = big.write(tmp_path / "w.vcf.gz", compress=True).read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="truncated"):
        caller.call(cut)
    cut.write_bytes(whole[: len(whole) // 2] + whole[-28:])  # EOF block kept, data cut
    with pytest.raises(InputError, match=r"unreadable record|not a readable VCF"):
        caller.call(cut)


def test_truncated_plain_gzip(kb, caller, tmp_path):
    data = gzip.compress(mixed(kb).text().encode())
    path = tmp_path / "t.vcf.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputError):
        caller.call(path)


def test_unknown_sample(kb, caller, tmp_path):
    path = mixed(kb).write(tmp_path / "m.vcf")
    with pytest.raises(InputError) as err:
        caller.call(path, "NA12878")
    assert err.value.field == "sample" and err.value.value == "NA12878"
    assert "samples: A, B, C, D, E, ..." in err.value.message


def test_sites_only_vcf(kb, caller, tmp_path):
    path = tmp_path / "s.vcf"
    path.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                    "chr10\t94981296\t.\tA\tC\t.\t.\t.\n")
    with pytest.raises(InputError, match="no samples"):
        caller.call(path)


def test_grch37_coordinates_detected_by_reference_bases(kb, caller, tmp_path):
    # GRCh37 data at GRCh38 positions: the REF bases are not GRCh38's
    b = VcfBuilder(kb, contigs=False).reference("CYP2C9")
    for rec in list(b.records.values())[:5]:
        rec.ref = {"A": "C", "C": "G", "G": "T", "T": "A"}[rec.ref[0]]
        rec.alts = ["A" if rec.ref != "A" else "G"]
    with pytest.raises(InputError) as err:
        caller.call(b.write(tmp_path / "g.vcf"))
    assert "REF differs from GRCh38 at 5 defined position(s)" in err.value.message
    assert "GRCh37" in err.value.message


@pytest.mark.parametrize("line", [
    "##contig=<ID=10,length=135534747>",
    "##reference=file:///ref/human_g1k_v37.fasta",
    "##contig=<ID=chr7,length=159138663,assembly=hg19>",
])
def test_grch37_header_detected(kb, caller, tmp_path, line):
    path = VcfBuilder(kb, contigs=False, header=(line,)).reference("CYP3A5").write(
        tmp_path / "h.vcf")
    with pytest.raises(InputError, match="not GRCh38"):
        caller.call(path)


def _gvcf(text: str, end_of: int) -> str:
    """``text`` (one sample, CYP2C9's sites) with every record but the last ``end_of`` replaced
    by one reference block over them."""
    lines = text.splitlines()
    head = [line for line in lines if line.startswith("#")]
    body = [line.split("\t") for line in lines if not line.startswith("#")]
    covered, kept = body[:-end_of], body[-end_of:]
    head.insert(1, '##INFO=<ID=END,Number=1,Type=Integer,Description="End">')
    block = [covered[0][0], str(int(covered[0][1])), ".", covered[0][3][0], "<NON_REF>", ".",
             ".", f"END={int(covered[-1][1]) + len(covered[-1][3]) - 1}", "GT", "0/0"]
    return "\n".join([*head, "\t".join(block), *("\t".join(r) for r in kept)]) + "\n"


def test_gvcf_reference_blocks_are_reference_calls(kb, caller, tmp_path):
    full = VcfBuilder(kb).reference("CYP2C9").diplotype("CYP2C9", "*1", "*1")
    plain = caller.call(full.write(tmp_path / "full.vcf"))
    gvcf = tmp_path / "g.vcf"
    gvcf.write_text(_gvcf(full.text(), end_of=1))
    blocks = caller.call(gvcf)
    assert plain.drop(columns="file").equals(blocks.drop(columns="file"))
    row = blocks.set_index("key").loc["CYP2C9"]
    assert row["diplotypes"] == ("*1/*1",) and row["missing_positions"] == ()


def test_haploid_and_triploid_calls_are_named(kb, tmp_path):
    site = kb.genes["CYP3A5"].variants[0]
    b = VcfBuilder(kb, samples=("H0", "H1", "T", "D")).reference("CYP3A5")
    text = b.text().replace("\t0/0\t0/0\t0/0\t0/0\n", "\t0\t1\t0/0/1\t0/1\n", 1)
    path = tmp_path / "p.vcf"
    path.write_text(text)
    sites = VcfCaller(kb).groups
    data = read_sites(path, sites)
    index = [s.key for group in sites for s in group].index(site.id)
    assert data.codes[:, index].tolist() == [[0, HAPLOID], [1, HAPLOID],
                                             [POLYPLOID, POLYPLOID], [0, 1]]
    frame = VcfCaller(kb).call(path).set_index(["sample", "key"])
    assert frame.loc[("H0", "CYP3A5"), "message"].startswith("haploid GT (one allele) at chr7:")
    assert frame.loc[("T", "CYP3A5"), "message"].startswith("GT with more than two alleles")
    assert frame.loc[("D", "CYP3A5"), "status"] == "called"


@pytest.mark.parametrize("top", [5, 60])  # packed into one code per site, or not
def test_unphased_patterns_sort_each_genotype(top):
    rng = np.random.default_rng(top)
    codes = rng.integers(-4, top, (2000, 7, 2)).astype(np.int16)
    codes[rng.random(2000) < 0.5] = codes[0]  # many samples share a pattern
    first, second, block, inverse = genotype_patterns(
        codes, np.zeros((2000, 7), bool), np.full((2000, 7), 0, np.int64))
    assert (first[inverse] == codes.min(axis=2)).all()
    assert (second[inverse] == codes.max(axis=2)).all()
    assert (block == -1).all() and len(np.unique(np.hstack([first, second]), axis=0)) == len(first)
