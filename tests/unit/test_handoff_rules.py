"""bot.domain.handoff and the dialogue policy's choice (no database, no Rasa run)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain.handoff import (
    DEFAULT_HANDLING,
    AgentHours,
    queue_estimate,
    typical_handling,
)
from bot.entrypoints.rasa.handoff_policy import (
    CANCEL_ACTION,
    RELAY_ACTION,
    RESUME_ACTION,
    next_action,
)

LA = ZoneInfo("America/Los_Angeles")


def test_the_wait_grows_with_the_queue_and_shrinks_with_agents():
    assert typical_handling([]) == DEFAULT_HANDLING
    durations = [timedelta(minutes=m) for m in (2, 4, 10)]
    assert typical_handling(durations) == timedelta(minutes=4)
    assert queue_estimate(1, 1, durations).wait_minutes == 4
    assert queue_estimate(3, 1, durations).wait_minutes == 12
    assert queue_estimate(3, 2, durations).wait_minutes == 6
    # never "0 minutes"
    assert queue_estimate(1, 10, [timedelta(seconds=5)]).wait_minutes == 1
    with pytest.raises(ValueError):
        queue_estimate(0, 1, durations)
    with pytest.raises(ValueError):
        queue_estimate(1, 0, durations)


def test_agent_hours_on_the_marketplace_clock():
    hours = AgentHours.parse("08:00-20:00", LA)
    morning = datetime(2026, 12, 4, 9, 0, tzinfo=LA)
    night = datetime(2026, 12, 4, 22, 30, tzinfo=LA)
    early = datetime(2026, 12, 5, 6, 0, tzinfo=LA)
    assert hours.is_open(morning) and not hours.is_open(night)
    assert hours.next_opening(night) == datetime(2026, 12, 5, 8, 0, tzinfo=LA)
    assert hours.next_opening(early) == datetime(2026, 12, 5, 8, 0, tzinfo=LA)
    # the same instant in UTC
    assert hours.next_opening(night.astimezone(timezone.utc)) == datetime(
        2026, 12, 5, 8, 0, tzinfo=LA
    )
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        AgentHours.parse("8 to 8", LA)
    with pytest.raises(ValueError, match="open before"):
        AgentHours.parse("20:00-08:00", LA)
    with pytest.raises(ValueError, match="naive"):
        hours.is_open(datetime(2026, 12, 4, 9, 0))


@pytest.mark.parametrize(
    ("handoff", "latest", "intent", "expected"),
    [
        (None, "action_listen", "greet", None),  # no hand-off: abstain
        ("waiting", "action_listen", "greet", RELAY_ACTION),
        ("live", "action_listen", "delivery_status", RELAY_ACTION),
        ("live", "action_listen", "nlu_fallback", RELAY_ACTION),
        ("waiting", "action_listen", "handoff_cancel", CANCEL_ACTION),
        ("live", "action_listen", "EXTERNAL_handoff_closed", RESUME_ACTION),
        ("live", "action_listen", "EXTERNAL_case_reply", None),  # the rules push it
        ("waiting", RELAY_ACTION, "greet", "action_listen"),
        (None, CANCEL_ACTION, "handoff_cancel", "action_listen"),
        (None, RESUME_ACTION, "EXTERNAL_handoff_closed", "action_listen"),
        # the turn that starts it: its rule tells the buyer their place
        ("waiting", "action_triage", "human_agent", None),
        ("waiting", "utter_handoff_waiting", "human_agent", None),
        ("waiting", "action_check_updates", "EXTERNAL_case_reply", None),
        ("closed", "action_listen", "greet", None),
        (None, "action_listen", "handoff_cancel", CANCEL_ACTION),
    ],
)
def test_the_policy_keeps_the_bot_quiet_while_a_person_has_the_chat(
    handoff, latest, intent, expected
):
    assert next_action(handoff, latest, intent) == expected
