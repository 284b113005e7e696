"""Facebook Messenger (`/webhooks/facebook/webhook`): Rasa's connector with X-Hub-Signature-256 verification,
4xx for bad requests, quick replies for buttons, and sends to GRAPH_API_BASE in the background
(channels/outbox.py), so a slow Graph API never holds the message turn; 503 while the outbox is full."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Union

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger, MessengerBot
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

PLATFORM = "facebook"  # the outbox's name for this channel's sends (and its log lines)
ENV_VARS = ("FACEBOOK_VERIFY_TOKEN", "FACEBOOK_APP_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN")
MAX_TEXT_CHARS = 2000
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE_CHARS = 20
MAX_PAYLOAD_CHARS = 1000


class PatientMessengerBot(MessengerBot):
    """Queues each Graph API call in the outbox, which sends it with aiohttp (Rasa's fbmessenger client
    blocks the event loop) after the caller's turn, in order per recipient."""

    def __init__(self, page_access_token: Text) -> None:
        super().__init__(messenger_client=None)
        self.page_access_token = page_access_token

    async def _post(self, recipient_id: Text, body: Dict[str, Any]) -> None:
        url, payload = graph_api_url("me/messages"), {"recipient": {"id": recipient_id}, **body}
        params = {"access_token": self.page_access_token}
        queue_send(PLATFORM, recipient_id, lambda: post_json(url, payload, params=params, platform=PLATFORM))

    async def send_message(self, recipient_id: Text, message: Dict[str, Any]) -> None:
        await self._post(recipient_id, {"messaging_type": "RESPONSE", "message": message})

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_text(text, MAX_TEXT_CHARS):
            await self.send_message(recipient_id, {"text": part})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_quick_replies(recipient_id, text, buttons)

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        *leading, last = split_text(text, MAX_TEXT_CHARS) or [""]
        for part in leading:
            await self.send_message(recipient_id, {"text": part})
        last_message = {"text": last, "quick_replies": quick_replies_of(quick_replies)}
        await self.send_message(recipient_id, last_message)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.send_message(
            recipient_id, {"attachment": {"type": "image", "payload": {"url": image, "is_reusable": True}}}
        )

    async def send_action(self, recipient_id: Text, sender_action: Text) -> None:
        await self._post(recipient_id, {"sender_action": sender_action})

    async def send_elements(
        self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        elements = list(elements)
        for element in elements:
            self._add_postback_info(element.get("buttons", []))
        template = {"template_type": "generic", "elements": elements}
        await self.send_message(recipient_id, {"attachment": {"type": "template", "payload": template}})

    async def send_custom_json(
        self, recipient_id: Text, json_message: Union[List, Dict[Text, Any]], **kwargs: Any
    ) -> None:
        if isinstance(json_message, dict):
            await self.send_message(recipient_id, json_message)


def quick_replies_of(buttons: List[Dict[Text, Any]]) -> List[Dict[str, str]]:
    """Rasa buttons as Messenger quick replies (at most 13, titles at most 20 characters)."""
    usable = [button for button in buttons if button.get("title") and button.get("payload")]
    if len(usable) > MAX_QUICK_REPLIES:
        logger.warning("Facebook allows %s quick replies; the rest is dropped.", MAX_QUICK_REPLIES)
    return [
        {
            "content_type": "text",
            "title": shorten(str(button["title"]), MAX_QUICK_REPLY_TITLE_CHARS),
            "payload": str(button["payload"])[:MAX_PAYLOAD_CHARS],
        }
        for button in usable[:MAX_QUICK_REPLIES]
    ]


class PatientMessenger(Messenger):
    """Reads every event of a webhook batch (Rasa's reads only the first) and answers media politely."""

    def __init__(
        self, page_access_token: Text, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        self.on_new_message = on_new_message
        self.out_channel = PatientMessengerBot(page_access_token)
        self.last_message: Dict[Text, Any] = {}

    @staticmethod
    def incoming_events(payload: Dict[str, Any]) -> List[Incoming]:
        """The patients' messages of a webhook body; raises InvalidRequest (400) if it has the wrong shape."""
        require(payload.get("object") == "page", "Expected object 'page'.")
        events = []
        for entry in dicts(payload.get("entry"), "'entry' must be a list of objects."):
            for event in dicts(entry.get("messaging", []), "'messaging' must be a list of objects."):
                sender = event.get("sender")
                require(
                    isinstance(sender, dict) and isinstance(sender.get("id"), str) and sender["id"],
                    "Every messaging event needs sender.id.",
                )
                parsed = PatientMessenger.incoming_event(sender["id"], event)
                if parsed:
                    events.append(parsed)
        return events

    @staticmethod
    def incoming_event(sender_id: str, event: Dict[str, Any]) -> Optional[Incoming]:
        message, postback = event.get("message"), event.get("postback")
        if isinstance(postback, dict):
            return incoming_text(sender_id, postback.get("payload"))
        if not isinstance(message, dict):
            return None  # delivery and read receipts, reactions
        if message.get("is_echo"):
            return None  # our own replies, echoed back by Meta
        quick_reply = message.get("quick_reply")
        if isinstance(quick_reply, dict) and quick_reply.get("payload"):
            return incoming_text(sender_id, quick_reply["payload"])
        if "text" in message:  # a shared link also comes with a "fallback" attachment
            return incoming_text(sender_id, message["text"])
        return unsupported(sender_id)  # stickers, images, voice, files, locations

    async def handle(self, payload: Dict, metadata: Optional[Dict[Text, Any]]) -> None:
        await deliver(self.incoming_events(payload), self.out_channel, self.on_new_message, self.name())


class PatientFacebookInput(FacebookInput):
    """Enabled when FACEBOOK_VERIFY_TOKEN, FACEBOOK_APP_SECRET and FACEBOOK_PAGE_ACCESS_TOKEN are set."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        env = required_env(cls.name(), ENV_VARS)
        messenger_texts()  # a missing text should stop the start, not the first sticker
        return cls(
            env["FACEBOOK_VERIFY_TOKEN"], env["FACEBOOK_APP_SECRET"], env["FACEBOOK_PAGE_ACCESS_TOKEN"]
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("patient_facebook_webhook", __name__)
        close_outbox_when_server_stops(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verification(request: Request) -> HTTPResponse:
            return meta_handshake(request, self.fb_verify)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            messenger = PatientMessenger(self.fb_access_token, on_new_message)
            try:
                events = messenger.incoming_events(signed_json(request, self.fb_secret))
            except InvalidRequest as error:
                return rejection(error)
            refusal = refusal_while_outbox_full(PLATFORM)
            if refusal:
                return refusal
            await deliver(events, messenger.out_channel, on_new_message, self.name())
            return response.text("EVENT_RECEIVED")

        return webhook

    def get_output_channel(self) -> OutputChannel:
        return PatientMessengerBot(self.fb_access_token)
