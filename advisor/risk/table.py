"""The inference table of a risk model: what a prediction needs, without scikit-learn.

The risk models are logistic regressions over one-hot categories and imputed, scaled numbers
with missing indicators, so a patient's log-odds is additive: the reference patient's
log-odds plus what each of the patient's terms adds (a category level; for a number, the
log-odds per unit above the reference value, or the missing indicator). The table holds
exactly that, read from the fitted pipeline (:meth:`ScoreTable.from_model`), with the
model's metadata and the ensemble behind the uncertainty interval.

The skops file stays the audited artefact; the table is derived from it when a model is saved
(``<model>.table.json`` beside it) and names the file's sha256. ``tests/test_risk_table.py``
pins the two together: the table derived again from the skops file equals the shipped one,
and the table's probabilities equal the pipeline's ``predict_proba`` to 1e-12.
"""

from __future__ import annotations

import json
import math
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.risk.manifest import MAX_FILE_BYTES, file_sha256, record
from advisor.risk.specs import INTERVAL_LEVEL, SPECS
from advisor.strict_load import Limits, StrictLoadError, decode, load_json

if TYPE_CHECKING:
    from advisor.risk.model import RiskModel

FORMAT = "advisor-risk-table/1"
TABLE_LIMITS = Limits(max_bytes=MAX_FILE_BYTES, max_depth=8, max_values=2_000_000,
                      max_aliases=0, max_items=100_000, max_scalar_chars=100_000)
__all__ = ["FORMAT", "ScoreTable", "file_sha256", "load_table", "table_path", "write_table"]


def table_path(model_path: Path | str) -> Path:
    """Where the table of a model file lives: ``dre_risk.skops`` -> ``dre_risk.table.json``."""
    path = Path(model_path)
    return path.with_name(f"{path.stem}.table.json")


MAX_LOG_ODDS = 1000.0  # no term of a real model comes near (an odds ratio of e**1000)


def _finite(value: Any, bound: float = MAX_LOG_ODDS) -> float:
    """A finite number (not a boolean) within +/- ``bound``, as float; ValueError
    otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value) or abs(value) > bound:
        raise ValueError(f"expected a finite number within +/-{bound:g}, got "
                         f"{str(value)[:40]!r}")
    return float(value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _sigmoid(x: float) -> float:
    """The logistic function, without overflow for any finite log-odds."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _percentile(values: list[float], q: float) -> float:
    """numpy's default (linear) percentile of a list."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lo = math.floor(position)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (position - lo)


@dataclass(frozen=True)
class ScoreTable:
    """A fitted risk model as additive log-odds terms, with its metadata."""

    meta: dict[str, Any]
    columns: dict[str, tuple[str, ...] | None]  # category levels, None for a number
    reference: dict[str, Any]  # the reference patient
    base: float  # its log-odds
    terms: dict[tuple[str, str], float]  # (column, level | "per_unit" | "missing") -> log-odds
    model_sha256: str = ""

    @property
    def kind(self) -> str:
        return str(self.meta["kind"])

    @property
    def version(self) -> str:
        return str(self.meta["model_version"])

    @classmethod
    def from_model(cls, model: RiskModel, model_sha256: str = "") -> ScoreTable:
        """Read the terms from a fitted pipeline: one pass over the reference patient and one
        row per term (:meth:`RiskModel.term_rows`)."""
        rows, keys = model.term_rows()
        scores = model.estimator.decision_function(rows[list(model.columns)])
        return cls(meta=model.meta, columns=dict(model.columns), reference=model.reference(),
                   base=float(scores[0]),
                   terms={k: float(s - scores[0]) for k, s in zip(keys, scores[1:],
                                                                   strict=True)},
                   model_sha256=model_sha256)

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "model_sha256": self.model_sha256, "meta": self.meta,
            "columns": {c: list(v) if v else None for c, v in self.columns.items()},
            "reference": self.reference, "base": self.base,
            "terms": [[c, key, value] for (c, key), value in self.terms.items()],
        }, indent=1, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes, source: str = "risk table") -> ScoreTable:
        """A table from its JSON text (read within :data:`TABLE_LIMITS`), checked to be
        complete: every category level, per-unit and missing term, reference value and
        ensemble row that a prediction will look up is present and finite, so a table that
        loads can be applied to any patient."""
        try:
            data = load_json(decode(text, TABLE_LIMITS), TABLE_LIMITS)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError(f"expected format {FORMAT}")
            table = cls(meta=data["meta"],
                        columns={str(c): tuple(map(str, v)) if v else None
                                 for c, v in data["columns"].items()},
                        reference=data["reference"], base=_finite(data["base"]),
                        terms={(str(c), str(key)): _finite(v) for c, key, v in data["terms"]},
                        model_sha256=str(data.get("model_sha256", "")))
            table.check()
            return table
        except (StrictLoadError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{source}: not a valid advisor risk table ({exc})") from None

    def check(self) -> None:
        """Everything a prediction reads is there (ValueError/KeyError/TypeError if not)."""
        meta = self.meta
        if meta["kind"] not in SPECS or not isinstance(meta["model_version"], str):
            raise ValueError(f"unknown model kind {meta['kind']!r}")
        for key in ("roc_auc", "calibration_slope", "calibration_intercept"):
            _finite(meta["held_out_metrics"][key])
        if not isinstance(meta["training_data"], dict) or not all(
                isinstance(e, str) for e in meta["evidence"]):
            raise ValueError("meta: training_data must be a mapping, evidence a list of ids")
        str(meta["sklearn_version"])
        for c, levels in self.columns.items():
            needed = [(c, level) for level in levels] if levels else [
                (c, "per_unit"), (c, "missing")]
            missing = [key for key in needed if key not in self.terms]
            if missing:
                raise ValueError(f"no term for {missing[0]}")
            if not levels:
                _finite(self.reference[c], 1e9)
        if any(c not in self.columns for c, _ in self.terms):
            raise ValueError("a term names an unknown column")
        ensemble = meta.get("ensemble")
        if ensemble:
            str(ensemble["method"])
            bases, deltas = ensemble["base"], ensemble["deltas"]
            if len(bases) != len(deltas) or not bases or any(
                    len(row) != len(self.terms) for row in deltas):
                raise ValueError("ensemble: one base and one delta per term for each member")
            for value in [*bases, *(d for row in deltas for d in row)]:
                _finite(value)

    def contributions(self, row: dict[str, Any]) -> dict[str, float]:
        """The log-odds each feature adds to ``row`` relative to the reference patient (exact:
        they sum to the row's log-odds minus the reference's)."""
        parts: dict[str, float] = {}
        for c, levels in self.columns.items():
            value = row[c]
            if levels:
                parts[c] = self.terms[(c, value)]
            elif _missing(value):
                parts[c] = self.terms[(c, "missing")]
            else:
                parts[c] = self.terms[(c, "per_unit")] * (float(value) - self.reference[c])
        return parts

    def explain(self, row: dict[str, Any]) -> tuple[float, dict[str, float]]:
        """Probability of the outcome for ``row`` and each feature's contribution."""
        parts = self.contributions(row)
        return _sigmoid(self.base + sum(parts.values())), parts

    def _weights(self, row: dict[str, Any]) -> list[float]:
        """How much of each term (in the ensemble's term order) ``row`` carries."""
        out = []
        for c, key in self.terms:
            value = row[c]
            if self.columns[c]:
                out.append(1.0 if value == key else 0.0)
            elif key == "missing":
                out.append(1.0 if _missing(value) else 0.0)
            else:
                out.append(0.0 if _missing(value) else float(value) - self.reference[c])
        return out

    def member_probabilities(self, row: dict[str, Any]) -> list[float] | None:
        """The probability for ``row`` under each ensemble member (None without one)."""
        ensemble = self.meta.get("ensemble")
        if not ensemble:
            return None
        w = self._weights(row)  # as long as every member's deltas (checked on loading)
        return [_sigmoid(b + sum(map(operator.mul, deltas, w)))
                for b, deltas in zip(ensemble["base"], ensemble["deltas"], strict=True)]

    def interval(self, row: dict[str, Any], level: float = INTERVAL_LEVEL
                 ) -> tuple[float, float] | None:
        """The central ``level`` range of the members' probabilities for ``row``, widened if
        needed to contain the model's own estimate (None without an ensemble)."""
        members = self.member_probabilities(row)
        if members is None:
            return None
        tail = 100 * (1 - level) / 2
        p = self.explain(row)[0]
        return min(_percentile(members, tail), p), max(_percentile(members, 100 - tail), p)


def write_table(model: RiskModel, model_path: Path | str) -> Path:
    """Derive the table of a saved model file and write it beside the file (recorded in the
    manifest when the folder is the bundled one)."""
    out = table_path(model_path)
    out.write_text(ScoreTable.from_model(model, file_sha256(model_path)).to_json(),
                   encoding="utf-8")
    record(out)
    return out


def load_table(model_path: Path | str) -> ScoreTable:
    """The table beside a model file; it must name that file's sha256 (else it is stale)."""
    path = table_path(model_path)
    if not path.is_file():
        raise FileNotFoundError(f"risk table not found: {path} (derive it with 'advisor model "
                                "table')")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
    table = ScoreTable.from_json(path.read_bytes(), str(path))
    model_file = Path(model_path)
    if not model_file.is_file():
        raise FileNotFoundError(f"model file not found: {model_file} (the table is checked "
                                "against it)")
    if table.model_sha256 != file_sha256(model_file):
        raise ValueError(f"{path} was derived from another version of {model_file.name}: "
                         "derive it again with 'advisor model table'")
    return table
