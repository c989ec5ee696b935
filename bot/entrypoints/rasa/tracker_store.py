"""Rasa's SQL tracker store, with SQLite connections kept open and commits made cheap.

In endpoints.yml:

    tracker_store:
      type: bot.entrypoints.rasa.tracker_store.CsbaSQLTrackerStore
      url: ${TRACKER_STORE_URL}

Same table (`events`), same queries and same behaviour as Rasa's `type: SQL`, which
this class is. What differs, on SQLite only (the default of `make run`):
- SQLAlchemy 1.4 gives a file database no connection pool, so Rasa opened a new
  connection for every read and every write of a tracker; here a pool keeps them;
- the database is in WAL mode with `synchronous=NORMAL`: a commit appends to the
  write-ahead log without waiting for the disk, and the agent console can read
  while Rasa writes. A crash of the process loses nothing; a power cut can lose the
  last moments of conversation, never corrupt the file (SQLite's documented
  guarantee for this mode). Under `make bench`, commits in the default mode took
  5 % of the Rasa server's CPU, on its event loop.
PostgreSQL and other databases keep Rasa's engine options and pool, plus
`pool_pre_ping`: after a database restart, the first turn gets a fresh
connection instead of a dead pooled one (Rasa's engine would fail that turn).

On every database, reading and saving a tracker use two SQL statements built once
(the same SQL as Rasa's: the events of the latest session in id order; their count,
then the new events) instead of ORM queries and a unit of work rebuilt for every
message: under `make bench` those took 15 % of the Rasa server's CPU, most of it
SQLAlchemy's ORM machinery around one SELECT and a few INSERTs.

Rasa loads a custom tracker store by its module path and, if the import fails,
silently falls back to an in-memory store: tests/unit/test_tracker_store.py loads
endpoints.yml as Rasa does and checks that this class is what comes back.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.adapters.db import make_engine

log = logging.getLogger(__name__)


def event_row(sender_id: str, event: Any) -> dict[str, Any]:
    """A row of the `events` table, as Rasa's SQLTrackerStore.save() writes it."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {})
        .get("intent", {})
        .get(INTENT_NAME_KEY),
        # as Rasa stores it: the action's, or the slot's, name
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class CsbaSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` with a connection pool and WAL on SQLite files, and its
    reads and writes as prepared Core statements."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (
            None,
            "",
            ":memory:",
        ):
            self.engine.dispose()
            # Pooled, WAL; synchronous=NORMAL; Rasa's legacy (non-future) engine API.
            self.engine = make_engine(
                url.render_as_string(hide_password=False),
                future=False,
                synchronous="NORMAL",
                foreign_keys=False,
            )
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
            log.debug("SQLite tracker store %s: pooled, WAL", url.database)
        elif url.get_backend_name() != "sqlite":
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, pool_pre_ping=True, **create_engine_kwargs(url)
            )
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._statements = _Statements(self.SQLEvent.__table__)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        statement = (
            self._statements.all_events
            if fetch_events_from_all_sessions
            else self._statements.session_events
        )
        with self.session_scope() as session:
            rows = session.execute(statement, {"sender_id": sender_id}).scalars().all()
        events = [json.loads(data) for data in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = session.execute(
                self._statements.count_session_events, {"sender_id": tracker.sender_id}
            ).scalar_one()
            rows = [
                event_row(tracker.sender_id, event)
                for event in list(tracker.events)[stored:]
            ]
            if rows:
                session.execute(self._statements.insert, rows)
            session.commit()


class _Statements:
    """Rasa's tracker queries (SQLTrackerStore._event_query and save) as Core SQL."""

    def __init__(self, events: sa.Table) -> None:
        sender = sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(events.c.timestamp))
            .where(
                events.c.sender_id == sender,
                events.c.type_name == SessionStarted.type_name,
            )
            .scalar_subquery()
        )
        in_latest_session = sa.or_(
            events.c.timestamp >= session_start, session_start.is_(None)
        )
        self.all_events = (
            sa.select(events.c.data)
            .where(events.c.sender_id == sender)
            .order_by(events.c.id)
        )
        self.session_events = self.all_events.where(in_latest_session)
        self.count_session_events = (
            sa.select(sa.func.count())
            .select_from(events)
            .where(events.c.sender_id == sender, in_latest_session)
        )
        self.insert = events.insert()
