"""The Alembic migrations: from an empty database to head, on SQLite and
PostgreSQL, giving exactly the schema the ORM maps."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.adapters import schema
from bot.adapters.db import make_engine
from bot.adapters.orm import metadata
from tests.conftest import DB_BACKENDS


@pytest.fixture(params=DB_BACKENDS)
def empty_url(request) -> str:
    """An empty database, not migrated: SQLite, then PostgreSQL when available."""
    fixture = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}[request.param]
    return request.getfixturevalue(fixture)


def head_revision() -> str:
    return ScriptDirectory.from_config(schema.alembic_config()).get_current_head()


def schema_differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_reaches_head(empty_url):
    assert table_names(empty_url) == set()
    assert schema.current_revision(empty_url) is None

    schema.upgrade(empty_url)

    assert schema.current_revision(empty_url) == head_revision()
    assert table_names(empty_url) == set(metadata.tables) | {"alembic_version"}


def test_migrated_schema_matches_the_orm(empty_url):
    schema.upgrade(empty_url)
    assert schema_differences(empty_url) == []


def test_upgrade_twice_is_a_no_op(empty_url):
    schema.upgrade(empty_url)
    schema.upgrade(empty_url)
    assert schema.current_revision(empty_url) == head_revision()
    assert schema_differences(empty_url) == []


def test_downgrade_to_base_and_back(empty_url):
    schema.upgrade(empty_url)

    command.downgrade(schema.alembic_config(empty_url), "base")
    assert table_names(empty_url) == {"alembic_version"}
    assert schema.current_revision(empty_url) is None

    schema.upgrade(empty_url)
    assert schema_differences(empty_url) == []


def test_the_db_url_fixture_is_migrated(db_url):
    assert schema.current_revision(db_url) == head_revision()
