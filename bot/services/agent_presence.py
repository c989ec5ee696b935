"""The agents of the live hand-off (issue 14): who is online, by their own
word and their last page of the live inbox, and their names.

An agent is online when they said so (`set_presence`) and were seen within
PRESENCE_TTL (`seen`: any page of /agent/live; its list reloads every 30 s).
Every function takes the caller's session and does not commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.adapters import handoff_store as store
from bot.adapters.orm import AgentPresenceRow
from bot.domain.instants import require_aware
from bot.services.handoff_errors import HandoffError

# An agent not seen for this long is away, whatever they said.
PRESENCE_TTL = timedelta(minutes=2)
PRESENCE_STATUSES = ("online", "away")


def set_presence(
    session: Session, *, agent_id: int, status: str, now: datetime
) -> None:
    """`online` or `away`; also the agent's "seen" time."""
    require_aware(now)
    if status not in PRESENCE_STATUSES:
        raise HandoffError("handoff.error.bad_status", status=status)
    require_agent(session, agent_id)
    row = store.presence(session, agent_id)
    if row is None:
        session.add(AgentPresenceRow(agent_id=agent_id, status=status, seen_at=now))
    else:
        row.status = status
        row.seen_at = now
    session.flush()


def seen(session: Session, *, agent_id: int, now: datetime) -> str:
    """The agent is here (a page of the live inbox): refresh `seen_at`; their
    status, `away` until they first go online."""
    row = store.presence(session, agent_id)
    if row is None:
        return "away"
    row.seen_at = now
    session.flush()
    return row.status


def agents_online(session: Session, *, now: datetime) -> int:
    return len(store.online_agents(session, seen_since=now - PRESENCE_TTL))


def online_agent_names(session: Session, *, now: datetime) -> list[str]:
    return [
        a.username for a in store.online_agents(session, seen_since=now - PRESENCE_TTL)
    ]


def online_agent_choices(
    session: Session, *, now: datetime, besides: int | None = None
) -> list[tuple[int, str]]:
    """(id, username) of the agents online but `besides`: whom a chat can be
    given to."""
    return [
        (a.id, a.username)
        for a in store.online_agents(session, seen_since=now - PRESENCE_TTL)
        if a.id != besides
    ]


def agent_name(session: Session, agent_id: int | None) -> str | None:
    row = store.agent(session, agent_id) if agent_id is not None else None
    return row.username if row is not None else None


def agent_choices(session: Session) -> list[tuple[int, str]]:
    """(id, username) of every agent, for "give to"."""
    return [(a.id, a.username) for a in store.agents(session)]


def require_agent(session: Session, agent_id: int) -> None:
    if store.agent(session, agent_id) is None:
        raise HandoffError("handoff.error.not_an_agent")
