"""Store failures are recognised and logged without the conversation's content; a conversation that stays
busy (lock contention) is not mistaken for one."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable, Iterator

import aiohttp
import pytest
import redis.exceptions
import sqlalchemy.exc
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.shared.core.domain import Domain
from sanic import Sanic

from addons.lock_store import RenewingRedisLockStore
from addons.state_cache import StateCachingTracker
from addons.storage_guard import (
    StrictTrackerStore,
    _error_summary,
    failed_store_name,
    guard_storage,
    is_lock_contention,
)
from addons.tracker_store import PrivacySQLTrackerStore
from channels.rest import PatientRestInput
from tests.e2e.servers import free_port, private_redis

# Short enough for a test, long enough that a waiting message polls the lock several times first.
SHORT_LOCK_LIFETIME = 0.3
POLL_SECONDS = 0.02
SHORT_TICKET_LIFETIME = 0.1  # RenewingRedisLockStore's tickets: renewed within the lock lifetime


class _DriverError(Exception):
    pass


def _insert_failure() -> sqlalchemy.exc.OperationalError:
    # SQLAlchemy's message carries the statement's parameters: here a patient's message.
    return sqlalchemy.exc.OperationalError(
        "INSERT INTO events ...",
        {"data": "Ich habe Blut im Stuhl"},
        _DriverError("server closed the connection unexpectedly"),
    )


def _lock_error_raised_while_handling(error: Exception) -> LockError:
    try:
        try:
            raise error
        except Exception:
            raise LockError("Error while acquiring lock.")  # as Rasa's LockStore.issue_ticket: no `from`
    except LockError as lock_error:
        return lock_error


def test_store_errors_are_told_apart_from_contention_and_other_errors() -> None:
    refused = redis.exceptions.ConnectionError("refused")
    assert failed_store_name(_lock_error_raised_while_handling(refused)) == "lock store"
    assert failed_store_name(refused) == "lock store"
    assert failed_store_name(_insert_failure()) == "tracker store"
    assert failed_store_name(ValueError("bug")) is None
    bare = LockError("Could not acquire lock for conversation_id 'x'.")  # as Rasa's LockStore._acquire_lock
    assert is_lock_contention(bare) and failed_store_name(bare) is None
    assert not is_lock_contention(_lock_error_raised_while_handling(refused))
    assert not is_lock_contention(refused)


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
    store = StrictTrackerStore(
        PrivacySQLTrackerStore(domain=Domain.load("domain.yml"), db=str(tmp_path / "t.db"))
    )
    created = await store.get_or_create_tracker("lena")
    assert isinstance(created, StateCachingTracker)
    await store.save(created)
    assert await store.get_or_create_tracker("lena") is created


def redis_that_refuses_connections() -> int:
    return free_port()  # nothing listens there: each connection attempt is refused at once


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    with private_redis() as port:
        yield port


def rasas_message_handling(lock_store: LockStore) -> Callable[[UserMessage], Awaitable[None]]:
    """Agent.handle_message's locking, with a lock lifetime short enough for a test."""

    async def handle_message(message: UserMessage) -> None:
        async with lock_store.lock(message.sender_id, SHORT_LOCK_LIFETIME, wait_time_in_seconds=POLL_SECONDS):
            await message.output_channel.send_text_message(message.sender_id, "Antwort")

    return handle_message


@dataclass
class RestChannel:
    url: str
    handle_message: Callable[[UserMessage], Awaitable[None]]

    async def on_new_message(self, message: UserMessage) -> None:
        await self.handle_message(message)


@pytest.fixture(scope="module")
async def rest_channel() -> AsyncIterator[RestChannel]:
    """The project's REST channel on a real Sanic server in this event loop; each test sets what handles
    its messages. One app for all: Sanic rewrites its own request handling at the first app's startup
    (touchup), and a second app's startup in the same process fails on the rewritten code."""
    app = Sanic(f"storage-guard-{uuid.uuid4().hex}")
    port = free_port()
    channel = RestChannel(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook", rasas_message_handling(InMemoryLockStore())
    )
    app.blueprint(PatientRestInput().blueprint(channel.on_new_message), url_prefix="/webhooks/rest")
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )  # already listening, as Sanic's docs show
    await server.startup()
    await server.start_serving()
    yield channel
    await server.close()


async def post(url: str, sender: str, message: str) -> tuple:
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"sender": sender, "message": message}) as response:
            return response.status, await response.json(), response.headers.get("Retry-After")


@pytest.mark.parametrize("lock_store_kind", ["in_memory", "redis"])
async def test_a_message_waits_while_its_conversation_is_busy_and_then_gets_a_409_not_a_503(
    lock_store_kind: str, rest_channel: RestChannel, request, caplog
) -> None:
    lock_store = (
        InMemoryLockStore()
        if lock_store_kind == "in_memory"
        else RenewingRedisLockStore(
            port=request.getfixturevalue("redis_port"), ticket_lifetime=SHORT_TICKET_LIFETIME
        )
    )
    rest_channel.handle_message, url = rasas_message_handling(lock_store), rest_channel.url
    assert (await post(url, "lena", "Hallo"))[0] == 200, "not busy: answered"
    with caplog.at_level(logging.INFO):
        async with lock_store.lock("lena"):  # an earlier message of Lena's, still being answered
            waiting = asyncio.ensure_future(post(url, "lena", "Ich habe Blut im Stuhl"))
            await asyncio.sleep(2 * SHORT_LOCK_LIFETIME)
            assert not waiting.done(), "the message waits for the lock (Rasa's own behaviour)"
            assert (await post(url, "max", "Hallo"))[0] == 200, "other conversations go on meanwhile"
        status, body, retry_after = await asyncio.wait_for(waiting, 10)
    assert status == 409, body
    assert "earlier message" in body["reason"] and retry_after
    assert "unavailable" not in caplog.text and "Blut" not in caplog.text and "lena" not in caplog.text
    assert "busy" in caplog.text


async def test_an_earlier_message_that_finishes_in_time_lets_the_waiting_one_through(
    rest_channel: RestChannel, redis_port: int
) -> None:
    lock_store = RenewingRedisLockStore(port=redis_port, ticket_lifetime=SHORT_TICKET_LIFETIME)
    rest_channel.handle_message = rasas_message_handling(lock_store)
    async with lock_store.lock("mia"):
        waiting = asyncio.ensure_future(post(rest_channel.url, "mia", "Hallo"))
        await asyncio.sleep(SHORT_LOCK_LIFETIME / 3)
    status, body, _ = await asyncio.wait_for(waiting, 10)
    assert status == 200 and body == [{"recipient_id": "mia", "text": "Antwort"}]


@pytest.mark.parametrize(
    "lock_store_class", [RenewingRedisLockStore, RedisLockStore], ids=["ours", "rasas"]
)  # ours chains the error with `from`, Rasa's implicitly
async def test_an_unreachable_lock_store_gets_a_503_with_a_reason(
    lock_store_class, rest_channel: RestChannel, caplog
) -> None:
    lock_store = lock_store_class(port=redis_that_refuses_connections(), socket_timeout=1)
    rest_channel.handle_message = rasas_message_handling(lock_store)
    with caplog.at_level(logging.INFO):
        status, body, retry_after = await post(rest_channel.url, "nora", "Ich habe Blut im Stuhl")
    assert status == 503 and "unavailable" in body["reason"] and retry_after
    assert "The lock store is unavailable" in caplog.text and "Blut" not in caplog.text
