"""Distinct integers (advisor.distinct) give what ``np.unique`` gives, on random integers with
few or many distinct values, negative ones and none at all."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.distinct import first_and_inverse, first_of_codes, sorted_distinct


@pytest.mark.parametrize(("n", "distinct"), [(0, 1), (1, 1), (50, 3), (5_000, 40),
                                             (20_000, 15_000), (3_000, 1 << 40)])
def test_distinct_integers_are_numpy_s(n, distinct):
    rng = np.random.default_rng(n)
    values = rng.integers(-distinct, distinct, n).astype(np.int64)
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    got_first, got_inverse = first_and_inverse(values)
    np.testing.assert_array_equal(got_first, first)
    np.testing.assert_array_equal(got_inverse, inverse.ravel())
    np.testing.assert_array_equal(sorted_distinct(values), np.unique(values))


def test_first_of_codes_needs_codes_in_order_of_first_appearance():
    codes = np.array([0, 1, 0, 2, 1, 3, 3])
    assert first_of_codes(codes).tolist() == [0, 1, 3, 5]
    assert first_of_codes(np.array([], dtype=np.int64)).tolist() == []
