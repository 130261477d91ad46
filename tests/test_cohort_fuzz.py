"""Fuzzing the cohort reader (issue 18): tables built from hostile cells, separators, line
ends and encodings, and raw bytes, under every table name. The reader and the column checks
either give rows (every input row accounted for: usable, or with its reason) or one
InputError (exit 2); never another exception. A share of the examples runs through the
command line, where the only exit codes are 0 and 2."""

from __future__ import annotations

import gzip
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import advisor.knowledge
from advisor.cli import main
from advisor.errors import InputError
from advisor.inputs.cohort import check_columns, check_table
from advisor.inputs.tables import ROW_ERROR, read_chunks

COLUMNS = ["sample_id", "CYP2C9", "CYP2C19", "HLA-B*15:02", "seizure_types", "age_years",
           "weight_kg", "sex", "current_medications", "candidate_drugs", "adverse_reactions",
           "eeg_abnormal", "age_at_onset_years", "egfr_ml_min", "pregnancy", "conditions",
           "CYP2C8", "", " sample_id", "x;y", "sample_id;CYP2C9", ROW_ERROR]
CELLS = ["S1", "S2", "S1", "*1/*1", "*1/*3", "*3/*3", "*1/*99", "positive", "negative",
         "focal", "focal;absence", "focal;;", "zzz", "34", "2", "350", "-1", "1:20", "nan",
         "true", "maybe", "female", "robot", "valproate", "lamotrigine:sjs_ten", "x:y",
         "=HYPERLINK(\"x\")", "+1", "@SUM(A1)", "-2", "", " ", "\t", "a;b", "a,b", "\"q\"",
         "\"unterminated", "é", "\x00", "\ufeff", "\u202e", "𝒳", "A" * 300]
BAD_BYTES = [b"\xe9", b"\xff\xfe", b"\x00", b"\xc3", b"\x80", b"\r", b"\n", b"\"", b";"]
NAMES = ["c.csv", "c.tsv", "c.txt", "c.csv.gz", "c.parquet"]


@st.composite
def text_tables(draw) -> tuple[bytes, str]:
    """A table as bytes: header and rows from hostile pieces, mixed separators and line
    ends, an encoding, and a few raw bytes spliced in."""
    name = draw(st.sampled_from(NAMES[:4]))
    proper = "\t" if name in ("c.tsv", "c.txt") else ","
    sep = draw(st.sampled_from([proper] * 5 + [",", "\t", ";"]))  # mostly the right one
    end = draw(st.sampled_from(["\n", "\r\n", "\r", "\n"]))
    known = st.lists(st.sampled_from(COLUMNS[1:16]), min_size=0, max_size=6, unique=True)
    header = draw(known.map(lambda c: ["sample_id", *c]) | known.map(lambda c: ["sample_id", *c])
                  | st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(st.sampled_from(CELLS), min_size=0, max_size=8),
                         min_size=1, max_size=12))
    lines = [sep.join(header)] + [draw(st.sampled_from([sep, ",", ";"])).join(r) for r in rows]
    text = end.join(lines) + draw(st.sampled_from(["", end, end + end]))
    data = text.encode(draw(st.sampled_from(["utf-8"] * 6 + ["latin-1", "utf-16"])),
                       errors="replace")
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from(BAD_BYTES)) + data[at:]
    return data, name


@st.composite
def parquet_tables(draw) -> tuple[bytes, str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = draw(st.integers(0, 6))
    names = draw(st.lists(st.sampled_from(COLUMNS[:16]), min_size=1, max_size=4,
                          unique=True))
    columns = {}
    for name in names:
        kind = draw(st.sampled_from(["text", "int", "float", "bool", "list"]))
        if kind == "text":
            columns[name] = pa.array(draw(st.lists(st.sampled_from(CELLS) | st.none(),
                                                   min_size=n, max_size=n)), pa.string())
        elif kind == "int":
            columns[name] = pa.array(draw(st.lists(st.integers(-2**40, 2**40), min_size=n,
                                                   max_size=n)), pa.int64())
        elif kind == "float":
            columns[name] = pa.array(draw(st.lists(st.floats(allow_nan=True), min_size=n,
                                                   max_size=n)), pa.float64())
        elif kind == "bool":
            columns[name] = pa.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        else:
            columns[name] = pa.array([["focal"]] * n)
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    data = out.getvalue()
    if draw(st.booleans()):  # damage it
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at + draw(st.integers(0, 8)):]
    return data, "c.parquet"


TABLES = st.one_of(text_tables(), text_tables(), text_tables(), parquet_tables(),
                   st.tuples(st.binary(max_size=300), st.sampled_from(NAMES)))


def _read_and_check(kb, data: bytes, name: str, chunksize: int) -> None:
    """What the screen does with a table before the rules: read, check columns, check
    every chunk. Accounting: every row is usable or has its reason."""
    if name.endswith(".gz"):
        data = gzip.compress(data)
    try:
        keys = None
        for chunk in read_chunks(data, name, chunksize):
            if keys is None:
                keys = check_columns(kb, list(chunk.columns))
            checked = check_table(kb, chunk)
            errors = checked.error_table()
            assert len(checked.ids) == len(chunk)
            assert errors["value"].map(lambda v: v is None or len(str(v)) <= 80).all()
            unusable = chunk[ROW_ERROR].notna().to_numpy()
            bad_rows = set(errors["row"].astype(int) - 1)
            assert set(pd.Series(range(len(chunk)))[unusable]) <= bad_rows
    except InputError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 1500


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(table=TABLES, chunksize=st.sampled_from([3, 1000]))
def test_reader_fuzz_never_crashes(kb, table, chunksize):
    _read_and_check(kb, *table, chunksize)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(table=TABLES)
def test_screen_fuzz_exits_0_or_2(kb, monkeypatch, tmp_path_factory, capsys, table):
    monkeypatch.setattr(advisor.knowledge, "load_knowledgebase", lambda path=None: kb)
    data, name = table
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    code = main(["screen", str(path), "--out", str(folder / "r.csv"), "--errors",
                 str(folder / "e.csv")])
    out, err = capsys.readouterr()
    event(f"exit {code}")
    assert code in (0, 2), err[:500]
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
        assert not (folder / "r.csv").exists() and not (folder / "e.csv").exists()
    else:
        summary = out.splitlines()[0]
        n_in = int(summary.split()[1])
        processed = int(summary.split(", ")[1].split()[0])
        errored = int(summary.split(", ")[2].split()[0])
        assert n_in == processed + errored
        results = pd.read_csv(folder / "r.csv", dtype=str, keep_default_na=False)
        assert (results["record"] == "phenotypes").sum() == processed
    assert not [p for p in folder.iterdir() if ".partial" in p.name]
