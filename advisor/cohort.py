"""Cohort screening: who carries an actionable result for which ASM.

A cohort table (CSV, TSV or Parquet; one row per sample) is read in bounded chunks; each
chunk is validated column-wise, bad rows go to the errors table, and the good rows run
through the same translation and rules code as a consult (:func:`screen_chunk`). The
pandas engine loops over chunks in this process; the Dask engine maps the same function
over partitions (:mod:`advisor.cohort_dask`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.errors import InputError
from advisor.frame import PatientFrame, frame_from_table, with_candidates
from advisor.genotype import column, kind_of
from advisor.inputs.cohort import ERROR_COLUMNS, check_columns
from advisor.inputs.sources import cohort_rows, source_kind
from advisor.inputs.tables import read_chunks
from advisor.knowledge import KnowledgeBase
from advisor.outputs import Interrupted, atomic_outputs, csv_safe
from advisor.rules import evaluate

FLAG_OUT = ["drug", "category", "action", "severity", "gene", "message", "rule", "evidence",
            "evidence_level"]


def screen_chunk(kb: KnowledgeBase, chunk: pd.DataFrame, start_row: int,
                 drugs: list[str] | None, genotype_keys: list[str]) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    """Screen one chunk: (results, errors). Row numbers are 1-based data rows."""
    frame, errors = frame_from_table(kb, chunk, first_row=start_row + 1, restrict_to=drugs)
    bad = np.zeros(len(chunk), dtype=bool)
    bad[errors["row"].to_numpy(dtype=np.int64) - start_row - 1] = True
    if drugs is None:  # judged drugs, and whatever any other ASM must be avoided for
        flags = evaluate(kb, with_candidates(kb, frame, list(kb.drugs)))
        n = len(kb.drug_index) + 1
        pairs = pd.concat([frame.candidates, frame.current])
        judged = pairs["row"].to_numpy(dtype=np.int64) * n + kb.drug_index.get_indexer(
            pd.Index(pairs["drug"].to_numpy(dtype=object), dtype=object))
        pair = flags["row"].to_numpy(dtype=np.int64) * n + kb.drug_index.get_indexer(
            pd.Index(flags["drug"].to_numpy(dtype=object), dtype=object))  # none: not category
        flags = flags[np.isin(pair, judged) | (flags["action"] == "avoid").to_numpy()]
    else:
        flags = evaluate(kb, frame)
    flags = flags[~bad[flags["row"].to_numpy(dtype=np.int64)]]
    return _results(frame, flags, ~bad, genotype_keys), errors


def _results(frame: PatientFrame, flags: pd.DataFrame, good: np.ndarray,
             keys: list[str]) -> pd.DataFrame:
    """Long results: one 'phenotypes' row per processed sample, then one 'flag' row per flag.

    Repeated text columns are categorical: cheap to build, sort and write at cohort scale.
    """
    rows = np.flatnonzero(good)
    flag_rows = flags["row"].to_numpy(dtype=np.int64)
    n_p, n_f = len(rows), len(flag_rows)
    order = np.argsort(np.concatenate([rows * 2, flag_rows * 2 + 1]), kind="stable")
    ids = frame.ids.to_numpy(dtype=object)
    data: dict[str, object] = {
        "sample_id": pd.Series(np.concatenate([ids[rows], ids[flag_rows]])[order],
                               dtype=object),
        "record": pd.Categorical.from_codes(np.repeat([0, 1], [n_p, n_f])[order],
                                            ["phenotypes", "flag"])}
    for name in FLAG_OUT:
        cat = flags[name].astype("category").array
        codes = np.concatenate([np.full(n_p, -1), cat.codes])
        data[name] = pd.Categorical.from_codes(codes[order], cat.categories)
    for key in keys:
        for field_name, out_name in (("display", "genotype"), ("phenotype", "phenotype"),
                                     ("activity_score", "activity_score")):
            numeric = out_name == "activity_score"
            dtype = float if numeric else object
            values = frame.calls[column(key, field_name)].to_numpy(dtype=dtype)[rows]
            padded = np.concatenate([values, np.full(n_f, np.nan if numeric else None,
                                                     dtype=dtype)])
            data[f"{key}.{out_name}"] = padded[order] if numeric else _categorical(padded,
                                                                                     order)
    return pd.DataFrame(data)


def _categorical(values: np.ndarray, order: np.ndarray) -> pd.Categorical:
    codes, uniques = pd.factorize(values)
    return pd.Categorical.from_codes(codes[order], categories=pd.Index(uniques, dtype=object))


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

    def add(self, n_input: int, results: pd.DataFrame, errors: pd.DataFrame) -> None:
        self.input_samples += n_input
        pheno = results[results["record"] == "phenotypes"]
        self.processed += len(pheno)
        self.error_rows += errors["row"].nunique()
        for col in pheno.columns:
            if col.endswith(".phenotype"):
                key = col.removesuffix(".phenotype")
                # metabolizer terms for star-allele genes; the genotype or class otherwise
                label = col if key in self.phenotype_keys else f"{key}.genotype"
                self.phenotypes.setdefault(key, Counter()).update(
                    pheno[label].value_counts().to_dict())
        flags = results[(results["record"] == "flag") & (results["action"] != "info")]
        self.flags.update(flags.groupby(["drug", "category", "action"])["sample_id"]
                          .nunique().to_dict())

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

            if self._pq is None:
                self._pq = pq.ParquetWriter(self.path, pa.schema(
                    [(c, _arrow_type(frame[c])) for c in self.columns]))
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


def screen_chunks(kb: KnowledgeBase, chunks: Iterable[pd.DataFrame],
                  emit: Callable[[pd.DataFrame, pd.DataFrame], None], *,
                  drugs: list[str] | None = None,
                  progress: Callable[[int], None] | None = None) -> Summary:
    """Screen chunks of a cohort table; hand each chunk's (results, errors) to ``emit``."""
    start = time.perf_counter()
    drugs = resolve_drugs(kb, drugs)
    summary = Summary(phenotype_keys=star_keys(kb))
    keys: list[str] | None = None
    for chunk in chunks:
        if keys is None:
            keys = check_columns(kb, list(chunk.columns))
        results, errors = screen_chunk(kb, chunk, summary.input_samples, drugs, keys)
        summary.add(len(chunk), results, errors)
        emit(results, errors)
        if progress:
            progress(summary.input_samples)
    if keys is None:
        raise InputError("cohort", "", "the cohort has no rows")
    summary.seconds = time.perf_counter() - start
    return summary


def screen(kb: KnowledgeBase, cohort: Path, out: Path, errors_out: Path, *,
           chunksize: int = 100_000, drugs: list[str] | None = None,
           progress: bool = False, fmt: str = "auto") -> Summary:
    """Screen a cohort file with the pandas engine; write results and errors; return counts.
    Notices about the input (a research-grade consumer file) are a ``note`` column of every
    result row and head the summary."""
    notices: list[str] = []
    done = [0]  # samples screened, for the message when interrupted

    def counted(n: int) -> None:
        done[0] = n
        bar(n)

    bar = _progress(progress)
    with atomic_outputs(out, errors_out) as (out_temp, errors_temp):  # all or nothing
        results_w, errors_w = ResultWriter(out_temp), ResultWriter(errors_temp)

        def emit(results: pd.DataFrame, errors: pd.DataFrame) -> None:
            if notices:
                results = results.assign(note="; ".join(notices))
            results_w.write(results)
            errors_w.write(errors)

        try:
            summary = screen_chunks(kb, iter_cohort(kb, cohort, chunksize, fmt, notices),
                                    emit, drugs=drugs, progress=counted)
        except Interrupted as stop:
            stop.done = done[0]
            raise
        finally:
            bar(None)
        summary.notices = notices
        results_w.close(pd.DataFrame(columns=["sample_id", "record", *FLAG_OUT]))
        errors_w.close(pd.DataFrame(columns=ERROR_COLUMNS))
    return summary


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
    yield from read_chunks(path, str(path), chunksize)


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
