"""The risk model object: a scikit-learn pipeline plus the metadata that travels with it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from advisor.risk.features import UNKNOWN, add_stratum
from advisor.risk.simulate import DRE_OUTCOME, SF_OUTCOME

Columns = dict[str, tuple[str, ...] | None]
INTERVAL_LEVEL = 0.95


@dataclass(frozen=True)
class ModelSpec:
    """What a kind of model predicts and which inputs it uses."""

    kind: str
    history: bool  # uses the number of failed adequate regimens
    default_outcome: str
    default_file: str
    description: str


SPECS: dict[str, ModelSpec] = {
    "drug_resistance": ModelSpec(
        "drug_resistance", False, DRE_OUTCOME, "dre_risk.skops",
        "probability that the epilepsy is or becomes drug-resistant, from baseline factors"),
    "seizure_freedom": ModelSpec(
        "seizure_freedom", True, SF_OUTCOME, "seizure_freedom.skops",
        "probability of seizure freedom on the next regimen, given the failed adequate "
        "regimens so far"),
}


def build_pipeline(columns: Columns) -> Pipeline:
    """One-hot categories (first level = reference), numeric with missing indicators."""
    categorical = {c: levels for c, levels in columns.items() if levels is not None}
    numeric = [c for c, levels in columns.items() if levels is None]
    encode = ColumnTransformer([
        ("cat", OneHotEncoder(categories=[list(v) for v in categorical.values()], drop="first",
                              sparse_output=False, handle_unknown="error"), list(categorical)),
        ("num", Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                          ("scale", StandardScaler())]), numeric),
        ("missing", MissingIndicator(features="all"), numeric),
    ])
    return Pipeline([("encode", encode), ("classify", LogisticRegression(C=1.0, max_iter=2000))])


@dataclass
class RiskModel:
    """A fitted pipeline and its metadata (kind, version, training data, metrics, sources)."""

    estimator: Pipeline
    meta: dict[str, Any]

    @property
    def spec(self) -> ModelSpec:
        return SPECS[self.meta["kind"]]

    @property
    def version(self) -> str:
        return str(self.meta["model_version"])

    @cached_property
    def columns(self) -> Columns:
        """Model column -> categories (None for numeric), read from the fitted pipeline."""
        encode = self.estimator.named_steps["encode"]
        cat = encode.named_transformers_["cat"]
        out: Columns = {c: tuple(levels) for c, levels in
                        zip(encode.transformers_[0][2], cat.categories, strict=True)}
        out.update(dict.fromkeys(encode.transformers_[1][2]))
        return out

    @property
    def clinical_block(self) -> tuple[str, ...]:
        """Columns whose all-unknown state puts a patient in the no-clinical-record stratum."""
        return tuple(self.meta["clinical_block"])

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Probability of the outcome for each row of a feature frame."""
        return self.estimator.predict_proba(features[list(self.columns)])[:, 1]

    def _log_odds(self, frame: pd.DataFrame) -> np.ndarray:
        return self.estimator.decision_function(frame[list(self.columns)])

    def reference(self) -> dict[str, Any]:
        """The reference patient: first level of each category, numeric at the median."""
        medians = self.estimator.named_steps["encode"].named_transformers_["num"] \
            .named_steps["impute"].statistics_
        numeric = [c for c, levels in self.columns.items() if levels is None]
        ref: dict[str, Any] = {c: levels[0] for c, levels in self.columns.items() if levels}
        ref.update({c: float(m) for c, m in zip(numeric, medians, strict=True)})
        return ref

    def term_rows(self) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
        """The reference patient followed by one row per term: each category level, and for
        each number one unit above the reference and missing. The model is additive, so the
        log-odds of these rows give every term's contribution."""
        ref = self.reference()
        rows, keys = [ref], []
        for c, levels in self.columns.items():
            changes = [(lv, lv) for lv in levels] if levels else [
                ("per_unit", ref[c] + 1.0), ("missing", np.nan)]
            for key, value in changes:
                rows.append({**ref, c: value})
                keys.append((c, key))
        return pd.DataFrame(rows), keys

    @cached_property
    def _additive(self) -> tuple[dict[str, Any], float, dict[tuple[str, Any], float]]:
        """Reference patient, its log-odds, and the log-odds each level (numeric: per unit,
        or missing) adds: one pipeline pass, then single predictions are table look-ups."""
        rows, keys = self.term_rows()
        scores = self._log_odds(rows)
        return self.reference(), float(scores[0]), {
            k: float(s - scores[0]) for k, s in zip(keys, scores[1:], strict=True)}

    def _term_weights(self, row: dict[str, Any]) -> np.ndarray:
        """How much of each term (in :meth:`term_rows` order) ``row`` carries."""
        ref, _, table = self._additive
        index = {k: i for i, k in enumerate(table)}
        w = np.zeros(len(index))
        for c, levels in self.columns.items():
            value = row[c]
            if levels:
                w[index[(c, value)]] = 1.0
            elif value is None or pd.isna(value):
                w[index[(c, "missing")]] = 1.0
            else:
                w[index[(c, "per_unit")]] = float(value) - ref[c]
        return w

    @cached_property
    def _members(self) -> tuple[np.ndarray, np.ndarray] | None:
        ensemble = self.meta.get("ensemble")
        if not ensemble:
            return None
        return np.asarray(ensemble["base"], dtype=float), np.asarray(ensemble["deltas"],
                                                                      dtype=float)

    def member_probabilities(self, row: dict[str, Any]) -> np.ndarray | None:
        """The outcome's probability for ``row`` under each ensemble member (None when the
        file has no ensemble)."""
        if self._members is None:
            return None
        base, deltas = self._members
        return 1.0 / (1.0 + np.exp(-(base + deltas @ self._term_weights(row))))

    def interval(self, row: dict[str, Any], level: float = INTERVAL_LEVEL
                 ) -> tuple[float, float] | None:
        """The central ``level`` range of the ensemble members' probabilities for ``row``,
        widened if needed to contain the model's own estimate (None without an ensemble)."""
        members = self.member_probabilities(row)
        if members is None:
            return None
        tail = 100 * (1 - level) / 2
        lo, hi = np.percentile(members, [tail, 100 - tail])
        p = self.explain(row)[0]
        return float(min(lo, p)), float(max(hi, p))

    def explain(self, row: dict[str, Any]) -> tuple[float, dict[str, float]]:
        """Probability for ``row`` and the log-odds each feature adds relative to the
        reference patient.

        The model is additive over features (one-hot levels, linear numeric terms with a
        missing indicator), so the contributions are exact and sum to the row's log-odds.
        """
        ref, base, table = self._additive
        parts: dict[str, float] = {}
        for c, levels in self.columns.items():
            value = row[c]
            if levels:
                parts[c] = table[(c, value)]
            elif value is None or pd.isna(value):
                parts[c] = table[(c, "missing")]
            else:
                parts[c] = table[(c, "per_unit")] * (float(value) - ref[c])
        log_odds = base + sum(parts.values())
        return float(1.0 / (1.0 + np.exp(-log_odds))), parts

    def contributions(self, row: dict[str, Any]) -> dict[str, float]:
        """Log-odds each feature adds to ``row`` relative to the reference patient."""
        return self.explain(row)[1]

    def odds_ratios(self) -> dict[str, dict[str, float]]:
        """Fitted odds ratio of each non-reference level (numeric: per unit) vs reference."""
        ref = self.reference()
        rows, keys = [ref], []
        for c, levels in self.columns.items():
            for level in levels[1:] if levels else [ref[c] + 1.0]:
                rows.append({**ref, c: level})
                keys.append((c, level if levels else "per_unit"))
        scores = self._log_odds(pd.DataFrame(rows))
        out: dict[str, dict[str, float]] = {}
        for (c, level), s in zip(keys, scores[1:], strict=True):
            out.setdefault(c, {})[str(level)] = float(np.exp(s - scores[0]))
        return out

    def unknown_patient(self, **known: Any) -> pd.DataFrame:
        """A one-row frame with every feature unknown except those given."""
        row = {c: (UNKNOWN if levels and UNKNOWN in levels else np.nan)
               for c, levels in self.columns.items()}
        row.update(known)
        return add_stratum(pd.DataFrame([row]), self.clinical_block, self.spec.history,
                           list(self.columns))
