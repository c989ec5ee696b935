"""What buyers say of the service (issue 14, item 3): "Was this helpful?" after
a live hand-off, kept so that a later star rating (of a case, say) uses the same
storage.

A rating is one answer about one subject (`handoff` now), on a scale (`helpful`:
1 = yes, 0 = no). Rules decided here:
- The buyer rates the hand-off of their own conversation that an agent closed
  last (outcome resolved or case opened), within RATING_WINDOW of its close. A
  hand-off the buyer cancelled, or that ended because no agent was left, is not
  rated: no person helped.
- Rating again changes the answer: one row per subject, `created_at` kept,
  `updated_at` moved. Nothing else is lost, and the figures count each
  hand-off once.

Plain Python, no Rasa import. Every function takes the caller's session and does
not commit. Errors are RatingError with a catalogue key (bot/catalogue/<lang>/rating.yml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.adapters import rating_store as store
from bot.adapters.orm import RatingRow
from bot.domain.handoff import AGENT_OUTCOMES, HandoffState
from bot.domain.instants import require_aware
from bot.services.errors import CatalogueError

SUBJECT_HANDOFF = "handoff"
SCALE_HELPFUL = "helpful"
HELPFUL_YES, HELPFUL_NO = 1, 0
# The values each scale allows (a later `stars` scale: range(1, 6)).
SCALES = {SCALE_HELPFUL: range(HELPFUL_NO, HELPFUL_YES + 1)}
# How long after the agent handed back the buyer may still rate the hand-off.
RATING_WINDOW = timedelta(hours=24)


class RatingError(CatalogueError):
    key = "rating.error.invalid"


class NothingToRate(RatingError):
    """No hand-off of this conversation that an agent closed lately."""

    key = "rating.error.nothing_to_rate"


@dataclass(frozen=True)
class RatingView:
    id: int
    subject: str
    subject_id: int
    conversation_id: str
    scale: str
    value: int
    created_at: datetime
    updated_at: datetime

    @property
    def helpful(self) -> bool | None:
        if self.scale != SCALE_HELPFUL:
            return None
        return self.value == HELPFUL_YES


@dataclass(frozen=True)
class HelpfulFigures:
    rated: int
    helpful: int

    @property
    def share(self) -> float | None:
        return self.helpful / self.rated if self.rated else None


def _view(row: RatingRow) -> RatingView:
    return RatingView(
        id=row.id,
        subject=row.subject,
        subject_id=row.subject_id,
        conversation_id=row.conversation_id,
        scale=row.scale,
        value=row.value,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def rateable_handoff(
    session: Session, *, conversation_id: str, now: datetime
) -> int | None:
    """The id of the hand-off the buyer of this conversation may rate now: the
    one an agent closed last, if that was within RATING_WINDOW; else None."""
    require_aware(now)
    row = store.latest_closed_handoff(
        session,
        conversation_id,
        outcomes=AGENT_OUTCOMES,
        state=HandoffState.CLOSED.value,
    )
    if row is None or row.closed_at < now - RATING_WINDOW:
        return None
    return row.id


def rate(
    session: Session,
    *,
    subject: str,
    subject_id: int,
    conversation_id: str,
    scale: str,
    value: int,
    now: datetime,
) -> RatingView:
    """Keep the answer about `subject`, or change the one given before."""
    require_aware(now)
    if value not in SCALES.get(scale, ()):
        raise RatingError()
    store.lock_for_rating_writes(session, subject=subject, subject_id=subject_id)
    row = store.rating_of(
        session, subject=subject, subject_id=subject_id, for_update=True
    )
    if row is None:
        row = RatingRow(
            subject=subject,
            subject_id=subject_id,
            conversation_id=conversation_id,
            scale=scale,
            created_at=now,
        )
        session.add(row)
    row.scale = scale
    row.value = value
    row.updated_at = now
    session.flush()
    return _view(row)


def rate_handoff(
    session: Session, *, conversation_id: str, helpful: bool, now: datetime
) -> RatingView:
    """ "Was this helpful?" about the hand-off an agent closed last in this
    conversation; NothingToRate when there is none within RATING_WINDOW."""
    handoff_id = rateable_handoff(session, conversation_id=conversation_id, now=now)
    if handoff_id is None:
        raise NothingToRate()
    return rate(
        session,
        subject=SUBJECT_HANDOFF,
        subject_id=handoff_id,
        conversation_id=conversation_id,
        scale=SCALE_HELPFUL,
        value=HELPFUL_YES if helpful else HELPFUL_NO,
        now=now,
    )


def handoff_rating(session: Session, *, handoff_id: int) -> RatingView | None:
    row = store.rating_of(session, subject=SUBJECT_HANDOFF, subject_id=handoff_id)
    return _view(row) if row is not None else None


def helpful_figures(
    session: Session, since: datetime, until: datetime | None = None
) -> HelpfulFigures:
    """The hand-offs rated (first answered) in [since, until) and how many of
    them were found helpful, by their latest answer."""
    counts = store.value_counts(
        session, subject=SUBJECT_HANDOFF, scale=SCALE_HELPFUL, since=since, until=until
    )
    return HelpfulFigures(
        rated=sum(counts.values()), helpful=counts.get(HELPFUL_YES, 0)
    )
