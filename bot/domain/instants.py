"""Points in time as the services take them: always timezone-aware."""

from __future__ import annotations

from datetime import datetime


def require_aware(now: datetime) -> None:
    """ValueError for a naive datetime: every stored time is an instant (UTC)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("naive datetime given: attach a time zone")
