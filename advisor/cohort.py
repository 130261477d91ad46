"""Cohort screening: who carries an actionable result for which ASM.

A cohort table (CSV, TSV or Parquet; one row per sample) is read in bounded chunks. Each
chunk is reduced to its distinct rows, which are validated column-wise (bad rows go to the
errors table); the valid rows are grouped into combinations of judged values
(:mod:`advisor.combinations`), and each combination not judged in an earlier chunk runs
through the same translation and rules code as a consult (:func:`screen_chunk`). Results
are mapped back to the samples and written as the result store or the long table
(:mod:`advisor.cohort_store`). The Dask engine (:mod:`advisor.cohort_dask`) reads and
deduplicates on workers, then judges the same way.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.cohort_store import Added, Combined, StoreWriter
from advisor.combinations import (
    Combinations,
    codable,
    combine,
    key_columns,
    row_groups,
    sorted_matches,
    take,
)
from advisor.errors import InputError
from advisor.frame import PatientFrame, frame_from_checked, sorted_errors, with_other_drugs
from advisor.genotype import column, kind_of
from advisor.inputs import CHUNK_ROWS
from advisor.inputs.cohort import (
    ERROR_COLUMNS,
    ID_COLUMN,
    MESSAGE_CHARS,
    bounded,
    check_columns,
    check_table,
    reader_errors,
)
from advisor.inputs.sources import cohort_rows, source_kind
from advisor.inputs.tables import read_chunks
from advisor.inputs.text_tables import ROW_ERROR, text_cells, text_frame
from advisor.knowledge import KnowledgeBase
from advisor.outputs import Interrupted, atomic_outputs, csv_safe
from advisor.prefetch import prefetched
from advisor.rules import evaluate
from advisor.seen_rows import SeenRows

FLAG_OUT = ["drug", "category", "action", "severity", "gene", "message", "rule", "evidence",
            "evidence_level"]


@dataclass
class Part:
    """One chunk screened: its processed samples by combination (numbered within the chunk),
    each combination's key, phenotypes and flags, and the chunk's errors."""

    n_input: int
    start_row: int  # rows before this chunk, as the chunk was numbered
    sample_ids: np.ndarray  # processed samples, in input order
    combination: np.ndarray  # each processed sample's combination
    combinations: Combinations  # the chunk's distinct judged values (equal: equal results)
    todo: np.ndarray  # the combinations judged here (not judged in an earlier chunk)
    phenotypes: pd.DataFrame  # per combination of todo: '<key>.genotype|phenotype|...'
    genotype_errors: pd.DataFrame  # of todo: 'combination', 'field', 'value', 'error'
    flags: pd.DataFrame  # 'combination' and FLAG_OUT, ordered by combination
    errors: pd.DataFrame  # ERROR_COLUMNS, rows numbered from the chunk's first row
    # with seen rows: each processed sample's cohort-wide combination when its row was
    # screened before (-1: numbered by ``combination``), and the rows checked here, as keys
    # with their combination (-1: an error)
    known: np.ndarray | None = None
    checked_keys: list[bytes] | None = None
    checked_combination: np.ndarray | None = None


def judge(kb: KnowledgeBase, frame: PatientFrame, drugs: list[str] | None) -> pd.DataFrame:
    """The flags of a frame the screen reports: for the judged drugs (``drugs``, or each
    row's candidates and current medications) and any other ASM a row must avoid."""
    if drugs is not None:
        return evaluate(kb, frame)
    return evaluate(kb, frame, avoid_only=with_other_drugs(kb, frame))


def _members(codes: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (position, index into ``wanted``) with ``codes[position] == wanted[index]``."""
    order = np.argsort(codes, kind="stable")
    where, which = sorted_matches(codes[order], wanted)
    return order[where], which


def row_ids(chunk: pd.DataFrame, start_row: int) -> tuple[np.ndarray, np.ndarray,
                                                       list[pd.DataFrame]]:
    """Each row's sample id (its row number when the table has no id column), which rows
    lack one, and their errors."""
    rows = np.arange(start_row + 1, start_row + 1 + len(chunk))
    if ID_COLUMN not in chunk:
        return rows.astype(str).astype(object), np.zeros(len(chunk), dtype=bool), []
    cells = chunk[ID_COLUMN].astype(object)
    ids, blank = _ids_blank(cells.to_numpy(dtype=object))
    # a row the reader could not use has its own error (check_table reports it)
    report = blank & ~(chunk[ROW_ERROR].notna().to_numpy(dtype=bool) if ROW_ERROR in chunk
                       else np.zeros(len(chunk), dtype=bool))
    if not report.any():
        return ids, blank, []
    return ids, blank, [pd.DataFrame({"row": rows[report],
                                      "sample_id": cells.to_numpy()[report],
                                      "field": ID_COLUMN, "value": "",
                                      "error": "missing sample_id"})]


# what str.strip() removes: every code point whose str.isspace() is true
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004" \
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _ids_blank(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The id cells as text ('' where missing) and where they are missing or blank after
    ``str.strip()``; pyarrow kernels when every cell is text (the reader's), else per cell."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(cells, type=pa.string(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):  # not all text: as str() has them
        series = pd.Series(cells, dtype=object)
        blank = (series.isna() | (series.astype(str).str.strip() == "")).to_numpy(dtype=bool)
        return series.where(~series.isna(), "").astype(str).to_numpy(dtype=object), blank
    missing = text.is_null().to_numpy(zero_copy_only=False)
    blank = pc.fill_null(pc.equal(pc.utf8_trim(text, WHITESPACE), ""), True).to_numpy(
        zero_copy_only=False)
    ids = cells.copy()
    ids[missing] = ""
    return ids, blank


def spread_errors(errors: pd.DataFrame, codes: np.ndarray, cells: np.ndarray, start_row: int
            ) -> pd.DataFrame:
    """Errors of distinct rows (``row`` numbered from 1 among them) as errors of every row
    with that code."""
    where, which = _members(codes, errors["row"].to_numpy(dtype=np.int64) - 1)
    return pd.DataFrame({"row": where + start_row + 1, "sample_id": cells[where],
                         **{c: errors[c].to_numpy(dtype=object)[which]
                            for c in ("field", "value", "error")}})


# which of a chunk's combinations were judged before, and the genotype errors of those
# ('combination': position in the chunk, 'field', 'value', 'error')
Judged = Callable[[Combinations], tuple[np.ndarray, pd.DataFrame]]
GENOTYPE_ERRORS = ["combination", "field", "value", "error"]


def screen_chunk(kb: KnowledgeBase, chunk: pd.DataFrame, start_row: int,
                 drugs: list[str] | None, genotype_keys: list[str],
                 judged: Judged | None = None, seen: SeenRows | None = None) -> Part:
    """Screen one chunk: validate each distinct row once, judge each distinct combination of
    judged values once (the same translation and rules as a consult), and map the results
    back to the rows. ``judged`` tells which combinations were judged before (they are
    neither translated nor judged again: their flags are not repeated, and their genotype
    errors are the ones it gives); ``seen``: rows screened without error before, which are
    mapped to their combination without being checked again. Row numbers are 1-based data
    rows."""
    chunk = chunk.reset_index(drop=True)
    ids, blank, errors = row_ids(chunk, start_row)
    cells = chunk[ID_COLUMN].to_numpy(dtype=object) if ID_COLUMN in chunk else ids
    unusable = _unusable(chunk, cells, start_row, errors)
    judged_columns = [c for c in chunk.columns if c != ID_COLUMN]
    # (the reader's reasons are reported above: as a column, only whether a row has one)
    coded = {c: unusable if c == ROW_ERROR else codable(chunk[c]) for c in judged_columns}
    raw, first = row_groups(list(coded.values()))
    keys, known = _seen_before(chunk, coded, first, seen)
    fresh = np.flatnonzero((known < 0) & ~unusable[first])  # the distinct rows checked here
    distinct = text_frame({c: text_cells(chunk[c].array[first[fresh]]) for c in judged_columns})
    checked = check_table(kb, distinct)
    of_fresh = np.full(len(first), -1, dtype=np.int64)
    of_fresh[fresh] = np.arange(len(fresh))
    raw_fresh = of_fresh[raw]  # each row's position among the checked (-1: not checked)
    bad = np.zeros(len(distinct), dtype=bool)
    for err in checked.errors:
        errors.append(spread_errors(err, raw_fresh, cells, start_row))
        bad[err["row"].to_numpy(dtype=np.int64) - 1] = True
    combos = combine(key_columns(kb, distinct, checked), np.flatnonzero(~bad))
    if judged is None:
        todo, before = np.arange(len(combos.first)), pd.DataFrame(columns=GENOTYPE_ERRORS)
    else:
        found_before, before = judged(combos)
        todo = np.flatnonzero(~found_before)
    frame = frame_from_checked(kb, take(checked, combos.first[todo]),
                               judge_all="seizure_types" not in chunk, restrict_to=drugs)
    of_distinct = np.full(len(distinct) + 1, -1, dtype=np.int64)  # the last: seen rows'
    of_distinct[combos.first] = np.arange(len(combos.first))
    of_distinct[np.flatnonzero(~bad)] = combos.codes
    found = frame.genotype_errors
    found = pd.DataFrame({"combination": todo[found["row"].to_numpy(dtype=np.int64)],
                          **{c: found[c].to_numpy(dtype=object)
                             for c in ("field", "value", "error")}})
    geno = pd.concat([before, found], ignore_index=True) if len(before) else found
    if len(geno):  # a genotype error is shared by every sample of its combination
        row_combo = of_distinct[raw_fresh]
        where, which = _members(row_combo, geno["combination"].to_numpy(dtype=np.int64))
        errors.append(pd.DataFrame({
            "row": where + start_row + 1, "sample_id": bounded(cells[where]),
            "field": geno["field"].to_numpy(dtype=object)[which],
            "value": bounded(geno["value"].to_numpy(dtype=object)[which]),
            "error": bounded(geno["error"].to_numpy(dtype=object)[which], MESSAGE_CHARS)}))
        failed = np.zeros(len(combos.first) + 1, dtype=bool)  # the last: rows with none
        failed[geno["combination"].to_numpy(dtype=np.int64)] = True
        of_distinct[failed[of_distinct]] = -1
    row_combo = of_distinct[raw_fresh]
    row_known = known[raw]
    row_combo[blank] = -1
    row_known[blank] = -1
    flags = judge(kb, frame, drugs)
    flag_table = pd.DataFrame({"combination": todo[flags["row"].to_numpy(dtype=np.int64)],
                               **{name: pd.Series(flags[name].array) for name in FLAG_OUT}})
    good = np.flatnonzero((row_combo >= 0) | (row_known >= 0))
    return Part(n_input=len(chunk), start_row=start_row, sample_ids=ids[good],
                combination=row_combo[good], combinations=combos, todo=todo,
                phenotypes=_phenotypes(frame, genotype_keys), genotype_errors=found,
                flags=flag_table, errors=sorted_errors(errors),
                known=None if seen is None else row_known[good],
                checked_keys=None if keys is None else [keys[i] for i in fresh.tolist()],
                checked_combination=of_distinct[:-1])


def _unusable(chunk: pd.DataFrame, cells: np.ndarray, start_row: int,
              errors: list[pd.DataFrame]) -> np.ndarray:
    """The rows the reader could not use; their errors (each row's own reason: such rows
    are neither checked nor judged) are appended to ``errors``."""
    where, found = reader_errors(chunk)
    if len(where):
        errors.append(pd.DataFrame({"row": where + start_row + 1, "sample_id": cells[where],
                                    **found}))
    unusable = np.zeros(len(chunk), dtype=bool)
    unusable[where] = True
    return unusable


def _seen_before(chunk: pd.DataFrame, coded: dict[str, np.ndarray | pd.Categorical],
                 first: np.ndarray, seen: SeenRows | None
                 ) -> tuple[list[bytes] | None, np.ndarray]:
    """The distinct rows' keys (from the judged columns, as :func:`codable` gives them) and
    the cohort-wide combination of those screened without error before (-1: check it;
    always for a row the reader could not use)."""
    if seen is None or not seen.active:
        return None, np.full(len(first), -1, dtype=np.int64)
    keys = seen.keys({c: v[first] for c, v in coded.items() if c != ROW_ERROR}, len(first))
    known = seen.find(keys)
    if ROW_ERROR in chunk:
        known[chunk[ROW_ERROR].notna().to_numpy(dtype=bool)[first]] = -1
    return keys, known


def _phenotypes(frame: PatientFrame, keys: list[str]) -> pd.DataFrame:
    """Genotype, phenotype and activity score of each key, per row of the frame."""
    data: dict[str, pd.Series] = {}
    for key in keys:
        for field_name, out_name in (("display", "genotype"), ("phenotype", "phenotype"),
                                     ("activity_score", "activity_score")):
            dtype = float if out_name == "activity_score" else object
            data[f"{key}.{out_name}"] = pd.Series(frame.calls[column(key, field_name)]
                                                  .to_numpy(dtype=dtype), dtype=dtype)
    return pd.DataFrame(data, index=pd.RangeIndex(len(frame)))


# --- the run: chunks in, results and errors out, summary ----------------------------------


@dataclass
class Summary:
    """Counts gathered while screening; printed and rendered at the end."""

    phenotype_keys: set[str] = field(default_factory=set)
    input_samples: int = 0
    processed: int = 0
    error_rows: int = 0
    phenotypes: dict[str, Counter[str]] = field(default_factory=dict)
    flags: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)  # about the input, shown first

    def text(self) -> str:
        lines = [f"note: {n}" for n in self.notices]
        lines += [f"samples: {self.input_samples} in, {self.processed} processed, "
                 f"{self.error_rows} with errors ({self.seconds:.1f} s)"]
        for key, counts in sorted(self.phenotypes.items()):
            parts = ", ".join(f"{k}: {v}" for k, v in counts.most_common())
            lines.append(f"  {key}: {parts}")
        if len(self.flags):
            lines.append("actionable flags (drug, category, action: samples):")
            for (drug, cat, action), n in sorted(self.flags.items()):
                lines.append(f"  {drug}, {cat}, {action}: {n}")
        else:
            lines.append("actionable flags: none")
        return "\n".join(lines)


def _arrow_type(series: pd.Series):
    import pyarrow as pa

    if isinstance(series.dtype, pd.CategoricalDtype):
        return pa.dictionary(pa.int32(), pa.string())
    if pd.api.types.is_float_dtype(series.dtype):
        return pa.float64()
    if pd.api.types.is_integer_dtype(series.dtype):
        return pa.int64()
    return pa.string()


def _arrow_array(series: pd.Series, arrow_type):
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        codes = series.cat.codes.to_numpy().astype(np.int32)
        return pa.DictionaryArray.from_arrays(
            pa.array(codes, type=pa.int32(), mask=codes < 0),
            pa.array(series.cat.categories.astype(str).to_numpy(dtype=object), pa.string()))
    if pa.types.is_string(arrow_type):
        return pa.array(series.to_numpy(dtype=object), type=arrow_type, from_pandas=True)
    return pa.array(series.to_numpy(), type=arrow_type, from_pandas=True)


class ResultWriter:
    """Appends chunks to a CSV or Parquet file (chosen by suffix) with a fixed schema."""

    def __init__(self, path: Path):
        self.path = path
        self.parquet = path.suffix.lower() in (".parquet", ".pq")
        self.columns: list[str] | None = None
        self._pq = None
        self._started = False
        if not self.parquet and path.suffix.lower() not in (".csv", ".tsv"):
            raise InputError("out", str(path), "output must end in .csv, .tsv or .parquet")

    def write(self, frame: pd.DataFrame) -> None:
        if self.columns is None:
            self.columns = list(frame.columns)
        frame = frame.reindex(columns=self.columns)
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self._pq is None:  # Parquet dictionaries for text columns only, no statistics
                schema = pa.schema([(c, _arrow_type(frame[c])) for c in self.columns])
                self._pq = pq.ParquetWriter(self.path, schema, use_dictionary=[
                    f.name for f in schema if pa.types.is_dictionary(f.type)],
                    write_statistics=False)
            arrays = [_arrow_array(frame[c], t) for c, t in
                      zip(self.columns, self._pq.schema.types, strict=True)]
            self._pq.write_table(pa.Table.from_arrays(arrays, schema=self._pq.schema))
        else:
            sep = "\t" if self.path.suffix.lower() == ".tsv" else ","
            csv_safe(frame).to_csv(self.path, mode="a" if self._started else "w", sep=sep,
                         header=not self._started, index=False)
            self._started = True

    def close(self, empty: pd.DataFrame) -> None:
        if self.columns is None:
            self.write(empty)
        if self._pq is not None:
            self._pq.close()


def screen_parts(kb: KnowledgeBase, chunks: Iterable[pd.DataFrame], *,
                 drugs: list[str] | None = None, judged: Judged | None = None,
                 seen: SeenRows | None = None) -> Iterator[tuple[Part, list[str]]]:
    """Each chunk screened (rows numbered across chunks), with the table's genotype keys;
    ``judged`` and ``seen``: see :func:`screen_chunk`."""
    drugs = resolve_drugs(kb, drugs)
    keys: list[str] | None = None
    start = 0
    for chunk in chunks:
        if keys is None:
            keys = check_columns(kb, list(chunk.columns))
        yield screen_chunk(kb, chunk, start, drugs, keys, judged, seen), keys
        start += len(chunk)
    if keys is None:
        raise InputError("cohort", "", "the cohort has no rows")


Sink = Callable[[Added, Combined, list[str]], None]


@dataclass
class Screened:
    """A chunk ready to write: its samples by cohort-wide combination, and its errors."""

    added: Added
    errors: pd.DataFrame
    n_input: int
    keys: list[str]


def numbered(parts: Iterable[tuple[Part, list[str]]], combined: Combined
             ) -> Iterator[Screened]:
    """Parts with combinations numbered for the whole cohort and rows numbered after the
    parts before them."""
    seen = 0
    for part, keys in parts:
        if seen != part.start_row and len(part.errors):
            part.errors["row"] += seen - part.start_row
        yield Screened(combined.add(part), part.errors, part.n_input, keys)
        seen += part.n_input


def collect(kb: KnowledgeBase, items: Iterable[Screened], combined: Combined,
            sinks: list[Sink], errors: Callable[[pd.DataFrame], None], *,
            progress: Callable[[int], None] | None = None) -> Summary:
    """Count each chunk, hand it to the sinks (store, long table) and its errors to
    ``errors``."""
    start = time.perf_counter()
    summary = Summary(phenotype_keys=star_keys(kb))
    for item in items:
        summary.input_samples += item.n_input
        summary.processed += len(item.added.sample_ids)
        summary.error_rows += item.errors["row"].nunique()
        combined.count(item.added, summary)
        for sink in sinks:
            sink(item.added, combined, item.keys)
        errors(item.errors)
        if progress:
            progress(summary.input_samples)
    summary.seconds = time.perf_counter() - start
    return summary


def screen_chunks(kb: KnowledgeBase, chunks: Iterable[pd.DataFrame],
                  emit: Callable[[pd.DataFrame, pd.DataFrame], None], *,
                  drugs: list[str] | None = None,
                  progress: Callable[[int], None] | None = None) -> Summary:
    """Screen chunks of a cohort table; hand each chunk's long results and errors to
    ``emit``."""
    pending: list[pd.DataFrame] = []

    def long(added: Added, combined: Combined, keys: list[str]) -> None:
        pending.append(combined.long(added, keys))

    def errors(table: pd.DataFrame) -> None:
        emit(pending.pop(), table)

    combined = Combined()
    parts = screen_parts(kb, chunks, drugs=drugs, judged=combined.judged,
                         seen=combined.seen_rows)
    return collect(kb, numbered(parts, combined), combined, [long], errors,
                   progress=progress)


def is_long(out: Path, long: bool) -> bool:
    """Whether ``out`` is the long table: asked for, or a file name of a table format."""
    return long or out.suffix.lower() in (".csv", ".tsv", ".parquet", ".pq")


def write_results(kb: KnowledgeBase, items: Iterable[Screened], combined: Combined,
                  out: Path, errors_out: Path, *, long: bool = False,
                  notices: list[str] | None = None,
                  progress: Callable[[int], None] | None = None) -> Summary:
    """Write screened chunks to the store folder ``out`` (or the long table ``out``) and
    the errors file."""
    notices = [] if notices is None else notices
    long = is_long(out, long)
    if not long and out.exists() and not out.is_dir():
        raise InputError("out", str(out), "the results store is a folder; give a folder "
                         "name, or --long for a single table file")
    with atomic_outputs(out, errors_out) as (out_temp, errors_temp):  # all or nothing
        errors_w = ResultWriter(errors_temp)
        if long:
            results_w = ResultWriter(out_temp)

            def sink(added: Added, combined: Combined, keys: list[str]) -> None:
                table = combined.long(added, keys)
                results_w.write(table.assign(note="; ".join(notices)) if notices else table)
        else:
            store = StoreWriter(out_temp)

            def sink(added: Added, combined: Combined, keys: list[str]) -> None:
                store.write(added, combined)

        try:
            summary = collect(kb, items, combined, [sink], errors_w.write, progress=progress)
        except BaseException:
            if not long:
                store.abort()  # its writes end before the temporary outputs are removed
            raise
        summary.notices = notices
        if long:
            results_w.close(pd.DataFrame(columns=["sample_id", "record", *FLAG_OUT]))
        else:
            store.close(kb, summary, len(combined.ids))
        errors_w.close(pd.DataFrame(columns=ERROR_COLUMNS))
    return summary


def screen(kb: KnowledgeBase, cohort: Path, out: Path, errors_out: Path, *,
           chunksize: int = CHUNK_ROWS, drugs: list[str] | None = None,
           progress: bool = False, fmt: str = "auto", long: bool = False) -> Summary:
    """Screen a cohort file with the pandas engine; write results (the store folder, or the
    long table) and errors, all or nothing; return counts. Notices about the input (a
    research-grade consumer file) head the summary, and are a ``note`` column of the long
    table. Interrupted, the exception carries the number of samples screened."""
    notices: list[str] = []
    done = [0]  # samples screened, for the message when interrupted

    def counted(n: int) -> None:
        done[0] = n
        bar(n)

    bar = _progress(progress)
    combined = Combined()
    # the next chunk is read (without the GIL) while this one is screened
    chunks = prefetched(iter_cohort(kb, cohort, chunksize, fmt, notices))
    parts = screen_parts(kb, chunks, drugs=drugs, judged=combined.judged,
                         seen=combined.seen_rows)
    try:
        return write_results(kb, numbered(parts, combined), combined, out, errors_out,
                             long=long, notices=notices, progress=counted)
    except Interrupted as stop:
        stop.done = done[0]
        raise
    finally:
        chunks.close()  # stops the reading thread when the run ends early
        bar(None)


def iter_cohort(kb: KnowledgeBase, path: Path, chunksize: int, fmt: str = "auto",
                notices: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """Chunks of cohort rows from a table, or genotype rows from a genotype file (a
    multi-sample VCF, a PharmCAT output, a consumer or array file: see
    :mod:`advisor.inputs.sources`). Notices the outputs must carry are appended to
    ``notices``."""
    kind = source_kind(path, fmt)
    if kind != "table":
        table, found = cohort_rows(kb, path, kind)
        if notices is not None:
            notices.extend(found)
        for start in range(0, len(table), chunksize):
            yield table.iloc[start:start + chunksize].astype("string")
        return
    yield from read_chunks(path, str(path), chunksize, categorical=True)


def star_keys(kb: KnowledgeBase) -> set[str]:
    """Input keys whose phenotype is a metabolizer term (star-allele genes)."""
    return {k for k, g in kb.input_keys.items() if kind_of(kb.genes[g]).metabolizer}


def resolve_drugs(kb: KnowledgeBase, drugs: list[str] | None) -> list[str] | None:
    if not drugs:
        return None
    out = []
    for name in drugs:
        canonical = kb.resolve_drug(name)
        if canonical not in kb.drugs:
            raise InputError("--drugs", name, "unknown antiseizure medication")
        out.append(canonical)
    return out


def _progress(enabled: bool):
    """A callback showing rows screened on a terminal (rich), or a no-op."""
    if not enabled:
        return lambda n: None
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    prog = Progress(SpinnerColumn(), TextColumn("screening: {task.completed:,} samples"),
                    TimeElapsedColumn(), transient=True)
    task = prog.add_task("screen", total=None)
    prog.start()

    def update(n: int | None) -> None:
        if n is None:
            prog.stop()
        else:
            prog.update(task, completed=n)

    return update
