"""Live hand-off (issue 14): a person takes over the chat, then gives it back.

The seed promises "high-quality, real-time customer service ... via instant
message". When a buyer asks for a person and an agent is online, the
conversation joins the queue (`request_handoff`): the bot stops answering, the
buyer is told their position and the expected wait (bot.domain.handoff), and an
agent claims it (`claim`), chats (`agent_message`), and hands back (`close`,
with an outcome). The buyer may go back to the bot before that (`cancel`).
When no agent is online, `request_handoff` creates nothing: the caller opens
the agent case with the 2-day commitment, as before, and tells the buyer when
the agents are back if that is outside their hours.

Rules decided here:
- At most one active (waiting or live) hand-off per conversation: asking again
  returns the same one with its current position.
- An agent is online when they said so and were seen lately
  (bot.services.agent_presence).
- Only the agent who claimed a hand-off may write into it or close it; another
  agent may take it over only through `assign` by the claiming agent. A waiting
  hand-off can be claimed by any agent online.
- An anonymous buyer who has not passed the ZIP check is `verified=False`: the
  agent is shown no order detail for them (bot.entrypoints.web.live).

Every function takes the caller's session and does not commit. Errors are
HandoffError with a catalogue key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.adapters import handoff_store as store
from bot.adapters.orm import HandoffMessageRow, HandoffRow
from bot.domain.handoff import (
    ACTIVE_STATES,
    AGENT_OUTCOMES,
    RECENT_HANDOFFS,
    AgentHours,
    HandoffOutcome,
    HandoffState,
    QueueEstimate,
    queue_estimate,
)
from bot.domain.instants import require_aware
from bot.domain.model import CaseKind
from bot.services.agent_presence import agent_name, agents_online, require_agent
from bot.services.case_views import OpenedCase
from bot.services.cases import open_case
from bot.services.events import HandoffChanged
from bot.services.handoff_errors import (
    HandoffEnded,
    HandoffError,
    HandoffNotFound,
    HandoffNotYours,
)
from bot.services.handoff_views import HandoffRequest, HandoffView
from bot.services.handoff_views import as_view as _view
from bot.services.messagebus import publish

MAX_AGENT_MESSAGE_CHARS = 5000


def printable_text(text: str | None, limit: int) -> str:
    """What an agent typed, without control characters (newlines and tabs
    stay), trimmed and cut to `limit` characters."""
    kept = "".join(ch for ch in (text or "") if ch.isprintable() or ch in "\n\t")
    return kept.strip()[:limit]


def _end(row: HandoffRow, state: HandoffState, outcome: str, now: datetime) -> None:
    row.state = state.value
    row.outcome = outcome
    row.closed_at = now


def _changed(session: Session, row: HandoffRow) -> None:
    """After the commit, the agents' open pages hear of it (bot.services.live_updates)."""
    publish(
        session, HandoffChanged(handoff_id=row.id, conversation_id=row.conversation_id)
    )


def estimate(
    session: Session, row: HandoffRow, *, now: datetime
) -> QueueEstimate | None:
    """The buyer's place and expected wait; None when no agent is online or the
    hand-off is no longer waiting."""
    online = agents_online(session, now=now)
    if row.state != HandoffState.WAITING.value or online == 0:
        return None
    return queue_estimate(
        store.position_of(session, row),
        online,
        store.recent_handling_times(session, RECENT_HANDOFFS),
    )


def request_handoff(
    session: Session,
    *,
    conversation_id: str,
    reason_code: str,
    now: datetime,
    hours: AgentHours,
    buyer_id: str | None = None,
    verified: bool = False,
    order_id: str | None = None,
) -> HandoffRequest:
    """Join the queue when an agent is online; otherwise say when they are back."""
    require_aware(now)
    store.lock_for_handoff_writes(session, key=conversation_id)
    row = store.active_for_conversation(session, conversation_id, for_update=True)
    online = agents_online(session, now=now)
    if row is not None and (row.state == HandoffState.LIVE.value or online):
        return HandoffRequest(_view(row), estimate(session, row, now=now))
    if row is not None:
        # waiting while every agent went away: that wait is over
        _end(row, HandoffState.CLOSED, HandoffOutcome.NO_AGENT.value, now)
        _changed(session, row)
    if online == 0:
        back = None if hours.is_open(now) else hours.next_opening(now)
        return HandoffRequest(None, None, agents_back_at=back)
    row = HandoffRow(
        conversation_id=conversation_id,
        buyer_id=buyer_id,
        verified=verified,
        order_id=order_id,
        reason_code=reason_code,
        state=HandoffState.WAITING.value,
        requested_at=now,
    )
    session.add(row)
    session.flush()
    _changed(session, row)
    return HandoffRequest(_view(row), estimate(session, row, now=now), created=True)


def active(session: Session, *, conversation_id: str) -> HandoffView | None:
    row = store.active_for_conversation(session, conversation_id)
    return _view(row) if row is not None else None


def status(
    session: Session, *, conversation_id: str, now: datetime
) -> tuple[HandoffView | None, QueueEstimate | None]:
    """The conversation's active hand-off and, while it waits, its estimate."""
    row = store.active_for_conversation(session, conversation_id)
    if row is None:
        return None, None
    return _view(row), estimate(session, row, now=now)


def cancel(
    session: Session, *, conversation_id: str, now: datetime
) -> HandoffView | None:
    """The buyer goes back to the bot: the active hand-off ends (None if none)."""
    require_aware(now)
    store.lock_for_handoff_writes(session, key=conversation_id)
    row = store.active_for_conversation(session, conversation_id, for_update=True)
    if row is None:
        return None
    _end(row, HandoffState.CANCELLED, "cancelled", now)
    session.flush()
    _changed(session, row)
    return _view(row)


def give_up_to_case(
    session: Session,
    *,
    conversation_id: str,
    question: str,
    now: datetime,
    notifier: Any = None,
    language: str | None = None,
) -> OpenedCase:
    """Every agent went away while the buyer waited: the hand-off ends
    (outcome no_agent) and the buyer gets the agent case with the 2-day
    commitment, as when nobody was online when they asked."""
    require_aware(now)
    store.lock_for_handoff_writes(session, key=conversation_id)
    row = store.active_for_conversation(session, conversation_id, for_update=True)
    if row is None or row.state != HandoffState.WAITING.value:
        raise HandoffEnded(handoff_id=row.id if row else 0)
    opened = open_case(
        session,
        conversation_id=conversation_id,
        category="human_agent",
        reason_code=row.reason_code,
        question=question,
        now=now,
        order_id=row.order_id,
        kind=CaseKind.AGENT,
        notifier=notifier,
        language=language,
    )
    _end(row, HandoffState.CLOSED, HandoffOutcome.NO_AGENT.value, now)
    row.case_id = opened.case.id
    session.flush()
    _changed(session, row)
    return opened


def _load(session: Session, handoff_id: int) -> HandoffRow:
    row = store.load(session, handoff_id, for_update=True)
    if row is None:
        raise HandoffNotFound(handoff_id=handoff_id)
    return row


def _mine(session: Session, handoff_id: int, agent_id: int) -> HandoffRow:
    """The live hand-off the agent has, locked for writing; otherwise the error
    that says why not (ended, or with someone else, or not claimed yet)."""
    store.lock_for_handoff_writes(session, key=str(handoff_id))
    row = _load(session, handoff_id)
    if row.state not in ACTIVE_STATES:
        raise HandoffEnded(handoff_id=handoff_id)
    if row.state != HandoffState.LIVE.value or row.agent_id != agent_id:
        raise HandoffNotYours(handoff_id=handoff_id)
    return row


def claim(
    session: Session, *, handoff_id: int, agent_id: int, now: datetime
) -> HandoffView:
    """A waiting hand-off becomes the agent's. Claiming one's own again is a no-op."""
    require_aware(now)
    require_agent(session, agent_id)
    store.lock_for_handoff_writes(session, key=str(handoff_id))
    row = _load(session, handoff_id)
    if row.state == HandoffState.LIVE.value and row.agent_id == agent_id:
        return _view(row)
    if row.state == HandoffState.LIVE.value:
        raise HandoffNotYours(handoff_id=handoff_id)
    if row.state != HandoffState.WAITING.value:
        raise HandoffEnded(handoff_id=handoff_id)
    row.state = HandoffState.LIVE.value
    row.agent_id = agent_id
    row.claimed_at = now
    session.flush()
    _changed(session, row)
    return _view(row)


def assign(
    session: Session, *, handoff_id: int, agent_id: int, to_agent_id: int, now: datetime
) -> HandoffView:
    """Give a hand-off to another agent: a waiting one by any agent, a live one
    by the agent who has it."""
    require_aware(now)
    require_agent(session, agent_id)
    require_agent(session, to_agent_id)
    store.lock_for_handoff_writes(session, key=str(handoff_id))
    row = _load(session, handoff_id)
    if row.state not in ACTIVE_STATES:
        raise HandoffEnded(handoff_id=handoff_id)
    if row.state == HandoffState.LIVE.value and row.agent_id != agent_id:
        raise HandoffNotYours(handoff_id=handoff_id)
    row.state = HandoffState.LIVE.value
    row.agent_id = to_agent_id
    row.claimed_at = row.claimed_at or now
    session.flush()
    _changed(session, row)
    return _view(row)


@dataclass(frozen=True)
class AgentMessage:
    id: int
    text: str
    agent: str  # the agent's username


def agent_message(
    session: Session, *, handoff_id: int, agent_id: int, text: str, now: datetime
) -> tuple[HandoffView, AgentMessage]:
    """Keep what the agent wrote in the hand-off they have, undelivered. After
    the commit the caller pushes it into the buyer's open chat and marks it
    delivered (`mark_delivered`); otherwise the buyer's next message shows it
    (`undelivered`)."""
    require_aware(now)
    cleaned = printable_text(text, MAX_AGENT_MESSAGE_CHARS)
    if not cleaned:
        raise HandoffError("handoff.error.empty_text")
    row = _mine(session, handoff_id, agent_id)
    if row.first_reply_at is None:
        row.first_reply_at = now
    message = HandoffMessageRow(
        handoff_id=row.id, agent_id=agent_id, text=cleaned, created_at=now
    )
    session.add(message)
    session.flush()
    return _view(row), AgentMessage(
        message.id, cleaned, agent_name(session, agent_id) or "?"
    )


def undelivered(session: Session, *, conversation_id: str) -> list[AgentMessage]:
    """The agent messages the conversation's chat has not shown yet."""
    return [
        AgentMessage(row.id, row.text, name)
        for row, name in store.undelivered_messages(session, conversation_id)
    ]


def mark_delivered(session: Session, *, message_ids: list[int], now: datetime) -> None:
    store.mark_messages_delivered(session, list(message_ids), now)


def close(
    session: Session,
    *,
    handoff_id: int,
    agent_id: int,
    outcome: str,
    now: datetime,
    case_id: int | None = None,
) -> HandoffView:
    """The agent hands back to the bot with an outcome."""
    require_aware(now)
    if outcome not in AGENT_OUTCOMES:
        raise HandoffError("handoff.error.bad_outcome", outcome=outcome)
    row = _mine(session, handoff_id, agent_id)
    _end(row, HandoffState.CLOSED, outcome, now)
    if case_id is not None:
        row.case_id = case_id
    session.flush()
    _changed(session, row)
    return _view(row)


@dataclass(frozen=True)
class QueueLine:
    handoff: HandoffView
    waited: timedelta
    agent: str | None  # the username of the agent who has it


def inbox(
    session: Session, *, now: datetime
) -> tuple[list[QueueLine], list[QueueLine]]:
    """(waiting oldest first, live oldest claim first)."""
    names = {a.id: a.username for a in store.agents(session)}
    waiting = [
        QueueLine(_view(r), now - r.requested_at, None) for r in store.waiting(session)
    ]
    live = [
        QueueLine(_view(r), now - r.requested_at, names.get(r.agent_id))
        for r in store.live(session)
    ]
    return waiting, live


def get(session: Session, *, handoff_id: int) -> HandoffView:
    row = store.load(session, handoff_id, for_update=False)
    if row is None:
        raise HandoffNotFound(handoff_id=handoff_id)
    return _view(row)


def attach_case(
    session: Session, *, handoff_id: int, agent_id: int, case_id: int, now: datetime
) -> HandoffView:
    """Record on the live hand-off the agent has the case they opened from it
    (bot.services.handoff_side), so "Close: I opened a case" is true."""
    require_aware(now)
    row = _mine(session, handoff_id, agent_id)
    row.case_id = case_id
    session.flush()
    _changed(session, row)
    return _view(row)
