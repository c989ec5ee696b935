"""Dropping the slot events that change nothing: `SlotSet(name, None)` for a slot
that is already empty.

A decision clears every decision slot it does not fill, and an inquiry clears
what the previous one left, whether or not it is set: under `make bench` 23,121
of the tracker's 54,316 events (43 %) set an empty slot to None again, almost
all from action_triage and action_start_inquiry. Each one is stored, read back
on every message, sent to the action server with every action call and walked
by the policies' featurisation of the tracker, on the Rasa server's single
event loop. They change no slot value, so no state the policies see, and no
reader of the event history looks for a None (they take the last value that is
set, or ask whether a turn set `route`, `outcome`, ... at all).

Only None on None is dropped: setting a slot to the value it already holds
(`order_id` again) stays, because the event history is read for what a turn or
an inquiry set ("the other one" looks up the `order_choices` the decided inquiry
set). The form's validation keeps every event: Rasa's form loop reads which
slots the validation set (`CsbaAction.DROPS_IDLE_CLEARS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# events after which the slots are no longer what `slots` says
_KEEPS_SLOTS = frozenset({"slot", "bot", "followup", "active_loop"})


def without_idle_clears(
    slots: Mapping[str, Any], events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`events` without the `slot` events that set an empty slot to None, the
    slots starting as `slots` (the tracker's before the action). After an event
    that may change the slots otherwise (a restart, a reset, a session start),
    everything is kept."""
    current = dict(slots)
    kept: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        kind = event.get("event") if isinstance(event, Mapping) else None
        if kind not in _KEEPS_SLOTS:
            return kept + list(events[index:])
        if kind == "slot":
            name, value = event.get("name"), event.get("value")
            if value is None and current.get(name) is None:
                continue
            current[name] = value
        kept.append(event)
    return kept
