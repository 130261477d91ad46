"""PharmCAT's outputs as inputs: outside-call TSV, ``*.report.json``, ``*.phenotype.json`` and
the calls-only TSV (``-reporterCallsOnlyTsv``; one sample, or several in the single-file
layout with a ``Sample ID`` column).

Verified against PharmCAT 3.1.x (published examples of v3.1.0, repository release 3.1.1,
data version 2025-11-05; fixtures in ``tests/data/pharmcat``). Each sample's PharmCAT calls
become the same call details as a VCF's (``status``, ``diplotypes``, ``missing_positions``,
``message``, ``source: pharmcat``): a single diplotype of a knowledge-base gene becomes a
genotype (for HLA genes: the typed diplotype, from which each allele's carrier status is
derived, or PharmCAT's ``*31:01 positive`` allele status); several diplotypes are
ambiguous and are never guessed. Genes the knowledge base does not have are left out; a
PharmCAT phenotype that differs from the knowledge base's for the same diplotype is named in
the call's message (the knowledge base's translation is the one used).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.errors import InputError
from advisor.genotype import GenotypeError, translate

if TYPE_CHECKING:
    import pandas as pd

    from advisor.knowledge import KnowledgeBase

VERIFIED = "PharmCAT 3.1.x (outputs of v3.1.0, data version 2025-11-05)"
MAX_BYTES = 50_000_000
_STATUS = re.compile(r"^(\*\d+:\d+)\s+(positive|negative)$", re.I)
_NO_CALL = {"", "no call", "unknown/unknown", ".", "./.", "n/a"}


@dataclass
class SampleCalls:
    """One sample's PharmCAT calls as call details per input key (see module doc)."""

    sample: str | None
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # genes outside the knowledge base

    def genotypes(self) -> dict[str, str]:
        """The unique calls, as patient-file genotypes."""
        return {k: d["diplotypes"][0] for k, d in self.details.items()
                if d["status"] == "called" and len(d["diplotypes"]) == 1}


def _detail(status: str, diplotypes: list[str], message: str = "",
            phenotypes: list[str] | None = None, missing: bool = False) -> dict[str, Any]:
    notes = [message] if message else []
    notes += ["PharmCAT reports missing positions"] if missing else []
    return {"status": status, "diplotypes": diplotypes, "missing_positions": [],
            "message": "; ".join(notes), "source": "pharmcat", "phenotypes": phenotypes or []}


class _Gene:
    """Turns one gene's PharmCAT result into call details."""

    def __init__(self, kb: KnowledgeBase, out: SampleCalls):
        self.kb, self.out = kb, out

    def add(self, gene: str, labels: list[str], phenotypes: list[str], *,
            missing: bool = False) -> None:
        gene = gene.strip()
        if gene not in self.kb.genes or gene not in self.kb.input_keys:
            if gene:
                self.out.ignored.append(gene)
            return
        labels = [lab.strip() for lab in labels if lab.strip().lower() not in _NO_CALL]
        statuses = [m for p in phenotypes if (m := _STATUS.match(p.strip()))]
        if not labels and statuses:  # HLA allele status without a typed diplotype
            for m in statuses:
                key = f"{gene}{m.group(1)}"
                if key in self.kb.input_keys:
                    self.out.details[key] = _detail("called", [m.group(2).lower()],
                                                    f"PharmCAT: {m.group(0)}")
            return
        if not labels:
            self.out.details[gene] = _detail("no_call", [], "PharmCAT made no call",
                                             missing=missing)
            return
        calls, problems = [], []
        for label in labels:
            try:
                calls.append(translate(self.kb, gene, label))
            except GenotypeError as exc:
                problems.append(str(exc).split(": ", 1)[-1])
        if problems:
            self.out.details[gene] = _detail("no_call", [], "PharmCAT call "
                                             f"{' or '.join(labels)} not usable: {problems[0]}")
            return
        notes = []
        if len(calls) == 1 and phenotypes:
            theirs = ", ".join(p.strip() for p in phenotypes if p.strip())
            if theirs and not _STATUS.match(phenotypes[0].strip()) and \
                    theirs.lower() != calls[0].phenotype.lower():
                notes.append(f"PharmCAT phenotype {theirs}; knowledge base "
                             f"{calls[0].phenotype} (used)")
        status = "called" if len(calls) == 1 else "ambiguous"
        self.out.details[gene] = _detail(status, [c.display for c in calls], "; ".join(notes),
                                         [c.phenotype for c in calls], missing)


# --- the four formats ----------------------------------------------------------------------


def _from_json(kb: KnowledgeBase, data: Any, name: str) -> list[SampleCalls]:
    if not isinstance(data, dict):
        raise InputError("pharmcat", name, "not a PharmCAT report or phenotype JSON")
    genes = data.get("genes") if "genes" in data else data.get("geneReports")
    if not isinstance(genes, dict):
        raise InputError("pharmcat", name, "not a PharmCAT report or phenotype JSON (no "
                         "'genes' or 'geneReports')")
    meta = data.get("matcherMetadata") if isinstance(data.get("matcherMetadata"), dict) else {}
    sample = meta.get("sampleId") or data.get("title")
    out = SampleCalls(str(sample) if sample is not None else None)
    adder = _Gene(kb, out)
    for symbol, entry in genes.items():
        if not isinstance(entry, dict):
            raise InputError("pharmcat", name, f"gene {symbol!r} is not an object")
        dips = entry.get("sourceDiplotypes") or []
        if not isinstance(dips, list) or not all(isinstance(d, dict) for d in dips):
            raise InputError("pharmcat", name, f"{symbol}: sourceDiplotypes is not a list of "
                             "objects")
        labels = [str(d.get("label") or "") for d in dips]
        phenotypes = [str(p) for d in dips for p in (d.get("phenotypes") or [])
                      if isinstance(p, str)]
        adder.add(str(entry.get("geneSymbol") or symbol), labels, phenotypes)
    return [out]


def _calls_only(kb: KnowledgeBase, lines: list[str], name: str) -> list[SampleCalls]:
    header = lines[1].split("\t") if len(lines) > 1 else []
    if "Gene" not in header or "Source Diplotype" not in header:
        raise InputError("pharmcat", name, "a calls-only TSV needs a header line with 'Gene' "
                         "and 'Source Diplotype' after its title line")
    col = {h: i for i, h in enumerate(header)}
    samples: dict[str | None, SampleCalls] = {}
    for number, line in enumerate(lines[2:], 3):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) < col["Source Diplotype"] + 1:
            raise InputError("pharmcat", name, f"line {number}: {len(cells)} columns, expected "
                             f"{len(header)}")
        sample = cells[col["Sample ID"]].strip() if "Sample ID" in col else None
        calls = samples.setdefault(sample, SampleCalls(sample))
        dip = cells[col["Source Diplotype"]]
        pheno = cells[col["Phenotype"]] if "Phenotype" in col and col["Phenotype"] < len(
            cells) else ""
        missing = "Missing positions" in col and col["Missing positions"] < len(cells) and \
            cells[col["Missing positions"]].strip() not in ("", "no")
        # lowest-function genes list single alleles joined by AND, not a diplotype
        labels = [] if " AND " in dip else re.split(r"\s+OR\s+", dip)
        _Gene(kb, calls).add(cells[col["Gene"]], labels, [p for p in pheno.split(" / ")],
                             missing=missing)
    return list(samples.values())


def _outside_calls(kb: KnowledgeBase, lines: list[str], name: str) -> list[SampleCalls]:
    out = SampleCalls(None)
    adder = _Gene(kb, out)
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) < 2 or not cells[0]:
            raise InputError("pharmcat", name, f"line {number}: an outside call is "
                             "GENE<TAB>diplotype[<TAB>phenotype[<TAB>activity score]]")
        if len(cells) > 4:
            raise InputError("pharmcat", name, f"line {number}: more than 4 columns")
        gene = cells[0]
        if gene in seen:
            raise InputError("pharmcat", name, f"line {number}: a second outside call for "
                             f"{gene}")
        seen.add(gene)
        dip = re.sub(rf"(^|/)\s*{re.escape(gene)}\s*", r"\1", cells[1])  # GENE*1/GENE*2 -> *1/*2
        labels = [d for d in re.split(r"\s+or\s+", dip, flags=re.I) if d.strip()]
        if any(len(d.split("/")) > 2 for d in labels):
            raise InputError("pharmcat", name, f"line {number}: too many alleles in {cells[1]!r}")
        pheno = cells[2] if len(cells) > 2 else ""
        if not labels and not pheno and not (len(cells) > 3 and cells[3]):
            raise InputError("pharmcat", name, f"line {number}: no diplotype, phenotype or "
                             f"activity score for {gene}")
        adder.add(gene, labels, [pheno] if pheno else [])
    return [out]


def read_pharmcat(kb: KnowledgeBase, source: str | Path | bytes, name: str | None = None
                  ) -> list[SampleCalls]:
    """Every sample's calls in a PharmCAT output (any of the four formats, told apart by
    content). Problems with the file are :class:`InputError` naming it."""
    if isinstance(source, bytes):
        raw, name = source, name or "pharmcat"
    else:
        path = Path(source)
        name = name or str(path)
        if not path.is_file():
            raise InputError("pharmcat", name, "file not found")
        if path.stat().st_size > MAX_BYTES:
            raise InputError("pharmcat", name, f"larger than {MAX_BYTES} bytes")
        raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("pharmcat", name, "not UTF-8 text (is it a PharmCAT output?)") from None
    if "\x00" in text:
        raise InputError("pharmcat", name, "a binary file, not a PharmCAT output")
    if not text.strip():
        raise InputError("pharmcat", name, "the file is empty")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InputError("pharmcat", name, f"not valid JSON ({exc.__class__.__name__})"
                             ) from None
        return _from_json(kb, data, name)
    lines = text.splitlines()
    if lines[0].startswith("PharmCAT"):
        return _calls_only(kb, lines, name)
    return _outside_calls(kb, lines, name)


def sample_calls(kb: KnowledgeBase, path: str | Path, sample: str | None) -> SampleCalls:
    """One sample of a PharmCAT output; ``sample`` may be omitted when it holds one."""
    samples = read_pharmcat(kb, path)
    if sample is not None:
        named = [s for s in samples if s.sample == sample]
        if named:
            return named[0]
        if len(samples) > 1 or samples[0].sample is not None:
            listed = ", ".join(str(s.sample) for s in samples[:5])
            raise InputError("sample", sample, f"not in {Path(path).name} (samples: {listed})")
        return samples[0]
    if len(samples) > 1:
        raise InputError("sample", None, f"{path} holds {len(samples)} samples; name one with "
                         "'sample'")
    return samples[0]


def genotypes_from_pharmcat(kb: KnowledgeBase, path: str | Path, sample: str | None
                            ) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Patient-file genotypes from a PharmCAT output, and the details of every call (the
    same shape as :func:`advisor.genotype.vcf.genotypes_from_vcf`)."""
    calls = sample_calls(kb, path, sample)
    return calls.genotypes(), calls.details


def cohort_from_pharmcat(kb: KnowledgeBase, path: str | Path) -> pd.DataFrame:
    """One row per sample: ``sample_id`` and each uniquely called key (ambiguous and failed
    calls are left untested, never guessed)."""
    import pandas as pd

    samples = read_pharmcat(kb, path)
    rows = []
    for i, s in enumerate(samples, 1):
        rows.append({"sample_id": s.sample if s.sample is not None else str(i),
                     **s.genotypes()})
    return pd.DataFrame(rows, dtype=object)


def looks_like_pharmcat(path: str | Path) -> bool:
    """Whether a file is a PharmCAT output (JSON with genes, or a calls-only TSV); an
    outside-call TSV has no signature and is named explicitly."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    if p.name.lower().endswith(".json"):
        return '"geneReports"' in text or '"genes"' in text or '"pharmcatVersion"' in text
    return text.startswith("PharmCAT")
