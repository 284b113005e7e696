"""Ticket locks drawn by several processes at once and renewed while their message runs, on a real Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import redis
from rasa.core.lock_store import LockStore
from rasa.core.utils import read_endpoints_from_path

from addons.endpoints_env import set_endpoint_defaults
from addons.lock_store import AtomicRedisLockStore, RenewingRedisLockStore
from tests.e2e.servers import private_redis

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DRAWS_PER_SERVER = 200
# Short tickets keep these tests quick; production's lifetime is longer, the mechanism the same.
TICKET_LIFETIME = 0.5
POLL = 0.05  # how often a waiting message looks at the lock again (Rasa's wait_time_in_seconds)


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
    assert len(set(tickets)) == 2 * DRAWS_PER_SERVER  # Rasa's own store: ~250 distinct of 400
    assert [ticket.number for ticket in servers[0].get_lock("same-conversation").tickets] == sorted(tickets)


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
    assert [ticket.number for ticket in lock.tickets] == [expired, current]
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


def test_a_ticket_number_is_never_issued_twice_even_after_its_lock_was_deleted(redis_port: int) -> None:
    # With short tickets, a stalled server's expired ticket must not share its number with a newer one.
    store = AtomicRedisLockStore(port=redis_port)
    first = store.issue_ticket("reused")
    store.cleanup("reused", first)
    assert store.get_lock("reused") is None
    second = store.issue_ticket("reused")
    assert second != first
    store.cleanup("reused", first)  # the old number removes nothing
    assert [ticket.number for ticket in store.get_lock("reused").tickets] == [second]
    store.cleanup("reused", second)


def test_redis_deletes_the_lock_key_when_its_last_ticket_expires(redis_port: int) -> None:
    store = AtomicRedisLockStore(port=redis_port)
    store.issue_ticket("abandoned", lock_lifetime=0.3)
    assert 0 < store.red.pttl(store.key_prefix + "abandoned") <= 300
    time.sleep(0.4)
    assert not store.red.exists(store.key_prefix + "abandoned")


async def test_a_ticket_is_served_at_once_when_alone_and_waits_behind_another(redis_port: int) -> None:
    store = AtomicRedisLockStore(port=redis_port)
    async with store.lock("alone") as lock:
        [ticket] = [ticket.number for ticket in lock.tickets]
        assert [ticket.number for ticket in store.get_lock("alone").tickets] == [ticket]
    assert store.get_lock("alone") is None

    first = store.issue_ticket("busy")
    second = store.issue_ticket("busy")
    waiting = asyncio.ensure_future(store._acquire_lock("busy", second, wait_time_in_seconds=POLL))
    await asyncio.sleep(0.2)
    assert not waiting.done(), "the second ticket waits while the first is served"
    store.cleanup("busy", first)
    assert not (await asyncio.wait_for(waiting, 2)).is_locked(second)
    store.cleanup("busy", second)


async def _enter_and_note_when(store: RenewingRedisLockStore, conversation: str) -> float:
    async with store.lock(conversation, wait_time_in_seconds=POLL):
        return time.monotonic()


def _two_servers(redis_port: int) -> Tuple[RenewingRedisLockStore, RenewingRedisLockStore]:
    return (
        RenewingRedisLockStore(port=redis_port, ticket_lifetime=TICKET_LIFETIME),
        RenewingRedisLockStore(port=redis_port, ticket_lifetime=TICKET_LIFETIME),
    )


async def test_a_message_running_longer_than_the_ticket_lifetime_keeps_its_lock(redis_port: int) -> None:
    first, second = _two_servers(redis_port)
    async with first.lock("long-turn", wait_time_in_seconds=POLL):
        other_server = asyncio.ensure_future(_enter_and_note_when(second, "long-turn"))
        await asyncio.sleep(4 * TICKET_LIFETIME)  # the message runs on, its ticket is renewed meanwhile
        assert not other_server.done(), "the other server's message got in while this one was running"
        [holder, waiter] = first.get_lock("long-turn").tickets
        assert holder.expires > time.time(), "the running message's ticket must not expire"
        left = time.monotonic()
    entered = await asyncio.wait_for(other_server, 2)
    assert entered - left < 10 * POLL, "the waiting message gets in as soon as the first one is done"
    assert first.get_lock("long-turn") is None


async def test_a_message_holds_its_lock_no_longer_than_rasas_lock_lifetime(redis_port: int) -> None:
    first, second = _two_servers(redis_port)
    started = time.monotonic()
    async with first.lock("hanging", lock_lifetime=3 * TICKET_LIFETIME, wait_time_in_seconds=POLL):
        entered = await asyncio.wait_for(_enter_and_note_when(second, "hanging"), 10)
    assert 3 * TICKET_LIFETIME <= entered - started < 3 * TICKET_LIFETIME + 1


HOLDER = """
import asyncio, sys
from addons.lock_store import RenewingRedisLockStore

async def hold() -> None:
    store = RenewingRedisLockStore(port=int(sys.argv[1]), ticket_lifetime=float(sys.argv[2]))
    async with store.lock("crashing-server"):
        print("held", flush=True)
        await asyncio.sleep(3600)

asyncio.run(hold())
"""


async def test_a_killed_servers_lock_expires_within_the_ticket_lifetime(redis_port: int) -> None:
    lifetime = 1.0  # a separate process: a lifetime well above its start-up jitter
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(redis_port), str(lifetime)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        survivor = RenewingRedisLockStore(port=redis_port, ticket_lifetime=lifetime)
        waiting = asyncio.ensure_future(_enter_and_note_when(survivor, "crashing-server"))
        await asyncio.sleep(2.5 * lifetime)
        assert not waiting.done(), "the live holder renews its ticket across processes"
        os.kill(holder.pid, signal.SIGKILL)  # a crash: no cleanup
        killed, killed_at = time.monotonic(), time.time()
        [dead_ticket, _waiting_ticket] = survivor.get_lock("crashing-server").tickets
        assert dead_ticket.expires <= killed_at + lifetime, (
            "a dead server's ticket lives one lifetime at most"
        )
        entered = await asyncio.wait_for(waiting, 10)
        assert entered - killed < lifetime + 0.5, "the survivor takes over once the dead ticket has expired"
    finally:
        holder.kill()
        holder.wait(10)
    assert not redis.Redis(port=redis_port).exists(survivor.key_prefix + "crashing-server")


def test_endpoints_yml_with_lock_store_redis_makes_rasa_build_the_renewing_store(
    redis_port: int, monkeypatch
) -> None:
    environ = {
        "LOCK_STORE": "redis",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_port),
        "REDIS_DB": "3",
    }
    set_endpoint_defaults(environ)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    endpoints = read_endpoints_from_path(PROJECT_ROOT / "endpoints.yml")
    store = LockStore.create(endpoints.lock_store)  # Rasa's own factory
    assert type(store) is RenewingRedisLockStore
    ticket = store.issue_ticket("built-by-rasa")
    assert redis.Redis(port=redis_port, db=3).exists(store.key_prefix + "built-by-rasa")
    store.cleanup("built-by-rasa", ticket)
