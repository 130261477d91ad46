"""Read genotypes at known GRCh38 sites from a VCF (plain, gzip or bgzip; tabix index optional).

Each gene region is queried once when the file has a ``.tbi``/``.csi`` index; without one the
file is streamed once. Genotypes of all samples come back as numpy matrices of allele codes
(the index into ``Site.alleles``), so callers work on whole cohorts at once. Contigs may be
named ``chr10`` or ``10``; multi-allelic records, split records at one position and
differently anchored indels are mapped onto the site's alleles. Every problem with the file
is an :class:`~advisor.errors.InputError`.
"""

from __future__ import annotations

import bisect
import ctypes
import functools
import gzip
import hashlib
import re
import warnings
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advisor.errors import InputError
from advisor.extras import missing_extra
from advisor.genotype.sites import HAPLOID, MISSING, POLYPLOID, UNDOCUMENTED, Site

try:
    import cyvcf2.cyvcf2
    from cyvcf2 import VCF, Variant
except ModuleNotFoundError as exc:
    raise missing_extra("vcf", "reading VCF files") from exc

NO_PHASE_SET = np.iinfo(np.int64).min  # phased without PS: one phase set per sample

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
GRCH38_LENGTHS = {  # primary assembly contigs, to recognise a VCF on another build
    "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
    "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
    "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
    "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
    "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415}
_OTHER_BUILD = re.compile(r"GRCh37|hg19|hg18|\bb37\b|hs37|NCBI3[67]|human_g1k_v37", re.I)
_CONTIG = re.compile(r"##contig=<ID=([^,>]+)(?:.*?length=(\d+))?", re.I)


@dataclass(frozen=True)
class SiteGenotypes:
    """Genotypes of every sample at every site (sites in the order they were asked for)."""

    samples: list[str]
    codes: np.ndarray  # int16 (samples, sites, 2): allele codes, MISSING, UNDOCUMENTED, ...
    phased: np.ndarray  # bool (samples, sites): GT written with '|'
    phase_set: np.ndarray  # int64 (samples, sites): PS, NO_PHASE_SET when absent
    notices: tuple[str, ...] = ()  # what every output of these calls must say


def bare_contig(name: str) -> str:
    """``chr10`` -> ``10``; other names unchanged."""
    return name[3:] if name.lower().startswith("chr") else name


@functools.cache
def _quiet_htslib() -> None:
    """Silence htslib's own stderr messages: every problem they describe becomes an
    InputError here. htslib is linked into cyvcf2's extension, which exports its API."""
    set_level = getattr(ctypes.CDLL(cyvcf2.cyvcf2.__file__), "hts_set_log_level", None)
    if set_level is not None:
        set_level(0)  # HTS_LOG_OFF


def read_sites(path: str | Path, groups: Sequence[Sequence[Site]],
               sample: str | None = None) -> SiteGenotypes:
    """Genotypes at ``groups`` of sites (one group per gene, one contig each) from a VCF;
    all samples, or only ``sample``."""
    path = Path(path)
    sites = [s for group in groups for s in group]
    _check_file(path)
    _quiet_htslib()
    try:
        vcf = VCF(str(path), gts012=True, lazy=True)
    except Exception as exc:  # cyvcf2 raises OSError or a bare Exception
        why = _header_problem(path) or _one_line(exc)
        raise InputError("vcf", str(path), f"not a readable VCF ({why})") from None
    try:
        header = _check_header(vcf, path)
        samples = _samples(vcf, path, sample)
        found = _Found(path, sites, len(samples), "##FORMAT=<ID=PS," in header)
        blocks = "##INFO=<ID=END," in header  # a gVCF's reference blocks
        seqnames = _declare_contigs(vcf, sites)
        for index, record, block in _records(vcf, path, groups, blocks, seqnames):
            found.add(index, record, block)
    finally:
        vcf.close()
    return found.genotypes(samples)


def _header_problem(path: Path, limit: int = 1 << 24) -> str:
    """What is wrong with the header of a file htslib refused, when it is one of: no #CHROM
    line, a sample named twice ('' otherwise; reads at most ``limit`` bytes)."""
    try:
        with path.open("rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
        with (gzip.open(path, "rb") if gzipped else path.open("rb")) as fh:
            head = fh.read(limit)
    except (OSError, EOFError, zlib.error):
        return ""
    for line in head.split(b"\n"):
        if line.startswith(b"#CHROM"):
            names = line.rstrip(b"\r").split(b"\t")[9:]
            twice = next((n for n in names if names.count(n) > 1), None)
            return (f"sample {twice.decode(errors='replace')[:80]!r} appears twice in the "
                    "header") if twice else ""
        if line and not line.startswith(b"#"):
            return "no #CHROM header line before the first record"
    return ""


def _declare_contigs(vcf: VCF, sites: list[Site]) -> list[str]:
    """The file's contig names; then the sites' contigs (``chr10`` and ``10``) are declared in
    the header read, where the file does not: htslib passes on a record on an undeclared
    contig even when the rest of its line is broken, and cyvcf2 then crashes reading it."""
    try:
        seqnames = list(vcf.seqnames)
    except Exception:  # no contig lines and no index
        seqnames = []
    for contig in sorted({bare_contig(s.chrom) for s in sites}):
        for name in (contig, f"chr{contig}"):
            if name not in seqnames:
                vcf.add_to_header(f"##contig=<ID={name}>")
    return seqnames


def _samples(vcf: VCF, path: Path, sample: str | None) -> list[str]:
    """The samples to read (all, or ``sample``), checked."""
    samples = list(vcf.samples)
    if not samples:
        raise InputError("vcf", str(path), "no samples (a sites-only VCF)")
    if len(set(samples)) < len(samples):
        twice = next(s for s in samples if samples.count(s) > 1)
        raise InputError("vcf", str(path), f"sample {twice[:80]!r} appears twice in the header")
    if sample is None:
        return samples
    if sample not in samples:
        listed = ", ".join(samples[:5]) + (", ..." if len(samples) > 5 else "")
        raise InputError("sample", sample, f"not in {path.name} (samples: {listed})")
    vcf.set_samples([sample])
    return [sample]


class _Found:
    """The genotypes read so far, record by record, and what the records said of the build."""

    def __init__(self, path: Path, sites: list[Site], n_samples: int, has_ps: bool):
        self.path, self.sites, self.has_ps = path, sites, has_ps
        shape = (len(sites), n_samples)  # site-major while reading: one row per record
        self.site_codes = np.full((*shape, 2), MISSING, np.int16)
        self.site_phased = np.zeros(shape, bool)
        self.site_phase_set = (np.full(shape, NO_PHASE_SET, np.int64) if has_ps
                               else np.broadcast_to(np.int64(NO_PHASE_SET), shape))
        self.seen = np.zeros(len(sites), bool)
        self.matched = 0  # records at a site whose REF is GRCh38's
        self.mismatches: list[str] = []

    def add(self, index: int, record: Variant, block: bool) -> None:
        """Take a record at site ``index`` (or a reference block covering it)."""
        site = self.sites[index]
        mapping = _block_map(record) if block else _allele_map(record, site)
        if mapping is None:
            self.mismatches.append(f"{site.chrom}:{site.pos} REF {record.REF[:20]} (GRCh38 "
                                   f"{site.alleles[0]})")
            return
        self.matched += not block
        rec_codes, rec_phased, rec_ps = _genotypes(record, mapping, self.path, self.has_ps)
        if self.seen[index]:  # a split multi-allelic record: merge with what was read
            rec_codes = _merge(self.site_codes[index], rec_codes)
            rec_phased &= self.site_phased[index]
        elif self.has_ps:
            self.site_phase_set[index] = rec_ps
        self.site_codes[index], self.site_phased[index] = rec_codes, rec_phased
        self.seen[index] = True

    def genotypes(self, samples: list[str]) -> SiteGenotypes:
        """The genotypes read, sample-major."""
        return SiteGenotypes(samples, np.ascontiguousarray(self.site_codes.transpose(1, 0, 2)),
                             np.ascontiguousarray(self.site_phased.T), self.site_phase_set.T,
                             self.notices())

    def notices(self) -> tuple[str, ...]:
        """Refuse a file on another build; say so when no record was at any site."""
        path, bad = str(self.path), self.mismatches
        if bad and not self.matched:
            raise InputError("vcf", path, f"the file looks like another build: REF matches "
                             f"GRCh38 at none of the {len(bad)} knowledge-base position(s) it "
                             f"has records at (e.g. {bad[0]}); is it on GRCh37/hg19?")
        if bad:
            raise InputError("vcf", path, f"REF differs from GRCh38 at {len(bad)} defined "
                             f"position(s), e.g. {bad[0]}; is the file on GRCh37/hg19?")
        if self.seen.any():
            return ()
        return (f"{self.path.name}: no record at any of the {len(self.sites)} knowledge-base "
                "positions, so every gene is a no-call (an absent position is never assumed "
                "to be the reference). A VCF that lists only variant sites, or one on another "
                "build (GRCh37/hg19) whose header does not say so, looks like this.",)


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise InputError("vcf", str(path), "file not found")
    with path.open("rb") as fh:
        head = fh.read(18)
        if head[:2] == b"\x1f\x8b" and len(head) == 18 and head[3] & 4 and head[12:14] == b"BC":
            fh.seek(max(0, path.stat().st_size - len(BGZF_EOF)))
            if fh.read() != BGZF_EOF:
                raise InputError("vcf", str(path), "truncated: the bgzip end-of-file block "
                                 "is missing")


def _check_header(vcf: VCF, path: Path) -> str:
    """The raw header; refuse a VCF whose header names another genome build or non-GRCh38
    contig lengths."""
    header = vcf.raw_header
    for line in header.splitlines():
        low = line.lower()
        if low.startswith("##contig"):
            m = _CONTIG.match(line)
            expected = GRCH38_LENGTHS.get(bare_contig(m.group(1))) if m else None
            wrong = bool(expected and m.group(2) and int(m.group(2)) != expected)
        else:
            wrong = False
        if wrong or (low.startswith(("##reference", "##assembly", "##contig"))
                     and _OTHER_BUILD.search(line)):
            raise InputError("vcf", str(path), f"not GRCh38: header line {line.strip()[:100]!r}")
    return header


class _SiteIndex:
    """Site indices by exact position, and the sites a reference block covers."""

    def __init__(self, groups: Sequence[Sequence[Site]]):
        self.exact: dict[tuple[str, int], list[int]] = {}
        spans: dict[str, list[tuple[int, int, int]]] = {}
        start = 0
        for group in groups:
            for k, site in enumerate(group):
                contig = bare_contig(site.chrom)
                self.exact.setdefault((contig, site.pos), []).append(start + k)
                spans.setdefault(contig, []).append(
                    (site.pos, site.pos + len(site.alleles[0]) - 1, start + k))
            start += len(group)
        self.spans = {c: sorted(v) for c, v in spans.items()}

    def at(self, record: Variant, blocks: bool) -> Iterator[tuple[int, Variant, bool]]:
        """(site index, record, is a covering reference block) for one record."""
        contig = bare_contig(record.CHROM)
        for i in self.exact.get((contig, record.POS), ()):
            yield i, record, False
        if blocks and record.end > record.start + len(record.REF) and _reference_block(record):
            spans = self.spans.get(contig, [])
            for pos, last, i in spans[bisect.bisect_right(spans, (record.POS, 2**62, 0)):]:
                if pos > record.end:
                    break
                if last <= record.end:  # the whole site inside the block
                    yield i, record, True


def _reference_block(record: Variant) -> bool:
    """A gVCF reference block: END beyond REF and only the symbolic non-reference ALT."""
    return all(alt in ("<NON_REF>", "<*>") for alt in record.ALT)


def _records(vcf: VCF, path: Path, groups: Sequence[Sequence[Site]], blocks: bool,
             seqnames: list[str]) -> Iterator[tuple[int, Variant, bool]]:
    """(site index, record, is a block) for every record at a site position and, in a gVCF,
    every reference block covering a site."""
    index = _SiteIndex(groups)
    if not any(Path(f"{path}{ext}").is_file() for ext in (".tbi", ".csi")):
        for record in _read(iter(vcf), path):
            yield from index.at(record, blocks)
        return
    names = {bare_contig(n): n for n in seqnames}
    for group in groups:
        if not group or bare_contig(group[0].chrom) not in names:
            continue
        region = (f"{names[bare_contig(group[0].chrom)]}:{min(s.pos for s in group)}-"
                  f"{max(s.pos for s in group)}")
        with warnings.catch_warnings():  # cyvcf2 warns about empty regions
            warnings.simplefilter("ignore")
            try:
                records = iter(vcf(region))
            except Exception as exc:  # a broken index
                raise InputError("vcf", str(path), f"unreadable index ({_one_line(exc)})"
                                 ) from None
        for record in _read(records, path):
            yield from index.at(record, blocks)


def _read(records: Iterator[Variant], path: Path) -> Iterator[Variant]:
    """Records, with cyvcf2's read errors (truncation, bad lines) as InputError naming the
    last record read before the bad one."""
    last = None
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as exc:  # cyvcf2 raises a bare Exception on bad data
            raise InputError("vcf", str(path), f"unreadable record{_after(last)} "
                             f"({_one_line(exc)})") from None
        if record.end <= record.start:  # htslib gave up on the line: its fields are unsafe
            raise InputError("vcf", str(path), f"unreadable record{_after(last)} (no valid "
                             "CHROM, POS and REF: a line cut short, or a header line among "
                             "the records?)")
        last = record
        yield record


def _after(record: Variant | None) -> str:
    return "" if record is None else f" after {record.CHROM[:40]}:{record.POS}"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _allele_map(record: Variant, site: Site) -> np.ndarray | None:
    """Site code of each record allele (REF first, then ALTs), or None if REF does not fit.

    A record REF longer or shorter than the site's (another indel anchoring, or a multi-allelic
    record spanning a longer REF) is compared after padding or trimming the shared suffix.
    """
    ref, site_ref = record.REF.upper(), site.alleles[0]
    if not (ref.startswith(site_ref) or site_ref.startswith(ref)):
        return None
    tail, pad = ref[len(site_ref):], site_ref[len(ref):]
    out = [0]
    for record_alt in record.ALT:
        alt = record_alt.upper()
        if tail and alt.endswith(tail) and len(alt) > len(tail):
            alt = alt[:-len(tail)]
        elif tail:
            alt = ""
        alt += pad
        out.append(site.alleles.index(alt) if alt and alt in site.alleles[1:] else UNDOCUMENTED)
    return np.array([*out, MISSING], np.int16)  # last entry: a missing allele (-1)


def _block_map(record: Variant) -> np.ndarray:
    """Site codes of a reference block's alleles: REF is the reference, the symbolic ALT
    (a genotype that uses it) an undocumented allele."""
    return np.array([0, *[UNDOCUMENTED] * len(record.ALT), MISSING], np.int16)


def _genotypes(record: Variant, mapping: np.ndarray, path: Path, has_ps: bool
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Site codes (samples, 2), phased flags and phase sets (if the header declares PS) of
    one record."""
    try:
        genotype = record.genotype  # cyvcf2 raises a bare Exception when there is no GT
    except Exception:
        genotype = None
    if genotype is None:
        raise InputError("vcf", str(path), f"no GT (genotype) field in the record at "
                         f"{record.CHROM}:{record.POS}")
    gt = genotype.array()
    n, width = gt.shape
    alleles = gt[:, :2] if width > 2 else np.column_stack([gt[:, 0], np.full(n, -2, gt.dtype)])
    # by allele + 2: -2 (vector end: fewer alleles than the widest call) and -1 (missing) are
    # missing; an index beyond the record's alleles is undocumented
    lookup = np.concatenate([[MISSING, MISSING], mapping[:-1], [UNDOCUMENTED]]).astype(np.int16)
    codes = lookup[np.minimum(alleles + 2, len(lookup) - 1)]
    haploid = (alleles[:, 1] == -2) & (alleles[:, 0] != -1)
    codes[:, 1] = np.where(haploid, HAPLOID, codes[:, 1])
    if width > 3:  # a third allele
        codes[gt[:, 2] != -2] = POLYPLOID
    phased = gt[:, -1].astype(bool) & (width > 2)
    return codes, phased, _phase_sets(record, n) if has_ps else None


def _phase_sets(record: Variant, n: int) -> np.ndarray:
    """PS of each sample as int64 (non-numeric PS values are hashed), NO_PHASE_SET if absent."""
    try:
        ps = record.format("PS")
    except Exception:  # PS declared in a shape cyvcf2 cannot read
        ps = None
    if ps is None:
        return np.full(n, NO_PHASE_SET, np.int64)
    ps = ps.reshape(n, -1)[:, 0]
    if ps.dtype.kind in "iu":  # widen first: int64's minimum does not fit the int32 array
        return np.where(ps == np.iinfo(ps.dtype).min, NO_PHASE_SET, ps.astype(np.int64))
    text = ps.astype(str)
    absent = np.isin(text, ["", "."])
    try:
        values = np.where(absent, "0", text).astype(np.int64)
    except ValueError:  # e.g. PS=blockA: hash each distinct label
        labels, index = np.unique(text, return_inverse=True)
        digests = [hashlib.blake2b(label.encode(), digest_size=8).digest() for label in labels]
        values = np.array([int.from_bytes(d, "little", signed=True) for d in digests])[index]
    return np.where(absent, NO_PHASE_SET, values)


def _merge(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Combine two records at one position haplotype by haplotype: a non-reference allele
    wins over the reference, two different ones are undocumented, missing stays missing."""
    out = np.where(old == 0, new, np.where((new == 0) | (new == old), old, UNDOCUMENTED))
    return np.where((old == MISSING) | (new == MISSING), MISSING, out)
