"""One engine factory that reads the URL from the environment, and a
`session_scope()` that commits or rolls back. Nothing is built at import time."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot import config


def apply_sqlite_pragmas(
    engine: Engine, *, synchronous: str | None = None, foreign_keys: bool = True
) -> None:
    """Set WAL mode (and foreign keys, and `synchronous` if given) on every new
    connection of an SQLite `engine`."""
    if synchronous not in (None, "FULL", "NORMAL"):
        raise ValueError(f"unsupported synchronous mode: {synchronous}")

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        if foreign_keys:
            cursor.execute("PRAGMA foreign_keys=ON")
        _use_wal(cursor)
        if synchronous:
            cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()


# How long a new connection retries switching a busy database to WAL: the
# connection's own busy timeout (`make_engine`).
WAL_SWITCH_SECONDS = 30.0


def _use_wal(cursor, timeout: float = WAL_SWITCH_SECONDS) -> None:  # noqa: ANN001
    """Put the database in WAL mode, waiting for other connections' locks.

    Switching a database out of rollback-journal mode needs an exclusive lock,
    and SQLite answers "database is locked" at once, without the connection's
    busy timeout, when another connection holds any lock: a web process opening
    a tracker store that Rasa is writing in rollback mode would fail its first
    read. A database already in WAL mode is left as it is (nothing to lock).
    """
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def reopen_when_file_replaced(engine: Engine, path: str) -> None:
    """Make a pooled SQLite `engine` drop connections to a file that was since
    deleted or replaced at `path`.

    A pooled connection keeps the file it opened: after a restore or a reset that
    replaces the file, it would go on reading, and writing, the unlinked old one.
    At every checkout the file at `path` is compared with the connection's (one
    `stat`); a mismatch discards the connection and opens `path` again, as an
    unpooled engine would.
    """

    @event.listens_for(engine, "connect")
    def _remember_file(_dbapi_connection, record):  # noqa: ANN001
        record.info["csba_file"] = _file_identity(path)

    @event.listens_for(engine, "checkout")
    def _same_file(_dbapi_connection, record, _proxy):  # noqa: ANN001
        if record.info.get("csba_file") != _file_identity(path):
            raise DisconnectionError(f"the SQLite file {path} was replaced")


def make_engine(
    url: str | None = None,
    *,
    future: bool = True,
    synchronous: str | None = None,
    foreign_keys: bool = True,
) -> Engine:
    """An engine for `url` (default: DATABASE_URL).

    An SQLite file gets a connection pool (SQLAlchemy 1.4 would open a new
    connection, and set the pragmas again, for every session: 15 % of the action
    server's CPU under `make bench`) that notices a replaced file, WAL mode, and
    the pragmas of `apply_sqlite_pragmas` (`synchronous`, `foreign_keys`).
    """
    url = url or config.database_url()
    kwargs: dict = {"future": future}
    if url.startswith("sqlite"):
        path = make_url(url).database
        connect_args: dict = {"timeout": 30}
        if path and path != ":memory:" and not path.startswith("file:"):
            # only its owner may read the database (orders, ZIP codes, cases)
            Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            kwargs["poolclass"] = QueuePool
            connect_args["check_same_thread"] = False
        kwargs["connect_args"] = connect_args
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        apply_sqlite_pragmas(engine, synchronous=synchronous, foreign_keys=foreign_keys)
        if kwargs.get("poolclass") is QueuePool:
            reopen_when_file_replaced(engine, path)
    return engine


@lru_cache(maxsize=8)
def _cached_engine(url: str) -> Engine:
    return make_engine(url)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: DATABASE_URL), built on first use."""
    return _cached_engine(url or config.database_url())


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any exception."""
    session = session_factory(engine or get_engine())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
