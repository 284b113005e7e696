"""WhatsApp Cloud API: webhook bodies to patient messages, and the interactive messages the bot sends."""

import pytest

from channels.messenger_common import messenger_texts
from channels.outbox import outbox
from channels.request_validation import InvalidRequest
from channels.whatsapp import WhatsAppOutput, incoming_events, interactive_of


def webhook(*messages, statuses=()):
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "1", "phone_number_id": "2"},
                            "messages": list(messages),
                            "statuses": list(statuses),
                        },
                    }
                ],
            }
        ],
    }


def message(kind, sender="4915100000001", **content):
    return {"from": sender, "id": "wamid.1", "timestamp": "1", "type": kind, **content}


def test_texts_replies_and_media_are_read() -> None:
    events = incoming_events(
        webhook(
            message("text", text={"body": "Was ist Leaky Gut?"}),
            message(
                "interactive",
                interactive={"type": "button_reply", "button_reply": {"id": "/diagnosis", "title": "D"}},
            ),
            message(
                "interactive",
                interactive={"type": "list_reply", "list_reply": {"id": "/causes", "title": "U"}},
            ),
            message("reaction", reaction={"message_id": "wamid.0", "emoji": "👍"}),
            message("audio", audio={"id": "1", "mime_type": "audio/ogg", "voice": True}),
            message("location", location={"latitude": 52.5, "longitude": 13.4}),
        )
    )
    assert [e.text for e in events] == ["Was ist Leaky Gut?", "/diagnosis", "/causes", None, None]
    assert events[-1].reply == messenger_texts().unsupported_message


def test_status_updates_carry_no_messages() -> None:
    assert (
        incoming_events(webhook(statuses=[{"id": "wamid.1", "status": "read", "recipient_id": "49"}])) == []
    )


@pytest.mark.parametrize(
    "body",
    [
        {"object": "page", "entry": []},
        webhook(message("text", text="flat")),
        webhook(message("text", sender=49)),
        webhook(message("interactive", interactive={"type": "nfm_reply"})),
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": []}]}]},
    ],
)
def test_wrong_shapes_are_rejected_with_400(body) -> None:
    with pytest.raises(InvalidRequest) as rejected:
        incoming_events(body)
    assert rejected.value.status == 400


def test_up_to_three_buttons_are_reply_buttons() -> None:
    buttons = [
        {"title": "Sieht man es in der Darmspiegelung?", "payload": "/colonoscopy_visibility"},
        {"title": "Termin vereinbaren", "payload": "/book_appointment"},
    ]
    interactive = interactive_of("Text", buttons)
    assert interactive["type"] == "button"
    replies = [b["reply"] for b in interactive["action"]["buttons"]]
    assert replies[0] == {"id": "/colonoscopy_visibility", "title": "Sieht man es in der…"}


def test_more_buttons_become_a_list_of_at_most_ten_rows() -> None:
    buttons = [{"title": f"Auswahl mit langem Titel Nr. {n}", "payload": f"/p{n}"} for n in range(12)]
    interactive = interactive_of("Text", buttons)
    rows = interactive["action"]["sections"][0]["rows"]
    assert interactive["type"] == "list" and len(rows) == 10 and all(len(r["title"]) <= 24 for r in rows)
    assert interactive["action"]["button"] == messenger_texts().list_button


async def test_long_text_is_split_and_buttons_carry_at_most_1024_characters(platforms, api_base) -> None:
    text = " ".join(f"Satz {n} über die Darmbarriere." for n in range(300))
    await WhatsAppOutput("wa-token", "1098").send_text_with_buttons(
        "4915100000009", text, [{"title": "Ja", "payload": "/affirm"}, {"title": "Nein", "payload": "/deny"}]
    )
    await outbox().wait_until_empty()
    sent = platforms.sent_to("4915100000009")
    texts = [r.body["text"]["body"] for r in sent[:-1]]
    interactive = sent[-1].body["interactive"]
    assert all(len(t) <= 4096 for t in texts) and len(interactive["body"]["text"]) <= 1024
    assert " ".join(texts + [interactive["body"]["text"]]) == text
    assert sent[0].path.endswith("/1098/messages") and sent[0].headers["Authorization"] == "Bearer wa-token"
