"""Rows of a chunk as keys that mean the same in every chunk of a cohort.

Each column's values get a code for the whole run, numbered as they are first met; a row's
codes, as bytes, are its key. Equal rows in any chunk have equal keys (given the same
columns in the same order), so a dict of keys finds what an earlier chunk worked out.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class CohortCodes:
    """Each column's values, numbered for the whole run as they are first met."""

    def __init__(self) -> None:
        self._codes: dict[str, dict[object, int]] = {}  # per column: value -> code

    def of(self, name: str, values: Iterable[object], count: int) -> np.ndarray:
        """The code (int32) of each of the ``count`` ``values`` of column ``name``."""
        known = self._codes.setdefault(name, {})
        return np.fromiter((known.setdefault(v, len(known)) for v in values), dtype=np.int32,
                           count=count)


def row_keys(matrix: np.ndarray) -> list[bytes]:
    """Each row of an int32 matrix (rows x columns of codes) as bytes."""
    if not matrix.shape[1]:
        return [b""] * len(matrix)
    matrix = np.ascontiguousarray(matrix, dtype=np.int32)
    return matrix.view(np.dtype((np.void, matrix.shape[1] * 4))).ravel().tolist()
