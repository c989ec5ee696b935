"""The scheduler's lock: at most one `csba scheduler` runs a pass at a time, however
many run (one per machine of a cluster, or two started by mistake). A scheduler that
cannot take the lock at once skips its pass; it never waits.

- PostgreSQL: the session advisory lock `pg_try_advisory_lock(SCHEDULER_LOCK_KEY)`,
  taken on a connection of its own and released with `pg_advisory_unlock` after the
  pass has committed (and sent its mail). If the process or its connection dies,
  the server releases the lock with the session: no stale lock. A connection whose
  unlock failed is discarded, never pooled with the lock still held.
- SQLite (one machine): an exclusive `flock` on a file beside the database,
  `<database>.scheduler-lock`. It holds across processes, the kernel releases it
  when the process dies, and, unlike `BEGIN IMMEDIATE`, it does not hold the
  database's write lock for the pass, so the web app and the action server keep
  writing (the sweep itself takes the write lock only for its own short
  transaction), and a pass is skipped only because another scheduler runs one,
  not because a chat happens to be writing. An in-memory database belongs to
  one process: the lock is always free.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

# A fixed 64-bit key for pg_try_advisory_lock: the first 8 bytes, signed, of
# blake2b(b"csba.scheduler", digest_size=8); case_store's transaction locks hash
# other strings into the same space.
SCHEDULER_LOCK_KEY = 4_996_981_925_652_644_856

LOCK_FILE_SUFFIX = ".scheduler-lock"


def lock_file_path(engine: Engine) -> Path | None:
    """The lock file of an SQLite file database; None for an in-memory one."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database + LOCK_FILE_SUFFIX)


@contextmanager
def try_scheduler_lock(engine: Engine) -> Iterator[bool]:
    """Take the scheduler's lock for the block if nobody holds it: yields True
    (held until the block ends) or False (another scheduler holds it)."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        with _postgres_lock(engine) as acquired:
            yield acquired
    elif dialect == "sqlite":
        with _file_lock(lock_file_path(engine)) as acquired:
            yield acquired
    else:
        raise ValueError(f"no scheduler lock for the {dialect} dialect")


@contextmanager
def _postgres_lock(engine: Engine) -> Iterator[bool]:
    conn = engine.connect()
    try:
        acquired = bool(
            conn.execute(select(func.pg_try_advisory_lock(SCHEDULER_LOCK_KEY))).scalar()
        )
        conn.commit()  # end the transaction; the session lock stays
        try:
            yield acquired
        finally:
            if acquired:
                try:
                    conn.execute(select(func.pg_advisory_unlock(SCHEDULER_LOCK_KEY)))
                    conn.commit()
                except Exception:
                    # closing the session is what releases the lock now
                    conn.invalidate()
                    raise
    finally:
        conn.close()


@contextmanager
def _file_lock(path: Path | None) -> Iterator[bool]:
    if path is None:
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
