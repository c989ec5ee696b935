"""`csba cases`: the seller case log."""

from __future__ import annotations

import argparse
from typing import Any

from bot.adapters import clock
from bot.adapters.db import session_scope
from bot.domain.sla import sla_state
from bot.entrypoints.cli.common import (
    engine,
    instant,
    local,
    msg,
    print_json,
    require_schema,
    require_seller,
)
from bot.services.cases import get_case, list_cases, reply, sweep
from bot.services.notifications import EmailNotifier


def _case_dict(case) -> dict[str, Any]:  # noqa: ANN001

    now = clock.now()
    return {
        "id": case.id,
        "kind": getattr(case.kind, "value", case.kind),
        "status": getattr(case.status, "value", case.status),
        "sla": sla_state(case.status, case.seller_due_at, now, case.replied_at).value,
        "order_id": case.order_id,
        "seller_id": case.seller_id,
        "buyer_id": case.buyer_id,
        "conversation_id": case.conversation_id,
        "category": case.category,
        "reason_code": case.reason_code,
        "question": case.question,
        "created_at": case.created_at.isoformat(),
        "seller_due_at": case.seller_due_at.isoformat() if case.seller_due_at else None,
        "buyer_due_at": case.buyer_due_at.isoformat(),
        "messages": [
            {
                "author": getattr(m.author, "value", m.author),
                "author_id": m.author_id,
                "text": m.text,
                "created_at": m.created_at.isoformat(),
            }
            for m in case.messages
        ],
    }


def cmd_cases_list(args: argparse.Namespace) -> int:
    require_schema()
    with session_scope(engine()) as session:
        if args.seller:
            require_seller(session, args.seller)
        kind = (
            "seller" if args.seller else None
        )  # a seller's case log holds no agent cases
        cases = list_cases(
            session,
            seller_id=args.seller,
            status=args.status,
            kind=kind,
            limit=args.limit,
        )
    payload = [_case_dict(c) for c in cases]
    if args.json:
        print_json(payload)
        return 0
    if not payload:
        print(msg("cli.cases.none"))
        return 0
    print(msg("cli.cases.header"))
    for case, row in zip(cases, payload, strict=True):
        print(
            msg(
                "cli.cases.row",
                id=row["id"],
                status=row["status"],
                sla=row["sla"],
                seller=row["seller_id"] or "-",
                order=row["order_id"] or "-",
                category=row["category"],
                due=local(case.seller_due_at),
            )
        )
    return 0


def cmd_cases_show(args: argparse.Namespace) -> int:
    require_schema()
    with session_scope(engine()) as session:
        case = get_case(session, args.case_id)
    print_json(_case_dict(case))
    return 0


def cmd_cases_reply(args: argparse.Namespace) -> int:
    require_schema()
    text = " ".join(args.text).strip()
    with session_scope(engine()) as session:
        require_seller(session, args.seller)
        case = reply(
            session,
            case_id=args.case_id,
            seller_id=args.seller,
            text=text,
            now=instant(args.at),
        )
    print(
        msg(
            "cli.cases.replied",
            id=case.id,
            status=getattr(case.status, "value", case.status),
        )
    )
    return 0


def cmd_cases_sweep(args: argparse.Namespace) -> int:
    require_schema()
    at = instant(args.at)
    with session_scope(engine()) as session:
        escalated = sweep(session, now=at, notifier=EmailNotifier())
    ids = ", ".join(str(c.id) for c in escalated) or msg("common.none")
    print(msg("cli.cases.swept", count=len(escalated), ids=ids, at=local(at)))
    return 0
