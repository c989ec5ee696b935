"""bot.entrypoints.rasa.tracker_store: endpoints.yml's tracker store, loaded as `rasa run` loads it.

Rasa falls back to an in-memory store when a custom tracker store's module path
does not import, so these tests load the project's own endpoints.yml and check the
class that comes back, then store and read conversations through it: on an SQLite
file (pooled, WAL) and on PostgreSQL (left as Rasa configures it).
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

from bot.config import PROJECT_ROOT, TRACKER_STORE_TYPE
from bot.entrypoints.rasa.tracker_store import CsbaSQLTrackerStore


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def _store_from_endpoints(monkeypatch, url: str, domain: Domain) -> CsbaSQLTrackerStore:
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    monkeypatch.setenv("CSBA_ACTION_TOKEN", "t0ken")
    endpoints = read_endpoints_from_path(str(PROJECT_ROOT / "endpoints.yml"))
    assert endpoints.tracker_store.type == TRACKER_STORE_TYPE
    assert endpoints.action.kwargs.get("enable_selective_domain") is True
    # every call to the action server carries its token (actions_server.py)
    assert endpoints.action.headers == {"Authorization": "Bearer t0ken"}
    store = TrackerStore.create(endpoints.tracker_store, domain)
    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, CsbaSQLTrackerStore), type(inner)
    return inner


def _conversation(domain: Domain, sender: str, turns: int) -> DialogueStateTracker:
    events = []
    for turn in range(turns):
        events += [
            ActionExecuted("action_listen"),
            UserUttered(f"where is my order, take {turn}", {"name": "delivery_status"}),
            SlotSet("route", "bot"),
            ActionExecuted("utter_reason_in_transit"),
        ]
    return DialogueStateTracker.from_events(sender, events, slots=domain.slots)


def _round_trip(store: CsbaSQLTrackerStore, domain: Domain) -> None:
    async def go() -> None:
        first = _conversation(domain, "buyer-a", 1)
        await store.save(first)
        longer = _conversation(domain, "buyer-a", 3)
        await store.save(longer)  # only the new events are added
        await store.save(_conversation(domain, "buyer-b", 2))
        back = await store.retrieve("buyer-a")
        assert [e.as_dict()["event"] for e in back.events] == [
            e.as_dict()["event"] for e in longer.events
        ]
        assert back.get_slot("route") == "bot"
        assert sorted(await store.keys()) == ["buyer-a", "buyer-b"]

    asyncio.run(go())


def test_sqlite_file_is_pooled_in_wal_mode_and_keeps_conversations(
    monkeypatch, tmp_path, domain
):
    path = tmp_path / "tracker.db"
    store = _store_from_endpoints(monkeypatch, f"sqlite:///{path}", domain)
    try:
        assert isinstance(store.engine.pool, QueuePool)
        _round_trip(store, domain)
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        # Another reader (the agent console) sees the committed rows.
        with sqlite3.connect(path) as other:
            assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 20
    finally:
        store.engine.dispose()


def test_postgresql_keeps_rasas_engine(monkeypatch, postgres_url, domain):
    store = _store_from_endpoints(monkeypatch, postgres_url, domain)
    try:
        assert store.engine.dialect.name == "postgresql"
        assert store.engine.pool.size() == 50  # Rasa's default pool, untouched
        _round_trip(store, domain)
    finally:
        store.engine.dispose()


def _two_sessions(
    domain: Domain, sender: str, second_turns: int
) -> DialogueStateTracker:
    """A first session of two turns, then a new session of `second_turns` turns."""
    first = list(_conversation(domain, sender, 2).events)
    second = list(_conversation(domain, sender, second_turns).events)
    for event in second:
        event.timestamp += 10_000  # the later session is later
    restart = [
        ActionExecuted("action_session_start", timestamp=first[-1].timestamp + 5_000),
        SessionStarted(timestamp=first[-1].timestamp + 5_000),
    ]
    return DialogueStateTracker.from_events(
        sender, first + restart + second, slots=domain.slots
    )


def _rows(url: str) -> list[tuple]:
    path = url.split("///", 1)[1]
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data"
            " FROM events ORDER BY id"
        ).fetchall()


def test_same_rows_and_same_trackers_as_rasas_own_store(tmp_path, domain):
    """Saved turn by turn over two sessions, both stores write identical rows and
    read back identical trackers, from their own table and from each other's."""
    ours_url, rasas_url = (f"sqlite:///{tmp_path / n}.db" for n in ("ours", "rasas"))
    ours = CsbaSQLTrackerStore(domain=domain, host=ours_url)
    rasas = SQLTrackerStore(domain=domain, host=rasas_url)

    events = list(_two_sessions(domain, "buyer-a", 3).events)
    # The tracker of each turn as Rasa holds it: the first session (one turn, two),
    # then a new session, whose tracker holds only the new session once retrieved.
    trackers = [
        DialogueStateTracker.from_events(
            "buyer-a", events[start:end], slots=domain.slots
        )
        for start, end in ((0, 4), (0, 14), (8, 22), (8, 22))
    ]

    async def go() -> None:
        for store in (ours, rasas):
            for tracker in trackers:
                await store.save(tracker)
        assert _rows(ours_url) == _rows(rasas_url)
        assert len(_rows(ours_url)) == 8 + 2 + 12
        reader_of_rasas = CsbaSQLTrackerStore(domain=domain, host=rasas_url)
        for reader in (ours, reader_of_rasas):
            latest = await reader.retrieve("buyer-a")
            full = await reader.retrieve_full_tracker("buyer-a")
            expected_latest = await rasas.retrieve("buyer-a")
            expected_full = await rasas.retrieve_full_tracker("buyer-a")
            assert latest.current_state() == expected_latest.current_state()
            assert full.current_state() == expected_full.current_state()
            assert len(latest.events) == 2 + 12 and len(full.events) == 22
        assert await ours.retrieve("nobody") is None
        reader_of_rasas.engine.dispose()

    try:
        asyncio.run(go())
    finally:
        ours.engine.dispose()
        rasas.engine.dispose()
