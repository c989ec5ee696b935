"""The clock. `CSBA_NOW` (ISO 8601 with an offset) fixes it, for tests and for
replaying a past decision; otherwise it is the real UTC time."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo

from bot import config


class ClockError(ValueError):
    pass


class SkippedLocalTime(ClockError):
    """A wall-clock time that does not exist: the clocks skip it (spring forward)."""


def parse_instant(text: str) -> datetime:
    """Parse ISO 8601 with an explicit offset ('Z' allowed) into an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(
            text.strip().replace("Z", "+00:00").replace("z", "+00:00")
        )
    except ValueError as exc:
        raise ClockError(text) from exc
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClockError(text)
    return value.astimezone(timezone.utc)


def parse_wall_time(text: str, zone: tzinfo) -> datetime:
    """Parse ISO 8601 *without* an offset as the wall clock of `zone` into an aware
    UTC datetime. In the hour the clocks repeat (fall back) it is the first reading;
    a time the clocks skip raises SkippedLocalTime, and one with an offset ClockError
    (parse_instant reads those)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ClockError(text) from exc
    if value.tzinfo is not None:
        raise ClockError(text)
    utc = value.replace(tzinfo=zone).astimezone(timezone.utc)
    if utc.astimezone(zone).replace(tzinfo=None) != value:
        raise SkippedLocalTime(text)
    return utc


def wall_now() -> datetime:
    """The real UTC time, even when CSBA_NOW fixes `now()`: the clock of Rasa's
    tracker store (its event timestamps), to place something among a
    conversation's messages."""
    return datetime.now(timezone.utc)


def now() -> datetime:
    fixed = config.fixed_now()
    if fixed:
        return parse_instant(fixed)
    return datetime.now(timezone.utc)
