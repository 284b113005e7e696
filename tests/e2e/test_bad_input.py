"""Bad input gets a polite reply or a clear 4xx, never a 500, and the server keeps serving."""

import sqlite3
from contextlib import closing

import pytest
import requests

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   \n\t ",
        "😀🙈👍",
        "\x00\x01\x02\ufffd\x7f",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "Leaky Gut? " * 1000,
        "a" * 10_000,
    ],
    ids=["empty", "whitespace", "emoji", "binary", "script", "html", "10k-words", "10k-chars"],
)
def test_odd_messages_get_a_polite_reply_or_a_clear_4xx(assistant, sender, message) -> None:
    response = assistant.send(sender, message)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["reason"]
    else:
        replies = response.json()
        assert replies and all(reply.get("text") for reply in replies)
        assert all("<script>" not in reply["text"] for reply in replies)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"not json", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'{"sender": "x"}', "application/json"),
        (b'{"sender": "x", "message": 42}', "application/json"),
        (b'{"sender": ["x"], "message": "hi"}', "application/json"),
        (b'["message"]', "application/json"),
    ],
    ids=["not-json", "binary-body", "no-message", "number-message", "list-sender", "list-body"],
)
def test_malformed_requests_get_a_4xx_with_a_reason(assistant, body, content_type) -> None:
    response = requests.post(
        f"{assistant.url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": content_type},
        timeout=30,
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.json()["reason"]


@pytest.mark.parametrize(
    "body",
    [
        {"message": "Bitte löschen Sie meine Daten"},
        {"sender": None, "message": "Bitte löschen Sie meine Daten"},
        {"sender": "", "message": "Bitte löschen Sie meine Daten"},
        {"sender": " \t\n", "message": "Bitte löschen Sie meine Daten"},
    ],
    ids=["no-sender", "null-sender", "empty-sender", "blank-sender"],
)
def test_a_message_without_a_sender_is_refused_and_not_processed(assistant, body) -> None:
    # Rasa would put it in the conversation "default", shared by every client that sends no sender.
    response = requests.post(f"{assistant.url}/webhooks/rest/webhook", json=body, timeout=30)
    assert response.status_code == 400, (response.status_code, response.text)
    assert "sender" in response.json()["reason"]
    with closing(sqlite3.connect(assistant.tracker_db)) as database:
        stored_senders = [sender for (sender,) in database.execute("SELECT DISTINCT sender_id FROM events")]
    assert not [sender for sender in stored_senders if sender == "default" or not sender.strip()]


def test_server_still_answers_after_bad_input(assistant, sender) -> None:
    assert assistant.say(sender, "Was ist Leaky Gut?")[0]["text"].startswith("Leaky Gut")
