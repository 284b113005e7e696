"""Messenger: webhook bodies to patient messages, and what the bot sends to the Graph API."""

import pytest

from channels.facebook import PatientMessenger, PatientMessengerBot, quick_replies_of
from channels.messenger_common import messenger_texts
from channels.outbox import outbox
from channels.request_validation import InvalidRequest


def webhook(*events):
    return {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": list(events)}]}


def event(sender="psid-1", **content):
    return {"sender": {"id": sender}, "recipient": {"id": "PAGE"}, "timestamp": 1, **content}


def test_every_event_of_a_batch_is_read() -> None:
    events = PatientMessenger.incoming_events(
        webhook(
            event(message={"mid": "1", "text": "Was ist Leaky Gut?"}),
            event(
                "psid-2", message={"mid": "2", "text": "Diagnose", "quick_reply": {"payload": "/diagnosis"}}
            ),
            event(postback={"title": "Start", "payload": "/greet"}),
            event(message={"mid": "3", "text": "echo", "is_echo": True}),
            event(delivery={"mids": ["1"], "watermark": 1}),
            event(
                message={
                    "mid": "4",
                    "attachments": [{"type": "audio", "payload": {"url": "https://x/a.mp4"}}],
                }
            ),
        )
    )
    assert [(e.sender_id, e.text) for e in events[:3]] == [
        ("psid-1", "Was ist Leaky Gut?"),
        ("psid-2", "/diagnosis"),
        ("psid-1", "/greet"),
    ]
    assert len(events) == 4 and events[3].text is None
    assert events[3].reply == messenger_texts().unsupported_message


def test_over_long_text_gets_a_polite_reply_instead_of_reaching_rasa() -> None:
    [long] = PatientMessenger.incoming_events(webhook(event(message={"mid": "1", "text": "a" * 2001})))
    assert long.text is None and long.reply == messenger_texts().message_too_long


@pytest.mark.parametrize(
    "body",
    [
        {"object": "instagram", "entry": []},
        {"object": "page"},
        {"object": "page", "entry": [1]},
        webhook({"message": {"text": "no sender"}}),
        webhook(event(sender=42, message={"text": "x"})),
        {"object": "page", "entry": [{"messaging": "x"}]},
    ],
)
def test_wrong_shapes_are_rejected_with_400(body) -> None:
    with pytest.raises(InvalidRequest) as rejected:
        PatientMessenger.incoming_events(body)
    assert rejected.value.status == 400


def test_quick_replies_are_limited_to_13_and_20_characters() -> None:
    buttons = [{"title": f"Eine sehr lange Auswahl Nummer {n}", "payload": f"/intent_{n}"} for n in range(15)]
    replies = quick_replies_of(buttons)
    assert len(replies) == 13 and all(len(r["title"]) <= 20 and r["content_type"] == "text" for r in replies)
    assert replies[0]["payload"] == "/intent_0"


async def test_long_text_with_buttons_is_split_and_the_buttons_come_last(platforms, api_base) -> None:
    text = " ".join(f"Satz {n} über die Darmbarriere." for n in range(200))
    await PatientMessengerBot("page-token").send_text_with_buttons(
        "psid-long", text, [{"title": "Termin vereinbaren", "payload": "/book_appointment"}]
    )
    await outbox().wait_until_empty()
    sent = platforms.sent_to("psid-long")
    assert len(sent) == len(text) // 2000 + 1
    assert all(len(r.body["message"]["text"]) <= 2000 for r in sent)
    assert " ".join(r.body["message"]["text"] for r in sent) == text
    assert "quick_replies" not in sent[0].body["message"]
    assert sent[-1].body["message"]["quick_replies"][0]["payload"] == "/book_appointment"
    assert sent[0].query["access_token"] == "page-token" and sent[0].body["messaging_type"] == "RESPONSE"


def test_a_shared_link_is_read_as_its_text() -> None:
    [link] = PatientMessenger.incoming_events(
        webhook(
            event(
                message={
                    "mid": "1",
                    "text": "https://example.org/artikel",
                    "attachments": [{"type": "fallback", "payload": None}],
                }
            )
        )
    )
    assert link.text == "https://example.org/artikel"
