"""The hook requests that wait for the engine, judged together.

A worker runs one engine call at a time (threads side by side would contend for the GIL).
Requests that arrive while it is busy wait here; when it is free, it answers all of them (up
to :data:`MAX_BATCH`) in one call (:meth:`advisor.serve.app.Runtime.answers`, which judges
their patients with :func:`advisor.consult.order_findings_many`: the frame and the rules
then run once for the batch, and the findings are those each request would get alone). The
call answers each item with its result or with an exception, which is raised to that
item's request only; if the call itself fails, its items are answered again one at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

MAX_BATCH = 32

Judge = Callable[[list[Any]], Awaitable[list[Any]]]


class Batcher:
    """``await submit(item)`` -> the item's result from ``judge`` (an async call that answers
    a list of items, in order, each with a result or an exception to raise), sharing the
    call with the items waiting beside it."""

    def __init__(self, judge: Judge, max_batch: int = MAX_BATCH):
        self.judge, self.max_batch = judge, max_batch
        self.waiting: list[tuple[Any, asyncio.Future[Any]]] = []
        self.task: asyncio.Task[None] | None = None

    async def submit(self, item: Any) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.waiting:
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
