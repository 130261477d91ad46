"""The hook requests that wait for the engine, judged together.

A worker runs one engine call at a time (threads side by side would contend for the GIL).
Requests that arrive while it is busy wait here; when it is free, it answers all of them (up
to :data:`MAX_BATCH`) in one call (:meth:`advisor.serve.app.Runtime.answers`, which judges
their patients with :func:`advisor.consult.order_findings_many`: the frame and the rules
then run once for the batch, and the findings are those each request would get alone). The
call answers each item with its result or with an exception, which is raised to that
item's request only; if the call itself fails, its items are answered again one at a time.

An engine call costs a fixed part (the frame and the rules, about as much as several
requests' own work) plus each request's part, so a call for one request that has just arrived
ahead of others makes them all wait for it. Before a call, the batcher therefore waits (at
most :data:`MAX_DELAY`) until as many requests wait as did at once in the last
:data:`PEAK_SECONDS`: under a steady load its calls stay full; a lone client does not wait.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

MAX_BATCH = 32
MAX_DELAY = 0.005  # s: the longest a request waits for others to join its engine call
PEAK_SECONDS = 0.25  # the batch size to wait for: the most requests waiting at once lately

Judge = Callable[[list[Any]], Awaitable[list[Any]]]


class Batcher:
    """``await submit(item)`` -> the item's result from ``judge`` (an async call that answers
    a list of items, in order, each with a result or an exception to raise), sharing the
    call with the items waiting beside it."""

    def __init__(self, judge: Judge, max_batch: int = MAX_BATCH,
                 max_delay: float = MAX_DELAY):
        self.judge, self.max_batch, self.max_delay = judge, max_batch, max_delay
        self.waiting: list[tuple[Any, asyncio.Future[Any]]] = []
        self.task: asyncio.Task[None] | None = None
        self.peaks: deque[tuple[float, int]] = deque()  # (time, requests waiting) per call
        self.enough = asyncio.Event()
        self.target = 1

    async def submit(self, item: Any) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
        if len(self.waiting) >= self.target:
            self.enough.set()
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())
        return await future

    async def _fill(self) -> None:
        """Wait, at most ``max_delay``, until the batch is as full as lately."""
        now = asyncio.get_running_loop().time()
        while self.peaks and now - self.peaks[0][0] > PEAK_SECONDS:
            self.peaks.popleft()
        self.target = min(self.max_batch, max((n for _, n in self.peaks), default=1))
        if len(self.waiting) < self.target and self.max_delay > 0:
            self.enough.clear()
            with contextlib.suppress(TimeoutError):  # then go with those waiting
                await asyncio.wait_for(self.enough.wait(), self.max_delay)
        self.target = 1
        self.peaks.append((now, len(self.waiting)))

    async def _drain(self) -> None:
        while self.waiting:
            await self._fill()
            batch = self.waiting[:self.max_batch]
            del self.waiting[:self.max_batch]
            try:
                results = await self.judge([item for item, _ in batch])
            except Exception:  # one request's error must not be the others' answer
                await self._one_by_one(batch)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                _settle(future, result)

    async def _one_by_one(self, batch: list[tuple[Any, asyncio.Future[Any]]]) -> None:
        for item, future in batch:
            try:
                result = (await self.judge([item]))[0]
            except Exception as exc:
                result = exc
            _settle(future, result)


def _settle(future: asyncio.Future[Any], result: Any) -> None:
    if future.done():  # a request whose client left is cancelled
        return
    if isinstance(result, Exception):
        future.set_exception(result)
    else:
        future.set_result(result)
