"""VCF calling throughput: a synthetic multi-sample GRCh38 VCF over every gene the knowledge
base can call from a VCF, bgzipped, called with and without a tabix index.

Star-allele haplotypes are drawn from the allele definitions (skewed towards the reference and
the first-listed alleles), SNPs at 50% allele frequency, 1% of genotypes no-calls.

Run: python benchmarks/bench_vcf_call.py [--samples N] [--seed S]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.genotype.vcf import VcfCaller  # noqa: E402
from advisor.genotype.vcf_read import GRCH38_LENGTHS, bare_contig  # noqa: E402
from advisor.knowledge import KnowledgeBase, load_knowledgebase  # noqa: E402
from advisor.report.calls import render_calls  # noqa: E402
from tests.vcf_builder import bgzip, haplotype_base, tabix  # noqa: E402


def haplotypes(caller: Any, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two haplotypes per sample as allele codes (samples, sites)."""
    sites, gene = caller.sites, caller.gene
    if gene.kind == "star_allele":
        names = [a.name for a in gene.alleles if a.callable_from_vcf]
        table = np.array([[s.alleles.index(haplotype_base(gene, name, s)) for s in sites]
                          for name in names])
        weights = 1.0 / np.arange(1, len(names) + 1) ** 2
        weights[0] = weights[1:].sum() * 4  # the genome reference allele: ~80%
        weights /= weights.sum()
        return (table[rng.choice(len(names), n, p=weights)],
                table[rng.choice(len(names), n, p=weights)])
    shape = (n, len(sites))
    return (rng.random(shape) < 0.5).astype(int), (rng.random(shape) < 0.5).astype(int)


def synthetic_vcf(kb: KnowledgeBase, n: int, rng: np.random.Generator) -> bytes:
    """VCF text for ``n`` samples at every callable site."""
    rows: list[tuple[str, int, str]] = []
    gt_text = np.array([f"{a}/{b}" for a in range(4) for b in range(4)], dtype=object)
    for caller in VcfCaller(kb).callers:
        first, second = haplotypes(caller, n, rng)
        cells = gt_text[first * 4 + second]
        cells[rng.random(cells.shape) < 0.01] = "./."
        for p, site in enumerate(caller.sites):
            fixed = f"{site.chrom}\t{site.pos}\t{site.key}\t{site.alleles[0]}\t" + (
                ",".join(site.alleles[1:]) + "\t.\tPASS\t.\tGT\t")
            rows.append((site.chrom, site.pos, fixed + "\t".join(cells[:, p])))
    contigs = sorted({chrom for chrom, _, _ in rows})
    header = ["##fileformat=VCFv4.2",
              *(f"##contig=<ID={c},length={GRCH38_LENGTHS[bare_contig(c)]}>" for c in contigs),
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                         "FORMAT", *(f"S{i:05d}" for i in range(n))])]
    body = [text for _, _, text in sorted(rows)]
    return ("\n".join(header + body) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    kb = load_knowledgebase()
    caller = VcfCaller(kb)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cohort.vcf.gz"
        start = time.perf_counter()
        text = synthetic_vcf(kb, args.samples, rng)
        bgzip(text, path)
        made = time.perf_counter() - start
        n_sites = sum(len(c.sites) for c in caller.callers)
        genes = sorted({c.gene.symbol for c in caller.callers})
        print(f"synthetic VCF: {args.samples} samples x {n_sites} sites ({', '.join(genes)}); "
              f"{len(text) / 1e6:.1f} MB of text, {path.stat().st_size / 1e6:.2f} MB bgzipped, "
              f"written in {made:.1f} s")
        for label in ("streamed (no index)", "tabix-indexed"):
            if label == "tabix-indexed":
                tabix(path)
            start = time.perf_counter()
            frame = caller.call(path)
            took = time.perf_counter() - start
            print(f"{label}: {len(frame)} calls for {args.samples} samples in {took:.2f} s = "
                  f"{len(frame) / took:,.0f} calls/s, {args.samples / took:,.0f} samples/s")
        start = time.perf_counter()
        rendered = render_calls(kb, frame, "json")
        print(f"JSON rendering: {len(rendered) / 1e6:.0f} MB in "
              f"{time.perf_counter() - start:.2f} s")
        status = frame["status"].value_counts().to_dict()
        print(f"status counts: {status}")


if __name__ == "__main__":
    main()
