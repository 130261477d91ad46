"""VCF calls (:meth:`advisor.genotype.vcf.VcfCaller.call`) as text.

Formats: ``json`` (``{"calls": [...]}``, one object per file, sample and call key), ``tsv``
(one row per call) and ``pharmcat`` (PharmCAT's outside-call TSV for one sample:
``GENE<TAB>diplotype<TAB>phenotype<TAB>activityScore``, metabolizer genes only, so that a lab
can cross-check our calls with PharmCAT's).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.errors import InputError
from advisor.genotype import kind_of
from advisor.genotype.callers import CALL_FIELDS

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase

COLUMNS = ["file", "sample", *CALL_FIELDS]


def render_calls(kb: KnowledgeBase, frame: pd.DataFrame, fmt: str) -> str:
    """The calls of :meth:`VcfCaller.call` (one or more files) as json, tsv or pharmcat text."""
    if fmt == "json":
        records = [{c: _plain(row[c]) for c in COLUMNS} for row in frame.to_dict("records")]
        return json.dumps({"calls": records}, indent=2) + "\n"
    if fmt == "tsv":
        lines = ["\t".join(COLUMNS)]
        for row in frame[COLUMNS].itertuples(index=False):
            lines.append("\t".join(_cell(v) for v in row))
        return "\n".join(lines) + "\n"
    return _pharmcat(kb, frame)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ";".join(value)
    return " ".join(str(value).split())  # no tabs or newlines inside a cell


def _pharmcat(kb: KnowledgeBase, frame: pd.DataFrame) -> str:
    pairs = frame[["file", "sample"]].drop_duplicates()
    if len(pairs) != 1:
        raise InputError("--format", "pharmcat", f"an outside-call file holds one sample; "
                         f"got {len(pairs)} (file, sample) pairs: choose one with --sample")
    file, sample = pairs.iloc[0]
    lines = [f"# advisor call: {file}, sample {sample}"]
    for row in frame.to_dict("records"):
        if not kind_of(kb.genes[row["gene"]]).metabolizer:
            continue
        if row["status"] == "no_call":
            lines.append(f"# {row['gene']}: no call ({row['message']})")
            continue
        score = row["activity_score"]
        lines.append("\t".join([row["gene"], " or ".join(row["diplotypes"]),
                                row["phenotype"] or "", "" if score is None else str(score)]))
    return "\n".join(lines) + "\n"
