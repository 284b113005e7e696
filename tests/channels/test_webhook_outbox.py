"""A messenger webhook on a real Sanic server answers before the platform takes the replies, refuses
new messages with 503 while the outbox is full, and the outbox is closed when the server stops.

Rasa's message processing is stood in for by a handler that answers each message through the channel's
output, as Rasa does; the platform's send API is the local stand-in."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from typing import Any, List

import aiohttp
import pytest
import pytest_asyncio
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from channels.outbox import outbox
from channels.whatsapp import WhatsAppInput
from tests.e2e.servers import free_port

APP_SECRET = "wa-secret-for-tests"
SECRET_TEXT = "Ich habe seit Tagen Bauchschmerzen"  # must never reach a log line

# Each test gets its own event loop, and so its own outbox, which the server's stop closes.
pytestmark = pytest.mark.asyncio(loop_scope="function")


def whatsapp_body(sender: str, text: str) -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "messages": [
                                    {
                                        "from": sender,
                                        "id": f"wamid.{uuid.uuid4().hex}",
                                        "timestamp": "1",
                                        "type": "text",
                                        "text": {"body": text},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


class WebhookServer:
    """The WhatsApp channel's blueprint on a real Sanic server in the test's event loop."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handled: List[str] = []
        self.app = Sanic(f"webhook_outbox_{uuid.uuid4().hex[:8]}", configure_logging=False)
        channel = WhatsAppInput("verify", APP_SECRET, "wa-token", "1098")
        self.app.blueprint(channel.blueprint(self.rasa_stand_in), url_prefix="/webhooks/whatsapp")
        self.server: Any = None

    async def rasa_stand_in(self, message: UserMessage) -> None:
        self.handled.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, f"Antwort {len(self.handled)}")

    async def start(self) -> "WebhookServer":
        self.server = await self.app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
        )
        await self.server.startup()
        await self.server.before_start()
        await self.server.after_start()
        return self

    async def stop(self) -> None:
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()

    async def post(self, sender: str, text: str) -> aiohttp.ClientResponse:
        raw = whatsapp_body(sender, text)
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            async with session.post(
                f"http://127.0.0.1:{self.port}/webhooks/whatsapp/webhook",
                data=raw,
                headers={"X-Hub-Signature-256": signature},
            ) as response:
                await response.read()
                return response


@pytest_asyncio.fixture(loop_scope="function")
async def webhook(platforms, api_base):
    server = await WebhookServer().start()
    yield server
    platforms.answer_again()
    await server.stop()


def sent_texts(platforms, sender: str) -> List[str]:
    return [r.body["text"]["body"] for r in platforms.sent_to(sender)]


async def wait_for(condition, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_the_webhook_answers_while_the_platform_hangs_and_replies_follow_in_order(webhook, platforms):
    sender = f"49151{uuid.uuid4().int % 10**8:08d}"
    platforms.hang()
    started = time.monotonic()
    for n in range(3):
        response = await webhook.post(sender, f"Frage {n}")
        assert response.status == 200
    assert time.monotonic() - started < 1.5, "the webhook waited for the platform"
    await wait_for(lambda: platforms.hanging == 1)  # the first reply is at the platform, unanswered
    assert sent_texts(platforms, sender) == [] and outbox().pending("whatsapp") == 3
    platforms.answer_again()
    await asyncio.wait_for(outbox().wait_until_empty(), 10)
    assert sent_texts(platforms, sender) == ["Antwort 1", "Antwort 2", "Antwort 3"]


async def test_a_full_outbox_refuses_new_messages_with_503_before_they_reach_rasa(webhook, platforms, caplog):
    outbox().capacity = 2
    sender = f"49151{uuid.uuid4().int % 10**8:08d}"
    platforms.hang()
    for n in range(2):
        assert (await webhook.post(sender, f"Frage {n}")).status == 200
    with caplog.at_level(logging.WARNING):
        refused = await webhook.post(sender, SECRET_TEXT)
    assert refused.status == 503 and refused.headers["Retry-After"].isdigit()
    assert webhook.handled == ["Frage 0", "Frage 1"]
    assert "whatsapp: webhook refused with 503" in caplog.text and SECRET_TEXT not in caplog.text
    platforms.answer_again()
    await asyncio.wait_for(outbox().wait_until_empty(), 10)
    assert (await webhook.post(sender, "Frage 2")).status == 200  # room again: the retry is taken
    await asyncio.wait_for(outbox().wait_until_empty(), 10)
    assert sent_texts(platforms, sender) == ["Antwort 1", "Antwort 2", "Antwort 3"]


async def test_stopping_the_server_abandons_what_the_platform_does_not_take_with_a_log_line(
    platforms, api_base, caplog
) -> None:
    server = await WebhookServer().start()
    sender = f"49151{uuid.uuid4().int % 10**8:08d}"
    platforms.hang()
    try:
        assert (await server.post(sender, SECRET_TEXT)).status == 200
        assert (await server.post(sender, "noch eine Frage")).status == 200
        with caplog.at_level(logging.WARNING):
            await server.stop()
    finally:
        platforms.answer_again()
    assert "whatsapp: server stopping, 2 send(s) the platform had not taken were abandoned" in caplog.text
    assert SECRET_TEXT not in caplog.text and sender not in caplog.text
    assert not outbox().has_room("whatsapp")  # closed: a reply after the stop is not started
