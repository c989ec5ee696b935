"""The agent console marks cases past the buyer's two-day commitment (`buyer_due_at`)
that still wait for an answer, lists them first, and filters them
(`sla_state=buyer_overdue`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from bot.adapters.db import get_engine, session_scope
from bot.domain.model import CaseStatus
from bot.domain.sla import buyer_overdue, deadlines
from bot.services import cases, review
from tests.trackers import conversation

BADGE = "Buyer overdue (2 days)"
T0 = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)


def ago(hours: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(hours=hours)


@pytest.mark.parametrize(
    ("status", "at", "expected"),
    [
        (CaseStatus.AWAITING_SELLER, timedelta(hours=48) - timedelta(seconds=1), False),
        (CaseStatus.AWAITING_SELLER, timedelta(hours=48), True),
        (CaseStatus.ESCALATED, timedelta(hours=60), True),
        (CaseStatus.SELLER_REPLIED, timedelta(hours=60), False),
        (CaseStatus.RESOLVED, timedelta(hours=60), False),
    ],
)
def test_buyer_overdue_rule(status, at, expected):
    due = deadlines(T0).buyer_due_at
    assert buyer_overdue(status, due, T0 + at) is expected
    assert buyer_overdue(status, None, T0 + at) is False


@pytest.fixture
def buyer_cases(writer, web_engine):
    """Four conversations with a case each: two past the buyer's 48 hours and
    unanswered (one awaiting the seller, one escalated to an agent), one past them
    but answered by the seller, one only 30 hours old."""
    specs = [
        ("late-awaiting", "112-1234567-1234567", "seller", 50),
        ("late-agent", None, "agent", 49),
        ("late-answered", "112-1234567-1234567", "seller", 52),
        ("fresh", "112-1234567-1234567", "seller", 30),
    ]
    with session_scope(web_engine) as session:
        ids = {}
        for conversation_id, order_id, kind, hours in specs:
            ids[conversation_id] = cases.open_case(
                session,
                conversation_id=conversation_id,
                category=f"topic-{conversation_id}",  # one case per conversation
                question="Any news?",
                order_id=order_id,
                kind=kind,
                reason_code="late_delivery",
                now=ago(hours),
            ).case.id
        case = cases.get_case(session, ids["late-answered"])
        cases.reply(
            session,
            case_id=case.id,
            seller_id=case.seller_id,
            text="It ships today.",
            now=ago(51),
        )
    for conversation_id, _order_id, _kind, hours in specs:
        conversation(conversation_id, start=ago(hours)).user(
            "Any news?", "delivery_status", 0.9
        ).decision(
            route="seller_case",
            reason_code="late_delivery",
            case_id=ids[conversation_id],
        ).save(writer)
    with session_scope(web_engine) as session:
        review.sync_summaries(session, get_engine(writer.url), now=ago(0))
    return ids


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-conversation="([^"]+)"', html)


def row_html(html: str, conversation_id: str) -> str:
    return html.split(f'data-conversation="{conversation_id}"')[1].split("</tr>")[0]


def test_the_list_marks_and_filters_buyer_overdue_cases(agent, buyer_cases):
    page = agent.get("/agent")
    assert page.status_code == 200
    marked = [cid for cid in rows(page.text) if BADGE in row_html(page.text, cid)]
    assert marked == ["late-agent", "late-awaiting"]  # newest first
    # sorted first, above the newer conversation that is not overdue
    assert rows(page.text) == ["late-agent", "late-awaiting", "fresh", "late-answered"]
    # the filter offers the value, and selects exactly the marked rows
    assert 'value="buyer_overdue"' in page.text

    filtered = agent.get("/agent?sla_state=buyer_overdue")
    assert filtered.status_code == 200
    assert rows(filtered.text) == marked
    assert "not understood" not in filtered.text


def test_the_transcript_shows_the_buyer_deadline_and_the_mark(agent, buyer_cases):
    late = agent.get("/agent/conversations/late-agent")
    assert late.status_code == 200
    assert "Buyer answer due" in late.text
    assert BADGE in late.text
    fresh = agent.get("/agent/conversations/fresh")
    assert "Buyer answer due" in fresh.text
    assert BADGE not in fresh.text
