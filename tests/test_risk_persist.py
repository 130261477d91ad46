"""Model files: skops only, a reviewed trusted-type list, refusal of anything else."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest
import sklearn
import skops.io as sio
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from advisor.resources import models_dir
from advisor.risk.model import SPECS
from advisor.risk.persist import (
    FORMAT,
    TRUSTED_TYPES,
    UntrustedModelError,
    load_model,
    save_model,
    untrusted_types,
)

SHIPPED = [models_dir() / spec.default_file for spec in SPECS.values()]


class Doubler(TransformerMixin, BaseEstimator):
    """A custom step: skops cannot know what loading it would run."""

    def fit(self, x, y=None):
        return self

    def transform(self, x):
        return x * 2


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_model_loads_with_the_trusted_list(path):
    assert untrusted_types(path) == sorted(TRUSTED_TYPES)
    model = load_model(path)
    assert model.meta["kind"] in SPECS and model.version.startswith(model.meta["kind"])
    assert model.meta["sklearn_version"] == sklearn.__version__
    assert path.stat().st_size < 1_000_000
    assert model.meta["training_data"]["source"] == "synthetic"
    assert model.meta["evidence"]


def test_round_trip_keeps_predictions(tmp_path):
    model = load_model(SHIPPED[1])
    frame = pd.concat([model.unknown_patient(failed_regimens=k) for k in ("0", "2")])
    copy = load_model(save_model(model, tmp_path / "copy.skops"))
    np.testing.assert_allclose(copy.predict(frame), model.predict(frame))
    assert copy.meta == model.meta


def test_custom_class_is_refused_with_its_name(tmp_path):
    model = load_model(SHIPPED[0])
    steps = [("double", Doubler()), *model.estimator.steps]
    path = tmp_path / "custom.skops"  # written as save_model does, without the table
    sio.dump({"format": FORMAT, "meta_json": json.dumps(model.meta),
              "estimator": Pipeline(steps)}, path, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(UntrustedModelError) as err:
        load_model(path)
    assert "Doubler" in str(err.value) and "refusing to load" in str(err.value)


def test_not_a_model_file(tmp_path):
    text = tmp_path / "model.skops"
    text.write_text("not a model")
    with pytest.raises(ValueError, match="not a skops model file"):
        load_model(text)
    bare = tmp_path / "bare.skops"
    sio.dump(load_model(SHIPPED[0]).estimator, bare, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match="not an advisor risk model"):
        load_model(bare)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent.skops")
