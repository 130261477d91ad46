"""The hook requests waiting for the engine are judged together (advisor.serve.batching):
who waits is batched, each gets its own result, and one request's error stays its own."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from advisor.serve.batching import Batcher


class Engine:
    """A judge that takes a while, records each call's items and fails on 'bad' items."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def judge(self, items: list[str]) -> list[str]:
        self.calls.append(list(items))
        await asyncio.sleep(0.02)  # the engine is busy; others arrive meanwhile
        if "bad" in items:
            raise ValueError("a bad item")
        return [KeyError(item) if item.startswith("no-") else item.upper() for item in items]


def run(coroutine):
    return asyncio.run(coroutine)


def test_requests_that_wait_are_judged_together_and_get_their_own_results():
    engine = Engine()

    async def scenario():
        batcher = Batcher(engine.judge)
        first = asyncio.create_task(batcher.submit("a"))
        await asyncio.sleep(0.005)  # "a" is being judged: these wait for the engine
        rest = [asyncio.create_task(batcher.submit(x)) for x in "bcdefgh"]
        return await first, await asyncio.gather(*rest)

    first, rest = run(scenario())
    assert first == "A" and rest == list("BCDEFGH")
    assert engine.calls == [["a"], list("bcdefgh")]


def test_batches_hold_at_most_max_batch_items():
    engine = Engine()

    async def scenario():
        batcher = Batcher(engine.judge, max_batch=3)
        return await asyncio.gather(*(batcher.submit(x) for x in "abcdefg"))

    assert run(scenario()) == list("ABCDEFG")
    assert engine.calls == [["a", "b", "c"], ["d", "e", "f"], ["g"]]


def submitted_together(engine: Engine, items: tuple[str, ...]) -> list[Any]:
    """Each item's answer (or exception) when all are submitted at once."""
    async def scenario():
        batcher = Batcher(engine.judge)
        tasks = [asyncio.create_task(batcher.submit(x)) for x in items]
        return await asyncio.gather(*tasks, return_exceptions=True)

    return run(scenario())


def test_an_error_in_a_batch_is_the_answer_of_its_own_request_only():
    engine = Engine()
    a, bad, c = submitted_together(engine, ("a", "bad", "c"))
    assert (a, c) == ("A", "C")
    assert isinstance(bad, ValueError) and str(bad) == "a bad item"
    # the batch failed, then each request was judged alone
    assert engine.calls == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]


def test_an_item_answered_with_an_exception_raises_it_to_its_request_only():
    engine = Engine()
    a, b, c = submitted_together(engine, ("a", "no-b", "c"))
    assert (a, c) == ("A", "C") and isinstance(b, KeyError) and b.args == ("no-b",)
    assert engine.calls == [["a", "no-b", "c"]]  # one call: the others were not re-judged


def test_a_request_whose_client_left_does_not_stop_the_others():
    engine = Engine()

    async def scenario():
        batcher = Batcher(engine.judge)
        first = asyncio.create_task(batcher.submit("a"))
        await asyncio.sleep(0.005)
        gone = asyncio.create_task(batcher.submit("b"))
        kept = asyncio.create_task(batcher.submit("c"))
        await asyncio.sleep(0)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        return await first, await kept, await batcher.submit("d")

    assert run(scenario()) == ("A", "C", "D")
    assert engine.calls == [["a"], ["b", "c"], ["d"]]


class TimedEngine(Engine):
    """An engine that also records when each call starts (event-loop time)."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[float] = []

    async def judge(self, items: list[str]) -> list[str]:
        self.starts.append(asyncio.get_running_loop().time())
        return await super().judge(items)


def test_a_call_waits_for_as_many_requests_as_waited_lately():
    """Four requests came together; then one arrives ahead of three others: it waits for
    them (at most max_delay) instead of taking the engine alone and making them wait."""
    engine = TimedEngine()

    async def scenario():
        batcher = Batcher(engine.judge, max_delay=0.5)
        await asyncio.gather(*(batcher.submit(x) for x in "abcd"))
        first = asyncio.create_task(batcher.submit("e"))
        await asyncio.sleep(0.01)
        rest = [asyncio.create_task(batcher.submit(x)) for x in "fgh"]
        return await first, await asyncio.gather(*rest)

    assert run(scenario()) == ("E", list("FGH"))
    assert engine.calls == [list("abcd"), list("efgh")]


def test_a_lone_client_does_not_wait_and_a_short_batch_waits_at_most_max_delay():
    engine = TimedEngine()

    async def scenario():
        loop = asyncio.get_running_loop()
        batcher = Batcher(engine.judge, max_delay=0.2)
        sent = loop.time()
        await batcher.submit("a")  # nobody waited lately: judged at once
        alone = engine.starts[0] - sent
        await asyncio.gather(*(batcher.submit(x) for x in "bcd"))
        sent = loop.time()
        await batcher.submit("e")  # three waited lately: "e" waits for them, then goes
        return alone, engine.starts[-1] - sent

    alone, short = run(scenario())
    assert alone < 0.1
    assert 0.15 <= short < 1.0
    assert engine.calls == [["a"], list("bcd"), ["e"]]
