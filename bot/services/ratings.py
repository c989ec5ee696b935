"""What buyers say of the service: "Was this helpful?" after a live hand-off
(issue 14, item 3) and at the end of a resolved inquiry (issue 17, item 5), in
one storage that a later star rating can share.

A rating is one answer about one subject (`handoff`, `inquiry`), on a scale
(`helpful`: 1 = yes, 0 = no). Rules decided here:
- The buyer rates the hand-off of their own conversation that an agent closed
  last (outcome resolved or case opened), within RATING_WINDOW of its close. A
  hand-off the buyer cancelled, or that ended because no agent was left, is not
  rated: no person helped.
- Rating again changes the answer: one row per subject, `created_at` kept,
  `updated_at` moved. Nothing else is lost, and the figures count each
  hand-off once.

- An inquiry is one routed decision of the bot (table `inquiries`, written with
  the decision). It may be rated once it is resolved: at once when the bot
  answered or referred the buyer (route `bot` or `buyer_seller_messaging`, no
  case, no open question), or once its case has an answer (the seller's or an
  agent's) or was resolved; then for INQUIRY_RATING_WINDOW. Only from its own
  conversation: the widget's chat token names it, or the signed link in the
  answer email (bot.services.rating_links) does.

Plain Python, no Rasa import. Every function takes the caller's session and does
not commit. Errors are RatingError with a catalogue key (bot/catalogue/<lang>/rating.yml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.adapters import rating_store as store
from bot.adapters.orm import InquiryRow, RatingRow
from bot.domain.handoff import AGENT_OUTCOMES, HandoffState
from bot.domain.instants import require_aware
from bot.domain.model import Route
from bot.services.errors import CatalogueError

SUBJECT_HANDOFF = "handoff"
SUBJECT_INQUIRY = "inquiry"
SCALE_HELPFUL = "helpful"
HELPFUL_YES, HELPFUL_NO = 1, 0
# The values each scale allows (a later `stars` scale: range(1, 6)).
SCALES = {SCALE_HELPFUL: range(HELPFUL_NO, HELPFUL_YES + 1)}
# How long after the agent handed back the buyer may still rate the hand-off.
RATING_WINDOW = timedelta(hours=24)
# How long after an inquiry was resolved (decided, or its case answered) the
# buyer may rate it: the answer email's link lives as long.
INQUIRY_RATING_WINDOW = timedelta(days=14)
# Routes whose decision is itself the answer, unless a case or a question waits.
ANSWERED_ROUTES = (Route.BOT.value, Route.BUYER_SELLER_MESSAGING.value)
# Decisions on those routes that still ask the buyer something first.
OPEN_QUESTION_CODES = frozenset({"damaged_return"})


class RatingError(CatalogueError):
    key = "rating.error.invalid"


class NothingToRate(RatingError):
    """No hand-off of this conversation that an agent closed lately."""

    key = "rating.error.nothing_to_rate"


class InquiryNotRateable(NothingToRate):
    """Not this conversation's inquiry, not resolved yet, or rated too late."""

    key = "rating.error.inquiry_not_rateable"


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


# -- inquiries (issue 17, item 5) -------------------------------------------------


@dataclass(frozen=True)
class InquiryView:
    id: int
    conversation_id: str
    route: str
    reason_code: str
    case_id: int | None
    decided_at: datetime
    # whether the decision itself answered the buyer (no case, no question)
    answered_at_once: bool


def _answered_at_once(row: InquiryRow) -> bool:
    return (
        row.case_id is None
        and row.route in ANSWERED_ROUTES
        and row.reason_code not in OPEN_QUESTION_CODES
    )


def _inquiry_view(row: InquiryRow) -> InquiryView:
    return InquiryView(
        id=row.id,
        conversation_id=row.conversation_id,
        route=row.route,
        reason_code=row.reason_code,
        case_id=row.case_id,
        decided_at=row.decided_at,
        answered_at_once=_answered_at_once(row),
    )


def record_inquiry(
    session: Session,
    *,
    conversation_id: str,
    route: str,
    reason_code: str,
    order_id: str | None,
    case_id: int | None,
    now: datetime,
) -> InquiryView:
    """Keep one routed decision of the bot, to be rated once resolved."""
    require_aware(now)
    row = store.add_inquiry(
        session,
        InquiryRow(
            conversation_id=conversation_id,
            route=route,
            reason_code=reason_code,
            order_id=order_id,
            case_id=case_id,
            decided_at=now,
        ),
    )
    return _inquiry_view(row)


def resolved_at(session: Session, row: InquiryRow) -> datetime | None:
    """When the inquiry was resolved: its decision, when that was the answer;
    else its case's first answer (or resolution); None while it waits."""
    if _answered_at_once(row):
        return row.decided_at
    if row.case_id is not None:
        return store.case_answered_at(session, row.case_id)
    return None


def rateable_inquiry(
    session: Session, *, inquiry_id: int, conversation_id: str, now: datetime
) -> InquiryView | None:
    """The inquiry if this conversation's buyer may rate it now: it is the
    conversation's own, resolved, and within INQUIRY_RATING_WINDOW."""
    require_aware(now)
    row = store.inquiry(session, inquiry_id)
    if row is None or row.conversation_id != conversation_id:
        return None
    resolved = resolved_at(session, row)
    if resolved is None or resolved < now - INQUIRY_RATING_WINDOW:
        return None
    return _inquiry_view(row)


def rate_inquiry(
    session: Session,
    *,
    inquiry_id: int,
    conversation_id: str,
    helpful: bool,
    now: datetime,
) -> RatingView:
    """ "Was this helpful?" about one inquiry of this conversation;
    InquiryNotRateable when it is another conversation's, not resolved, or too
    old."""
    inquiry = rateable_inquiry(
        session, inquiry_id=inquiry_id, conversation_id=conversation_id, now=now
    )
    if inquiry is None:
        raise InquiryNotRateable()
    return rate(
        session,
        subject=SUBJECT_INQUIRY,
        subject_id=inquiry.id,
        conversation_id=conversation_id,
        scale=SCALE_HELPFUL,
        value=HELPFUL_YES if helpful else HELPFUL_NO,
        now=now,
    )


def inquiry_of_case(
    session: Session, *, case_id: int, conversation_id: str
) -> InquiryView | None:
    """The conversation's latest inquiry that opened or joined the case."""
    row = store.latest_inquiry_of_case(
        session, case_id=case_id, conversation_id=conversation_id
    )
    return _inquiry_view(row) if row is not None else None


def inquiry_rating(session: Session, *, inquiry_id: int) -> RatingView | None:
    row = store.rating_of(session, subject=SUBJECT_INQUIRY, subject_id=inquiry_id)
    return _view(row) if row is not None else None


@dataclass(frozen=True)
class CsatLine:
    """The inquiries of one route or reason code rated in a range."""

    key: str
    figures: HelpfulFigures


def csat_by(
    session: Session, column: str, since: datetime, until: datetime | None = None
) -> tuple[CsatLine, ...]:
    """CSAT (the share rated helpful) per `route` or `reason_code` of the
    inquiries rated (first answered) in [since, until)."""
    rows = store.inquiry_value_counts(
        session,
        subject=SUBJECT_INQUIRY,
        scale=SCALE_HELPFUL,
        column=column,
        since=since,
        until=until,
    )
    return tuple(
        CsatLine(key=key, figures=HelpfulFigures(rated=rated, helpful=helpful))
        for key, rated, helpful in rows
    )
