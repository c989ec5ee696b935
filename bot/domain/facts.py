"""A decision's facts as JSON-ready values (bot.domain.policy): instants as
ISO 8601 in UTC, days as YYYY-MM-DD, enums by value. Pure Python."""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import Enum
from typing import Any


def instant(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with an explicit offset, e.g. 2026-01-05T09:00:00+00:00."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat()


def day(value: date) -> str:
    return value.isoformat()


def json_ready(value: Any) -> Any:
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return day(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    return value
