"""`csba token`: a signed chat token for a buyer (demo sign-in, tests, curl)."""

from __future__ import annotations

import argparse
from datetime import timedelta

from bot.adapters.db import session_scope
from bot.adapters.repository import SqlRepository
from bot.entrypoints.cli.common import (
    CliError,
    engine,
    require_schema,
)
from bot.services.identity import issue_buyer_token


def cmd_token(args: argparse.Namespace) -> int:
    """Print a signed chat token for a buyer (demo sign-in, tests, curl)."""

    require_schema()
    if args.ttl < 1:
        raise CliError("cli.error.bad_ttl", value=args.ttl)
    with session_scope(engine()) as session:
        if SqlRepository(session).get_buyer(args.buyer) is None:
            raise CliError("cli.error.unknown_buyer", buyer=args.buyer)
    print(
        issue_buyer_token(
            args.buyer, ttl=timedelta(minutes=args.ttl), conversation=args.conversation
        )
    )
    return 0
