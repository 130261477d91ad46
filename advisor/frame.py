"""The engine's input: a table of patients (a consult is a table of one).

:class:`PatientFrame` holds translated genotypes and clinical context column-wise, and the
patient-drug pairs (candidates, current medications, tolerated past drugs) as long tables
keyed by the row position, so every later stage is a vectorised join.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from advisor.distinct import first_and_inverse, sorted_distinct
from advisor.framed import columns_index, frame_of, object_array
from advisor.genotype import Call, translate_table
from advisor.genotype.table import calls_table
from advisor.inputs.cohort import (
    ERROR_COLUMNS,
    MESSAGE_CHARS,
    PAIR_COLUMNS,
    CheckedTable,
    bounded,
    check_table,
)
from advisor.inputs.fields import CLINICAL_FIELDS
from advisor.inputs.patient import Patient, genotype_calls
from advisor.knowledge import KnowledgeBase

CONTEXT = {  # per-row scalars of a frame -> dtype
    "syndrome": object, "age_years": float, "weight_kg": float, "sex": object,
    "pregnancy": object, "renal_clearance_ml_min": float, "renal_measure": object,
    "dialysis": object, "child_pugh": object}


CONTEXT_INDEX = columns_index(list(CONTEXT))
GENOTYPE_ERROR_INDEX = columns_index(["row", "field", "value", "error"])  # none: translated
CLINICAL_INDEX = columns_index(list(CLINICAL_FIELDS))
REACTION_INDEX = columns_index(["row", "drug", "reaction"])

SMALL = 64  # up to this many values a set lookup beats np.isin


def member(values: np.ndarray, allowed: Sequence[object]) -> np.ndarray:
    """``np.isin(values, allowed)``, fast also for the few values of a single patient."""
    if len(values) <= SMALL:
        wanted = set(allowed.tolist() if isinstance(allowed, np.ndarray) else allowed)
        return np.fromiter((v in wanted for v in values), dtype=bool, count=len(values))
    return np.isin(values, allowed)


def same_na(value: object) -> object:
    """``value``, with every missing value (None, NaN, pd.NA) as one key (as pd.factorize)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value


def known(values: np.ndarray) -> np.ndarray:
    """``pd.notna(values)`` as a bool array, without pandas' overhead for a few values."""
    if values.dtype == object and len(values) <= SMALL:
        return np.fromiter((same_na(v) is not None and v is not pd.NaT for v in values),
                           dtype=bool, count=len(values))
    return pd.notna(values).astype(bool)


def coded_member(codes: np.ndarray, uniques: np.ndarray, allowed: Sequence[object]
                 ) -> np.ndarray:
    """:func:`member` of a column coded by ``pd.factorize``, looked up among its distinct
    values only (a missing value, code -1, is never allowed)."""
    return np.append(member(uniques, allowed), False)[codes]


class PairSet:
    """A set of (row, drug code) pairs of a frame, tested with one array lookup: a flag per
    row and drug code (a code of -1, a drug the knowledge base does not know, has a slot
    of its own)."""

    def __init__(self, kb: KnowledgeBase, n_rows: int, rows: np.ndarray, codes: np.ndarray):
        self._width = len(kb.drug_index) + 1
        self._flags = np.zeros(n_rows * self._width, dtype=bool)
        self._flags[self._slots(rows, codes)] = True

    def _slots(self, rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
        return rows.astype(np.int64) * self._width + codes + 1

    def has(self, rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Which of the (row, drug code) pairs are in the set."""
        return self._flags[self._slots(rows, codes)]

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The set's (rows, drug codes), ordered by row, then code."""
        rows, slots = np.divmod(np.flatnonzero(self._flags), self._width)
        return rows, slots - 1


class FrameArrays:
    """Numpy views of a frame's per-row columns, built once per frame: rules and dose bands
    test them many times, and numpy on a few rows costs far less than pandas."""

    def __init__(self, frame: PatientFrame):
        self.n = len(frame)
        if self.n <= SMALL and list(frame.context.columns) == list(CONTEXT):
            cells = frame.context.to_numpy(dtype=object)  # one pass for a few rows
            self.context = {name: cells[:, j].astype(float) if dtype is float else cells[:, j]
                            for j, (name, dtype) in enumerate(CONTEXT.items())}
        else:
            self.context = {name: frame.context[name].to_numpy(dtype=float if dtype is float
                                                               else object)
                            for name, dtype in CONTEXT.items()}
        ctx = self.context
        self.age, self.weight = ctx["age_years"], ctx["weight_kg"]
        self.clearance = ctx["renal_clearance_ml_min"]
        self.syndrome, self.sex, self.pregnancy = ctx["syndrome"], ctx["sex"], ctx["pregnancy"]
        self.dialysis, self.child_pugh = ctx["dialysis"], ctx["child_pugh"]
        # rows with any kidney or liver function given (no organ statement fits the others)
        self.renal_known = ~np.isnan(self.clearance) | pd.notna(self.dialysis).astype(bool)
        self.hepatic_known = pd.notna(self.child_pugh).astype(bool)
        self.seizure = frame.seizure_types.to_numpy(dtype=bool)
        self.seizure_index = {c: i for i, c in enumerate(frame.seizure_types.columns)}
        self.conditions = frame.conditions.to_numpy(dtype=bool)
        self.condition_index = {c: i for i, c in enumerate(frame.conditions.columns)}
        rows, drugs = frame.current_pairs
        names = dict.fromkeys(drugs) if len(drugs) <= SMALL else pd.unique(drugs).tolist()
        self.taking = {d: sorted_distinct(rows[drugs == d]) for d in names}
        r = frame.reactions  # past serious reactions: row, drug, reaction
        self.reaction_rows = r["row"].to_numpy(dtype=np.int64)
        self.reaction_drugs = r["drug"].to_numpy(dtype=object)
        self.reaction_kinds = r["reaction"].to_numpy(dtype=object)
        self._calls = frame.calls
        self._columns: dict[str, np.ndarray | None] = {}
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def call(self, name: str) -> np.ndarray | None:
        """A genotype column of the frame as an array (None when the frame has none)."""
        if name not in self._columns:
            self._columns[name] = (self._calls[name].to_numpy() if name in self._calls
                                   else None)
        return self._columns[name]

    def _text(self, name: str) -> np.ndarray:
        values = self.context[name] if name in self.context else self.call(name)
        if values is None:
            raise KeyError(name)
        return values

    def coded(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A text column as ``pd.factorize`` codes (-1: missing) and distinct values."""
        if name not in self._codes:
            self._codes[name] = pd.factorize(self._text(name))
        return self._codes[name]

    def among(self, name: str, allowed: Sequence[object],
              rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Which rows' value of a text column (a context field, or a genotype column the
        frame has) is one of ``allowed`` (a missing value never is). The column is coded
        once, and ``allowed`` is looked up among its distinct values only."""
        if self.n <= SMALL:
            return member(self._text(name)[rows], allowed)
        codes, uniques = self.coded(name)
        return coded_member(codes[rows], uniques, allowed)

    def distinct(self, name: str) -> set[object]:
        """The distinct values of a text column (missing values left out)."""
        if self.n <= SMALL:
            values = self._text(name)
            return set(values[known(values)].tolist())
        return set(self.coded(name)[1].tolist())

    def given(self, name: str, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Which rows have a value in a text column (see :meth:`among`)."""
        if self.n <= SMALL:
            return known(self._text(name)[rows])
        return self.coded(name)[0][rows] >= 0

    def any_of(self, matrix: np.ndarray, index: dict[str, int], wanted: Sequence[str],
               rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Rows with any of the wanted columns of a boolean matrix set."""
        cols = [index[c] for c in wanted if c in index]
        sub = matrix[rows]
        return sub[:, cols].any(axis=1) if cols else np.zeros(len(sub), dtype=bool)

    def takes_any(self, drugs: Sequence[str], rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` currently take any of ``drugs``."""
        taking = [self.taking[d] for d in drugs if d in self.taking]
        if not taking:
            return np.zeros(len(rows), dtype=bool)
        return member(rows, np.concatenate(taking))


@dataclass
class PatientFrame:
    ids: pd.Series  # row position -> patient/sample id
    calls: pd.DataFrame  # translated genotype columns, see advisor.genotype.table
    seizure_types: pd.DataFrame  # bool, one column per vocabulary seizure type
    context: pd.DataFrame  # the CONTEXT columns (missing = not known)
    conditions: pd.DataFrame  # bool, one column per vocabulary condition
    reactions: pd.DataFrame  # row, drug, reaction: serious past reactions
    candidates: pd.DataFrame  # row, drug: drugs to judge
    current: pd.DataFrame  # row, drug: current medications (ASMs and co-medications)
    tolerated: pd.DataFrame  # row, drug: taken without intolerance for the exposure threshold
    taken: pd.DataFrame  # row, drug: current medicines and every drug in the history
    lookup: dict[str, dict[str, Call]]
    genotype_errors: pd.DataFrame
    clinical: pd.DataFrame  # one column per clinical field (bool/None, float, text)
    failed_regimens: pd.Series  # adequate trials failed for inefficacy (float, NaN: unknown)

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def arrays(self) -> FrameArrays:
        return FrameArrays(self)

    @cached_property
    def memo(self) -> dict[tuple, Any]:
        """What is worked out from the frame once, as it is first asked for: which rows each
        dose band or organ statement is for (:mod:`advisor.dosing`), the pair tables' drug
        codes (:mod:`advisor.rules`)."""
        return {}

    # The pair tables' rows (int64) and drugs (object) as arrays, made once per frame (the
    # rules, doses and consult read them many times; a frame's tables are not replaced)
    @cached_property
    def candidate_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        return _pair_arrays(self.candidates)

    @cached_property
    def current_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        return _pair_arrays(self.current)

    @cached_property
    def tolerated_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        return _pair_arrays(self.tolerated)

    @cached_property
    def taken_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        return _pair_arrays(self.taken)

    @property
    def syndrome(self) -> pd.Series:
        return self.context["syndrome"]

    @property
    def age_years(self) -> pd.Series:
        return self.context["age_years"]

    @property
    def weight_kg(self) -> pd.Series:
        return self.context["weight_kg"]

    @property
    def sex(self) -> pd.Series:
        return self.context["sex"]


PAIR_INDEX = columns_index(["row", "drug"])


def _pairs(rows: Sequence[int], drugs: Sequence[str]) -> pd.DataFrame:
    """A (row, drug) table: integer rows, object drug names."""
    return frame_of(PAIR_INDEX, [np.array(rows, dtype=np.int64), object_array(drugs)])


Pairs = pd.DataFrame | tuple[np.ndarray, np.ndarray]  # a (row, drug) table, or its columns


def _with_components(kb: KnowledgeBase, pairs: Pairs) -> Pairs:
    """The (row, drug) pairs with the components of each combination product taken added
    (Rifinah: rifampicin and isoniazid), each once: their interactions and the dose bands
    that depend on them apply."""
    if not kb.components:
        return pairs
    rows, drugs = _pair_arrays(pairs)
    extra = [(rows[drugs == combo], part) for combo, parts in kb.components.items()
             for part in parts]
    extra = [(r, part) for r, part in extra if len(r)]
    if not extra:
        return pairs
    return _distinct_pairs(np.concatenate([rows, *(r for r, _ in extra)]),
                           np.concatenate([drugs, *(np.full(len(r), part, dtype=object)
                                                    for r, part in extra)]))


def _without_reactions(pairs: pd.DataFrame, reactions: pd.DataFrame,
                       ending: Sequence[str]) -> pd.DataFrame:
    """The tolerated (row, drug) pairs without those whose drug caused a recorded reaction
    of the kinds in ``ending`` in that row: the exposure that counts is one without such a
    reaction (CPIC: taken for more than 3 months without a cutaneous reaction)."""
    if not len(pairs) or not len(reactions):
        return pairs
    kinds = reactions["reaction"].isin(list(ending)).to_numpy(dtype=bool)
    keys = pd.MultiIndex.from_arrays([pairs["row"].to_numpy(), pairs["drug"].to_numpy()])
    reacted = pd.MultiIndex.from_arrays([reactions["row"].to_numpy(dtype=np.int64)[kinds],
                                         reactions["drug"].to_numpy(dtype=object)[kinds]])
    return pairs[~keys.isin(reacted)].reset_index(drop=True)


def _typed(pairs: Pairs) -> pd.DataFrame:
    """A (row, drug) table with integer rows and object drug names (the table itself when it
    is one already: frames are copy-on-write), also of the columns as arrays."""
    if isinstance(pairs, tuple):
        return _pairs(*_pair_arrays(pairs))
    rows, drugs = pairs["row"], pairs["drug"]
    if rows.dtype == np.int64 and drugs.dtype == object and list(pairs.columns) == [
            "row", "drug"] and pairs.index.equals(pd.RangeIndex(len(pairs))):
        return pairs
    return pd.DataFrame({"row": rows.to_numpy(dtype=np.int64),
                         "drug": pd.Series(drugs.to_numpy(dtype=object), dtype=object)})




def _pair_arrays(pairs: Pairs) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(pairs, tuple):
        return np.asarray(pairs[0], dtype=np.int64), np.asarray(pairs[1], dtype=object)
    return pairs["row"].to_numpy(dtype=np.int64), pairs["drug"].to_numpy(dtype=object)


def drug_codes(kb: KnowledgeBase, names: np.ndarray) -> np.ndarray:
    """Positions of drug names in ``kb.drug_index`` (-1: not there), as
    ``kb.drug_index.get_indexer``; a dict lookup for a few names."""
    if len(names) <= SMALL:
        code = kb.drug_code
        return np.fromiter((code.get(n, -1) for n in names), dtype=np.intp, count=len(names))
    return kb.drug_index.get_indexer(pd.Index(names, dtype=object))


def coded_pairs(kb: KnowledgeBase, frame: PatientFrame, table: str,
                known: tuple[np.ndarray, np.ndarray] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """The rows and drug codes (:func:`drug_codes`) of a frame's pair table ('candidate',
    'current', 'tolerated' or 'taken'), made once per frame (``known``: the rows and codes
    the table was made from, kept as they are)."""
    key = (f"{table} codes", kb.sha256)
    if known is not None:
        frame.memo[key] = known
    elif key not in frame.memo:
        rows, drugs = getattr(frame, f"{table}_pairs")
        frame.memo[key] = (rows, drug_codes(kb, drugs).astype(np.int64))
    return frame.memo[key]


def _unique_sorted(kb: KnowledgeBase, rows: np.ndarray, drugs: np.ndarray) -> pd.DataFrame:
    """Distinct (row, drug) pairs ordered by row, then knowledge-base drug order."""
    codes = drug_codes(kb, drugs)
    if len(drugs) > SMALL and codes.min() >= 0:  # a flag per row and drug: no sort
        rows, codes = PairSet(kb, int(rows.max()) + 1, rows, codes).pairs()
        return _pairs(rows, kb.drug_names[codes])
    first, _ = first_and_inverse(rows * (len(kb.drug_index) + 1) + codes)
    return _pairs(rows[first], drugs[first])


def _distinct_pairs(rows: np.ndarray, drugs: np.ndarray) -> pd.DataFrame:
    """Distinct (row, drug) pairs in order of first appearance (``drop_duplicates``)."""
    if len(rows) <= SMALL and all(isinstance(d, str) for d in drugs):
        kept = list(dict.fromkeys(zip(rows.tolist(), drugs.tolist(), strict=True)))
        return _pairs([r for r, _ in kept], [d for _, d in kept])
    return _pairs(rows, drugs).drop_duplicates(ignore_index=True)


def _on_rows(obj: pd.DataFrame | pd.Series, index: pd.RangeIndex) -> pd.DataFrame | pd.Series:
    """``obj.set_axis(index)``, or ``obj`` itself when it has that index already."""
    return obj if obj.index.equals(index) else obj.set_axis(index)


def _all_bool(table: pd.DataFrame) -> pd.DataFrame:
    """``table.astype(bool)``, or ``table`` itself when every column is boolean."""
    return table if all(t == np.bool_ for t in table.dtypes.tolist()) else table.astype(bool)


def spectrum_candidates(kb: KnowledgeBase, seizure: pd.DataFrame,
                        syndrome: pd.Series) -> pd.DataFrame:
    """Every ASM whose spectrum covers one of a row's seizure types or its syndrome."""
    return _pairs(*_spectrum_arrays(kb, seizure, syndrome))


def _spectrum_arrays(kb: KnowledgeBase, seizure: pd.DataFrame, syndrome: pd.Series
                     ) -> tuple[np.ndarray, np.ndarray]:
    drugs = list(kb.drugs)
    types = list(seizure.columns)
    known = kb.spectrum_by_type
    by_type = np.array([known[t] if t in known else
                        [t in kb.drugs[d].spectrum.seizure_types
                         and not kb.drugs[d].spectrum.syndrome_only for d in drugs]
                        for t in types], dtype=bool).reshape(len(types), len(drugs)).T
    fits = seizure.to_numpy(dtype=bool) @ by_type.T.astype(np.int64) > 0
    codes, uniques = pd.factorize(syndrome.to_numpy(dtype=object))
    for j, d in enumerate(drugs):
        listed = kb.drugs[d].spectrum.syndromes
        if listed:
            fits[:, j] |= coded_member(codes, uniques, listed)
    rows, cols = np.nonzero(fits)
    return rows.astype(np.int64), np.asarray(drugs, dtype=object)[cols]


def _context(n: int, given: dict[str, pd.Series | np.ndarray]) -> pd.DataFrame:
    """The CONTEXT columns of ``n`` rows (a column may be given as an array of its dtype)."""
    index = pd.RangeIndex(n)
    out = []
    for name, dtype in CONTEXT.items():
        column = given.get(name)
        if isinstance(column, np.ndarray):
            if column.dtype == dtype and len(column) == n:
                out.append(column)  # already numeric (float) or object, one value per row
                continue
            column = pd.Series(column)
        if column is None:
            out.append(np.full(n, np.nan) if dtype is float else object_array([None] * n))
        elif column.dtype == dtype and column.index.equals(index):
            out.append(column.to_numpy())  # already numeric (float) or object on the rows
        elif dtype is float:
            out.append(pd.to_numeric(column.set_axis(index), errors="coerce").astype(float)
                       .to_numpy())
        else:
            out.append(column.set_axis(index).astype(object).to_numpy())
    return frame_of(CONTEXT_INDEX, out)


def renal_clearance(egfr: pd.Series, crcl: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The clearance the dose bands are compared with (creatinine clearance; eGFR stands in
    when only it is given) and which measure it is."""
    crcl = pd.to_numeric(crcl, errors="coerce").astype(float)
    egfr = pd.to_numeric(egfr, errors="coerce").astype(float)
    value = crcl.where(crcl.notna(), egfr)
    measure = pd.Series(np.where(crcl.notna(), "crcl", np.where(egfr.notna(), "egfr", None)),
                        dtype=object)
    return value, measure


def _with_neonatal(kb: KnowledgeBase, seizure: pd.DataFrame, age: pd.Series
                   ) -> pd.DataFrame:
    """Rows in the neonatal period (manifest) have its seizure type, whatever else they name
    (the same as :func:`advisor.inputs.patient.with_neonatal` for one patient)."""
    period = kb.manifest.neonatal_period
    young = (pd.to_numeric(age, errors="coerce") < period.before_years).to_numpy(dtype=bool)
    if not young.any():
        return seizure
    seizure = seizure.copy()
    seizure[period.seizure_type] = seizure[period.seizure_type].to_numpy(dtype=bool) | young
    return seizure


def build_frame(
    kb: KnowledgeBase,
    *,
    ids: Sequence[str],
    genotypes: pd.DataFrame | None,
    seizure: pd.DataFrame,
    context: dict[str, pd.Series],
    current: Pairs,
    extra_candidates: Pairs,
    tolerated: Pairs,
    conditions: pd.DataFrame | None = None,
    reactions: pd.DataFrame | None = None,
    clinical: pd.DataFrame | None = None,
    failed_regimens: pd.Series | None = None,
    restrict_to: Sequence[str] | None = None,
    history: Pairs | None = None,
    translated: tuple[pd.DataFrame, dict[str, dict[str, Call]]] | None = None,
) -> PatientFrame:
    """Assemble a frame; candidates = spectrum fits + current ASMs + extra candidates.

    ``restrict_to`` (cohort screens) judges exactly those drugs for every row instead.
    ``history`` (row, drug) lists every drug of the medication history. Context, conditions,
    reactions, clinical fields, history and failed regimens not given are unknown.
    ``translated`` (calls and lookup, see :func:`~advisor.genotype.table.calls_table`)
    replaces translating ``genotypes``.
    """
    n = len(ids)
    index = pd.RangeIndex(n)
    if clinical is None:
        clinical = pd.DataFrame({name: pd.Series([None] * n, dtype=object)
                                 for name in CLINICAL_FIELDS})
    if failed_regimens is None:
        failed_regimens = pd.Series(np.full(n, np.nan))
    if conditions is None:
        conditions = pd.DataFrame(np.zeros((n, len(kb.vocabulary.conditions)), dtype=bool),
                                  columns=list(kb.vocabulary.conditions))
    if reactions is None:
        reactions = pd.DataFrame({"row": np.array([], dtype=np.int64),
                                  "drug": pd.Series([], dtype=object),
                                  "reaction": pd.Series([], dtype=object)})
    if translated is not None:
        (calls, lookup), errors = translated, frame_of(GENOTYPE_ERROR_INDEX, [
            np.empty(0, dtype=object) for _ in GENOTYPE_ERROR_INDEX])
    else:
        calls, errors, lookup = translate_table(kb, genotypes.set_axis(index))
    ctx = _context(n, context)
    seizure = _with_neonatal(kb, _on_rows(seizure, index), ctx["age_years"])
    current = _with_components(kb, current)
    cur_rows, cur_drugs = _pair_arrays(current)
    tol_rows, tol_drugs = _pair_arrays(tolerated)
    current = _typed(current)
    tolerated = _typed(tolerated)
    if restrict_to is not None:
        cand_rows = np.repeat(np.arange(n), len(restrict_to))
        cand_drugs = np.asarray(list(restrict_to) * n, dtype=object)
    else:
        asm = (member(cur_drugs, list(kb.drugs)) if len(cur_drugs) <= SMALL
               else current["drug"].isin(list(kb.drugs)).to_numpy(dtype=bool))
        parts = [_spectrum_arrays(kb, seizure, ctx["syndrome"]), (cur_rows[asm], cur_drugs[asm]),
                 _pair_arrays(extra_candidates)]
        cand_rows = np.concatenate([r for r, _ in parts])
        cand_drugs = np.concatenate([d for _, d in parts])
    taken = [(cur_rows, cur_drugs), (tol_rows, tol_drugs),
             *([] if history is None else [_pair_arrays(history)])]
    tolerated = _without_reactions(tolerated, reactions,
                                   kb.dre.definition.tolerance_ended_by)
    failed_regimens = _on_rows(failed_regimens, index)
    return PatientFrame(
        ids=pd.Series(list(ids), index=index, dtype=object), calls=calls,
        seizure_types=_all_bool(seizure), context=ctx,
        conditions=_all_bool(_on_rows(conditions, index)), reactions=reactions,
        candidates=_unique_sorted(kb, cand_rows, cand_drugs), current=current,
        tolerated=tolerated, lookup=lookup,
        taken=_distinct_pairs(np.concatenate([r for r, _ in taken]),
                              np.concatenate([d for _, d in taken])),
        genotype_errors=errors,
        clinical=_on_rows(clinical, index),
        failed_regimens=failed_regimens if failed_regimens.dtype == float
        else failed_regimens.astype(float))


def frame_from_patients(kb: KnowledgeBase, patients: Sequence[Patient]) -> PatientFrame:
    """A frame from validated patient files (the consult path); genotypes translated during
    validation are not translated again."""
    types = list(kb.vocabulary.seizure_types)
    seizure = pd.DataFrame(_bools([[t in p.seizure_types for t in types] for p in patients],
                                  len(types)), columns=kb.seizure_type_columns)
    threshold = kb.dre.definition.tolerated_exposure_months
    current, extra, tolerated, history = [], [], [], []
    for row, p in enumerate(patients):
        current += [(row, d) for d in p.current_medications]
        history += [(row, t.drug) for t in p.medication_history]
        extra += [(row, d) for d in p.candidate_drugs]
        tolerated += [(row, t.drug) for t in p.medication_history
                      if t.outcome != "intolerance" and (t.duration_months or 0) >= threshold]

    def arrays(pairs: list[tuple[int, str]]) -> tuple[np.ndarray, np.ndarray]:
        drugs = np.empty(len(pairs), dtype=object)
        drugs[:] = [d for _, d in pairs]
        return np.array([r for r, _ in pairs], dtype=np.int64), drugs

    dumped = [p.clinical.model_dump() for p in patients]
    cells = np.empty((len(patients), len(CLINICAL_FIELDS)), dtype=object)
    for i, d in enumerate(dumped):
        for j, name in enumerate(CLINICAL_FIELDS):
            cells[i, j] = d.get(name)
    # one object block (framing a dict of object Series costs ten times more)
    clinical = pd.DataFrame(cells, columns=CLINICAL_INDEX, dtype=object)
    conditions = pd.DataFrame(_bools([[c in p.conditions for c in kb.vocabulary.conditions]
                                      for p in patients], len(kb.vocabulary.conditions)),
                              columns=kb.condition_columns)
    reactions = [(row, r.drug, r.reaction) for row, p in enumerate(patients)
                 for r in p.adverse_reactions]
    renal = [p.renal for p in patients]
    crcl = [r.creatinine_clearance_ml_min if r else None for r in renal]
    egfr = [r.egfr_ml_min if r else None for r in renal]

    def numbers(values: list) -> np.ndarray:  # as pd.Series(values, dtype=float)
        return np.array(values, dtype=float)

    column = object_array  # as pd.Series(values, dtype=object)
    context = {
        "syndrome": column([p.syndrome for p in patients]),
        "age_years": numbers([p.age_years for p in patients]),
        "weight_kg": numbers([p.weight_kg for p in patients]),
        "sex": column([p.sex for p in patients]),
        "pregnancy": column([p.pregnancy for p in patients]),
        "renal_clearance_ml_min": numbers([c if c is not None else e
                                           for c, e in zip(crcl, egfr, strict=True)]),
        "renal_measure": column(["crcl" if c is not None else "egfr" if e is not None else None
                                 for c, e in zip(crcl, egfr, strict=True)]),
        "dialysis": column([r.dialysis if r else None for r in renal]),
        "child_pugh": column([p.hepatic.child_pugh if p.hepatic else None for p in patients]),
    }
    return build_frame(
        kb, ids=[p.id or "" for p in patients], genotypes=None,
        translated=calls_table([genotype_calls(kb, p) for p in patients]), seizure=seizure,
        context=context, conditions=conditions,
        reactions=frame_of(REACTION_INDEX, [
            np.array([r for r, _, _ in reactions], dtype=np.int64),
            object_array([d for _, d, _ in reactions]),
            object_array([x for _, _, x in reactions])]),
        current=arrays(current), extra_candidates=arrays(extra), tolerated=arrays(tolerated),
        history=arrays(history), clinical=clinical,
        failed_regimens=pd.Series([failed_adequate_trials(p) for p in patients], dtype=float))


def _bools(rows: list[list[bool]], width: int) -> np.ndarray:
    """A boolean matrix of ``rows`` (faster to frame than nested lists)."""
    return np.array(rows, dtype=bool).reshape(len(rows), width)


def failed_adequate_trials(patient: Patient) -> int:
    """Distinct drugs whose adequate trial failed for lack of efficacy."""
    return len({t.drug for t in patient.medication_history
                if t.outcome == "inefficacy" and t.adequate})


def frame_from_table(kb: KnowledgeBase, table: pd.DataFrame, *, first_row: int = 1,
                     restrict_to: Sequence[str] | None = None,
                     failed_regimens: pd.Series | None = None,
                     ) -> tuple[PatientFrame, pd.DataFrame]:
    """A frame from a patient table (cohort chunk, training table) and its bad cells.

    Returns ``(frame, errors)``; ``errors`` has one row per bad cell (``row, sample_id,
    field, value, error``, rows numbered from ``first_row``), genotype errors included. A
    row with an error is still in the frame; callers leave it out of their results.
    Without a ``seizure_types`` column (and without ``restrict_to``) every ASM is judged.
    """
    checked = check_table(kb, table, first_row=first_row)
    frame = frame_from_checked(kb, checked, judge_all="seizure_types" not in table,
                               restrict_to=restrict_to, failed_regimens=failed_regimens)
    errors = checked.errors
    geno = frame.genotype_errors
    if len(geno):
        rows = geno["row"].to_numpy(dtype=np.int64)
        ids = np.asarray(checked.ids, dtype=object)
        id_cells = table["sample_id"].to_numpy(dtype=object) if "sample_id" in table else ids
        errors = [*errors, pd.DataFrame({
            "row": checked.row_numbers[rows], "sample_id": bounded(id_cells[rows]),
            "field": geno["field"].to_numpy(), "value": bounded(geno["value"].to_numpy()),
            "error": bounded(geno["error"].to_numpy(), MESSAGE_CHARS)})]
    return frame, sorted_errors(errors)


def sorted_errors(errors: list[pd.DataFrame]) -> pd.DataFrame:
    """Error tables as one, ordered by row, then field."""
    table = (pd.concat(errors, ignore_index=True)[ERROR_COLUMNS] if errors
             else pd.DataFrame(columns=ERROR_COLUMNS))
    return table.sort_values(["row", "field"], kind="stable", ignore_index=True)


def table_context(checked: CheckedTable) -> dict[str, pd.Series]:
    """A checked table's context columns as the frame holds them (renal function as one
    clearance and the measure it comes from)."""
    ctx = dict(checked.context)
    ctx["renal_clearance_ml_min"], ctx["renal_measure"] = renal_clearance(
        ctx.pop("egfr_ml_min"), ctx.pop("creatinine_clearance_ml_min"))
    return ctx


def frame_from_checked(kb: KnowledgeBase, checked: CheckedTable, *, judge_all: bool,
                       restrict_to: Sequence[str] | None = None,
                       failed_regimens: pd.Series | None = None) -> PatientFrame:
    """The frame of a checked table (``judge_all``: the table gives no seizure types, so
    every ASM is judged unless ``restrict_to`` says otherwise)."""
    if restrict_to is None and judge_all:
        restrict_to = list(kb.drugs)
    return build_frame(
        kb, ids=checked.ids, genotypes=checked.genotypes, seizure=checked.seizure,
        context=table_context(checked), conditions=checked.conditions,
        reactions=checked.reactions, current=checked.current,
        extra_candidates=checked.candidates, tolerated=pd.DataFrame(columns=PAIR_COLUMNS),
        clinical=checked.clinical, failed_regimens=failed_regimens, restrict_to=restrict_to)


def with_other_drugs(kb: KnowledgeBase, frame: PatientFrame) -> PatientFrame:
    """The same patients judged for every other ASM: each ASM that is neither a row's
    candidate nor among its current medications, in knowledge-base order."""
    asm = np.sort(kb.drug_index.get_indexer(pd.Index(list(kb.drugs), dtype=object)))
    other = np.ones((len(frame), len(kb.drug_index)), dtype=bool)
    for table in ("candidate", "current"):
        rows, codes = coded_pairs(kb, frame, table)
        other[rows[codes >= 0], codes[codes >= 0]] = False
    rows, at = np.nonzero(other[:, asm])
    judged = _judging(frame, _pairs(rows, kb.drug_names[asm[at]]))
    coded_pairs(kb, judged, "candidate", (rows.astype(np.int64), asm[at].astype(np.int64)))
    return judged


def _judging(frame: PatientFrame, candidates: pd.DataFrame) -> PatientFrame:
    """The frame with other candidates; what does not depend on them is shared."""
    judged = replace(frame, candidates=candidates)
    judged.__dict__["arrays"] = frame.arrays
    for same in ("current_pairs", "tolerated_pairs", "taken_pairs"):
        if same in frame.__dict__:
            judged.__dict__[same] = frame.__dict__[same]
    return judged


def with_candidates(kb: KnowledgeBase, frame: PatientFrame, drugs: Sequence[str]) -> PatientFrame:
    """The same patients judged for ``drugs`` only (e.g. a treatment pathway's drugs). Every
    row gets the same drugs, so they are put in knowledge-base order (a name repeated, or
    two unknown names, once) before they are repeated for the rows."""
    one = _unique_sorted(kb, np.zeros(len(drugs), dtype=np.int64),
                         object_array(list(drugs)))["drug"].to_numpy(dtype=object)
    return _judging(frame, _pairs(np.repeat(np.arange(len(frame)), len(one)),
                                  np.tile(one, len(frame))))
