"""bot.services.ratings on a real database (SQLite, then PostgreSQL when set):
"Was this helpful?" after a live hand-off (issue 14, item 3)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.adapters.db import session_scope
from bot.adapters.orm import RatingRow
from bot.services import agent_presence, handoff, ratings, review_dashboard, users
from tests.integration.test_handoff import HOURS, NOW


@pytest.fixture
def agent_id(engine) -> int:
    with session_scope(engine) as session:
        ann = users.add_user(
            session, username="ann", password="a-long-password-1", role="agent", now=NOW
        )
        agent_presence.set_presence(session, agent_id=ann.id, status="online", now=NOW)
        return ann.id


def _handoff(engine, conversation_id: str, agent_id: int, *, end: str | None) -> int:
    """A hand-off of the conversation, claimed by the agent, then closed with
    `end` (an agent outcome), cancelled by the buyer ("cancel"), or left live."""
    with session_scope(engine) as session:
        asked = handoff.request_handoff(
            session,
            conversation_id=conversation_id,
            reason_code="buyer_asked_for_agent",
            now=NOW,
            hours=HOURS,
        )
        hid = asked.handoff.id
        if end == "cancel":
            handoff.cancel(session, conversation_id=conversation_id, now=NOW)
            return hid
        handoff.claim(session, handoff_id=hid, agent_id=agent_id, now=NOW)
        if end is not None:
            handoff.close(
                session, handoff_id=hid, agent_id=agent_id, outcome=end, now=NOW
            )
        return hid


def _rate(engine, conversation_id: str, helpful: bool, now: datetime = NOW):
    with session_scope(engine) as session:
        return ratings.rate_handoff(
            session, conversation_id=conversation_id, helpful=helpful, now=now
        )


def _rows(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count(RatingRow.id))).scalar_one()


def test_rating_a_closed_hand_off_and_changing_the_answer(engine, agent_id):
    hid = _handoff(engine, "c-1", agent_id, end="resolved")
    first = _rate(engine, "c-1", True, NOW + timedelta(minutes=1))
    assert (first.subject, first.subject_id, first.scale) == ("handoff", hid, "helpful")
    assert first.value == 1 and first.helpful is True
    assert first.conversation_id == "c-1"
    assert first.created_at == first.updated_at == NOW + timedelta(minutes=1)

    later = NOW + timedelta(hours=2)
    second = _rate(engine, "c-1", False, later)
    assert second.id == first.id and second.value == 0 and second.helpful is False
    assert second.created_at == first.created_at  # kept
    assert second.updated_at == later
    assert _rows(engine) == 1
    with session_scope(engine) as session:
        kept = ratings.handoff_rating(session, handoff_id=hid)
    assert kept.value == 0 and kept.created_at.tzinfo is not None


def test_the_hand_off_closed_last_is_the_one_rated(engine, agent_id):
    older = _handoff(engine, "c-1", agent_id, end="resolved")
    newer = _handoff(engine, "c-1", agent_id, end="case_opened")
    assert older != newer
    assert _rate(engine, "c-1", True).subject_id == newer


def test_without_a_closed_hand_off_there_is_nothing_to_rate(engine, agent_id):
    with pytest.raises(ratings.NothingToRate) as refused:
        _rate(engine, "c-none", True)
    assert refused.value.key == "rating.error.nothing_to_rate"
    assert "no recent chat" in refused.value.message("en")
    assert refused.value.message("zh") != refused.value.message("en")
    _handoff(engine, "c-live", agent_id, end=None)  # still live: not yet
    with pytest.raises(ratings.NothingToRate):
        _rate(engine, "c-live", True)
    # another conversation's closed hand-off is not this one's
    _handoff(engine, "c-other", agent_id, end="resolved")
    with pytest.raises(ratings.NothingToRate):
        _rate(engine, "c-none", True)
    assert _rows(engine) == 0


def test_a_hand_off_the_buyer_cancelled_is_not_rated(engine, agent_id):
    _handoff(engine, "c-1", agent_id, end="cancel")
    with pytest.raises(ratings.NothingToRate):
        _rate(engine, "c-1", False)
    assert _rows(engine) == 0


def test_a_hand_off_closed_over_24_hours_ago_is_not_rated(engine, agent_id):
    _handoff(engine, "c-1", agent_id, end="resolved")
    within = NOW + ratings.RATING_WINDOW
    with session_scope(engine) as session:
        assert ratings.rateable_handoff(session, conversation_id="c-1", now=within)
    with pytest.raises(ratings.NothingToRate):
        _rate(engine, "c-1", True, within + timedelta(seconds=1))
    assert _rate(engine, "c-1", True, within).value == 1


def test_naive_times_and_unknown_values_are_refused(engine, agent_id):
    hid = _handoff(engine, "c-1", agent_id, end="resolved")
    with session_scope(engine) as session:
        with pytest.raises(ValueError):
            ratings.rate_handoff(
                session,
                conversation_id="c-1",
                helpful=True,
                now=NOW.replace(tzinfo=None),
            )
        with pytest.raises(ratings.RatingError) as refused:
            ratings.rate(
                session,
                subject="handoff",
                subject_id=hid,
                conversation_id="c-1",
                scale="helpful",
                value=5,
                now=NOW,
            )
    assert refused.value.key == "rating.error.invalid"
    assert _rows(engine) == 0


def test_helpful_figures_count_each_hand_off_once_by_its_latest_answer(
    engine, agent_id
):
    for n, helpful in enumerate((True, True, False)):
        _handoff(engine, f"c-{n}", agent_id, end="resolved")
        _rate(engine, f"c-{n}", helpful, NOW + timedelta(minutes=n))
    _rate(engine, "c-2", True, NOW + timedelta(hours=1))  # changed its mind
    _rate(engine, "c-0", False, NOW + timedelta(hours=1))
    with session_scope(engine) as session:
        figures = ratings.helpful_figures(session, NOW - timedelta(days=1))
        none = ratings.helpful_figures(session, NOW + timedelta(days=1))
        first_two = ratings.helpful_figures(
            session, NOW, until=NOW + timedelta(minutes=2)
        )
    assert (figures.rated, figures.helpful) == (3, 2)
    assert figures.share == pytest.approx(2 / 3)
    assert (none.rated, none.helpful, none.share) == (0, 0, None)
    assert (first_two.rated, first_two.helpful) == (2, 1)


def test_the_dashboard_shows_the_helpful_figures(engine, agent_id):
    _handoff(engine, "c-1", agent_id, end="resolved")
    _rate(engine, "c-1", True, NOW + timedelta(minutes=5))
    day = NOW.date()
    with session_scope(engine) as session:
        dash = review_dashboard.dashboard(
            session,
            start=day - timedelta(days=1),
            end=day + timedelta(days=1),
            now=NOW,
        )
    assert (dash.handoffs.helpful.rated, dash.handoffs.helpful.helpful) == (1, 1)
