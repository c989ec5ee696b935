"""bot.services.review.query: the filters and the conversation list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.db import session_scope
from bot.domain.sla import SlaState
from bot.services import cases, review
from bot.services.review import ConversationFilters
from tests.integration.review.common import NOW, listing, sync, utc
from tests.trackers import conversation


def test_the_list_is_newest_first(project, varied):
    assert listing(project) == ["late", "human", "transit", "invoice", "hello"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"intent": "delivery_status"}, ["late", "transit"]),
        ({"route": "bot"}, ["transit"]),
        ({"route": "agent"}, ["human"]),
        ({"reason_code": "invoice"}, ["invoice"]),
        ({"confidence_below": "0.7"}, ["human", "transit"]),
        ({"has_case": "yes"}, ["late", "human"]),
        ({"has_case": "no"}, ["transit", "invoice", "hello"]),
        ({"case_status": "awaiting_seller"}, ["late"]),
        ({"case_status": "escalated"}, ["human"]),
        ({"sla_state": "escalated"}, ["human"]),
        ({"sla_state": "on_time"}, ["late"]),
        ({"reviewed": "no"}, ["late", "human", "transit", "invoice", "hello"]),
        # Seattle days: 25 Nov 12:00 PST = 20:00 UTC
        (
            {"date_from": "2026-11-24", "date_to": "2026-11-25"},
            ["late", "human", "transit"],
        ),
        ({"date_to": "2026-11-20"}, ["invoice", "hello"]),
        ({"q": "PARCEL"}, ["late"]),
        ({"q": "50%"}, ["late"]),
        ({"q": "late_again"}, ["late"]),
        ({"q": "_"}, ["late"]),
        ({"q": "%"}, ["late"]),
        ({"route": "bot", "intent": "greet"}, []),
    ],
)
def test_each_filter(project, varied, filters, expected):
    parsed = ConversationFilters.from_params(filters)
    assert parsed.invalid == ()
    with session_scope(project) as session:
        page = review.list_conversations(session, parsed, now=NOW, per_page=200)
    assert [line.conversation_id for line in page.lines] == expected
    assert page.total == len(expected)


def test_sla_filters_agree_with_the_domain_rule(project, varied):
    """Every SLA state filter selects exactly the cases sla_state() puts there,
    as the seller case's clock runs (and after a late reply)."""
    seller_case = varied["seller_case"]
    due = seller_case.seller_due_at
    moments = [
        due - timedelta(hours=7),
        due - timedelta(hours=1),
        due + timedelta(hours=1),
    ]
    for moment in moments:
        with session_scope(project) as session:
            lines = review.list_conversations(
                session, ConversationFilters(), now=moment, per_page=200
            ).lines
        expected = {
            line.conversation_id: line.sla_state for line in lines if line.sla_state
        }
        for state in SlaState:
            chosen = listing(project, now=moment, sla_state=state.value)
            assert chosen == [c for c, s in expected.items() if s == state.value], (
                moment,
                state,
            )
    with session_scope(project) as session:
        cases.reply(
            session,
            case_id=seller_case.id,
            seller_id="S-1",
            text="Sorry, re-shipped.",
            now=due + timedelta(hours=2),
        )
    assert listing(project, now=due + timedelta(hours=3), sla_state="missed") == [
        "late"
    ]
    assert listing(project, now=due + timedelta(hours=3), sla_state="met") == []


def test_bad_filter_values_are_ignored_and_named():
    parsed = ConversationFilters.from_params(
        {
            "route": "nowhere",
            "confidence_below": "2",
            "date_from": "yesterday",
            "q": " x ",
        }
    )
    assert parsed == ConversationFilters(q="x")
    assert parsed.invalid == ("route", "confidence_below", "date_from")
    assert ConversationFilters.from_params(parsed.as_params()) == parsed


def test_pages(project, tracker, writer):
    start = utc(2026, 11, 1)
    for number in range(60):
        conversation(f"c{number:02d}", start=start + timedelta(hours=number)).user(
            "hi", "greet"
        ).save(writer)
    sync(project, tracker)
    seen = []
    with session_scope(project) as session:
        for page_number in (1, 2, 3):
            page = review.list_conversations(
                session, ConversationFilters(), now=NOW, page=page_number, per_page=25
            )
            assert (page.total, page.pages, page.page) == (60, 3, page_number)
            seen += [line.conversation_id for line in page.lines]
        beyond = review.list_conversations(
            session, ConversationFilters(), now=NOW, page=99, per_page=25
        )
    assert seen == [f"c{n:02d}" for n in reversed(range(60))]
    assert beyond.page == 3 and len(beyond.lines) == 10
