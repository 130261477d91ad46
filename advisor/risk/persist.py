"""Save and load risk models with skops (never pickle or joblib: those run code on load).

A model file holds ``{"format", "meta_json", "estimator"}``. Before loading, the archive's
directory is checked (a zip whose entries unpack to a bounded size:
:func:`advisor.risk.manifest.check_skops_archive`), then the file's untrusted types
(``skops.io.get_untrusted_types``) are compared with :data:`TRUSTED_TYPES`; anything else
is refused with an error naming the type. Any other failure to read the file (a malformed
schema, a missing array) is a ValueError naming the file, never an internal error.
Saving into the bundled models folder records the file in the manifest
(:mod:`advisor.risk.manifest`).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import skops.io as sio
from sklearn.pipeline import Pipeline

from advisor.risk.manifest import check_skops_archive, record
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
    record(path)
    return path


def untrusted_types(path: Path | str) -> list[str]:
    """Types in the file that skops would not load without explicit trust."""
    return sorted(sio.get_untrusted_types(file=Path(path)))


def load_model(path: Path | str) -> RiskModel:
    """Load a model file, refusing any type not in :data:`TRUSTED_TYPES`; a file that
    cannot be read as an advisor risk model is a ValueError naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    check_skops_archive(path)
    try:
        found = untrusted_types(path)
    except Exception as exc:  # whatever a malformed archive makes skops raise
        raise ValueError(f"{path}: not a skops model file ({type(exc).__name__})") from None
    extra = [t for t in found if t not in TRUSTED_TYPES]
    if extra:
        raise UntrustedModelError(
            f"{path}: refusing to load: untrusted type(s) {', '.join(extra)} (trusted: "
            f"{', '.join(TRUSTED_TYPES)}); review them before adding any to TRUSTED_TYPES in "
            "advisor/risk/persist.py")
    try:
        payload = sio.load(path, trusted=list(TRUSTED_TYPES))
        if not (isinstance(payload, dict) and payload.get("format") == FORMAT
                and isinstance(payload.get("estimator"), Pipeline)):
            raise ValueError(f"expected format {FORMAT}")
        meta = json.loads(payload["meta_json"])
    except Exception as exc:  # skops can fail in many ways on a file it did not write
        raise ValueError(f"{path}: not an advisor risk model ({type(exc).__name__}: "
                         f"{str(exc)[:200]})") from None
    if not isinstance(meta, dict) or meta.get("kind") not in SPECS:
        kind = meta.get("kind") if isinstance(meta, dict) else None
        raise ValueError(f"{path}: unknown model kind {kind!r}")
    return RiskModel(payload["estimator"], meta)
