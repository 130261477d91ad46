"""Reading ahead in a thread (advisor.prefetch): the same items in the same order, a
source's error raised after the items before it, and a consumer that stops early stops the
thread and closes the source."""

from __future__ import annotations

import threading
import time

import pytest

from advisor.prefetch import prefetched


def test_items_arrive_in_order():
    assert list(prefetched(iter(range(50)), depth=2)) == list(range(50))
    assert list(prefetched(iter([]))) == []


def test_a_source_error_is_raised_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("row 3: bad")

    got = []
    with pytest.raises(ValueError, match="row 3: bad"):
        for item in prefetched(source()):
            got.append(item)
    assert got == [1, 2]


def test_stopping_early_stops_the_thread_and_closes_the_source():
    closed = threading.Event()

    def source():
        try:
            yield from range(10_000)
        finally:
            closed.set()

    existing = set(threading.enumerate())  # another test's reader may still be winding down
    items = prefetched(source(), depth=1)
    assert next(items) == 0
    started = [t for t in threading.enumerate()
               if t.name == "advisor-prefetch" and t not in existing]
    assert len(started) == 1
    items.close()
    assert closed.wait(5)
    started[0].join(5)
    assert not started[0].is_alive(), "the reading thread did not stop"


def test_the_reading_runs_ahead_of_the_consumer():
    """While the consumer works on item 0, the reader has item 1 ready (depth 1)."""
    read = []

    def source():
        for i in range(3):
            read.append(i)
            yield i

    items = prefetched(source(), depth=1)
    assert next(items) == 0
    deadline = time.monotonic() + 5
    while len(read) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert list(items) == [1, 2]
