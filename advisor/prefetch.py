"""Reading ahead in a thread: the next chunk of a cohort is parsed while this one is judged.

pyarrow parses and decodes without the GIL, so on two or more cores the reading of chunk
k+1 overlaps the screening of chunk k (at most ``depth`` chunks wait, so memory grows by
that many chunks). Items arrive in order; an exception of the source is raised where it
occurred, after the items before it; a consumer that stops early stops the thread, which
closes the source (its files are released).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_END = object()
_POLL_SECONDS = 0.1  # how often a blocked reader checks that the consumer still wants items


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


def prefetched(source: Iterator[T], depth: int = 1) -> Iterator[T]:
    """The items of ``source``, read ahead by a background thread (see the module
    docstring)."""
    items: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in source:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # raised in the consumer, where it occurred
            put(_Failed(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="advisor-prefetch", daemon=True)
    reader.start()
    try:
        while True:
            item = items.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        reader.join()
