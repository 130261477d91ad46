"""Safe output files: written whole or not at all, checked before any work, and free of
spreadsheet formulas.

- :func:`atomic_outputs`: each target is written to a temporary file beside it; on success
  every file is flushed to disk (fsync) and renamed over its target, on any failure or
  signal the temporary files are removed and existing outputs stay untouched.
- :func:`interruptible`: SIGINT and SIGTERM become :class:`Interrupted`, so that the
  ``finally`` clauses above run; the command line turns it into one line and exit 130/143.
- :func:`signals_held`: they wait until a block ends: for renames that must not be cut in
  the middle, and for C libraries that drop what a Python callback raises (pyarrow).
- :func:`check_outputs`: refuse an output that is an input, two outputs that are one file,
  and a folder that does not exist.
- :func:`csv_safe`: text cells starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
  return get a leading ``'`` (OWASP, CSV injection), so that a spreadsheet shows them as
  text instead of running them as formulas.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from advisor.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SIGNALS = (signal.SIGINT, signal.SIGTERM)
_HELD: list[list[int]] = []  # while :func:`signals_held` runs: the signals received


class Interrupted(BaseException):
    """A signal asked the command to stop; ``code`` is the exit code (128 + signal)."""

    def __init__(self, signum: int):
        self.signum = signum
        self.code = 128 + signum
        self.done: int | None = None  # work units finished, when the command counts them
        self.written = False  # the outputs were complete and in place before the signal
        super().__init__(signal.Signals(signum).name)


def temporary_beside(target: Path) -> Path:
    """A fresh temporary path in the target's folder, with the target's suffix (writers
    choose their format by suffix)."""
    return target.with_name(f".{target.stem}.{secrets.token_hex(4)}.partial{target.suffix}")


def _fsync(path: Path, *, below: bool = True) -> None:
    """Flush a file, or a folder (with ``below``: and everything below it; only what this
    command wrote is flushed that way) to disk. A file system that cannot flush a folder is
    left to flush it itself."""
    paths = [path, *path.rglob("*")] if below and path.is_dir() else [path]
    for item in paths:
        fd = os.open(item, os.O_RDONLY)
        try:
            os.fsync(fd)
        except OSError:
            if not item.is_dir():
                raise
        finally:
            os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _replace(temp: Path, target: Path) -> None:
    """Move ``temp`` over ``target``; a folder (a dataset) replaces an existing folder by
    two renames, the old one removed afterwards."""
    if temp.is_dir() and target.is_dir():
        old = temporary_beside(target)
        os.replace(target, old)
        os.replace(temp, target)
        _remove(old)
    else:
        os.replace(temp, target)


def _special(path: Path) -> bool:
    """An existing target that is not a regular file or folder (``/dev/null``, a FIFO):
    written in place, never replaced."""
    return path.exists() and not (path.is_file() or path.is_dir())


@contextmanager
def atomic_outputs(*targets: Path) -> Iterator[list[Path]]:
    """Temporary paths for ``targets`` (files, or folders the caller creates); all are moved
    into place when the block ends normally (signals held back while renaming), none if it
    raises or is interrupted. A target such as ``/dev/null`` is written directly."""
    temps = [t if _special(t) else temporary_beside(t) for t in targets]
    moved = [(temp, target) for temp, target in zip(temps, targets, strict=True)
             if temp != target]
    committed = False
    try:
        yield temps
        for temp, _ in moved:
            _fsync(temp)
        with signals_held():  # a held signal fires at the end, with everything moved
            for temp, target in moved:
                _replace(temp, target)
            committed = True
        for folder in {target.parent for _, target in moved}:
            _fsync(folder, below=False)  # the renames, not the folder's other contents
    except Interrupted as stop:
        stop.written = committed
        raise
    finally:
        for temp, _ in moved:
            _remove(temp)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` inside the block (main thread only)."""
    def stop(signum: int, frame: FrameType | None) -> None:
        if _HELD:
            _HELD[0].append(signum)
        else:
            raise Interrupted(signum)

    previous = {s: signal.signal(s, stop) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends and then stop the command as usual.

    They are blocked for this thread and, as the kernel may hand a signal to another
    thread (pyarrow's), the handler of :func:`interruptible` also only records them
    meanwhile. Main thread only (elsewhere, and when nested, the block runs unchanged);
    the block must not yield."""
    if _HELD or threading.current_thread() is not threading.main_thread():
        yield
        return
    _HELD.append([])
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # runs held handlers
        finally:
            held = _HELD.pop()
        if held:
            raise Interrupted(held[0])


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    return a.exists() and b.exists() and os.path.samefile(a, b)


def check_outputs(inputs: Sequence[Path], outputs: dict[str, Path]) -> None:
    """Refuse (exit 2) an output that is an input or another output, or whose folder does
    not exist. ``outputs`` maps option names (``--out``) to paths."""
    named = list(outputs.items())
    for i, (option, path) in enumerate(named):
        if not path.parent.is_dir():
            raise InputError(option, str(path), f"the folder {path.parent} does not exist")
        for source in inputs:
            if _same(path, source):
                raise InputError(option, str(path), "is the input file; choose another "
                                 "name (it would be overwritten)")
        for other, other_path in named[:i]:
            if _same(path, other_path):
                raise InputError(option, str(path), f"is also given as {other}; the two "
                                 "outputs need different files")


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would read as a formula prefixed
    by ``'`` (vectorised: categories once, object columns with pyarrow kernels)."""
    import pandas as pd

    out = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = column.cat.categories
            if categories.dtype == object or pd.api.types.is_string_dtype(categories.dtype):
                fixed = _guarded(categories.to_numpy(dtype=object))
                if fixed is not None:
                    column = column.cat.rename_categories(fixed)
        elif column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            fixed = _guarded(column.to_numpy(dtype=object))
            if fixed is not None:
                column = pd.Series(fixed, index=column.index, dtype=object)
        out[name] = column
    return pd.DataFrame(out, index=frame.index)


def _guarded(values: object) -> object:
    """The values with formula-like text prefixed, or None when nothing needs it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = np.asarray(values, dtype=object)
    try:
        text = pa.array(cells, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a column mixing text and other values
        text = pa.array([v if isinstance(v, str) else None for v in cells], type=pa.string())
    risky = pc.fill_null(pc.match_substring_regex(text, r"^[=+\-@\t\r]"), False)
    if not pc.any(risky).as_py():
        return None
    mask = risky.to_numpy(zero_copy_only=False)
    fixed = cells.copy()
    fixed[mask] = ["'" + v for v in cells[mask]]  # per risky cell
    return fixed
