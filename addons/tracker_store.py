"""Rasa's SQL tracker store (SQLite by default, PostgreSQL in production) with real erasure.

When the slot `conversation_erased` is set (by action_delete_conversation, after the patient
confirmed), the store deletes every stored event of that sender instead of saving the tracker.

E-mail addresses and phone numbers are masked before anything is written: in the user's text, in
the text inside parse_data, and in bot messages that echo them (the practice's own phone number in
the answers stays readable).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from addons.endpoints_env import ping_on_checkout
from addons.speedup_mode import speedup_enabled
from addons.state_cache import StateCachingTracker
from practice.masking import find_emails, find_phone_numbers, mask_contact_data

logger = logging.getLogger(__name__)

ERASED_SLOT = "conversation_erased"
MAX_REMEMBERED_COUNTS = 10_000
MAX_KEPT_TRACKERS = 256  # recent conversations kept in memory, see _keep


class NewestEvent(NamedTuple):
    """A sender's newest stored event: what a kept tracker is checked against (see _keep)."""

    id: int
    timestamp: Optional[float]


class PrivacySQLTrackerStore(SQLTrackerStore):
    def __init__(self, dialect: Text = "sqlite", db: Text = "var/tracker.db", **kwargs: Any) -> None:
        if dialect == "sqlite":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(dialect=dialect, db=db, **kwargs)
        # sender id -> (id of the tracker last retrieved or saved, its number of stored events);
        # see _unsaved_events
        self._stored_counts: "OrderedDict[Text, Tuple[int, int]]" = OrderedDict()
        self._events: sa.Table = self.SQLEvent.__table__
        self._select_session_events, self._select_all_events = _event_selects(self._events)
        self._count_session_events = sa.select(sa.func.count()).select_from(
            self._select_session_events.subquery()
        )
        self._select_newest_event = _newest_event_select(self._events)
        # sender id -> (the tracker last saved, its newest stored event); see _keep
        self._kept: "OrderedDict[Text, Tuple[DialogueStateTracker, NewestEvent]]" = OrderedDict()
        # The speed-up "tracker-cache" of addons/patches.py: kept trackers and their cached dialogue states.
        self._cache_trackers = speedup_enabled("tracker-cache")
        self._tracker_class = StateCachingTracker if self._cache_trackers else DialogueStateTracker
        if dialect == "sqlite":
            self._use_pooled_sqlite_engine()
        else:  # recover from a database restart without restarting Rasa
            sa.event.listen(self.engine, "checkout", ping_on_checkout)

    def _use_pooled_sqlite_engine(self) -> None:
        # SQLAlchemy 1.4 opens a new SQLite connection (and runs the PRAGMAs) for every session, several
        # times per message; a small pool reuses them. A connection is used by one session at a time.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url,
            poolclass=sa.pool.QueuePool,
            pool_size=2,
            max_overflow=4,
            connect_args={"check_same_thread": False},
        )
        sa.event.listen(self.engine, "connect", _tune_sqlite)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(ERASED_SLOT):
            removed = await self.delete(tracker.sender_id)
            logger.info("Erased a conversation on request (%d events).", removed)
            return
        # Rasa's save and retrieve go through ORM sessions and objects; the same statements in SQLAlchemy
        # Core on a plain connection cost a fraction of the CPU per message (see `make bench`).
        await self.stream_events(tracker)
        echoed = _contact_data_in_user_messages(tracker.events)
        keep = (
            self._cache_trackers
            and not echoed
            and sum(isinstance(event, SessionStarted) for event in tracker.events) <= 1
        )
        with self.engine.begin() as connection:
            rows = [
                _event_row(tracker.sender_id, MaskedEvent(event, echoed))
                for event in self._unsaved_events(connection, tracker)
            ]
            if rows:
                connection.execute(self._events.insert(), rows)
            newest = self._newest_event(connection, tracker.sender_id) if keep else None
        self._remember_stored_count(tracker)
        if newest is not None:
            self._keep(tracker, newest)

    async def delete(self, sender_id: Text) -> int:
        """Deletes every event of this sender, from all sessions; returns how many were removed."""
        with self.session_scope() as session:
            removed = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        self._stored_counts.pop(sender_id, None)
        self._kept.pop(sender_id, None)
        return int(removed)

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        kept = self._kept.pop(sender_id, None)
        self._stored_counts.pop(sender_id, None)
        select = self._select_all_events if fetch_events_from_all_sessions else self._select_session_events
        with self.engine.connect() as connection:
            if kept and not fetch_events_from_all_sessions:
                if self._newest_event(connection, sender_id) == kept[1]:
                    self._remember_stored_count(kept[0])
                    return kept[0]
            rows = connection.execute(select, {"sender_id": sender_id}).scalars().all()
        if not self.domain or not rows:
            return None
        tracker = self._tracker_class.from_dict(
            sender_id, [json.loads(data) for data in rows], self.domain.slots
        )
        if not fetch_events_from_all_sessions:
            self._remember_stored_count(tracker)
        return tracker

    def init_tracker(self, sender_id: Text) -> DialogueStateTracker:
        return self._tracker_class(sender_id, self.domain.slots, max_event_history=self.max_event_history)

    def _keep(self, tracker: DialogueStateTracker, newest: NewestEvent) -> None:
        """Keeps the saved tracker for this sender's next message, instead of reading it back.

        Reading and rebuilding the conversation is a large share of the CPU per message, and the tracker's
        dialogue states (addons/state_cache.py) carry over too. It is handed out only if the newest stored
        event of the sender is still the one saved with it: any other server, a purge or an erasure
        changes that. That event is told by its id and its timestamp: the id alone can come back, as
        SQLite gives a new row the highest id in use plus one, so after an erasure (of the newest rows)
        another process's new events get the erased ones' ids; they are not written at the same instant.
        Only trackers that equal what the database would return are kept: none with contact data (stored
        masked) and none spanning two sessions (the database returns the last). The next retrieve takes
        it out again, so a message whose processing fails leaves nothing behind.
        """
        _put_newest(self._kept, tracker.sender_id, (tracker, newest), MAX_KEPT_TRACKERS)

    def _newest_event(self, connection: Any, sender_id: Text) -> Optional[NewestEvent]:
        row = connection.execute(self._select_newest_event, {"sender_id": sender_id}).first()
        return NewestEvent(row.id, row.timestamp) if row is not None else None

    def _remember_stored_count(self, tracker: DialogueStateTracker) -> None:
        _put_newest(
            self._stored_counts, tracker.sender_id, (id(tracker), len(tracker.events)), MAX_REMEMBERED_COUNTS
        )

    def _unsaved_events(self, connection: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        # Rasa counts the stored events of the session with a query on every save. The tracker being saved
        # is almost always the one just retrieved or saved here (the lock store keeps other writers of this
        # sender out), and then the count is known. Any other tracker object is counted in the database.
        remembered = self._stored_counts.pop(tracker.sender_id, None)
        if remembered is not None and remembered[0] == id(tracker):
            stored = remembered[1]
        else:
            stored = connection.execute(
                self._count_session_events, {"sender_id": tracker.sender_id}
            ).scalar_one()
        return itertools.islice(tracker.events, stored, len(tracker.events))


class MaskedEvent:
    """What SQLTrackerStore.save needs of an event (type_name, as_dict), with contact data masked."""

    def __init__(self, event: Event, echoed_contact_data: List[Text]) -> None:
        self.type_name = event.type_name
        self._event = event
        self._echoed = echoed_contact_data

    def as_dict(self) -> Dict[Text, Any]:
        data = self._event.as_dict()
        if isinstance(self._event, UserUttered):
            # Copies of the two dicts that change: the event's own parse data stays unmasked in memory.
            data = {**data, "text": mask_contact_data(data.get("text"))}
            if isinstance(data.get("parse_data"), dict):
                data["parse_data"] = {
                    **data["parse_data"],
                    "text": mask_contact_data(data["parse_data"].get("text")),
                }
        elif isinstance(self._event, BotUttered) and self._echoed and data.get("text"):
            data["text"] = _mask_echo(data["text"], self._echoed)
        return data


def _put_newest(recent: "OrderedDict[Text, Any]", key: Text, value: Any, limit: int) -> None:
    """Puts `key` last in `recent`, dropping the oldest entry beyond `limit`."""
    recent[key] = value
    recent.move_to_end(key)
    if len(recent) > limit:
        recent.popitem(last=False)


def _event_selects(events: sa.Table) -> Tuple[sa.sql.Select, sa.sql.Select]:
    """The stored event data of one sender: since the latest session start (as Rasa's `_event_query`),
    and all.

    `sender_id` is a bind parameter, so SQLAlchemy compiles each statement once."""
    sender_id = sa.bindparam("sender_id")
    session_start = (
        sa.select(sa.func.max(events.c.timestamp))
        .where(events.c.sender_id == sender_id, events.c.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )
    all_events = sa.select(events.c.data).where(events.c.sender_id == sender_id).order_by(events.c.id)
    since_session_start = all_events.where(
        sa.or_(events.c.timestamp >= session_start, session_start.is_(None))
    )
    return since_session_start, all_events


def _newest_event_select(events: sa.Table) -> sa.sql.Select:
    """Id and timestamp of one sender's newest stored event (by id: the order Rasa reads events in)."""
    newest_id = (
        sa.select(sa.func.max(events.c.id))
        .where(events.c.sender_id == sa.bindparam("sender_id"))
        .correlate(None)  # its own scan of the table, not the outer query's row
        .scalar_subquery()
    )
    return sa.select(events.c.id, events.c.timestamp).where(events.c.id == newest_id)


def _event_row(sender_id: Text, event: Any) -> Dict[Text, Any]:
    """One row of Rasa's events table, filled as SQLTrackerStore.save fills it."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _contact_data_in_user_messages(events: Iterable[Event]) -> List[Text]:
    found: List[Text] = []
    for event in events:
        if isinstance(event, UserUttered) and event.text:
            found += find_emails(event.text) + find_phone_numbers(event.text)
    return found


def _mask_echo(text: Text, contact_data: List[Text]) -> Text:
    for value in contact_data:
        text = text.replace(value, mask_contact_data(value))
    return text


def _tune_sqlite(connection: Any, _record: Optional[Any]) -> None:
    # WAL lets the purge and report commands read while the server writes; NORMAL sync is safe with WAL.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
