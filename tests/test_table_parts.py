"""A table cut into parts (the Dask engine's input) reads as the whole table does: the same
cells, the same unusable rows with the same reasons, the same row numbers, and repeated
ids found across parts, wherever the cuts fall."""

from __future__ import annotations

import gzip

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from advisor.inputs.table_parts import read_part, table_parts
from advisor.inputs.tables import RowChecker, read_chunks
from tests.cohort_builder import synthetic_cohort
from tests.test_cohort_dask import with_unreadable_rows


def _whole(path) -> pd.DataFrame:
    return pd.concat(read_chunks(path, str(path), 10**6), ignore_index=True)


def _by_parts(path, part_bytes: int) -> tuple[pd.DataFrame, int]:
    checker = RowChecker()  # as the Dask engine checks ids: over the parts, in order
    parts = table_parts(path, part_bytes)
    frames = [checker.check(read_part(part)) for part in parts]
    return pd.concat([f for f in frames if len(f)], ignore_index=True), len(parts)


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("part_bytes", [1, 333, 4096, 10**8])
def test_parts_read_as_the_whole_table(tmp_path, part_bytes, crlf):
    table, _ = synthetic_cohort(400, seed=3, malformed=0.02)
    path = tmp_path / "cohort.csv"
    unreadable = with_unreadable_rows(table, path)
    if crlf:
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    whole = _whole(path)
    parts, count = _by_parts(path, part_bytes)
    pd.testing.assert_frame_equal(parts, whole)
    problems = whole["__row_error__"]
    assert len(whole) == 400 and problems.iloc[[k - 1 for k in unreadable]].notna().all()
    assert "duplicate sample_id (first at row 1)" in problems.iloc[397][2]  # data row 398
    assert (count == 1) == (part_bytes == 10**8)


def test_tsv_gzip_and_parquet_parts(tmp_path):
    table, _ = synthetic_cohort(300, seed=4, malformed=0.02)
    tsv = tmp_path / "cohort.tsv"
    tsv.write_text(table.to_csv(sep="\t", index=False))
    packed = tmp_path / "cohort.tsv.gz"
    packed.write_bytes(gzip.compress(tsv.read_bytes()))
    parquet = tmp_path / "cohort.parquet"
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), parquet,
                   row_group_size=64)
    for path, expected_parts in ((tsv, None), (packed, 1), (parquet, 5)):
        parts, count = _by_parts(path, 500)
        pd.testing.assert_frame_equal(parts, _whole(path))
        assert count == expected_parts if expected_parts else count > 10


def test_a_header_only_file_has_one_empty_part(tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_text("sample_id,CYP2C9\n")
    parts = table_parts(path, 10)
    assert len(parts) <= 1 and all(len(read_part(p)) == 0 for p in parts)
