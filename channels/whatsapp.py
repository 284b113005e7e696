"""WhatsApp Business Cloud API (`/webhooks/whatsapp/webhook`), which Rasa 3.6 has no connector for.

Inbound: Meta's webhook (verified with X-Hub-Signature-256), text and interactive replies go to Rasa.
Outbound: POST {GRAPH_API_BASE}/{version}/{WHATSAPP_PHONE_NUMBER_ID}/messages with the access token,
in the background (channels/outbox.py) so a slow Cloud API never holds the message turn; buttons become
reply buttons (up to 3) or a list (up to 10 rows). 503 for webhooks while the outbox is full.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messenger_common import (
    Incoming,
    deliver,
    dicts,
    graph_api_url,
    incoming_text,
    messenger_texts,
    meta_handshake,
    post_json,
    refusal_while_outbox_full,
    rejection,
    require,
    required_env,
    shorten,
    signed_json,
    split_text,
    unsupported,
)
from channels.outbox import close_outbox_when_server_stops, queue_send
from channels.request_validation import InvalidRequest

logger = logging.getLogger(__name__)

PLATFORM = "whatsapp"  # the outbox's name for this channel's sends (and its log lines)
ENV_VARS = (
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
)
MAX_TEXT_CHARS = 4096
MAX_INTERACTIVE_BODY_CHARS = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE_CHARS = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE_CHARS = 24
MAX_LIST_BUTTON_CHARS = 20
MAX_ROW_ID_CHARS = 200
IGNORED_MESSAGE_TYPES = {"reaction", "system", "request_welcome"}


class WhatsAppOutput(OutputChannel):
    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    def __init__(self, access_token: Text, phone_number_id: Text) -> None:
        self.access_token = access_token
        self.phone_number_id = phone_number_id

    async def send_message(self, recipient_id: Text, message: Dict[str, Any]) -> None:
        """Queues the message in the outbox, which sends it after the caller's turn, in recipient order."""
        url = graph_api_url(f"{self.phone_number_id}/messages")
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": recipient_id,
            **message,
        }
        headers = {"Authorization": f"Bearer {self.access_token}"}
        queue_send(
            PLATFORM, recipient_id, lambda: post_json(url, payload, headers=headers, platform=PLATFORM)
        )

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_text(text, MAX_TEXT_CHARS):
            text_message = {"type": "text", "text": {"preview_url": True, "body": part}}
            await self.send_message(recipient_id, text_message)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        usable = [button for button in buttons if button.get("title") and button.get("payload")]
        *leading, last = split_text(text, MAX_TEXT_CHARS) or [""]
        if len(last) > MAX_INTERACTIVE_BODY_CHARS:
            *more, last = split_text(last, MAX_INTERACTIVE_BODY_CHARS)
            leading += more
        for part in leading:
            await self.send_text_message(recipient_id, part)
        interactive = interactive_of(last, usable)
        await self.send_message(recipient_id, {"type": "interactive", "interactive": interactive})

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_message(recipient_id, {"type": "image", "image": {"link": image}})

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        await self.send_message(recipient_id, json_message)


def interactive_of(body: str, buttons: List[Dict[Text, Any]]) -> Dict[str, Any]:
    """Reply buttons for up to 3 choices, otherwise a list message with up to 10 rows."""
    if len(buttons) <= MAX_REPLY_BUTTONS:
        return {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {
                        "type": "reply",
                        "reply": {
                            "id": str(button["payload"])[:MAX_ROW_ID_CHARS],
                            "title": shorten(str(button["title"]), MAX_BUTTON_TITLE_CHARS),
                        },
                    }
                    for button in buttons
                ]
            },
        }
    if len(buttons) > MAX_LIST_ROWS:
        dropped = len(buttons) - MAX_LIST_ROWS
        logger.warning("WhatsApp lists hold %s rows; %s dropped.", MAX_LIST_ROWS, dropped)
    return {
        "type": "list",
        "body": {"text": body},
        "action": {
            "button": shorten(messenger_texts().list_button, MAX_LIST_BUTTON_CHARS),
            "sections": [
                {
                    "rows": [
                        {
                            "id": str(button["payload"])[:MAX_ROW_ID_CHARS],
                            "title": shorten(str(button["title"]), MAX_ROW_TITLE_CHARS),
                        }
                        for button in buttons[:MAX_LIST_ROWS]
                    ]
                }
            ],
        },
    }


def incoming_events(payload: Dict[str, Any]) -> List[Incoming]:
    """The patients' messages of a webhook body; raises InvalidRequest (400) if it has the wrong shape."""
    require(
        payload.get("object") == "whatsapp_business_account", "Expected object 'whatsapp_business_account'."
    )
    events = []
    for entry in dicts(payload.get("entry"), "'entry' must be a list of objects."):
        for change in dicts(entry.get("changes", []), "'changes' must be a list of objects."):
            value = change.get("value")
            require(isinstance(value, dict), "Every change needs a 'value' object.")
            for message in dicts(value.get("messages", []), "'messages' must be a list of objects."):
                sender = message.get("from")
                require(isinstance(sender, str) and bool(sender), "Every message needs 'from'.")
                parsed = incoming_message(sender, message)
                if parsed:
                    events.append(parsed)
    return events  # status updates (sent, delivered, read) carry no messages


def incoming_message(sender_id: str, message: Dict[str, Any]) -> Optional[Incoming]:
    kind = message.get("type")
    if kind in IGNORED_MESSAGE_TYPES:
        return None
    if kind == "text":
        text = message.get("text")
        require(isinstance(text, dict), "A text message needs a 'text' object.")
        return incoming_text(sender_id, text.get("body"))
    if kind == "interactive":
        interactive = message.get("interactive")
        require(isinstance(interactive, dict), "An interactive message needs an 'interactive' object.")
        reply = interactive.get("button_reply") or interactive.get("list_reply")
        require(isinstance(reply, dict), "An interactive message needs button_reply or list_reply.")
        return incoming_text(sender_id, reply.get("id"))
    if kind == "button":  # quick-reply button of a template message
        button = message.get("button")
        require(isinstance(button, dict), "A button message needs a 'button' object.")
        return incoming_text(sender_id, button.get("payload") or button.get("text"))
    return unsupported(sender_id)  # image, audio, voice, video, sticker, document, location, contacts


class WhatsAppInput(InputChannel):
    """Enabled when all of ENV_VARS are set."""

    @classmethod
    def name(cls) -> Text:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        env = required_env(cls.name(), ENV_VARS)
        messenger_texts()  # a missing text should stop the start, not the first sticker
        return cls(
            env["WHATSAPP_VERIFY_TOKEN"],
            env["WHATSAPP_APP_SECRET"],
            env["WHATSAPP_ACCESS_TOKEN"],
            env["WHATSAPP_PHONE_NUMBER_ID"],
        )

    def __init__(
        self, verify_token: Text, app_secret: Text, access_token: Text, phone_number_id: Text
    ) -> None:
        self.verify_token = verify_token
        self.app_secret = app_secret
        self.access_token = access_token
        self.phone_number_id = phone_number_id

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("whatsapp_webhook", __name__)
        close_outbox_when_server_stops(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verification(request: Request) -> HTTPResponse:
            return meta_handshake(request, self.verify_token)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                events = incoming_events(signed_json(request, self.app_secret))
            except InvalidRequest as error:
                return rejection(error)
            refusal = refusal_while_outbox_full(PLATFORM)
            if refusal:
                return refusal
            await deliver(events, self.get_output_channel(), on_new_message, self.name())
            return response.text("EVENT_RECEIVED")

        return webhook

    def get_output_channel(self) -> OutputChannel:
        return WhatsAppOutput(self.access_token, self.phone_number_id)
