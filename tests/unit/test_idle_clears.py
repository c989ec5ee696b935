"""actions.idle_clears: SlotSet(None) of an empty slot is dropped, nothing else."""

from __future__ import annotations

from rasa_sdk.events import ActiveLoop, Restarted, SessionStarted, SlotSet

from actions.idle_clears import without_idle_clears


def test_a_clear_of_an_empty_slot_is_dropped_and_a_real_one_kept() -> None:
    slots = {"answer": None, "case_id": "7", "route": None}
    events = [
        SlotSet("answer", None),
        SlotSet("case_id", None),
        SlotSet("route", "answer"),
    ]
    assert without_idle_clears(slots, events) == [
        SlotSet("case_id", None),
        SlotSet("route", "answer"),
    ]


def test_the_same_value_again_is_kept() -> None:
    # the history is read for what an inquiry set ("the other one")
    events = [SlotSet("order_id", "112-1"), SlotSet("order_id", "112-1")]
    assert without_idle_clears({"order_id": "112-1"}, events) == events


def test_values_follow_the_events_before() -> None:
    events = [
        SlotSet("answer", "yes"),
        SlotSet("answer", None),
        SlotSet("answer", None),
    ]
    assert without_idle_clears({"answer": None}, events) == events[:2]


def test_a_slot_the_domain_has_but_the_tracker_lacks_counts_as_empty() -> None:
    assert without_idle_clears({}, [SlotSet("new_slot", None)]) == []


def test_after_a_restart_or_a_session_start_everything_is_kept() -> None:
    for marker in (Restarted(), SessionStarted()):
        events = [SlotSet("a", None), marker, SlotSet("a", None)]
        assert without_idle_clears({"a": None}, events) == events[1:]


def test_other_events_pass_untouched() -> None:
    events = [ActiveLoop(None), {"event": "bot", "text": "hi"}, SlotSet("a", None)]
    assert without_idle_clears({"a": None}, events) == events[:2]
