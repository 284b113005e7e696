"""Rasa's SQL tracker store on a real SQLite file: saving, erasure on request, masking of contact data."""

from pathlib import Path

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
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


def counting_queries(tracker_store: PrivacySQLTrackerStore) -> list:
    """Records every statement that counts stored events."""
    seen: list = []
    sa.event.listen(
        tracker_store.engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, *_: seen.append(statement) if "count(" in statement else None,
    )
    return seen


def stored_types(tracker_store: PrivacySQLTrackerStore, sender: str) -> list:
    with tracker_store.session_scope() as session:
        rows = session.query(tracker_store.SQLEvent.type_name).filter(
            tracker_store.SQLEvent.sender_id == sender
        )
        return [type_name for (type_name,) in rows.order_by(tracker_store.SQLEvent.id)]


async def test_each_turn_stores_exactly_its_new_events(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    counted = counting_queries(tracker_store)
    new = conversation("dora")
    await tracker_store.save(new)  # a new tracker: counted in the database
    assert len(counted) == 1
    new.update(ActionExecuted("action_listen"))
    await tracker_store.save(new)  # the tracker just saved: count remembered
    for turn in range(3):
        tracker = await tracker_store.retrieve("dora")  # the retrieved tracker: count remembered
        tracker.update(UserUttered(f"Frage {turn}", {"name": "diagnosis", "confidence": 0.9}))
        tracker.update(ActionExecuted("utter_diagnosis"))
        await tracker_store.save(tracker)
        await tracker_store.save(tracker)  # saved twice: nothing new
    assert len(counted) == 1, "the number of stored events was known after the first save"
    assert stored_types(tracker_store, "dora") == ["user", "action", "action"] + ["user", "action"] * 3


async def test_a_tracker_other_than_the_retrieved_one_is_counted_in_the_database(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    await tracker_store.save(conversation("emil"))
    await tracker_store.retrieve("emil")
    other = await PrivacySQLTrackerStore(domain=DOMAIN, db=str(tmp_path / "nested" / "tracker.db")).retrieve(
        "emil"
    )
    other.update(ActionExecuted("action_listen"))
    await tracker_store.save(other)
    assert stored_types(tracker_store, "emil") == ["user", "action", "action"]


def two_sessions(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for start, question in ((1000.0, "Was ist Leaky Gut?"), (5000.0, "Kann man das heilen?")):
        tracker.update(ActionExecuted("action_session_start", timestamp=start))
        tracker.update(SessionStarted(timestamp=start))
        tracker.update(ActionExecuted("action_listen", timestamp=start + 1))
        tracker.update(UserUttered(question, {"name": "diagnosis", "confidence": 0.9}, timestamp=start + 2))
        tracker.update(ActionExecuted("utter_diagnosis", timestamp=start + 3))
    return tracker


def stored_rows(tracker_store: SQLTrackerStore) -> list:
    with tracker_store.session_scope() as session:
        rows = session.query(tracker_store.SQLEvent).order_by(tracker_store.SQLEvent.id)
        return [(r.sender_id, r.type_name, r.timestamp, r.intent_name, r.action_name, r.data) for r in rows]


async def test_stores_the_same_rows_as_rasas_own_sql_store(tmp_path: Path) -> None:
    ours = store(tmp_path)
    rasas = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    for tracker_store in (ours, rasas):
        await tracker_store.save(two_sessions("fritz"))
    assert stored_rows(ours) == stored_rows(rasas)
    assert len(stored_rows(ours)) == 10


async def test_retrieves_the_latest_session_or_all_as_rasas_own_sql_store(tmp_path: Path) -> None:
    ours = store(tmp_path)
    await ours.save(two_sessions("greta"))
    rasas = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "nested" / "tracker.db"))
    latest, full = await ours.retrieve("greta"), await ours.retrieve_full_tracker("greta")
    assert [e.as_dict() for e in latest.events] == [
        e.as_dict() for e in (await rasas.retrieve("greta")).events
    ]
    assert [e.as_dict() for e in full.events] == [
        e.as_dict() for e in (await rasas.retrieve_full_tracker("greta")).events
    ]
    assert len(latest.events) == 5 and latest.latest_message.text == "Kann man das heilen?"
    assert len(full.events) == 10
    assert await ours.retrieve("nobody") is None


def data_reads(tracker_store: PrivacySQLTrackerStore) -> list:
    """Records every statement that reads stored event data."""
    seen: list = []
    sa.event.listen(
        tracker_store.engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, *_: seen.append(statement) if "events.data" in statement else None,
    )
    return seen


def started_conversation(sender: str, question: str = "Was ist Leaky Gut?") -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(question, {"name": "what_is_leaky_gut", "confidence": 0.9}),
        ActionExecuted("utter_what_is_leaky_gut"),
        ActionExecuted("action_listen"),
    ]:
        tracker.update(event)
    return tracker


async def test_the_saved_tracker_is_handed_to_the_next_message_without_reading_it_back(
    tmp_path: Path,
) -> None:
    tracker_store = store(tmp_path)
    tracker = started_conversation("hanna")
    await tracker_store.save(tracker)
    reads = data_reads(tracker_store)
    assert await tracker_store.retrieve("hanna") is tracker
    assert reads == []
    from_database = await store(tmp_path).retrieve("hanna")
    assert [e.as_dict() for e in from_database.applied_events()] == [
        e.as_dict() for e in tracker.applied_events()
    ]
    assert await tracker_store.retrieve("hanna") is not tracker, (
        "handed out once; then read from the database"
    )
    assert len(reads) == 1


async def test_a_kept_tracker_is_not_used_once_another_server_stored_events(tmp_path: Path) -> None:
    tracker_store, other_server = store(tmp_path), store(tmp_path)
    await tracker_store.save(started_conversation("ida"))
    elsewhere = await other_server.retrieve("ida")
    elsewhere.update(UserUttered("Und Stress?", {"name": "causes", "confidence": 0.9}))
    await other_server.save(elsewhere)
    retrieved = await tracker_store.retrieve("ida")
    assert retrieved.latest_message.text == "Und Stress?"


async def test_a_kept_tracker_is_not_used_after_erasure_elsewhere(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    await tracker_store.save(started_conversation("jonas"))
    await store(tmp_path).delete("jonas")  # e.g. `make erase` in another process
    assert await tracker_store.retrieve("jonas") is None


def newest_event_id(tracker_store: PrivacySQLTrackerStore, sender: str) -> int:
    with tracker_store.session_scope() as session:
        return (
            session.query(sa.func.max(tracker_store.SQLEvent.id))
            .filter(tracker_store.SQLEvent.sender_id == sender)
            .scalar()
        )


async def test_a_kept_tracker_is_not_used_after_erasure_and_new_events_under_the_same_ids(
    tmp_path: Path,
) -> None:
    # Two Rasa processes on one SQLite file (as in `make bench`): SQLite gives a new row the highest id in
    # use plus one, so after an erasure of the newest rows the new events get the erased ones' ids.
    tracker_store, other_server = store(tmp_path), store(tmp_path)
    await tracker_store.save(started_conversation("lena"))
    kept_newest_id = newest_event_id(tracker_store, "lena")
    erasing = await other_server.retrieve("lena")
    erasing.update(SlotSet(ERASED_SLOT, True))
    await other_server.save(erasing)  # "Daten löschen", confirmed, answered by the other process
    await other_server.save(started_conversation("lena", "Kann man das heilen?"))
    assert newest_event_id(tracker_store, "lena") == kept_newest_id, "the erased ids were reused"
    retrieved = await tracker_store.retrieve("lena")
    assert retrieved.latest_message.text == "Kann man das heilen?"
    from_database = await store(tmp_path).retrieve("lena")
    assert [e.as_dict() for e in retrieved.events] == [e.as_dict() for e in from_database.events]


async def test_a_kept_tracker_is_not_used_after_a_delete_and_new_events_by_any_writer(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    await tracker_store.save(started_conversation("moritz"))
    kept_newest_id = newest_event_id(tracker_store, "moritz")
    rasas_own = SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "nested" / "tracker.db"))
    with rasas_own.session_scope() as session:  # e.g. the privacy tool's erasure, in another process
        session.query(rasas_own.SQLEvent).filter(rasas_own.SQLEvent.sender_id == "moritz").delete()
        session.commit()
    await rasas_own.save(started_conversation("moritz", "Hilft eine Diät?"))
    assert newest_event_id(tracker_store, "moritz") == kept_newest_id, "the erased ids were reused"
    assert (await tracker_store.retrieve("moritz")).latest_message.text == "Hilft eine Diät?"


async def test_the_kept_tracker_is_still_used_when_nothing_changed_in_between(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    tracker = started_conversation("nina")
    await tracker_store.save(tracker)
    await store(tmp_path).save(started_conversation("otto"))  # another conversation's events in between
    assert await tracker_store.retrieve("nina") is tracker


async def test_trackers_with_contact_data_are_always_read_back_masked(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    tracker = started_conversation("karl")
    tracker.update(UserUttered("Meine Nummer: 0171 2345678", {"name": "human_handoff", "confidence": 0.9}))
    await tracker_store.save(tracker)
    retrieved = await tracker_store.retrieve("karl")
    assert retrieved is not tracker
    assert retrieved.latest_message.text == "Meine Nummer: [Telefonnummer entfernt]"


async def test_without_the_tracker_cache_speedup_every_message_reads_a_plain_tracker(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("RASA_SPEEDUPS", "-tracker-cache")
    tracker_store = store(tmp_path)
    tracker = started_conversation("alice")
    await tracker_store.save(tracker)
    retrieved = await tracker_store.retrieve("alice")
    assert retrieved is not tracker and type(retrieved) is DialogueStateTracker
    assert type(tracker_store.init_tracker("bob")) is DialogueStateTracker
    assert [e.as_dict() for e in retrieved.applied_events()] == [
        e.as_dict() for e in tracker.applied_events()
    ]
