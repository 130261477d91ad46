"""A table file cut into parts that workers read on their own, with the same tolerant reader
as :func:`advisor.inputs.tables.read_chunks` (the Dask engine's input).

A plain CSV/TSV is cut at line breaks into byte ranges; each part is read as the header
line followed by its range, so a bad row costs only its row, as in the pandas engine. A
gzip file is one part (it cannot be entered in the middle); a Parquet file has a part per
row group. Parts come back in file order, numbered rows and all: the caller numbers rows
across parts and checks repeated ``sample_id`` values over the whole table
(:class:`~advisor.inputs.tables.RowChecker`), since a part cannot see the others.

A quoted cell holding a line break that falls on a cut is read as two bad rows, which go to
the errors table; ``pandas.read_csv`` run on byte ranges (what Dask does) has the same
limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pandas as pd

from advisor.inputs.csv_ranges import plain_csv_frames
from advisor.inputs.tables import (
    SEPARATORS,
    parquet_frames,
    source_frames,
    table_kind,
    without_bad_cells,
)
from advisor.inputs.text_tables import ROW_ERROR, line_break

BATCH = 65_536  # rows per parsed batch inside a part


@dataclass(frozen=True)
class TablePart:
    """One part of a table file: a byte range (``start``..``end``, after the header, which
    ends at ``header``), a Parquet row group, or the whole file (``whole``)."""

    path: Path
    header: int = 0
    start: int = 0
    end: int = 0
    row_group: int | None = None
    whole: bool = False


def _header_end(path: Path) -> int:
    """Where the first line (the header) ends, its line break included."""
    with path.open("rb") as handle:
        data = b""
        while block := handle.read(1 << 16):
            data += block
            if found := line_break(data):
                return found[1]
        return len(data)


def _cuts(path: Path, start: int, size: int, every: int) -> list[int]:
    """Offsets just after a line break, about ``every`` bytes apart, from ``start`` to the
    end of the file."""
    cuts = [start]
    with path.open("rb") as handle:
        while cuts[-1] + every < size:
            handle.seek(cuts[-1] + every)
            found = -1
            while found < 0:
                block = handle.read(1 << 16)
                if not block:
                    break
                found = block.find(b"\n")
                if found < 0:
                    continue
                cuts.append(handle.tell() - len(block) + found + 1)
            if found < 0:
                break
    if cuts[-1] < size:
        cuts.append(size)
    return cuts


def table_parts(path: Path, part_bytes: int) -> list[TablePart]:
    """The parts of a table file, in file order (about ``part_bytes`` each when plain)."""
    kind = table_kind(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        groups = pq.ParquetFile(path).metadata.num_row_groups
        return [TablePart(path, row_group=g) for g in range(groups)]
    if path.name.lower().endswith(".gz"):
        return [TablePart(path, whole=True)]
    header = _header_end(path)
    cuts = _cuts(path, header, path.stat().st_size, max(1, part_bytes))
    return [TablePart(path, header, a, b) for a, b in pairwise(cuts)]


def read_part(part: TablePart) -> pd.DataFrame:
    """One part's rows as text cells and :data:`ROW_ERROR` (cells of an unusable row
    emptied; repeated ids are not checked here)."""
    name = str(part.path)
    kind = table_kind(part.path)
    if part.whole:
        frames = list(source_frames(part.path, name, kind, BATCH))
    elif part.row_group is not None:
        frames = list(parquet_frames(str(part.path), name, BATCH, [part.row_group]))
    else:
        with part.path.open("rb") as handle:
            data = handle.read(part.header)
            handle.seek(part.start)
            data += handle.read(part.end - part.start)
        frames = list(plain_csv_frames(data, SEPARATORS[kind], name, BATCH, False))
    if not frames:
        return pd.DataFrame(columns=[ROW_ERROR], dtype=object)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return without_bad_cells(frame, frame[ROW_ERROR].to_numpy(dtype=object))

