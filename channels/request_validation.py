"""Checks what a client sends before it reaches the assistant: bad input gets a 4xx with a reason."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Dict

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


class InvalidRequest(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def json_object(body: bytes) -> Dict[str, Any]:
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest(400, "The body must be a JSON object in UTF-8.")
    if not isinstance(parsed, dict):
        raise InvalidRequest(400, "The body must be a JSON object.")
    return parsed


def clean_message(value: Any) -> str:
    """The message text without control characters; rejects what is not usable text."""
    if not isinstance(value, str):
        raise InvalidRequest(400, "'message' must be a text.")
    text = CONTROL_CHARACTERS.sub("", unicodedata.normalize("NFC", value)).strip()
    if not text:
        raise InvalidRequest(400, "The message is empty.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidRequest(413, f"The message is too long (at most {MAX_MESSAGE_CHARS} characters).")
    return text


def clean_sender(value: Any) -> str:
    """The conversation id a client sent (required: each client must have a conversation of its own)."""
    if value is None:
        raise InvalidRequest(400, "'sender' is missing: each conversation needs its own sender id.")
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SENDER_CHARS:
        raise InvalidRequest(400, f"'sender' must be a text of 1 to {MAX_SENDER_CHARS} characters.")
    return value.strip()
