"""Telegram: updates to patient messages, keyboards, and the Bot API base URL from TELEGRAM_API_BASE."""

import pytest
from rasa.shared.exceptions import RasaException

from channels.messenger_common import messenger_texts
from channels.outbox import outbox
from channels.request_validation import InvalidRequest
from channels.telegram import PatientTelegramInput, PatientTelegramOutput, incoming_update, keyboard_of
from tests.channels.platform_standin import telegram_keyboard

TOKEN = "123456:TEST-token"


def message(**content):
    return {"message_id": 1, "date": 1, "chat": {"id": 4711, "type": "private"}, **content}


def test_texts_buttons_and_media_are_read() -> None:
    text, _ = incoming_update({"update_id": 1, "message": message(text="Was ist Leaky Gut?")}, "PraxisBot")
    assert (text.sender_id, text.text) == ("4711", "Was ist Leaky Gut?")
    button, button_id = incoming_update(
        {
            "update_id": 2,
            "callback_query": {"id": "cb-1", "data": "/diagnosis", "message": message(text="...")},
        },
        "PraxisBot",
    )
    assert (button.text, button_id) == ("/diagnosis", "cb-1")
    sticker, _ = incoming_update({"update_id": 3, "message": message(sticker={"file_id": "x"})}, "PraxisBot")
    assert sticker.text is None and sticker.reply == messenger_texts().unsupported_message
    start, _ = incoming_update({"update_id": 4, "message": message(text="/start@PraxisBot")}, "PraxisBot")
    assert start.text == "/greet"
    assert incoming_update({"update_id": 5, "my_chat_member": {}}, "PraxisBot") == (None, None)


@pytest.mark.parametrize(
    "update",
    [
        {},
        {"update_id": "1"},
        {"update_id": 1, "message": "text"},
        {"update_id": 1, "message": {"chat": {"id": "x"}}},
        {"update_id": 1, "callback_query": {"data": "/x", "message": message()}},
    ],
)
def test_wrong_shapes_are_rejected_with_400(update) -> None:
    with pytest.raises(InvalidRequest) as rejected:
        incoming_update(update, "PraxisBot")
    assert rejected.value.status == 400


def test_buttons_become_an_inline_keyboard_one_per_row() -> None:
    markup = keyboard_of(
        [
            {"title": "Ursachen", "payload": "/causes"},
            {"title": "Stress", "payload": '/causes{"trigger": "stress"}'},
        ]
    )
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [
        ["/causes"],
        ['/causes{"trigger": "stress"}'],
    ]


def test_payloads_over_64_bytes_fall_back_to_a_reply_keyboard() -> None:
    markup = keyboard_of([{"title": "Lang", "payload": "/x" + "y" * 70}])
    assert [[b.text for b in row] for row in markup.keyboard] == [["Lang"]]


async def test_long_texts_are_split_and_go_to_the_configured_api(platforms, api_base) -> None:
    text = " ".join(f"Satz {n} über die Darmbarriere." for n in range(400))
    output = PatientTelegramOutput(TOKEN)
    try:
        await output.send_text_with_buttons(
            "4712", text, [{"title": "Termin", "payload": "/book_appointment"}]
        )
        await outbox().wait_until_empty()
    finally:
        await output.session.close()
    sent = platforms.sent_to("4712", "sendMessage")
    assert len(sent) > 1 and all(len(r.body["text"]) <= 4096 for r in sent)
    assert " ".join(r.body["text"] for r in sent) == text
    assert sent[0].path == f"/bot{TOKEN}/sendMessage"
    assert telegram_keyboard(sent[-1])[0]["callback_data"] == "/book_appointment"
    assert not telegram_keyboard(sent[0])


def test_a_secret_token_telegram_would_refuse_stops_the_start(monkeypatch) -> None:
    for name, value in {
        "TELEGRAM_ACCESS_TOKEN": TOKEN,
        "TELEGRAM_BOT_NAME": "PraxisBot",
        "TELEGRAM_WEBHOOK_URL": "https://x/webhooks/telegram/webhook",
        "TELEGRAM_SECRET_TOKEN": "with spaces!",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RasaException, match="TELEGRAM_SECRET_TOKEN") as refused:
        PatientTelegramInput.from_credentials(None)
    assert "with spaces!" not in str(refused.value)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", "good_secret-1")
    assert PatientTelegramInput.from_credentials(None).secret_token == "good_secret-1"
