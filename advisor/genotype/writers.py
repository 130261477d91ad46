"""VCF calls (:class:`advisor.genotype.vcf.CallTable`) written as text, streamed.

Formats: ``json`` (``{"calls": [...]}``, one object per file, sample and call key), ``jsonl``
(JSON Lines: one such object per line), ``tsv`` (one row per call) and ``pharmcat``
(PharmCAT's outside-call TSV for one sample, see :mod:`advisor.report.pharmcat`, so that a
lab can cross-check our calls with PharmCAT's). Notices about the input (e.g. that a consumer
array is research-grade) head every format (in JSON Lines, as a first ``{"notices": [...]}``
line). Each distinct call is rendered once; the rows of a chunk of samples are joined from
the rendered calls and written before the next chunk is made.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from advisor.genotype.callers import CALL_FIELDS, GeneCall
from advisor.outputs import FORMULA_START

if TYPE_CHECKING:
    from advisor.genotype.vcf import CallTable
    from advisor.knowledge import KnowledgeBase

COLUMNS = ["file", "sample", *CALL_FIELDS]
CHUNK_SAMPLES = 4096


def write_calls(kb: KnowledgeBase, tables: Iterable[CallTable], notices: list[str], fmt: str,
                out: TextIO) -> None:
    """Write the calls of one or more files in ``fmt`` to ``out``."""
    if fmt == "pharmcat":
        import pandas as pd

        frame = pd.concat([t.frame() for t in tables], ignore_index=True)
        frame.attrs["notices"] = notices
        from advisor.report.calls import render_pharmcat  # the report package: slow import

        out.write(render_pharmcat(kb, frame))
        return
    head, row, separator, tail = _SHAPES[fmt](notices)
    out.write(head)
    first = True
    for table in tables:
        fragments = np.array([row.call(c) for c in table.calls] or [""], dtype=object)
        for start in range(0, len(table.samples), CHUNK_SAMPLES):
            index = table.index[start:start + CHUNK_SAMPLES]
            if not index.size:
                continue
            samples = table.samples[start:start + CHUNK_SAMPLES]
            before, sample_text, after = row.prefix(table.file)
            before = separator + before
            prefix = np.array([f"{before}{sample_text(s)}{after}" for s in samples],
                              dtype=object)
            pieces = np.empty((*index.shape, 2), dtype=object)  # a row: prefix, then call
            pieces[:, :, 0] = prefix[:, None]
            pieces[:, :, 1] = fragments[index]
            if first:  # no separator before the first row
                pieces[0, 0, 0] = pieces[0, 0, 0][len(separator):]
                first = False
            out.write("".join(pieces.ravel().tolist()))
    out.write(tail(first))


Prefix = Callable[[str], tuple[str, Callable[[str], str], str]]


class _Row:
    """How one call row is made: for a file, the text before a sample's id, how the id is
    written and the text after it (the row's prefix), and the rendering of each call."""

    def __init__(self, prefix: Prefix, call: Callable[[GeneCall], str]):
        self.prefix, self.call = prefix, call


_string = json.encoder.encode_basestring_ascii  # what json.dumps writes for a str


def _plain(call: GeneCall) -> dict[str, Any]:
    return {f: getattr(call, f) for f in CALL_FIELDS}  # tuples are written as JSON lists


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        value = ";".join(value)
    text = " ".join(str(value).split())  # no tabs or newlines inside a cell
    return "'" + text if text.startswith(FORMULA_START) else text  # not a spreadsheet formula


def _tsv(notices: list[str]) -> tuple[str, _Row, str, Callable[[bool], str]]:
    head = "".join(f"# {n}\n" for n in notices) + "\t".join(COLUMNS) + "\n"
    row = _Row(lambda file: (f"{_cell(file)}\t", _cell, "\t"),
               lambda call: "\t".join(_cell(getattr(call, f)) for f in CALL_FIELDS) + "\n")
    return head, row, "", lambda empty: ""


def _jsonl(notices: list[str]) -> tuple[str, _Row, str, Callable[[bool], str]]:
    head = json.dumps({"notices": notices}) + "\n" if notices else ""
    row = _Row(lambda file: (f'{{"file": {json.dumps(file)}, "sample": ', _string, ", "),
               lambda call: json.dumps(_plain(call))[1:] + "\n")
    return head, row, "", lambda empty: ""


def _json(notices: list[str]) -> tuple[str, _Row, str, Callable[[bool], str]]:
    """``json.dumps({"notices": ..., "calls": [...]}, indent=2)``, written piece by piece."""
    head = "{\n"
    if notices:
        head += "\n".join(json.dumps({"notices": notices}, indent=2).splitlines()[1:-1]) + ",\n"
    head += '  "calls": ['

    def call(c: GeneCall) -> str:
        lines = json.dumps(_plain(c), indent=2).splitlines()[1:-1]
        return "\n".join("    " + line for line in lines) + "\n    }"

    row = _Row(lambda file: (f'\n    {{\n      "file": {json.dumps(file)},\n      "sample": ',
                             _string, ",\n"), call)
    return head, row, ",", lambda empty: "]\n}\n" if empty else "\n  ]\n}\n"


_SHAPES = {"tsv": _tsv, "jsonl": _jsonl, "json": _json}
