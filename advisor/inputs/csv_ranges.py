"""A plain (not compressed) CSV/TSV read as ranges of whole lines, each parsed on every core.

The same tolerant reading as :func:`advisor.inputs.text_tables.csv_frames`, faster: the
bytes after the header are cut just after a line feed, every ``rows`` lines;
each range is made valid UTF-8 and rid of its blank lines, then parsed by pyarrow with
threads. A range holding a row with a wrong number of fields is parsed again on one thread,
as only then does pyarrow give that row's number. A quote (a quoted cell may hold a line
feed) or a line longer than the parser's block (a row too long, a lone-CR file) hands the
rest of the table to :func:`~advisor.inputs.text_tables.csv_frames`, from that row on.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from advisor.inputs import text_tables
from advisor.inputs.text_tables import (
    Utf8Stream,
    _BadRows,
    _Cells,
    _with_bad_rows,
    bad_row_message,
    batch_cells,
    csv_frames,
    csv_options,
    drop_blank_lines,
    header_columns,
    line_break,
    parser_error,
)
from advisor.outputs import signals_held

READ = 1 << 24  # bytes read from the file at a time
LF, CR = 10, 13


class _Rest:
    """Where the ranges stopped: the rest of the table, from byte ``offset`` of the data."""

    def __init__(self, offset: int):
        self.offset = offset


def _line_ends(block: bytes, at: int, last: int) -> np.ndarray | None:
    """Offsets just after the line feeds of ``block`` (which starts at offset ``at``; the
    last line before it ended at ``last``); None when the stream reader must take over: a
    quote (a quoted cell may hold a line feed, and only the parser knows which quotes open
    a cell) or a line longer than the parser's block."""
    if b'"' in block:
        return None
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == LF) + 1 + at
    if np.diff(np.concatenate([[last], ends, [at + len(block)]])).max() > text_tables.BLOCK:
        return None
    return ends


def _ranges(read: Callable[[int], bytes], rows: int
            ) -> Iterator[tuple[bytes, np.ndarray] | _Rest]:
    """Ranges of ``rows`` whole lines (the last may be shorter), each with the offsets just
    after its line feeds; then a :class:`_Rest` where the stream reader must take over (see
    :func:`_line_ends`)."""
    pieces: list[bytes] = []
    size = offset = last = 0  # bytes held; their offset in the data; end of their last line
    ends = np.empty(0, dtype=np.int64)
    while block := read(READ):
        found = _line_ends(block, size, last)
        if found is None:
            yield _Rest(offset)
            return
        pieces.append(block)
        size += len(block)
        ends = np.concatenate([ends, found])
        last = int(ends[-1]) if len(ends) else last
        if len(ends) >= rows:
            data, start = b"".join(pieces), 0
            for i, cut in enumerate(ends[rows - 1::rows].tolist()):
                yield data[start:cut], ends[i * rows:(i + 1) * rows] - start
                start = cut
            offset, size, last = offset + start, size - start, last - start
            pieces, ends = [data[start:]], ends[(len(ends) // rows) * rows:] - start
    if size:
        yield b"".join(pieces), ends


def _has_blank_line(data: bytes, ends: np.ndarray) -> bool:
    """Whether a range (which starts a line) holds a blank line (LF or CRLF), from the
    offsets just after its line feeds."""
    lengths = np.diff(ends, prepend=0)
    if (lengths == 1).any():
        return True
    starts = ends[lengths == 2] - 2
    return bool(len(starts)) and bool((np.frombuffer(data, dtype=np.uint8)[starts] == 13).any())


def _utf8(data: bytes) -> bytes:
    """``data`` as valid UTF-8: a byte that is not becomes U+FFFD (as in
    :class:`~advisor.inputs.text_tables.Utf8Stream`; a range ends at a line feed, so no
    character is cut)."""
    if data.isascii():
        return data
    try:
        data.decode()
    except UnicodeDecodeError:
        return data.decode(errors="replace").encode()
    return data


class _Stop:
    """pyarrow's handler of rows with a wrong number of fields that stops the parse at the
    first: a range that holds one is parsed again without them (see :func:`_counted`)."""

    def __init__(self) -> None:
        self.called = False

    def __call__(self, row: Any) -> str:
        self.called = True
        return "error"


def _read(data: bytes, names: list[str], sep: str, handler: Any, threads: bool) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    with signals_held():
        return pcsv.read_csv(pa.py_buffer(data), **csv_options(names, sep, handler, threads))


def _parse(data: bytes, names: list[str], sep: str) -> tuple[Any, list[tuple[int, str, str]]]:
    """A range's rows as one record batch (None when no row parsed) and its bad rows, as
    (row number in the range, text, reason)."""
    import pyarrow as pa

    stop = _Stop()
    try:
        table, bad = _read(data, names, sep, stop, threads=True), []
    except pa.ArrowInvalid:
        if not stop.called:
            raise
        table, bad = _counted(data, names, sep)
    batches = table.unify_dictionaries().combine_chunks().to_batches()
    return (batches[0] if batches else None), bad


def _counted(data: bytes, names: list[str], sep: str) -> tuple[Any, list[tuple[int, str, str]]]:
    """A range holding rows with a wrong number of fields: its rows, and those rows found by
    counting separators (a range holds no quote, so a row's fields are its separators plus
    one). Their text is replaced by empty fields, so that every row keeps its number, and
    the rest is parsed on every core (pyarrow numbers bad rows only on one thread, and calls
    Python for each); when the parser disagrees, it numbers them itself, on one thread."""
    import pyarrow as pa

    arr = np.frombuffer(data, dtype=np.uint8)
    starts, ends = _rows(arr, data)
    seps = np.flatnonzero(arr == ord(sep))
    fields = np.searchsorted(seps, ends) - np.searchsorted(seps, starts) + 1
    # an empty row is a row of empty cells to pyarrow, not a bad row
    bad = np.flatnonzero((fields != len(names)) & (ends > starts))
    # the text around the bad rows' text: from 0 to the first's start, from its end to the
    # second's start, ..., from the last's end to the end
    around = np.concatenate([[0], np.column_stack([starts[bad], ends[bad]]).ravel(),
                             [len(data)]]).tolist()
    kept = [data[a:b] for a, b in zip(around[::2], around[1::2], strict=True)]
    filler = (sep * (len(names) - 1) or " ").encode()  # no line break: no row joins another
    handler = _BadRows(sep)
    table = _read(filler.join(kept), names, sep, handler, threads=True)
    handler.reraise()
    if handler.rows or table.num_rows != len(starts):
        handler = _BadRows(sep)
        table = _read(data, names, sep, handler, threads=False)
        handler.reraise()
        return table, handler.rows
    keep = np.ones(len(starts), dtype=bool)
    keep[bad] = False
    texts = [data[a:b].decode() for a, b in zip(around[1:-1:2], around[2:-1:2], strict=True)]
    counts = fields[bad]
    reasons = {n: bad_row_message(n, len(names), "", sep) for n in set(counts.tolist()) - {1}}
    messages = [reasons[n] if n != 1 else bad_row_message(1, len(names), text, sep)
                for n, text in zip(counts.tolist(), texts, strict=True)]
    return table.filter(pa.array(keep)), list(zip((bad + 1).tolist(), texts, messages,
                                                  strict=True))


def _rows(arr: np.ndarray, data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where each row of a range starts and where its text ends, as pyarrow cuts rows: at a
    line feed, a CR LF or a lone CR (a last row may lack one)."""
    lf = arr == LF
    if b"\r" in data:
        cr = arr == CR
        cr_lf = np.zeros(len(arr), dtype=bool)
        cr_lf[:-1] = cr[:-1] & lf[1:]
        breaks = np.flatnonzero(lf | (cr & ~cr_lf))
        ends = breaks - (cr_lf[breaks - 1] & (breaks > 0))  # a CR LF's CR is not text
    else:
        breaks = ends = np.flatnonzero(lf)
    starts = np.append(0, breaks + 1)
    if starts[-1] == len(arr):
        return starts[:-1], ends
    return starts, np.append(ends, len(arr))


def range_frames(read: Callable[[int], bytes], names: list[str], sep: str, name: str,
                 rows: int, categorical: bool, rest: Callable[[int], Any]
                 ) -> Iterator[pd.DataFrame]:
    """Frames of ``rows`` lines each (the last may be shorter; a lone CR inside a line also
    ends a row) as text cells and :data:`ROW_ERROR`, of the data ``read`` gives;
    ``rest(offset)``: a byte stream of the data from ``offset`` on."""
    import pyarrow as pa

    start, before = 1, b"\0\n"  # the header's line break
    for item in _ranges(read, rows):
        if isinstance(item, _Rest):
            yield from csv_frames(rest(item.offset), sep, name, categorical=categorical,
                                  names=names, start=start)
            return
        raw, ends = item
        data = _utf8(raw)
        if data is not raw or _has_blank_line(raw, ends):
            data = drop_blank_lines(data, before, b"")
        before = (before + raw)[-2:]
        if not data:
            continue
        try:
            batch, bad = _parse(data, names, sep)
        except pa.ArrowInvalid as exc:
            error = parser_error(exc, name)
            if error is None:
                continue
            raise error from None
        cells = _Cells(0) if batch is None else batch_cells(batch, names, sep, categorical)
        frame = _with_bad_rows(cells, names, bad, 1)  # (numbered from the range's first row)
        start += len(frame)
        yield frame


def plain_csv_frames(source: Path | bytes, sep: str, name: str, rows: int,
                     categorical: bool) -> Iterator[pd.DataFrame]:
    """Frames of ``rows`` lines each (see :func:`range_frames`) of a plain CSV/TSV file or
    upload (a table whose header ends with a lone CR is read as one stream)."""
    with io.BytesIO(source) if isinstance(source, bytes) else source.open("rb") as handle:
        head = Utf8Stream(handle, name)
        names = header_columns(head.header(name), sep, name)
        found = line_break(head.pending)
        data_at = found[1] if found else len(head.pending)
        handle.seek(data_at)
        if found is None or head.pending[data_at - 1] != LF:
            yield from csv_frames(handle, sep, name, categorical=categorical, names=names)
            return

        def rest(offset: int) -> BinaryIO:
            handle.seek(data_at + offset)
            return handle

        yield from range_frames(handle.read, names, sep, name, rows, categorical, rest)
