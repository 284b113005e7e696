"""Retention: conversations whose last activity is older than the configured days are deleted."""

from privacy.retention import purge_expired
from tests.privacy.conftest import DAY, conversation_events, save_conversation


async def test_purges_only_conversations_inactive_for_longer_than_the_retention(tracker_store, now) -> None:
    await save_conversation(tracker_store, "old", conversation_events(now - 45 * DAY))
    await save_conversation(tracker_store, "recent", conversation_events(now - 2 * DAY))
    # Started long ago but active yesterday: "older than" means the last activity.
    await save_conversation(
        tracker_store,
        "long-running",
        [
            *conversation_events(now - 60 * DAY),
            *conversation_events(now - 1 * DAY, "Und die Ursachen?"),
        ],
    )
    await save_conversation(tracker_store, "just-expired", conversation_events(now - 30 * DAY - 10))

    assert purge_expired(tracker_store, retention_days=30, now=now) == 2
    assert set(await tracker_store.keys()) == {"recent", "long-running"}
    long_running = await tracker_store.retrieve_full_tracker("long-running")
    assert len(long_running.events) == 14, "no event of a kept conversation is touched"


async def test_is_idempotent(tracker_store, now) -> None:
    await save_conversation(tracker_store, "old", conversation_events(now - 45 * DAY))
    assert purge_expired(tracker_store, retention_days=30, now=now) == 1
    assert purge_expired(tracker_store, retention_days=30, now=now) == 0
    assert list(await tracker_store.keys()) == []


async def test_honours_the_configured_number_of_days(tracker_store, now) -> None:
    await save_conversation(tracker_store, "ten-days", conversation_events(now - 10 * DAY))
    assert purge_expired(tracker_store, retention_days=30, now=now) == 0
    assert purge_expired(tracker_store, retention_days=7, now=now) == 1
