"""A tracker store that fails makes the turn fail, instead of Rasa's silent fallback.

Rasa 3.6 wraps every agent's tracker store in `FailSafeTrackerStore`
(rasa.core.agent.Agent._create_tracker_store): when the database cannot be read,
the conversation starts again from nothing, and when it cannot be written, the
turn goes to an in-memory store that no other replica sees and that a restart
forgets. The buyer gets a confident answer that ignores everything said before
(seen with PostgreSQL stopped: a verified buyer was asked for an order number),
and the turn is acknowledged but lost.

With this fix the agent uses the configured store itself: its error ends the
turn, the project's channels answer with the polite "can't reach your order right
now" (bot.entrypoints.rasa.channels.rest.unavailable_reply) and nothing is
acknowledged that is not stored. The next message, once the database is back,
goes on from the stored conversation (the SQL store's pool checks its
connections first: bot.entrypoints.rasa.tracker_store).
"""

from __future__ import annotations

from typing import Any

from rasa.core.agent import Agent
from rasa.core.tracker_store import InMemoryTrackerStore

_MARK = "_csba_tracker_errors"


def install() -> None:
    if getattr(Agent._create_tracker_store, _MARK, False):
        return

    def _create_tracker_store(store: Any, domain: Any) -> Any:
        if store is None:
            store = InMemoryTrackerStore(domain)
        store.domain = domain
        return store

    setattr(_create_tracker_store, _MARK, True)
    Agent._create_tracker_store = staticmethod(_create_tracker_store)
