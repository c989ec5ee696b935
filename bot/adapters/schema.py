"""Schema upgrades through Alembic, callable from the CLI, `make run` and tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from bot import config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option(
        "sqlalchemy.url", (url or config.database_url()).replace("%", "%%")
    )
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at `url` (default DATABASE_URL) up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from bot.adapters.db import make_engine

    engine = make_engine(url or config.database_url())
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
