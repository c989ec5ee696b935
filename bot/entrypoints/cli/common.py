"""What every `csba` command shares: the catalogue in the CLI's language, the one-line
user error, the argument parser that never prints a traceback, the database and its
schema check, and how instants and JSON are printed."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any, NoReturn

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot import config
from bot.adapters import clock, schema
from bot.adapters.catalogue import t
from bot.adapters.db import get_engine
from bot.services.errors import CatalogueError
from bot.services.presentation import format_marketplace_time

DEMO_DIR = config.PROJECT_ROOT / "data" / "demo"
DEMO_DATA = DEMO_DIR / "demo.json"
DEMO_EXAMPLES = DEMO_DIR / "examples.json"


def cli_lang() -> str:
    return config.cli_language()


def msg(key: str, /, **params: Any) -> str:
    return t(key, cli_lang(), **params)


class CliError(CatalogueError):
    """A user error: rendered as one line from the catalogue, exit 1."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 1
        self.exit(1, f"{self.prog}: {message.splitlines()[0]}\n")


def instant(text: str | None) -> datetime:
    if text is None:
        try:
            return clock.now()
        except clock.ClockError:
            raise CliError(
                "cli.error.bad_time", value=config.fixed_now() or ""
            ) from None
    try:
        return clock.parse_instant(text)
    except clock.ClockError:
        pass
    # No offset: the marketplace's wall clock, said on stderr (stdout may be JSON).
    zone = config.MARKETPLACE_TZ
    try:
        at = clock.parse_wall_time(text, zone)
    except clock.SkippedLocalTime:
        raise CliError("cli.error.skipped_time", value=text, zone=zone.key) from None
    except clock.ClockError:
        raise CliError("cli.error.bad_at", value=text) from None
    read_as = at.astimezone(zone).isoformat()
    print(msg("cli.at_local", value=text, zone=zone.key, at=read_as), file=sys.stderr)
    return at


def require_seller(session, seller_id: str) -> None:  # noqa: ANN001 - a Session
    """Refuse a seller id that is not in the database (one line, exit 1)."""
    from bot.adapters.repository import SqlRepository

    if SqlRepository(session).get_seller(seller_id) is None:
        raise CliError("cli.error.unknown_seller", seller=seller_id)


def require_buyer(session, buyer_id: str) -> None:  # noqa: ANN001 - a Session
    """Refuse a buyer id that is not in the database (one line, exit 1)."""
    from bot.adapters.repository import SqlRepository

    if not SqlRepository(session).buyer_exists(buyer_id):
        raise CliError("cli.error.unknown_buyer", buyer=buyer_id)


def display_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def engine():
    return get_engine()


def require_schema() -> None:
    """Refuse to work on a database that `csba db upgrade` has not brought up to date."""

    head = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
    current = schema.current_revision()
    if current != head:
        raise CliError(
            "cli.error.schema_outdated",
            url=display_url(config.database_url()),
            current=current or msg("common.none"),
            head=head,
        )


def print_json(payload: Any) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def local(instant: datetime | None) -> str:
    if instant is None:
        return "-"
    return format_marketplace_time(instant)


def render_error(exc: BaseException) -> str | None:
    """The one-line message for an error the user can act on, or None for a bug."""

    # The importer's error renders itself line by line; imported here so that a
    # command that loads no data does not import the importer.
    from bot.services.importer import ImportValidationError

    if isinstance(exc, ImportValidationError):
        return exc.line(cli_lang())
    key = getattr(exc, "key", None)
    params = getattr(exc, "params", None)
    if isinstance(exc, CliError) or (isinstance(key, str) and isinstance(params, dict)):
        return msg(key, **params)
    if isinstance(exc, OperationalError):
        return msg(
            "cli.error.database",
            url=display_url(config.database_url()),
            detail=str(exc.orig).strip().splitlines()[0] if exc.orig else "",
        )
    if isinstance(exc, FileNotFoundError):
        return msg("cli.error.file_not_found", file=exc.filename or str(exc))
    return None
