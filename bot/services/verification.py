"""Limits on anonymous verification (order number + ZIP code) that hold across
conversations, channels and restarts.

An anonymous buyer proves an order by its shipping ZIP code. US ZIP codes are
about 42,000 values, so guesses must be limited where a new conversation cannot
reset them:

- **per order**: at most `ORDER_FAILURE_LIMIT` (5) failed attempts in
  `ORDER_WINDOW` (24 h). Then the order is locked: it cannot be verified
  anonymously, even with the right ZIP, until the oldest failure is older than
  the window; the buyer is offered a person;
- **per client address**: at most `CLIENT_FAILURE_LIMIT` (10) failed attempts
  in `CLIENT_WINDOW` (1 h) from one address, over all orders (guessing across
  many order numbers).

(Each conversation also stops after bot.services.identity.MAX_ZIP_ATTEMPTS
wrong answers, as before.) An unknown order number counts exactly like a wrong
ZIP, so the limits do not tell which orders exist.

A guess is recorded as a failure *before* it is checked and the record is
withdrawn when it turns out right (`VerificationLimits.check`): concurrent
guesses each see the others, so no burst gets past a limit. A guess refused by
a limit is not checked and not kept (a locked order stays locked; the table
does not grow with an attacker's hammering).

The failures live in the project database (table `verification_failures`), or
in Redis when `CSBA_REDIS_URL` is set (sorted sets under `csba:verify:`). A
client address is stored as a keyed hash (`client_key`), never as such.

No Rasa import: the order form's validation action calls `limits_for`
and the channels call `client_key`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from sqlalchemy.engine import Engine

from bot import config
from bot.adapters.verification_store import (
    FailureStore,
    SqlFailureStore,
    redis_store,
)
from bot.services.identity import postal_code_in, verify_order_zip

log = logging.getLogger(__name__)

ORDER_FAILURE_LIMIT = 5
ORDER_WINDOW = timedelta(hours=24)
CLIENT_FAILURE_LIMIT = 10
CLIENT_WINDOW = timedelta(hours=1)

REDIS_URL_ENV = config.REDIS_URL_ENV

# The client key of a message that came with no address (e.g. `rasa shell`): all
# such messages share one budget.
UNKNOWN_CLIENT = "unknown"
MAX_KEY_CHARS = 64


class Verdict(str, Enum):
    """What happened to a verification attempt."""

    VERIFIED = "verified"  # the ZIP code matched
    WRONG = "wrong"  # it did not (or the order does not exist): one more failure
    ORDER_LOCKED = "order_locked"  # too many failures for this order; not checked
    CLIENT_LIMITED = "client_limited"  # too many from this address; not checked


def client_network(address: str) -> str:
    """What one client is: an IPv4 address, or the /64 network of an IPv6 one
    (a single host usually holds a whole /64, and would otherwise get 2^64
    budgets). IPv4-mapped IPv6 counts as its IPv4 address."""
    try:
        ip = ipaddress.ip_address(address.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_key(address: str | None, secret: str) -> str:
    """The stored form of a client address: a keyed hash (32 hex digits), so the
    table and the conversation metadata hold no addresses. None or '' gives
    `UNKNOWN_CLIENT`."""
    if not address:
        return UNKNOWN_CLIENT
    address = client_network(address)
    key = hashlib.sha256(b"csba-client-address\x00" + secret.encode("utf-8")).digest()
    return hmac.new(key, address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _key(value: str | None) -> str:
    value = (value or UNKNOWN_CLIENT).strip() or UNKNOWN_CLIENT
    if len(value) <= MAX_KEY_CHARS:
        return value
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# --- where failures are kept ----------------------------------------------------------


# The stores (bot/adapters/verification_store.py) keep a failure this long.
KEEP_FAILURES = max(ORDER_WINDOW, CLIENT_WINDOW)


# --- the limits -------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationLimits:
    """The per-order and per-client limits over a FailureStore."""

    store: FailureStore
    order_limit: int = ORDER_FAILURE_LIMIT
    order_window: timedelta = ORDER_WINDOW
    client_limit: int = CLIENT_FAILURE_LIMIT
    client_window: timedelta = CLIENT_WINDOW

    def blocked(
        self, order_id: str, client: str | None, *, now: datetime
    ) -> Verdict | None:
        """ORDER_LOCKED or CLIENT_LIMITED when a guess for `order_id` from
        `client` would be refused now; None when it may be tried."""
        order_key, client_key = _key(order_id), _key(client)
        if (
            self.store.count_for_order(order_key, since=now - self.order_window)
            >= self.order_limit
        ):
            return Verdict.ORDER_LOCKED
        if (
            self.store.count_for_client(client_key, since=now - self.client_window)
            >= self.client_limit
        ):
            return Verdict.CLIENT_LIMITED
        return None

    def check(
        self,
        order_id: str,
        client: str | None,
        matches: Callable[[], bool],
        *,
        now: datetime,
    ) -> Verdict:
        """Try one guess: `matches()` says whether the ZIP code is the order's.

        The guess is recorded as a failure first; over a limit (this guess
        included) it is withdrawn and refused unchecked, so a locked order
        reveals nothing even to the right ZIP code; a right guess is withdrawn,
        a wrong one stays."""
        order_key, client_key = _key(order_id), _key(client)
        failure_id = self.store.add(order_key=order_key, client_key=client_key, at=now)

        def withdraw() -> None:
            self.store.withdraw(failure_id, order_key=order_key, client_key=client_key)

        if (
            self.store.count_for_order(order_key, since=now - self.order_window)
            > self.order_limit
        ):
            withdraw()
            return Verdict.ORDER_LOCKED
        if (
            self.store.count_for_client(client_key, since=now - self.client_window)
            > self.client_limit
        ):
            withdraw()
            return Verdict.CLIENT_LIMITED
        try:
            verified = matches()
        except BaseException:
            withdraw()  # not an answer either way (say, the database went away)
            raise
        if verified:
            withdraw()
            return Verdict.VERIFIED
        log.info("Failed ZIP verification for an order (client %s)", client_key[:8])
        return Verdict.WRONG


def limits_for(engine: Engine) -> VerificationLimits:
    """The limits over Redis when CSBA_REDIS_URL is set, else over `engine`'s
    database (the project database)."""
    url = config.redis_url()
    if url:
        return VerificationLimits(redis_store(url, keep=KEEP_FAILURES))
    return VerificationLimits(SqlFailureStore(engine, keep=KEEP_FAILURES))


# --- the order form's verification of an anonymous buyer ----------------------------------


def real_now() -> datetime:
    """The limits' clock: real time, never CSBA_NOW. A fixed or replayed clock
    must neither keep failures forever nor forget them (as with token expiry)."""
    return datetime.now(timezone.utc)


def zip_guess(answer: str) -> str | None:
    """The ZIP code to check in a buyer's (cleaned) answer, or None when the
    answer is no guess and uses no attempt: it has no digit at all, or it is a
    sentence whose digits are no code ("same street but apt 7 instead of apt
    4": three words or more, and no run of three digits)."""
    guess = postal_code_in(answer)
    if not any(char.isdigit() for char in guess):
        return None
    words = re.findall(r"(?<![\w])[^\W\d_]{2,}(?![\w])", guess)
    if len(words) >= 3 and not re.search(r"\d{3}", guess):
        return None
    return guess


def early_verdict(
    limits: VerificationLimits, order_id: str, client: str | None
) -> Verdict | None:
    """The limits' word on an order before a ZIP code is asked for:
    ORDER_LOCKED or CLIENT_LIMITED, or None. When they cannot be read the buyer
    is asked anyway: the check of the answer itself (`check_zip`) fails closed."""
    try:
        return limits.blocked(order_id, client, now=real_now())
    except Exception:
        log.exception("Could not read the verification limits")
        return None


def check_zip(
    limits: VerificationLimits,
    order_id: str,
    client: str | None,
    order: object | None,
    guess: str,
) -> Verdict:
    """One guess at the ZIP code of `order_id`, within the limits. `order` is the
    order as already read (None when there is no such order: that counts
    exactly like a wrong ZIP code)."""
    return limits.check(
        order_id, client, lambda: verify_order_zip(order, guess), now=real_now()
    )
