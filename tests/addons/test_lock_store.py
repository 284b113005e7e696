"""Ticket locks drawn by several processes at once, against a real Redis server."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List

import pytest

from addons.lock_store import AtomicRedisLockStore
from tests.e2e.servers import private_redis

DRAWS_PER_SERVER = 200


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    with private_redis() as port:
        yield port


def _draw_tickets(store: AtomicRedisLockStore, conversation: str) -> List[int]:
    return [store.issue_ticket(conversation) for _ in range(DRAWS_PER_SERVER)]


def test_two_servers_drawing_at_once_never_get_the_same_ticket(redis_port: int) -> None:
    servers = [AtomicRedisLockStore(port=redis_port) for _ in range(2)]  # each with its own connections
    with ThreadPoolExecutor(max_workers=2) as pool:
        drawn = list(pool.map(lambda store: _draw_tickets(store, "same-conversation"), servers))
    tickets = drawn[0] + drawn[1]
    assert sorted(tickets) == list(range(2 * DRAWS_PER_SERVER))  # Rasa's own store: ~250 distinct of 400


def test_the_lock_is_kept_while_someone_waits_and_removed_after_the_last(redis_port: int) -> None:
    first, second = AtomicRedisLockStore(port=redis_port), AtomicRedisLockStore(port=redis_port)
    mine, theirs = first.issue_ticket("waiting"), second.issue_ticket("waiting")
    first.cleanup("waiting", mine)
    lock = second.get_lock("waiting")
    assert lock is not None and not lock.is_locked(theirs)
    second.cleanup("waiting", theirs)
    assert second.get_lock("waiting") is None


def test_the_stored_lock_is_rasas_ticket_lock_format_and_expired_tickets_are_dropped(redis_port: int) -> None:
    store = AtomicRedisLockStore(port=redis_port)
    expired = store.issue_ticket("expiring", lock_lifetime=0.05)
    current = store.issue_ticket("expiring", lock_lifetime=60)
    lock = store.get_lock("expiring")  # Rasa's own TicketLock.from_dict
    assert [ticket.number for ticket in lock.tickets] == [expired, current] == [0, 1]
    assert lock.is_locked(current)
    time.sleep(0.1)
    assert not store.get_lock("expiring").is_locked(current), "the expired ticket no longer blocks"
    store.update_lock("expiring")
    assert [ticket.number for ticket in store.get_lock("expiring").tickets] == [current]
    assert store.issue_ticket("expiring") == current + 1
    store.cleanup("expiring", current)
    store.cleanup("expiring", current + 1)
    assert store.get_lock("expiring") is None
    store.cleanup("expiring", 7)  # nothing left: no error


async def test_a_ticket_is_served_at_once_when_alone_and_waits_behind_another(redis_port: int) -> None:
    store = AtomicRedisLockStore(port=redis_port)
    async with store.lock("alone") as lock:
        assert [ticket.number for ticket in lock.tickets] == [0]
        assert [ticket.number for ticket in store.get_lock("alone").tickets] == [0]
    assert store.get_lock("alone") is None

    first = store.issue_ticket("busy")
    second = store.issue_ticket("busy")
    waiting = asyncio.ensure_future(store._acquire_lock("busy", second, wait_time_in_seconds=0.05))
    await asyncio.sleep(0.2)
    assert not waiting.done(), "the second ticket waits while the first is served"
    store.cleanup("busy", first)
    assert not (await asyncio.wait_for(waiting, 2)).is_locked(second)
    store.cleanup("busy", second)
