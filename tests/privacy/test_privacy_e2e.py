"""End to end through the real Rasa server and action server (and the widget server): no message text
in any log at the default log level, contact data masked in the tracker store, the patient told that
contact data is not needed, the privacy notice from config/practice.yml, export and erasure."""

import json
import sqlite3
import sys
import uuid
from pathlib import Path

import pytest
import requests

from practice.config import load_practice_config
from privacy.store import open_tracker_store
from privacy.subject_rights import UnknownSender, erase_conversation, export_conversation
from tests.conftest import PROJECT_ROOT
from tests.e2e.servers import Assistant, Process, free_port, wait_for_http

pytestmark = pytest.mark.e2e

NAME = "Erika Mustermann"
PHONE = "0171 2345678"
EMAIL = "erika.mustermann@example.de"
SYMPTOMS = "Blähungen und Müdigkeit seit meiner Darmspiegelung"
SECRETS = [NAME, PHONE, EMAIL, SYMPTOMS, "Blut im Stuhl", "Mustermann"]
MESSAGES = [
    f"Hallo, ich heiße {NAME}",
    f"Ich habe {SYMPTOMS}, ist das Leaky Gut?",
    f"Bitte rufen Sie mich zurück unter {PHONE}",
    f"Ich möchte einen Termin, schreiben Sie mir an {EMAIL}",
    "Ich habe seit gestern Blut im Stuhl",
    f"{NAME} {EMAIL} 🙂🙂",
]
CONTACT_HINT = "Sie müssen mir keine Telefonnummer und keine E-Mail-Adresse nennen"
WIDGET_SERVER = PROJECT_ROOT / "widget" / "server.py"


@pytest.fixture(scope="module")
def servers(tmp_path_factory, model_path: Path):
    assistant = Assistant(tmp_path_factory.mktemp("privacy")).start()
    widget = None
    if WIDGET_SERVER.exists():
        port = free_port()
        widget = Process(
            "widget",
            [sys.executable, "-m", "widget.server", "--port", str(port), "--rasa-url", assistant.url],
            assistant.workdir / "widget.log",
            {},
        )
        widget.start()
        widget.url = f"http://127.0.0.1:{port}"
        wait_for_http(widget.url + "/", timeout=60)
    yield assistant, widget
    if widget:
        widget.stop()
    assistant.stop()


@pytest.fixture(scope="module")
def conversation(servers):
    """One patient's conversation with names, contact data and symptoms; the replies per message."""
    assistant, widget = servers
    sender = f"privacy-{uuid.uuid4().hex[:8]}"
    replies = [assistant.say(sender, message) for message in MESSAGES]
    assistant.send(sender, f"{PHONE} " * 500)  # too long: rejected with a reason, must not be logged either
    assistant.send(sender, {"text": NAME})  # wrong type
    if widget:
        requests.get(widget.url + "/", timeout=10).raise_for_status()
    return sender, replies


def texts(replies) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def test_no_message_text_in_any_log(servers, conversation) -> None:
    assistant, widget = servers
    logs = {"rasa": assistant.rasa.log(), "actions": assistant.action_server.log()}
    if widget:
        logs["widget"] = widget.log()
    assert logs["rasa"] and logs["actions"], "the processes did log (start-up lines)"
    leaks = [
        (process, secret)
        for process, log in logs.items()
        for secret in SECRETS
        if secret in log or json.dumps(secret)[1:-1] in log
    ]  # JSON log lines escape umlauts
    assert leaks == []


def test_contact_data_is_masked_in_the_tracker_store(servers, conversation) -> None:
    assistant, _ = servers
    sender, _ = conversation
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    stored = "\n".join(json.dumps(json.loads(data), ensure_ascii=False) for (data,) in rows)
    assert "[Telefonnummer entfernt]" in stored and "[E-Mail entfernt]" in stored
    assert PHONE not in stored and EMAIL not in stored
    assert SYMPTOMS in stored, "other texts are kept (the conversation is needed to answer)"


def test_the_patient_is_told_contact_data_is_not_needed(conversation) -> None:
    _, replies = conversation
    assert CONTACT_HINT in texts(replies[2]) and CONTACT_HINT in texts(replies[3])
    assert CONTACT_HINT not in texts(replies[1]), "only after messages with contact data"


def test_the_hint_comes_once_before_any_answer_but_never_with_the_red_flag_advice(servers) -> None:
    assistant, _ = servers
    sender = f"hint-{uuid.uuid4().hex[:8]}"
    replies = assistant.say(sender, f"Was bedeutet Leaky Gut genau? Meine Mail ist {EMAIL}")
    assert replies[0]["text"].startswith(CONTACT_HINT) and "Durchlässigkeit" in replies[0]["text"]
    assert texts(replies).count(CONTACT_HINT) == 1
    red_flag = assistant.say(sender, f"Ich habe Blut im Stuhl, rufen Sie mich an: {PHONE}")
    assert CONTACT_HINT not in texts(red_flag) and "112" in texts(red_flag)


def test_the_assistant_shows_the_privacy_notice_of_the_practice_config(servers) -> None:
    assistant, _ = servers
    sender = f"notice-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "Bitte löschen Sie meine Daten")
    replies = assistant.say(sender, "/deny")
    assert load_practice_config().privacy_notice in texts(replies)


async def test_export_and_erase_on_the_servers_store(servers, conversation) -> None:
    assistant, _ = servers
    sender, _ = conversation
    store = open_tracker_store(assistant.workdir / "endpoints.yml")
    try:
        export = await export_conversation(store, sender)
        patient = [m["text"] for m in export["messages"] if m["from"] == "patient"]
        assert patient[0] == MESSAGES[0] and "[Telefonnummer entfernt]" in patient[2]
        assert any(m["from"] == "assistant" and "112" in m["text"] for m in export["messages"])
        assert await erase_conversation(store, sender) > 0
        with pytest.raises(UnknownSender):
            await export_conversation(store, sender)
    finally:
        store.engine.dispose()
