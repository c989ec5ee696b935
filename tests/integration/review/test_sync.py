"""bot.services.review.sync: the tracker store folded into the summaries."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from bot.adapters.db import make_engine, session_scope
from bot.adapters.orm import ConversationSummaryRow, ReviewSyncStateRow
from bot.services import review
from tests.integration.review.common import NOW, ORDER, listing, sync, utc
from tests.trackers import SECRET_TOKEN, conversation


def test_sync_summarises_each_conversation_without_the_token(project, tracker, writer):
    (
        conversation("buyer-1", start=utc(2026, 11, 25, 17), buyer_id="B-1")
        .user("Where is my order 112-1234567-1234567?", "delivery_status", 0.81)
        .decision(
            route="seller_case", reason_code="late_delivery", case_id=7, order_id=ORDER
        )
        .bot("I opened case 7.")
        .user("thanks", "thanks", 0.44)
        .bot("You're welcome!")
        .external()
        .save(writer)
    )
    conversation("anon-a", start=utc(2026, 11, 25, 18), channel="rest").user(
        "hello", "greet", 0.99
    ).bot("Hi!").save(writer)

    assert sync(project, tracker) > 0

    with session_scope(project) as session:
        first = session.get(ConversationSummaryRow, "buyer-1")
        assert first.buyer_id == "B-1"
        assert first.channel == "csba_rest"
        assert first.intents == "delivery_status thanks"
        assert (first.route, first.reason_code, first.case_id) == (
            "seller_case",
            "late_delivery",
            7,
        )
        assert first.min_confidence == pytest.approx(0.44)
        assert (
            first.buyer_messages == 2
        )  # the pushed external intent is not the buyer's
        assert first.handed_off is True
        assert first.started_at == utc(2026, 11, 25, 17)
        anonymous = session.get(ConversationSummaryRow, "anon-a")
        assert anonymous.buyer_id is None and anonymous.channel == "rest"
        assert anonymous.route is None
        dumped = session.execute(text("SELECT * FROM conversation_summaries")).all()
    assert SECRET_TOKEN not in repr(dumped)


def test_sync_is_incremental_and_cheap_when_nothing_is_new(project, tracker, writer):
    conversation("c1", start=utc(2026, 11, 25, 17)).user("hi", "greet").save(writer)
    first = sync(project, tracker)
    assert first > 0
    assert sync(project, tracker) == 0

    writer.append(
        "c1",
        conversation("c1", start=utc(2026, 11, 25, 17, 5), session_start=False)
        .user("where is my parcel", "delivery_status", 0.3)
        .events,
    )
    assert sync(project, tracker) > 0
    with session_scope(project) as session:
        summary = session.get(ConversationSummaryRow, "c1")
        assert summary.buyer_messages == 2
        assert summary.intents == "greet delivery_status"
        assert summary.min_confidence == pytest.approx(0.3)
    assert listing(project, intent="delivery_status") == ["c1"]


def test_events_read_again_are_folded_in_once(project, tracker, writer):
    """A late commit below the watermark is re-read; nothing counts twice."""
    conversation("c1", start=utc(2026, 11, 25, 17)).user("hi", "greet").save(writer)
    conversation("c2", start=utc(2026, 11, 25, 18)).user("yo", "greet").save(writer)
    sync(project, tracker)
    with session_scope(project) as session:
        session.get(ReviewSyncStateRow, 1).last_event_id = 1
    conversation("c3", start=utc(2026, 11, 25, 19)).user("hey", "greet").save(writer)
    sync(project, tracker)
    with session_scope(project) as session:
        counts = {
            row.conversation_id: row.buyer_messages
            for row in session.execute(select(ConversationSummaryRow)).scalars()
        }
    assert counts == {"c1": 1, "c2": 1, "c3": 1}


def test_an_empty_tracker_store_syncs_nothing(project, tmp_path):
    empty = make_engine(f"sqlite:///{tmp_path / 'no-rasa-yet.db'}")
    try:
        assert sync(project, empty) == 0
    finally:
        empty.dispose()
    assert listing(project) == []


def test_an_unreadable_tracker_store_is_reported(project, tmp_path):
    broken = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with broken.begin() as conn:  # an `events` table Rasa would not write
        conn.execute(text("CREATE TABLE events (other INTEGER)"))
    try:
        with pytest.raises(review.TrackerUnavailable) as raised:
            sync(project, broken)
    finally:
        broken.dispose()
    assert "no such column" in raised.value.message()


def test_a_limited_sync_goes_on_where_it_stopped(project, tracker, writer):
    for number in range(5):
        conversation(f"c{number}", start=utc(2026, 11, 25, number)).user(
            "hi", "greet"
        ).save(writer)
    rounds = []
    while not rounds or rounds[-1] >= 10:
        with session_scope(project) as session:
            rounds.append(review.sync_summaries(session, tracker, now=NOW, limit=10))
        if rounds[-1] >= 10:
            assert len(listing(project)) < 5  # not all read yet
    assert len(rounds) > 2
    assert listing(project) == [f"c{n}" for n in reversed(range(5))]
    with session_scope(project) as session:
        assert all(
            row.buyer_messages == 1
            for row in session.execute(select(ConversationSummaryRow)).scalars()
        )
    assert sync(project, tracker) == 0
