"""bot.services.verification: ZIP-guess limits per order and per client, on a
real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set) and on a
real Redis (127.0.0.1:6379, or CSBA_TEST_REDIS_URL)."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import redis

from bot.adapters.verification_store import RedisFailureStore, SqlFailureStore
from bot.services.verification import (
    CLIENT_FAILURE_LIMIT,
    KEEP_FAILURES,
    ORDER_FAILURE_LIMIT,
    Verdict,
    VerificationLimits,
    client_key,
    limits_for,
)

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)
ORDER = "112-0000003-0000003"
REDIS_URL = os.environ.get("CSBA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def wrong() -> bool:
    return False


def right() -> bool:
    return True


@pytest.fixture
def redis_store():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    store = RedisFailureStore(client, keep=KEEP_FAILURES, prefix=f"csba-test:{uuid.uuid4().hex}:")
    yield store
    for key in client.scan_iter(f"{store.prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=["sql", "redis"])
def limits(request, engine) -> VerificationLimits:
    if request.param == "sql":
        return VerificationLimits(SqlFailureStore(engine, keep=KEEP_FAILURES))
    return VerificationLimits(request.getfixturevalue("redis_store"))


def test_five_failures_lock_the_order_even_for_the_right_zip(limits):
    for n in range(ORDER_FAILURE_LIMIT):
        assert limits.blocked(ORDER, f"client-{n}", now=NOW) is None
        # a new client (a fresh conversation, another channel) each time
        assert limits.check(ORDER, f"client-{n}", wrong, now=NOW) is Verdict.WRONG
    assert limits.blocked(ORDER, "someone-else", now=NOW) is Verdict.ORDER_LOCKED
    checked = []
    got = limits.check(ORDER, "x", lambda: checked.append(1) or True, now=NOW)
    assert got is Verdict.ORDER_LOCKED
    assert checked == []  # the right ZIP was not even looked at
    # Another order is not affected.
    assert limits.check("112-0000001-0000001", "x", right, now=NOW) is Verdict.VERIFIED


def test_the_lock_lifts_after_24_hours(limits):
    for minute in range(ORDER_FAILURE_LIMIT):
        at = NOW + timedelta(minutes=minute)
        assert limits.check(ORDER, f"c{minute}", wrong, now=at) is Verdict.WRONG
    later = NOW + timedelta(hours=23, minutes=59)
    assert limits.blocked(ORDER, "c", now=later) is Verdict.ORDER_LOCKED
    # The first failure is now older than the window: one attempt is free again.
    after = NOW + timedelta(hours=24, seconds=30)
    assert limits.blocked(ORDER, "c", now=after) is None
    assert limits.check(ORDER, "c", right, now=after) is Verdict.VERIFIED


def test_a_right_zip_is_not_a_failure(limits):
    for _ in range(ORDER_FAILURE_LIMIT + 3):
        assert limits.check(ORDER, "owner", right, now=NOW) is Verdict.VERIFIED
    assert limits.blocked(ORDER, "owner", now=NOW) is None


def test_refused_guesses_are_not_kept(limits):
    """Hammering a locked order neither grows the store nor extends the lock."""
    for n in range(ORDER_FAILURE_LIMIT):
        limits.check(ORDER, f"c{n}", wrong, now=NOW)
    for _ in range(20):
        assert limits.check(ORDER, "c", wrong, now=NOW) is Verdict.ORDER_LOCKED
    since = NOW - timedelta(hours=1)
    assert limits.store.count_for_order(ORDER, since=since) == ORDER_FAILURE_LIMIT


def test_one_client_across_many_orders(limits):
    for n in range(CLIENT_FAILURE_LIMIT):
        order = f"112-0000000-{n:07d}"
        assert limits.check(order, "attacker", wrong, now=NOW) is Verdict.WRONG
    assert limits.blocked("112-9999999-9999999", "attacker", now=NOW) is (
        Verdict.CLIENT_LIMITED
    )
    got = limits.check("112-9999999-9999999", "attacker", right, now=NOW)
    assert got is Verdict.CLIENT_LIMITED
    # Another client is not affected; the limit lifts after the hour.
    assert limits.check(ORDER, "neighbour", right, now=NOW) is Verdict.VERIFIED
    later = NOW + timedelta(hours=1, seconds=1)
    assert limits.check(ORDER, "attacker", right, now=later) is Verdict.VERIFIED


def test_a_failing_check_is_not_counted(limits):
    def broken() -> bool:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        limits.check(ORDER, "c", broken, now=NOW)
    assert limits.store.count_for_order(ORDER, since=NOW - timedelta(hours=1)) == 0


def test_concurrent_guesses_never_pass_the_limit(limits):
    """Twenty guesses at once, from twenty conversations: at most five are checked."""
    checked = []
    lock = threading.Lock()

    def guess() -> bool:
        with lock:
            checked.append(1)
        return False

    verdicts = []

    def attempt(n: int) -> None:
        verdicts.append(limits.check(ORDER, f"c{n}", guess, now=NOW))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) <= ORDER_FAILURE_LIMIT
    assert verdicts.count(Verdict.WRONG) == len(checked)
    assert set(verdicts) <= {Verdict.WRONG, Verdict.ORDER_LOCKED}
    # A burst may refuse more than it had to (each guess saw the others), never
    # fewer; sequential guesses then use up exactly what is left.
    for n in range(ORDER_FAILURE_LIMIT - len(checked)):
        assert limits.check(ORDER, f"d{n}", wrong, now=NOW) is Verdict.WRONG
    assert limits.check(ORDER, "d", right, now=NOW) is Verdict.ORDER_LOCKED


def test_sql_store_keeps_no_addresses_and_forgets_old_rows(engine):
    from sqlalchemy import select

    from bot.adapters.db import session_scope
    from bot.adapters.orm import VerificationFailureRow

    store = SqlFailureStore(engine, keep=KEEP_FAILURES)
    limits = VerificationLimits(store)
    key = client_key("203.0.113.9", "s" * 40)
    assert "203.0.113.9" not in key and len(key) == 32
    assert (
        key
        == client_key("203.0.113.9", "s" * 40)
        != client_key("203.0.113.9", "t" * 40)
    )
    limits.check(ORDER, key, wrong, now=NOW - timedelta(days=3))
    limits.check(ORDER, key, wrong, now=NOW)
    with session_scope(engine) as session:
        rows = session.scalars(select(VerificationFailureRow)).all()
        assert [r.failed_at for r in rows] == [NOW]  # the 3-day-old one is gone
        assert rows[0].client_key == key


def test_limits_for_picks_redis_when_configured(engine, monkeypatch):
    monkeypatch.delenv("CSBA_REDIS_URL", raising=False)
    assert isinstance(limits_for(engine).store, SqlFailureStore)
    monkeypatch.setenv("CSBA_REDIS_URL", REDIS_URL)
    assert isinstance(limits_for(engine).store, RedisFailureStore)


def test_client_key_of_nothing_is_the_shared_unknown_bucket():
    assert client_key(None, "s" * 40) == client_key("", "s" * 40) == "unknown"


def test_an_ipv6_host_is_one_client_per_64():
    """Review of issue 10: keyed by the exact address, an IPv6 /64 gave one host
    2^64 budgets of guesses."""
    secret = "s" * 40
    one = client_key("2001:db8:1:2::1", secret)
    assert one == client_key("2001:db8:1:2:ffff:ffff:ffff:ffff", secret)
    assert one == client_key("[2001:db8:1:2::abcd]", secret)
    assert one != client_key("2001:db8:1:3::1", secret)
    assert client_key("::ffff:203.0.113.9", secret) == client_key("203.0.113.9", secret)
    assert client_key("203.0.113.9", secret) != client_key("203.0.113.10", secret)
