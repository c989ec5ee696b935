"""bot.services.handoff on a real database (SQLite, then PostgreSQL when set)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.db import session_scope
from bot.domain.handoff import AgentHours
from bot.services import agent_presence, handoff, users

NOW = datetime(2026, 12, 4, 18, 0, tzinfo=timezone.utc)  # 10:00 in Los Angeles
HOURS = AgentHours.parse("08:00-20:00", ZoneInfo("America/Los_Angeles"))


@pytest.fixture
def agents(engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        ann = users.add_user(
            session, username="ann", password="a-long-password-1", role="agent", now=NOW
        )
        bob = users.add_user(
            session, username="bob", password="a-long-password-1", role="agent", now=NOW
        )
        return ann.id, bob.id


def _ask(engine, conversation_id: str, now: datetime = NOW, **extra):
    with session_scope(engine) as session:
        return handoff.request_handoff(
            session,
            conversation_id=conversation_id,
            reason_code="buyer_asked_for_agent",
            now=now,
            hours=HOURS,
            **extra,
        )


def _online(engine, agent_id: int, status: str = "online", now: datetime = NOW):
    with session_scope(engine) as session:
        agent_presence.set_presence(session, agent_id=agent_id, status=status, now=now)


def test_no_agent_online_creates_nothing_and_says_when_they_are_back(engine, agents):
    asked = _ask(engine, "c-1")
    assert asked.handoff is None and asked.queue is None
    assert asked.agents_back_at is None  # within the hours: nobody is free
    late = datetime(2026, 12, 5, 6, 0, tzinfo=timezone.utc)  # 22:00 in LA
    asked = _ask(engine, "c-1", now=late)
    assert asked.handoff is None
    assert asked.agents_back_at == datetime(
        2026, 12, 5, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles")
    )


def test_an_agent_who_was_not_seen_lately_is_away(engine, agents):
    ann, _ = agents
    _online(engine, ann, now=NOW - agent_presence.PRESENCE_TTL - timedelta(seconds=1))
    assert _ask(engine, "c-1").handoff is None
    _online(engine, ann)
    assert _ask(engine, "c-1").handoff is not None


def test_the_queue_is_first_come_first_served(engine, agents):
    ann, bob = agents
    _online(engine, ann)
    first = _ask(engine, "c-1", buyer_id=None)
    second = _ask(engine, "c-2", now=NOW + timedelta(seconds=30))
    assert first.created and first.queue.position == 1
    assert second.queue.position == 2
    assert second.queue.wait_minutes == 12  # 2 x the default 6 minutes, 1 agent
    # asking again is the same hand-off, with its current place
    again = _ask(engine, "c-2", now=NOW + timedelta(minutes=1))
    assert again.handoff.id == second.handoff.id and not again.created
    _online(engine, bob)
    with session_scope(engine) as session:
        handoff.claim(session, handoff_id=first.handoff.id, agent_id=ann, now=NOW)
        view, queue = handoff.status(session, conversation_id="c-2", now=NOW)
        waiting, live = handoff.inbox(session, now=NOW + timedelta(minutes=2))
    assert queue.position == 1 and queue.agents_online == 2
    assert queue.wait_minutes == 3  # 6 minutes shared by 2 agents
    assert [line.handoff.id for line in waiting] == [second.handoff.id]
    assert [(line.handoff.id, line.agent) for line in live] == [
        (first.handoff.id, "ann")
    ]


def test_only_the_claiming_agent_writes_and_closes(engine, agents):
    ann, bob = agents
    _online(engine, ann)
    asked = _ask(engine, "c-1", buyer_id="B-1", verified=True)
    hid = asked.handoff.id
    with session_scope(engine) as session:
        with pytest.raises(handoff.HandoffNotYours):
            handoff.agent_message(
                session, handoff_id=hid, agent_id=ann, text="hi", now=NOW
            )  # not claimed yet
        handoff.claim(session, handoff_id=hid, agent_id=ann, now=NOW)
    with session_scope(engine) as session:
        with pytest.raises(handoff.HandoffNotYours) as refused:
            handoff.claim(session, handoff_id=hid, agent_id=bob, now=NOW)
        assert "another agent" in refused.value.message("en")
        with pytest.raises(handoff.HandoffNotYours):
            handoff.agent_message(
                session, handoff_id=hid, agent_id=bob, text="x", now=NOW
            )
        with pytest.raises(handoff.HandoffNotYours):
            handoff.close(
                session, handoff_id=hid, agent_id=bob, outcome="resolved", now=NOW
            )
        with pytest.raises(handoff.HandoffError, match="empty"):
            handoff.agent_message(
                session, handoff_id=hid, agent_id=ann, text=" \x00 ", now=NOW
            )
        view, message = handoff.agent_message(
            session, handoff_id=hid, agent_id=ann, text=" Hello\x07 there ", now=NOW
        )
        assert message.text == "Hello there" and message.agent == "ann"
        assert view.first_reply_at == NOW
        assert handoff.undelivered(session, conversation_id="c-1") == [message]
        handoff.mark_delivered(session, message_ids=[message.id], now=NOW)
        assert handoff.undelivered(session, conversation_id="c-1") == []
    # ann gives it to bob, who may then write and close
    with session_scope(engine) as session:
        handoff.assign(session, handoff_id=hid, agent_id=ann, to_agent_id=bob, now=NOW)
        with pytest.raises(handoff.HandoffNotYours):
            handoff.agent_message(
                session, handoff_id=hid, agent_id=ann, text="x", now=NOW
            )
        with pytest.raises(handoff.HandoffError, match="Unknown outcome"):
            handoff.close(session, handoff_id=hid, agent_id=bob, outcome="meh", now=NOW)
        closed = handoff.close(
            session,
            handoff_id=hid,
            agent_id=bob,
            outcome="resolved",
            now=NOW + timedelta(minutes=4),
        )
    assert closed.state == "closed" and closed.outcome == "resolved"
    with session_scope(engine) as session:
        with pytest.raises(handoff.HandoffEnded):
            handoff.agent_message(
                session, handoff_id=hid, agent_id=bob, text="x", now=NOW
            )
        assert handoff.active(session, conversation_id="c-1") is None
    # the closed one's handling time (4 minutes) now sets the estimate
    _online(engine, bob)
    assert _ask(engine, "c-9").queue.wait_minutes == 2  # 4 min x 1 / 2 agents


def test_the_buyer_cancels(engine, agents):
    ann, _ = agents
    _online(engine, ann)
    asked = _ask(engine, "c-1")
    with session_scope(engine) as session:
        cancelled = handoff.cancel(session, conversation_id="c-1", now=NOW)
        assert cancelled.state == "cancelled" and cancelled.outcome == "cancelled"
        assert handoff.cancel(session, conversation_id="c-1", now=NOW) is None
        with pytest.raises(handoff.HandoffEnded):
            handoff.claim(session, handoff_id=asked.handoff.id, agent_id=ann, now=NOW)
    # a new request starts a new hand-off
    assert _ask(engine, "c-1").handoff.id != asked.handoff.id


def test_only_agents_take_live_chats(engine, agents):
    with session_scope(engine) as session:
        with pytest.raises(handoff.HandoffError, match="Only an agent"):
            agent_presence.set_presence(session, agent_id=999, status="online", now=NOW)
        with pytest.raises(handoff.HandoffError, match="Unknown status"):
            agent_presence.set_presence(
                session, agent_id=agents[0], status="busy", now=NOW
            )
        with pytest.raises(handoff.HandoffNotFound):
            handoff.claim(session, handoff_id=12345, agent_id=agents[0], now=NOW)


def test_a_wait_with_no_agent_left_becomes_the_agent_case(engine, agents):
    ann, _ = agents
    _online(engine, ann)
    asked = _ask(engine, "c-1")
    _online(engine, ann, status="away")
    with session_scope(engine) as session:
        opened = handoff.give_up_to_case(
            session, conversation_id="c-1", question="where is my parcel", now=NOW
        )
        assert opened.created and opened.case.kind.value == "agent"
        view = handoff.get(session, handoff_id=asked.handoff.id)
    assert (view.state, view.outcome, view.case_id) == (
        "closed",
        "no_agent",
        opened.case.id,
    )
    # asking again with nobody online: no hand-off, the caller opens the case
    assert _ask(engine, "c-1").handoff is None


def test_asking_again_after_every_agent_left_ends_the_old_wait(engine, agents):
    ann, _ = agents
    _online(engine, ann)
    first = _ask(engine, "c-1")
    _online(engine, ann, status="away")
    assert _ask(engine, "c-1").handoff is None
    with session_scope(engine) as session:
        old = handoff.get(session, handoff_id=first.handoff.id)
    assert (old.state, old.outcome) == ("closed", "no_agent")
