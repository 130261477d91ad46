"""Risk estimates for one patient from the shipped models (each file loaded once).

Required inputs (else :func:`risk_block` returns ``(None, reason)``):

- at least one known seizure type (``unknown`` and ``status_epilepticus`` alone do not
  count): the models describe people whose epilepsy has been characterised;
- for every trial that failed for lack of efficacy, ``adequate`` stated: the number of
  failed adequate regimens drives the next-regimen estimate and cannot be guessed.

Everything else is optional; what is missing enters the models as ``unknown``.

Each probability comes with an uncertainty interval from the model file's ensemble (see
:mod:`advisor.risk.uncertainty`); probabilities are rounded for display but never to 0.
Predictions use each model's inference table (:mod:`advisor.risk.table`), so a consult
imports neither scikit-learn nor skops.

Both files of each model are checked against the manifest of the shipped models
(:mod:`advisor.risk.manifest`) before use; files outside it are used only within
:func:`trusting_models` (``advisor consult --trust-models``), and then only after their
archive and table pass the structural checks. Whatever goes wrong with a model file (not in
the manifest, changed, malformed, a zip bomb, a stale or incomplete table) makes
:func:`risk_block` return ``(None, "risk model not available: <reason>")``: the consult
goes on without a risk estimate.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor import resources
from advisor.frame import PatientFrame, frame_from_patients
from advisor.inputs.patient import Patient
from advisor.knowledge import KnowledgeBase
from advisor.numbers import plural, probability, syndrome_phrase
from advisor.risk import manifest
from advisor.risk.features import (
    RECORDED,
    STRATUM_COLUMNS,
    UNKNOWN,
    both_rows,
    display_names,
)
from advisor.risk.specs import INTERVAL_LEVEL, SPECS
from advisor.risk.table import ScoreTable, load_table, table_path
from advisor.schema import EffectSizes, Factor

TOP_FACTORS = 5
MIN_CONTRIBUTION = 0.05  # log-odds; smaller contributions are noise of the fit


_TRUST: ContextVar[bool] = ContextVar("advisor_trust_models", default=False)
# What a broken table can still raise while it is applied (the structural check at load
# should leave none of these): the consult then goes on without a risk estimate.
APPLY_ERRORS = (KeyError, TypeError, ValueError, IndexError, ArithmeticError)


@contextmanager
def trusting_models(trust: bool = True) -> Iterator[None]:
    """Within the block, model files outside the manifest may be used (``--trust-models``)."""
    token = _TRUST.set(trust)
    try:
        yield
    finally:
        _TRUST.reset(token)


def models_trusted() -> bool:
    return _TRUST.get()


@functools.lru_cache(maxsize=8)
def _cached(path: str, stamp: tuple[int, ...], trust: bool) -> ScoreTable:
    model = Path(path)
    listed = [manifest.verify(f, trust=trust) for f in (model, table_path(model))]
    if not all(listed):  # trusted although not in the manifest: check the archive too
        manifest.check_skops_archive(model)
    return load_table(model)


def load_cached(path: Path | str, *, trust: bool | None = None) -> ScoreTable:
    """The inference table of a model file, checked against the manifest (files outside it
    only when ``trust``, by default :func:`models_trusted`) and loaded once (again when
    either file or the manifest changes)."""
    resolved = Path(path).resolve()
    files = (resolved, table_path(resolved), manifest.bundled_dir() / manifest.MANIFEST_NAME)
    stamp = tuple(v for f in files if f.exists()
                  for v in (f.stat().st_mtime_ns, f.stat().st_size))
    return _cached(str(resolved), stamp, models_trusted() if trust is None else trust)


def shipped_models(models_dir: Path | None = None, *, trust: bool | None = None
                   ) -> tuple[ScoreTable, ScoreTable]:
    """The drug-resistance and next-regimen models (their inference tables)."""
    folder = models_dir or resources.models_dir()
    return (load_cached(folder / SPECS["drug_resistance"].default_file, trust=trust),
            load_cached(folder / SPECS["seizure_freedom"].default_file, trust=trust))


def missing_inputs(es: EffectSizes, patient: Patient, syndromes: dict[str, str]) -> str | None:
    """Why the models cannot run for this patient, or None when they can (``syndromes``: the
    syndromes' names, from the vocabulary)."""
    outside = [t.replace("_", " ") for t in patient.seizure_types
               if t in es.report.out_of_scope_seizure_types]
    if outside:
        return (f"No risk estimate: {', '.join(outside)} lie outside the populations the risk "
                f"models were built from; {es.report.out_of_scope_reason}")
    if patient.syndrome in es.report.out_of_scope_syndromes:
        return (f"No risk estimate: {syndrome_phrase(syndromes[patient.syndrome])} lies "
                "outside the "
                "populations the risk models were built from; "
                f"{es.report.out_of_scope_syndrome_reason}")
    marked = next((t for t in patient.seizure_types
                   if t in es.report.syndrome_of_seizure_types), None)
    if marked is not None:  # review Y M13: spasms recorded with tuberous sclerosis
        return (f"No risk estimate: {marked.replace('_', ' ')} are the seizures of "
                f"{syndrome_phrase(syndromes[es.report.syndrome_of_seizure_types[marked]])}, "
                "which lies "
                "outside the populations the risk models were built from; "
                f"{es.report.out_of_scope_syndrome_reason}")
    not_counted = {t for f in es.factors if f.input.seizure_type_count
                   for t in (*f.input.not_counted, *f.input.unknown_types)}
    if not set(patient.seizure_types) - not_counted:
        return ("seizure_types: at least one known seizure type is required for a risk "
                f"estimate (given: {', '.join(patient.seizure_types)})")
    for i, trial in enumerate(patient.medication_history):
        if trial.outcome == "inefficacy" and trial.adequate is None:
            return (f"medication_history.{i}.adequate: state whether the {trial.drug} trial "
                    "was adequate; the number of failed adequate regimens is required for a "
                    "risk estimate")
    return None


def _display(names: dict[str, str], column: str, value: Any) -> tuple[str, Any]:
    """A model column and value as shown to users (input names, counts, stratum yes/no)."""
    if column in STRATUM_COLUMNS:
        return "no_clinical_record", "no" if value in ("no", RECORDED) else "yes"
    if isinstance(value, str):
        return column, value
    if pd.isna(value):
        return names[column], UNKNOWN
    shown = round(float(np.expm1(value))) if column.startswith("log1p_") else value
    return names[column], shown


def _top(names: dict[str, str], contributions: dict[str, float],
         row: dict[str, Any]) -> list[dict[str, Any]]:
    ranked = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))
    return [dict(zip(("factor", "value"), _display(names, c, row[c]), strict=True),
                 contribution=round(v, 3))
            for c, v in ranked[:TOP_FACTORS] if abs(v) >= MIN_CONTRIBUTION]


def _calibration_note(es: EffectSizes, dre: ScoreTable, sf: ScoreTable) -> str:
    parts = []
    for model in (dre, sf):
        m = model.meta["held_out_metrics"]
        parts.append(f"{model.kind.replace('_', ' ')}: ROC AUC {m['roc_auc']:.2f}, "
                     f"calibration slope {m['calibration_slope']:.2f}, intercept "
                     f"{m['calibration_intercept']:.2f}")
    source = dre.meta["training_data"].get("description", "a cohort table")
    ensemble = sf.meta.get("ensemble")
    if ensemble:
        interval = (f"Each interval is the central {INTERVAL_LEVEL:.0%} of the estimates of "
                    f"{ensemble['method']}; it covers the uncertainty of those published "
                    "numbers, not that of the modelling assumptions (independent factors, "
                    "the same effect on every regimen) nor the chance in one patient's "
                    "course. ")
    else:
        interval = "No uncertainty interval: the model files hold no ensemble (retrain). "
    return (f"Trained and evaluated on {source} ({'; '.join(parts)}, held-out data). "
            f"{interval}Literature-calibrated, not validated on patients: orientation only, "
            f"not a prognosis. {es.report.caveat}")


def _shown(p: float) -> float:
    """A probability rounded for display, never to 0: three decimals, or two significant
    digits below 1%."""
    return round(p, 3) if p >= 0.01 else float(f"{p:.2g}")


def _interval(model: ScoreTable, row: dict[str, Any]) -> list[float] | None:
    bounds = model.interval(row)
    return None if bounds is None else [_shown(bounds[0]), _shown(bounds[1])]


def risk_block(kb: KnowledgeBase, patient: Patient, frame: PatientFrame | None = None,
               row: int = 0, models_dir: Path | None = None, *, drug_resistant: bool = False,
               seizure_free: bool = False, free_now: tuple[str, float] | None = None,
               trust_models: bool | None = None
               ) -> tuple[dict[str, Any] | None, str | None]:
    """``(risk, None)`` for the consult result, or ``(None, reason)`` when it cannot run.

    ``frame`` is the consult's own (translated) frame and ``row`` the patient's row in it;
    without one the patient is translated here. ``drug_resistant``: the patient already
    meets the ILAE definition of drug resistance (the consult's classification); the
    probability of drug resistance is then not estimated (null, with a note) and only the
    next-regimen estimate is shown. ``seizure_free``: the patient has sustained seizure
    freedom (ILAE); a baseline probability of drug resistance would contradict the observed
    course, so it is not given either. ``free_now``: (drug, months) of a seizure freedom not
    yet sustained, which the models do not use (a note says so). ``trust_models``: use model
    files outside the manifest (default: :func:`models_trusted`).
    """
    es = kb.effect_sizes
    reason = missing_inputs(es, patient, kb.vocabulary.syndromes)
    if reason:
        return None, reason
    try:
        dre, sf = shipped_models(models_dir, trust=trust_models)
    except (OSError, ValueError) as exc:
        return None, f"risk model not available: {exc}"
    if frame is None:
        frame, row = frame_from_patients(kb, [patient]), 0
    base, with_history = both_rows(es, frame, row)
    for model, row_features in ((dre, base), (sf, with_history)):
        if list(model.columns) != list(row_features):
            return None, ("risk model not available: the model was trained on other features "
                          f"than the knowledge base declares ({', '.join(model.columns)}); "
                          "retrain it with 'advisor model train'")
    k = int(frame.failed_regimens.iloc[row])
    try:
        block = _estimates(es, dre, sf, base, with_history, k, drug_resistant, seizure_free,
                           free_now)
        block["counted_as_one"], notes, sources = counted_as_one(
            es, patient.seizure_types, (dre, sf), (base, with_history),
            block["p_drug_resistance"] is not None)
        block["notes"] += notes
        block["evidence"] = list(dict.fromkeys([*block["evidence"], *sources]))
        return block, None
    except APPLY_ERRORS as exc:
        return None, (f"risk model not available: the model could not be applied to this "
                      f"patient ({type(exc).__name__}: {str(exc)[:200]})")


def _level_as_one(f: Factor, types: list[str], merged: list[str]) -> str:
    """The level of a seizure-type count factor were ``merged`` counted as one type."""
    inp = f.input
    counted = set(types) - {*inp.not_counted, *inp.unknown_types}
    n = len(counted) - len(merged) + 1
    if n >= 2:
        return f.exposed
    return UNKNOWN if set(types) & set(inp.unknown_types) else f.reference


def _with_level(model: ScoreTable, row: dict[str, Any], column: str, level: str
                ) -> tuple[float, list[float] | None]:
    """The estimate and its interval for ``row`` with ``column`` set to ``level``."""
    row = {**row, column: level}
    return _shown(model.explain(row)[0]), _interval(model, row)


def counted_as_one(es: EffectSizes, types: list[str], models: tuple[ScoreTable, ScoreTable],
                   rows: tuple[dict[str, Any], dict[str, Any]], dre_shown: bool
                   ) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """For each count note whose combination of seizure types alone makes its factor
    exposed: the estimates had the combination been counted as one type, the note with
    them and its sources (review AA-M3)."""
    (dre, sf), (base, with_history) = models, rows
    entries, notes, sources = [], [], []
    for f in es.factors:
        for note in f.input.count_notes:
            if not set(note.types) <= set(types) or base[f.feature] != f.exposed:
                continue
            level = _level_as_one(f, types, note.types)
            if level == f.exposed:
                continue
            p_dre, dre_interval = (_with_level(dre, base, f.feature, level) if dre_shown
                                   else (None, None))
            p_sf, sf_interval = _with_level(sf, with_history, f.feature, level)
            entries.append({"types": note.types, "label": note.label,
                            "p_drug_resistance": p_dre,
                            "p_drug_resistance_interval": dre_interval,
                            "p_seizure_freedom_next_regimen": p_sf,
                            "p_seizure_freedom_next_regimen_interval": sf_interval})
            shown = [f"probability of seizure freedom on the next regimen "
                     f"{probability(p_sf, sf_interval)}"]
            if p_dre is not None:
                shown.insert(0, f"probability of drug-resistant epilepsy "
                                f"{probability(p_dre, dre_interval)}")
            notes.append(f"{note.note} Counted as one type: {'; '.join(shown)}.")
            sources += note.evidence.sources
    return entries, notes, sources


def _estimates(es: EffectSizes, dre: ScoreTable, sf: ScoreTable, base: dict[str, Any],
               with_history: dict[str, Any], k: int, drug_resistant: bool,
               seizure_free: bool = False, free_now: tuple[str, float] | None = None
               ) -> dict[str, Any]:
    """The risk block from the two models' tables and the patient's feature rows."""
    notes = []
    if free_now and not (seizure_free or drug_resistant):  # review U M4
        notes.append(f"Seizure-free for {plural(free_now[1], 'month')} on {free_now[0]} so far "
                     "(not yet sustained freedom, see the ILAE status): the models do not use "
                     "the current course, so their estimates reflect baseline factors only and "
                     "can overstate the risk while the patient stays seizure-free.")
    if seizure_free:
        notes.append("The patient has sustained seizure freedom (ILAE definition, see the "
                     "ILAE status). The model estimates drug resistance "
                     "from baseline factors only, which the observed course overrides, so no "
                     "probability of drug resistance is given; the estimate for a next regimen "
                     "applies only if the treatment must change.")
    elif drug_resistant:
        notes.append("The patient already meets the ILAE definition of drug-resistant "
                     "epilepsy (see the ILAE status), so no probability of drug resistance is "
                     "given; only the estimate for the next regimen is shown.")
    elif k >= 2:
        notes.append(f"{k} adequate regimens have already failed (the ILAE status counts only "
                     "those of appropriately chosen drugs). The probability of drug resistance "
                     "is estimated from baseline factors only.")
    names = display_names(es)
    p_sf, sf_parts = sf.explain(with_history)
    if drug_resistant or seizure_free:
        p_dre, dre_interval, dre_factors = None, None, []
    else:
        p, dre_parts = dre.explain(base)
        p_dre, dre_interval = _shown(p), _interval(dre, base)
        dre_factors = _top(names, dre_parts, base)
    return {
        "p_drug_resistance": p_dre,
        "p_drug_resistance_interval": dre_interval,
        "p_seizure_freedom_next_regimen": _shown(p_sf),
        "p_seizure_freedom_next_regimen_interval": _interval(sf, with_history),
        "failed_adequate_regimens": k,
        "top_factors": dre_factors,
        "top_factors_seizure_freedom": _top(names, sf_parts, with_history),
        "contribution_scale": es.report.contribution_scale,
        "unknown_inputs": sorted(_display(names, c, v)[0] for c, v in with_history.items()
                                 if (v == UNKNOWN if isinstance(v, str) else pd.isna(v))),
        "model": f"logistic regression (scikit-learn {dre.meta['sklearn_version']})",
        "model_version": f"{dre.version}+{sf.version}",
        "calibration_note": _calibration_note(es, dre, sf),
        "notes": notes,
        "evidence": list(dict.fromkeys([*dre.meta["evidence"], *sf.meta["evidence"]])),
    }
