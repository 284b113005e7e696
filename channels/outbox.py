"""What the bot sends to a messenger platform is delivered in the background, outside the message turn.

Rasa sends the bot's replies while it processes a message, inside that message's turn
(addons/message_order.py): a platform API that answers slowly or not at all held the turn, so every
other patient's message of the process waited too (a hanging Graph API made a REST reply take 29 s).
The output channels of Facebook, WhatsApp and Telegram therefore only `put` each send into the
`Outbox` of their event loop, which returns at once; one background task per conversation delivers
that conversation's sends, one after the other, in the order they were put. A hanging platform so
delays only its own conversations.

Retries: a send that timed out, found no connection, or got a 5xx or 429 is tried again after a growing
pause (with jitter, so conversations do not retry in step), the next send of the conversation waiting
behind it to keep the order. Other 4xx answers are final: the same request would be refused again.
A send is given up once it has waited `give_up_after`. A timed-out send may have reached the platform,
so a retry can deliver it twice: for a patient a repeated answer is better than a missing one.

Bound: when a platform has `capacity` sends waiting, its webhook refuses new messages with 503 before
they reach Rasa (`has_room`), and the platform delivers the webhook again later (Meta and Telegram
retry failed webhooks). Dropping the oldest send instead would silently lose a reply the patient is
waiting for (possibly the emergency numbers); a refused webhook loses nothing and nothing reaches the
conversation twice. Sends of a message that was already admitted are always queued, so the bound is
exceeded by at most the replies of the messages being processed when it was reached.

Shutdown: when the Sanic server stops (`after_server_stop`, once the last requests are answered),
waiting sends get one immediate try and `flush_seconds` to finish; whatever is left is abandoned with
one log line per platform. Log lines name the platform, counts and error kinds, never texts or
recipients (a WhatsApp recipient is a phone number).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
import time
import weakref
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Deque, Dict, Optional, Tuple

from sanic import Blueprint

logger = logging.getLogger(__name__)

# Pending sends per platform and process before webhooks get 503. A send is a few hundred bytes; the
# bound is about how much a platform outage may pile up, not about memory.
DEFAULT_CAPACITY = 1000
# Container stops wait 10 s by default before killing; the flush must fit in that with room to spare.
FLUSH_SECONDS = 5.0


@dataclass(frozen=True)
class Outcome:
    """How one attempt at a send went."""

    delivered: bool
    worth_retrying: bool = False
    retry_after: Optional[float] = None  # the platform's own wait (Retry-After, Telegram's flood control)


DELIVERED = Outcome(delivered=True)
REFUSED = Outcome(delivered=False)


def try_again(retry_after: Optional[float] = None) -> Outcome:
    return Outcome(delivered=False, worth_retrying=True, retry_after=retry_after)


Send = Callable[[], Awaitable[Outcome]]
ConversationKey = Tuple[str, str]  # (platform, recipient)


@dataclass(frozen=True)
class RetryPolicy:
    first_pause: float = 1.0
    longest_pause: float = 60.0
    # A reply more than an hour late answers a question the patient has likely taken elsewhere (the
    # practice's phone), and keeping it would hold a place in the bound for newer messages.
    give_up_after: float = 3600.0

    def pause(self, failed_attempts: int, retry_after: Optional[float] = None) -> float:
        """Doubles with each failed attempt up to `longest_pause`; a platform-given wait is respected."""
        backoff = min(self.longest_pause, self.first_pause * 2 ** (failed_attempts - 1))
        jittered = backoff * random.uniform(0.5, 1.0)
        return max(jittered, min(retry_after or 0.0, self.longest_pause))


@dataclass
class _Pending:
    send: Send
    queued_at: float = field(default_factory=time.monotonic)
    failed_attempts: int = 0


class Outbox:
    """Per-conversation background delivery of sends, in order, bounded per platform."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, policy: RetryPolicy = RetryPolicy()) -> None:
        self.capacity = capacity
        self.policy = policy
        self._queues: Dict[ConversationKey, Deque[_Pending]] = {}
        self._workers: Dict[ConversationKey, asyncio.Task] = {}
        self._pending: Counter[str] = Counter()
        self._closing: Optional[asyncio.Event] = None
        self._closed = False

    # --- For the webhooks and output channels ----------------------------------------------------

    def has_room(self, platform: str) -> bool:
        """Whether a new message of `platform` may be taken (its webhook answers 503 otherwise)."""
        return not self._closed and self._pending[platform] < self.capacity

    def pending(self, platform: str) -> int:
        return self._pending[platform]

    def put(self, platform: str, recipient: str, send: Send) -> None:
        """Queues `send` behind the conversation's earlier sends; returns at once."""
        if self._closed:
            logger.warning("%s: a send came after the outbox closed (server stopping); dropped.", platform)
            return
        key = (platform, recipient)
        self._queues.setdefault(key, deque()).append(_Pending(send))
        self._pending[platform] += 1
        if key not in self._workers:
            self._workers[key] = _start_outside_any_turn(self._deliver_conversation(key))

    async def wait_until_empty(self) -> None:
        """Returns once every queued send was delivered or given up."""
        while self._workers:
            await asyncio.wait(list(self._workers.values()))

    # --- Shutdown ----------------------------------------------------------------------------------

    async def close(self, flush_seconds: float = FLUSH_SECONDS) -> None:
        """Gives waiting sends one immediate try and `flush_seconds`; abandons the rest with a log line."""
        if self._closed:
            return
        self._closed = True
        self._closing_event().set()  # retries waiting for their pause go now
        workers = list(self._workers.values())
        if workers:
            await asyncio.wait(workers, timeout=flush_seconds)
        abandoned = Counter({platform: count for platform, count in self._pending.items() if count})
        for worker in self._workers.values():
            worker.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        for platform, count in sorted(abandoned.items()):
            logger.warning(
                "%s: server stopping, %s send(s) the platform had not taken were abandoned.", platform, count
            )
        self._queues.clear()
        self._workers.clear()
        self._pending.clear()

    # --- Delivery ----------------------------------------------------------------------------------

    async def _deliver_conversation(self, key: ConversationKey) -> None:
        platform = key[0]
        queue = self._queues[key]
        try:
            while queue:
                if not await self._deliver(platform, queue[0]):
                    return  # closing: what is left stays counted for close()'s log line
                queue.popleft()
                self._pending[platform] -= 1
        finally:
            if not queue:
                self._queues.pop(key, None)
            self._workers.pop(key, None)

    async def _deliver(self, platform: str, pending: _Pending) -> bool:
        """Tries `pending` until it is delivered, refused or too old (True), or the outbox closes (False).

        While closing, a failed send is not given up but left, with the sends behind it: sending those
        without it would break the conversation's order."""
        while True:
            outcome = await self._attempt(platform, pending.send)
            if outcome.delivered:
                return True
            pending.failed_attempts += 1
            waited = time.monotonic() - pending.queued_at
            if outcome.worth_retrying and self._closed:
                return False
            if not outcome.worth_retrying or waited >= self.policy.give_up_after:
                logger.warning(
                    "%s: a send was given up after %s attempt(s) over %.0f s.",
                    platform,
                    pending.failed_attempts,
                    waited,
                )
                return True
            await self._pause(self.policy.pause(pending.failed_attempts, outcome.retry_after))

    @staticmethod
    async def _attempt(platform: str, send: Send) -> Outcome:
        try:
            return await send()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug in building the request must not stop the conversation's queue
            logger.error("%s: a send failed with %s.", platform, type(error).__name__)
            return REFUSED

    async def _pause(self, seconds: float) -> None:
        """Sleeps `seconds`, or less if the outbox starts closing (the flush tries everything once more)."""
        try:
            await asyncio.wait_for(self._closing_event().wait(), seconds)
        except asyncio.TimeoutError:
            pass

    def _closing_event(self) -> asyncio.Event:
        if self._closing is None:
            self._closing = asyncio.Event()
        return self._closing


def _start_outside_any_turn(work: Awaitable[None]) -> asyncio.Task:
    """A task in an empty context: a task copies its creator's context variables, and the creator is a
    message holding its turn; the sender must not look like part of that message."""
    return contextvars.Context().run(asyncio.get_running_loop().create_task, work)


_outboxes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Outbox]" = weakref.WeakKeyDictionary()


def outbox() -> Outbox:
    """The outbox of the running event loop (each Sanic worker has its own)."""
    loop = asyncio.get_running_loop()
    if loop not in _outboxes:
        _outboxes[loop] = Outbox()
    return _outboxes[loop]


def queue_send(platform: str, recipient: str, send: Send) -> None:
    outbox().put(platform, recipient, send)


async def close_outbox(_app: Any = None, _loop: Any = None) -> None:
    """Sanic listener: flushes or abandons the running loop's pending sends."""
    current = _outboxes.get(asyncio.get_running_loop())
    if current is not None:
        await current.close()


def close_outbox_when_server_stops(blueprint: Blueprint) -> None:
    """Registers `close_outbox` for `after_server_stop` (several channels may; closing twice is a no-op)."""
    blueprint.listener("after_server_stop")(close_outbox)
