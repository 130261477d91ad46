"""The Dask engine: partitions read and deduplicated on workers, then judged once.

Install with ``pip install .[dask]``. Without ``--scheduler`` a LocalCluster on this
machine is used (``--workers`` processes, closed before judging); with it, an existing
cluster (whose workers must see the cohort's path). Each worker reads its parts of the file
with the pandas engine's tolerant reader (:mod:`advisor.inputs.table_parts`: a bad row costs
only its row) and reduces them to their distinct rows; here repeated ``sample_id`` values
are found across the whole cohort, the distinct rows are deduplicated across the cohort and
screened once with the pandas engine's chunk function, and the results are mapped back to
every part's rows. Results and errors equal the pandas engine's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.cohort import (
    Screened,
    Summary,
    iter_cohort,
    numbered,
    resolve_drugs,
    row_ids,
    screen,
    screen_parts,
    spread_errors,
    write_results,
)
from advisor.cohort_store import Added, Combined
from advisor.combinations import row_groups
from advisor.errors import InputError
from advisor.frame import sorted_errors
from advisor.inputs import CHUNK_ROWS
from advisor.inputs.cohort import ID_COLUMN, check_columns
from advisor.inputs.sources import source_kind
from advisor.inputs.table_parts import TablePart, read_part, table_parts
from advisor.inputs.tables import RowChecker, read_chunks, table_kind
from advisor.inputs.text_tables import ROW_ERROR
from advisor.knowledge import KnowledgeBase

Found = tuple[np.ndarray | None, np.ndarray, pd.DataFrame]


def _distinct(part: pd.DataFrame) -> Found:
    """On a worker: a partition's sample ids, each row's code among its distinct rows
    (sample id aside), and those distinct rows."""
    part = part.reset_index(drop=True)
    cols = [c for c in part.columns if c != ID_COLUMN]
    codes, first = row_groups([part[c].to_numpy(dtype=object) for c in cols])
    ids = part[ID_COLUMN].to_numpy(dtype=object) if ID_COLUMN in part else None
    return ids, codes, part[cols].iloc[first].reset_index(drop=True)


def _read_distinct(part: TablePart) -> Found | InputError:
    """On a worker: one part of a table file, read and reduced to its distinct rows; an
    input error is returned, not raised (the worker would log it with a traceback)."""
    try:
        return _distinct(read_part(part))
    except InputError as exc:
        return exc


def _problems(rows: pd.DataFrame, codes: np.ndarray) -> np.ndarray:
    """Each row's reader error, or None (rows called from a genotype file have none)."""
    if ROW_ERROR not in rows:
        return np.full(len(codes), None, dtype=object)
    return rows[ROW_ERROR].to_numpy(dtype=object)[codes]


def _repeated_ids(found: list[Found]) -> list[Found]:
    """Each part of a table with its rows that repeat an earlier ``sample_id`` (anywhere
    in the cohort) made rows that cannot be used, as the pandas engine's reader makes them.
    Rows called from a genotype file are left as they are, as the pandas engine leaves
    them."""
    checker = RowChecker()
    out = []
    for ids, part_codes, part_rows in found:
        codes, rows = part_codes, part_rows
        if ids is None or ROW_ERROR not in rows:
            out.append((ids, codes, rows))
            continue
        problems = _problems(rows, codes)
        checked = checker.check(pd.DataFrame({ID_COLUMN: ids, ROW_ERROR: problems},
                                             dtype=object))[ROW_ERROR].to_numpy(dtype=object)
        repeated = np.flatnonzero(pd.notna(checked) & pd.isna(problems))
        if len(repeated):
            extra = pd.DataFrame({c: np.full(len(repeated), None, dtype=object)
                                  for c in rows.columns})
            extra[ROW_ERROR] = checked[repeated]
            codes = codes.copy()
            codes[repeated] = len(rows) + np.arange(len(repeated))
            # distinct rows in order of first appearance again, none left unused
            order = pd.unique(codes)  # in order of first appearance
            renumber = np.empty(len(rows) + len(repeated), dtype=np.int64)
            renumber[order] = np.arange(len(order))
            rows = pd.concat([rows, extra], ignore_index=True).iloc[order].reset_index(
                drop=True)
            codes = renumber[codes]
        out.append((ids, codes, rows))
    return out


def _judge_distinct(kb: KnowledgeBase, rows: pd.DataFrame, chunksize: int,
                    drugs: list[str] | None, keys: list[str], combined: Combined
                    ) -> tuple[np.ndarray, pd.DataFrame, list[Added]]:
    """Screen the cohort's distinct rows (the pandas engine's chunks, here): each row's
    combination (-1: an error), the errors by row (numbered from 1), what was added."""
    table = rows.assign(**{ID_COLUMN: np.arange(1, len(rows) + 1).astype(str)})
    chunks = [table.iloc[i:i + chunksize] for i in range(0, len(table), chunksize)]
    combination = np.full(len(rows), -1, dtype=np.int64)
    errors, added = [], []
    parts = screen_parts(kb, chunks, drugs=drugs, judged=combined.judged)
    for item in numbered(parts, combined):
        positions = item.added.sample_ids.astype(np.int64) - 1
        combination[positions] = item.added.combination
        errors.append(item.errors)
        added.append(item.added)
    return combination, sorted_errors(errors), added


def _samples(ids: np.ndarray | None, problems: np.ndarray, codes: np.ndarray, start: int,
             combination: np.ndarray, errors: pd.DataFrame
             ) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """A partition's processed samples, their combinations, and its errors (rows numbered
    after ``start`` rows), from the results of the cohort's distinct rows (``codes``: each
    row's distinct row; ``problems``: each row's reader error or None)."""
    frame = pd.DataFrame({ID_COLUMN: ids, ROW_ERROR: problems} if ids is not None
                         else {"_": codes})
    sample_ids, blank, own = row_ids(frame, start)
    cells = ids if ids is not None else sample_ids
    comb = combination[codes]
    comb[blank] = -1
    found = [*own, spread_errors(errors, codes, cells, start)] if len(errors) else own
    good = np.flatnonzero(comb >= 0)
    return sample_ids[good], comb[good], sorted_errors(found)


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


def _part_bytes(path: Path, chunksize: int) -> int:
    """Bytes per part for about ``chunksize`` rows (estimated from the first lines)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    per_row = len(head) / max(1, head.count(b"\n"))
    return max(1 << 16, int(per_row * chunksize))


def screen_dask(kb: KnowledgeBase, cohort: Path, out: Path, errors_out: Path, *,
                chunksize: int = CHUNK_ROWS, drugs: list[str] | None = None,
                scheduler: str | None = None, workers: int | None = None,
                long: bool = False) -> Summary:
    """Screen with Dask: each partition is screened (and its combinations deduplicated) on a
    worker, then combinations are numbered for the whole cohort here, in partition order;
    same outputs as :func:`advisor.cohort.screen`. The input is read once."""
    try:
        import dask
    except ImportError:
        raise InputError("--engine", "dask", "Dask is not installed: pip install '.[dask]'"
                         ) from None
    drugs = resolve_drugs(kb, drugs)
    kind = source_kind(cohort)
    kind = table_kind(cohort) if kind == "table" else kind  # csv, tsv or parquet
    if kind in ("csv", "tsv", "parquet"):
        first = next(read_chunks(cohort, str(cohort), 1), None)  # the header checked here
        if first is None:  # no rows: nothing to spread over workers
            return screen(kb, cohort, out, errors_out, chunksize=chunksize, drugs=drugs,
                          long=long)
        columns = [c for c in first.columns if c != ROW_ERROR]
        jobs = [dask.delayed(_read_distinct)(part)
                for part in table_parts(cohort, _part_bytes(cohort, chunksize))]
    else:  # genotype files: rows called here first
        table = pd.concat(iter_cohort(kb, cohort, chunksize), ignore_index=True)
        columns = list(table.columns)
        jobs = [dask.delayed(_distinct)(table.iloc[i:i + chunksize])
                for i in range(0, len(table), chunksize)]
    keys = check_columns(kb, columns)
    with _client(scheduler, workers) as client:
        futures = client.compute(jobs)
        found = []
        for future in futures:
            result = future.result()
            future.release()
            if isinstance(result, InputError):
                raise result
            found.append(result)
    found = _repeated_ids(found)
    # the cohort's distinct rows, in order of first appearance, judged as the pandas engine
    # judges its chunks; then mapped back to every partition's rows
    table = pd.concat([rows for _, _, rows in found], ignore_index=True)
    codes, first = row_groups([table[c].to_numpy(dtype=object) for c in table.columns])
    combined = Combined()
    combination, errors, added = _judge_distinct(kb, table.iloc[first].reset_index(drop=True),
                                                 chunksize, drugs, keys, combined)
    new_flags = pd.concat([a.flags for a in added], ignore_index=True)
    new_messages = pd.concat([a.messages for a in added], ignore_index=True)

    def items() -> Iterator[Screened]:
        start, offset = 0, 0
        for i, (ids, local, rows) in enumerate(found):
            of_row = codes[offset:offset + len(rows)][local]
            sample_ids, comb, part_errors = _samples(ids, _problems(rows, local), of_row,
                                                     start, combination, errors)
            flags, messages = (new_flags, new_messages) if i == 0 else (
                new_flags.iloc[:0], new_messages.iloc[:0])
            yield Screened(Added(sample_ids, comb, added[0].phenotypes.iloc[:0], flags,
                                 messages), part_errors, len(local), keys)
            start, offset = start + len(local), offset + len(rows)

    return write_results(kb, items(), combined, out, errors_out, long=long)
