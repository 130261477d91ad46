"""VCF calling throughput: a synthetic multi-sample GRCh38 VCF over every gene the knowledge
base can call from a VCF, bgzipped and tabix-indexed, called by `advisor call`.

`advisor call` (a fresh process per run, TSV, JSON Lines and JSON written to a file) is timed
beside the floor, a raw cyvcf2 loop in a fresh process that queries the same gene regions and
touches every record's ``gt_types``; each repeat runs all of them once, and the ratios are
of the minima and the median of the repeat-by-repeat ratios. The startup line is what every
`advisor call` pays before reading (imports and loading the knowledge base, a process of
its own). Peak RSS is measured per process.

Star-allele haplotypes are drawn from the allele definitions (skewed towards the reference and
the first-listed alleles), SNPs at 50% allele frequency, 1% of genotypes no-calls.

Run: python benchmarks/bench_vcf_call.py [--samples N] [--seed S] [--repeats R]
"""

from __future__ import annotations

import argparse
import os
import subprocess
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


FLOOR = """
import sys, time
from cyvcf2 import VCF
path, regions = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
vcf = VCF(path, gts012=True, lazy=True)
n = 0
for region in regions:
    for record in vcf(region):
        n += int(record.gt_types[0] >= 0)
print(time.perf_counter() - start)
"""


STARTUP = """
from advisor.genotype.vcf import VcfCaller
from advisor.genotype.writers import write_calls
from advisor.knowledge import load_knowledgebase
VcfCaller(load_knowledgebase())
"""


def regions(caller: VcfCaller) -> list[str]:
    """The region of each gene, as ``advisor call`` queries them from an indexed file."""
    return [f"{c.sites[0].chrom}:{min(s.pos for s in c.sites)}-{max(s.pos for s in c.sites)}"
            for c in caller.callers]


def timed(argv: list[str]) -> tuple[float, str]:
    """Wall seconds and standard output of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = child.communicate()
    took = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed: {err.decode()[-500:]}")
    return took, out.decode()


def peak_rss(argv: list[str]) -> float:
    """Peak RSS (MiB) of one run, measured in a fresh wrapper process (ru_maxrss of
    RUSAGE_CHILDREN is the maximum over every child a process has waited for)."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
            "stdout=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    return float(subprocess.run([sys.executable, "-c", code, *argv], check=True,
                                capture_output=True, text=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="paired runs; min and median")
    args = parser.parse_args()
    kb = load_knowledgebase()
    caller = VcfCaller(kb)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cohort.vcf.gz"
        start = time.perf_counter()
        text = synthetic_vcf(kb, args.samples, rng)
        bgzip(text, path)
        tabix(path)
        made = time.perf_counter() - start
        n_sites = sum(len(c.sites) for c in caller.callers)
        genes = sorted({c.gene.symbol for c in caller.callers})
        print(f"synthetic VCF: {args.samples} samples x {n_sites} sites ({', '.join(genes)}); "
              f"{len(text) / 1e6:.1f} MB of text, {path.stat().st_size / 1e6:.2f} MB bgzipped, "
              f"tabix-indexed, written in {made:.1f} s")
        del text
        floor_argv = [sys.executable, "-c", FLOOR, str(path), *regions(caller)]
        runs: dict[str, list[float]] = {"floor": [], "floor loop": [], "in-process": []}
        for _ in range(args.repeats):  # paired: each repeat measures everything once
            took, out = timed(floor_argv)
            runs["floor"].append(took)
            runs["floor loop"].append(float(out))
            start = time.perf_counter()
            table = caller.call_table(path)
            runs["in-process"].append(time.perf_counter() - start)
            took, _ = timed([sys.executable, "-c", STARTUP])
            runs.setdefault("startup", []).append(took)
            for fmt in ("tsv", "jsonl", "json"):
                took, _ = timed([sys.executable, "-m", "advisor.cli", "call", str(path),
                                    "--format", fmt, "--out", str(Path(tmp) / f"calls.{fmt}")])
                runs.setdefault(fmt, []).append(took)
        print(f"calls: {table.index.size:,} ({len(table.calls)} distinct) for "
              f"{len(table.samples):,} samples")

        def line(label: str, key: str, floor: str) -> str:
            t, f = np.array(runs[key]), np.array(runs[floor])
            return (f"{label:<34} {t.min():6.2f} s {np.median(t):6.2f} s   "
                    f"{t.min() / f.min():5.2f}x {np.median(t / f):8.2f}x")

        print(f"{'':<34} {'min':>8} {'median':>8}   {'ratio to the floor:':>20}")
        print(f"{'':<34} {'':>8} {'':>8}   {'of minima':>9} {'paired median':>14}")
        print(line("raw cyvcf2 loop (in process)", "floor loop", "floor loop"))
        print(line("raw cyvcf2 loop (whole process)", "floor", "floor"))
        print(line("VcfCaller.call_table (in process)", "in-process", "floor loop"))
        print(line("startup: imports, knowledge base", "startup", "floor"))
        for fmt in ("tsv", "jsonl", "json"):
            print(line(f"advisor call --format {fmt}", fmt, "floor"))
        peaks = [("raw cyvcf2 loop", peak_rss(floor_argv))]
        for fmt in ("tsv", "jsonl", "json"):
            peaks.append((f"advisor call --format {fmt}", peak_rss(
                [sys.executable, "-m", "advisor.cli", "call", str(path), "--format", fmt,
                 "--out", str(Path(tmp) / f"calls.{fmt}")])))
        print("peak RSS: " + ", ".join(f"{label} {mib:.0f} MiB" for label, mib in peaks))
        status = table.frame()["status"].value_counts().to_dict()
        print(f"status counts: {status}")
        print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()} on {os.cpu_count()} "
              "CPUs (the floor is measured in the same run: compare ratios, not times)")


if __name__ == "__main__":
    main()
