"""Save and load risk models with skops (never pickle or joblib: those run code on load).

A model file holds ``{"format", "meta_json", "estimator"}``. Before loading, the file's
untrusted types (``skops.io.get_untrusted_types``) are compared with :data:`TRUSTED_TYPES`;
anything else is refused with an error naming the type.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import skops.io as sio
from sklearn.pipeline import Pipeline

from advisor.risk.model import SPECS, RiskModel
from advisor.risk.table import write_table

FORMAT = "advisor-risk-model/1"

# Reviewed: the types skops does not trust by default that our pipelines contain. skops
# already trusts builtins and scikit-learn's own estimators (Pipeline, ColumnTransformer,
# OneHotEncoder, SimpleImputer, MissingIndicator, StandardScaler, LogisticRegression);
# numpy.dtype is a plain data-type descriptor and cannot run code. Add a type here only
# after reviewing what loading it can execute.
TRUSTED_TYPES: tuple[str, ...] = ("numpy.dtype",)


class UntrustedModelError(ValueError):
    """A model file contains types outside :data:`TRUSTED_TYPES`; it is not loaded."""


def save_model(model: RiskModel, path: Path | str) -> Path:
    """Write ``model`` to ``path`` (a .skops file, compressed) and its inference table
    beside it (:func:`advisor.risk.table.write_table`); return the model path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "meta_json": json.dumps(model.meta, sort_keys=True),
               "estimator": model.estimator}
    sio.dump(payload, path, compression=zipfile.ZIP_DEFLATED)
    write_table(model, path)
    return path


def untrusted_types(path: Path | str) -> list[str]:
    """Types in the file that skops would not load without explicit trust."""
    return sorted(sio.get_untrusted_types(file=Path(path)))


def load_model(path: Path | str) -> RiskModel:
    """Load a model file, refusing any type not in :data:`TRUSTED_TYPES`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        found = untrusted_types(path)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a skops model file ({type(exc).__name__})") from None
    extra = [t for t in found if t not in TRUSTED_TYPES]
    if extra:
        raise UntrustedModelError(
            f"{path}: refusing to load: untrusted type(s) {', '.join(extra)} (trusted: "
            f"{', '.join(TRUSTED_TYPES)}); review them before adding any to TRUSTED_TYPES in "
            "advisor/risk/persist.py")
    payload = sio.load(path, trusted=list(TRUSTED_TYPES))
    if not (isinstance(payload, dict) and payload.get("format") == FORMAT
            and isinstance(payload.get("estimator"), Pipeline)):
        raise ValueError(f"{path}: not an advisor risk model (expected format {FORMAT})")
    meta = json.loads(payload["meta_json"])
    if meta.get("kind") not in SPECS:
        raise ValueError(f"{path}: unknown model kind {meta.get('kind')!r}")
    return RiskModel(payload["estimator"], meta)
