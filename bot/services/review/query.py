"""The conversation list: the agents' filters, read from query parameters, and
the summaries they select, newest first, joined with each conversation's case
for its status and SLA state (bot.adapters.review_store runs the SQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy.orm import Session

from bot import config
from bot.adapters import review_store
from bot.adapters.catalogue import catalogue
from bot.adapters.rasa_domain import domain_intents
from bot.adapters.rating_store import RATED_HELPFUL, RATED_NOT_HELPFUL, UNRATED
from bot.domain.model import CaseStatus, Route
from bot.domain.policy import REASON_CODES
from bot.domain.sla import BUYER_OVERDUE, SlaState, buyer_overdue, sla_state
from bot.services.presentation import AGENT_LANGUAGE
from bot.services.review.errors import ConversationNotFound
from bot.services.review.events import is_internal_intent

MAX_SEARCH_QUERY_CHARS = 200
PER_PAGE = 50
MAX_PER_PAGE = 200


# -- filters ---------------------------------------------------------------------------


def _yes_no(value: str) -> bool:
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise ValueError(value)


def _confidence(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(value)
    return number


def _one_of(choices: Iterable[str]):  # noqa: ANN202
    allowed = frozenset(choices)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(value)
        return value

    return check


def _intent_name(value: str) -> str:
    if len(value) > 255 or is_internal_intent(value):
        raise ValueError(value)
    return value


def _search(value: str) -> str:
    if len(value) > MAX_SEARCH_QUERY_CHARS:
        raise ValueError(value)
    return value


FILTER_PARSERS = {
    "intent": _intent_name,
    "route": _one_of(route.value for route in Route),
    "reason_code": _one_of(REASON_CODES),
    "confidence_below": _confidence,
    "has_case": _yes_no,
    "case_status": _one_of(status.value for status in CaseStatus),
    "sla_state": _one_of([*(state.value for state in SlaState), BUYER_OVERDUE]),
    "reviewed": _yes_no,
    "has_decision": _yes_no,
    "rating": _one_of((RATED_HELPFUL, RATED_NOT_HELPFUL, UNRATED)),
    "date_from": date.fromisoformat,
    "date_to": date.fromisoformat,
    "q": _search,
}


def day_start_utc(day: date) -> datetime:
    """00:00 of `day` on the marketplace's wall clock, in UTC."""
    return datetime.combine(day, time.min, tzinfo=config.MARKETPLACE_TZ).astimezone(
        timezone.utc
    )


@dataclass(frozen=True)
class ConversationFilters:
    """What the agent filters the list by; None: no filter."""

    intent: str | None = None
    route: str | None = None
    reason_code: str | None = None
    confidence_below: float | None = None
    has_case: bool | None = None
    case_status: str | None = None
    sla_state: str | None = None
    reviewed: bool | None = None
    has_decision: bool | None = None  # a final route was set
    # the buyers' "Was this helpful?": all yes, any no, or none
    rating: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    # names of the parameters that were given but not understood (ignored)
    invalid: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ConversationFilters:
        values: dict[str, Any] = {}
        invalid: list[str] = []
        for name, parse in FILTER_PARSERS.items():
            raw = params.get(name)
            if raw is None or not str(raw).strip():
                continue
            try:
                values[name] = parse(str(raw).strip())
            except ValueError:
                invalid.append(name)
        return cls(**values, invalid=tuple(invalid))

    def as_params(self) -> dict[str, str]:
        """The filters as query parameters (for page links and the CSV export)."""
        params: dict[str, str] = {}
        for name in FILTER_PARSERS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool):
                params[name] = "yes" if value else "no"
            elif isinstance(value, date):
                params[name] = value.isoformat()
            else:
                params[name] = str(value)
        return params

    @property
    def started_from(self) -> datetime | None:
        """The first instant of `date_from` (marketplace time)."""
        return None if self.date_from is None else day_start_utc(self.date_from)

    @property
    def started_before(self) -> datetime | None:
        """The first instant after `date_to` (marketplace time)."""
        if self.date_to is None:
            return None
        return day_start_utc(self.date_to + timedelta(days=1))


# -- the list ----------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationLine:
    """One conversation in the list (and one line of the CSV export)."""

    conversation_id: str
    started_at: datetime
    last_event_at: datetime
    buyer_id: str | None
    channel: str | None
    intents: tuple[str, ...]
    language: str | None  # the conversation's language (en, es); None: not set
    route: str | None
    reason_code: str | None
    min_confidence: float | None
    buyer_messages: int
    # the first buyer message, cut ('' or None: none, or not read yet), and
    # whether it was a click on a quick reply (then the button's title)
    first_words: str | None
    first_words_clicked: bool
    reason_label: str | None  # the reason code's short label for agents
    case_id: int | None
    case_kind: str | None
    case_status: str | None
    sla_state: str | None
    buyer_overdue: bool  # past the buyer's two-day commitment, still unanswered
    # "helpful" (every answer yes), "not_helpful" (any no) or None (not rated)
    rating: str | None
    reviewed: bool
    reviewed_by: str | None
    reviewed_at: datetime | None
    tags: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class ConversationPage:
    lines: tuple[ConversationLine, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def reason_label(code: str | None, language: str = AGENT_LANGUAGE) -> str | None:
    """A reason code's short label (catalogue `agent.reason_label.<code>`); None
    for no code or one the catalogue does not know."""
    if not code:
        return None
    return catalogue(language).get(f"agent.reason_label.{code}")


def _line(row: review_store.SummaryRow, now: datetime) -> ConversationLine:
    summary = row[0]
    case_id, kind, status, due, replied_at, buyer_due, lowest = row[1:]
    return ConversationLine(
        conversation_id=summary.conversation_id,
        started_at=summary.started_at,
        last_event_at=summary.last_event_at,
        buyer_id=summary.buyer_id,
        channel=summary.channel,
        language=summary.language,
        intents=tuple(
            intent
            for intent in summary.intents.split()
            if not is_internal_intent(intent)
        ),
        route=summary.route,
        reason_code=summary.reason_code,
        min_confidence=summary.min_confidence,
        buyer_messages=summary.buyer_messages,
        first_words=summary.first_words,
        first_words_clicked=bool(summary.first_words_clicked),
        reason_label=reason_label(summary.reason_code),
        case_id=case_id,
        case_kind=kind,
        case_status=status,
        sla_state=(
            sla_state(status, due, now, replied_at).value
            if status is not None
            else None
        ),
        buyer_overdue=(status is not None and buyer_overdue(status, buyer_due, now)),
        rating=(
            None if lowest is None else RATED_HELPFUL if lowest else RATED_NOT_HELPFUL
        ),
        reviewed=bool(summary.reviewed),
        reviewed_by=summary.reviewed_by,
        reviewed_at=summary.reviewed_at,
        tags=tuple(summary.tags or ()),
        note=summary.note,
    )


def list_conversations(
    session: Session,
    filters: ConversationFilters,
    *,
    now: datetime,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ConversationPage:
    """One page of the filtered conversations, newest first."""
    per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
    total = review_store.count_summaries(session, filters, now)
    pages = max(1, -(-total // per_page))
    page = min(max(1, int(page)), pages)
    rows = review_store.summary_rows(
        session, filters, now, limit=per_page, offset=(page - 1) * per_page
    )
    return ConversationPage(
        lines=tuple(_line(row, now) for row in rows),
        total=total,
        page=page,
        per_page=per_page,
    )


def iter_conversations(
    session: Session, filters: ConversationFilters, *, now: datetime
) -> Iterator[ConversationLine]:
    """Every filtered conversation, newest first (the CSV export)."""
    for row in review_store.iter_summary_rows(session, filters, now):
        yield _line(row, now)


def conversation_line(
    session: Session, conversation_id: str, *, now: datetime
) -> ConversationLine:
    row = review_store.summary_row(session, conversation_id)
    if row is None:
        raise ConversationNotFound(conversation_id)
    return _line(row, now)


def filter_choices(session: Session) -> dict[str, list[str]]:
    """The values the list's select boxes offer."""
    intents = set(review_store.known_intents(session)) | set(domain_intents())
    return {
        "intent": sorted(
            intent for intent in intents if not is_internal_intent(intent)
        ),
        "route": [route.value for route in Route],
        "reason_code": sorted(REASON_CODES),
        "case_status": [status.value for status in CaseStatus],
        "sla_state": [
            SlaState.ON_TIME.value,
            SlaState.DUE_SOON.value,
            SlaState.OVERDUE.value,
            SlaState.ESCALATED.value,
            SlaState.MET.value,
            SlaState.MISSED.value,
            BUYER_OVERDUE,
        ],
        "rating": [RATED_HELPFUL, RATED_NOT_HELPFUL, UNRATED],
    }
