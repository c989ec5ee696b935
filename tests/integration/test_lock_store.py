"""The conversation lock across Rasa replicas (bot/entrypoints/rasa/lock_store.py),
against a real Redis (the `redis_url` fixture) and, end to end, two real Rasa
replicas on one PostgreSQL tracker store.

The "replicas" of the unit-level tests are lock store instances, each with its
own Redis connection, each in its own thread (and event loop for `lock()`), all
started together on one conversation. The same harness runs Rasa's stock
RedisLockStore and prints what it does (duplicate tickets, overlapping turns,
lost updates); it asserts on the stock store only what reproduces every time
(duplicate ticket numbers).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import read_endpoint_config

from bot.config import PROJECT_ROOT
from bot.entrypoints.rasa.lock_store import AtomicRedisLockStore, redis_options

CONVERSATION = "buyer-0123456789abcdef"
REPLICAS = 8


def atomic_store(url: str) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(url=url, key_prefix="test")


def stock_store(url: str) -> RedisLockStore:
    options = redis_options(url, {})
    return RedisLockStore(
        host=options["host"],
        port=options.get("port", 6379),
        db=options.get("db", 0),
        key_prefix="test",
    )


def together(replicas: list[Any], work: Callable[[Any], None]) -> None:
    """`work(replica)` in one thread per replica, all released at once."""
    start = threading.Barrier(len(replicas))
    failures: list[BaseException] = []

    def run(replica: Any) -> None:
        start.wait()
        try:
            work(replica)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures


def issue_concurrently(
    make: Callable[[str], LockStore], url: str, per_replica: int = 25
) -> list[int]:
    """Ticket numbers issued by REPLICAS stores, `per_replica` each, at once."""
    replicas = [make(url) for _ in range(REPLICAS)]
    issued: list[int] = []
    guard = threading.Lock()

    def work(store: LockStore) -> None:
        for _ in range(per_replica):
            ticket = store.issue_ticket(CONVERSATION)
            with guard:
                issued.append(ticket)

    together(replicas, work)
    return issued


# --- tickets ----------------------------------------------------------------------


def test_concurrent_tickets_are_distinct_and_consecutive(redis_url):
    issued = issue_concurrently(atomic_store, redis_url)

    assert sorted(issued) == list(range(REPLICAS * 25))
    lock = atomic_store(redis_url).get_lock(CONVERSATION)
    assert [ticket.number for ticket in lock.tickets] == list(range(REPLICAS * 25))
    print(f"\natomic: {len(issued)} tickets issued, {len(set(issued))} distinct")


def test_stock_redis_lock_store_issues_duplicate_tickets(redis_url):
    """Rasa issue 9213 in this harness: read the lock, add a ticket, write it back."""
    issued = issue_concurrently(stock_store, redis_url)
    kept = stock_store(redis_url).get_lock(CONVERSATION)

    print(
        f"\nstock RedisLockStore: {len(issued)} tickets issued, "
        f"{len(set(issued))} distinct, {len(kept.tickets)} left in the lock"
    )
    assert len(set(issued)) < len(issued)


def test_tickets_keep_their_expiry_and_numbers_are_never_reused(redis_url):
    store = atomic_store(redis_url)
    before = time.time()
    first = store.issue_ticket(CONVERSATION, lock_lifetime=30)
    second = store.issue_ticket(CONVERSATION, lock_lifetime=30)

    lock = store.get_lock(CONVERSATION)
    assert [t.number for t in lock.tickets] == [first, second] == [0, 1]
    assert all(before + 30 <= t.expires <= time.time() + 30 for t in lock.tickets)
    assert lock.now_serving == 0 and lock.is_locked(1) and not lock.is_locked(0)
    # the key goes by itself a second after its latest ticket
    assert 30_000 < store.red.pttl(store.key_prefix + CONVERSATION) <= 31_000

    store.cleanup(CONVERSATION, first)
    assert store.get_lock(CONVERSATION).now_serving == 1
    store.cleanup(CONVERSATION, second)
    assert store.get_lock(CONVERSATION) is None  # deleted with its last ticket
    assert store.issue_ticket(CONVERSATION) == 2  # the counter goes on


def test_expired_tickets_are_dropped_and_their_waiter_gives_up(redis_url):
    store = atomic_store(redis_url)
    holder = store.issue_ticket(CONVERSATION, lock_lifetime=30)
    short = store.issue_ticket(CONVERSATION, lock_lifetime=0.05)
    time.sleep(0.1)

    with pytest.raises(LockError):
        asyncio.run(store._acquire_lock(CONVERSATION, short, 0.01))
    store.update_lock(CONVERSATION)
    assert [t.number for t in store.get_lock(CONVERSATION).tickets] == [holder]


# --- leases: a dead replica's tickets lapse soon, a live one's do not -------------


def test_a_dead_replicas_ticket_lapses_after_the_lease(redis_url):
    store = AtomicRedisLockStore(url=redis_url, key_prefix="test", lease=0.5)
    store.issue_ticket(CONVERSATION, lock_lifetime=0.5)  # taken, then the replica died

    async def next_turn() -> float:
        started = time.monotonic()
        async with store.lock(CONVERSATION, lock_lifetime=30):
            return time.monotonic() - started

    waited = asyncio.run(next_turn())
    print(f"\nwaited {waited:.2f} s for a dead replica's ticket (lease 0.5 s)")
    assert 0.3 <= waited < 2.0


def test_a_live_holder_keeps_the_lock_past_its_lease(redis_url):
    holder = AtomicRedisLockStore(url=redis_url, key_prefix="test", lease=0.3)
    waiter = AtomicRedisLockStore(url=redis_url, key_prefix="test", lease=0.3)
    times: dict[str, float] = {}

    async def hold() -> None:
        async with holder.lock(CONVERSATION, lock_lifetime=30):
            times["held"] = time.monotonic()
            await asyncio.sleep(1.5)  # five leases
            times["released"] = time.monotonic()

    async def wait_turn() -> None:
        await asyncio.sleep(0.1)
        async with waiter.lock(CONVERSATION, lock_lifetime=30):
            times["waiter_in"] = time.monotonic()

    async def both() -> None:
        await asyncio.gather(hold(), wait_turn())

    asyncio.run(both())
    assert times["waiter_in"] >= times["released"]


def test_renewal_never_brings_an_expiry_forward_nor_revives_a_finished_ticket(redis_url):
    store = atomic_store(redis_url)
    ticket = store.issue_ticket(CONVERSATION, lock_lifetime=30)
    expires = store.get_lock(CONVERSATION).tickets[0].expires
    assert store.renew_ticket(CONVERSATION, ticket, time.time() + 1)
    assert store.get_lock(CONVERSATION).tickets[0].expires == pytest.approx(expires, abs=1e-3)
    assert store.renew_ticket(CONVERSATION, ticket, expires + 10)
    assert store.get_lock(CONVERSATION).tickets[0].expires == pytest.approx(expires + 10, abs=1e-3)
    store.cleanup(CONVERSATION, ticket)
    assert not store.renew_ticket(CONVERSATION, ticket, time.time() + 30)
    assert store.get_lock(CONVERSATION) is None


# --- turns: one at a time --------------------------------------------------------


@dataclass
class Turns:
    """What the replicas did inside the lock, on one shared counter."""

    inside: int = 0
    peak: int = 0
    overlaps: int = 0
    completed: int = 0
    counter: int = 0
    errors: int = 0  # LockError: the lock went while the replica waited
    stuck: int = 0  # gave up waiting after twice the lock lifetime

    def __post_init__(self) -> None:
        self.guard = threading.Lock()


def process_concurrently(
    make: Callable[[str], LockStore],
    url: str,
    turns_each: int = 8,
    lifetime: float = 20,
) -> Turns:
    """REPLICAS stores, each in its own thread and event loop, each taking the
    conversation's lock `turns_each` times; inside, a read-sleep-write of a
    shared counter (a lost update shows a second holder). A waiter gives up
    after twice the lock lifetime: a stock waiter whose ticket was dropped can
    wait forever on a lock that was emptied but not deleted."""
    turns = Turns()

    async def one_turn(store: LockStore) -> None:
        async with store.lock(
            CONVERSATION, lock_lifetime=lifetime, wait_time_in_seconds=0.01
        ):
            with turns.guard:
                turns.inside += 1
                turns.overlaps += turns.inside > 1
                turns.peak = max(turns.peak, turns.inside)
            value = turns.counter
            await asyncio.sleep(0.005)
            turns.counter = value + 1
            with turns.guard:
                turns.inside -= 1
                turns.completed += 1

    async def replica(store: LockStore) -> None:
        for _ in range(turns_each):
            try:
                await asyncio.wait_for(one_turn(store), timeout=2 * lifetime)
            except LockError:
                with turns.guard:
                    turns.errors += 1
            except asyncio.TimeoutError:
                with turns.guard:
                    turns.stuck += 1

    together([make(url) for _ in range(REPLICAS)], lambda s: asyncio.run(replica(s)))
    return turns


def test_the_lock_lets_one_replica_in_at_a_time(redis_url):
    turns = process_concurrently(atomic_store, redis_url)

    print(f"\natomic: {turns}")
    assert turns.errors == turns.stuck == 0
    assert turns.completed == turns.counter == REPLICAS * 8
    assert turns.peak == 1 and turns.overlaps == 0
    assert redis.Redis.from_url(redis_url).keys("test:lock:*") == []


def test_stock_redis_lock_store_in_the_same_harness(redis_url):
    """Measured, not asserted: the stock store's overlaps vary from run to run."""
    turns = process_concurrently(stock_store, redis_url, lifetime=2)

    print(
        f"\nstock RedisLockStore: {turns.completed} turns completed of "
        f"{REPLICAS * 8}, {turns.errors} LockErrors, {turns.stuck} gave up, peak {turns.peak} inside at once, "
        f"{turns.overlaps} overlapping entries, "
        f"{turns.completed - turns.counter} lost updates"
    )


# --- the endpoints file ----------------------------------------------------------


def test_endpoints_cluster_yml_loads_the_atomic_store(redis_url, monkeypatch):
    monkeypatch.setenv("CSBA_REDIS_URL", redis_url)
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://localhost:5055/webhook")
    monkeypatch.setenv("TRACKER_STORE_URL", "sqlite:///unused.db")
    monkeypatch.setenv("CSBA_ACTION_TOKEN", "unused")
    config = read_endpoint_config(
        str(PROJECT_ROOT / "endpoints.cluster.yml"), "lock_store"
    )

    store = LockStore.create(config)

    assert type(store) is AtomicRedisLockStore
    assert store.key_prefix == "csba:lock:"
    connection = store.red.connection_pool.connection_kwargs
    expected = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs
    assert (connection["host"], connection["port"], connection["db"]) == (
        expected["host"],
        expected["port"],
        expected["db"],
    )
    assert store.issue_ticket("c") == 0 and store.issue_ticket("c") == 1


def test_the_url_may_be_a_host_with_port_and_db_as_for_rasas_redis_store():
    assert redis_options("redis.internal", {"port": 6380, "db": 2}) == {
        "host": "redis.internal",
        "port": 6380,
        "db": 2,
    }
    assert redis_options("redis://:s%40cret@10.0.0.5:6390/4", {}) == {
        "host": "10.0.0.5",
        "port": 6390,
        "db": 4,
        "password": "s@cret",
    }


# --- end to end: two Rasa replicas, one conversation -----------------------------

MESSAGES = 50
ENDPOINTS = PROJECT_ROOT / "endpoints.cluster.yml"


@pytest.fixture
def cluster(tmp_path, postgres_url, redis_url) -> Iterator[dict[str, Any]]:
    """One action server and two Rasa replicas (the project's runtime, with
    endpoints.cluster.yml) on one PostgreSQL tracker store and the Redis lock
    store; the project database is SQLite with the demo data."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.entrypoints.training import ensure_model
    from tests.e2e.conftest import JWT_SECRET, START_TIMEOUT
    from tools.devstack import (
        Service,
        StackError,
        answers,
        csba_env,
        free_ports,
        load_demo_database,
        python,
        wait_until,
    )

    actions_port, *rasa_ports = free_ports(3)
    env = csba_env(
        tmp_path,
        JWT_SECRET,
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{actions_port}/webhook",
        TRACKER_STORE_URL=postgres_url,
        CSBA_REDIS_URL=redis_url,
        CSBA_ACTION_TOKEN=uuid.uuid4().hex,  # endpoints.cluster.yml sends it
    )
    try:
        load_demo_database(env, tmp_path / "setup.log")
    except StackError as error:
        pytest.fail(str(error))
    model = ensure_model()
    # The `events` table, made before the replicas start: two replicas creating
    # it at once on a fresh database can collide.
    engine = sa.create_engine(postgres_url)
    SQLTrackerStore.Base.metadata.create_all(engine)
    engine.dispose()

    token = uuid.uuid4().hex
    services = [
        Service(
            "action server",
            [python(), "-m", "bot.entrypoints.actions_server", "--actions", "actions",
             "--port", str(actions_port)],
            {**env, "SANIC_HOST": "127.0.0.1"},
            tmp_path / "actions.log",
            role="actions",
        ),
        *(
            Service(
                f"rasa replica {index}",
                [python(), "-m", "bot.entrypoints.rasa.runtime", "run", "--enable-api",
                 "--auth-token", token, "--port", str(port),
                 "--endpoints", str(ENDPOINTS),
                 "--credentials", str(PROJECT_ROOT / "credentials.yml"),
                 "-m", str(model)],
                env,
                tmp_path / f"rasa{index}.log",
            )
            for index, port in enumerate(rasa_ports, 1)
        ),
    ]  # fmt: skip
    urls = [f"http://127.0.0.1:{port}" for port in rasa_ports]
    try:
        for service in services:
            service.start()
        started = wait_until(
            lambda: (
                answers(f"http://127.0.0.1:{actions_port}/health")
                and all(answers(f"{url}/status", {"token": token}) for url in urls)
            ),
            services,
            START_TIMEOUT,
        )
        print(f"\naction server + 2 Rasa replicas ready in {started:.0f} s")
        yield {"urls": urls, "token": token, "secret": JWT_SECRET, "logs": tmp_path}
    except StackError as error:
        pytest.fail(str(error))
    finally:
        for service in services:
            service.stop()


def turns_of(events: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(user text, the events up to the next user message) for each user message."""
    turns: list[tuple[str, list[dict[str, Any]]]] = []
    for event in events:
        if event["event"] == "user":
            turns.append((event.get("text") or "", []))
        elif turns:
            turns[-1][1].append(event)
    return turns


def whole_turn(events: list[dict[str, Any]]) -> bool:
    """The bot answered, then listened, and did nothing after listening."""
    actions = [e.get("name") for e in events if e["event"] == "action"]
    return (
        any(e["event"] == "bot" for e in events)
        and bool(actions)
        and actions[-1] == "action_listen"
        and "action_listen" not in actions[:-1]
    )


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_two_replicas_answer_one_conversation_turn_by_turn(cluster):
    from bot.services.identity import (
        conversation_id_for,
        issue_buyer_token,
        verify_buyer_token,
    )
    from tools.devstack import CSBA_WEBHOOK

    secret = cluster["secret"]
    chat_token = issue_buyer_token("B-1", secret=secret)
    conversation = conversation_id_for(
        verify_buyer_token(chat_token, secret=secret), secret=secret
    )
    texts = [
        ("hello" if n % 2 == 0 else "thanks") + f" {n:02d}" for n in range(MESSAGES)
    ]

    def send(n: int) -> tuple[int, list[Any]]:
        url = cluster["urls"][n % 2]  # alternating replicas
        response = client.post(
            f"{url}{CSBA_WEBHOOK}",
            json={"message": texts[n]},
            headers={"Authorization": f"Bearer {chat_token}"},
            timeout=90,
        )
        return response.status_code, (
            response.json() if response.status_code == 200 else []
        )

    started = time.monotonic()
    with (
        httpx.Client(limits=httpx.Limits(max_connections=MESSAGES)) as client,
        ThreadPoolExecutor(MESSAGES) as pool,
    ):
        results = list(pool.map(send, range(MESSAGES)))
        took = time.monotonic() - started
        tracker = client.get(
            f"{cluster['urls'][0]}/conversations/{conversation}/tracker",
            params={"token": cluster["token"]},
            timeout=30,
        ).json()

    turns = turns_of(tracker["events"])
    recorded = [text for text, _ in turns]
    answered = sum(status == 200 and bool(reply) for status, reply in results)
    lost = len(set(texts) - set(recorded))
    duplicated = len(recorded) - len(set(recorded))
    interleaved = sum(not whole_turn(events) for _, events in turns)
    print(
        f"\n{MESSAGES} messages sent to 2 replicas at once in {took:.1f} s: "
        f"{answered} answered, {len(recorded)} user turns recorded, {lost} lost, "
        f"{interleaved} interleaved, {duplicated} duplicated"
        f" (HTTP statuses: {sorted({status for status, _ in results})})"
    )
    assert [status for status, _ in results] == [200] * MESSAGES
    assert answered == MESSAGES
    assert sorted(recorded) == sorted(texts)  # none lost, none duplicated
    assert interleaved == 0, [
        (text, [(e["event"], e.get("name") or e.get("text")) for e in events])
        for text, events in turns
        if not whole_turn(events)
    ]
