"""CSV and TSV tables read row by row tolerantly, with pyarrow, column by distinct value.

The bytes are made valid UTF-8 on the way in (an invalid byte becomes U+FFFD, so one
Latin-1 name costs only its row); pyarrow parses the rows, every column dictionary-encoded,
and hands rows with a wrong number of fields to a handler that keeps them as bad rows. Each
column's distinct values are then checked once (a replacement character, a NUL byte, a
``sample_id`` holding a list separator) and expanded to text cells by index.

A row that cannot be read stays in its place in the chunk, with every cell empty and its
reason in the :data:`ROW_ERROR` column, so that rows keep their numbers and every input row
is accounted for (processed or in the errors table).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from advisor.errors import InputError, one_line
from advisor.outputs import signals_held

ROW_ERROR = "__row_error__"  # (field, value preview, message) of a row that cannot be used
ID_COLUMN = "sample_id"
PREVIEW = 80
BLOCK = 1 << 22  # bytes parsed at a time; a row may be at most this long
MAX_HEADER = 1 << 20
MAX_COLUMNS = 2_000  # far above the knowledge base's genotype keys and the context fields
MAX_UNPACK_RATIO = 200  # a compressed table may unpack to this times its size (8 MB at least)
BAD_TEXT = "\ufffd"
ID_SEPARATORS = {";": "';'", "\t": "a tab", ",": "','", "|": "'|'"}


class Utf8Stream(io.RawIOBase):
    """The bytes of ``raw`` as valid UTF-8: each byte that is not UTF-8 becomes U+FFFD
    (ASCII blocks pass through untouched). More than ``max_bytes`` bytes (when given: a
    bound on what a compressed file may unpack to) is an error naming ``name``."""

    def __init__(self, raw: Any, name: str = "", max_bytes: int | None = None):
        self.raw = raw
        self.name = name
        self.left = max_bytes
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.pending = b""
        self.at = 0  # read position in pending
        self.done = False
        self.carry = b""  # the last byte read, not yet handed on
        self.before = b"\0\n"  # the two bytes handed on last (the header's line break)

    def readable(self) -> bool:
        return True

    def _fill(self, size: int) -> None:
        while not self.done and len(self.pending) - self.at < size:
            block = self.raw.read(BLOCK)
            self.done = not block
            if self.left is not None:
                self.left -= len(block)
                if self.left < 0:
                    raise InputError("cohort", self.name, "unpacks to more than "
                                     f"{MAX_UNPACK_RATIO} times its packed size (cohort tables "
                                     "compress about 5 to 25 times): a decompression bomb?")
            if not (block.isascii() and not self.decoder.getstate()[0]):
                block = self.decoder.decode(block, final=self.done).encode()
            self.pending = self.pending[self.at:] + block
            self.at = 0

    def _take(self, size: int) -> bytes:
        self._fill(size if size >= 0 else 1 << 62)
        end = len(self.pending) if size < 0 else self.at + size
        out = self.pending[self.at:end]
        self.at += len(out)
        return out

    def read(self, size: int = -1) -> bytes:
        """The next bytes, blank lines (LF or CRLF) left out: they are not rows, and the
        parser's line numbers stay the rows' numbers."""
        while True:
            raw = self._take(size)
            data = self.carry + raw
            self.carry = data[-1:] if raw else b""  # the last byte waits for its successor
            data = data[:-1] if raw else data
            out = drop_blank_lines(data, self.before, self.carry)
            self.before = (self.before + data)[-2:]
            if out or not raw:
                return out

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def header(self, name: str) -> str | None:
        """The first line (without its line break), taken off the stream; None when the
        stream is empty. A line ends at LF, CRLF or a lone CR."""
        while (b"\n" not in self.pending and b"\r" not in self.pending and not self.done
               and len(self.pending) < MAX_HEADER):
            self._fill(len(self.pending) + 1)
        if not self.pending:
            return None
        found = line_break(self.pending)
        if found is None and len(self.pending) >= MAX_HEADER:
            raise InputError("cohort", name, "the header line is longer than 1 MB")
        end, self.at = found or (len(self.pending), len(self.pending) + 1)
        return self.pending[:end].decode().removeprefix("\ufeff")


def drop_blank_lines(data: bytes, before: bytes, after: bytes) -> bytes:
    """``data`` without its blank lines (LF or CRLF): they are not rows, and the parser's
    line numbers stay the rows' numbers. ``before``: the two bytes that came before it (a
    line break at the start of a table); ``after``: the byte that follows it, if any."""
    around = before + data + after
    ext = np.frombuffer(around, dtype=np.uint8)
    feeds = np.flatnonzero(ext == 10)  # ``b"\n\n" in around`` is slow on many short lines
    gaps = np.diff(feeds)
    if not (gaps == 1).any() and not ((gaps == 2) & (ext[feeds[1:] - 1] == 13)).any():
        return data
    arr, p1, p2 = ext[2:2 + len(data)], ext[1:1 + len(data)], ext[:len(data)]
    following = ext[3:3 + len(data)]
    following = np.append(following, np.zeros(len(data) - len(following), np.uint8))
    drop = (((arr == 10) & ((p1 == 10) | ((p1 == 13) & (p2 == 10))))
            | ((arr == 13) & (p1 == 10) & (following == 10)))
    return arr[~drop].tobytes()


def line_break(data: bytes) -> tuple[int, int] | None:
    """Where the first line of ``data`` ends (LF, CRLF or a lone CR): the end of its text
    and the start of the next line; None when ``data`` holds no line break."""
    ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    if not ends:
        return None
    end = min(ends)
    return end, end + (2 if data[end:end + 2] == b"\r\n" else 1)


def header_columns(line: str | None, sep: str, name: str) -> list[str]:
    """Column names from the header line; a header that is one column holding another
    separator means the file is separated by something else."""
    if line is None:
        raise InputError("cohort", name, "the file is empty")
    if not line.strip():
        raise InputError("cohort", name, "the first line (the header) is empty")
    if BAD_TEXT in line:
        raise InputError("columns", line, "the header is not UTF-8 text")
    try:
        names = [c.strip() for c in next(csv.reader([line], delimiter=sep))]
    except csv.Error as exc:
        raise InputError("columns", line, f"the header cannot be read ({exc})") from None
    if len(names) > MAX_COLUMNS:
        raise InputError("columns", f"{len(names):,} columns", f"more than {MAX_COLUMNS:,} "
                         "columns; a cohort table has a sample_id, genotype and context "
                         "columns")
    dupes = sorted(c for c, n in Counter(names).items() if n > 1)
    if dupes:
        raise InputError("columns", dupes[0], "duplicate column")
    if ROW_ERROR in names:
        raise InputError(f"column {ROW_ERROR}", ROW_ERROR, "a reserved column name")
    if len(names) == 1:
        for other, shown in ID_SEPARATORS.items():
            if other != sep and other in names[0]:
                raise InputError("columns", line, f"the header is one column holding {shown}: "
                                 f"this reader expects {ID_SEPARATORS[sep]} between columns "
                                 "(.csv: ',', .tsv/.txt: tab)")
    return names


class _Cells:
    """One batch's columns as text cells (None = empty), and the rows that cannot be used;
    ``categorical``: the columns other than the ids as ``pandas.Categorical`` (the reader's
    dictionary codes kept), else as ``object`` arrays."""

    def __init__(self, n: int, categorical: bool = False):
        self.categorical = categorical
        self.columns: dict[str, np.ndarray | pd.Categorical] = {}
        self.problems = np.full(n, None, dtype=object)
        self.empty = np.ones(n, dtype=bool)  # no cell of the row holds text

    def flag(self, mask: np.ndarray, make: Any) -> None:
        for i in np.flatnonzero(mask & pd.isna(self.problems)):  # per bad row
            self.problems[i] = make(i)


def _column(cells: _Cells, name: str, array: Any, sep: str) -> None:
    """Decode one column by its distinct values (a dictionary-encoded column) or, for a
    plain text column such as the ids, by value with pyarrow's vectorised kernels."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(array.type):
        values, codes = array.dictionary, array.indices.fill_null(-1).to_numpy(
            zero_copy_only=False)
    elif name == ID_COLUMN and (pa.types.is_string(array.type)
                                or pa.types.is_large_string(array.type)):
        values, codes = array, None
    else:
        encoded = pc.cast(array, pa.string()).dictionary_encode()
        values, codes = encoded.dictionary, encoded.indices.fill_null(-1).to_numpy(
            zero_copy_only=False)
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.string())
    text = pc.utf8_ltrim(values, characters=" ")
    blank = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
    rows = (lambda mask: mask) if codes is None else (lambda mask: np.append(mask, False)[codes])
    if codes is None:  # a text per row (the ids)
        ids = text.to_numpy(zero_copy_only=False)  # a new array of objects
        if blank.any():
            ids[blank] = None
        cells.columns[name] = ids
        cells.empty &= blank
    else:
        distinct = np.append(text.to_numpy(zero_copy_only=False).astype(object), None)
        distinct[np.append(blank, True)] = None
        cells.columns[name] = (_categories(distinct, codes)  # ids stay text (e.g. numbers)
                               if cells.categorical and name != ID_COLUMN else distinct[codes])
        cells.empty &= np.append(blank, True)[codes]
    checks = [(BAD_TEXT, "not UTF-8 text (another encoding, such as Latin-1?)"),
              ("\0", "a NUL byte in the text")]
    if name == ID_COLUMN:
        checks += [(other, f"a sample_id holding {shown}: is this row separated by {shown} "
                           f"instead of {ID_SEPARATORS[sep]}?")
                   for other, shown in ID_SEPARATORS.items() if other != sep]
    data = values.buffers()[2]  # the texts' bytes (a needle not in them is in no text)
    text_bytes = b"" if data is None else data.to_pybytes()
    for needle, what in checks:
        if needle.encode() not in text_bytes:
            continue
        held = pc.fill_null(pc.match_substring(values, needle), False).to_numpy(
            zero_copy_only=False)
        if held.any():
            raw = values.to_numpy(zero_copy_only=False)[held]
            raw_of = dict(zip(np.flatnonzero(held).tolist(), raw, strict=True))
            value_at = (np.arange(len(values)) if codes is None else codes)
            cells.flag(rows(held), lambda i, what=what, raw_of=raw_of, at=value_at: (
                name, one_line(str(raw_of[int(at[i])]), PREVIEW), what))


def _categories(distinct: np.ndarray, codes: np.ndarray) -> pd.Categorical:
    """Cells ``distinct[codes]`` (the last of ``distinct`` is None, for code -1) as a
    Categorical: equal texts (e.g. after trimming) share one category; None is missing."""
    of_distinct, texts = pd.factorize(distinct, use_na_sentinel=True)
    return pd.Categorical.from_codes(of_distinct[codes],
                                     categories=pd.Index(texts, dtype=object))


def text_cells(values: Any) -> np.ndarray:
    """Cells of a column (array, Series or Categorical) as an ``object`` array of text and
    None (a Categorical's missing cells are None, not NaN)."""
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, pd.Categorical):
        texts = np.append(values.categories.to_numpy(dtype=object), None)
        return texts[values.codes]
    return np.asarray(values, dtype=object)


def placed(values: Any, where: np.ndarray) -> np.ndarray | pd.Categorical:
    """Cells ``values`` put where ``where`` is true, missing elsewhere (a Categorical stays
    one, with the same categories)."""
    if isinstance(values, pd.Categorical):
        codes = np.full(len(where), -1, dtype=values.codes.dtype)
        codes[where] = values.codes
        return pd.Categorical.from_codes(codes, dtype=values.dtype)
    cells = np.full(len(where), None, dtype=object)
    cells[where] = text_cells(values)
    return cells


def concat_text(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames of text cells one after the other; a column that is categorical in every
    frame stays categorical (the categories' union), any other is text and None."""
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    columns: dict[str, Any] = {}
    for name in frames[0].columns:
        parts = [frame[name].array for frame in frames]
        if all(isinstance(part, pd.Categorical) for part in parts):
            columns[name] = _union(parts)
        else:
            columns[name] = np.concatenate([text_cells(part) for part in parts])
    return text_frame(columns)


def _union(parts: list[pd.Categorical]) -> pd.Categorical:
    """Categoricals one after the other, over the union of their categories (as text
    objects: pandas may hold one part's categories as ``str`` and another's as objects)."""
    texts = [part.categories.to_numpy(dtype=object) for part in parts]
    categories = pd.Index(np.concatenate(texts), dtype=object).unique()
    codes = [np.append(categories.get_indexer(t), -1)[part.codes]
             for t, part in zip(texts, parts, strict=True)]
    return pd.Categorical.from_codes(np.concatenate(codes), categories=categories)


def text_frame(columns: dict[str, np.ndarray | pd.Categorical]) -> pd.DataFrame:
    """A frame of text columns (text and None), whatever pandas would infer: ``object``
    columns, and categorical ones where given as Categoricals."""
    return pd.DataFrame({name: pd.Series(values, dtype=None if isinstance(
        values, pd.Categorical) else object) for name, values in columns.items()})


def batch_cells(batch: Any, names: list[str], sep: str, categorical: bool = False) -> _Cells:
    """Text cells and unusable rows of one record batch (``categorical``: see
    :class:`_Cells`)."""
    cells = _Cells(batch.num_rows, categorical)
    for i, name in enumerate(names):
        _column(cells, name, batch.column(i), sep)
    cells.flag(cells.empty, lambda i: ("row", "", "an empty row"))
    return cells


def _with_bad_rows(cells: _Cells, names: list[str], bad: list[tuple[int, str, str]],
                   start: int) -> pd.DataFrame:
    """The batch's rows with the rows that could not be parsed put back at their numbers
    (``start`` is the number of the batch's first row)."""
    n_good = len(cells.problems)
    if not bad:  # every row parsed: the batch's columns as they are (no copy)
        return text_frame({**{name: cells.columns[name] for name in names},
                           ROW_ERROR: cells.problems})
    total = n_good + len(bad)
    bad = sorted(bad)
    # each at its number, after the one before it and leaving room for the ones after it
    # (pyarrow's numbers can be off for rows it read ahead)
    numbers = np.fromiter((number for number, _, _ in bad), dtype=np.int64, count=len(bad))
    shifted = np.maximum.accumulate(np.maximum(numbers - start - np.arange(len(bad)), 0))
    positions = np.minimum(shifted, n_good) + np.arange(len(bad))
    is_bad = np.zeros(total, dtype=bool)
    is_bad[positions] = True
    data: dict[str, np.ndarray | pd.Categorical] = {
        name: placed(cells.columns.get(name, np.empty(0, dtype=object)), ~is_bad)
        for name in names}
    problems = np.full(total, None, dtype=object)
    problems[~is_bad] = cells.problems
    problems[positions] = _objects([("row", shown(text), message) for _, text, message in bad])
    data[ROW_ERROR] = problems
    return text_frame(data)


def _bad_rows_of_batch(bad: list[tuple[int, str, str]], start: int, good: int
                       ) -> list[tuple[int, str, str]]:
    """The bad rows that fall among a batch's rows (the batch starts at row ``start`` and
    parsed ``good`` rows), taken off ``bad``; the parser reads ahead, so ``bad`` may hold
    rows of later batches, which stay. A row without a number goes in the current batch."""
    bad.sort()
    taken = 0
    while taken < len(bad) and bad[taken][0] < start + good + taken:
        taken += 1
    here = bad[:taken]
    del bad[:taken]
    return here


def bad_row_message(fields: int, expected: int, text: str, sep: str) -> str:
    """Why a row with ``fields`` fields (its text ``text``) cannot be used."""
    message = f"{'1 field' if fields == 1 else f'{fields} fields'} where the header has " \
        f"{expected}"
    if fields == 1:
        for other, shown in ID_SEPARATORS.items():
            if other != sep and other in text:
                return f"{message} (is this row separated by {shown}?)"
    return message


def shown(text: str) -> str:
    """A cell or row as an error shows it: on one line, cut at :data:`PREVIEW` characters
    (as it is when it is short and printable, the common case)."""
    return text if len(text) <= PREVIEW and text.isprintable() else one_line(text, PREVIEW)


def _objects(items: list[Any]) -> np.ndarray:
    """``items`` (tuples, say) as a one-dimensional array of objects."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


class _BadRows:
    """pyarrow's handler of rows with a wrong number of fields: each is kept as (number,
    text, reason). pyarrow calls it from C and drops what it raises, so an exception there
    is kept and raised by :meth:`reraise` (and signals are held while pyarrow parses)."""

    def __init__(self, sep: str):
        self.sep = sep
        self.rows: list[tuple[int, str, str]] = []
        self.raised: list[BaseException] = []

    def __call__(self, row: Any) -> str:
        try:
            self.rows.append((int(row.number or 0), row.text, bad_row_message(
                row.actual_columns, row.expected_columns, row.text, self.sep)))
        except BaseException as exc:
            self.raised.append(exc)
        return "skip"

    def reraise(self) -> None:
        if self.raised:
            raise self.raised[0]


def csv_options(names: list[str], sep: str, handler: _BadRows, threads: bool = False
                ) -> dict[str, Any]:
    """pyarrow's CSV options for a table without its header line: every column text,
    dictionary-encoded but the ids; empty lines kept (they are taken out beforehand)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {f"c{i}": pa.string() if n == ID_COLUMN else dictionary
             for i, n in enumerate(names)}
    return {
        "read_options": pcsv.ReadOptions(use_threads=threads, block_size=BLOCK,
                                         column_names=list(types)),
        "parse_options": pcsv.ParseOptions(delimiter=sep, invalid_row_handler=handler,
                                           ignore_empty_lines=False),
        "convert_options": pcsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                               quoted_strings_can_be_null=False)}


def parser_error(exc: Exception, name: str) -> InputError | None:
    """The input error for pyarrow's failure to parse a table; None for a table without
    rows."""
    first = str(exc).splitlines()[0]
    if "Empty CSV file" in first:  # a header and no rows
        return None
    if "straddl" in first:
        return InputError("cohort", name, f"a row longer than {BLOCK >> 20} MB")
    return InputError("cohort", name, f"malformed table: {first}")


def csv_frames(stream: Any, sep: str, name: str, packed_size: int | None = None,
               categorical: bool = False, *, names: list[str] | None = None,
               start: int = 1) -> Iterator[pd.DataFrame]:
    """Frames of text cells (and :data:`ROW_ERROR`) from a CSV/TSV byte stream (unpacked
    from ``packed_size`` bytes, when given: see :data:`MAX_UNPACK_RATIO`; ``categorical``:
    see :class:`_Cells`). With ``names``, the stream holds no header and its first row is
    row ``start`` of the table."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    text = Utf8Stream(stream, name, None if packed_size is None else max(
        MAX_UNPACK_RATIO * packed_size, 1 << 23))
    names = names or header_columns(text.header(name), sep, name)
    handler = _BadRows(sep)
    bad = handler.rows
    first = start
    try:
        with signals_held():
            reader = pcsv.open_csv(pa.PythonFile(text, mode="r"),
                                   **csv_options(names, sep, handler))
        while True:
            with signals_held():
                batch = next(reader, None)
            if batch is None:
                break
            handler.reraise()
            here = _bad_rows_of_batch(bad, start - first + 1, batch.num_rows)
            frame = _with_bad_rows(batch_cells(batch, names, sep, categorical), names,
                                   [(n + first - 1, t, m) for n, t, m in here], start)
            start += len(frame)
            yield frame
        handler.reraise()
        if bad:
            yield _with_bad_rows(_Cells(0), names, [(n + first - 1, t, m) for n, t, m in bad],
                                 start)
    except pa.ArrowInvalid as exc:
        handler.reraise()
        error = parser_error(exc, name)
        if error is not None:
            raise error from None
