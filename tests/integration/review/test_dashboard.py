"""bot.services.review_dashboard: the dashboard's figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.db import session_scope
from bot.services import review_dashboard
from tests.integration.review.common import NOW, utc


def test_dashboard_figures(project, tracker, writer, varied):
    with session_scope(project) as session:
        dash = review_dashboard.dashboard(
            session,
            start=utc(2026, 11, 19).date(),
            end=utc(2026, 11, 26).date(),
            now=NOW,
        )
    per_day = dict(dash.per_day)
    # Seattle days: 26 Nov 01:00 UTC is 25 Nov 17:00 PST
    assert per_day[utc(2026, 11, 25).date()] == 2
    assert per_day[utc(2026, 11, 24).date()] == 1
    assert dash.total == 5
    assert dict(dash.route_mix) == {
        "bot": 1,
        "seller_case": 1,
        "buyer_seller_messaging": 1,
        "agent": 1,
        None: 1,
    }
    assert (dash.contained, dash.containment) == (1, pytest.approx(0.2))
    assert dict(dash.top_reasons) == {
        "late_delivery": 1,
        "buyer_asked_for_agent": 1,
        "in_transit": 1,
        "invoice": 1,
    }
    # the one seller case is within its 24 hours: nothing judged yet
    assert dict(dash.sla)["on_time"] == 1 and dash.sla_compliance is None

    later = varied["seller_case"].seller_due_at + timedelta(hours=1)
    with session_scope(project) as session:
        dash = review_dashboard.dashboard(
            session,
            start=utc(2026, 11, 19).date(),
            end=utc(2026, 11, 26).date(),
            now=later,
        )
    assert (dash.sla_met, dash.sla_judged, dash.sla_compliance) == (0, 1, 0.0)


def test_live_hand_off_figures(project, tracker, writer, varied):
    """Time to the first agent message (nearest-rank p50/p90 over those
    answered), abandoned waits, and hand-offs per reason code."""
    from zoneinfo import ZoneInfo

    from bot.domain.handoff import AgentHours
    from bot.services import agent_presence, handoff, users

    hours = AgentHours.parse("00:00-23:59", ZoneInfo("America/Los_Angeles"))
    start = utc(2026, 11, 24, 18)
    with session_scope(project) as session:
        agent = users.add_user(
            session, username="ann", password="a-long-password-1", role="agent",
            now=start,
        )  # fmt: skip
    ids = []
    for n, conversation in enumerate(("h-1", "h-2", "h-3", "h-4", "h-5")):
        asked_at = start + timedelta(minutes=10 * n)
        with session_scope(project) as session:
            agent_presence.set_presence(
                session, agent_id=agent.id, status="online", now=asked_at
            )
            ids.append(
                handoff.request_handoff(
                    session, conversation_id=conversation,
                    reason_code="buyer_asked_for_agent", now=asked_at, hours=hours,
                ).handoff.id
            )  # fmt: skip
    # answered after 1, 2 and 5 minutes; one cancelled by the buyer; one waits
    for hid, minutes in zip(ids[:3], (1, 2, 5), strict=True):
        with session_scope(project) as session:
            view = handoff.get(session, handoff_id=hid)
            at = view.requested_at + timedelta(minutes=minutes)
            handoff.claim(session, handoff_id=hid, agent_id=agent.id, now=at)
            handoff.agent_message(
                session, handoff_id=hid, agent_id=agent.id, text="hi", now=at
            )
    with session_scope(project) as session:
        handoff.cancel(session, conversation_id="h-4", now=start + timedelta(hours=1))
        figures = review_dashboard.handoff_figures(
            session, utc(2026, 11, 19), utc(2026, 11, 27)
        )
        outside = review_dashboard.handoff_figures(
            session, utc(2026, 11, 1), utc(2026, 11, 2)
        )
    assert (figures.total, figures.answered) == (5, 3)
    assert figures.first_response_p50 == timedelta(minutes=2)
    assert figures.first_response_p90 == timedelta(minutes=5)
    assert (figures.abandoned, figures.abandoned_share) == (1, 0.2)
    # one conversation of the fixtures ended with buyer_asked_for_agent
    assert figures.per_reason == (("buyer_asked_for_agent", 5, 1),)
    assert outside.total == 0 and outside.first_response_p50 is None
