"""Read genotypes at known GRCh38 sites from a VCF (plain, gzip or bgzip; tabix index optional).

Each gene region is queried once when the file has a ``.tbi``/``.csi`` index; without one the
file is streamed once. Genotypes of all samples come back as numpy matrices of allele codes
(the index into ``Site.alleles``), so callers work on whole cohorts at once. Contigs may be
named ``chr10`` or ``10``; multi-allelic records, split records at one position and
differently anchored indels are mapped onto the site's alleles. Every problem with the file
is an :class:`~advisor.errors.InputError`.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from advisor.errors import InputError
from advisor.extras import missing_extra
from advisor.genotype.sites import MISSING, UNDOCUMENTED, Site

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
    codes: np.ndarray  # int16 (samples, sites, 2): allele codes, MISSING or UNDOCUMENTED
    phased: np.ndarray  # bool (samples, sites): GT written with '|'
    phase_set: np.ndarray  # int64 (samples, sites): PS, NO_PHASE_SET when absent


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
        raise InputError("vcf", str(path), f"not a readable VCF ({_one_line(exc)})") from None
    try:
        _check_header(vcf, path)
        samples = list(vcf.samples)
        if not samples:
            raise InputError("vcf", str(path), "no samples (a sites-only VCF)")
        if sample is not None:
            if sample not in samples:
                listed = ", ".join(samples[:5]) + (", ..." if len(samples) > 5 else "")
                raise InputError("sample", sample, f"not in {path.name} (samples: {listed})")
            vcf.set_samples([sample])
            samples = [sample]
        shape = (len(samples), len(sites))
        codes = np.full((*shape, 2), MISSING, np.int16)
        phased = np.zeros(shape, bool)
        phase_set = np.full(shape, NO_PHASE_SET, np.int64)
        seen = np.zeros(len(sites), bool)
        mismatches: list[str] = []
        for index, record in _records(vcf, path, groups):
            site = sites[index]
            mapping = _allele_map(record, site)
            if mapping is None:
                mismatches.append(f"{site.chrom}:{site.pos} REF {record.REF} (GRCh38 "
                                  f"{site.alleles[0]})")
                continue
            rec_codes, rec_phased, rec_ps = _genotypes(record, mapping)
            if seen[index]:  # a split multi-allelic record: merge with what was read
                rec_codes = _merge(codes[:, index], rec_codes)
                rec_phased &= phased[:, index]
                rec_ps = phase_set[:, index]
            codes[:, index], phased[:, index], phase_set[:, index] = rec_codes, rec_phased, rec_ps
            seen[index] = True
    finally:
        vcf.close()
    if mismatches:
        raise InputError("vcf", str(path), f"REF differs from GRCh38 at {len(mismatches)} "
                         f"defined position(s), e.g. {mismatches[0]}; is the file on GRCh37/hg19?")
    return SiteGenotypes(samples, codes, phased, phase_set)


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


def _check_header(vcf: VCF, path: Path) -> None:
    """Refuse a VCF whose header names another genome build or non-GRCh38 contig lengths."""
    for line in vcf.raw_header.splitlines():
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


def _records(vcf: VCF, path: Path, groups: Sequence[Sequence[Site]]
             ) -> Iterator[tuple[int, Variant]]:
    """(site index, record) for every record at a site position."""
    starts, index = 0, {}
    for group in groups:
        for k, site in enumerate(group):
            index.setdefault((bare_contig(site.chrom), site.pos), []).append(starts + k)
        starts += len(group)
    if not any(Path(f"{path}{ext}").is_file() for ext in (".tbi", ".csi")):
        for record in _read(iter(vcf), path):
            for i in index.get((bare_contig(record.CHROM), record.POS), ()):
                yield i, record
        return
    names = {bare_contig(n): n for n in vcf.seqnames}
    for group in groups:
        if not group or bare_contig(group[0].chrom) not in names:
            continue
        region = (f"{names[bare_contig(group[0].chrom)]}:{min(s.pos for s in group)}-"
                  f"{max(s.pos for s in group)}")
        with warnings.catch_warnings():  # cyvcf2 warns about empty regions
            warnings.simplefilter("ignore")
            records = iter(vcf(region))
        for record in _read(records, path):
            for i in index.get((bare_contig(record.CHROM), record.POS), ()):
                yield i, record


def _read(records: Iterator[Variant], path: Path) -> Iterator[Variant]:
    """Records, with cyvcf2's read errors (truncation, bad lines) as InputError."""
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as exc:  # cyvcf2 raises a bare Exception on bad data
            raise InputError("vcf", str(path), f"unreadable record ({_one_line(exc)})") from None
        yield record


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


def _genotypes(record: Variant, mapping: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Site codes (samples, 2), phased flags and phase sets of one record."""
    gt = record.genotype.array()
    alleles = gt[:, :2] if gt.shape[1] > 2 else np.column_stack([gt[:, 0], np.full(len(gt), -1)])
    # -1 (missing) and -2 (vector end: haploid) both pick the trailing MISSING entry
    codes = mapping[np.clip(alleles, -1, len(mapping) - 2)]
    phased = gt[:, -1].astype(bool) & (gt.shape[1] > 2)
    return codes, phased, _phase_sets(record, len(gt))


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
