"""frame_of builds the frame pd.DataFrame builds from the same columns (it skips pandas'
checks and inference, so a pandas upgrade that changes either shows here)."""

import numpy as np
import pandas as pd
import pytest

from advisor.framed import columns_index, frame_of, object_array


def _blocks(frame: pd.DataFrame) -> list[str]:
    return [str(block.dtype) for block in frame._mgr.blocks]


@pytest.mark.parametrize("n", [0, 1, 3, 200])
def test_frame_of_is_the_frame_pandas_builds(n):
    rng = np.random.default_rng(n)
    columns = {
        "row": np.arange(n, dtype=np.int64),
        "drug": object_array([f"drug {i % 3}" for i in range(n)]),
        "age_years": rng.random(n),
        "syndrome": object_array([None if i % 2 else "dravet" for i in range(n)]),
        "weight_kg": np.full(n, np.nan),
        "known": rng.random(n) > 0.5,
        "kind": pd.Categorical.from_codes(np.zeros(n, dtype=np.int64),
                                          pd.Index(["a"], dtype=object)),
    }
    expected = pd.DataFrame({name: pd.Series(values, dtype=object)  # as the engine frames text
                             if isinstance(values, np.ndarray) and values.dtype == object
                             else values for name, values in columns.items()})
    got = frame_of(columns_index(list(columns)), list(columns.values()))
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_column_type=True,
                                  check_index_type=True)
    assert got.columns.dtype == expected.columns.dtype
    assert type(got.index) is type(expected.index)
    assert _blocks(got) == _blocks(expected)
    assert got["drug"].dtype == object  # text in an object array is not inferred as str


def test_object_array_is_the_series_pandas_builds():
    for values in ([], ["a"], ["a", None, "b"], np.array(["x", "y"], dtype=object)):
        expected = pd.Series(list(values), dtype=object).to_numpy()
        got = object_array(values)
        assert got.dtype == object and got.shape == expected.shape
        assert list(got) == list(expected)
