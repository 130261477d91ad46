"""One reader for every tabular input: CSV, TSV (also ``.txt``, gzip allowed) and Parquet,
from a file or from uploaded bytes.

Every cell comes back as text (``object`` dtype) with ``None`` for an empty cell, so that one
set of column checks (:mod:`advisor.inputs.cohort`) serves every source. Tables are read in
chunks of bounded size with pyarrow, each column dictionary-encoded and decoded once per
distinct value (:mod:`advisor.inputs.text_tables`); a plain CSV/TSV as ranges of lines parsed
on every core (:mod:`advisor.inputs.csv_ranges`).

Row-level tolerance: a row that cannot be used (a wrong number of fields, text that is not
UTF-8, a NUL byte, a ``sample_id`` holding a separator, an empty row, a repeated
``sample_id``) keeps its place with its reason in the :data:`ROW_ERROR` column; the
screen sends it to the errors table and processes every other row.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.errors import InputError, one_line
from advisor.inputs.csv_ranges import plain_csv_frames
from advisor.inputs.text_tables import (
    ID_COLUMN,
    MAX_COLUMNS,
    ROW_ERROR,
    _objects,
    concat_text,
    csv_frames,
    placed,
    shown,
    text_cells,
    text_frame,
)

SEPARATORS = {"csv": ",", "tsv": "\t"}
KINDS = "expected .csv, .tsv, .txt, .parquet, .vcf or .vcf.gz"
__all__ = ["KINDS", "ROW_ERROR", "SEPARATORS", "RowChecker", "parquet_frames", "read_chunks",
           "read_table", "source_frames", "table_kind", "without_bad_cells"]


def table_kind(name: str | Path) -> str:
    """'csv', 'tsv', 'parquet' or 'vcf' from a file name."""
    low = Path(name).name.lower()
    if low.endswith((".vcf", ".vcf.gz", ".vcf.bgz")):
        return "vcf"
    if low.endswith((".parquet", ".pq")):
        return "parquet"
    if low.endswith((".csv", ".csv.gz")):
        return "csv"
    if low.endswith((".tsv", ".tsv.gz", ".txt", ".txt.gz")):
        return "tsv"
    raise InputError("cohort", str(name), f"unknown file type ({KINDS})")


def parquet_frames(handle: Any, name: str, batch_size: int,
                   row_groups: list[int] | None = None, categorical: bool = False
                   ) -> Iterator[pd.DataFrame]:
    """Frames of text cells (and :data:`ROW_ERROR`) from a Parquet file (only the given
    row groups, when given; ``categorical``: the columns other than the ids as
    Categoricals)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from advisor.inputs.text_tables import batch_cells

    try:
        parquet = pq.ParquetFile(handle)
        names = parquet.schema_arrow.names
        if len(names) > MAX_COLUMNS:
            raise InputError("columns", f"{len(names):,} columns",
                             f"more than {MAX_COLUMNS:,} columns")
        for field in parquet.schema_arrow:
            if pa.types.is_nested(field.type):
                raise InputError(f"column {field.name}", str(field.type),
                                 "a column of lists or records; expected text or numbers")
        for batch in parquet.iter_batches(batch_size=batch_size, row_groups=row_groups):
            cells = batch_cells(batch, names, ",", categorical)
            yield text_frame({**cells.columns, ROW_ERROR: cells.problems})
    except InputError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:  # any pyarrow failure
        detail = one_line(str(exc), 200)
        raise InputError("cohort", name, f"not a readable Parquet file ({detail})") from None


def source_frames(source: Path | bytes, name: str, kind: str,
                  batch_size: int, categorical: bool = False) -> Iterator[pd.DataFrame]:
    """Frames of text cells (and :data:`ROW_ERROR`) of a whole table, in order
    (``categorical``: the columns other than the ids as Categoricals)."""
    import pyarrow as pa

    if kind == "parquet":
        yield from parquet_frames(io.BytesIO(source) if isinstance(source, bytes) else source,
                                   name, batch_size, categorical=categorical)
        return
    compression = "gzip" if name.lower().endswith(".gz") else None
    stream = (pa.input_stream(pa.py_buffer(source), compression=compression)
              if isinstance(source, bytes) else pa.input_stream(str(source),
                                                                compression=compression))
    try:
        packed = None if compression is None else (
            len(source) if isinstance(source, bytes) else source.stat().st_size)
        yield from csv_frames(stream, SEPARATORS[kind], name, packed, categorical)
    except OSError as exc:  # e.g. a .gz file that is not gzip
        raise InputError("cohort", name, f"not readable ({one_line(str(exc), 200)})"
                         ) from None
    finally:
        stream.close()


class RowChecker:
    """Repeated ``sample_id``s across the whole table (its chunks given in order): the
    first is kept, later ones are row errors. Ids are compared by 64-bit hash, vectorised
    over each chunk."""

    def __init__(self) -> None:
        self.seen = np.empty(0, dtype=np.uint64)  # sorted hashes of kept ids
        self.first = np.empty(0, dtype=np.int64)  # their row numbers
        self.next_row = 1

    def check(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Mark repeated ids; empty the cells of every row that cannot be used (its only
        error is the reader's; a repeated id keeps its id)."""
        rows = np.arange(self.next_row, self.next_row + len(frame))
        self.next_row += len(frame)
        problems = frame[ROW_ERROR].to_numpy(dtype=object, copy=True)
        repeated = np.zeros(len(frame), dtype=bool)
        if ID_COLUMN in frame:
            ids = frame[ID_COLUMN].to_numpy(dtype=object)  # text, or None when blank
            take = np.flatnonzero(pd.isna(problems) & np.not_equal(ids, None))
            repeated[take] = self._duplicates(ids[take], rows[take], take, problems)
        return without_bad_cells(frame, problems, repeated)

    def _duplicates(self, ids: np.ndarray, rows: np.ndarray, where: np.ndarray,
                    problems: np.ndarray) -> np.ndarray:
        """Which of ``ids`` (at ``where`` in the chunk, rows ``rows``) repeat an earlier id;
        their problems are set."""
        hashes = pd.util.hash_array(ids, categorize=False)
        order = np.argsort(hashes)  # the kept ids are looked up in hash order (fast)
        ordered = hashes[order]
        later = (pd.Index(hashes).duplicated(keep="first")  # an id earlier in this chunk
                 if (ordered[1:] == ordered[:-1]).any() else np.zeros(len(ids), dtype=bool))
        place = np.searchsorted(self.seen, ordered)  # where each would be inserted
        earlier = np.zeros(len(ids), dtype=bool)  # an id of an earlier chunk
        if len(self.seen):
            at = np.empty(len(ids), dtype=np.int64)
            at[order] = np.minimum(place, len(self.seen) - 1)
            earlier = self.seen[at] == hashes
        repeated = earlier | later
        if repeated.any():
            group_first = pd.Series(rows).groupby(hashes).transform("min").to_numpy()
            again = np.flatnonzero(repeated)
            first = np.where(earlier[again], self.first[at[again]] if len(self.seen) else 0,
                             group_first[again])
            problems[where[again]] = _objects([
                (ID_COLUMN, shown(str(text)), f"duplicate sample_id (first at row {row})")
                for text, row in zip(ids[again].tolist(), first.tolist(), strict=True)])
        new = ~repeated[order]  # new ids, in hash order
        self.seen = np.insert(self.seen, place[new], hashes[order[new]])
        self.first = np.insert(self.first, place[new], rows[order[new]])
        return repeated


def without_bad_cells(frame: pd.DataFrame, problems: np.ndarray,
                      repeated: np.ndarray | None = None) -> pd.DataFrame:
    """The frame with ``problems`` as its :data:`ROW_ERROR` and every cell of a row that
    cannot be used emptied (``repeated``: rows with a repeated id, which keep their id)."""
    bad = pd.notna(problems)
    if not bad.any():
        return frame
    columns: dict[str, np.ndarray | pd.Categorical] = {}
    for name in frame.columns:
        if name == ID_COLUMN:
            cells = text_cells(frame[name]).copy()
            cells[bad if repeated is None else bad & ~repeated] = None
            columns[name] = cells
        elif name != ROW_ERROR:
            columns[name] = placed(frame[name].array[~bad], ~bad)
    columns[ROW_ERROR] = problems
    return text_frame(columns)


def read_chunks(source: Path | bytes, name: str, chunksize: int, *,
                categorical: bool = False) -> Iterator[pd.DataFrame]:
    """Chunks of at most ``chunksize`` rows of a table given as a path or as uploaded bytes
    (``name`` gives its type). Each chunk has the table's columns and :data:`ROW_ERROR`
    (None, or ``(field, value preview, message)`` for a row that cannot be used);
    ``categorical``: the columns other than the ids as Categoricals (the reader's
    dictionary codes kept; the cells of an unusable row are missing there too)."""
    kind = table_kind(name)
    if kind == "vcf":
        raise InputError("cohort", name, "a VCF is not a table")
    if chunksize < 1:
        raise InputError("--chunksize", chunksize, "must be at least 1")
    if isinstance(source, Path) and not source.is_file():
        raise InputError("cohort", str(source), "file not found")
    rows = RowChecker()
    buffered: list[pd.DataFrame] = []
    size = 0
    if kind in SEPARATORS and not name.lower().endswith(".gz"):
        frames = plain_csv_frames(source, SEPARATORS[kind], name, chunksize, categorical)
    else:
        frames = source_frames(source, name, kind, min(chunksize, 65_536), categorical)
    for frame in frames:
        buffered.append(frame)
        size += len(frame)
        while size >= chunksize:
            table = concat_text(buffered)
            yield rows.check(table.iloc[:chunksize].reset_index(drop=True))
            rest = table.iloc[chunksize:].reset_index(drop=True)
            buffered, size = ([rest] if len(rest) else []), len(rest)
    if size:
        yield rows.check(concat_text(buffered))


def count_rows(path: Path) -> int | None:
    """The number of data rows of a table file, cheaply (a Parquet file's metadata, or the
    lines of a plain CSV/TSV less its header, blank lines included), or None when that
    would mean decompressing it."""
    try:
        kind = table_kind(path)
        if kind == "parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        if kind == "vcf" or path.name.lower().endswith(".gz"):
            return None
        lines, last = 0, b"\n"
        with path.open("rb") as handle:
            while block := handle.read(1 << 24):
                lines += block.count(b"\n")
                last = block[-1:]
        return max(0, lines + (last != b"\n") - 1)
    except (InputError, OSError, ValueError):
        return None


def read_table(source: Path | bytes, name: str) -> pd.DataFrame:
    """A whole table (see :func:`read_chunks`); a row that cannot be used is an error."""
    chunks = list(read_chunks(source, name, 100_000))
    if not chunks:
        return pd.DataFrame()
    table = pd.concat(chunks, ignore_index=True)
    problems = table[ROW_ERROR].to_numpy(dtype=object)
    bad = np.flatnonzero(pd.notna(problems))
    if len(bad):
        field, value, message = problems[bad[0]]
        raise InputError(f"row {bad[0] + 1}, {field}", value, message)
    return table.drop(columns=ROW_ERROR)
