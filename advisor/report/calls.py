"""VCF calls as PharmCAT's outside-call TSV for one sample (see
:mod:`advisor.report.pharmcat`), so that a lab can cross-check our calls with PharmCAT's. The
other formats of ``advisor call`` are written by :mod:`advisor.genotype.writers`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from advisor.errors import InputError

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase


def render_pharmcat(kb: KnowledgeBase, frame: pd.DataFrame) -> str:
    """The calls of one sample (a frame of :meth:`CallTable.frame` rows) as PharmCAT's
    outside-call TSV."""
    from advisor.report.pharmcat import Result, outside_calls

    pairs = frame[["file", "sample"]].drop_duplicates()
    if len(pairs) != 1:
        raise InputError("--format", "pharmcat", f"an outside-call file holds one sample; "
                         f"got {len(pairs)} (file, sample) pairs: choose one with --sample")
    file, sample = pairs.iloc[0]
    header = [f"advisor call: {file}, sample {sample}", *frame.attrs.get("notices", [])]
    results = [Result(row["gene"], row["key"], row["status"], tuple(row["diplotypes"]),
                      row["message"] or "") for row in frame.to_dict("records")]
    return outside_calls(kb, results, header)
