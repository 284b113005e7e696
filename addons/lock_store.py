"""Rasa's Redis lock store, with each change of a conversation's ticket lock done atomically.

Rasa's `RedisLockStore` changes a lock by GET, change in Python, SET. One Rasa process never
interleaves these (they do not await), but several processes do: two messages of one conversation
arriving at two servers at once can both draw the same ticket (both are processed at once, and one
server's tracker save skips the other's events), or one server deletes the lock while the other
waits on it (LockError). `AtomicRedisLockStore` runs each read-change-write in a Redis transaction
(WATCH/MULTI/EXEC, retried by redis-py when another process changed the lock in between).
`install()` puts it where Rasa looks up the class for `lock_store: type: redis` in endpoints.yml.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Text

import rasa.core.lock_store as rasa_lock_store
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

# Returns the lock to store (None: delete it) and sets what the caller gets back in `result`.
LockChange = Callable[[Optional[TicketLock], dict], Optional[TicketLock]]


class AtomicRedisLockStore(RedisLockStore):
    def _change_atomically(self, conversation_id: Text, change: LockChange) -> Any:
        key = self.key_prefix + conversation_id
        result: dict = {}

        def transaction(pipe: Any) -> None:
            serialised = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(serialised)) if serialised else None
            changed = change(lock, result)
            pipe.multi()
            if changed is None:
                pipe.delete(key)
            else:
                pipe.set(key, changed.dumps())

        self.red.transaction(transaction, key)
        return result.get("value")

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def draw(lock: Optional[TicketLock], result: dict) -> TicketLock:
            lock = lock or self.create_lock(conversation_id)
            result["value"] = lock.issue_ticket(lock_lifetime)
            return lock

        try:
            return int(self._change_atomically(conversation_id, draw))
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock], _result: dict) -> Optional[TicketLock]:
            if lock:
                lock.remove_expired_tickets()
            return lock

        self._change_atomically(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        def release(lock: Optional[TicketLock], _result: dict) -> Optional[TicketLock]:
            if lock is None:
                return None
            lock.remove_ticket_for(ticket_number)
            return lock if lock.is_someone_waiting() else None

        self._change_atomically(conversation_id, release)


def install() -> None:
    rasa_lock_store.RedisLockStore = AtomicRedisLockStore  # type: ignore[misc]
