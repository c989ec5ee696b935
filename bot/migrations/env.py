"""Alembic environment. The URL comes from the caller (bot.adapters.schema) or DATABASE_URL."""

from __future__ import annotations

from alembic import context

from bot import config as csba_config
from bot.adapters.db import make_engine
from bot.adapters.orm import metadata

alembic_config = context.config
target_metadata = metadata


def _url() -> str:
    return (
        alembic_config.get_main_option("sqlalchemy.url") or csba_config.database_url()
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = alembic_config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
