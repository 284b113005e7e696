"""Shared by the messenger channels (Facebook, WhatsApp, Telegram): credentials from the environment,
webhook verification, platform text limits and the patient-facing texts from config/practice.yml."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.practice_config import load_text_section
from channels.request_validation import InvalidRequest, clean_message, json_object

logger = logging.getLogger(__name__)

GRAPH_API_BASE_VAR = "GRAPH_API_BASE"
DEFAULT_GRAPH_API_BASE = "https://graph.facebook.com"
GRAPH_API_VERSION = "v19.0"
TELEGRAM_API_BASE_VAR = "TELEGRAM_API_BASE"
DEFAULT_TELEGRAM_API_BASE = "https://api.telegram.org"
SEND_TIMEOUT_SECONDS = 15
ELLIPSIS = "…"
SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n+")


class ChannelNotConfigured(RasaException):
    """A messenger channel lacks environment variables; it is then not enabled (see channels/enabling.py)."""

    def __init__(self, channel: str, missing: Sequence[str]) -> None:
        self.channel = channel
        self.missing = list(missing)
        super().__init__(
            f"Channel '{channel}' not enabled: environment variable(s) {', '.join(self.missing)} not set."
        )


def required_env(channel: str, names: Sequence[str]) -> Dict[str, str]:
    """The values of `names`; raises ChannelNotConfigured naming every missing or empty variable."""
    values = {name: os.environ.get(name, "").strip() for name in names}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ChannelNotConfigured(channel, missing)
    return values


def api_base(variable: str, default: str) -> str:
    return (os.environ.get(variable) or default).strip().rstrip("/")


def graph_api_url(path: str) -> str:
    return f"{api_base(GRAPH_API_BASE_VAR, DEFAULT_GRAPH_API_BASE)}/{GRAPH_API_VERSION}/{path.lstrip('/')}"


# --- Verification of inbound webhooks -------------------------------------------------------------


def verify_hub_signature(app_secret: str, body: bytes, header: Optional[str]) -> None:
    """Meta's X-Hub-Signature-256: HMAC-SHA256 of the raw body with the app secret, in constant time."""
    if not header:
        raise InvalidRequest(403, "Missing X-Hub-Signature-256 header.")
    method, _, received = header.partition("=")
    if method != "sha256" or not received:
        raise InvalidRequest(403, "X-Hub-Signature-256 must be 'sha256=<hex digest>'.")
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received.strip().lower()):
        raise InvalidRequest(403, "Invalid X-Hub-Signature-256.")


def verify_secret_token(expected: str, received: Optional[str], header_name: str) -> None:
    if not received:
        raise InvalidRequest(403, f"Missing {header_name} header.")
    if not hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8")):
        raise InvalidRequest(403, f"Invalid {header_name}.")


def meta_handshake(request: Request, verify_token: str) -> HTTPResponse:
    """Meta's webhook verification: GET with hub.mode=subscribe, hub.verify_token and hub.challenge."""
    if request.args.get("hub.mode") != "subscribe":
        return rejection(InvalidRequest(400, "Expected hub.mode=subscribe."))
    received = request.args.get("hub.verify_token") or ""
    if not hmac.compare_digest(verify_token.encode("utf-8"), received.encode("utf-8")):
        logger.warning("Meta webhook verification with a wrong verify token was rejected.")
        return rejection(InvalidRequest(403, "Wrong hub.verify_token."))
    return response.text(request.args.get("hub.challenge") or "")


def signed_json(request: Request, app_secret: str) -> Dict[str, Any]:
    """The body as a JSON object, after its signature was verified (raises InvalidRequest)."""
    verify_hub_signature(app_secret, request.body or b"", request.headers.get("X-Hub-Signature-256"))
    return json_object(request.body or b"")


def rejection(error: InvalidRequest) -> HTTPResponse:
    return response.json({"reason": error.reason}, status=error.status)


def require(condition: bool, reason: str) -> None:
    """Rejects a request whose body does not have the shape the platform documents."""
    if not condition:
        raise InvalidRequest(400, reason)


def dicts(value: Any, reason: str) -> List[Dict[str, Any]]:
    require(isinstance(value, list) and all(isinstance(item, dict) for item in value), reason)
    return value


@dataclass(frozen=True)
class Incoming:
    """One verified inbound event: a text for the assistant, or a direct reply (e.g. to a sticker)."""

    sender_id: str
    text: Optional[str] = None
    reply: Optional[str] = None


def incoming_text(sender_id: str, raw_text: Any) -> Incoming:
    """A patient's text, cleaned as on the REST channel; unusable or over-long text gets a polite reply."""
    try:
        return Incoming(sender_id, text=clean_message(raw_text))
    except InvalidRequest as error:
        texts = messenger_texts()
        return Incoming(sender_id, reply=texts.message_too_long if error.status == 413 else texts.unsupported_message)


def unsupported(sender_id: str) -> Incoming:
    return Incoming(sender_id, reply=messenger_texts().unsupported_message)


async def deliver(
    events: Sequence[Incoming], output: OutputChannel,
    on_new_message: Callable[[UserMessage], Awaitable[Any]], channel: str,
) -> None:
    """Hands texts to Rasa and answers the rest directly (those never reach the tracker store)."""
    for event in events:
        if event.text is None:
            await output.send_text_message(event.sender_id, event.reply or "")
            continue
        try:
            await on_new_message(UserMessage(event.text, output, event.sender_id, input_channel=channel))
        except Exception:  # the platform would retry the whole batch: log (without content) and go on
            logger.exception("%s: handling a message failed.", channel)


# --- Outbound texts ---------------------------------------------------------------------------------


def split_text(text: str, limit: int) -> List[str]:
    """`text` in parts of at most `limit` characters, cut after a sentence if possible, else between words."""
    parts: List[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _last_boundary(rest, limit, SENTENCE_END) or _last_boundary(rest, limit, re.compile(r"\s+")) or limit
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return parts


def _last_boundary(text: str, limit: int, pattern: re.Pattern) -> Optional[int]:
    ends = [match.start() for match in pattern.finditer(text, 0, limit + 1) if 0 < match.start() <= limit]
    return ends[-1] if ends else None


def shorten(title: str, limit: int) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + ELLIPSIS


async def post_json(
    url: str, payload: Dict[str, Any], *, params: Optional[Mapping[str, str]] = None,
    headers: Optional[Mapping[str, str]] = None, platform: str,
) -> bool:
    """POSTs to a platform's send API; failures are logged (status only, no content) and not raised."""
    try:
        timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(url, json=payload, params=params, headers=headers) as reply:
                if reply.status < 300:
                    return True
                logger.warning("%s send API answered HTTP %s.", platform, reply.status)
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
        logger.warning("%s send API not reachable (%s).", platform, type(error).__name__)
    return False


# --- Patient-facing texts (config/practice.yml, section `messengers`) -------------------------------


@dataclass(frozen=True)
class MessengerTexts:
    unsupported_message: str
    message_too_long: str
    list_button: str


@lru_cache(maxsize=None)
def messenger_texts() -> MessengerTexts:
    texts = load_text_section("messengers", ("unsupported_message", "message_too_long", "list_button"))
    return MessengerTexts(**{key: " ".join(value.split()) for key, value in texts.items()})
