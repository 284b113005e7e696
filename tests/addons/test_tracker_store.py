"""Rasa's SQL tracker store on a real SQLite file: saving, and erasure on request."""

from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
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
