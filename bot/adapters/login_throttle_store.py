"""The sign-in throttle's counters in Redis (CSBA_REDIS_URL), so that every web
process behind a load balancer counts the same failures (issue 15).

`RedisLoginThrottle` keeps the rules of the in-memory
`bot.entrypoints.web.login.LoginThrottle` (the same methods and numbers):

- one sorted set per (username, client address) and one per client address,
  member: an attempt's id, score: its time (Redis's own clock, `TIME`, so the
  web hosts' clocks need not agree);
- `attempt` is one Lua script, so checking the wait and counting the attempt
  is atomic across processes: a burst of guesses sent to several processes
  cannot all pass through one free moment;
- every key expires with its window, so nothing outlives the limits.

Usernames and addresses are stored as keyed hashes (BLAKE2b), never in clear.

When Redis cannot be reached, `attempt` and `retry_after` raise
`LoginLimitUnavailable`: sign-in then fails closed (the caller refuses it),
since counting nowhere would let guesses through unthrottled. `succeeded` and
`abandoned` only take a counted attempt back: they log and go on.
"""

from __future__ import annotations

import hashlib
import logging
import math
import uuid

log = logging.getLogger(__name__)

REDIS_PREFIX = "csba:login:"
# Seconds to connect to Redis and to wait for an answer: a Redis that is down
# answers a sign-in with 503 within this, not after a long hang.
REDIS_TIMEOUT_SECONDS = 2.0

# KEYS: the pair's set, the address's set.
# ARGV: pair window, address window, free failures, longest delay, address
# limit, the attempt's id, and "1" to count the attempt ("0": only look).
# Returns the seconds to wait as a string (Lua numbers become integers), "0"
# when the attempt may go on (and then it is counted).
_ATTEMPT = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local pair_window = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local free = tonumber(ARGV[3])
local max_delay = tonumber(ARGV[4])
local address_limit = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - pair_window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local wait = 0
local failures = redis.call('ZCARD', KEYS[1])
if failures > 0 then
  local delay = 0
  if failures > free then
    delay = math.min(2 ^ (failures - free), max_delay)
  end
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  wait = tonumber(last[2]) + delay - now
end
if redis.call('ZCARD', KEYS[2]) >= address_limit then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  wait = math.max(wait, tonumber(oldest[2]) + window - now)
end
if wait > 0 then
  return tostring(wait)
end
if ARGV[7] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[6])
  redis.call('EXPIRE', KEYS[1], math.ceil(pair_window))
  redis.call('ZADD', KEYS[2], now, ARGV[6])
  redis.call('EXPIRE', KEYS[2], math.ceil(window))
end
return '0'
"""


class LoginLimitUnavailable(RuntimeError):
    """Redis, where the sign-in limits are kept, cannot be reached."""


class RedisLoginThrottle:
    """The sign-in throttle over Redis; see the module's docstring and
    `LoginThrottle` for the rules. `client` is a `redis.Redis`."""

    def __init__(
        self,
        client,  # noqa: ANN001
        *,
        key: bytes,
        free_failures: int,
        max_delay_seconds: float,
        window_seconds: float,
        pair_window_seconds: float,
        address_limit: int,
        prefix: str = REDIS_PREFIX,
    ) -> None:
        self.redis = client
        self.free_failures = free_failures
        self.max_delay_seconds = max_delay_seconds
        self.window_seconds = window_seconds
        self.pair_window_seconds = pair_window_seconds
        self.address_limit = address_limit
        self._key = hashlib.blake2b(key, digest_size=32).digest()
        self._prefix = prefix
        self._attempt = client.register_script(_ATTEMPT)

    def _hashed(self, *parts: str) -> str:
        digest = hashlib.blake2b(
            "\x1f".join(parts).encode("utf-8"), key=self._key, digest_size=16
        )
        return digest.hexdigest()

    def _keys(self, username: str, address: str) -> list[str]:
        return [
            f"{self._prefix}pair:{self._hashed(username.strip().lower(), address)}",
            f"{self._prefix}address:{self._hashed(address)}",
        ]

    def _run(self, username: str, address: str, *, count: bool) -> float:
        import redis

        args = [
            self.pair_window_seconds,
            self.window_seconds,
            self.free_failures,
            self.max_delay_seconds,
            self.address_limit,
            uuid.uuid4().hex,
            "1" if count else "0",
        ]
        try:
            wait = self._attempt(keys=self._keys(username, address), args=args)
        except redis.RedisError as exc:
            log.warning("Sign-in limits: Redis unavailable: %s", exc)
            raise LoginLimitUnavailable(str(exc)) from None
        wait = float(wait)
        return wait if wait > 0 and math.isfinite(wait) else 0.0

    def retry_after(self, username: str, address: str) -> float:
        """Seconds before this username may try again from this address (0: now)."""
        return self._run(username, address, count=False)

    def attempt(self, username: str, address: str) -> float:
        """As `LoginThrottle.attempt`: the seconds to wait (nothing counted), or
        0.0 and the attempt counts as a failure until taken back."""
        return self._run(username, address, count=True)

    def _take_back(self, username: str, address: str, *, clear_pair: bool) -> None:
        import redis

        pair, by_address = self._keys(username, address)
        try:
            pipe = self.redis.pipeline(transaction=True)
            if clear_pair:
                pipe.delete(pair)
            else:
                pipe.zpopmax(pair)
            pipe.zpopmax(by_address)
            pipe.execute()
        except redis.RedisError as exc:
            # The attempt stays counted until its window ends: never a bypass.
            log.warning("Sign-in limits: Redis unavailable: %s", exc)

    def succeeded(self, username: str, address: str) -> None:
        """The password was right: the pair's failures are cleared, and the
        address no longer counts this attempt."""
        self._take_back(username, address, clear_pair=True)

    def abandoned(self, username: str, address: str) -> None:
        """The attempt ended before the password was judged: not counted."""
        self._take_back(username, address, clear_pair=False)


def redis_login_throttle(url: str, **limits) -> RedisLoginThrottle:  # noqa: ANN003
    """A throttle over the Redis at `url`, with a connection pool of its own
    (nothing is connected until the first sign-in)."""
    import redis

    client = redis.Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    return RedisLoginThrottle(client, **limits)
