"""A real SQLite tracker store (the project's PrivacySQLTrackerStore), filled through Rasa's tracker API."""

import time
from pathlib import Path
from typing import Iterable

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.tracker_store import PrivacySQLTrackerStore
from tests.conftest import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))
DAY = 24 * 60 * 60


def conversation_events(start: float, question: str = "Was ist Leaky Gut?") -> Iterable[Event]:
    yield SessionStarted(timestamp=start)
    yield ActionExecuted("action_listen", timestamp=start + 1)
    yield UserUttered(
        question, {"name": "what_is_leaky_gut", "confidence": 0.9}, timestamp=start + 2, input_channel="rest"
    )
    yield ActionExecuted("utter_what_is_leaky_gut", timestamp=start + 3)
    yield BotUttered(
        "Leaky Gut beschreibt eine erhöhte Durchlässigkeit der Darmschleimhaut.", timestamp=start + 3
    )
    yield SlotSet("own_situation", False, timestamp=start + 3)
    yield ActionExecuted("action_listen", timestamp=start + 4)


async def save_conversation(store: PrivacySQLTrackerStore, sender: str, events: Iterable[Event]) -> None:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in events:
        tracker.update(event)
    await store.save(tracker)


@pytest.fixture
def tracker_store(tmp_path: Path) -> PrivacySQLTrackerStore:
    store = PrivacySQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    yield store
    store.engine.dispose()


@pytest.fixture
def now() -> float:
    return time.time()
