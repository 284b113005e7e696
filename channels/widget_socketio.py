"""Rasa's socket.io channel for the website widget: only listed origins may connect, sessions persist,
bad messages are dropped.

Rasa creates its socket.io server with `cors_allowed_origins=[]`, which switches python-engineio's origin
check off completely (a websocket from any web site is accepted) and leaves the CORS headers of the
polling transport to `rasa run --cors`. This channel hands the origin list from credentials.yml to
engineio instead, which then both rejects other origins (polling and websocket) and answers CORS.

Rasa 3.6's `session_request` handler calls `sio.enter_room()` without `await`; in python-socketio 5.10+
that is a coroutine, so the socket never joins its session's room and, with `session_persistence`,
the bot's answers (sent to the session's room) never arrive. The handler is replaced here.
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text
from urllib.parse import urlsplit

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from addons.storage_guard import failed_store_name, is_lock_contention
from channels.request_validation import MAX_SENDER_CHARS, InvalidRequest, clean_message

logger = logging.getLogger(__name__)

ORIGINS_KEY = "cors_allowed_origins"
# Further origins for a deployment (e.g. the public address behind nginx), comma-separated.
ORIGINS_ENV = "WIDGET_ALLOWED_ORIGINS"
STORE_UNAVAILABLE = "store_unavailable"


class WidgetSocketIOInput(SocketIOInput):
    allowed_origins: List[str] = []

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        listed = (credentials or {}).get(ORIGINS_KEY)
        extra = [origin.strip() for origin in os.environ.get(ORIGINS_ENV, "").split(",") if origin.strip()]
        channel.allowed_origins = parse_origins([*(listed if isinstance(listed, list) else []), *extra])
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(self._tell_widget_when_a_store_fails(on_new_message))
        assert self.sio is not None  # set by super().blueprint
        self.sio.eio.cors_allowed_origins = list(self.allowed_origins)
        self._drop_invalid_messages()
        self._join_session_rooms()
        return blueprint

    def _tell_widget_when_a_store_fails(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        """While the tracker or lock store is down (a 503 on REST, see addons/storage_guard.py), or when the
        conversation stayed busy for the whole lock lifetime (a 409 on REST), the widget gets
        `store_unavailable` and shows its own text (send it again in a moment), instead of silence."""

        async def handle(message: UserMessage) -> Any:
            try:
                return await on_new_message(message)
            except Exception as error:
                store = failed_store_name(error)
                busy = is_lock_contention(error)
                if (store is None and not busy) or self.sio is None:
                    raise
                if busy:
                    logger.warning(
                        "A conversation stayed busy for the whole lock lifetime, "
                        "widget message not processed."
                    )
                else:
                    logger.error("The %s is unavailable, widget message not processed.", store)
                await self.sio.emit(self.bot_message_evt, {STORE_UNAVAILABLE: True}, room=message.sender_id)
                return None

        return handle

    def _join_session_rooms(self) -> None:
        sio = self.sio

        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if valid_session_id(requested) else uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace or "/")
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        sio.on("session_request", session_request, namespace=self.namespace)

    def _drop_invalid_messages(self) -> None:
        """Wraps Rasa's message handler so malformed events are dropped instead of raising in the server."""
        namespace = self.namespace or "/"
        handle_message = self.sio.handlers[namespace][self.user_message_evt]

        async def checked_handle_message(sid: Text, data: Any = None) -> None:
            try:
                cleaned = valid_message_event(data)
            except InvalidRequest as error:
                logger.info("Dropped a socket.io message: %s", error.reason)  # never the text itself
                return
            await handle_message(sid, cleaned)

        self.sio.on(self.user_message_evt, checked_handle_message, namespace=self.namespace)


def valid_message_event(data: Any) -> Dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidRequest(400, "The event must be an object.")
    if not valid_session_id(data.get("session_id")):
        raise InvalidRequest(400, "'session_id' must be a short text.")
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        raise InvalidRequest(400, "'metadata' must be an object.")
    return {**data, "message": clean_message(data.get("message"))}


def valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_SENDER_CHARS and value.isprintable()


def parse_origins(value: Any) -> List[str]:
    """The allowed origins (scheme://host[:port]); a wildcard is refused on purpose."""
    if not isinstance(value, list) or not value:
        raise ValueError(f"credentials.yml: socket.io channel needs '{ORIGINS_KEY}', a list of origins.")
    origins = []
    for origin in value:
        parts = urlsplit(origin) if isinstance(origin, str) else None
        if (
            not parts
            or parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.path
            or origin == "*"
        ):
            raise ValueError(
                f"credentials.yml: '{origin}' in '{ORIGINS_KEY}' is not an origin like https://host."
            )
        origins.append(origin)
    return origins
