"""Facebook Messenger, WhatsApp and Telegram end to end: signed webhooks in, the real Rasa and action
servers, and what the bot sends (in the background, channels/outbox.py) recorded by a local stand-in
for each platform's send API."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import requests

from channels.messenger_common import messenger_texts
from practice.config import load_practice_config
from tests.channels.platform_standin import Recorded, telegram_keyboard
from tests.e2e.servers import Assistant, free_port

pytestmark = pytest.mark.e2e

FACEBOOK_SECRET = "fb-app-secret-for-tests"
WHATSAPP_SECRET = "wa-app-secret-for-tests"
TELEGRAM_SECRET = "tg-secret-token-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
TELEGRAM_TOKEN = "123456:TEST-token-for-the-stand-in"
WEBHOOK_URL = "https://praxis.example.org/webhooks/telegram/webhook"
WHAT_IS_LEAKY_GUT = "Leaky Gut ist ein zentrales Konzept"  # the start of utter_what_is_leaky_gut


def messenger_env(api_base: str) -> Dict[str, str]:
    return {
        "FACEBOOK_VERIFY_TOKEN": VERIFY_TOKEN,
        "FACEBOOK_APP_SECRET": FACEBOOK_SECRET,
        "FACEBOOK_PAGE_ACCESS_TOKEN": "fb-page-token",
        "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_APP_SECRET": WHATSAPP_SECRET,
        "WHATSAPP_ACCESS_TOKEN": "wa-access-token",
        "WHATSAPP_PHONE_NUMBER_ID": "1098765432",
        "TELEGRAM_ACCESS_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_BOT_NAME": "PraxisTestBot",
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "GRAPH_API_BASE": api_base,
        "TELEGRAM_API_BASE": api_base,
    }


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, model_path, platforms):
    """One Rasa server (with action server) for every messenger test in this module."""
    running = Assistant(tmp_path_factory.mktemp("messengers"), extra_env=messenger_env(platforms.url))
    running.start(timeout=300)
    yield running
    running.stop()


@dataclass
class SharedStoreAssistant(Assistant):
    """A further Rasa server on another assistant's tracker store and action server, as a second process
    behind the production load balancer (each with its own memory of recent conversations)."""

    shared_tracker_db: Optional[Path] = None

    @property
    def tracker_db(self) -> Path:
        return self.shared_tracker_db or super().tracker_db


@pytest.fixture(scope="module")
def second_process(tmp_path_factory, assistant, platforms):
    running = SharedStoreAssistant(
        tmp_path_factory.mktemp("messengers-second-process"),
        action_port=assistant.action_port,
        with_action_server=False,
        extra_env=messenger_env(platforms.url),
        shared_tracker_db=assistant.tracker_db,
    )
    running.start(timeout=300)
    yield running
    running.stop()


# --- What each platform sends to the webhook, and how its replies look --------------------------


@dataclass
class Reply:
    text: str
    titles: List[str]
    payloads: List[str]


class Facebook:
    name = "facebook"
    text_limit, title_limit = 2000, 20

    def new_sender(self) -> str:
        return str(uuid.uuid4().int)[:16]

    def body(self, sender: str, message: Dict[str, Any]) -> Dict[str, Any]:
        now = int(time.time() * 1000)
        return {
            "object": "page",
            "entry": [
                {
                    "id": "PAGE_ID",
                    "time": now,
                    "messaging": [
                        {
                            "sender": {"id": sender},
                            "recipient": {"id": "PAGE_ID"},
                            "timestamp": now,
                            "message": {"mid": f"m_{uuid.uuid4().hex}", **message},
                        }
                    ],
                }
            ],
        }

    def text(self, sender: str, text: str) -> Dict[str, Any]:
        return self.body(sender, {"text": text})

    def button(self, sender: str, title: str, payload: str) -> Dict[str, Any]:
        return self.body(sender, {"text": title, "quick_reply": {"payload": payload}})

    def media(self, sender: str) -> Dict[str, Any]:
        return self.body(
            sender,
            {
                "attachments": [
                    {
                        "type": "image",
                        "payload": {
                            "url": "https://scontent.example/sticker.png",
                            "sticker_id": 369239263222822,
                        },
                    }
                ]
            },
        )

    def headers(self, raw: bytes, signed: bool = True, secret: str = FACEBOOK_SECRET) -> Dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Hub-Signature-256"] = (
                "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
            )
        return headers

    def replies(self, sent: List[Recorded]) -> List[Reply]:
        messages = [r.body["message"] for r in sent if "message" in r.body]
        return [
            Reply(
                m.get("text", ""),
                [q["title"] for q in m.get("quick_replies", [])],
                [q["payload"] for q in m.get("quick_replies", [])],
            )
            for m in messages
        ]


class WhatsApp(Facebook):
    name = "whatsapp"
    text_limit, title_limit = 4096, 24

    def new_sender(self) -> str:
        return "49151" + str(uuid.uuid4().int)[:8]

    def body(self, sender: str, message: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA_ID",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "4930123456",
                                    "phone_number_id": "1098765432",
                                },
                                "contacts": [{"profile": {"name": "Test"}, "wa_id": sender}],
                                "messages": [
                                    {
                                        "from": sender,
                                        "id": f"wamid.{uuid.uuid4().hex}",
                                        "timestamp": str(int(time.time())),
                                        **message,
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }

    def text(self, sender: str, text: str) -> Dict[str, Any]:
        return self.body(sender, {"type": "text", "text": {"body": text}})

    def button(self, sender: str, title: str, payload: str) -> Dict[str, Any]:
        return self.body(
            sender,
            {
                "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": payload, "title": title}},
            },
        )

    def media(self, sender: str) -> Dict[str, Any]:
        return self.body(
            sender,
            {
                "type": "sticker",
                "sticker": {
                    "mime_type": "image/webp",
                    "sha256": "abc",
                    "id": "1234567890",
                    "animated": False,
                },
            },
        )

    def headers(self, raw: bytes, signed: bool = True, secret: str = WHATSAPP_SECRET) -> Dict[str, str]:
        return super().headers(raw, signed, secret)

    def replies(self, sent: List[Recorded]) -> List[Reply]:
        replies = []
        for body in (r.body for r in sent):
            if body.get("type") == "text":
                replies.append(Reply(body["text"]["body"], [], []))
            elif body.get("type") == "interactive":
                interactive = body["interactive"]
                choices = (
                    [b["reply"] for b in interactive["action"]["buttons"]]
                    if interactive["type"] == "button"
                    else [row for s in interactive["action"]["sections"] for row in s["rows"]]
                )
                replies.append(
                    Reply(
                        interactive["body"]["text"], [c["title"] for c in choices], [c["id"] for c in choices]
                    )
                )
        return replies


class Telegram(Facebook):
    name = "telegram"
    text_limit, title_limit = 4096, 64

    def new_sender(self) -> str:
        return str(uuid.uuid4().int)[:9]

    def _message(self, sender: str, **content: Any) -> Dict[str, Any]:
        return {
            "message_id": 17,
            "date": int(time.time()),
            "chat": {"id": int(sender), "type": "private", "first_name": "Test"},
            "from": {"id": int(sender), "is_bot": False, "first_name": "Test"},
            **content,
        }

    def text(self, sender: str, text: str) -> Dict[str, Any]:
        return {"update_id": 10_000, "message": self._message(sender, text=text)}

    def button(self, sender: str, title: str, payload: str) -> Dict[str, Any]:
        return {
            "update_id": 10_001,
            "callback_query": {
                "id": "4382bfdwdsb323b2d9",
                "from": {"id": int(sender), "is_bot": False, "first_name": "Test"},
                "message": self._message(sender, text="..."),
                "chat_instance": "-1",
                "data": payload,
            },
        }

    def media(self, sender: str) -> Dict[str, Any]:
        return {
            "update_id": 10_002,
            "message": self._message(
                sender,
                sticker={
                    "file_id": "CAACAgIAAxkBAAE",
                    "file_unique_id": "AgADcQ",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                },
            ),
        }

    def headers(self, raw: bytes, signed: bool = True, secret: str = TELEGRAM_SECRET) -> Dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return headers

    def replies(self, sent: List[Recorded]) -> List[Reply]:
        return [
            Reply(
                r.body.get("text", ""),
                [b["text"] for b in telegram_keyboard(r)],
                [b.get("callback_data", "") for b in telegram_keyboard(r)],
            )
            for r in sent
            if r.method == "sendMessage"
        ]


PLATFORMS = [Facebook(), WhatsApp(), Telegram()]


@pytest.fixture(params=PLATFORMS, ids=lambda p: p.name)
def platform(request):
    return request.param


def post(
    assistant: Assistant,
    platform: Facebook,
    body: Any,
    *,
    signed: bool = True,
    secret: Optional[str] = None,
    raw: Optional[bytes] = None,
) -> requests.Response:
    raw = raw if raw is not None else json.dumps(body).encode()
    headers = platform.headers(raw, signed, secret) if secret else platform.headers(raw, signed)
    return requests.post(
        f"{assistant.url}/webhooks/{platform.name}/webhook", data=raw, headers=headers, timeout=60
    )


def converse(assistant, platforms, platform, sender: str, body: Dict[str, Any]) -> List[Reply]:
    """Sends one webhook and returns the bot's replies to it. The outbox sends them after the webhook was
    answered: every bot utterance Rasa stored meanwhile gives at least one reply (a direct answer to media
    stores none), and a long text's further parts follow without a pause."""
    before, uttered_before = len(platforms.sent_to(sender)), len(stored_bot_texts(assistant, sender))
    response = post(assistant, platform, body)
    assert response.status_code == 200, response.text
    expected = max(1, len(stored_bot_texts(assistant, sender)) - uttered_before)
    platforms.wait_for(lambda: len(platform.replies(platforms.sent_to(sender)[before:])) >= expected)
    wait_until_nothing_more_is_sent(platforms, sender)
    return platform.replies(platforms.sent_to(sender)[before:])


def wait_until_nothing_more_is_sent(platforms, sender: str, quiet_seconds: float = 0.3) -> None:
    count, quiet_since = len(platforms.sent_to(sender)), time.monotonic()
    while time.monotonic() - quiet_since < quiet_seconds:
        time.sleep(0.05)
        if len(platforms.sent_to(sender)) != count:
            count, quiet_since = len(platforms.sent_to(sender)), time.monotonic()


def stored_events(assistant: Assistant, sender: str, type_name: Optional[str] = None) -> List[Dict[str, Any]]:
    """The sender's events in the tracker store, in order (all, or those of one type, e.g. "bot")."""
    with sqlite3.connect(assistant.tracker_db) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "events" not in tables:
            return []
        rows = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        )
        return [json.loads(data) for kind, data in rows if type_name in (None, kind)]


def stored_bot_texts(assistant: Assistant, sender: str) -> List[str]:
    return [event["text"] for event in stored_events(assistant, sender, "bot") if event.get("text")]


def first_contact(assistant, platforms, platform, sender: str, body: Dict[str, Any]) -> List[Reply]:
    """The replies to the first message of a new conversation, after checking that the first of them is the
    first-contact line (automated assistant, privacy link); returns the rest, the answer."""
    replies = converse(assistant, platforms, platform, sender, body)
    assert replies[0].text == messenger_texts().first_contact, replies
    assert not replies[0].payloads
    return replies[1:]


# --- Conversations ----------------------------------------------------------------------------------


def test_faq_question_gets_the_answer_with_buttons_within_the_limits(assistant, platforms, platform) -> None:
    sender = platform.new_sender()
    replies = first_contact(
        assistant, platforms, platform, sender, platform.text(sender, "Was ist Leaky Gut?")
    )
    assert replies[0].text.startswith(WHAT_IS_LEAKY_GUT)
    assert any(reply.payloads for reply in replies)
    for reply in replies:
        assert len(reply.text) <= platform.text_limit
        assert all(len(title) <= platform.title_limit for title in reply.titles)
    assert stored_events(assistant, sender)


def test_clicking_a_button_sends_its_payload_back(assistant, platforms, platform) -> None:
    sender = platform.new_sender()
    replies = first_contact(
        assistant,
        platforms,
        platform,
        sender,
        platform.button(sender, "Wie wird es festgestellt?", "/diagnosis"),
    )
    assert replies[0].text.startswith("Die Diagnose erfolgt")
    # "Sieht man es in der Darmspiegelung?" is longer than Facebook's and WhatsApp's button titles
    assert "/colonoscopy_visibility" in replies[0].payloads
    assert all(len(title) <= platform.title_limit for title in replies[0].titles)
    follow_up = converse(
        assistant,
        platforms,
        platform,
        sender,
        platform.button(sender, replies[0].titles[0], replies[0].payloads[0]),
    )
    assert follow_up[0].text.startswith("In einer klassischen Darmspiegelung")


def test_booking_sends_the_booking_link(assistant, platforms, platform) -> None:
    sender = platform.new_sender()
    body = platform.text(sender, "Ich möchte einen Termin vereinbaren")
    replies = first_contact(assistant, platforms, platform, sender, body)
    assert any(load_practice_config().booking_url in reply.text for reply in replies), replies


def test_red_flag_gets_the_emergency_numbers(assistant, platforms, platform) -> None:
    sender = platform.new_sender()
    replies = first_contact(
        assistant, platforms, platform, sender, platform.text(sender, "Ich habe Blut im Stuhl")
    )
    assert "112" in replies[0].text and "116 117" in replies[0].text


def test_unsupported_media_gets_a_friendly_text_and_is_not_stored(assistant, platforms, platform) -> None:
    sender = platform.new_sender()
    replies = converse(assistant, platforms, platform, sender, platform.media(sender))
    assert [reply.text for reply in replies] == [messenger_texts().unsupported_message]
    assert not stored_events(assistant, sender)


def test_whatsapp_offers_more_than_three_choices_as_a_list(assistant, platforms) -> None:
    whatsapp = WhatsApp()
    sender = whatsapp.new_sender()
    converse(assistant, platforms, whatsapp, sender, whatsapp.text(sender, "Woher kommt Leaky Gut?"))
    lists = [
        r.body["interactive"]
        for r in platforms.sent_to(sender)
        if r.body.get("type") == "interactive" and r.body["interactive"]["type"] == "list"
    ]
    assert lists and 3 < len(lists[0]["action"]["sections"][0]["rows"]) <= 10
    assert lists[0]["action"]["button"] == messenger_texts().list_button


def test_telegram_acknowledges_a_pressed_button(assistant, platforms) -> None:
    telegram = Telegram()
    sender = telegram.new_sender()
    converse(assistant, platforms, telegram, sender, telegram.button(sender, "Ursachen", "/causes"))
    assert any(
        r.method == "answerCallbackQuery"
        for r in platforms.requests
        if r.body.get("callback_query_id") == "4382bfdwdsb323b2d9"
    )


def test_telegram_webhook_was_registered_with_the_secret_token(assistant, platforms) -> None:
    registered = platforms.wait_for(lambda: [r for r in platforms.requests if r.method == "setWebhook"])
    assert registered[0].body["url"] == WEBHOOK_URL
    assert registered[0].body["secret_token"] == TELEGRAM_SECRET
    assert TELEGRAM_TOKEN in registered[0].path


# --- First contact: the automated assistant and the privacy notice (channels/first_contact.py) ----------


def test_the_first_message_gets_the_line_before_the_answer_and_the_second_does_not(
    assistant, platforms, platform
) -> None:
    sender = platform.new_sender()
    first = converse(assistant, platforms, platform, sender, platform.text(sender, "Was ist Leaky Gut?"))
    line = messenger_texts().first_contact
    assert first[0].text == line and "automatischer Assistent" in line
    assert line.endswith(load_practice_config().policy_url)
    assert first[1].text.startswith(WHAT_IS_LEAKY_GUT)
    # the line is the first thing the platform was asked to send to this patient
    assert platform.replies(platforms.sent_to(sender)[:1])[0].text == line
    second = converse(
        assistant, platforms, platform, sender, platform.text(sender, "Wie wird es festgestellt?")
    )
    assert second and second[0].text.startswith("Die Diagnose erfolgt")
    assert all(line not in reply.text for reply in second)
    # stored as the conversation's first bot message: an export shows that the patient was told
    assert stored_bot_texts(assistant, sender).count(line) == 1
    assert stored_bot_texts(assistant, sender)[0] == line


def test_a_new_sender_on_each_platform_gets_the_line_again(assistant, platforms) -> None:
    for platform in PLATFORMS + PLATFORMS:  # each platform after conversations on the others
        sender = platform.new_sender()
        answer = first_contact(assistant, platforms, platform, sender, platform.text(sender, "Hallo"))
        assert answer[0].text.startswith("Guten Tag")


def test_after_the_patient_erased_the_conversation_the_next_message_gets_the_line_again(
    assistant, platforms, platform
) -> None:
    sender = platform.new_sender()
    first_contact(assistant, platforms, platform, sender, platform.text(sender, "Was ist Leaky Gut?"))
    confirm = converse(assistant, platforms, platform, sender, platform.text(sender, "Daten löschen"))
    assert "wirklich löschen" in confirm[0].text
    deleted = converse(
        assistant, platforms, platform, sender, platform.button(sender, "Ja, löschen", "/affirm")
    )
    assert deleted[0].text.startswith("Ihr Gespräch wurde gelöscht")
    assert not stored_events(assistant, sender)
    again = first_contact(assistant, platforms, platform, sender, platform.text(sender, "Was ist Leaky Gut?"))
    assert again[0].text.startswith(WHAT_IS_LEAKY_GUT)


def test_two_rasa_processes_on_one_store_agree_on_the_first_contact(
    assistant, second_process, platforms
) -> None:
    whatsapp = WhatsApp()
    sender = whatsapp.new_sender()
    first_contact(assistant, platforms, whatsapp, sender, whatsapp.text(sender, "Was ist Leaky Gut?"))
    elsewhere = converse(
        second_process, platforms, whatsapp, sender, whatsapp.text(sender, "Wie wird es festgestellt?")
    )
    assert elsewhere[0].text.startswith("Die Diagnose erfolgt")
    back = converse(
        assistant, platforms, whatsapp, sender, whatsapp.text(sender, "Sieht man es in der Darmspiegelung?")
    )
    assert back[0].text.startswith("In einer klassischen Darmspiegelung")
    assert stored_bot_texts(assistant, sender).count(messenger_texts().first_contact) == 1
    # the first process keeps this conversation in its memory; the erasure happens in the second one
    converse(second_process, platforms, whatsapp, sender, whatsapp.text(sender, "Daten löschen"))
    converse(second_process, platforms, whatsapp, sender, whatsapp.button(sender, "Ja, löschen", "/affirm"))
    assert not stored_events(assistant, sender)
    again = first_contact(assistant, platforms, whatsapp, sender, whatsapp.text(sender, "Was ist Leaky Gut?"))
    assert again[0].text.startswith(WHAT_IS_LEAKY_GUT)


def test_telegram_start_gets_the_line_before_the_greeting(assistant, platforms) -> None:
    telegram = Telegram()
    sender = telegram.new_sender()
    greeting = first_contact(assistant, platforms, telegram, sender, telegram.text(sender, "/start"))
    assert greeting[0].text.startswith("Guten Tag")


# --- Rejected requests -----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["unsigned", "wrong-signature"])
def test_unverified_webhooks_get_403_and_reach_no_tracker(assistant, platforms, platform, how) -> None:
    sender = platform.new_sender()
    body = platform.text(sender, "Was ist Leaky Gut?")
    response = post(assistant, platform, body, signed=how != "unsigned", secret="not-the-secret")
    assert response.status_code == 403 and response.json()["reason"]
    assert not stored_events(assistant, sender) and not platforms.sent_to(sender)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe garbage",
        b"[1, 2]",
        b'{"object": "page", "entry": "x"}',
        b'{"entry": [{"messaging": [{"message": {"text": "hi"}}]}]}',
        b"{}",
    ],
    ids=["not-json", "binary", "list", "entry-not-list", "no-sender", "empty-object"],
)
def test_malformed_webhooks_get_400_and_reach_no_tracker(assistant, platform, raw) -> None:
    response = post(assistant, platform, None, raw=raw)
    assert response.status_code == 400 and response.json()["reason"]


def test_signed_but_malformed_message_reaches_no_tracker(assistant, platforms, platform) -> None:
    sender = platform.new_sender()
    body = platform.text(sender, "Was ist Leaky Gut?")
    if platform.name == "telegram":
        body["message"]["chat"]["id"] = "not-a-number"
    elif platform.name == "whatsapp":
        body["entry"][0]["changes"][0]["value"]["messages"][0]["text"] = "not-an-object"
    else:
        body["entry"][0]["messaging"].append({"sender": "not-an-object"})
    assert post(assistant, platform, body).status_code == 400
    assert not stored_events(assistant, sender) and not platforms.sent_to(sender)


@pytest.mark.parametrize("name", ["facebook", "whatsapp"])
def test_meta_verification_handshake(assistant, name) -> None:
    url = f"{assistant.url}/webhooks/{name}/webhook"
    right = requests.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
        timeout=30,
    )
    assert right.status_code == 200 and right.text == "1158201444"
    wrong = requests.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
        timeout=30,
    )
    assert wrong.status_code == 403 and "1158201444" not in wrong.text


# --- Start-up without credentials or without the platform ------------------------------------------


@pytest.fixture(scope="module")
def half_configured(tmp_path_factory):
    """Rasa without a model (quick to start): Facebook half configured, WhatsApp not at all,
    Telegram configured but its API unreachable."""
    workdir = tmp_path_factory.mktemp("messengers-unconfigured")
    (workdir / "no-model").mkdir()
    closed = f"http://127.0.0.1:{free_port()}"
    env = {
        **{name: "" for name in messenger_env("")},
        **{
            "FACEBOOK_VERIFY_TOKEN": "visible-only-if-leaked",
            "TELEGRAM_ACCESS_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_BOT_NAME": "PraxisTestBot",
            "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
            "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "TELEGRAM_API_BASE": closed,
        },
    }
    running = Assistant(
        workdir,
        with_action_server=False,
        model=workdir / "no-model",
        extra_env=env,
        rasa_args=["--enable-api", "--auth-token", uuid.uuid4().hex],
    )  # no model without the API
    running.start(timeout=300)
    yield running
    running.stop()


def test_channels_without_credentials_are_not_enabled_and_say_why(half_configured) -> None:
    for name in ("facebook", "whatsapp"):
        url = f"{half_configured.url}/webhooks/{name}/webhook"
        assert requests.post(url, data=b"{}", timeout=30).status_code == 404
    log = half_configured.rasa.log()
    facebook_line = next(line for line in log.splitlines() if "Channel 'facebook' not enabled" in line)
    assert "FACEBOOK_APP_SECRET" in facebook_line and "FACEBOOK_PAGE_ACCESS_TOKEN" in facebook_line
    assert "FACEBOOK_VERIFY_TOKEN" not in facebook_line and "visible-only-if-leaked" not in log
    whatsapp_line = next(line for line in log.splitlines() if "Channel 'whatsapp' not enabled" in line)
    assert all(name in whatsapp_line for name in ("WHATSAPP_VERIFY_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"))


def test_unreachable_platform_at_start_up_still_starts_and_says_so(half_configured) -> None:
    deadline = time.monotonic() + 60
    while "Telegram: setWebhook failed" not in half_configured.rasa.log() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert "Telegram: setWebhook failed" in half_configured.rasa.log()
    assert (
        TELEGRAM_TOKEN not in half_configured.rasa.log() and TELEGRAM_SECRET not in half_configured.rasa.log()
    )
    unsigned = requests.post(
        f"{half_configured.url}/webhooks/telegram/webhook", json={"update_id": 1}, timeout=30
    )
    assert unsigned.status_code == 403
