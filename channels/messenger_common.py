"""Shared by the messenger channels (Facebook, WhatsApp, Telegram): credentials from the environment,
webhook verification, platform text limits, the send API call the outbox makes (channels/outbox.py)
and the patient-facing texts from config/practice.yml."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.outbox import DELIVERED, REFUSED, Outcome, outbox, try_again
from channels.request_validation import InvalidRequest, clean_message, json_object
from practice.config import PracticeConfigError, load_practice_config, load_text_section

logger = logging.getLogger(__name__)

GRAPH_API_BASE_VAR = "GRAPH_API_BASE"
DEFAULT_GRAPH_API_BASE = "https://graph.facebook.com"
GRAPH_API_VERSION = "v19.0"
TELEGRAM_API_BASE_VAR = "TELEGRAM_API_BASE"
DEFAULT_TELEGRAM_API_BASE = "https://api.telegram.org"
SEND_TIMEOUT_SECONDS = 15
WEBHOOK_RETRY_AFTER_SECONDS = 60  # a hint in the 503: Meta and Telegram retry on their own schedule
ELLIPSIS = "…"
SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n+")
WORD_GAP = re.compile(r"\s+")


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
        reply = texts.message_too_long if error.status == 413 else texts.unsupported_message
        return Incoming(sender_id, reply=reply)


def unsupported(sender_id: str) -> Incoming:
    return Incoming(sender_id, reply=messenger_texts().unsupported_message)


async def deliver(
    events: Sequence[Incoming],
    output: OutputChannel,
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    channel: str,
) -> None:
    """Hands texts to Rasa and answers the rest directly (those never reach the tracker store).

    The output channel only queues what is sent (channels/outbox.py), so this returns once Rasa has
    processed the texts, without waiting for the platform."""
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
        cut = _last_boundary(rest, limit, SENTENCE_END) or _last_boundary(rest, limit, WORD_GAP) or limit
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
    url: str,
    payload: Dict[str, Any],
    *,
    params: Optional[Mapping[str, str]] = None,
    headers: Optional[Mapping[str, str]] = None,
    platform: str,
    timeout: float = SEND_TIMEOUT_SECONDS,
) -> Outcome:
    """POSTs to a platform's send API (run by the outbox, channels/outbox.py). Failures are logged (status
    or error kind only, no content) and told apart: worth retrying (timeout, no connection, 5xx, 429)
    or not (other 4xx)."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.post(url, json=payload, params=params, headers=headers) as reply:
                if reply.status < 300:
                    return DELIVERED
                logger.warning("%s send API answered HTTP %s.", platform, reply.status)
                if reply.status == 429 or reply.status >= 500:
                    return try_again(retry_after_seconds(reply.headers.get("Retry-After")))
                return REFUSED
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
        logger.warning("%s send API not reachable (%s).", platform, type(error).__name__)
        return try_again()


def retry_after_seconds(header: Optional[str]) -> Optional[float]:
    """A Retry-After header in seconds (the HTTP-date form is not used by these platforms)."""
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None


def refusal_while_outbox_full(platform: str) -> Optional[HTTPResponse]:
    """503 for a webhook while the platform's unsent replies fill the outbox (see channels/outbox.py);
    the platform delivers the webhook again later. None while there is room."""
    if outbox().has_room(platform):
        return None
    logger.warning(
        "%s: webhook refused with 503, %s replies wait for the platform.",
        platform,
        outbox().pending(platform),
    )
    return response.json(
        {"reason": "Replies to earlier messages could not be delivered yet; please retry later."},
        status=503,
        headers={"Retry-After": str(WEBHOOK_RETRY_AFTER_SECONDS)},
    )


# --- Patient-facing texts (config/practice.yml, section `messengers`) -------------------------------


@dataclass(frozen=True)
class MessengerTexts:
    unsupported_message: str
    message_too_long: str
    list_button: str
    first_contact: str  # with the link to the privacy policy filled in


TEXT_KEYS = ("unsupported_message", "message_too_long", "list_button", "first_contact")
POLICY_LINK = "policy_url"


@lru_cache(maxsize=None)
def messenger_texts() -> MessengerTexts:
    texts = {
        key: " ".join(value.split()) for key, value in load_text_section("messengers", TEXT_KEYS).items()
    }
    texts["first_contact"] = with_policy_link(texts["first_contact"], load_practice_config().policy_url)
    return MessengerTexts(**texts)


def with_policy_link(template: str, policy_url: str) -> str:
    """messengers.first_contact with {policy_url} filled in; the line without the link would not say where
    the privacy notice is, so it must be there (and nothing else in braces)."""
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise PracticeConfigError(f"messengers.first_contact has a stray brace: {error}") from error
    if used != {POLICY_LINK}:
        raise PracticeConfigError(
            f"messengers.first_contact must contain {{{POLICY_LINK}}} and no other placeholder "
            f"(has {sorted(used)})."
        )
    return template.format_map({POLICY_LINK: policy_url})
