"""The first-contact decision: the line goes with the session start of a conversation of which nothing is
stored, on the messenger channels only; the conversation is read from the real SQL tracker store, by two
store instances on one database as two Rasa processes would."""

from __future__ import annotations

import time
from pathlib import Path
from typing import List

import pytest
import rasa.core.actions.action
import rasa.core.run
from rasa.core.actions.action import ActionSessionStart, action_for_name_or_text
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel
from rasa.core.channels.socketio import SocketIOOutput
from rasa.shared.core.constants import ACTION_LISTEN_NAME, SESSION_START_METADATA_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from addons.tracker_store import ERASED_SLOT, PrivacySQLTrackerStore
from channels import first_contact
from channels.facebook import PatientMessengerBot
from channels.first_contact import FirstContactSessionStart, first_contact_due, is_new_conversation
from channels.messenger_common import messenger_texts
from channels.telegram import PatientTelegramOutput
from channels.whatsapp import WhatsAppOutput
from practice.config import load_practice_config
from privacy.retention import purge_expired

DOMAIN = Domain.load("domain.yml")
WHATSAPP_SENDER = "4915112345678"  # on WhatsApp the conversation id is the phone number


def messenger_outputs() -> List[OutputChannel]:
    return [
        PatientMessengerBot("fb-page-token"),
        WhatsAppOutput("wa-access-token", "1098765432"),
        PatientTelegramOutput("123456:TEST-token"),
    ]


def new_tracker(sender: str = WHATSAPP_SENDER) -> DialogueStateTracker:
    return DialogueStateTracker(sender, DOMAIN.slots)


def stored_conversation(sender: str = WHATSAPP_SENDER) -> DialogueStateTracker:
    tracker = new_tracker(sender)
    tracker.update_with_events(
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted(ACTION_LISTEN_NAME),
            UserUttered("Was ist Leaky Gut?", {"name": "what_is_leaky_gut", "confidence": 0.9}),
            ActionExecuted("utter_what_is_leaky_gut"),
            BotUttered("Leaky Gut beschreibt ..."),
            ActionExecuted(ACTION_LISTEN_NAME),
        ],
        DOMAIN,
    )
    return tracker


def kinds(events: List[Event]) -> List[str]:
    return [type(event).__name__ for event in events]


# --- The decision ---------------------------------------------------------------------------------------


def test_a_conversation_without_stored_events_is_new() -> None:
    assert is_new_conversation(new_tracker())


def test_the_metadata_rasa_sets_just_before_the_session_start_does_not_make_it_known() -> None:
    tracker = new_tracker()
    tracker.update(SlotSet(SESSION_START_METADATA_SLOT, {"platform": "whatsapp"}))
    assert is_new_conversation(tracker)


def test_an_expired_session_or_a_restart_is_not_a_new_conversation() -> None:
    expired = stored_conversation()  # Rasa starts a session for it after the expiration time
    assert not is_new_conversation(expired)
    restarted = stored_conversation()
    restarted.update(Restarted())  # nothing applies after a restart, but the conversation is stored
    assert not restarted.applied_events() and not is_new_conversation(restarted)


@pytest.mark.parametrize("channel", ["facebook", "whatsapp", "telegram"])
def test_the_messengers_get_the_line(channel: str) -> None:
    assert first_contact_due(channel, new_tracker())
    assert not first_contact_due(channel, stored_conversation())


@pytest.mark.parametrize("channel", ["socketio", "rest", "collector", "cmdline"])
def test_the_widget_and_rest_do_not(channel: str) -> None:
    """The widget shows the notice on its consent screen; REST clients are the practice's own."""
    assert not first_contact_due(channel, new_tracker())


# --- Rasa's session start -------------------------------------------------------------------------------


@pytest.mark.parametrize("output", messenger_outputs(), ids=lambda output: output.name())
async def test_the_session_start_of_a_new_conversation_carries_the_line(output: OutputChannel) -> None:
    events = await FirstContactSessionStart().run(output, None, new_tracker(), DOMAIN)
    assert kinds(events) == ["SessionStarted", "BotUttered", "ActionExecuted"]
    assert events[1].text == messenger_texts().first_contact
    assert events[2].action_name == ACTION_LISTEN_NAME


def test_the_line_says_automated_and_links_the_policy_from_the_config() -> None:
    line = messenger_texts().first_contact
    assert "automatischer Assistent" in line and "kein Mensch" in line
    assert line.endswith(load_practice_config().policy_url) and "{" not in line


@pytest.mark.parametrize(
    "output, tracker",
    [
        (messenger_outputs()[1], stored_conversation()),
        (SocketIOOutput(None, "bot_uttered"), new_tracker()),
        (CollectingOutputChannel(), new_tracker()),
        (None, new_tracker()),  # a session started through Rasa's HTTP API
    ],
    ids=["known-conversation", "widget", "rest", "no-channel"],
)
async def test_otherwise_it_is_rasas_session_start(output, tracker) -> None:
    ours = await FirstContactSessionStart().run(output, None, tracker, DOMAIN)
    rasas = await ActionSessionStart().run(output, None, tracker, DOMAIN)
    assert kinds(ours) == kinds(rasas) == ["SessionStarted", "ActionExecuted"]


def test_installing_the_patch_makes_it_the_session_start_rasa_runs(monkeypatch) -> None:
    """first_contact.install is what the patch registry (addons/patches.py) calls."""
    monkeypatch.setattr(rasa.core.actions.action, "ActionSessionStart", ActionSessionStart)
    assert type(action_for_name_or_text("action_session_start", DOMAIN, None)) is ActionSessionStart
    first_contact.install()
    assert type(action_for_name_or_text("action_session_start", DOMAIN, None)) is FirstContactSessionStart


# --- What the decision reads: the shared tracker store ---------------------------------------------------


def process_store(db: Path) -> PrivacySQLTrackerStore:
    """The tracker store as one Rasa process has it: its own memory, the shared database."""
    return PrivacySQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))


async def answer_a_message(store: PrivacySQLTrackerStore, sender: str) -> None:
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.update_with_events(
        [
            UserUttered("Wie wird es festgestellt?", {"name": "diagnosis", "confidence": 0.9}),
            ActionExecuted("utter_diagnosis"),
            BotUttered("Die Diagnose erfolgt ..."),
            ActionExecuted(ACTION_LISTEN_NAME),
        ],
        DOMAIN,
    )
    await store.save(tracker)


async def first_contact_in(store: PrivacySQLTrackerStore, sender: str) -> bool:
    """What Rasa's processor reads for a message (MessageProcessor.get_tracker) and the session start gets."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    return first_contact_due("whatsapp", tracker)


async def test_a_second_process_sees_the_stored_conversation_and_an_erasure_elsewhere(tmp_path: Path) -> None:
    first, second = process_store(tmp_path / "tracker.db"), process_store(tmp_path / "tracker.db")
    assert await first_contact_in(first, WHATSAPP_SENDER)
    await first.save(stored_conversation())
    assert not await first_contact_in(second, WHATSAPP_SENDER)
    # the second process answers the next messages and keeps the conversation in its memory
    await answer_a_message(second, WHATSAPP_SENDER)
    assert not await first_contact_in(second, WHATSAPP_SENDER)
    await answer_a_message(second, WHATSAPP_SENDER)

    erasing = await first.retrieve(WHATSAPP_SENDER)  # "Daten löschen", confirmed, in the first process
    erasing.update(SlotSet(ERASED_SLOT, True))
    await first.save(erasing)
    assert await first_contact_in(second, WHATSAPP_SENDER)
    assert await first_contact_in(first, WHATSAPP_SENDER)


async def test_after_the_purge_the_next_message_is_a_first_contact_again(tmp_path: Path) -> None:
    serving, purging = process_store(tmp_path / "tracker.db"), process_store(tmp_path / "tracker.db")
    await serving.save(stored_conversation())
    await serving.save(stored_conversation("4915187654321"))
    await answer_a_message(serving, WHATSAPP_SENDER)  # kept in the serving process's memory
    retention_days = load_practice_config().retention_days
    later = time.time() + (retention_days + 1) * 24 * 60 * 60
    assert purge_expired(purging, retention_days, now=later) == 2  # `make purge`, its own process
    assert await first_contact_in(serving, WHATSAPP_SENDER)
