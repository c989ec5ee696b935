"""`csba users`: web app accounts."""

from __future__ import annotations

import argparse
import sys

from bot.adapters.db import session_scope
from bot.entrypoints.cli.common import (
    CliError,
    engine,
    instant,
    msg,
    require_schema,
)
from bot.services.users import add_user, generate_password


def _new_password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated): from stdin with --password-stdin, else prompted on
    a terminal (an empty answer generates one), else generated."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(
            msg("web.users.prompt_password", username=args.username)
        )
        if first:
            if getpass.getpass(msg("web.users.prompt_again")) != first:
                raise CliError("web.users.mismatch")
            return first, False

    return generate_password(), True


def cmd_users_add(args: argparse.Namespace) -> int:
    require_schema()
    password, generated = _new_password(args)
    with session_scope(engine()) as session:
        user = add_user(
            session,
            username=args.username,
            password=password,
            role=args.role,
            seller_id=args.seller,
            language=args.language,
            now=instant(None),
        )
    print(msg("web.users.added", role=user.role, username=user.username))
    if generated:
        print(msg("web.users.password_once", password=password))
    return 0
