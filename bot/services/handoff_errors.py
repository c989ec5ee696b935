"""The errors of the live hand-off (bot.services.handoff, agent_presence): a
broken rule, with the catalogue key and parameters that render it in any
language (bot/catalogue/<lang>/handoff.yml)."""

from __future__ import annotations

from bot.services.errors import CatalogueError


class HandoffError(CatalogueError):
    key = "handoff.error.invalid"


class HandoffNotFound(HandoffError):
    key = "handoff.error.not_found"


class HandoffNotYours(HandoffError):
    key = "handoff.error.not_yours"


class HandoffEnded(HandoffError):
    key = "handoff.error.ended"
