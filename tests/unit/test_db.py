"""bot.adapters.db: the pooled SQLite engine keeps connections, and notices a replaced file."""

from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from bot.adapters.db import make_engine


def _database(path, label: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (label TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", (label,))


def _label(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT label FROM t")).scalar_one()


def test_a_file_database_is_pooled_in_wal_mode(tmp_path):
    path = tmp_path / "a.db"
    _database(path, "first")
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert isinstance(engine.pool, QueuePool)
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with engine.connect() as conn:
            assert conn.connection.dbapi_connection is raw  # kept, not reopened
    finally:
        engine.dispose()


def test_a_database_another_connection_is_writing_is_switched_to_wal_when_free(
    tmp_path,
):
    """SQLite refuses the switch out of rollback mode at once, without the busy
    timeout, while another connection holds a lock (as Rasa's own store does
    when it writes a tracker database in rollback mode): the first read of a
    new engine must wait for the lock, not fail with "database is locked"."""
    path = tmp_path / "a.db"
    _database(path, "first")
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES ('second')")
    released = threading.Timer(0.3, writer.execute, args=("COMMIT",))
    released.start()
    engine = make_engine(f"sqlite:///{path}")
    try:
        started = time.monotonic()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            labels = conn.execute(text("SELECT label FROM t ORDER BY label"))
            assert labels.scalars().all() == ["first", "second"]
        assert time.monotonic() - started >= 0.2  # it waited for the writer
    finally:
        released.join()
        writer.close()
        engine.dispose()


def test_a_replaced_file_is_opened_again(tmp_path):
    path = tmp_path / "a.db"
    _database(path, "first")
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert _label(engine) == "first"  # a pooled connection to the first file
        path.unlink()
        for suffix in ("-wal", "-shm"):
            (tmp_path / f"a.db{suffix}").unlink(missing_ok=True)
        _database(path, "restored")  # e.g. a backup put back in place
        assert _label(engine) == "restored"
    finally:
        engine.dispose()


def test_memory_databases_are_not_pooled_across_threads():
    engine = make_engine("sqlite://")
    try:
        assert not isinstance(engine.pool, QueuePool)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()


def test_the_directory_made_for_a_database_file_is_its_owners_only(tmp_path):
    """The database holds orders, ZIP codes and cases: the directory made for
    it (var/ on a new checkout) is not readable by other local users."""
    path = tmp_path / "new-var" / "csba.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("select 1")
    engine.dispose()
    assert (path.parent.stat().st_mode & 0o777) == 0o700
