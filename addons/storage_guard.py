"""A clear 503 with a reason, instead of silence or amnesia, while the tracker or lock store is down.

Rasa wraps the tracker store in `FailSafeTrackerStore`: when the database fails, it reads an empty
conversation and keeps new events only in that process's memory. Behind a load balancer that means
answers without context (mid-booking "ja" starts over) and events that never reach PostgreSQL.
`StrictTrackerStore` (installed by `install()` where Rasa's agent looks the class up) lets the
error through instead, so the request is refused clearly and the patient can repeat the message.

Rasa's REST channel catches every error of message handling, logs it together with the message text
(health data) and answers 200 with no messages: the patient would see silence. `guard_storage` wraps
the channel's message handler: a failure of PostgreSQL/SQLite (SQLAlchemy) or Redis (lock store) is
logged without the text, and `storage_failure_response` (a response middleware of the channel's
blueprint) turns that request's answer into a 503 with a reason and Retry-After. Other errors go on
to Rasa's handling unchanged. The stores themselves reconnect by themselves once they are back.

Rasa raises `LockError` in two cases, told apart by what it wraps. The lock store failed (Redis
unreachable, an error while issuing the ticket): Rasa raises it from inside the `except` of the
failure, so it wraps that error (`__context__`, or `__cause__` with addons/lock_store.py) → 503.
Ordinary contention: a message waits, polling, while an earlier message of the same conversation
holds the lock (Rasa's own behaviour, kept). Rasa gives up only after the waiting message's own
ticket has expired (after the lock lifetime, TICKET_LOCK_LIFETIME; addons/lock_store.py renews its
short tickets up to that) and it then finds the lock gone, and raises a bare `LockError`. The store
is fine, so no 503: the message gets a 409 saying that an earlier message of the conversation was
still being answered and that this one was not processed, so the patient sends it again. Nothing of
it was stored (the lock comes before processing), so resending cannot answer it twice. Not retried
here: it has waited the whole lifetime, its client has most likely given up or resent it, and a
late answer would arrive out of order.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable, Iterator, Optional, Text

import rasa.core.agent
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
UNAVAILABLE_REASON = "The conversation store is temporarily unavailable. Please try again in a moment."
BUSY_REASON = (
    "An earlier message of this conversation is still being answered; this message was not "
    "processed. Please send it again once the earlier one is answered."
)


@dataclass(frozen=True)
class Refusal:
    """The answer to a message that was not processed."""

    status: int
    reason: Text


STORE_UNAVAILABLE = Refusal(503, UNAVAILABLE_REASON)
CONVERSATION_BUSY = Refusal(409, BUSY_REASON)

# Set while handling one request (Sanic handles a connection's requests one after another in one task).
_refusal: ContextVar[Optional[Refusal]] = ContextVar("storage_refusal", default=None)


def _wrapped_errors(error: BaseException) -> Iterator[BaseException]:
    """The errors `error` was raised from or while handling, innermost last."""
    seen = {id(error)}
    inner = error.__cause__ or error.__context__
    while inner is not None and id(inner) not in seen:
        seen.add(id(inner))
        yield inner
        inner = inner.__cause__ or inner.__context__


def is_lock_contention(error: BaseException) -> bool:
    """Rasa gave up waiting for a conversation's lock held by another message (a bare LockError)."""
    return isinstance(error, LockError) and next(_wrapped_errors(error), None) is None


def failed_store_name(error: BaseException) -> Optional[Text]:
    """Which store failed ('lock store', 'tracker store'), or None for any other error (contention too)."""
    import redis.exceptions
    import sqlalchemy.exc

    if isinstance(error, redis.exceptions.RedisError) or (
        isinstance(error, LockError) and not is_lock_contention(error)
    ):
        return "lock store"
    if isinstance(error, sqlalchemy.exc.SQLAlchemyError):
        return "tracker store"
    return None


def _error_summary(error: BaseException) -> Text:
    # SQLAlchemy's message carries the SQL parameters (conversation content); the driver's does not.
    cause = getattr(error, "orig", None) or error
    first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return f"{type(cause).__name__}: {first_line}"


def guard_storage(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> Any:
        _refusal.set(None)
        try:
            return await on_new_message(message)
        except Exception as error:
            if is_lock_contention(error):
                # Neither the text nor the sender id (a phone number on some channels) goes to the log.
                logger.warning(
                    "A conversation stayed busy for the whole lock lifetime, message not processed (409)."
                )
                _refusal.set(CONVERSATION_BUSY)
                return None
            store = failed_store_name(error)
            if store is None:
                raise
            logger.error(
                "The %s is unavailable, message not processed (503): %s", store, _error_summary(error)
            )
            _refusal.set(STORE_UNAVAILABLE)
            return None

    return handle


async def storage_failure_response(_request: Request, _response: HTTPResponse) -> Optional[HTTPResponse]:
    """Blueprint response middleware: the refusal's status and reason when this request's message was not
    processed. Retry-After on both: a client that retries on its own should wait, not hammer."""
    refusal = _refusal.get()
    if refusal is None:
        return None
    _refusal.set(None)
    return response.json(
        {"reason": refusal.reason}, status=refusal.status, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


class StrictTrackerStore(FailSafeTrackerStore):
    """Rasa's tracker store wrapper without the silent in-memory fallback."""

    def init_tracker(self, sender_id: Text) -> DialogueStateTracker:
        return self._tracker_store.init_tracker(sender_id)  # new conversations get the store's tracker class

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._tracker_store.retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._tracker_store.retrieve_full_tracker(sender_id)

    async def keys(self) -> Iterable[Text]:
        return await self._tracker_store.keys()

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._tracker_store.save(tracker)


def install() -> None:
    rasa.core.agent.FailSafeTrackerStore = StrictTrackerStore  # type: ignore[misc]
