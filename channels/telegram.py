"""Telegram (`/webhooks/telegram/webhook`): Rasa's connector (aiogram 2.x), verified with the secret token.

At start-up the webhook is registered with setWebhook (TELEGRAM_WEBHOOK_URL, secret_token =
TELEGRAM_SECRET_TOKEN); Telegram then sends that token in X-Telegram-Bot-Api-Secret-Token with every
update. Rasa's own connector instead asks Telegram's getMe on every message and does not verify the sender.
Every Bot API call for a chat (messages, button acknowledgements) goes through the outbox
(channels/outbox.py): sent in the background in order per chat, so a slow Telegram never holds the
message turn; 503 for webhooks while the outbox is full.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from functools import partial
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

import aiohttp
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.exceptions import NetworkError, RestartingTelegram, RetryAfter, TelegramAPIError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messenger_common import (
    DEFAULT_TELEGRAM_API_BASE,
    SEND_TIMEOUT_SECONDS,
    TELEGRAM_API_BASE_VAR,
    Incoming,
    api_base,
    deliver,
    incoming_text,
    messenger_texts,
    refusal_while_outbox_full,
    rejection,
    require,
    required_env,
    split_text,
    unsupported,
    verify_secret_token,
)
from channels.outbox import DELIVERED, REFUSED, Outcome, close_outbox_when_server_stops, queue_send, try_again
from channels.request_validation import InvalidRequest, json_object

logger = logging.getLogger(__name__)

PLATFORM = "telegram"  # the outbox's name for this channel's sends (and its log lines)
ENV_VARS = ("TELEGRAM_ACCESS_TOKEN", "TELEGRAM_BOT_NAME", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_SECRET_TOKEN")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_TEXT_CHARS = 4096
MAX_CALLBACK_DATA_BYTES = 64
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
SET_WEBHOOK_TIMEOUT_SECONDS = 15


class PatientTelegramOutput(TelegramOutput):
    """Talks to TELEGRAM_API_BASE; long texts are split, buttons become an inline keyboard.

    The methods Rasa calls queue aiogram's Bot API calls in the outbox instead of awaiting them."""

    def __init__(self, access_token: Text) -> None:
        server = TelegramAPIServer.from_base(api_base(TELEGRAM_API_BASE_VAR, DEFAULT_TELEGRAM_API_BASE))
        # aiogram's default is aiohttp's five minutes
        super(TelegramOutput, self).__init__(access_token, server=server, timeout=SEND_TIMEOUT_SECONDS)

    def queue(self, chat_id: Text, call: Callable[[], Awaitable[Any]]) -> None:
        queue_send(PLATFORM, str(chat_id), partial(outcome_of, call))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_text(text, MAX_TEXT_CHARS):
            self.queue(recipient_id, partial(self.send_message, recipient_id, part))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        *leading, last = split_text(text, MAX_TEXT_CHARS) or [""]
        for part in leading:
            self.queue(recipient_id, partial(self.send_message, recipient_id, part))
        keyboard = keyboard_of(buttons)
        self.queue(recipient_id, partial(self.send_message, recipient_id, last, reply_markup=keyboard))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        self.queue(recipient_id, partial(self.send_photo, recipient_id, image))

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        chat_id = json_message.get("chat_id", recipient_id)  # Rasa's sends to the chat_id it names
        self.queue(chat_id, partial(TelegramOutput.send_custom_json, self, recipient_id, json_message))

    def acknowledge_button(self, chat_id: Text, button_id: str) -> None:
        """Queued with the chat's replies, ahead of the reply to the button."""
        self.queue(chat_id, partial(self.answer_callback_query, button_id))

    async def register_webhook(self, url: str, secret_token: str) -> bool:
        result = await self.request(
            "setWebhook",
            {
                "url": url,
                "secret_token": secret_token,
                "allowed_updates": json.dumps(ALLOWED_UPDATES),
            },
        )
        return bool(result)


async def outcome_of(call: Callable[[], Awaitable[Any]]) -> Outcome:
    """Runs one Bot API call for the outbox; errors are logged by kind only (no content)."""
    try:
        await call()
        return DELIVERED
    except RetryAfter as flood_control:
        logger.warning("telegram Bot API asked to wait %s s (flood control).", flood_control.timeout)
        return try_again(flood_control.timeout)
    except (NetworkError, RestartingTelegram, aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
        logger.warning("telegram Bot API not reachable (%s).", type(error).__name__)
        return try_again()
    except TelegramAPIError as error:
        # aiogram raises the base class itself for 5xx and statuses it does not know: worth another try;
        # its subclasses (bad request, blocked by the user, chat not found, ...) are final
        logger.warning("telegram Bot API refused a call (%s).", type(error).__name__)
        return try_again() if type(error) is TelegramAPIError else REFUSED


def keyboard_of(buttons: List[Dict[Text, Any]]) -> Any:
    """One inline button per row (titles are long); a reply keyboard if a payload exceeds Telegram's
    64 bytes."""
    usable = [button for button in buttons if button.get("title") and button.get("payload")]
    if all(len(str(button["payload"]).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES for button in usable):
        markup = InlineKeyboardMarkup()
        for button in usable:
            markup.row(InlineKeyboardButton(str(button["title"]), callback_data=str(button["payload"])))
        return markup
    markup = ReplyKeyboardMarkup(resize_keyboard=True, one_time_keyboard=True)
    for button in usable:
        markup.row(KeyboardButton(str(button["title"])))
    return markup


def incoming_update(update: Dict[str, Any], bot_name: str) -> Tuple[Optional[Incoming], Optional[str]]:
    """The patient's message of one update and the id of a pressed button to acknowledge; raises
    InvalidRequest."""
    require(isinstance(update.get("update_id"), int), "An update needs an integer 'update_id'.")
    callback = update.get("callback_query")
    if callback is not None:
        require(
            isinstance(callback, dict) and isinstance(callback.get("id"), str),
            "callback_query needs an 'id'.",
        )
        chat_id = _chat_id(callback.get("message"))
        return incoming_text(chat_id, callback.get("data")), callback["id"]
    message = update.get("message", update.get("edited_message"))
    if message is None:
        return None, None  # other update kinds (e.g. the bot was blocked)
    chat_id = _chat_id(message)
    if "text" not in message:
        return unsupported(chat_id), None  # stickers, photos, voice, documents, locations
    return incoming_text(chat_id, _without_bot_mention(message["text"], bot_name)), None


def _chat_id(message: Any) -> str:
    require(
        isinstance(message, dict)
        and isinstance(message.get("chat"), dict)
        and isinstance(message["chat"].get("id"), int),
        "A message needs chat.id.",
    )
    return str(message["chat"]["id"])


def _without_bot_mention(text: Any, bot_name: str) -> Any:
    """'/start@PraxisBot' in groups is '/start'; Telegram's /start opens a chat and becomes a greeting."""
    if not isinstance(text, str):
        return text
    text = text.replace(f"@{bot_name.lstrip('@')}", "")
    return "/greet" if text.strip().split(" ")[0] == "/start" else text


class PatientTelegramInput(TelegramInput):
    """Enabled when TELEGRAM_ACCESS_TOKEN, TELEGRAM_BOT_NAME, TELEGRAM_WEBHOOK_URL and
    TELEGRAM_SECRET_TOKEN are set."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        env = required_env(cls.name(), ENV_VARS)
        if not SECRET_TOKEN_FORMAT.fullmatch(env["TELEGRAM_SECRET_TOKEN"]):
            raise RasaException("TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, _ and -.")
        messenger_texts()  # a missing text should stop the start, not the first sticker
        return cls(
            env["TELEGRAM_ACCESS_TOKEN"],
            env["TELEGRAM_BOT_NAME"],
            env["TELEGRAM_WEBHOOK_URL"],
            env["TELEGRAM_SECRET_TOKEN"],
        )

    def __init__(self, access_token: Text, bot_name: Text, webhook_url: Text, secret_token: Text) -> None:
        super().__init__(access_token, verify=bot_name, webhook_url=webhook_url, debug_mode=False)
        self.secret_token = secret_token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("patient_telegram_webhook", __name__)
        close_outbox_when_server_stops(webhook)
        out_channel = self.get_output_channel()

        @webhook.listener("after_server_start")
        async def register(app: Sanic, _: asyncio.AbstractEventLoop) -> None:
            app.add_task(self.register_webhook(out_channel))

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                verify_secret_token(self.secret_token, request.headers.get(SECRET_HEADER), SECRET_HEADER)
                event, button_id = incoming_update(json_object(request.body or b""), self.verify)
            except InvalidRequest as error:
                return rejection(error)
            refusal = refusal_while_outbox_full(PLATFORM)
            if refusal:
                return refusal
            if event and button_id:
                out_channel.acknowledge_button(event.sender_id, button_id)
            if event:
                await deliver([event], out_channel, on_new_message, self.name())
            return response.text("success")

        return webhook

    async def register_webhook(self, out_channel: PatientTelegramOutput) -> None:
        try:
            await asyncio.wait_for(
                out_channel.register_webhook(self.webhook_url, self.secret_token), SET_WEBHOOK_TIMEOUT_SECONDS
            )
            logger.info("Telegram: webhook registered with setWebhook.")
        except (TelegramAPIError, aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
            logger.warning(
                "Telegram: setWebhook failed at start-up (%s); the channel is enabled, but Telegram may not "
                "deliver updates until the webhook is registered (restart when Telegram is reachable).",
                type(error).__name__,
            )

    def get_output_channel(self) -> PatientTelegramOutput:
        return PatientTelegramOutput(self.access_token)
