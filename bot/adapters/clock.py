"""The clock. `CSBA_NOW` (ISO 8601 with an offset) fixes it, for tests and for
replaying a past decision; otherwise it is the real UTC time."""

from __future__ import annotations

from datetime import datetime, timezone

from bot import config


class ClockError(ValueError):
    pass


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


def now() -> datetime:
    fixed = config.fixed_now()
    if fixed:
        return parse_instant(fixed)
    return datetime.now(timezone.utc)
