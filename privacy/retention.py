"""Deletes conversations whose last activity is older than the retention period (privacy.retention_days)."""

from __future__ import annotations

import time
from typing import List, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

SECONDS_PER_DAY = 24 * 60 * 60
BATCH_SIZE = 500  # keeps each IN (...) list below the databases' parameter limits


def retention_cutoff(retention_days: int, now: Optional[float] = None) -> float:
    if retention_days <= 0:
        raise ValueError("retention_days must be a positive number of days")
    return (time.time() if now is None else now) - retention_days * SECONDS_PER_DAY


def expired_senders(store: SQLTrackerStore, cutoff: float) -> List[str]:
    """Senders whose newest stored event is older than `cutoff` (a Unix timestamp)."""
    event = store.SQLEvent
    with store.session_scope() as session:
        rows = (
            session.query(event.sender_id)
            .group_by(event.sender_id)
            .having(sa.func.max(event.timestamp) < cutoff)
        )
        return [sender_id for (sender_id,) in rows.all()]


def purge_expired(store: SQLTrackerStore, retention_days: int, now: Optional[float] = None) -> int:
    """Deletes every event of each expired conversation; returns how many conversations were removed."""
    cutoff = retention_cutoff(retention_days, now)
    senders = expired_senders(store, cutoff)
    event = store.SQLEvent
    # A patient who writes again between the query and the delete keeps the conversation.
    active_since_cutoff = sa.select(event.sender_id).where(event.timestamp >= cutoff)
    with store.session_scope() as session:
        for start in range(0, len(senders), BATCH_SIZE):
            batch = senders[start : start + BATCH_SIZE]
            session.query(event).filter(
                event.sender_id.in_(batch), event.sender_id.not_in(active_since_cutoff)
            ).delete(synchronize_session=False)
        session.commit()
    return len(senders)
