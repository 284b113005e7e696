"""Rasa's Redis lock store, with each change of a conversation's ticket lock done atomically in Redis.

Rasa's `RedisLockStore` changes a lock by GET, change in Python, SET. One Rasa process never
interleaves these (they do not await), but several processes do: two messages of one conversation
arriving at two servers at once can both draw the same ticket (both are processed at once, and one
server's tracker save skips the other's events), or one server deletes the lock while the other
waits on it (LockError). `AtomicRedisLockStore` makes each change one Lua script, which Redis runs
atomically in a single round trip (a WATCH/MULTI/EXEC transaction took five, and a tenth of the
server's CPU under load). Issuing a ticket also tells whether it is the only one, so Rasa's first
read of the lock is skipped when the conversation is not busy. The scripts keep Rasa's `TicketLock`
format and rules: tickets are numbered from the last one issued, expired tickets are dropped, the
lock is deleted when no ticket is left.
`install()` puts the class where Rasa looks it up for `lock_store: type: redis` in endpoints.yml.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Dict, Text, Tuple

import rasa.core.lock_store as rasa_lock_store
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

# The lock is JSON {"conversation_id": ..., "tickets": [ticket, ...]} with each ticket itself a JSON
# string {"number": ..., "expires": ...} (TicketLock.dumps). ARGV[2] is the caller's clock, as in Rasa.
_UNEXPIRED_TICKETS = """
local function unexpired_tickets(raw, now, except_number)
  local kept = {}
  if raw then
    for _, encoded in ipairs(cjson.decode(raw)["tickets"] or {}) do
      local ticket = cjson.decode(encoded)
      if ticket["expires"] >= now and ticket["number"] ~= except_number then table.insert(kept, ticket) end
    end
  end
  return kept
end
local function store(key, conversation_id, tickets)
  if #tickets == 0 then redis.call("DEL", key) return end
  local encoded = {}
  for i, ticket in ipairs(tickets) do
    encoded[i] = cjson.encode({number = ticket["number"], expires = ticket["expires"]})
  end
  redis.call("SET", key, cjson.encode({conversation_id = conversation_id, tickets = encoded}))
end
"""

# ARGV: conversation id, now, lifetime. Returns the new ticket's number and the number now served.
ISSUE_TICKET = _UNEXPIRED_TICKETS + """
local now = tonumber(ARGV[2])
local tickets = unexpired_tickets(redis.call("GET", KEYS[1]), now, nil)
local number = 0
if #tickets > 0 then number = tickets[#tickets]["number"] + 1 end
table.insert(tickets, {number = number, expires = now + tonumber(ARGV[3])})
store(KEYS[1], ARGV[1], tickets)
return {number, tickets[1]["number"]}
"""

# ARGV: conversation id, now, ticket number to remove (-1: none, only drop expired tickets).
REMOVE_TICKETS = _UNEXPIRED_TICKETS + """
local raw = redis.call("GET", KEYS[1])
if not raw then return 0 end
store(KEYS[1], ARGV[1], unexpired_tickets(raw, tonumber(ARGV[2]), tonumber(ARGV[3])))
return 1
"""


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._issue_ticket = self.red.register_script(ISSUE_TICKET)
        self._remove_tickets = self.red.register_script(REMOVE_TICKETS)
        # (conversation id, ticket) -> the ticket, for tickets that were the only one when issued
        self._served_at_once: Dict[Tuple[Text, int], Ticket] = {}

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        now = time.time()
        try:
            number, now_serving = self._issue_ticket(keys=[self.key_prefix + conversation_id],
                                                     args=[conversation_id, now, lock_lifetime])
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        if number == now_serving:  # the only ticket: the lock is ours, no need to read it back
            self._served_at_once[(conversation_id, int(number))] = Ticket(int(number), now + lock_lifetime)
        return int(number)

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        served = self._served_at_once.pop((conversation_id, ticket), None)
        if served is not None:
            return TicketLock(conversation_id, deque([served]))
        return await super()._acquire_lock(conversation_id, ticket, wait_time_in_seconds)

    def update_lock(self, conversation_id: Text) -> None:
        self._remove(conversation_id, ticket_number=-1)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._remove(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self._remove(conversation_id, ticket_number)

    def _remove(self, conversation_id: Text, ticket_number: int) -> None:
        self._remove_tickets(keys=[self.key_prefix + conversation_id], args=[conversation_id, time.time(), ticket_number])


def install() -> None:
    rasa_lock_store.RedisLockStore = AtomicRedisLockStore  # type: ignore[misc]
