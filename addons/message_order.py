"""Messages are processed one at a time per Rasa process, in the order they arrived.

Rasa's server lets every message that arrived run concurrently on its event loop. Processing is
almost all CPU, so concurrent messages take turns at their awaits: a message that calls the action
server queues again behind all messages that arrived after it, and took twice as long under load as
one without a custom action (`make bench`, 16 users). `turn()` (taken by addons/processor.py) admits
one message at a time to Rasa's processing, in arrival order. It keeps its turn while the action
server answers, as long as that is quick (HOLD_SECONDS); if not, it steps aside for the next message
and comes back ahead of every message that arrived after it, so a slow or hanging action server
delays only its own message.

The turn is taken inside Rasa's conversation lock: a message waiting for its conversation's lock
never holds the turn, so the two cannot wait for each other.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import weakref
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, List, Optional, Tuple, TypeVar

T = TypeVar("T")

# How long a message keeps its turn while waiting for the action server: long enough for an answer
# over loopback. Longer waits (busy machine, nginx in between) are better spent on the next message:
# holding much longer cut the production topology's throughput sharply (`make bench-prod`).
HOLD_SECONDS = 0.005


@dataclass
class _Turn:
    arrival: int
    holding: bool = False


# The message the current task is processing (Sanic handles each request in its own task).
_current_turn: ContextVar[Optional[_Turn]] = ContextVar("current_turn", default=None)


class ArrivalOrderGate:
    """Lets one holder in at a time; waiting holders get in by lowest arrival number first."""

    def __init__(self) -> None:
        self._arrivals = itertools.count()
        self._waiting: List[Tuple[int, asyncio.Future]] = []
        self._held = False

    def arrival_number(self) -> int:
        return next(self._arrivals)

    async def enter(self, arrival: int) -> None:
        if not self._held and not self._waiting:
            self._held = True
            return
        admitted = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (arrival, admitted))
        try:
            await admitted
        except asyncio.CancelledError:
            if admitted.done() and not admitted.cancelled():
                self.leave()  # admitted just before the cancellation: pass the turn on
            raise

    def leave(self) -> None:
        while self._waiting:
            _arrival, admitted = heapq.heappop(self._waiting)
            if not admitted.done():
                admitted.set_result(None)  # the gate stays held, by the next in line
                return
        self._held = False

    @property
    def held(self) -> bool:
        return self._held


_gates: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ArrivalOrderGate]" = weakref.WeakKeyDictionary()


def gate() -> ArrivalOrderGate:
    """The gate of the running event loop (each Sanic worker has its own)."""
    return _gates.setdefault(asyncio.get_running_loop(), ArrivalOrderGate())


@asynccontextmanager
async def turn() -> AsyncIterator[None]:
    """Holds the turn for the current message, from its arrival until it is answered."""
    current = gate()
    this_turn = _Turn(current.arrival_number())
    token = _current_turn.set(this_turn)
    try:
        await current.enter(this_turn.arrival)
        this_turn.holding = True
        yield
    finally:
        _current_turn.reset(token)
        if this_turn.holding:
            current.leave()


async def waiting_for(service_call: Awaitable[T], hold_seconds: float = HOLD_SECONDS) -> T:
    """Awaits a call to another service (the action server) within the current message's turn.

    A quick answer is awaited holding the turn: letting other messages in meanwhile would make this one
    queue behind all of them again. After `hold_seconds` the message steps aside, so a slow or hanging
    service delays only its own message, and takes the next turn once the answer is there."""
    this_turn = _current_turn.get()
    if this_turn is None or not this_turn.holding:
        return await service_call
    current = gate()

    def step_aside() -> None:
        this_turn.holding = False
        current.leave()

    timer = asyncio.get_running_loop().call_later(hold_seconds, step_aside)
    try:
        return await service_call
    finally:
        timer.cancel()
        if not this_turn.holding:
            await current.enter(this_turn.arrival)
            this_turn.holding = True
