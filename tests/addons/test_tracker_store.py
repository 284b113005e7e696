"""Rasa's SQL tracker store on a real SQLite file: saving, erasure on request, masking of contact data."""

from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.tracker_store import ERASED_SLOT, PrivacySQLTrackerStore

DOMAIN = Domain.load("domain.yml")


def store(tmp_path: Path) -> PrivacySQLTrackerStore:
    return PrivacySQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "nested" / "tracker.db"))


def conversation(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(UserUttered("Was ist Leaky Gut?", {"name": "what_is_leaky_gut", "confidence": 0.9}))
    tracker.update(ActionExecuted("utter_what_is_leaky_gut"))
    return tracker


async def test_saves_and_restores_a_conversation(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    await tracker_store.save(conversation("alice"))
    restored = await tracker_store.retrieve("alice")
    assert restored.latest_message.text == "Was ist Leaky Gut?"


async def test_erasure_deletes_every_event_of_that_sender_only(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    alice, bob = conversation("alice"), conversation("bob")
    await tracker_store.save(alice)
    await tracker_store.save(bob)
    alice.update(SlotSet(ERASED_SLOT, True))
    await tracker_store.save(alice)
    assert await tracker_store.retrieve("alice") is None
    assert await tracker_store.retrieve_full_tracker("alice") is None
    assert (await tracker_store.retrieve("bob")) is not None
    assert set(await tracker_store.keys()) == {"bob"}


async def test_contact_data_is_masked_before_it_is_stored(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    tracker = DialogueStateTracker("carol", DOMAIN.slots)
    text = "Rufen Sie mich an: 0171 2345678 oder carol@example.de"
    tracker.update(UserUttered(text, {"name": "human_handoff", "confidence": 0.9}))
    tracker.update(BotUttered("Wir rufen 0171 2345678 an. Die Praxis: +49 30 1234567 (Demo-Nummer)"))
    await tracker_store.save(tracker)

    with tracker_store.session_scope() as session:
        stored = " ".join(data for (data,) in session.query(tracker_store.SQLEvent.data))
    assert "0171 2345678" not in stored and "carol@example.de" not in stored
    restored = await tracker_store.retrieve("carol")
    user, bot = restored.events[0], restored.events[1]
    assert user.text == "Rufen Sie mich an: [Telefonnummer entfernt] oder [E-Mail entfernt]"
    assert user.parse_data["text"] == user.text
    assert bot.text == "Wir rufen [Telefonnummer entfernt] an. Die Praxis: +49 30 1234567 (Demo-Nummer)"
    assert tracker.events[0].text == text, "the live tracker keeps the text for this turn's answer"
