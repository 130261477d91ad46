"""The range reader of plain CSV/TSV tables (advisor.inputs.csv_ranges) against the stream
reader (advisor.inputs.text_tables.csv_frames) on the same bytes: cell for cell, bad rows
in their places, whatever the ranges' size; a quote or a too-long line hands the rest of the
table to the stream reader from that row on."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from advisor.errors import InputError
from advisor.inputs import csv_ranges
from advisor.inputs.csv_ranges import plain_csv_frames
from advisor.inputs.tables import ROW_ERROR, read_chunks
from advisor.inputs.text_tables import csv_frames, drop_blank_lines, text_cells

HEADER = b"sample_id,CYP2C9,seizure_types\n"
ODD = [b"S,*1/*1,focal,extra\n", b"Jos\xe9,*1/*1,focal\n", b"S;*1/*2;focal\n",
       b"S,*1/*1\n", b"S\x00x,*1/*1,focal\n", b"A,*1/*\xff1,focal\n", b",,\n", b"\n",
       b"\r\n", b"  \n", b"S,\xc3\xa9,focal\n", b"S, *1/*3 ,focal\n"]


def _table(n: int, seed: int, odd: float = 0.1, crlf: bool = False) -> bytes:
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(1, n + 1):
        if rng.random() < odd:
            line = ODD[rng.integers(len(ODD))].replace(b"S", f"S{i}".encode(), 1)
        else:
            line = f"S{i},{rng.choice(['*1/*1', '*1/*3', ''])},focal\n".encode()
        lines.append(line.replace(b"\n", b"\r\n") if crlf and line != b"\n" else line)
    return HEADER + b"".join(lines)


def _cells(frames) -> dict[str, list]:
    """The frames' cells column by column, one frame after the other (None = empty)."""
    frames = list(frames)
    return {name: [cell for frame in frames for cell in text_cells(frame[name]).tolist()]
            for name in frames[0].columns}


def _stream(data: bytes, categorical: bool = False) -> dict[str, list]:
    return _cells(csv_frames(io.BytesIO(data), ",", "c.csv", categorical=categorical))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rows", [1, 7, 50, 10_000])
def test_ranges_read_what_the_stream_reads(seed, rows):
    data = _table(300, seed, crlf=seed % 2 == 1)
    categorical = seed % 3 == 0
    frames = list(plain_csv_frames(data, ",", "c.csv", rows, categorical))
    if seed % 2 == 0:  # (a CR inside a CRLF line also ends a row: more rows than lines)
        assert all(len(f) <= rows for f in frames)
    assert _cells(frames) == _stream(data, categorical)


def test_a_clean_table_is_cut_into_ranges_of_the_chunk_size(monkeypatch):
    """No quote, no long line: the stream reader is never used, and every frame but the
    last holds the chunk size's rows."""
    def refuse(*args, **kwargs):
        raise AssertionError("the stream reader was used")

    monkeypatch.setattr(csv_ranges, "csv_frames", refuse)
    data = _table(1_000, 1, odd=0.0)
    frames = list(plain_csv_frames(data, ",", "c.csv", 300, False))
    assert [len(f) for f in frames] == [300, 300, 300, 100]
    assert text_cells(frames[3]["sample_id"]).tolist()[-1] == "S1000"


def test_bad_rows_of_later_ranges_keep_their_numbers(monkeypatch):
    """A range with a bad row is parsed again on one thread, for the row's number; the
    numbers are the table's, not the range's (blank lines are not rows)."""
    monkeypatch.setattr(csv_ranges, "READ", 64)  # many small reads
    lines = [f"S{i},*1/*1,focal\n".encode() for i in range(1, 41)]
    lines[24] = b"S25,*1/*1\n"
    lines[5] = b"\n"  # a blank line: row numbers after it move up by one
    data = HEADER + b"".join(lines)
    table = pd.concat(list(read_chunks(data, "c.csv", 10)), ignore_index=True)
    bad = np.flatnonzero(table[ROW_ERROR].notna())
    assert len(table) == 39 and bad.tolist() == [23]
    assert table[ROW_ERROR][23] == ("row", "S25,*1/*1", "2 fields where the header has 3")
    assert text_cells(table["sample_id"])[24] == "S26"


def test_a_quote_hands_the_rest_to_the_stream_reader_from_its_row(monkeypatch):
    """A quoted cell may hold a line feed: from the block holding a quote on, the stream
    reader reads the table, numbering on from the rows already read."""
    calls = []
    stream = csv_ranges.csv_frames

    def spy(*args, **kwargs):
        calls.append(kwargs["start"])
        return stream(*args, **kwargs)

    monkeypatch.setattr(csv_ranges, "csv_frames", spy)
    monkeypatch.setattr(csv_ranges, "READ", 256)
    lines = [f"S{i},*1/*1,focal\n".encode() for i in range(1, 101)]
    lines[60] = b'S61,"*1/*3\n",focal\n'  # a line feed inside quotes: one row
    data = HEADER + b"".join(lines)
    frames = list(plain_csv_frames(data, ",", "c.csv", 10, False))
    assert len(calls) == 1 and 1 < calls[0] <= 61
    cells = _cells(frames)
    assert cells == _stream(data) and len(cells["sample_id"]) == 100
    assert cells["CYP2C9"][60] == "*1/*3\n" and cells["sample_id"][99] == "S100"


def test_a_long_line_hands_the_rest_to_the_stream_reader(monkeypatch):
    """A line longer than the parser's block is refused as by the stream reader; a table
    whose rows end with a lone CR after a line-feed header is read by the stream reader."""
    monkeypatch.setattr("advisor.inputs.text_tables.BLOCK", 4096)
    long_row = HEADER + b"S1,*1/*1,focal\n" + b"S2," + b"x" * 5000 + b",focal\n"
    with pytest.raises(InputError, match="a row longer than 0 MB"):
        list(plain_csv_frames(long_row, ",", "c.csv", 10, False))
    lone_cr = HEADER + b"".join(f"S{i},*1/*1,focal\r".encode() for i in range(1, 400))
    cells = _cells(plain_csv_frames(lone_cr, ",", "c.csv", 10, False))
    assert cells == _stream(lone_cr) and cells["sample_id"][398] == "S399"


@pytest.mark.parametrize("header_end", [b"\r", b"\r\n", b"\n"])
def test_files_and_uploads_read_alike(tmp_path, header_end):
    data = _table(500, 4).replace(b"\n", header_end, 1)
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    from_file = _cells(read_chunks(path, "c.csv", 64))
    assert from_file == _cells(read_chunks(data, "c.csv", 64))
    assert from_file["sample_id"][:2] == [f"S{i}" if c is not None else None
                                          for i, c in enumerate(from_file["sample_id"][:2],
                                                                start=1)]


def test_a_range_is_cleaned_of_blank_lines_only_when_it_holds_one():
    """The blank-line test on a range's line ends agrees with dropping blank lines from its
    bytes, on random ranges of short lines of 'a', CR and LF (ranges start a line)."""
    rng = np.random.default_rng(7)
    for _ in range(2_000):
        text = rng.choice(np.array([97, 13, 10], dtype=np.uint8), size=rng.integers(1, 12),
                          p=[0.5, 0.2, 0.3]).tobytes()
        data = text if text.endswith(b"\n") else text + b"\n"
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
        cleaned = drop_blank_lines(data, b"\0\n", b"")
        assert csv_ranges._has_blank_line(data, ends) == (cleaned != data), data


@pytest.mark.parametrize("columns", [1, 2, 3, 4])
def test_rows_with_a_wrong_number_of_fields_are_found_as_the_parser_finds_them(
        monkeypatch, columns):
    """A range holding rows with a wrong number of fields: the rows found by counting
    separators, their numbers and texts, and the rows kept, equal what pyarrow gives when it
    numbers them on one thread, on random ranges of short rows of letters, separators,
    spaces, tabs, CR and LF; the one-thread parse is not needed."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from advisor.inputs.text_tables import _BadRows, csv_options

    names = ["sample_id", "a", "b", "c"][:columns]
    reads = []
    read = csv_ranges._read

    def counting(data, names, sep, handler, threads):
        reads.append(threads)
        return read(data, names, sep, handler, threads)

    monkeypatch.setattr(csv_ranges, "_read", counting)
    rng = np.random.default_rng(columns)
    alphabet = np.frombuffer(b"ab,;\t \r\n", dtype=np.uint8)
    checked = 0
    for _ in range(1_500):
        data = rng.choice(alphabet, size=rng.integers(1, 60),
                          p=[.25, .15, .2, .05, .05, .05, .1, .15]).tobytes()
        expected = _BadRows(",")
        try:
            table = pcsv.read_csv(pa.py_buffer(data), **csv_options(names, ",", expected))
        except pa.ArrowInvalid:
            continue  # e.g. no row at all
        reads.clear()
        batch, bad = csv_ranges._parse(data, names, ",")
        assert bad == expected.rows, data
        assert ([] if batch is None else batch.to_pylist()) == table.to_pylist(), data
        assert False not in reads, data  # parsed on every core
        checked += bool(bad)
    assert checked > 500
