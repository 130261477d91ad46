"""Input rows screened before: a later chunk maps them to their combination directly.

A row's results are a function of its judged cells as read (validation, translation and
rules see nothing else), so a distinct row that an earlier chunk screened without any error
has the same cohort-wide combination wherever it occurs again. Such rows are neither
validated nor grouped again. A row with an error (the reader's, a bad cell, a genotype that
does not translate) is never remembered: it is checked every time, so its errors are found
as before. Once a chunk finds too few of its rows seen before (a cohort whose rows seldom
repeat, e.g. with exact ages and weights), looking them up costs more than it saves, and
the rest of the run checks every row.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from advisor.row_keys import CohortCodes, row_keys


class SeenRows:
    """Distinct rows (their judged cells) screened without an error, by cohort-wide
    combination."""

    MIN_SHARE = 0.25  # of a chunk's distinct rows found seen before, or stop looking

    def __init__(self) -> None:
        self._codes = CohortCodes()  # per column: cell text -> code
        self._combination: dict[bytes, int] = {}
        self._columns: list[str] | None = None  # the judged columns, as the first chunk has them
        self.active = True
        self._chunks = 0

    def keys(self, columns: dict[str, np.ndarray | pd.Categorical], n: int) -> list[bytes]:
        """Each of the ``n`` rows of ``columns`` (the same rows of every judged column) as
        bytes of cohort-wide cell codes; a missing cell has a code of its own. Chunks whose
        columns differ from the first chunk's are not compared: looking up stops."""
        if self._columns is None:
            self._columns = list(columns)
        elif list(columns) != self._columns:
            self._stop()
        matrix = np.empty((n, len(columns)), dtype=np.int32)
        for j, (name, values) in enumerate(columns.items()):
            codes, texts = pd.factorize(values, use_na_sentinel=True)
            of_text = self._codes.of(name, itertools.chain(np.asarray(texts, dtype=object),
                                                           [None]), len(texts) + 1)
            matrix[:, j] = of_text[codes]  # code -1 (missing): the last, None's
        return row_keys(matrix)

    def find(self, keys: list[bytes]) -> np.ndarray:
        """The cohort-wide combination of each of a chunk's distinct rows (-1: not screened
        without error before); too few found after the first chunk: stop looking."""
        found = np.fromiter(map(self._combination.get, keys, itertools.repeat(-1)),
                            dtype=np.int64, count=len(keys))
        self._chunks += 1
        if self._chunks > 1 and (found >= 0).sum() < self.MIN_SHARE * len(keys):
            self._stop()
        return found

    def _stop(self) -> None:
        self.active = False
        self._codes, self._combination = CohortCodes(), {}

    def remember(self, keys: list[bytes], combination: np.ndarray) -> None:
        """Rows screened without error (``combination`` >= 0) and their combinations."""
        if not self.active:
            return
        good = np.flatnonzero(combination >= 0)
        self._combination.update(zip([keys[i] for i in good.tolist()],
                                     combination[good].tolist(), strict=True))
