"""A Redis conversation lock store whose tickets hold across Rasa replicas.

In endpoints.cluster.yml:

    lock_store:
      type: bot.entrypoints.rasa.lock_store.AtomicRedisLockStore
      url: ${CSBA_REDIS_URL}     # a redis:// URL, or a host name with `port` and `db`
      key_prefix: csba

Why not Rasa's `type: redis`: Rasa 3.6's RedisLockStore changes a lock by
reading it (GET), changing it in Python and writing it back (SET). Two replicas
that take the same conversation at once both read the same lock, both issue the
same ticket number and the second SET drops the first one's ticket (Rasa issue
9213); finishing a ticket and pruning expired ones are read-modify-write too, so
they can drop a ticket issued in between, and `cleanup` can delete the lock
under a ticket that was just issued. Either way two messages of one conversation
are processed at once and the tracker store sees interleaved or lost turns.

Here every change of a lock is one Lua script, which Redis runs atomically:

- `issue_ticket`: prunes the expired tickets, takes the ticket number from an
  INCR of the conversation's counter (`<prefix>lock-seq:<id>`, kept a day after
  its last ticket, so a number is never issued twice, even after the lock was
  deleted: a holder whose ticket expired cannot finish someone else's), appends
  the ticket with its expiry (`now + lifetime`, as Rasa's TicketLock) and
  returns its number;
- `finish_serving`/`cleanup` and `update_lock`: remove the finished ticket and
  the expired ones, and delete the lock when no ticket is left, in one step.

The lock keeps Rasa's format (`<prefix>lock:<id>`, the JSON of a TicketLock), so
Rasa's own `get_lock`, `is_locked` and `now_serving` read it unchanged. The lock
key also gets a Redis TTL a second past its latest ticket's expiry, so a replica
that dies leaves nothing behind. Expiry is judged on the replica's clock, as in
Rasa (the replicas' clocks must agree within a fraction of the lock lifetime).

A waiting message polls the lock every `poll_interval` seconds (0.05 by
default, endpoint option `poll_interval`) instead of Rasa's 1 s: with many
messages queued on one conversation a second per turn would let tickets (60 s,
`TICKET_LOCK_LIFETIME`) expire in the queue. A waiter whose own ticket expired
gets a LockError at once (Rasa's loop would wait on the others forever).

Tickets taken by `lock()` are leases: a ticket expires `lease` seconds (15 by
default, endpoint option `lease`) after it was issued or last renewed, and the
replica renews its own tickets, waiting or held, every third of that, up to
the lock lifetime (`TICKET_LOCK_LIFETIME`, 60 s) after issue. A replica that
dies stops renewing: the conversations it held are free again within `lease`
seconds instead of the whole lifetime (measured with a replica killed under
load: the slowest answer went from 59 s to the lease;
tests/integration/test_cluster_faults.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LOCK_LIFETIME,
    LockError,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig

log = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL = 0.05  # seconds between two looks at a busy lock
DEFAULT_LEASE = 15.0  # seconds a ticket lives without being renewed
# how long a conversation's ticket counter outlives its last ticket
SEQUENCE_TTL_MS = 24 * 3600 * 1000

# KEYS[1] the lock, KEYS[2] the ticket counter;
# ARGV conversation id, now, lifetime (s), counter TTL (ms). Returns the ticket number.
_ISSUE = """
local now = tonumber(ARGV[2])
local tickets = {}
local latest = 0
local raw = redis.call('GET', KEYS[1])
if raw then
  for _, serialised in ipairs(cjson.decode(raw).tickets or {}) do
    local ticket = cjson.decode(serialised)
    if ticket.expires >= now then
      table.insert(tickets, serialised)
      if ticket.expires > latest then latest = ticket.expires end
    end
  end
end
local number = redis.call('INCR', KEYS[2]) - 1
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local expires = now + tonumber(ARGV[3])
if expires > latest then latest = expires end
table.insert(tickets, string.format('{"number": %d, "expires": %.6f}', number, expires))
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[1], tickets = tickets}),
           'PX', math.ceil((latest - now) * 1000) + 1000)
return number
"""

# KEYS[1] the lock; ARGV conversation id, now, the ticket to remove ('' for none).
# Prunes expired tickets; deletes the lock when none is left. Returns the count left.
_RELEASE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local now = tonumber(ARGV[2])
local finished = tonumber(ARGV[3])
local tickets = {}
local latest = 0
for _, serialised in ipairs(cjson.decode(raw).tickets or {}) do
  local ticket = cjson.decode(serialised)
  if ticket.expires >= now and ticket.number ~= finished then
    table.insert(tickets, serialised)
    if ticket.expires > latest then latest = ticket.expires end
  end
end
if #tickets == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[1], tickets = tickets}),
             'PX', math.ceil((latest - now) * 1000) + 1000)
end
return #tickets
"""


# KEYS[1] the lock; ARGV now, the ticket, its new expiry. Returns 1 when renewed,
# 0 when the ticket is gone (expired or finished).
_RENEW = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local lock = cjson.decode(raw)
local now = tonumber(ARGV[1])
local number = tonumber(ARGV[2])
local expires = tonumber(ARGV[3])
local found = 0
local latest = 0
for index, serialised in ipairs(lock.tickets or {}) do
  local ticket = cjson.decode(serialised)
  if ticket.number == number and ticket.expires >= now then
    found = 1
    if expires > ticket.expires then
      ticket.expires = expires
      lock.tickets[index] = string.format('{"number": %d, "expires": %.6f}', number, expires)
    end
  end
  if ticket.expires > latest then latest = ticket.expires end
end
if found == 0 then return 0 end
redis.call('SET', KEYS[1], cjson.encode(lock), 'PX', math.ceil((latest - now) * 1000) + 1000)
return 1
"""


def redis_options(url: str | None, options: dict[str, Any]) -> dict[str, Any]:
    """RedisLockStore's keyword arguments from an endpoint's `url` and options.

    `url` is a host name (Rasa's convention, with `port` and `db` beside it) or a
    `redis://[user:password@]host[:port][/db]` URL (`rediss://` for TLS), whose
    parts win over the options' defaults but not over explicit `port`/`db`."""
    result = dict(options)
    if url and "://" in url:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise ValueError(f"lock store url: not a redis:// URL: {parts.scheme}://")
        result["host"] = parts.hostname or "localhost"
        if parts.port and "port" not in options:
            result["port"] = parts.port
        database = parts.path.strip("/")
        if database and "db" not in options:
            result["db"] = int(database)
        if parts.username and "username" not in options:
            result["username"] = unquote(parts.username)
        if parts.password and "password" not in options:
            result["password"] = unquote(parts.password)
        if parts.scheme == "rediss":
            result.setdefault("use_ssl", True)
    else:
        result["host"] = url or "localhost"
    return result


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with every change of a lock made atomically in Redis."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        lease: float = DEFAULT_LEASE,
        **options: Any,
    ) -> None:
        """From an endpoints file (`endpoint_config`, as Rasa creates a lock store
        by module path) or from RedisLockStore's keyword arguments."""
        if endpoint_config is not None:
            settings = dict(endpoint_config.kwargs)
            poll_interval = float(settings.pop("poll_interval", poll_interval))
            lease = float(settings.pop("lease", lease))
            options = redis_options(endpoint_config.url, {**settings, **options})
        else:
            options = redis_options(options.pop("url", None), options)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT_IN_SECONDS)
        super().__init__(**options)
        self.poll_interval = poll_interval
        self.lease = lease
        # `<prefix>lock:` for the locks (Rasa's keys), `<prefix>lock-seq:` for counters
        self.sequence_prefix = (
            self.key_prefix[: -len(DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX)] + "lock-seq:"
        )
        self._issue = self.red.register_script(_ISSUE)
        self._release = self.red.register_script(_RELEASE)
        self._renew = self.red.register_script(_RENEW)

    # -- the changes of a lock, each one Lua script -------------------------------

    def issue_ticket(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME
    ) -> int:
        try:
            return int(
                self._issue(
                    keys=[
                        self.key_prefix + conversation_id,
                        self.sequence_prefix + conversation_id,
                    ],
                    args=[
                        conversation_id,
                        repr(time.time()),
                        lock_lifetime,
                        SEQUENCE_TTL_MS,
                    ],
                )
            )
        except Exception as error:  # as Rasa's: any failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def _release_ticket(self, conversation_id: str, ticket_number: int | None) -> int:
        return int(
            self._release(
                keys=[self.key_prefix + conversation_id],
                args=[
                    conversation_id,
                    repr(time.time()),
                    "" if ticket_number is None else ticket_number,
                ],
            )
        )

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._release_ticket(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish the ticket; the lock goes when no ticket is left (one step)."""
        if self._release_ticket(conversation_id, ticket_number) == 0:
            self._log_deletion(conversation_id, True)

    def update_lock(self, conversation_id: str) -> None:
        self._release_ticket(conversation_id, None)

    def save_lock(self, lock: TicketLock) -> None:
        """Not used by this store's own paths (kept for Rasa's interface)."""
        super().save_lock(lock)

    # -- waiting for one's turn ---------------------------------------------------

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float | None = None,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's `lock()`, polling every `poll_interval` unless told otherwise."""
        wait = (
            self.poll_interval if wait_time_in_seconds is None else wait_time_in_seconds
        )
        deadline = time.time() + lock_lifetime
        ticket = self.issue_ticket(conversation_id, min(self.lease, lock_lifetime))
        renewing = asyncio.get_running_loop().create_task(
            self._keep_renewing(conversation_id, ticket, deadline)
        )
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait)
        finally:
            renewing.cancel()
            self.cleanup(conversation_id, ticket)

    def renew_ticket(self, conversation_id: str, ticket: int, expires: float) -> bool:
        """Move the ticket's expiry to `expires` (never earlier); False when the
        ticket is gone."""
        return bool(
            self._renew(
                keys=[self.key_prefix + conversation_id],
                args=[repr(time.time()), ticket, repr(expires)],
            )
        )

    async def _keep_renewing(
        self, conversation_id: str, ticket: int, deadline: float
    ) -> None:
        """Renew the ticket every third of the lease, until the lock lifetime."""
        while True:
            await asyncio.sleep(self.lease / 3)
            now = time.time()
            if now >= deadline:
                return
            try:
                if not self.renew_ticket(
                    conversation_id, ticket, min(now + self.lease, deadline)
                ):
                    return
            except Exception as error:  # Redis gone: the ticket lapses by itself
                log.warning(
                    "Could not renew the lock of %s: %s", conversation_id, error
                )

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None or lock._ticket_for_ticket_number(ticket) is None:
                break  # our ticket expired while we waited
            if not lock.is_locked(ticket):
                log.debug("Acquired lock for conversation '%s'.", conversation_id)
                return lock
            await asyncio.sleep(wait_time_in_seconds)
        raise LockError(
            f"Could not acquire lock for conversation_id '{conversation_id}'."
        )
