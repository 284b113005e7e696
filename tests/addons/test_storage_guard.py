"""Store failures are recognised and logged without the conversation's content."""

import logging

import pytest
import redis.exceptions
import sqlalchemy.exc
from rasa.core.lock_store import LockError

from rasa.shared.core.domain import Domain

from addons.state_cache import StateCachingTracker
from addons.storage_guard import StrictTrackerStore, _error_summary, failed_store_name, guard_storage
from addons.tracker_store import PrivacySQLTrackerStore


class _DriverError(Exception):
    pass


def _insert_failure() -> sqlalchemy.exc.OperationalError:
    # SQLAlchemy's message carries the statement's parameters: here a patient's message.
    return sqlalchemy.exc.OperationalError("INSERT INTO events ...", {"data": "Ich habe Blut im Stuhl"},
                                           _DriverError("server closed the connection unexpectedly"))


def test_store_errors_are_told_apart_from_other_errors() -> None:
    assert failed_store_name(LockError("no lock")) == "lock store"
    assert failed_store_name(redis.exceptions.ConnectionError("refused")) == "lock store"
    assert failed_store_name(_insert_failure()) == "tracker store"
    assert failed_store_name(ValueError("bug")) is None


def test_the_summary_names_the_driver_error_but_not_the_parameters() -> None:
    summary = _error_summary(_insert_failure())
    assert "server closed the connection" in summary
    assert "Blut" not in summary


async def test_the_guard_logs_a_store_failure_without_text_and_passes_other_errors_on(caplog) -> None:
    async def failing_store(_message) -> None:
        raise _insert_failure()

    async def bug(_message) -> None:
        raise ValueError("bug")

    with caplog.at_level(logging.ERROR):
        assert await guard_storage(failing_store)(object()) is None
    assert "The tracker store is unavailable" in caplog.text and "Blut" not in caplog.text
    with pytest.raises(ValueError):
        await guard_storage(bug)(object())


async def test_new_and_kept_conversations_get_the_stores_tracker_class(tmp_path) -> None:
    store = StrictTrackerStore(PrivacySQLTrackerStore(domain=Domain.load("domain.yml"), db=str(tmp_path / "t.db")))
    created = await store.get_or_create_tracker("lena")
    assert isinstance(created, StateCachingTracker)
    await store.save(created)
    assert await store.get_or_create_tracker("lena") is created
