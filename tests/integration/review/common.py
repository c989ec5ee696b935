"""What the review console's tests share: a fixed clock, an order id and the
helpers that sync, list and open cases."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.adapters.db import session_scope
from bot.services import cases, review
from bot.services.review import ConversationFilters

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)  # 10:00 in Seattle
ORDER = "112-1234567-1234567"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def sync(project, tracker, now=NOW) -> int:
    with session_scope(project) as session:
        return review.sync_summaries(session, tracker, now=now)


def listing(project, now=NOW, **filters) -> list[str]:
    with session_scope(project) as session:
        page = review.list_conversations(
            session, ConversationFilters(**filters), now=now, per_page=200
        )
    return [line.conversation_id for line in page.lines]


def open_case(
    project, *, conversation_id, kind="seller", at=NOW, reason="late_delivery"
):
    with session_scope(project) as session:
        return cases.open_case(
            session,
            conversation_id=conversation_id,
            category="delivery_status",
            question="Where is it?",
            order_id=ORDER if kind == "seller" else None,
            kind=kind,
            reason_code=reason,
            now=at,
        ).case
