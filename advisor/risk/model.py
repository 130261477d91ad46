"""The risk model object: a scikit-learn pipeline plus the metadata that travels with it.
Predictions go through its :class:`~advisor.risk.table.ScoreTable`."""

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
from advisor.risk.specs import INTERVAL_LEVEL, SPECS, ModelSpec
from advisor.risk.table import ScoreTable

Columns = dict[str, tuple[str, ...] | None]


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
    def table(self) -> ScoreTable:
        """The additive log-odds terms of the fitted pipeline (what predictions use)."""
        return ScoreTable.from_model(self)

    def member_probabilities(self, row: dict[str, Any]) -> list[float] | None:
        """The outcome's probability for ``row`` under each ensemble member (None when the
        file has no ensemble)."""
        return self.table.member_probabilities(row)

    def interval(self, row: dict[str, Any], level: float = INTERVAL_LEVEL
                 ) -> tuple[float, float] | None:
        """The central ``level`` range of the ensemble members' probabilities for ``row``."""
        return self.table.interval(row, level)

    def explain(self, row: dict[str, Any]) -> tuple[float, dict[str, float]]:
        """Probability for ``row`` and the log-odds each feature adds relative to the
        reference patient (exact: the model is additive over features)."""
        return self.table.explain(row)

    def contributions(self, row: dict[str, Any]) -> dict[str, float]:
        """Log-odds each feature adds to ``row`` relative to the reference patient."""
        return self.table.contributions(row)

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
