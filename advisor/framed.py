"""Small data frames from column arrays, without pandas' per-column inference.

``pd.DataFrame({name: array, ...})`` checks and converts every column (and, for text
column names, builds an Arrow-backed column index): ~0.1 ms per frame whatever its size,
which a consult pays for each of the dozen frames of one patient. :func:`frame_of` builds
the same frame (same dtypes, blocks, RangeIndex and column index) from arrays that are
already what the frame would hold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

_TEXT = pd.Index(["text"]).dtype  # the dtype pandas infers for text labels


def columns_index(names: Sequence[str]) -> pd.Index:
    """The column index ``pd.DataFrame`` gives these names (pass it to :func:`frame_of`; an
    Index is immutable, so one made once may be passed every time)."""
    names = list(names)
    if names and all(isinstance(name, str) for name in names):
        return pd.Index(names, dtype=_TEXT)  # (what pandas infers, without inferring it)
    return pd.Index(names)


def object_array(values: Sequence[object]) -> np.ndarray:
    """``pd.Series(list(values), dtype=object).to_numpy()``: a 1-D object array (a new
    one)."""
    if isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1:
        return values.copy()
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def frame_of(columns: pd.Index, arrays: Sequence[np.ndarray | pd.api.extensions.ExtensionArray]
             ) -> pd.DataFrame:
    """``pd.DataFrame(dict(zip(columns, arrays)))`` for 1-D arrays of one length that are
    already in their final form (int64, float64, bool or object ndarrays, Categoricals):
    nothing is inferred (an object array of text stays object, as a ``pd.Series(values,
    dtype=object)`` column does), and a column alone of its dtype is not copied (pass
    arrays nothing else writes to)."""
    n = len(arrays[0]) if len(arrays) else 0
    return pd.DataFrame._from_arrays(list(arrays), columns=columns, index=pd.RangeIndex(n),
                                     verify_integrity=False)
