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
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Iterable, Optional, Text

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

# Set while handling one request (Sanic handles a connection's requests one after another in one task).
_failed_store: ContextVar[Optional[Text]] = ContextVar("failed_store", default=None)


def failed_store_name(error: BaseException) -> Optional[Text]:
    """Which store an error comes from ('lock store', 'tracker store'), or None for any other error."""
    import redis.exceptions
    import sqlalchemy.exc

    if isinstance(error, (LockError, redis.exceptions.RedisError)):
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
    on_new_message: Callable[[UserMessage], Awaitable[Any]]
) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> Any:
        _failed_store.set(None)
        try:
            return await on_new_message(message)
        except Exception as error:
            store = failed_store_name(error)
            if store is None:
                raise
            logger.error("The %s is unavailable, message not processed (503): %s", store, _error_summary(error))
            _failed_store.set(store)
            return None

    return handle


async def storage_failure_response(_request: Request, _response: HTTPResponse) -> Optional[HTTPResponse]:
    """Blueprint response middleware: a 503 with a reason when the store failed for this request."""
    store = _failed_store.get()
    if store is None:
        return None
    _failed_store.set(None)
    return response.json(
        {"reason": UNAVAILABLE_REASON}, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
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
