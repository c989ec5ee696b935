"""What the review console refuses, rendered from the catalogue
(bot/catalogue/<lang>/agent.yml)."""

from __future__ import annotations

from bot.services.errors import CatalogueError


class ReviewError(CatalogueError):
    """An agent's request the console refuses: `ReviewError(key, **params)`."""


class ConversationNotFound(ReviewError):
    key = "agent.error.conversation_not_found"

    def __init__(self, conversation_id: str) -> None:
        super().__init__(conversation_id=conversation_id)


class TrackerUnavailable(ReviewError):
    """The tracker store could not be read; the list shows the last sync."""

    key = "agent.error.tracker_unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail)


def first_line(exc: BaseException) -> str:
    """The first line of a database error, for a notice an agent reads."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
