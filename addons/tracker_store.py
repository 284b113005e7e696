"""Rasa's SQL tracker store (SQLite by default, PostgreSQL in production) with real erasure.

When the slot `conversation_erased` is set (by action_delete_conversation, after the patient
confirmed), the store deletes every stored event of that sender instead of saving the tracker.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

ERASED_SLOT = "conversation_erased"


class PrivacySQLTrackerStore(SQLTrackerStore):
    def __init__(self, dialect: Text = "sqlite", db: Text = "var/tracker.db", **kwargs: Any) -> None:
        if dialect == "sqlite":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(dialect=dialect, db=db, **kwargs)
        if dialect == "sqlite":
            sa.event.listen(self.engine, "connect", _tune_sqlite)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(ERASED_SLOT):
            removed = await self.delete(tracker.sender_id)
            logger.info("Erased a conversation on request (%d events).", removed)
            return
        await super().save(tracker)

    async def delete(self, sender_id: Text) -> int:
        """Deletes every event of this sender, from all sessions; returns how many were removed."""
        with self.session_scope() as session:
            removed = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return int(removed)


def _tune_sqlite(connection: Any, _record: Optional[Any]) -> None:
    # WAL lets the purge and report commands read while the server writes; NORMAL sync is safe with WAL.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
