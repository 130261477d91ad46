"""Genotypes from consumer and array files at the knowledge base's rsIDs: 23andMe and
AncestryDNA raw text, PLINK ``.bed/.bim/.fam`` (read with ``bed-reader``, the ``[plink]``
extra).

- Sites are matched on rsID. The build a file states is checked (text files must state
  GRCh37 or GRCh38 in their header; a PLINK ``.bim`` states none, so its positions are
  compared with the GRCh38 ones and the result said); with GRCh38 a position that differs
  from the knowledge base's is a no-call.
- Alleles are read on the plus (forward) strand, as both consumer formats document; a
  genotype that fits only the other strand is flipped where the site is not palindromic (A/T,
  C/G) and said so; otherwise it is undocumented (a no-call with a message).
- An rsID the file lacks, an insertion/deletion site, ``--``/``0`` and I/D codes are no-calls,
  never the reference: the callers list such positions as missing.
- Everything read here is research-grade: :data:`RESEARCH_GRADE` heads every output.

The result is a :class:`~advisor.genotype.vcf_read.SiteGenotypes`, so the VCF callers call
these files unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from advisor.errors import InputError
from advisor.genotype.sites import MISSING, UNDOCUMENTED, Site
from advisor.genotype.vcf_read import NO_PHASE_SET, SiteGenotypes

if TYPE_CHECKING:
    import pandas as pd

    from advisor.genotype.vcf import CallTable
    from advisor.knowledge import KnowledgeBase

RESEARCH_GRADE = "research-grade; confirm in a clinical laboratory"
MAX_BYTES = 200_000_000
_COMPLEMENT = str.maketrans("ACGT", "TGCA")
_BUILD = re.compile(r"(?:build|GRCh|hg|assembly)\s*[-:]?\s*(\d{2})", re.I)
_BUILDS = {"37": "GRCh37", "19": "GRCh37", "38": "GRCh38"}
HEADERS = {"23andme": ["rsid", "chromosome", "position", "genotype"],
           "ancestry": ["rsid", "chromosome", "position", "allele1", "allele2"]}


@dataclass
class ArrayInfo:
    """What a file said about itself and what reading it found."""

    kind: str
    build: str
    strand: str
    notes: list[str] = field(default_factory=list)

    def notices(self) -> list[str]:
        return [f"{self.kind} file: {RESEARCH_GRADE}",
                f"matched on rsID; build {self.build}; alleles read on the {self.strand} strand",
                *self.notes]


def array_kind(path: str | Path) -> str | None:
    """'23andme', 'ancestry' or 'plink' from a file's name and first lines, else None."""
    p = Path(path)
    if p.suffix.lower() in (".bed", ".bim", ".fam"):
        return "plink"
    try:
        with p.open("rb") as fh:
            head = fh.read(8192).decode("utf-8", "replace").lower()
    except OSError:
        return None
    if "23andme" in head or "\t".join(HEADERS["23andme"]) in head:
        return "23andme"
    if "ancestrydna" in head or "\t".join(HEADERS["ancestry"]) in head:
        return "ancestry"
    return None


def _sites(groups: Sequence[Sequence[Site]]) -> list[Site]:
    return [s for g in groups for s in g]


def _codes(site: Site, a: str, b: str, flipped: list[str]) -> tuple[int, int]:
    """Site codes of two plus-strand (or flippable) single-base alleles."""
    if any(len(x) != 1 for x in site.alleles):
        return MISSING, MISSING  # an indel site: arrays give I/D codes we cannot place
    if a in site.alleles and b in site.alleles:
        return site.alleles.index(a), site.alleles.index(b)
    ca, cb = a.translate(_COMPLEMENT), b.translate(_COMPLEMENT)
    palindromic = {site.alleles[0], site.alleles[1] if len(site.alleles) > 1 else ""} in (
        {"A", "T"}, {"C", "G"})
    if not palindromic and ca in site.alleles and cb in site.alleles:
        flipped.append(site.rsid or site.key)
        return site.alleles.index(ca), site.alleles.index(cb)
    return UNDOCUMENTED, UNDOCUMENTED


def _result(samples: list[str], codes: np.ndarray) -> SiteGenotypes:
    n, m = codes.shape[:2]
    return SiteGenotypes(samples, codes, np.zeros((n, m), bool),
                         np.full((n, m), NO_PHASE_SET, np.int64))


def _consumer_lines(p: Path, kind: str, path: str | Path) -> list[str]:
    """The lines of a raw data file: a regular, bounded, plain UTF-8 text file."""
    if not p.is_file():
        raise InputError(kind, str(path), "file not found")
    if p.stat().st_size > MAX_BYTES:
        raise InputError(kind, str(path), f"larger than {MAX_BYTES} bytes")
    raw = p.read_bytes()
    if raw[:2] == b"\x1f\x8b" or b"\x00" in raw[:8192]:
        raise InputError(kind, str(path), "a binary or compressed file; give the raw text "
                         "file (unzipped)")
    try:
        return raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise InputError(kind, str(path), "not UTF-8 text") from None


def _consumer_header(kind: str, path: str | Path, comments: list[str], data: list[str]
                     ) -> tuple[list[str], str]:
    """The data lines after the column header, and the stated build (GRCh37 or GRCh38);
    a wrong header, an unstated or other build, or minus-strand genotypes are errors."""
    header = HEADERS[kind]
    first = [c.strip().lower() for c in (data[0].split("\t") if data else [])]
    if kind == "23andme":  # 23andMe writes its column header as the last comment line
        first = [c.strip().lower() for c in comments[-1].lstrip("# ").split("\t")] if \
            comments else first
    elif data and first == header:
        data = data[1:]
    if first != header:
        raise InputError(kind, str(path), f"wrong header: expected the columns "
                         f"{' '.join(header)} of a {kind} raw data file")
    builds = {m.group(1) for ln in comments if re.search(r"reference|assembly|build", ln, re.I)
              for m in _BUILD.finditer(ln)}
    if not builds:
        raise InputError(kind, str(path), "the header does not state the genome build "
                         "(GRCh37/build 37 or GRCh38)")
    known = {_BUILDS.get(b) for b in builds}
    if None in known or len(known) != 1:
        raise InputError(kind, str(path), f"genome build {', '.join(sorted(builds))} is not "
                         "supported (GRCh37 or GRCh38 only)")
    if any(re.search(r"minus|\(-\)|reverse", ln, re.I) and "strand" in ln.lower()
           for ln in comments):
        raise InputError(kind, str(path), "the header says genotypes are on the minus "
                         "strand; give plus-strand (forward) genotypes")
    return data, str(known.pop())


def _consumer_call(kind: str, path: str | Path, number: int, cells: list[str]
                   ) -> tuple[str, int] | None:
    """One data line's two plus-strand bases and position (None: no call or I/D code)."""
    call = (cells[3].strip().upper() if kind == "23andme"
            else cells[3].strip().upper() + cells[4].strip().upper())
    if not re.fullmatch(r"[ACGTID0-]{0,2}", call):
        raise InputError(kind, str(path), f"data line {number}: genotype {call!r} is not "
                         "two alleles (A, C, G, T, I, D, or -- / 0 for no call)")
    if len(call) != 2 or not re.fullmatch(r"[ACGT]{2}", call):
        return None  # no call, haploid, or an I/D code: missing
    try:
        return call, int(cells[2])
    except ValueError:
        raise InputError(kind, str(path), f"data line {number}: position {cells[2]!r} "
                         "is not a number") from None


def read_consumer(path: str | Path, kind: str, groups: Sequence[Sequence[Site]]
                  ) -> tuple[SiteGenotypes, ArrayInfo]:
    """Genotypes at the sites from a 23andMe or AncestryDNA raw data file."""
    p = Path(path)
    lines = _consumer_lines(p, kind, path)
    comments = [ln for ln in lines if ln.startswith("#")]
    data, build = _consumer_header(
        kind, path, comments, [ln for ln in lines if ln.strip() and not ln.startswith("#")])
    sites = _sites(groups)
    by_rsid: dict[str, list[int]] = {}
    for i, s in enumerate(sites):
        if s.rsid:
            by_rsid.setdefault(s.rsid.lower(), []).append(i)
    codes = np.full((1, len(sites), 2), MISSING, np.int16)
    flipped: list[str] = []
    moved: list[str] = []
    width = len(HEADERS[kind])
    for number, line in enumerate(data, 1):
        cells = line.split("\t") if "\t" in line else line.split()
        if len(cells) != width:
            raise InputError(kind, str(path), f"data line {number}: {len(cells)} columns, "
                             f"expected {width}")
        where = by_rsid.get(cells[0].strip().lower())
        found = _consumer_call(kind, path, number, cells) if where else None
        if not where or found is None:
            continue
        call, position = found
        for i in where:
            if build == "GRCh38" and position != sites[i].pos:
                moved.append(f"{cells[0]} at {position} (GRCh38 {sites[i].pos})")
                continue
            codes[0, i] = _codes(sites[i], call[0], call[1], flipped)
    info = ArrayInfo(kind, build, "plus (forward)")
    if flipped:
        info.notes.append(f"alleles fit the minus strand and were flipped at "
                          f"{', '.join(sorted(set(flipped)))}")
    if moved:
        info.notes.append(f"position differs from GRCh38 (no-call): {', '.join(moved[:5])}")
    return _result([p.name.split(".")[0]], codes), info


def _plink_tables(files: dict[str, Path], path: str | Path
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The .bim and .fam tables, six columns each."""
    import pandas as pd

    try:
        bim = pd.read_csv(files["bim"], sep=r"\s+", header=None, dtype=str,
                          names=["chrom", "sid", "cm", "pos", "a1", "a2"])
        fam = pd.read_csv(files["fam"], sep=r"\s+", header=None, dtype=str,
                          names=["fid", "iid", "father", "mother", "sex", "pheno"])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            ValueError) as exc:
        raise InputError("plink", str(path), f"unreadable .bim/.fam ({type(exc).__name__})"
                         ) from None
    if bim.isna().any().any() or fam[["fid", "iid"]].isna().any().any() or not len(fam):
        raise InputError("plink", str(path), ".bim needs 6 columns and .fam 6 columns per line")
    return bim, fam


def read_plink(path: str | Path, groups: Sequence[Sequence[Site]],
               sample: str | None = None) -> tuple[SiteGenotypes, ArrayInfo]:
    """Genotypes at the sites from PLINK ``.bed/.bim/.fam`` (``path``: the .bed or the
    common prefix)."""
    from advisor.extras import require

    bed_reader = require("bed_reader", "plink", "reading PLINK .bed files")
    p = Path(path)
    stem = p.with_suffix("") if p.suffix.lower() in (".bed", ".bim", ".fam") else p
    files = {ext: Path(f"{stem}.{ext}") for ext in ("bed", "bim", "fam")}
    gone = [str(f) for f in files.values() if not f.is_file()]
    if gone:
        raise InputError("plink", str(path), f"missing {', '.join(gone)}")
    with files["bed"].open("rb") as fh:
        if fh.read(3) != b"\x6c\x1b\x01":
            raise InputError("plink", str(path), "not a SNP-major PLINK .bed file (wrong magic "
                             "bytes)")
    bim, fam = _plink_tables(files, path)
    samples = list(fam["iid"])
    rows = np.arange(len(samples))
    if sample is not None:
        if sample not in samples:
            raise InputError("sample", sample, f"not in {files['fam'].name}")
        rows = np.array([samples.index(sample)])
        samples = [sample]
    sites = _sites(groups)
    index = {sid.lower(): j for j, sid in enumerate(bim["sid"])}
    wanted = [(i, index[s.rsid.lower()]) for i, s in enumerate(sites)
              if s.rsid and s.rsid.lower() in index]
    codes = np.full((len(samples), len(sites), 2), MISSING, np.int16)
    info = ArrayInfo("plink", "", "plus (forward), as the .bim alleles are read")
    if wanted:
        cols = sorted({j for _, j in wanted})
        try:
            with bed_reader.open_bed(files["bed"], iid_count=len(fam), sid_count=len(bim),
                                     properties={"iid": list(fam["iid"]),
                                                 "sid": list(bim["sid"])}) as bed:
                counts = bed.read(index=np.s_[rows, cols], dtype="int8")
        except Exception as exc:  # bed-reader raises ValueError/OSError on bad files
            why = " ".join(str(exc).split())[:120]
            raise InputError("plink", str(path), f"unreadable .bed ({why})") from None
        col_of = {j: k for k, j in enumerate(cols)}
        flipped: list[str] = []
        same = 0
        for i, j in wanted:
            a1, a2 = bim["a1"][j].upper(), bim["a2"][j].upper()
            same += str(sites[i].pos) == bim["pos"][j]
            for r in range(len(samples)):
                c = int(counts[r, col_of[j]])
                if c < 0 or c > 2 or not re.fullmatch(r"[ACGT]", a1 + "") or \
                        not re.fullmatch(r"[ACGT]", a2):
                    continue
                alleles = [a1] * c + [a2] * (2 - c)
                codes[r, i] = _codes(sites[i], alleles[0], alleles[1], flipped)
        info.build = ("GRCh38 (the .bim positions agree with GRCh38 at every matched site)"
                      if same == len(wanted) else
                      f"not stated; the .bim positions differ from GRCh38 at "
                      f"{len(wanted) - same} of {len(wanted)} matched sites")
        if flipped:
            info.notes.append(f"alleles fit the minus strand and were flipped at "
                              f"{', '.join(sorted(set(flipped)))}")
    else:
        info.build = "not stated (no knowledge-base rsID in the .bim)"
    return _result(samples, codes), info


def read_array(path: str | Path, kind: str, groups: Sequence[Sequence[Site]],
               sample: str | None = None) -> tuple[SiteGenotypes, ArrayInfo]:
    """Genotypes from a consumer or array file of the given kind."""
    if kind == "plink":
        return read_plink(path, groups, sample)
    data, info = read_consumer(path, kind, groups)
    if sample is not None and sample not in data.samples:
        raise InputError("sample", sample, f"a {kind} file holds one person "
                         f"({data.samples[0]})")
    return data, info


def array_table(kb: KnowledgeBase, path: str | Path, kind: str, sample: str | None = None
                ) -> tuple[CallTable, list[str]]:
    """The calls of a consumer or array file as a :class:`CallTable` (each call's message
    carries the research-grade label), and the notices every output must carry."""
    from advisor.genotype.vcf import VcfCaller

    caller = VcfCaller(kb)
    data, info = read_array(path, kind, caller.groups, sample)
    table = caller.table(data, path)
    calls = [replace(c, message=f"{c.message}; {RESEARCH_GRADE}" if c.message
                     else RESEARCH_GRADE) for c in table.calls]
    return replace(table, calls=calls), info.notices()


def call_array(kb: KnowledgeBase, path: str | Path, kind: str, sample: str | None = None
               ) -> pd.DataFrame:
    """The calls of :meth:`VcfCaller.call` from a consumer or array file; the frame's
    ``attrs["notices"]`` carry the research-grade label and what was read."""
    table, notices = array_table(kb, path, kind, sample)
    frame = table.frame()
    frame.attrs["notices"] = notices
    return frame


def array_cohort(kb: KnowledgeBase, path: str | Path, kind: str
                 ) -> tuple[pd.DataFrame, list[str]]:
    """Cohort rows (``sample_id`` and the uniquely called keys) from a consumer or array
    file, and the notices every output must carry."""
    import pandas as pd

    frame = call_array(kb, path, kind)
    unique = (frame["status"] == "called") & (frame["diplotypes"].str.len() == 1)
    value = np.where(unique, frame["diplotypes"].str[0], None)
    wide = (pd.DataFrame({"sample_id": frame["sample"], "key": frame["key"], "value": value})
            .pivot(index="sample_id", columns="key", values="value"))
    order = list(dict.fromkeys(frame["sample"]))
    keys = list(dict.fromkeys(frame["key"]))
    table = wide.reindex(index=order, columns=keys).rename_axis(None, axis=1).reset_index()
    return table, frame.attrs["notices"]
