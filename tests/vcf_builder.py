"""Build small GRCh38 test VCFs from the knowledge base's definitions, then compress and index them.

In the spirit of PharmCAT's TestVcfBuilder: name a gene and the builder writes a record at each
of its defining positions (``0/0`` unless told otherwise); genotypes are given as VCF
(plus-strand) alleles or as two star alleles, whose definitions supply the bases.
"""

from __future__ import annotations

import ctypes
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import cyvcf2.cyvcf2

from advisor.genotype.matcher import IUPAC
from advisor.genotype.vcf_read import BGZF_EOF, GRCH38_LENGTHS, Site, bare_contig
from advisor.knowledge import KnowledgeBase
from advisor.schema import Gene


@dataclass
class _Record:
    chrom: str
    pos: int
    vid: str
    ref: str
    alts: list[str]
    calls: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # sample -> GT, PS


def sites_of(gene: Gene) -> list[Site]:
    """Every position the gene's definitions use: star-allele/SNP variants and known variants."""
    out = [Site(v.id, gene.chromosome, v.position, (v.ref, *v.alts)) for v in gene.variants]
    out += [Site(kv.rsid or kv.variant, gene.chromosome, kv.position, (kv.ref, kv.alt))
            for kv in getattr(gene, "known_variants", []) if kv.position and kv.ref and kv.alt]
    return out


def haplotype_base(gene: Gene, allele: str, site: Site) -> str:
    """The base a named allele carries at a site (an IUPAC code becomes an ALT it allows)."""
    named = next(a for a in gene.alleles if a.name == allele)
    base = named.defining.get(site.key)
    if base is None:
        return site.alleles[0]
    if base in IUPAC:
        return next(a for a in site.alleles[1:] if a in IUPAC[base])
    return base


class VcfBuilder:
    """A VCF under construction: records at knowledge-base sites, genotypes per sample."""

    def __init__(self, kb: KnowledgeBase, samples: tuple[str, ...] = ("S1",), *,
                 chr_prefix: bool = True, contigs: bool = True, header: tuple[str, ...] = ()):
        self.kb = kb
        self.samples = list(samples)
        self.chr_prefix = chr_prefix
        self.contigs = contigs
        self.header = list(header)
        self.records: dict[tuple[str, int], _Record] = {}
        self.raw: list[str] = []
        self._sites: dict[str, dict[str, Site]] = {}

    def _site(self, gene: str, vid: str) -> Site:
        if gene not in self._sites:
            self._sites[gene] = {s.key: s for s in sites_of(self.kb.genes[gene])}
        return self._sites[gene][vid]

    def _record(self, site: Site) -> _Record:
        chrom = site.chrom if self.chr_prefix else bare_contig(site.chrom)
        key = (chrom, site.pos)
        if key not in self.records:
            self.records[key] = _Record(chrom, site.pos, site.key, site.alleles[0],
                                        list(site.alleles[1:]))
        return self.records[key]

    def reference(self, *genes: str) -> VcfBuilder:
        """Records at every site of the genes (samples not given a genotype are 0/0)."""
        for gene in genes:
            for site in sites_of(self.kb.genes[gene]):
                self._record(site)
        return self

    def genotype(self, gene: str, vid: str, first: str, second: str, *,
                 sample: str | None = None, phased: bool = False,
                 ps: int | None = None) -> VcfBuilder:
        """Set a genotype from two VCF alleles; an allele the site lacks becomes a new ALT."""
        rec = self._record(self._site(gene, vid))
        indices = []
        for allele in (first, second):
            if allele == ".":
                indices.append(".")
                continue
            if allele != rec.ref and allele not in rec.alts:
                rec.alts.append(allele)
            indices.append(str(0 if allele == rec.ref else rec.alts.index(allele) + 1))
        gt = ("|" if phased else "/").join(indices)
        for name in [sample] if sample else self.samples:
            rec.calls[name] = (gt, ps)
        return self

    def missing(self, gene: str, vid: str, *, sample: str | None = None) -> VcfBuilder:
        """Drop the site from the file, or give one sample ./. there."""
        site = self._site(gene, vid)
        if sample is None:
            chrom = site.chrom if self.chr_prefix else bare_contig(site.chrom)
            self.records.pop((chrom, site.pos), None)
        else:
            self._record(site).calls[sample] = ("./.", None)
        return self

    def diplotype(self, gene: str, first: str, second: str, *, sample: str | None = None,
                  phased: bool = False) -> VcfBuilder:
        """Genotypes at every site of a star-allele gene from two allele definitions."""
        g = self.kb.genes[gene]
        self._site(gene, g.variants[0].id)
        for site in self._sites[gene].values():
            self.genotype(gene, site.key, haplotype_base(g, first, site),
                          haplotype_base(g, second, site), sample=sample, phased=phased)
        return self

    def line(self, text: str) -> VcfBuilder:
        """A raw data line (tab-separated), written after the built records."""
        self.raw.append(text)
        return self

    def text(self) -> str:
        uses_ps = any(ps is not None for r in self.records.values() for _, ps in r.calls.values())
        lines = ["##fileformat=VCFv4.2"]
        if self.contigs:
            for name in sorted({r.chrom for r in self.records.values()}):
                lines.append(f"##contig=<ID={name},length={GRCH38_LENGTHS[bare_contig(name)]}>")
        lines += self.header
        lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
        if uses_ps:
            lines.append('##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">')
        lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO",
                                "FORMAT", *self.samples]))
        order = sorted(self.records.values(), key=lambda r: (r.chrom, r.pos))
        for r in order:
            cells = []
            for name in self.samples:
                gt, ps = r.calls.get(name, ("0/0", None))
                cells.append(f"{gt}:{'.' if ps is None else ps}" if uses_ps else gt)
            lines.append("\t".join([r.chrom, str(r.pos), r.vid, r.ref, ",".join(r.alts) or ".",
                                    ".", "PASS", ".", "GT:PS" if uses_ps else "GT", *cells]))
        return "\n".join([*lines, *self.raw]) + "\n"

    def write(self, path: Path, *, compress: bool = False, index: bool = False) -> Path:
        """Write plain text, or bgzip (``compress``) and optionally a tabix index."""
        data = self.text().encode()
        if not compress:
            path.write_bytes(data)
            return path
        bgzip(data, path)
        if index:
            tabix(path)
        return path


def bgzip(data: bytes, path: Path, block: int = 0xFF00) -> None:
    """Write ``data`` BGZF-compressed (gzip members with the BC extra field, then EOF block)."""
    with path.open("wb") as fh:
        for start in range(0, len(data), block):
            chunk = data[start:start + block]
            deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
            body = deflate.compress(chunk) + deflate.flush()
            fh.write(b"\x1f\x8b\x08\x04\0\0\0\0\0\xff\x06\0BC\x02\0"
                     + struct.pack("<H", len(body) + 25) + body
                     + struct.pack("<II", zlib.crc32(chunk), len(chunk)))
        fh.write(BGZF_EOF)


def tabix(path: Path) -> Path:
    """Build ``path.tbi`` with htslib's ``bcf_index_build`` (htslib ships inside cyvcf2)."""
    lib = ctypes.CDLL(cyvcf2.cyvcf2.__file__)
    lib.bcf_index_build.argtypes = [ctypes.c_char_p, ctypes.c_int]
    if lib.bcf_index_build(str(path).encode(), 0) != 0:
        raise RuntimeError(f"tabix indexing failed for {path}")
    return Path(f"{path}.tbi")
