"""Rasa's Redis lock store, with atomic ticket changes and short tickets renewed while their message runs.

Rasa's `RedisLockStore` changes a lock by GET, change in Python, SET. One Rasa process never
interleaves these (they do not await), but several processes do: two messages of one conversation
arriving at two servers at once can both draw the same ticket (both are processed at once, and one
server's tracker save skips the other's events), or one server deletes the lock while the other
waits on it (LockError). `AtomicRedisLockStore` makes each change one Lua script, which Redis runs
atomically in a single round trip (a WATCH/MULTI/EXEC transaction takes several, and cost the
server noticeable CPU under load). Issuing a ticket also tells whether it is the only one, so Rasa's first
read of the lock is skipped when the conversation is not busy. The scripts keep Rasa's `TicketLock`
format and rules: expired tickets are dropped, the lock is deleted when no ticket is left.

Rasa gives every ticket its full lock lifetime (60 s) at once. A server that crashes (SIGKILL, OOM)
never removes its tickets, so every other message of those conversations waited a minute.
`RenewingRedisLockStore` issues tickets that live a few seconds and renews them while their message
is waiting or being processed, so a dead server's tickets expire within seconds and the other
servers take over; a live message still holds its ticket for at most Rasa's lock lifetime.

endpoints.yml names `RenewingRedisLockStore` by module path (Rasa's own hook for custom lock stores);
addons/endpoints_env.py puts it there for LOCK_STORE=redis.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, Optional, Text, Tuple

import redis.exceptions
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX, LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# How long an unrenewed ticket lives: how long a crashed server's conversations wait for the other
# servers to take over. Long enough that a live but busy event loop still renews in time.
TICKET_LIFETIME_SECONDS = 5.0
# Renewals per ticket lifetime: a live ticket expires only if this many renewals in a row come too late.
RENEWALS_PER_LIFETIME = 5
# Not a conversation lock key: those are the prefix "lock:" followed by the conversation id.
TICKET_COUNTER_KEY = "lock-tickets-issued"

# The lock is JSON {"conversation_id": ..., "tickets": [ticket, ...]} with each ticket itself a JSON
# string {"number": ..., "expires": ...} (TicketLock.dumps). ARGV[2] is the caller's clock, as in Rasa.
# The key expires with its last ticket: a conversation whose server crashed may never be touched again.
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
local function store(key, conversation_id, tickets, now)
  if #tickets == 0 then redis.call("DEL", key) return end
  local encoded, last_expiry = {}, now
  for i, ticket in ipairs(tickets) do
    encoded[i] = cjson.encode({number = ticket["number"], expires = ticket["expires"]})
    if ticket["expires"] > last_expiry then last_expiry = ticket["expires"] end
  end
  local ttl_ms = math.max(1, math.ceil((last_expiry - now) * 1000))
  redis.call("SET", key, cjson.encode({conversation_id = conversation_id, tickets = encoded}), "PX", ttl_ms)
end
"""

# KEYS: lock, ticket counter. ARGV: conversation id, now, lifetime. Returns the new ticket's number
# and the number now served. Numbers come from one counter and are never reused: with short tickets,
# a server whose ticket expired (a stalled event loop) must not remove or renew a newer message's
# ticket that would otherwise get the same number.
ISSUE_TICKET = (
    _UNEXPIRED_TICKETS
    + """
local now = tonumber(ARGV[2])
local tickets = unexpired_tickets(redis.call("GET", KEYS[1]), now, nil)
local number = redis.call("INCR", KEYS[2])
table.insert(tickets, {number = number, expires = now + tonumber(ARGV[3])})
store(KEYS[1], ARGV[1], tickets, now)
return {number, tickets[1]["number"]}
"""
)

# ARGV: conversation id, now, ticket number to remove (-1: none, only drop expired tickets).
REMOVE_TICKETS = (
    _UNEXPIRED_TICKETS
    + """
local raw = redis.call("GET", KEYS[1])
if not raw then return 0 end
local now = tonumber(ARGV[2])
store(KEYS[1], ARGV[1], unexpired_tickets(raw, now, tonumber(ARGV[3])), now)
return 1
"""
)

# ARGV: conversation id, now, ticket number, new expiry. Returns 1 if the ticket was still there (and
# now expires no earlier than the new expiry), 0 if it had expired or been removed: never brought back.
RENEW_TICKET = (
    _UNEXPIRED_TICKETS
    + """
local now, number, expires = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tickets = unexpired_tickets(redis.call("GET", KEYS[1]), now, nil)
for _, ticket in ipairs(tickets) do
  if ticket["number"] == number then
    if expires > ticket["expires"] then ticket["expires"] = expires end
    store(KEYS[1], ARGV[1], tickets, now)
    return 1
  end
end
return 0
"""
)


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._issue_ticket = self.red.register_script(ISSUE_TICKET)
        self._remove_tickets = self.red.register_script(REMOVE_TICKETS)
        self._renew_ticket = self.red.register_script(RENEW_TICKET)
        # next to the lock keys, under the same (optional) custom prefix
        custom_prefix = self.key_prefix[: -len(DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX)]
        self.ticket_counter_key = custom_prefix + TICKET_COUNTER_KEY
        # (conversation id, ticket) -> the ticket, for tickets that were the only one when issued
        self._served_at_once: Dict[Tuple[Text, int], Ticket] = {}

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        now = time.time()
        try:
            number, now_serving = self._issue_ticket(
                keys=[self.key_prefix + conversation_id, self.ticket_counter_key],
                args=[conversation_id, now, lock_lifetime],
            )
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        if number == now_serving:  # the only ticket: the lock is ours, no need to read it back
            self._served_at_once[(conversation_id, int(number))] = Ticket(int(number), now + lock_lifetime)
        return int(number)

    async def _acquire_lock(
        self, conversation_id: Text, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
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

    def renew_ticket(self, conversation_id: Text, ticket_number: int, expires: float) -> bool:
        """Makes the ticket expire no earlier than `expires`; False if it has already expired or gone."""
        renewed = self._renew_ticket(
            keys=[self.key_prefix + conversation_id],
            args=[conversation_id, time.time(), ticket_number, expires],
        )
        return bool(renewed)

    def _remove(self, conversation_id: Text, ticket_number: int) -> None:
        self._remove_tickets(
            keys=[self.key_prefix + conversation_id], args=[conversation_id, time.time(), ticket_number]
        )


class RenewingRedisLockStore(AtomicRedisLockStore):
    """Tickets that live `ticket_lifetime` seconds, renewed until their message is done.

    Built by Rasa from endpoints.yml (`lock_store: type: addons.lock_store.RenewingRedisLockStore`, with
    Redis's `url` (host), `port`, `db`, `password`, ... as for Rasa's `type: redis`).
    """

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        ticket_lifetime: float = TICKET_LIFETIME_SECONDS,
        **redis_settings: Any,
    ) -> None:
        if endpoint_config is not None:
            redis_settings = {
                "host": endpoint_config.url or "localhost",
                **endpoint_config.kwargs,
                **redis_settings,
            }
        super().__init__(**redis_settings)
        self.ticket_lifetime = ticket_lifetime

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncIterator[TicketLock]:
        """Rasa's lock (wait for this ticket's turn, hold it until the block ends), with renewed tickets.

        `lock_lifetime` stays the longest a message may wait and hold, as in Rasa: after it the ticket
        is no longer renewed, so a message that hangs cannot keep the conversation locked for ever.
        """
        longest_until = time.time() + lock_lifetime
        ticket = self.issue_ticket(conversation_id, min(lock_lifetime, self.ticket_lifetime))
        heartbeat = asyncio.create_task(self._renew_while_running(conversation_id, ticket, longest_until))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            heartbeat.cancel()
            self.cleanup(conversation_id, ticket)

    async def _renew_while_running(self, conversation_id: Text, ticket: int, longest_until: float) -> None:
        while True:
            await asyncio.sleep(self.ticket_lifetime / RENEWALS_PER_LIFETIME)
            now = time.time()
            expires = min(now + self.ticket_lifetime, longest_until)
            if expires <= now:
                return  # Rasa's lock lifetime is over: the ticket expires as it would in Rasa
            try:
                if not self.renew_ticket(conversation_id, ticket, expires):
                    # Another server may now process this conversation at the same time. (No conversation
                    # id in the log: the channel may let the patient choose it.)
                    logger.warning(
                        "A conversation lock ticket was gone before its message was done (event "
                        "loop blocked for over %.0f s, or Redis restarted).",
                        self.ticket_lifetime,
                    )
                    return
            except redis.exceptions.RedisError as error:  # Redis away for a moment: retry within the lifetime
                logger.warning("Could not renew a conversation lock ticket: %s", type(error).__name__)
