"""`csba enroll` and `csba opt-out`: a seller's CSBA enrollment."""

from __future__ import annotations

import argparse

from bot.adapters.db import session_scope
from bot.entrypoints.cli.common import (
    engine,
    instant,
    local,
    msg,
    require_schema,
)
from bot.services.enrollment import enroll, opt_out


def cmd_enroll(args: argparse.Namespace) -> int:
    require_schema()
    at = instant(args.at)
    with session_scope(engine()) as session:
        period = enroll(session, args.seller, at)
    print(
        msg(
            "cli.enroll.done",
            seller=args.seller,
            opted_in_at=local(period.opted_in_at),
            coverage_start=local(period.coverage_start),
        )
    )
    return 0


def cmd_opt_out(args: argparse.Namespace) -> int:
    require_schema()
    at = instant(args.at)
    with session_scope(engine()) as session:
        opt_out(session, args.seller, at)
    print(msg("cli.opt_out.done", seller=args.seller, at=local(at)))
    return 0
