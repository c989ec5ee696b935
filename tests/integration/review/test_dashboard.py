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
