"""One reader for every tabular input: CSV, TSV (also ``.txt``) and Parquet, from a file or
from uploaded bytes.

Every cell comes back as text (``object`` dtype) with ``None`` for an empty cell, so that one
set of column checks (:mod:`advisor.inputs.cohort`) serves every source. Large files are
read in chunks of bounded size.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from advisor.errors import InputError

SEPARATORS = {"csv": ",", "tsv": "\t"}
KINDS = "expected .csv, .tsv, .txt, .parquet, .vcf or .vcf.gz"


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


def csv_options(kind: str) -> dict[str, Any]:
    """``pandas.read_csv`` options for a text table: every cell text, empty = missing."""
    return {"sep": SEPARATORS[kind], "dtype": object, "keep_default_na": False,
            "na_values": [""], "skipinitialspace": True}


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype(object)
    return frame.where(frame.notna(), None)


def read_chunks(source: Path | bytes, name: str, chunksize: int) -> Iterator[pd.DataFrame]:
    """Chunks of a table given as a path or as uploaded bytes (``name`` gives its type)."""
    kind = table_kind(name)
    if kind == "vcf":
        raise InputError("cohort", name, "a VCF is not a table")
    if isinstance(source, Path) and not source.is_file():
        raise InputError("cohort", str(source), "file not found")
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(handle)
        except Exception as exc:  # any pyarrow failure means the input is unreadable
            raise InputError("cohort", name, f"not a readable Parquet file ({exc})") from None
        for batch in parquet.iter_batches(batch_size=chunksize):
            yield _as_text(batch.to_pandas())
        return
    try:
        yield from pd.read_csv(handle, chunksize=chunksize, **csv_options(kind))
    except UnicodeDecodeError:
        raise InputError("cohort", name, "not UTF-8 text") from None
    except pd.errors.EmptyDataError:
        raise InputError("cohort", name, "the file is empty") from None
    except pd.errors.ParserError as exc:
        raise InputError("cohort", name, f"malformed table: {exc}".splitlines()[0]) from None


def read_table(source: Path | bytes, name: str) -> pd.DataFrame:
    """A whole table (see :func:`read_chunks`)."""
    chunks = list(read_chunks(source, name, 100_000))
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
