"""One message at a time, in arrival order; a slow action server does not hold up the others. Real asyncio."""

import asyncio
import time
from typing import List

import pytest

from addons.message_order import gate, turn, waiting_for


async def message(
    name: str,
    log: List[str],
    cpu_seconds: float = 0.0,
    action_server_seconds: float = 0.0,
    hold_seconds: float = 0.1,
) -> None:
    """A message's processing: CPU work in steps that yield to the loop (as Rasa's awaits do), and an
    optional call to the action server."""
    async with turn():
        log.append(f"{name} starts")
        for _ in range(4):
            time.sleep(cpu_seconds / 4)  # blocks the loop, as computing does
            await asyncio.sleep(0)
        if action_server_seconds:
            log.append(f"{name} waits for the action server")
            await waiting_for(asyncio.sleep(action_server_seconds), hold_seconds)
            log.append(f"{name} is back")
        log.append(f"{name} answered")


async def test_messages_are_processed_one_at_a_time_in_arrival_order() -> None:
    log: List[str] = []
    await asyncio.gather(*(message(name, log) for name in "abc"))
    assert log == ["a starts", "a answered", "b starts", "b answered", "c starts", "c answered"]


async def test_without_the_turn_messages_interleave() -> None:
    """The check above can fail: the same messages without the turn take turns at every await."""
    log: List[str] = []

    async def unordered(name: str) -> None:
        log.append(f"{name} starts")
        await asyncio.sleep(0)
        log.append(f"{name} answered")

    await asyncio.gather(*(unordered(name) for name in "ab"))
    assert log == ["a starts", "b starts", "a answered", "b answered"]


async def test_a_quick_action_server_answer_is_awaited_within_the_turn() -> None:
    log: List[str] = []
    await asyncio.gather(message("a", log, action_server_seconds=0.01), message("b", log))
    assert log == [
        "a starts",
        "a waits for the action server",
        "a is back",
        "a answered",
        "b starts",
        "b answered",
    ]


async def test_a_slow_action_server_lets_the_next_in_and_the_message_comes_back_first() -> None:
    log: List[str] = []
    first = asyncio.ensure_future(message("a", log, action_server_seconds=0.03, hold_seconds=0.01))
    await asyncio.sleep(0.001)
    later = [asyncio.ensure_future(message(name, log, cpu_seconds=0.06)) for name in "bcd"]
    await asyncio.gather(first, *later)
    # a stepped aside for b, its answer came while b ran, and it went before c and d, which arrived after it
    assert log[:6] == [
        "a starts",
        "a waits for the action server",
        "b starts",
        "b answered",
        "a is back",
        "a answered",
    ]
    assert log[6:] == ["c starts", "c answered", "d starts", "d answered"]


async def test_a_hanging_action_server_delays_only_its_own_message() -> None:
    log: List[str] = []
    hanging = asyncio.ensure_future(message("a", log, action_server_seconds=30, hold_seconds=0.05))
    await asyncio.sleep(0.01)
    await asyncio.wait_for(asyncio.gather(message("b", log), message("c", log)), timeout=2)
    assert "b answered" in log and "c answered" in log and "a answered" not in log
    hanging.cancel()
    with pytest.raises(asyncio.CancelledError):
        await hanging
    await asyncio.wait_for(message("d", log), timeout=2)


async def test_errors_and_cancelled_waiters_pass_the_turn_on() -> None:
    log: List[str] = []

    async def failing() -> None:
        async with turn():
            await asyncio.sleep(0)
            raise ValueError("broken message")

    first = asyncio.ensure_future(failing())
    waiting = asyncio.ensure_future(message("cancelled", log))
    await asyncio.sleep(0)
    waiting.cancel()
    results = await asyncio.gather(first, waiting, message("next", log), return_exceptions=True)
    assert isinstance(results[0], ValueError) and isinstance(results[1], asyncio.CancelledError)
    assert "next answered" in log and "cancelled starts" not in log
    assert not gate().held


async def test_outside_a_turn_a_service_call_is_just_awaited() -> None:
    assert await waiting_for(asyncio.sleep(0, result="answer"), hold_seconds=0) == "answer"
    assert not gate().held
