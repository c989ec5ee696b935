"""Shared fixtures: real databases (a temporary SQLite file, and PostgreSQL when
TEST_POSTGRES_URL is set), migrated with Alembic exactly as production is.

`db_url` is parametrized: every test that uses it runs on SQLite, and again on
PostgreSQL when TEST_POSTGRES_URL is set. In CI (CI=true) PostgreSQL is required:
a missing TEST_POSTGRES_URL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.adapters import schema
from bot.adapters.db import make_engine, session_scope

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

if IN_CI and not TEST_POSTGRES_URL:
    raise pytest.UsageError(
        "CI=true but TEST_POSTGRES_URL is unset: the PostgreSQL tests must run in CI"
    )

DB_BACKENDS = ["sqlite"] + (["postgresql"] if TEST_POSTGRES_URL else [])

# Redis, for the cluster's shared state (issue 15): required in CI as PostgreSQL is.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
if IN_CI and not TEST_REDIS_URL:
    raise pytest.UsageError(
        "CI=true but TEST_REDIS_URL is unset: the Redis tests must run in CI"
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    """No test reads or writes the developer's var/ or sends real mail."""
    monkeypatch.setenv("CSBA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SMTP_URL", raising=False)
    monkeypatch.delenv("CSBA_NOW", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CSBA_REDIS_URL", raising=False)  # Redis only where a test asks


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    if not TEST_POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL is not set (CI always sets it)")
    admin = create_engine(TEST_POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"csba_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(
            text(f'CREATE DATABASE "{name}"')
        )  # name is generated above, not user input
    url = (
        make_url(TEST_POSTGRES_URL)
        .set(database=name)
        .render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of its own for the test (database 1-15, chosen by the
    xdist worker and flushed before and after), on TEST_REDIS_URL's server."""
    if not TEST_REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set (CI always sets it)")
    import redis

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = 1 + int("".join(ch for ch in worker if ch.isdigit()) or 0) % 15
    url = str(make_url(TEST_REDIS_URL).set(database=str(number)))
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'csba-test.db'}"


@pytest.fixture(params=DB_BACKENDS)
def db_url(request) -> str:
    """An empty, migrated database URL: SQLite, then PostgreSQL when available."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("postgres_url")
    schema.upgrade(url)
    return url


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    """A session in a unit of work that commits at the end of the test."""
    with session_scope(engine) as s:
        yield s
