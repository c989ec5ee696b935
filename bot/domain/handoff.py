"""Live hand-off rules (issue 14): what a waiting buyer is told.

Plain Python, no framework: the queue estimate and the agents' hours are pure
functions of their inputs and an explicit `now`.

- The expected wait of the buyer at `position` (1 = next) is the typical
  handling time of a hand-off (the median of the recent ones, DEFAULT_HANDLING
  before there are any) times the conversations ahead and this one, shared by
  the agents online, rounded up to whole minutes, at least one minute.
- Agents work `AgentHours` on the marketplace's wall clock, every day. When no
  agent is online, the buyer gets a case with the 2-day commitment, and the time
  the agents are next back when that is outside their hours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import Enum
from statistics import median

# Before any hand-off was handled: a typical live chat.
DEFAULT_HANDLING = timedelta(minutes=6)
# The recent hand-offs the typical handling time is taken from.
RECENT_HANDOFFS = 20


class HandoffState(str, Enum):
    WAITING = "waiting"  # in the queue, no agent yet
    LIVE = "live"  # an agent claimed it and chats with the buyer
    CLOSED = "closed"  # the agent handed back to the bot
    CANCELLED = "cancelled"  # the buyer went back to the bot


ACTIVE_STATES = (HandoffState.WAITING.value, HandoffState.LIVE.value)


class HandoffOutcome(str, Enum):
    RESOLVED = "resolved"
    CASE_OPENED = "case_opened"  # the agent opened a case for the seller
    NO_AGENT = "no_agent"  # every agent went away: an agent case instead


# What an agent may close a hand-off with.
AGENT_OUTCOMES = (HandoffOutcome.RESOLVED.value, HandoffOutcome.CASE_OPENED.value)


@dataclass(frozen=True)
class QueueEstimate:
    position: int  # 1 = the next one an agent takes
    agents_online: int
    wait_minutes: int


def typical_handling(durations: Sequence[timedelta]) -> timedelta:
    """The median handling time of recent hand-offs, or DEFAULT_HANDLING."""
    usable = [d for d in durations if d > timedelta(0)]
    if not usable:
        return DEFAULT_HANDLING
    return median(usable)


def queue_estimate(
    position: int, agents_online: int, durations: Sequence[timedelta]
) -> QueueEstimate:
    if position < 1:
        raise ValueError("a queue position starts at 1")
    if agents_online < 1:
        raise ValueError("no estimate without an agent online")
    handling = typical_handling(durations).total_seconds() / 60
    minutes = max(1, math.ceil(position * handling / agents_online))
    return QueueEstimate(position, agents_online, minutes)


@dataclass(frozen=True)
class AgentHours:
    """Every day from `opens` to `closes` on the wall clock of `zone`."""

    opens: time
    closes: time
    zone: tzinfo

    @classmethod
    def parse(cls, text: str, zone: tzinfo) -> AgentHours:
        """`"08:00-20:00"`; ValueError naming what is wrong."""
        try:
            start, end = (part.strip() for part in text.split("-"))
            opens, closes = time.fromisoformat(start), time.fromisoformat(end)
        except ValueError:
            raise ValueError(
                f"agent hours must read HH:MM-HH:MM, got {text!r}"
            ) from None
        if opens >= closes:
            raise ValueError(f"agent hours must open before they close, got {text!r}")
        return cls(opens, closes, zone)

    def is_open(self, now: datetime) -> bool:
        local = _aware(now).astimezone(self.zone).time()
        return self.opens <= local < self.closes

    def next_opening(self, now: datetime) -> datetime:
        """The next time the agents are back, after `now` (today or tomorrow)."""
        local = _aware(now).astimezone(self.zone)
        day = local.date()
        if local.time() >= self.opens:
            day += timedelta(days=1)
        return datetime.combine(day, self.opens, tzinfo=self.zone)


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("naive datetime: attach a time zone")
    return now


def nearest_rank(durations: Sequence[timedelta], share: float) -> timedelta | None:
    """The `share` percentile (0 < share <= 1) by nearest rank; None when empty."""
    if not durations:
        return None
    ordered = sorted(durations)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
