"""The Dask engine: the same chunk function as the pandas engine, mapped over partitions.

Install with ``pip install .[dask]``. Without ``--scheduler`` a LocalCluster on this
machine is used; with it, an existing cluster. Results equal the pandas engine's.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.cohort import (
    FLAG_OUT,
    ResultWriter,
    Summary,
    iter_cohort,
    resolve_drugs,
    screen_chunk,
    star_keys,
)
from advisor.errors import InputError
from advisor.inputs.cohort import ERROR_COLUMNS, check_columns
from advisor.inputs.sources import source_kind
from advisor.inputs.tables import csv_options, table_kind
from advisor.knowledge import KnowledgeBase, load_knowledgebase
from advisor.outputs import atomic_outputs


@lru_cache(maxsize=4)
def _worker_kb(path: str) -> KnowledgeBase:
    """Each worker loads (and validates) the knowledge base once."""
    return load_knowledgebase(path)


def _partition(part: pd.DataFrame, offsets: list[int], kb_path: str, drugs: list[str] | None,
               keys: list[str], partition_info: dict | None = None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info else 0
    results, errors = screen_chunk(_worker_kb(kb_path), part, offsets[number], drugs, keys)
    return pd.concat([results.assign(_kind="result"),
                      errors.astype({"row": "Int64"}).assign(_kind="error")],
                     ignore_index=True)


def _blocksize(path: Path, chunksize: int) -> int:
    """Bytes per partition for about ``chunksize`` rows (estimated from the first lines)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    per_row = len(head) / max(1, head.count(b"\n"))
    return max(1 << 18, int(per_row * chunksize))


def screen_dask(kb: KnowledgeBase, cohort: Path, out: Path, errors_out: Path, *,
                chunksize: int = 100_000, drugs: list[str] | None = None,
                scheduler: str | None = None) -> Summary:
    """Screen with Dask ``map_partitions``; same outputs as :func:`advisor.cohort.screen`."""
    try:
        import dask.dataframe as dd
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--engine", "dask", "Dask is not installed: pip install '.[dask]'"
                         ) from None
    start = time.perf_counter()
    drugs = resolve_drugs(kb, drugs)
    kind = source_kind(cohort)
    kind = table_kind(cohort) if kind == "table" else kind  # csv, tsv or parquet
    if kind not in ("csv", "tsv", "parquet"):  # genotype files: rows called here first
        table = pd.concat(iter_cohort(kb, cohort, chunksize), ignore_index=True)
        ddf = dd.from_pandas(table, chunksize=chunksize, sort=False)
    elif kind == "parquet":
        ddf = dd.read_parquet(cohort).astype(object)
    else:
        if not cohort.is_file():
            raise InputError("cohort", str(cohort), "file not found")
        ddf = dd.read_csv(cohort, **csv_options(kind),
                          blocksize=None if cohort.suffix == ".gz" else _blocksize(
                              cohort, chunksize))
    keys = check_columns(kb, list(ddf.columns))
    cluster = None if scheduler else LocalCluster(processes=True, dashboard_address=None)
    with Client(scheduler or cluster) as client, atomic_outputs(out, errors_out) as temps:
        lengths = ddf.map_partitions(len).compute()
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int).tolist()
        sample = screen_chunk(kb, ddf.partitions[0].head(1), 0, drugs, keys)
        meta = pd.concat([sample[0].iloc[:0].assign(_kind=pd.Series(dtype="string")),
                          sample[1].iloc[:0].astype({"row": "Int64"})], ignore_index=True)
        parts = ddf.map_partitions(_partition, offsets, str(kb.path), drugs, keys,
                                   meta=meta, align_dataframes=False)
        results_w, errors_w = ResultWriter(temps[0]), ResultWriter(temps[1])
        summary = Summary(phenotype_keys=star_keys(kb))
        futures = client.compute(parts.to_delayed())
        for n, future in zip(lengths, futures, strict=True):
            combined = future.result()
            results = combined.loc[combined["_kind"] == "result", list(sample[0].columns)]
            errors = combined.loc[combined["_kind"] == "error", ERROR_COLUMNS].astype(
                {"row": np.int64})
            summary.add(int(n), results, errors)
            results_w.write(results.reset_index(drop=True))
            errors_w.write(errors.reset_index(drop=True))
        results_w.close(pd.DataFrame(columns=["sample_id", "record", *FLAG_OUT]))
        errors_w.close(pd.DataFrame(columns=ERROR_COLUMNS))
    if cluster is not None:
        cluster.close()
    summary.seconds = time.perf_counter() - start
    return summary
