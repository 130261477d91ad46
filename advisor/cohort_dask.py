"""The Dask engine: the same chunk function as the pandas engine, run on each partition.

Install with ``pip install .[dask]``. Without ``--scheduler`` a LocalCluster on this
machine is used (``--workers`` processes, closed at the end); with it, an existing
cluster. Each partition's combinations are deduplicated on its worker, then across the
cohort here; results equal the pandas engine's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from advisor.cohort import (
    Part,
    Summary,
    iter_cohort,
    resolve_drugs,
    screen_chunk,
    write_results,
)
from advisor.errors import InputError
from advisor.inputs.cohort import check_columns
from advisor.inputs.sources import source_kind
from advisor.inputs.tables import csv_options, table_kind
from advisor.knowledge import KnowledgeBase


def _screen_partition(part: pd.DataFrame, kb: KnowledgeBase, drugs: list[str] | None,
                      keys: list[str]) -> Part:
    """One partition screened on a worker (rows numbered from 1; renumbered when
    collected)."""
    return screen_chunk(kb, part, 0, drugs, keys)


@contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A client of the given scheduler, or of a local cluster closed (with its worker
    processes) on leaving."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _blocksize(path: Path, chunksize: int) -> int:
    """Bytes per partition for about ``chunksize`` rows (estimated from the first lines)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    per_row = len(head) / max(1, head.count(b"\n"))
    return max(1 << 18, int(per_row * chunksize))


def screen_dask(kb: KnowledgeBase, cohort: Path, out: Path, errors_out: Path, *,
                chunksize: int = 100_000, drugs: list[str] | None = None,
                scheduler: str | None = None, workers: int | None = None,
                long: bool = False) -> Summary:
    """Screen with Dask: each partition is screened (and its combinations deduplicated) on a
    worker, then combinations are numbered for the whole cohort here, in partition order;
    same outputs as :func:`advisor.cohort.screen`. The input is read once."""
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:
        raise InputError("--engine", "dask", "Dask is not installed: pip install '.[dask]'"
                         ) from None
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
    with _client(scheduler, workers) as client:
        shared = client.scatter(kb, broadcast=True)  # sent once; unpickling beats loading
        futures = client.compute([dask.delayed(_screen_partition)(part, shared, drugs, keys)
                                  for part in ddf.to_delayed()])

        def parts() -> Iterator[tuple[Part, list[str]]]:
            for future in futures:
                part = future.result()
                future.release()
                yield part, keys

        return write_results(kb, parts(), out, errors_out, long=long)
