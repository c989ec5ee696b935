"""`csba db`: the schema (Alembic) and the data (imports, the demo set)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import config
from bot.adapters import schema
from bot.adapters.db import session_scope
from bot.entrypoints.cli.common import (
    DEMO_DATA,
    cli_lang,
    display_url,
    engine,
    instant,
    msg,
    require_schema,
)
from bot.services.importer import load_file
from bot.services.users import seed_demo_accounts


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    schema.upgrade()
    print(
        msg(
            "cli.db.upgraded",
            url=display_url(config.database_url()),
            revision=schema.current_revision(),
        )
    )
    return 0


def _load(path: Path) -> int:
    require_schema()
    summary = load_file(path, engine())
    print(msg("cli.db.loaded", file=str(path), summary=summary.describe(cli_lang())))
    return 0


def cmd_db_load(args: argparse.Namespace) -> int:
    return _load(Path(args.file))


def cmd_db_seed(args: argparse.Namespace) -> int:
    code = _load(DEMO_DATA)
    with session_scope(engine()) as session:
        accounts = seed_demo_accounts(session, now=instant(None))
    for account in accounts:
        user = account.user
        key = (
            "web.users.demo_seller_account"
            if user.seller_id
            else "web.users.demo_account"
        )
        print(
            msg(
                key,
                role=user.role,
                seller_id=user.seller_id or "",
                username=user.username,
                password=account.password,
            )
        )
    return code
