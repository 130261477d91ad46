"""Column-wise checks of a patient table (a cohort chunk, a risk-model training table).

Every column named in the field specification (:mod:`advisor.inputs.fields`) is checked
once per distinct value, never per row, and converted to its type; a bad cell becomes one row
of the errors table (``row, sample_id, field, value, error``) and the rest of the row is
still read. Genotype columns are kept as given: translation (with its own errors) happens
when the frame is built.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from advisor.errors import PREVIEW_CHARS, InputError, one_line
from advisor.inputs.fields import (
    CLINICAL_FIELDS,
    HEPATIC_FIELDS,
    LIST_SEPARATOR,
    PATIENT_FIELDS,
    REACTION_SEPARATOR,
    RENAL_FIELDS,
    Field,
    implausible_context,
    parse_bool,
)
from advisor.inputs.text_tables import ROW_ERROR
from advisor.knowledge.base import normalize_name

if TYPE_CHECKING:
    from advisor.knowledge import KnowledgeBase

ID_COLUMN = "sample_id"
ERROR_COLUMNS = ["row", "sample_id", "field", "value", "error"]
MESSAGE_CHARS = 300  # an error message in the errors table (it may quote the value)
PAIR_COLUMNS = ["row", "drug"]
CONTEXT_COLUMNS = {ID_COLUMN, *PATIENT_FIELDS, *CLINICAL_FIELDS, *RENAL_FIELDS, *HEPATIC_FIELDS}


def check_columns(kb: KnowledgeBase, columns: list[str], *, require_id: bool = True,
                  allowed: tuple[str, ...] = ()) -> list[str]:
    """The genotype columns of a table; a missing id, a duplicate or an unknown column makes
    the input unusable (``allowed`` names further columns a caller reads itself)."""
    if require_id and ID_COLUMN not in columns:
        named = [c for c in columns if c != ROW_ERROR]  # the reader's column is not the user's
        raise InputError("columns", ",".join(named[:8]), "a cohort table needs a sample_id "
                         "column")
    dupes = sorted(c for c, n in Counter(columns).items() if n > 1)
    if dupes:
        raise InputError("columns", dupes[0], "duplicate column")
    unknown = [c for c in columns if c not in CONTEXT_COLUMNS and c not in kb.input_keys
               and c not in allowed and c != ROW_ERROR]
    if unknown:
        raise InputError(f"column {unknown[0]}", unknown[0], "unknown gene, genotype or "
                         "context column")
    return [c for c in columns if c in kb.input_keys]


@dataclass
class CheckedTable:
    """A table's columns converted to their types, with the bad cells listed.

    Columns the table lacks are all-missing; a bad cell is missing here and named in
    ``errors`` (its row is left out of the results by the caller).
    """

    ids: list[str]
    row_numbers: np.ndarray  # 1-based data-row number of each row, for messages
    genotypes: pd.DataFrame
    seizure: pd.DataFrame  # bool, one column per vocabulary seizure type
    context: dict[str, pd.Series]  # syndrome, sex, age_years, weight_kg, renal, hepatic, ...
    clinical: pd.DataFrame  # one column per clinical field (bool/None, float, text)
    conditions: pd.DataFrame  # bool, one column per vocabulary condition
    reactions: pd.DataFrame  # row, drug, reaction
    current: pd.DataFrame  # row, drug
    candidates: pd.DataFrame  # row, drug
    errors: list[pd.DataFrame] = field(default_factory=list)

    def error_table(self) -> pd.DataFrame:
        if not self.errors:
            return pd.DataFrame(columns=ERROR_COLUMNS)
        return pd.concat(self.errors, ignore_index=True)[ERROR_COLUMNS]


def bounded(cells: np.ndarray, limit: int = PREVIEW_CHARS) -> np.ndarray:
    """Cells of an errors table (bad cells only) cut to ``limit`` characters on one line."""
    return np.array([v if v is None or (isinstance(v, str) and len(v) <= limit
                                         and "\n" not in v)
                     else one_line(str(v), limit) for v in cells], dtype=object)


def _blank(cells: np.ndarray) -> np.ndarray:
    """Where cells are missing or whitespace only (pyarrow kernels: no loop over rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(pd.Series(cells, dtype=object).where(pd.notna(cells), None).astype(
        object), type=pa.string(), from_pandas=True)
    return pc.fill_null(pc.equal(pc.utf8_trim_whitespace(text), ""), True).to_numpy(
        zero_copy_only=False)


def _by_distinct(cells: pd.Series, parse: Callable[[Any], Any]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``parse`` applied once per distinct cell that is neither missing nor blank text:
    values and error messages (None where the cell is fine) per distinct cell, each cell's
    code into them (-1: missing or blank) and the distinct cells themselves."""
    codes, uniques = pd.factorize(cells.astype(object), use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    values = np.empty(len(uniques) + 1, dtype=object)  # the last: missing or blank
    errors = np.empty(len(uniques) + 1, dtype=object)
    blank = np.zeros(len(uniques) + 1, dtype=bool)
    for j, raw in enumerate(uniques):
        if isinstance(raw, str) and not raw.strip():
            blank[j] = True
            continue
        try:
            values[j] = parse(raw)
        except ValueError as exc:
            errors[j] = str(exc)
    return values, errors, np.where(blank[codes], -1, codes), uniques


def _expand(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, item) pairs of a column of item tuples (None = none), by distinct tuple."""
    present = np.flatnonzero(pd.notna(values))
    codes, uniques = pd.factorize(values[present])
    lengths = np.array([len(u) for u in uniques], dtype=np.int64)
    flat = np.array([item for u in uniques for item in u], dtype=object)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    per_row = lengths[codes]
    rows = np.repeat(present, per_row).astype(np.int64)
    offsets = np.repeat(starts[codes] - np.cumsum(per_row) + per_row, per_row)
    return rows, flat[offsets + np.arange(len(rows))] if len(rows) else flat[:0]


def _number(spec: Field) -> Callable[[Any], float]:
    def parse(raw: Any) -> float:
        text = str(raw).strip()
        if text.lower() in ("", "unknown"):
            return np.nan
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"must be {spec.range_text()}") from None
        if np.isnan(value) or spec.out_of_range(np.array([value])).any():
            raise ValueError(f"must be {spec.range_text()}")
        return value

    return parse


def _choice(spec: Field, allowed: list[str], what: str) -> Callable[[Any], str | None]:
    def parse(raw: Any) -> str | None:
        text = str(raw).strip()
        if not text:
            return None
        if text not in allowed:
            raise ValueError(f"unknown {what} {text!r}; expected one of {', '.join(allowed)}")
        return text

    return parse


class _Checker:
    def __init__(self, kb: KnowledgeBase, table: pd.DataFrame, first_row: int):
        self.kb, self.table = kb, table.reset_index(drop=True)
        n = len(self.table)
        self.rows = np.arange(first_row, first_row + n)
        ids = self.table[ID_COLUMN] if ID_COLUMN in self.table else pd.Series(
            [None] * n, dtype=object)
        self.id_cells = ids.astype(object).to_numpy()
        self.errors: list[pd.DataFrame] = []

    def error(self, mask: np.ndarray, field_name: str, values: np.ndarray,
              messages: np.ndarray | str) -> None:
        if not mask.any():
            return
        self.errors.append(pd.DataFrame({
            "row": self.rows[mask], "sample_id": bounded(self.id_cells[mask]),
            "field": field_name, "value": bounded(values[mask]),
            "error": bounded(messages[mask], MESSAGE_CHARS) if isinstance(messages, np.ndarray)
            else messages}))

    def parsed(self, name: str, parse: Callable[[Any], Any]) -> np.ndarray:
        if name not in self.table:
            return np.full(len(self.table), None, dtype=object)
        values, errors, codes, uniques = _by_distinct(self.table[name], parse)
        failed = pd.notna(errors).astype(bool)
        if failed.any():
            bad = failed[codes]
            self.error(bad, name, np.append(uniques, None)[codes], errors[codes])
            values[failed] = None
        return values[codes]

    def field(self, spec: Field) -> pd.Series:
        """One scalar field, typed: float for numbers, True/False/None, text."""
        if spec.kind in ("number", "integer"):
            return pd.Series(self.parsed(spec.name, _number(spec)), dtype=float)
        if spec.kind == "bool":
            return pd.Series(self.parsed(spec.name, parse_bool), dtype=object)
        if spec.kind == "choice":
            return pd.Series(self.parsed(spec.name, _choice(spec, list(spec.choices),
                                                            spec.name)), dtype=object)
        allowed = list(getattr(self.kb.vocabulary, spec.vocabulary))
        return pd.Series(self.parsed(spec.name, _choice(spec, allowed,
                                                        spec.name.replace("_", " "))),
                         dtype=object)

    def items(self, name: str, resolve: Callable[[str], str | None], what: str,
              label: str = "drug") -> pd.DataFrame:
        """A ';'-separated column as (row, ``label``) pairs of resolved names; a cell with an
        unknown item is an error (its other items are dropped with the row)."""
        def parse(raw: Any) -> tuple[str, ...]:
            out = []
            for part in str(raw).split(LIST_SEPARATOR):
                item = part.strip()
                if not item:
                    continue
                name_ = resolve(item)
                if name_ is None:
                    raise ValueError(f"unknown {what} {item!r}")
                out.append(name_)
            return tuple(dict.fromkeys(out))

        rows, items = _expand(self.parsed(name, parse))
        return pd.DataFrame({"row": rows, label: pd.Series(items, dtype=object)})

    def matrix(self, name: str, terms: list[str], what: str) -> pd.DataFrame:
        """A ';'-separated vocabulary column as a bool matrix (one column per term)."""
        pairs = self.items(name, lambda t: t if t in terms else None, what, label="term")
        matrix = np.zeros((len(self.table), len(terms)), dtype=bool)
        if len(pairs):
            matrix[pairs["row"].to_numpy(), pd.Index(terms).get_indexer(pairs["term"])] = True
        return pd.DataFrame(matrix, columns=terms)

    def reactions(self) -> pd.DataFrame:
        """``drug:reaction`` items as (row, drug, reaction)."""
        kb, known = self.kb, set(self.kb.vocabulary.reactions)

        def resolve(item: str) -> str | None:
            drug, _, reaction = item.partition(REACTION_SEPARATOR)
            if reaction.strip() not in known or not drug.strip():
                return None
            name = kb.drug_aliases.get(normalize_name(drug), drug.strip().lower())
            return f"{name}{REACTION_SEPARATOR}{reaction.strip()}"

        pairs = self.items("adverse_reactions", resolve, "drug:reaction item", label="item")
        split = [str(item).partition(REACTION_SEPARATOR) for item in pairs["item"]]
        return pd.DataFrame({"row": pairs["row"].to_numpy(dtype=np.int64),
                             "drug": pd.Series([d for d, _, _ in split], dtype=object),
                             "reaction": pd.Series([r for _, _, r in split], dtype=object)})


def _check_across(c: _Checker, context: dict[str, pd.Series], clinical: pd.DataFrame) -> None:
    """The field specification's checks across fields, row by row (a failing row goes to
    the errors table under the field it names)."""
    columns = {name: context[name].to_numpy() for name in (
        "age_years", "weight_kg", "sex", "longest_pretreatment_interval_days")}
    columns["age_at_onset_years"] = clinical["age_at_onset_years"].to_numpy()
    for problem in implausible_context(columns):
        shown = np.full(len(problem.mask), None, dtype=object)
        shown[problem.mask] = [f"{v:g}" for v in problem.values[problem.mask]]
        c.error(problem.mask, problem.field, shown, problem.messages)


def reader_errors(table: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """The rows of ``table`` the table reader could not use (their reason in
    :data:`ROW_ERROR`): where they are, and their 'field', 'value' and 'error' columns."""
    problems = (table[ROW_ERROR].to_numpy(dtype=object) if ROW_ERROR in table
                else np.empty(0, dtype=object))
    where = np.flatnonzero(pd.notna(problems))
    fields, values, messages = ((np.array(cells, dtype=object) for cells in zip(
        *problems[where], strict=True)) if len(where) else
        (np.empty(0, dtype=object) for _ in range(3)))
    return where, pd.DataFrame({"field": fields, "value": bounded(values),
                                "error": bounded(messages, MESSAGE_CHARS)})


def _reader_errors(c: _Checker) -> np.ndarray:
    """Rows the table reader could not use (:data:`ROW_ERROR`) as errors; their mask."""
    where, found = reader_errors(c.table)
    bad = np.zeros(len(c.table), dtype=bool)
    if len(where):
        bad[where] = True
        c.errors.append(pd.DataFrame({"row": c.rows[where],
                                      "sample_id": bounded(c.id_cells[where]), **found}))
    return bad


def check_table(kb: KnowledgeBase, table: pd.DataFrame, *, first_row: int = 1
                ) -> CheckedTable:
    """Check and convert every context column of ``table``; data rows are numbered from
    ``first_row`` in messages."""
    c = _Checker(kb, table, first_row)
    unreadable = _reader_errors(c)
    blank = _blank(c.id_cells) & ~unreadable
    if ID_COLUMN in c.table:
        c.error(blank, ID_COLUMN, np.full(len(blank), "", dtype=object), "missing sample_id")
    ids = (pd.Series(c.id_cells, dtype=object).fillna("").astype(str).to_numpy(dtype=object)
           if ID_COLUMN in c.table else c.rows.astype(str).astype(object))

    def drug(asm_only: bool) -> Callable[[str], str | None]:
        def resolve(name: str) -> str | None:
            canonical = kb.drug_aliases.get(normalize_name(name))
            return None if asm_only and canonical not in kb.drugs else canonical
        return resolve

    context = {name: c.field(spec) for name, spec in {**PATIENT_FIELDS, **RENAL_FIELDS,
                                                       **HEPATIC_FIELDS}.items()
               if spec.kind != "list"}
    vocab = kb.vocabulary
    checked = CheckedTable(
        ids=ids, row_numbers=c.rows,
        genotypes=pd.DataFrame({k: c.table[k].astype(object) for k in c.table
                                if k in kb.input_keys}),
        seizure=c.matrix("seizure_types", list(vocab.seizure_types), "seizure type"),
        context=context,
        clinical=pd.DataFrame({name: c.field(spec) for name, spec in CLINICAL_FIELDS.items()}),
        conditions=c.matrix("conditions", list(vocab.conditions), "condition"),
        reactions=c.reactions(),
        current=c.items("current_medications", drug(asm_only=False), "drug"),
        candidates=c.items("candidate_drugs", drug(asm_only=True),
                           "antiseizure medication"),
    )
    _check_across(c, context, checked.clinical)
    checked.errors = c.errors
    return checked
