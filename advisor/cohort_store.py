"""Cohort results across chunks: combinations numbered once for the whole cohort, and the two
ways of writing them.

- the **store** (default): a folder of Parquet datasets, ``samples/`` (sample_id,
  combination, phenotypes), ``flags/`` (one row per flag of each combination, the message
  by id) and ``messages/`` (id, text), plus ``manifest.json``; written chunk by chunk.
- the **long table** (``--long``, or an output file name): one 'phenotypes' row per
  sample, then one 'flag' row per flag, as earlier versions wrote it.

Combinations are numbered in order of first appearance in the input, so the pandas and Dask
engines (whatever their chunking) give the same numbers.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from advisor import __version__
from advisor.combinations import codable, row_groups, sorted_matches
from advisor.distinct import first_and_inverse, sorted_distinct
from advisor.row_keys import CohortCodes, row_keys
from advisor.seen_rows import SeenRows

if TYPE_CHECKING:
    from advisor.cohort import Part, Summary
    from advisor.combinations import Combinations
    from advisor.knowledge import KnowledgeBase

FLAG_TEXT = ["drug", "category", "action", "severity", "gene", "rule", "evidence",
             "evidence_level"]
LONG_FLAGS = ["drug", "category", "action", "severity", "gene", "message", "rule", "evidence",
              "evidence_level"]
STORE_PARTS = ("samples", "flags", "messages")


class _Column:
    """One column's values for every combination (or flag) so far, row i at position i, in
    an array grown by doubling, so that adding a chunk costs the chunk's size, not the
    cohort's. ``kind``: 'text' (codes into :attr:`uniques`, in order of first appearance,
    -1 missing), 'int' (-1 missing) or 'float' (NaN missing)."""

    def __init__(self, kind: str):
        self.text = kind == "text"
        self._missing = np.nan if kind == "float" else -1
        self.dtype = float if kind == "float" else np.int64
        self._values = np.empty(0, dtype=self.dtype)
        self.n = 0
        self._index: dict[object, int] = {}
        self._uniques: np.ndarray | None = None

    def extend(self, cells: np.ndarray | pd.Categorical | None, upto: int) -> None:
        """Rows ``n`` to ``upto - 1``: the last ``len(cells)`` of them are ``cells``, any
        before those are missing (a column the earlier chunks lacked)."""
        if upto > len(self._values):
            grown = np.empty(max(upto, 2 * len(self._values), 1024), dtype=self._values.dtype)
            grown[:self.n] = self._values[:self.n]
            self._values = grown
        given = 0 if cells is None else len(cells)
        self._values[self.n:upto - given] = self._missing
        if given and self.text:
            codes, uniques = pd.factorize(cells)
            index, before = self._index, len(self._index)
            mapped = np.fromiter((index.setdefault(v, len(index)) for v in
                                  np.asarray(uniques, dtype=object)),
                                 dtype=np.int64, count=len(uniques))
            self._uniques = None if len(index) > before else self._uniques
            self._values[upto - given:upto] = np.append(mapped, -1)[codes]
        elif given:
            self._values[upto - given:upto] = np.asarray(cells)
        self.n = upto

    @property
    def values(self) -> np.ndarray:
        return self._values[:self.n]

    @property
    def uniques(self) -> np.ndarray:
        if self._uniques is None:
            self._uniques = np.array(list(self._index), dtype=object)
        return self._uniques


@dataclass
class Added:
    """A chunk after global numbering: its samples, and what was new in it."""

    sample_ids: np.ndarray
    combination: np.ndarray  # global combination of each sample
    phenotypes: pd.DataFrame  # new combinations: 'combination' + phenotype columns
    flags: pd.DataFrame  # flags of new combinations: 'combination', 'message_id', FLAG_TEXT
    messages: pd.DataFrame  # new messages: message_id, message

    @cached_property
    def distinct(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The chunk's combinations (sorted), each sample's position among them, and the
        samples of each (as ``np.unique`` gives them, from a hash table: once per chunk, for
        the summary's counts and the store)."""
        first, row = first_and_inverse(self.combination)
        return self.combination[first], row, np.bincount(row, minlength=len(first))


class Combined:
    """Every combination seen so far, numbered for the whole cohort, with its phenotypes and
    flags (few: a cohort repeats a limited number of combinations)."""

    def __init__(self) -> None:
        self.ids: dict[bytes, int] = {}
        self.seen_rows = SeenRows()  # input rows screened without error, by combination
        self.values = CohortCodes()  # per key column: value -> code
        self.triples: dict[tuple[str, str, str], int] = {}  # (drug, category, action)
        # the actionable (combination, triple) pairs, ordered by combination
        self._act = {"combination": _Column("int"), "triple": _Column("int")}
        self.message_ids: dict[str, int] = {}
        # each combination's phenotype columns, and each flag's columns (flags ordered by
        # combination: new combinations are numbered after every earlier one)
        self.phenotypes: dict[str, _Column] = {}
        self._flags: dict[str, _Column] = {}
        # genotype errors of the combinations seen: combination, field, value, error
        self._genotype_errors = pd.DataFrame({
            "combination": np.array([], dtype=np.int64),
            **{c: pd.Series([], dtype=object) for c in ("field", "value", "error")}})

    def add(self, part: Part) -> Added:
        before = len(self.ids)
        keys = self._keys(part.combinations)
        local = self._found(keys)
        new = np.flatnonzero(local < 0)  # a chunk's combinations are distinct
        local[new] = before + np.arange(len(new))
        self.ids.update(zip(keys, local.tolist(), strict=True))  # (the seen keep theirs)
        if len(self.ids) != before + len(new):
            raise RuntimeError("a chunk's combinations repeat")
        judged_at = np.full(len(local), -1, dtype=np.int64)  # position among part.todo
        judged_at[part.todo] = np.arange(len(part.todo))
        if (judged_at[new] < 0).any():
            raise RuntimeError("a new combination was not judged")
        phenotypes = part.phenotypes.iloc[judged_at[new]].reset_index(drop=True)
        phenotypes.insert(0, "combination", local[new])
        is_new = np.zeros(len(local), dtype=bool)
        is_new[new] = True
        flag_comb = part.flags["combination"].to_numpy(dtype=np.int64)
        flags = part.flags[is_new[flag_comb]]
        codes, uniques = pd.factorize(codable(flags["message"]))
        m_before = len(self.message_ids)
        message_ids = np.fromiter((self.message_ids.setdefault(t, len(self.message_ids))
                                   for t in uniques), dtype=np.int64, count=len(uniques))
        fresh = message_ids >= m_before
        flags = pd.DataFrame({"combination": local[flags["combination"].to_numpy(
                                  dtype=np.int64)],
                              "message_id": message_ids[codes] if len(codes) else
                              np.array([], dtype=np.int64),
                              **{c: pd.Series(flags[c].array) for c in FLAG_TEXT}})
        messages = pd.DataFrame({"message_id": message_ids[fresh],
                                 "message": pd.Series(np.asarray(uniques[fresh], dtype=object),
                                                      dtype=object)})
        self._actionable(flags)
        found = part.genotype_errors
        found = found[is_new[found["combination"].to_numpy(dtype=np.int64)]]
        if len(found):
            self._genotype_errors = pd.concat([self._genotype_errors, found.assign(
                combination=local[found["combination"].to_numpy(dtype=np.int64)])],
                ignore_index=True)
        if len(new):
            self._extend(self.phenotypes, phenotypes.drop(columns="combination"),
                         len(self.ids))
            self._extend(self._flags, flags, self._flags["combination"].n + len(flags)
                         if self._flags else len(flags))
        numbered = np.append(local, -1)  # (-1: none)
        combination = numbered[part.combination]
        if part.known is not None:  # samples whose rows were screened before
            combination = np.where(part.known >= 0, part.known, combination)
            self.seen_rows.remember(part.checked_keys or [],
                                    numbered[part.checked_combination])
        return Added(part.sample_ids, combination, phenotypes, flags, messages)

    def _actionable(self, flags: pd.DataFrame) -> None:
        """Remember each new combination's distinct (drug, category, action) of flags that
        ask for an action (for the summary's sample counts)."""
        act = flags[flags["action"].to_numpy(dtype=object) != "info"]
        columns = [codable(act[c]) for c in ("drug", "category", "action")]
        codes, first = row_groups(columns)
        known = self.triples
        ids = np.fromiter((known.setdefault((d, c, a), len(known)) for d, c, a in zip(
            *(col[first] for col in columns), strict=True)), dtype=np.int64, count=len(first))
        width = len(known) + 1
        pair = sorted_distinct(act["combination"].to_numpy(dtype=np.int64) * width
                         + (ids[codes] if len(codes) else codes.astype(np.int64)))
        upto = self._act["combination"].n + len(pair)
        self._act["combination"].extend(pair // width, upto)
        self._act["triple"].extend(pair % width, upto)

    @staticmethod
    def _extend(columns: dict[str, _Column], frame: pd.DataFrame, upto: int) -> None:
        """Add a frame's rows (the last rows up to ``upto``) to the columns."""
        for name in frame.columns:
            if name not in columns:
                columns[name] = _Column("int" if name in ("combination", "message_id") else
                                        "float" if name.endswith(".activity_score") else "text")
        for name, column in columns.items():
            values = frame.get(name)
            column.extend(None if values is None else codable(values) if column.text
                          else values.to_numpy(dtype=column.dtype), upto)

    def judged(self, combos: Combinations) -> tuple[np.ndarray, pd.DataFrame]:
        """Which of a chunk's combinations were seen (and judged) in an earlier chunk, and
        the genotype errors of those ('combination': position among the chunk's)."""
        found = self._found(self._keys(combos))
        seen = found >= 0
        errors = self._genotype_errors
        if not len(errors) or not seen.any():
            return seen, errors.iloc[:0]
        at = np.full(len(self.ids), -1, dtype=np.int64)
        at[found[seen]] = np.flatnonzero(seen)
        position = at[errors["combination"].to_numpy(dtype=np.int64)]
        keep = position >= 0
        return seen, errors[keep].assign(combination=position[keep]).reset_index(drop=True)

    def _found(self, keys: list[bytes]) -> np.ndarray:
        """The cohort-wide number of each key (-1: not seen)."""
        return np.fromiter(map(self.ids.get, keys, itertools.repeat(-1)), dtype=np.int64,
                           count=len(keys))

    def _keys(self, combos: Combinations) -> list[bytes]:
        """Each combination as bytes of cohort-wide value codes (worked out once per
        chunk: :meth:`judged` and :meth:`add` both ask)."""
        if combos.keys is None:
            combos.keys = self._coded_keys(combos)
        return combos.keys

    def _coded_keys(self, combos: Combinations) -> list[bytes]:
        matrix = np.empty(combos.matrix.shape, dtype=np.int32)
        for j, (name, uniques) in enumerate(zip(combos.names, combos.uniques, strict=True)):
            matrix[:, j] = self.values.of(name, uniques, len(uniques))[combos.matrix[:, j]]
        return row_keys(matrix)

    def phenotype_table(self, combinations: np.ndarray):
        """The phenotype columns of ``combinations`` as a pyarrow table (row i:
        ``combinations[i]``): text as dictionaries of the values seen so far (null:
        missing), numbers as float."""
        import pyarrow as pa

        columns = {}
        for name, column in self.phenotypes.items():
            if column.text:
                index = column.values[combinations].astype(np.int32)
                columns[name] = pa.DictionaryArray.from_arrays(
                    pa.array(index, mask=index < 0), pa.array(column.uniques, type=pa.string()))
            else:
                columns[name] = pa.array(column.values[combinations], type=pa.float64(),
                                         from_pandas=True)
        return pa.table(columns)

    def coded(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each text phenotype column by combination as (codes, distinct values); code -1
        is missing."""
        return {name: (col.values, col.uniques) for name, col in self.phenotypes.items()
                if col.text}

    def messages(self) -> np.ndarray:
        return np.array(list(self.message_ids), dtype=object)

    def count(self, added: Added, summary: Summary) -> None:
        """Add a chunk's samples to the summary's phenotype and flag counts (in the chunk's
        size: by its distinct combinations)."""
        comb, _, per = added.distinct
        coded = self.coded()
        for col in self.phenotypes:
            if col.endswith(".phenotype"):
                key = col.removesuffix(".phenotype")
                codes, uniques = coded[col if key in summary.phenotype_keys
                                       else f"{key}.genotype"]
                found = codes[comb]
                known = found >= 0
                counts = np.bincount(found[known], weights=per[known], minlength=len(uniques))
                summary.phenotypes.setdefault(key, Counter()).update(
                    {k: int(v) for k, v in zip(uniques, counts, strict=True) if v})
        pairs = self._act["combination"].values
        if len(pairs):
            where, which = sorted_matches(pairs, comb)
            counts = np.bincount(self._act["triple"].values[where],
                                 weights=per[which], minlength=len(self.triples))
            summary.flags.update({t: int(counts[i]) for t, i in self.triples.items()
                                  if counts[i]})

    def long(self, added: Added, keys: list[str]) -> pd.DataFrame:
        """The chunk as the long table: per sample a 'phenotypes' row, then its flags."""
        flags = self._flags
        flag_comb = (flags["combination"].values if flags
                     else np.empty(0, dtype=np.int64))
        comb = added.combination
        starts = np.searchsorted(flag_comb, comb, "left")  # each sample's first flag
        counts = np.searchsorted(flag_comb, comb, "right") - starts
        n_p, n_f = len(comb), int(counts.sum())
        pheno_pos = np.arange(n_p) + np.cumsum(counts) - counts
        is_flag = np.ones(n_p + n_f, dtype=bool)
        is_flag[pheno_pos] = False
        flag_idx = np.repeat(starts, counts) + (
            np.arange(n_f) - np.repeat(np.cumsum(counts) - counts, counts))
        ids = np.empty(n_p + n_f, dtype=object)
        ids[pheno_pos] = added.sample_ids
        ids[is_flag] = np.repeat(added.sample_ids, counts)
        data: dict[str, object] = {
            "sample_id": pd.Series(ids, dtype=object),
            "record": pd.Categorical.from_codes(is_flag.astype(np.int8),
                                                ["phenotypes", "flag"])}
        for name in LONG_FLAGS:
            column = flags.get("message_id" if name == "message" else name)
            if column is None:  # no flag yet
                source, categories = np.empty(0, dtype=np.int64), np.empty(0, dtype=object)
            elif name == "message":
                source, categories = column.values, self.messages()
            else:
                source, categories = column.values, column.uniques
            codes = np.full(n_p + n_f, -1, dtype=np.int64)
            codes[is_flag] = source[flag_idx]
            data[name] = pd.Categorical.from_codes(codes, pd.Index(categories, dtype=object))
        coded = self.coded()
        for key in keys:  # phenotype row i is combination i
            for out in ("genotype", "phenotype", "activity_score"):
                column = f"{key}.{out}"  # absent while no combination has been judged
                if out == "activity_score":
                    full = np.full(n_p + n_f, np.nan)
                    if column in self.phenotypes:
                        full[pheno_pos] = self.phenotypes[column].values[comb]
                    data[column] = full
                else:
                    codes, uniques = _seen(*(coded[column] if column in coded else
                                             (np.empty(0, dtype=np.int64), np.empty(0))), comb)
                    full_codes = np.full(n_p + n_f, -1, dtype=np.int64)
                    full_codes[pheno_pos] = codes
                    data[column] = pd.Categorical.from_codes(
                        full_codes, pd.Index(uniques, dtype=object))
        return pd.DataFrame(data)


def _seen(codes: np.ndarray, uniques: np.ndarray, comb: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """The values of combinations ``comb`` (``codes`` into ``uniques`` per combination, -1
    missing) coded as ``pd.factorize`` codes the values themselves: in order of first
    appearance, -1 for missing."""
    order, first = pd.factorize(codes[comb])
    known = first >= 0
    renumber = np.full(len(first), -1, dtype=np.int64)
    renumber[known] = np.arange(int(known.sum()))
    return renumber[order], np.asarray(uniques, dtype=object)[first[known]]


def _arrow(frame: pd.DataFrame, plain: tuple[str, ...] = ()):
    """A pyarrow table: text columns dictionary-encoded (except ``plain`` ones), integers
    and floats as they are."""
    import pyarrow as pa

    arrays, names = [], []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_integer_dtype(values.dtype):
            arr = pa.array(values.to_numpy(dtype=np.int64), type=pa.int64())
        elif pd.api.types.is_float_dtype(values.dtype):
            arr = pa.array(values.to_numpy(dtype=float), type=pa.float64(), from_pandas=True)
        elif isinstance(values.dtype, pd.CategoricalDtype) and name not in plain:
            arr = _dictionary(values.array)
        else:
            arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
            if name not in plain:
                arr = arr.dictionary_encode()
        arrays.append(arr)
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


def _dictionary(values: pd.Categorical):
    """Text categories as pyarrow's ``dictionary_encode`` gives them: int32 indices, the
    values in order of first appearance, missing as null."""
    import pyarrow as pa

    codes, uniques = pd.factorize(values)
    index = codes.astype(np.int32)
    return pa.DictionaryArray.from_arrays(
        pa.array(index, type=pa.int32(), mask=index < 0),
        pa.array(np.asarray(uniques, dtype=object), type=pa.string()))


def _write(table, path: Path) -> None:
    """A store table as Parquet: Parquet dictionaries only for the text columns (ids and
    numbers are near-unique per chunk, so a dictionary attempt there is wasted work), and
    column statistics only for ``combination`` (what a query filters or joins on)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    pq.write_table(table, path, use_dictionary=text,
                   write_statistics=[c for c in table.column_names if c == "combination"])


def _write_samples(ids, combination, phenotypes, row, path: Path) -> None:
    """The samples table: each sample's id, combination and its row of ``phenotypes`` (the
    chunk's combinations; ``row``: each sample's, taken by Arrow without the GIL in the
    writing thread)."""
    import pyarrow as pa

    if phenotypes.num_columns:
        phenotypes = phenotypes.take(row)
    _write(pa.table({"sample_id": ids, "combination": combination,
                     **dict(zip(phenotypes.column_names, phenotypes.columns, strict=True))}),
           path)


class StoreWriter:
    """Writes the store folder: one Parquet file per chunk and table, then the manifest.
    The Parquet files are written in order by one background thread (pyarrow writes without
    the GIL, so the next chunk is screened meanwhile); a failed write is raised by the next
    :meth:`write` or by :meth:`close`; :meth:`abort` waits for the writes of a failed run."""

    def __init__(self, folder: Path):
        from concurrent.futures import ThreadPoolExecutor

        self.folder = folder
        self.part = 0
        self._writes = ThreadPoolExecutor(1, thread_name_prefix="advisor-store")
        self._pending: list = []  # futures of the submitted writes
        for name in STORE_PARTS:
            (folder / name).mkdir(parents=True, exist_ok=True)
            for old in (folder / name).glob("part-*.parquet"):  # an earlier run's parts
                old.unlink()

    def write(self, added: Added, combined: Combined) -> None:
        """One chunk: its samples (with their combinations' phenotypes), new flags and new
        messages."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        name = f"part-{self.part:05d}.parquet"
        self._raise_failed()
        comb, row, _ = added.distinct
        self._pending += [
            self._writes.submit(_write_samples, pa.array(added.sample_ids, type=pa.string()),
                                pa.array(added.combination, type=pa.int64()),
                                combined.phenotype_table(comb),
                                pa.array(row, type=pa.int64()),
                                self.folder / "samples" / name),
            self._writes.submit(_write, _arrow(added.flags), self.folder / "flags" / name),
            self._writes.submit(pq.write_table, _arrow(added.messages, plain=("message",)),
                                self.folder / "messages" / name)]
        self.part += 1

    def _raise_failed(self, wait: bool = False) -> None:
        """Raise the error of a finished write (of any, once all are done, when ``wait``)."""
        for future in self._pending if wait else [f for f in self._pending if f.done()]:
            future.result()
        self._pending = [f for f in self._pending if not f.done()]

    def abort(self) -> None:
        """Wait for the submitted writes of a run that failed (their errors are dropped)."""
        self._writes.shutdown(wait=True, cancel_futures=True)

    def close(self, kb: KnowledgeBase, summary: Summary, combinations: int) -> None:
        try:
            self._raise_failed(wait=True)
        finally:
            self._writes.shutdown(wait=True)
        manifest = {"advisor_version": __version__, "knowledgebase_version": kb.version,
                    "knowledgebase_sha256": kb.sha256, "input_samples": summary.input_samples,
                    "processed": summary.processed, "error_rows": summary.error_rows,
                    "combinations": combinations, "notes": summary.notices,
                    "tables": {"samples": "sample_id, combination, <key>.genotype, "
                               "<key>.phenotype, <key>.activity_score",
                               "flags": "combination, message_id, " + ", ".join(FLAG_TEXT),
                               "messages": "message_id, message"}}
        (self.folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                                   encoding="utf-8")
