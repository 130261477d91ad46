"""The former text rendering of VCF calls (:meth:`advisor.genotype.vcf.VcfCaller.call`)
as json (``{"calls": [...]}``) and tsv, kept as the oracle that the streamed writers of
:mod:`advisor.genotype.writers` must reproduce byte for byte."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from advisor.genotype.callers import CALL_FIELDS

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase

COLUMNS = ["file", "sample", *CALL_FIELDS]


def render_calls(kb: KnowledgeBase, frame: pd.DataFrame, fmt: str) -> str:
    """The calls of :meth:`VcfCaller.call` (one or more files) as json or tsv text (the
    PharmCAT format is rendered by :mod:`advisor.report.calls` alone)."""
    notices = list(frame.attrs.get("notices", []))
    if fmt == "json":
        records = [{c: _plain(row[c]) for c in COLUMNS} for row in frame.to_dict("records")]
        return json.dumps({**({"notices": notices} if notices else {}), "calls": records},
                          indent=2) + "\n"
    if fmt == "tsv":
        lines = [f"# {n}" for n in notices] + ["\t".join(COLUMNS)]
        for row in frame[COLUMNS].itertuples(index=False):
            lines.append("\t".join(_cell(v) for v in row))
        return "\n".join(lines) + "\n"
    raise ValueError(f"no reference rendering for {fmt!r}")


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ";".join(value)
    return " ".join(str(value).split())  # no tabs or newlines inside a cell
