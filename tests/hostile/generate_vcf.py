"""Write the hostile VCFs of tests/hostile/vcf/ and their expect.yaml (run from the repository
root: python tests/hostile/generate_vcf.py). Files are built from the knowledge base's sites
(tests/vcf_builder.py), then broken in one way each."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from advisor.knowledge import load_knowledgebase  # noqa: E402
from tests.vcf_builder import VcfBuilder, bgzip  # noqa: E402

KB = load_knowledgebase()
CASES: dict[str, dict[str, Any]] = {}
TSV = ["call", "{file}", "--format", "tsv"]


def case(name: str, content: str | bytes, exit_code: int, contains: str,
         argv: list[str] | None = None) -> None:
    data = content.encode() if isinstance(content, str) else content
    CASES[name] = {"content": data, "exit": exit_code, "contains": contains,
                   **({"argv": argv} if argv else {})}


def cyp2c9(**kw: Any) -> VcfBuilder:
    return VcfBuilder(KB, **kw).reference("CYP2C9")


def text(b: VcfBuilder) -> str:
    return b.text()


def header_and_records(b: VcfBuilder) -> tuple[list[str], list[str]]:
    lines = text(b).splitlines()
    split = next(i for i, line in enumerate(lines) if line.startswith("#CHROM")) + 1
    return lines[:split], lines[split:]


def with_gt(transform) -> str:
    """CYP2C9's sites with each sample cell rewritten by ``transform(cell, k)``."""
    head, records = header_and_records(cyp2c9())
    out = []
    for k, line in enumerate(records):
        cells = line.split("\t")
        out.append("\t".join(cells[:9] + [transform(c, k) for c in cells[9:]]))
    return "\n".join(head + out) + "\n"


def gvcf(alt: str, end_shift: int = 0) -> str:
    """A gVCF: one reference block (END=) over all of CYP2C9's sites but the last, and a
    variant record (0/0 with ``alt``) at the last one."""
    head, records = header_and_records(cyp2c9())
    positions = sorted(int(r.split("\t")[1]) for r in records)
    chrom = records[0].split("\t")[0]
    ref_first = next(r.split("\t")[3] for r in records if int(r.split("\t")[1]) == positions[0])
    last = next(r for r in records if int(r.split("\t")[1]) == positions[-1]).split("\t")
    head.insert(1, '##INFO=<ID=END,Number=1,Type=Integer,Description="End of the block">')
    block = [chrom, str(positions[0]), ".", ref_first[0], alt, ".", "PASS",
             f"END={positions[-2] + end_shift}", "GT", "0/0"]
    variant = [*last[:4], f"{last[4]},{alt}", ".", "PASS", ".", "GT", "0/0"]
    return "\n".join([*head, "\t".join(block), "\t".join(variant)]) + "\n"


def vcf_cases() -> None:
    # genotypes missing or unusable
    case("no-gt.vcf", with_gt(lambda c, k: "12").replace(
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">').replace(
        "\tGT\t", "\tDP\t"), 2, "no GT (genotype) field in the record at chr10:")
    case("haploid.vcf", with_gt(lambda c, k: "0"), 0,
         "haploid GT (one allele) at chr10:", TSV)
    case("haploid-one-site.vcf", with_gt(lambda c, k: "1" if k == 3 else c), 0,
         "chr10 is an autosome, two alleles are expected; not called", TSV)
    case("triploid.vcf", with_gt(lambda c, k: "0/0/1" if k == 0 else c), 0,
         "GT with more than two alleles at chr10:", TSV)
    case("half-missing.vcf", with_gt(lambda c, k: "1/." if k == 5 else c), 0,
         "half-missing genotype (e.g. 1/.)", TSV)
    case("all-missing-gt.vcf", with_gt(lambda c, k: "./."), 0,
         "no data at any of the", TSV)
    star3 = next(v for v in KB.genes["CYP2C9"].variants if v.rsid == "rs1057910")
    star2 = next(v for v in KB.genes["CYP2C9"].variants if v.rsid == "rs1799853")
    case("mixed-phasing.vcf", VcfBuilder(KB).reference("CYP2C9")
         .genotype("CYP2C9", star3.id, star3.ref, star3.alts[0], phased=True)
         .genotype("CYP2C9", star2.id, star2.ref, star2.alts[0]).text(), 0,
         "CYP2C9\tCYP2C9\t*2/*3", TSV)
    first = KB.genes["CYP2C9"].variants[0]
    other = next(b for b in "ACGT" if b not in (first.ref, *first.alts))
    case("multi-allelic-undocumented.vcf", cyp2c9().genotype(
        "CYP2C9", first.id, first.alts[0], other).text(), 0, "allele not in the definitions at",
        TSV)
    # another build
    head, records = header_and_records(cyp2c9(contigs=False))
    shifted = ["\t".join([r.split("\t")[0], str(int(r.split("\t")[1]) + 10_000_000),
                          *r.split("\t")[2:]]) for r in records]
    case("grch37-positions-no-header.vcf", "\n".join(head + shifted) + "\n", 0,
         "no record at any of the 170 knowledge-base positions", TSV)
    flip = {"A": "C", "C": "G", "G": "T", "T": "A"}
    wrong = ["\t".join([*r.split("\t")[:3], "".join(flip.get(x, x) for x in r.split("\t")[3]),
                        *r.split("\t")[4:]]) for r in records]
    case("other-build-ref-bases.vcf", "\n".join(head + wrong) + "\n", 2,
         "the file looks like another build: REF matches GRCh38 at none of the")
    case("one-ref-mismatch.vcf", "\n".join(head + wrong[:1] + records[1:]) + "\n", 2,
         "REF differs from GRCh38 at 1 defined position(s)")
    case("grch37-contig-length.vcf", VcfBuilder(KB, contigs=False, header=(
        "##contig=<ID=chr10,length=135534747>",)).reference("CYP2C9").text(), 2, "not GRCh38")
    case("hg19-reference-line.vcf", VcfBuilder(KB, header=(
        "##reference=file:///ref/hg19.fa",)).reference("CYP2C9").text(), 2, "not GRCh38")
    case("header-only.vcf", "\n".join(head) + "\n", 0, "no record at any of the", TSV)
    # gVCF reference blocks
    case("gvcf-non-ref-blocks.vcf", gvcf("<NON_REF>"), 0, "CYP2C9\tCYP2C9\t*1/*1", TSV)
    case("gvcf-star-blocks.vcf", gvcf("<*>"), 0, "CYP2C9\tCYP2C9\t*1/*1", TSV)
    case("gvcf-block-too-short.vcf", gvcf("<NON_REF>", end_shift=-1), 0,
         "1 of 83 positions missing", TSV)
    # broken files
    case("empty.vcf", b"", 2, "error: vcf")
    case("not-a-vcf.vcf", "hello, this is not a VCF\n", 2, "not a readable VCF")
    case("png-bytes.vcf", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 2, "not a readable VCF")
    case("no-chrom-line.vcf", "\n".join(head[:-1] + records) + "\n", 2,
         "no #CHROM header line before the first record")
    case("gt-declared-as-integer.vcf", text(cyp2c9()).replace(
        "##FORMAT=<ID=GT,Number=1,Type=String", "##FORMAT=<ID=GT,Number=1,Type=Integer"), 2,
        "vcf: unreadable record")
    case("unterminated-header-line.vcf", text(cyp2c9()).replace(
        "##FORMAT=<ID=GT", '##INFO=<ID=DP,Number=1,Type=Integer,Description="open\n'
        "##FORMAT=<ID=GT"), 0, "CYP2C9\tCYP2C9\t*1/*1", TSV)
    case("sites-only.vcf", "\n".join(
        [*head[:-1], "\t".join(head[-1].split("\t")[:8])]
        + ["\t".join(r.split("\t")[:8]) for r in records]) + "\n", 2, "no samples")
    case("duplicate-samples.vcf", VcfBuilder(KB, samples=("S1", "S2", "S1"))
         .reference("CYP2C9").text(), 2, "sample 'S1' appears twice in the header")
    case("bad-pos.vcf", text(cyp2c9()).replace(f"\t{records[0].split(chr(9))[1]}\t", "\tabc\t", 1),
         2, "error: vcf")
    case("gt-letters.vcf", with_gt(lambda c, k: "A/B" if k == 1 else c), 2, "error: vcf")
    case("too-few-sample-columns.vcf", VcfBuilder(KB, samples=("S1", "S2")).reference("CYP2C9")
         .text().replace("\t0/0\t0/0\n", "\t0/0\n", 1), 2, "error: vcf")
    case("huge-info.vcf.gz", _bgzipped(text(cyp2c9()).replace(
        "\tPASS\t.\t", "\tPASS\tNOTE=" + "x" * 2_000_000 + "\t", 1).encode()), 0,
        "CYP2C9\tCYP2C9\t*1/*1", TSV)
    plain = text(cyp2c9()).encode()
    case("truncated-bgzip.vcf.gz", _bgzipped(plain)[:-40], 2, "truncated")
    case("truncated-gzip.vcf.gz", gzip.compress(plain * 20)[:3000], 2, "error: vcf")
    case("gzip-of-garbage.vcf.gz", gzip.compress(bytes(range(256)) * 100), 2, "error: vcf")
    case("utf16.vcf", text(cyp2c9()).encode("utf-16"), 2, "error: vcf")
    case("crlf.vcf", text(cyp2c9()).replace("\n", "\r\n"), 0, "CYP2C9\tCYP2C9\t*1/*1", TSV)
    case("unknown-sample.vcf", text(cyp2c9()), 2, "error: sample",
         ["call", "{file}", "--sample", "NOPE"])
    case("pharmcat-two-samples.vcf", VcfBuilder(KB, samples=("S1", "S2")).reference("CYP2C9")
         .text(), 2, "an outside-call file holds one sample", ["call", "{file}", "--format",
                                                              "pharmcat"])


def _bgzipped(data: bytes) -> bytes:
    path = HERE / ".tmp.vcf.gz"
    bgzip(data, path)
    try:
        return path.read_bytes()
    finally:
        path.unlink()


def write_vcfs() -> None:
    folder = HERE / "vcf"
    vcf_cases()
    for stale in folder.iterdir():  # cases removed from this script
        if stale.name not in CASES and stale.name not in ("README.md", "expect.yaml"):
            stale.unlink()
    lines = ["# file: {exit, contains, argv?}; see ../README.md. Written by",
             "# tests/hostile/generate_vcf.py."]
    for name, spec in sorted(CASES.items()):
        (folder / name).write_bytes(spec["content"])
        entry = {k: v for k, v in spec.items() if k != "content"}
        lines.append(f"{name}: {json.dumps(entry)}")
    (folder / "expect.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_vcfs()
    print(f"{len(CASES)} VCF files in {HERE / 'vcf'}")
