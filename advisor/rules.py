"""Evaluate the knowledge base's declarative rules against a table of patients.

Three kinds of knowledge produce flags, all vectorised over the rows of a
:class:`~advisor.frame.PatientFrame`:

- ``rules/*.yaml``: genotype (and context) conditions x selected drugs;
- each drug's ``aggravates`` entries: seizure types and syndromes the drug may worsen;
- ``interactions.yaml``: pairs among current medications and candidate drugs.

Each producer returns column arrays for its hits; :func:`evaluate` builds one table.
Nothing here knows a gene or a drug by name.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache

import numpy as np
import pandas as pd

from advisor.distinct import first_and_inverse
from advisor.frame import (
    SMALL,
    PairSet,
    PatientFrame,
    coded_pairs,
    drug_codes,
    member,
    same_na,
)
from advisor.framed import columns_index, frame_of
from advisor.genotype import column
from advisor.knowledge import KnowledgeBase
from advisor.numbers import syndrome_phrase
from advisor.schema import (
    Band,
    Condition,
    Evidence,
    HepaticBand,
    Interaction,
    PriorReaction,
    RenalBand,
)
from advisor.schema.rules import UNTESTED
from advisor.vocabulary import ACTION_ORDER, SEVERITY_ORDER

# What a renal or hepatic statement is flagged as: (action, severity).
ORGAN_ACTION = {"reduce_dose": ("reduce_dose", "high"), "avoid": ("avoid", "high"),
                "reduce_unquantified": ("reduce_dose", "high"),
                "no_labelled_dose": ("use_with_caution", "high"),
                "use_with_caution": ("use_with_caution", "moderate"),
                "monitor": ("monitor", "moderate"), "not_studied": ("use_with_caution", "low")}
DOSE_ACTIONS = ("reduce_dose", "increase_dose")
AVOID = frozenset({"avoid"})
FLAG_COLUMNS = ["row", "category", "drug", "gene", "action", "severity", "message", "evidence",
                "evidence_level", "contested", "rule", "interacting_drug"]
FLAG_INDEX = columns_index(FLAG_COLUMNS)


def _bounds(values: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float) \
        if values.dtype == object else values.astype(float)
    ok = ~np.isnan(v)
    if lo is not None:
        ok &= v >= lo
    if hi is not None:
        ok &= v <= hi
    return ok


def _in_band(v: np.ndarray, band: Band) -> np.ndarray:
    """Known values (float array) inside a half-open band (unknown values never match)."""
    ok = ~np.isnan(v)
    if band.lo is not None:
        ok &= v >= band.lo
    if band.hi is not None:
        ok &= v < band.hi
    return ok


def _reacted(frame: PatientFrame, cond: PriorReaction) -> tuple[np.ndarray, np.ndarray]:
    """The (rows, drugs) of the past reactions a prior_reaction condition matches."""
    a = frame.arrays
    if not len(a.reaction_rows):  # no past reaction in the frame
        return a.reaction_rows, a.reaction_drugs
    hit = member(a.reaction_kinds, cond.reactions)
    if cond.drugs:
        hit &= member(a.reaction_drugs, cond.drugs)
    return a.reaction_rows[hit], a.reaction_drugs[hit]


def _gene_mask(frame: PatientFrame, cond: Condition) -> np.ndarray:
    """Rows whose genotype value, phenotype or activity score meets a gene condition."""
    a = frame.arrays
    values = a.call(column(cond.gene, "value"))
    untested = cond.value_in is not None and UNTESTED in cond.value_in
    if values is None:  # no row has a result for the key
        return np.full(frame.arrays.n, untested)
    if cond.value_in is not None:
        hit = a.among(column(cond.gene, "value"), cond.value_in)
        return hit | ~a.given(column(cond.gene, "value")) if untested else hit
    if cond.variant_in is not None:
        return a.among(column(cond.gene, "display"), cond.variant_in)
    if cond.phenotype_in is not None:
        return a.among(column(cond.gene, "phenotype"), cond.phenotype_in)
    score = cond.activity_score
    return _bounds(a.call(column(cond.gene, "activity_score")), score.min, score.max)


def _person_mask(frame: PatientFrame, cond: Condition) -> np.ndarray | None:
    """Rows meeting an age, weight, sex, pregnancy or past-reaction condition (None: the
    condition is of another kind)."""
    a = frame.arrays
    if cond.age_years is not None:
        return _in_band(a.age, cond.age_years)
    if cond.age_given is not None:
        return ~np.isnan(a.age) if cond.age_given else np.isnan(a.age)
    if cond.weight_kg is not None:
        return _in_band(a.weight, cond.weight_kg)
    if cond.weight_given is not None:
        return ~np.isnan(a.weight) if cond.weight_given else np.isnan(a.weight)
    if cond.sex_in is not None:
        return a.among("sex", cond.sex_in)
    if cond.sex_given is not None:
        return a.given("sex") == cond.sex_given
    if cond.pregnancy_in is not None:
        given = a.among("pregnancy", cond.pregnancy_in)
        return given | ~a.given("pregnancy") if "unknown" in cond.pregnancy_in else given
    if cond.prior_reaction is not None:
        mask = np.zeros(frame.arrays.n, dtype=bool)
        mask[_reacted(frame, cond.prior_reaction)[0]] = True
        return mask
    return None


def row_mask(frame: PatientFrame, cond: Condition) -> np.ndarray:
    """Rows of the frame for which one condition holds (drug_naive: every row; it is judged
    per patient-drug pair)."""
    a = frame.arrays
    if cond.gene is not None:
        return _gene_mask(frame, cond)
    if cond.seizure_types_any is not None:
        return a.any_of(a.seizure, a.seizure_index, cond.seizure_types_any)
    if cond.syndromes_any is not None:
        return a.among("syndrome", cond.syndromes_any)
    if cond.conditions_any is not None:
        return a.any_of(a.conditions, a.condition_index, cond.conditions_any)
    if cond.taking_any is not None or cond.not_taking_any is not None:
        rows = np.arange(frame.arrays.n)
        if cond.taking_any is not None:
            return a.takes_any(cond.taking_any, rows)
        return ~a.takes_any(cond.not_taking_any, rows)
    if cond.any_of is not None:
        return np.logical_or.reduce([row_mask(frame, c) for c in cond.any_of])
    person = _person_mask(frame, cond)
    return np.ones(frame.arrays.n, dtype=bool) if person is None else person


def candidates_by_drug(kb: KnowledgeBase, frame: PatientFrame
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The frame's candidate pairs grouped by drug, made once per frame: ``(positions,
    rows, bounds)``; ``positions[bounds[c]:bounds[c + 1]]`` are the pairs (positions among
    the candidate pairs, ascending) of drug code ``c``, ``rows`` their rows."""
    key = ("candidates by drug", kb.sha256)
    if key not in frame.memo:
        cand_rows, codes = coded_pairs(kb, frame, "candidate")
        small = codes.astype(np.int16) if len(kb.drug_index) < 2**15 else codes
        order = np.argsort(small, kind="stable")  # a radix sort on 16-bit codes
        bounds = np.searchsorted(codes[order], np.arange(len(kb.drug_index) + 1))
        frame.memo[key] = (order, cand_rows[order], bounds)
    return frame.memo[key]


def pair_set(kb: KnowledgeBase, frame: PatientFrame, table: str) -> PairSet:
    """The pairs of a frame's pair table (see :func:`coded_pairs`) as a set, made once per
    frame."""
    key = (f"{table} set", kb.sha256)
    if key not in frame.memo:
        frame.memo[key] = PairSet(kb, frame.arrays.n, *coded_pairs(kb, frame, table))
    return frame.memo[key]


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values)`` (missing values coded -1, uniques in order of first
    appearance); a dict for a few values."""
    if len(values) > SMALL:
        return pd.factorize(values)
    seen: dict[object, int] = {}
    codes = np.fromiter((-1 if same_na(v) is None else seen.setdefault(v, len(seen))
                         for v in values), dtype=np.intp, count=len(values))
    uniques = np.empty(len(seen), dtype=object)
    uniques[:] = list(seen)
    return codes, uniques


def _combine_few(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_combine_codes` for a few values, with dicts instead of hash tables and sorts
    (the same codes: each part coded in order of first appearance, combinations in the
    order of those codes)."""
    coded = []
    for part in parts:
        seen: dict[object, int] = {}
        coded.append([seen.setdefault(same_na(v), len(seen)) for v in part])
    keys = list(zip(*coded, strict=True))
    first: dict[tuple[int, ...], int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    distinct = sorted(first)
    position = {key: i for i, key in enumerate(distinct)}
    return (np.array([position[k] for k in keys], dtype=np.intp),
            np.array([first[k] for k in distinct], dtype=np.intp))


def _combine_codes(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of distinct value combinations across arrays, and a first index of each."""
    if len(parts[0]) <= SMALL:
        return _combine_few(parts)
    key = np.zeros(len(parts[0]), dtype=np.int64)
    for part in parts:
        codes, uniques = pd.factorize(part, use_na_sentinel=False)
        key = key * (len(uniques) + 1) + codes
    firsts, inverse = first_and_inverse(key)
    return inverse, firsts


_CALL_FIELDS = {"value": "display", "phenotype": "phenotype",
                "activity_score": "activity_score"}  # message placeholder -> call column


@cache
def _placeholders(template: str) -> tuple[str, ...]:
    """The call placeholders a message uses (``{value}``, ``{phenotype}``, ...)."""
    used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return tuple(name for name in _CALL_FIELDS if name in used)


def _fill(template: str, frame: PatientFrame, rows: np.ndarray, drugs: np.ndarray,
          codes: np.ndarray, gene: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Message codes per hit and the distinct texts (formatted once per combination of the
    values the message uses; ``codes``: the drugs' codes)."""
    names = _placeholders(template)
    parts, columns = [codes], []  # what is combined; each placeholder's column (or None)
    for name in names:
        col = column(gene, _CALL_FIELDS[name]) if gene else ""
        values = frame.arrays.call(col) if col else None
        columns.append(values)
        if values is None:
            parts.append(np.full(len(rows), None, dtype=object))
        elif len(rows) > SMALL and values.dtype == object:  # text: its codes stand for it
            parts.append(frame.arrays.coded(col)[0][rows])
        else:
            parts.append(values[rows].astype(object))
    message_codes, firsts = _combine_codes(parts)
    at = rows[firsts]
    shown = [np.full(len(at), None, dtype=object) if values is None else values[at]
             for values in columns]
    texts = [template.format(drug=_text(d), gene=gene or "",
                             **{name: _text(v) for name, v in zip(names, rest, strict=True)})
             for d, *rest in zip(drugs[firsts], *shown, strict=True)]
    return message_codes, np.asarray(texts, dtype=object)


@dataclass
class _Part:
    """The hits of one rule, aggravation entry or interaction, with what they share."""

    rows: np.ndarray
    drugs: np.ndarray
    drug_codes: np.ndarray  # the drugs' codes (:func:`drug_codes`)
    message_codes: np.ndarray
    messages: np.ndarray
    category: str
    gene: str | None
    action: str
    severity: str
    evidence: Evidence
    rule: str
    interacting: np.ndarray | None = None


Actions = frozenset[str] | None  # the flag actions wanted (None: every action)


_PAIR_TESTS = {"drug_naive": "tolerated", "ever_taken": "taken", "drug_current": "current"}


def _pair_tested(kb: KnowledgeBase, frame: PatientFrame, when: list[Condition],
                 rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Which pairs (rows, drug codes) pass the rule's tests of the judged drug itself:
    drug_naive holds for a pair not in the frame's tolerated pairs, ever_taken and
    drug_current for a pair in its taken and current pairs."""
    keep = np.ones(len(rows), dtype=bool)
    for cond in when:
        for test, table in _PAIR_TESTS.items():
            wanted = getattr(cond, test)
            if wanted is None or not keep.any():
                continue
            found = pair_set(kb, frame, table).has(rows, codes)
            keep &= ~found == wanted if test == "drug_naive" else found == wanted
    return keep


def _rule_flags(kb: KnowledgeBase, frame: PatientFrame, only: Actions = None
                ) -> Iterator[_Part]:
    cand_rows, cand_drugs = frame.candidate_pairs
    cand_codes = coded_pairs(kb, frame, "candidate")[1]
    positions, by_drug, bounds = candidates_by_drug(kb, frame)
    judged = set(cand_codes.tolist())
    for category, rule in kb.rules:
        if only is not None and rule.then.action not in only:
            continue
        chosen_set = kb.rule_drug_code_sets[rule.id]
        if judged.isdisjoint(chosen_set) and not rule.drugs.reacted:
            continue  # none of its drugs is judged for anyone
        mask = np.ones(frame.arrays.n, dtype=bool)
        alive = frame.arrays.n > 0  # mask.any()
        for cond in rule.when:
            mask &= row_mask(frame, cond)
            alive = bool(mask.any())
            if not alive:
                break
        if not alive:
            continue
        if rule.drugs.reacted:  # the drugs of the matching past reactions themselves
            in_rows = np.flatnonzero(mask[cand_rows])
            chosen = kb.rule_drug_masks[rule.id][cand_codes[in_rows]]
            found = [_reacted(frame, c.prior_reaction) for c in rule.when
                     if c.prior_reaction is not None]
            reacted = PairSet(kb, frame.arrays.n, np.concatenate([r for r, _ in found]),
                              drug_codes(kb, np.concatenate([d for _, d in found])))
            chosen |= reacted.has(cand_rows[in_rows], cand_codes[in_rows])
            selected = in_rows[chosen]
        else:  # the pairs of the rule's drugs, in pair order
            selected = np.sort(np.concatenate([
                positions[bounds[c]:bounds[c + 1]][mask[by_drug[bounds[c]:bounds[c + 1]]]]
                for c in sorted(chosen_set) if c >= 0]))
        selected = selected[_pair_tested(kb, frame, rule.when, cand_rows[selected],
                                         cand_codes[selected])]
        rows, drugs = cand_rows[selected], cand_drugs[selected]
        if not len(rows):
            continue
        gene_key = next((c.gene for c in rule.when if c.gene), None)
        codes, texts = _fill(rule.then.message, frame, rows, drugs, cand_codes[selected],
                             gene_key)
        yield _Part(rows, drugs, cand_codes[selected], codes, texts, category,
                    kb.input_keys.get(gene_key) if gene_key else None, rule.then.action,
                    rule.then.severity, rule.evidence, rule.id)


AGGRAVATES = ":aggravates:"  # in the rule id of a flag from a drug's aggravates entry


def _aggravation_flags(kb: KnowledgeBase, frame: PatientFrame, only: Actions = None
                       ) -> Iterator[_Part]:
    """Paradoxical flags from each drug's ``aggravates`` entries (seizure type or syndrome)."""
    _, by_drug, bounds = candidates_by_drug(kb, frame)
    vocab = kb.vocabulary
    syndrome, seizure = frame.arrays.syndrome, frame.arrays.seizure
    # seizure types and syndromes someone in the frame has: other entries cannot hit
    present = seizure.any(axis=0)
    position = {t: i for t, i in frame.arrays.seizure_index.items() if present[i]}
    syndromes = frame.arrays.distinct("syndrome")
    for name, drug in kb.drugs.items():
        # the entries naming a seizure type or syndrome someone has (the others cannot hit)
        entries = [(i, agg, cols) for i, agg in enumerate(drug.aggravates)
                   if (only is None or agg.action in only)
                   and ((cols := [t for t in agg.seizure_types if t in position])
                        or syndromes.intersection(agg.syndromes))]
        if not entries:
            continue
        at = kb.drug_code[name]
        rows = by_drug[bounds[at]:bounds[at + 1]]
        if not len(rows):
            continue
        for i, agg, cols in entries:
            which = seizure[np.ix_(rows, [position[c] for c in cols])]
            by_syndrome = frame.arrays.among("syndrome", agg.syndromes, rows)
            hit = which.any(axis=1) | by_syndrome
            if not hit.any():
                continue
            # "(patient: absence seizures, childhood absence epilepsy)", built column-wise
            reason = np.full(int(hit.sum()), "", dtype=object)
            labels = [vocab.seizure_types[c].lower() for c in cols]
            syn_codes, syn_uniques = _factorize(syndrome[rows][hit])
            syn_names = np.array([*(syndrome_phrase(vocab.syndromes.get(x, ""))
                                    for x in syn_uniques), ""],
                                 dtype=object)[syn_codes]  # code -1 (none): the last
            for present, label in [*zip(which[hit].T, labels, strict=True),
                                   (by_syndrome[hit], syn_names)]:
                sep = np.where(reason == "", "", ", ")
                reason = np.where(present, reason + sep + label, reason)
            codes, reasons = _factorize(reason)
            text = agg.message.format(drug=name)
            yield _Part(rows[hit], np.full(int(hit.sum()), name, dtype=object),
                        np.full(int(hit.sum()), at, dtype=np.int64), codes,
                        np.array([f"{text} (patient: {r})" for r in reasons],
                                 dtype=object), "paradoxical", None, agg.action, agg.severity,
                        agg.evidence, f"drug:{name}{AGGRAVATES}{i}")


def covered(frame: PatientFrame, rows: np.ndarray, *, age: Band | None = None,
            weight: Band | None = None, indication: object = "all",
            when_taking: list[str] | tuple[str, ...] = (),
            when_also_taking: list[str] | tuple[str, ...] = (),
            when_not_taking: list[str] | tuple[str, ...] = (),
            also_taken: tuple[str, ...] = (), not_taken: tuple[str, ...] = ()) -> np.ndarray:
    """Which of ``rows`` a dose band or organ statement is for (its age band, weight band,
    indication and co-medication); an unknown age or weight never matches a band.
    ``also_taken``: drugs to count as taken as well (a candidate, as if it were started);
    ``not_taken``: drugs taken to count as not taken (an inducer stopped now)."""
    a = frame.arrays
    ok = np.ones(len(rows), dtype=bool)
    if age is not None:
        ok &= _in_band(a.age[rows], age)
    if weight is not None:
        ok &= _in_band(a.weight[rows], weight)
    if (age is not None or weight is not None) and not ok.any():
        return ok  # no row left for the other tests to keep
    if indication != "all":
        ok &= (a.any_of(a.seizure, a.seizure_index, indication.seizure_types, rows)
               | a.among("syndrome", indication.syndromes, rows))
    for drugs, want in ((when_taking, True), (when_also_taking, True),
                        (when_not_taking, False)):
        if drugs:
            taken = [d for d in drugs if d not in not_taken]
            ok &= (a.takes_any(taken, rows) | bool(set(drugs) & set(also_taken))) == want
    return ok


# A label's category words for kidney function, as KDOQI stages of CLcr or eGFR (mL/min):
# mild 60-89, moderate 30-59, severe 15-29, end stage (kidney failure) below 15 or dialysis.
# A statement for severe impairment also covers kidney failure (below 15, or dialysis).
RENAL_STAGES_ML_MIN = {"mild": (60.0, 90.0), "moderate": (30.0, 60.0), "severe": (0.0, 30.0),
                       "end_stage": (0.0, 15.0)}


def _stages(stages: list[str]) -> str:
    """The clearance range of KDOQI stages in words, e.g. 'CLcr or eGFR 30-59 mL/min'."""
    lo = min(RENAL_STAGES_ML_MIN[s][0] for s in stages)
    hi = max(RENAL_STAGES_ML_MIN[s][1] for s in stages)
    limit = f"below {hi:g}" if lo == 0 else f"{lo:g}-{hi - 1:g}"
    dialysis = " or dialysis" if {"severe", "end_stage"} & set(stages) else ""
    return f"CLcr or eGFR {limit} mL/min{dialysis}"


def renal_match(frame: PatientFrame, rows: np.ndarray, band: RenalBand) -> np.ndarray:
    """Rows whose kidney function the band describes (clearance band, dialysis, or the
    label's category words as KDOQI stages, see :data:`RENAL_STAGES_ML_MIN`)."""
    a = frame.arrays
    if not a.renal_known[rows].any():  # no clearance and no dialysis: no band describes it
        return np.zeros(len(rows), dtype=bool)
    clearance = a.clearance[rows]
    if band.crcl_ml_min is not None:
        return _in_band(clearance, band.crcl_ml_min) & ~a.given("dialysis", rows)
    if band.dialysis:
        return a.among("dialysis", band.dialysis, rows)
    clearance = np.asarray(clearance, dtype=float)
    hit = np.zeros(len(rows), dtype=bool)
    for stage in band.impairment:
        lo, hi = RENAL_STAGES_ML_MIN[stage]
        hit |= (clearance >= lo) & (clearance < hi)
    if {"severe", "end_stage"} & set(band.impairment):
        hit |= a.given("dialysis", rows)
    return hit


def hepatic_match(frame: PatientFrame, rows: np.ndarray, band: HepaticBand) -> np.ndarray:
    """Rows whose Child-Pugh class the band names (and whose kidney function is given or
    not, when the band says)."""
    if not frame.arrays.hepatic_known[rows].any():  # no Child-Pugh class given
        return np.zeros(len(rows), dtype=bool)
    hit = frame.arrays.among("child_pugh", band.child_pugh, rows)
    if band.renal_function_given is not None:
        hit &= frame.arrays.renal_known[rows] == band.renal_function_given
    return hit


def _organ_flags(kb: KnowledgeBase, frame: PatientFrame, only: Actions = None
                 ) -> Iterator[_Part]:
    """organ_function flags from each drug's renal and hepatic statements that fit the
    patient (age band, weight, indication, co-medication, and kidney or liver function).
    A statement of "no adjustment" raises no flag; the dose table says it."""
    _, by_drug, bounds = candidates_by_drug(kb, frame)
    a = frame.arrays
    # without a kidney (liver) function given, no renal (hepatic) statement matches a row
    renal_any, hepatic_any = bool(a.renal_known.any()), bool(a.hepatic_known.any())
    for name, drug in kb.drugs.items():
        at = kb.drug_code[name]
        rows = by_drug[bounds[at]:bounds[at + 1]]
        if not len(rows):
            continue
        organs = [("renal", i, b, renal_match) for i, b in enumerate(drug.dosing.renal)
                  if renal_any] + [("hepatic", i, b, hepatic_match)
                                   for i, b in enumerate(drug.dosing.hepatic) if hepatic_any]
        for organ, i, band, match in organs:
            if band.action == "no_adjustment" or (
                    only is not None and ORGAN_ACTION[band.action][0] not in only):
                continue
            hit = match(frame, rows, band)
            if not hit.any():
                continue
            hit &= covered(frame, rows, age=band.age_years, weight=band.weight_kg,
                           indication=band.indication, when_taking=band.when_taking)
            if not hit.any():
                continue
            action, severity = ORGAN_ACTION[band.action]
            text = band.message
            if organ == "renal" and band.impairment:  # the statement first, then its scope
                scope = ("any" if set(band.impairment) == set(RENAL_STAGES_ML_MIN)
                         else " or ".join(s.replace("_", " ") for s in band.impairment))
                text = (f"{text.rstrip()} (A label statement without clearance limits, "
                        f"applied here to {scope} renal impairment as KDOQI stages, "
                        f"{_stages(band.impairment)}: judge whether it applies.)")
            yield _Part(rows[hit], np.full(int(hit.sum()), name, dtype=object),
                        np.full(int(hit.sum()), at, dtype=np.int64),
                        np.zeros(int(hit.sum()), dtype=np.int64),
                        np.array([text], dtype=object), "organ_function", None, action,
                        severity, band.evidence, f"drug:{name}:{organ}:{i}")


def _join(kb: KnowledgeBase, rows: np.ndarray, codes: np.ndarray, on: str
          ) -> tuple[np.ndarray, np.ndarray]:
    """Every (row, interaction-pair index) where ``codes`` is the pair's ``on`` side
    (perpetrator or victim): a sorted-array join, as fast on one patient as on a cohort."""
    table = kb.interaction_arrays
    order, ordered = table[f"{on}_order"], table[f"{on}_sorted"]
    lo = np.searchsorted(ordered, codes, "left")
    counts = np.searchsorted(ordered, codes, "right") - lo
    total = int(counts.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(rows, counts), order[np.repeat(lo, counts) + offsets]


def _interaction_flags(kb: KnowledgeBase, frame: PatientFrame, only: Actions = None
                       ) -> Iterator[_Part]:
    """Interactions where at least one partner is a current medication.

    A flag is attached to the drug being judged: the victim when the perpetrator is
    already taken (the perpetrator instead where the interaction says ``flag_on:
    perpetrator``), or the candidate perpetrator when the victim is already taken.
    Joins run on integer drug codes.
    """
    if frame.current.empty:
        return
    table = kb.interaction_arrays
    perp_of, victim_of, inter_of = table["perpetrator"], table["victim"], table["inter"]
    cur_rows, cur_codes = coded_pairs(kb, frame, "current")
    taken, candidate = pair_set(kb, frame, "current"), pair_set(kb, frame, "candidate")
    # a: the perpetrator is taken; the victim is judged (a candidate or taken)
    rows_a, pair_a = _join(kb, cur_rows, cur_codes, "perpetrator")
    victim = victim_of[pair_a]
    keep = ((candidate.has(rows_a, victim) | taken.has(rows_a, victim))
            & (perp_of[pair_a] != victim))
    hits_a = _distinct(rows_a[keep], pair_a[keep])
    # b: the victim is taken; the perpetrator is a candidate not yet taken
    rows_b, pair_b = _join(kb, cur_rows, cur_codes, "victim")
    perp = perp_of[pair_b]
    keep = (candidate.has(rows_b, perp) & ~taken.has(rows_b, perp)
            & (perp != victim_of[pair_b]))
    hits_b = _distinct(rows_b[keep], pair_b[keep])
    names = kb.drug_names
    for (rows_all, pairs_all), judged_is_victim in ((hits_a, True), (hits_b, False)):
        inter_idx = inter_of[pairs_all]
        order = np.argsort(inter_idx, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(inter_idx[order]) != 0])
        for group in np.split(order, starts[1:]) if len(order) else []:
            inter = kb.interactions[int(inter_idx[group[0]])]
            on_victim = judged_is_victim and inter.flag_on == "victim"
            if only is not None and _judged_action(inter, on_victim) not in only:
                continue
            rows, pairs = rows_all[group], pairs_all[group]
            keep = ~frame.arrays.takes_any(inter.unless_taking, rows)
            if keep.any():
                judged = (victim_of if on_victim else perp_of)[pairs[keep]]
                perp, vict = names[perp_of[pairs[keep]]], names[victim_of[pairs[keep]]]
                yield _interaction_part(inter, rows[keep], perp, vict, judged, on_victim,
                                        kb.shown_names)


def _distinct(rows: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (row, interaction-pair) hits."""
    if not len(rows):
        return rows, pairs
    first, _ = first_and_inverse(rows * (int(pairs.max()) + 1) + pairs)
    return rows[first], pairs[first]


def _judged_action(inter: Interaction, judged_is_victim: bool) -> str:
    """An interaction's action on the drug judged: a candidate perpetrator's own dose does
    not change ('monitor', pointing to the victim's dose row)."""
    if not judged_is_victim and inter.action in DOSE_ACTIONS:
        return "monitor"
    return inter.action


def _interaction_part(inter: Interaction, rows: np.ndarray, perp: np.ndarray,
                      vict: np.ndarray, judged_codes: np.ndarray, judged_is_victim: bool,
                      shown: dict[str, str]) -> _Part:
    """The flags of one interaction: on the victim (perpetrator taken) or on the candidate
    perpetrator (victim taken), whose own dose does not change: 'monitor', pointing to the
    victim's dose row. ``judged_codes``: the codes of the drugs the flags are on. The
    message names co-medications by their ``shown`` names."""
    text = " ".join([inter.effect.strip(), f"Magnitude: {inter.magnitude.strip().rstrip('.')}.",
                     f"Management: {inter.management.strip()}"])
    codes, firsts = _combine_codes([perp, vict])
    action = _judged_action(inter, judged_is_victim)
    pairs = [(shown.get(p, p), shown.get(v, v)) for p, v in zip(perp[firsts], vict[firsts],
                                                                 strict=True)]
    if action != inter.action:
        texts = [f"Starting {p} changes the dose of {v} (see the {v} dose): {p} + {v}: {text}"
                 for p, v in pairs]
    else:
        texts = [f"{p} + {v}: {text}" for p, v in pairs]
    judged, other = (vict, perp) if judged_is_victim else (perp, vict)
    return _Part(rows, judged, judged_codes, codes, np.array(texts, dtype=object),
                 "interaction", None,
                 action, inter.severity, inter.evidence, f"interaction:{inter.id}", other)


def records(flags: pd.DataFrame) -> list[dict[str, object]]:
    """The flags as one dict per flag (``DataFrame.to_dict("records")``, faster on the
    categorical columns :func:`evaluate` returns)."""
    columns = list(flags.columns)
    return [dict(zip(columns, values, strict=True))
            for values in flags.to_numpy(dtype=object).tolist()]


def _parts(kb: KnowledgeBase, frame: PatientFrame, only: Actions = None) -> list[_Part]:
    return [p for p in (*_rule_flags(kb, frame, only), *_aggravation_flags(kb, frame, only),
                        *_organ_flags(kb, frame, only), *_interaction_flags(kb, frame, only))
            if len(p.rows)]


def _on_candidates(kb: KnowledgeBase, frame: PatientFrame, parts: list[_Part]
                   ) -> list[_Part]:
    """The parts' flags on the frame's candidate pairs only (an interaction also flags a
    victim already taken)."""
    judged = pair_set(kb, frame, "candidate")
    out = []
    for p in parts:
        keep = judged.has(p.rows, p.drug_codes)
        if keep.all():
            out.append(p)
        elif keep.any():
            out.append(replace(p, rows=p.rows[keep], drugs=p.drugs[keep],
                               drug_codes=p.drug_codes[keep], message_codes=p.message_codes[keep],
                               interacting=None if p.interacting is None
                               else p.interacting[keep]))
    return out


def evaluate(kb: KnowledgeBase, frame: PatientFrame, *,
             avoid_only: PatientFrame | None = None) -> pd.DataFrame:
    """All flags for every row, sorted by row, drug, then seriousness.

    ``avoid_only``: the same rows with other drugs as candidates, judged only for what the
    rows must avoid (flags of action 'avoid' on those drugs), as if they had been judged
    with the frame's candidates and only those flags kept, at a fraction of the cost.

    Text columns are categorical (few distinct values over many rows); ``evidence`` holds
    the source ids joined by ';'.
    """
    parts = _parts(kb, frame)
    if avoid_only is not None:
        parts += _on_candidates(kb, avoid_only, _parts(kb, avoid_only, AVOID))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    part_id = np.repeat(np.arange(len(parts)), [len(p.rows) for p in parts])
    rows = np.concatenate([p.rows for p in parts]).astype(np.int64)
    codes_of_drugs = np.concatenate([p.drug_codes for p in parts])
    per_part = {
        "category": [p.category for p in parts], "gene": [p.gene for p in parts],
        "action": [p.action for p in parts], "severity": [p.severity for p in parts],
        "evidence": [";".join(p.evidence.sources) for p in parts],
        "evidence_level": [p.evidence.level for p in parts], "rule": [p.rule for p in parts]}
    rank = np.array([ACTION_ORDER[p.action] * 10 + SEVERITY_ORDER[p.severity] for p in parts])
    rule_ids = per_part["rule"]  # (the codes of pd.factorize(..., sort=True) of the ids)
    position = {rid: i for i, rid in enumerate(sorted(set(rule_ids)))}
    rule_rank = np.fromiter((position[rid] for rid in rule_ids), dtype=np.intp,
                            count=len(rule_ids))
    order = np.lexsort((rule_rank[part_id], rank[part_id], codes_of_drugs, rows))
    offsets = np.cumsum([0] + [len(p.messages) for p in parts[:-1]])
    msg_codes, msg_texts = _factorize(np.concatenate([p.messages for p in parts]))
    message = msg_codes[np.concatenate([p.message_codes + off for p, off in
                                        zip(parts, offsets, strict=True)])]
    inter = np.concatenate([drug_codes(kb, p.interacting) if p.interacting is not None
                            else np.full(len(p.rows), -1, dtype=np.intp) for p in parts])
    data: dict[str, object] = {
        "row": rows[order],
        "drug": pd.Categorical.from_codes(codes_of_drugs[order], dtype=kb.drug_dtype,
                                          validate=False),
        "message": pd.Categorical.from_codes(message[order], pd.Index(msg_texts, dtype=object),
                                             validate=False),
        "contested": np.array([p.evidence.contested for p in parts])[part_id][order],
        "interacting_drug": pd.Categorical.from_codes(inter[order],
                                                      dtype=kb.drug_dtype, validate=False)}
    for name, values in per_part.items():
        codes, uniques = _factorize(np.array(values, dtype=object))
        data[name] = pd.Categorical.from_codes(codes[part_id][order],
                                               pd.Index(uniques, dtype=object), validate=False)
    return frame_of(FLAG_INDEX, [data[c] for c in FLAG_COLUMNS])
