"""`csba triage` and `csba examples`: decisions, printed (they read only)."""

from __future__ import annotations

import argparse
import json

from bot.adapters import clock
from bot.adapters.db import session_scope
from bot.entrypoints.cli.common import (
    DEMO_EXAMPLES,
    engine,
    instant,
    local,
    msg,
    print_json,
    require_buyer,
    require_schema,
)
from bot.services.triage import triage


def cmd_triage(args: argparse.Namespace) -> int:
    require_schema()
    at = instant(args.at)
    with session_scope(engine()) as session:
        if args.buyer:
            require_buyer(session, args.buyer)
        result = triage(
            session,
            intent=args.intent,
            order_id=args.order,
            now=at,
            buyer_id=args.buyer,
            question=args.text,
        )
        session.rollback()  # triage only reads
    print_json(result.decision.as_dict())
    return 0


def cmd_examples(args: argparse.Namespace) -> int:
    """Triage every demo example and print one line each (the `make run` demo)."""
    require_schema()
    spec = json.loads(DEMO_EXAMPLES.read_text(encoding="utf-8"))
    default_at = clock.parse_instant(spec["at"])
    rows = []
    with session_scope(engine()) as session:
        for example in spec["examples"]:
            at = clock.parse_instant(example["at"]) if example.get("at") else default_at
            result = triage(
                session,
                intent=example["intent"],
                order_id=example.get("order"),
                now=at,
                buyer_id=example.get("buyer"),
                question=example.get("text"),
            )
            rows.append((example, result.decision))
        session.rollback()
    print(msg("cli.examples.heading", at=local(default_at)))
    for example, decision in rows:
        print(
            msg(
                "cli.examples.row",
                intent=example["intent"],
                order=example.get("order") or "-",
                route=decision.route.value,
                reason_code=decision.reason_code,
            )
        )
        print(msg("cli.examples.reason", reason=decision.reason))
    return 0
