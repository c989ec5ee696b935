"""The agent review console's use cases: what the bot decided in each
conversation, and what the agents make of it.

Conversations live in Rasa's SQL tracker store, in its own database (table
`events`: id, sender_id, type_name, timestamp, intent_name, action_name and
the event as JSON text in `data`). Scanning those events at every page view
would not scale to 10,000 conversations, so `sync_summaries()` folds new events
into `conversation_summaries` in the project database, by event id watermark
(`review_sync_state`). It is called at the start of each list request and costs
one `max(id)` query when nothing is new.

- `list_conversations()` / `iter_conversations()`: the filtered list, newest
  first, joined with each conversation's case for its status and SLA state.
- `transcript()`: every buyer message (intent, confidence, entities), the bot's
  replies, each decision with the agent-facing reason, and the linked cases.
- `set_tags()`, `set_reviewed()`, `set_note()`, `correct_intent()`,
  `reply_to_agent_case()`: the agents' actions.

Ids commit out of order on PostgreSQL (a sequence value is taken before the
transaction commits), so each sync re-reads the last RESCAN_EVENTS ids below
the watermark; an event is folded into a conversation only once (each summary
keeps the id of the last event it folded in; a conversation's own events are
written in order, one turn at a time).

The buyer token the channel stores in metadata (`csba.token`) is never read
into a summary or a transcript: only the verified `csba.buyer_id` is.

Every function takes the caller's session and does not commit.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any

import yaml
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from bot import config
from bot.adapters.orm import (
    CaseRow,
    ConversationIntentRow,
    ConversationSummaryRow,
    IntentCorrectionRow,
    ReviewSyncStateRow,
)
from bot.domain.model import CaseKind, CaseStatus, Route
from bot.domain.policy import REASON_CODES, render_reason
from bot.domain.sla import DUE_SOON_WITHIN, SlaState, sla_state
from bot.i18n import catalogue, placeholders, t
from bot.services import cases
from bot.services.cases import CaseView

log = logging.getLogger(__name__)

# Re-read this many event ids below the watermark at each sync (see above).
RESCAN_EVENTS = 500
# Events read from the tracker store per round trip.
SYNC_BATCH = 20_000
# The free-text search keeps this much of a conversation's buyer messages.
MAX_SEARCH_CHARS = 20_000
MAX_NOTE_CHARS = 4_000
MAX_TAGS = 10
MAX_TAG_CHARS = 32
MAX_SEARCH_QUERY_CHARS = 200
PER_PAGE = 50
MAX_PER_PAGE = 200

AGENT_LANGUAGE = "en"
SENDER_CHARS = 255

# Rasa's SQL tracker store table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent),
# read only. Its own MetaData: it is not a table of the project database.
tracker_metadata = MetaData()
EVENTS = Table(
    "events",
    tracker_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

# Slots the decision sets (actions/triage.py); a slot event stores its name in
# `action_name`.
SLOT_ROUTE = "route"
SLOT_REASON = "reason_code"
SLOT_CASE = "case_id"
SLOT_ORDER = "order_id"
SLOT_BUYER = "buyer_id"
# Every fact the decision used (Decision.facts), set since the slot was added.
SLOT_FACTS = "decision_facts"
SUMMARY_SLOTS = (SLOT_ROUTE, SLOT_REASON, SLOT_CASE, SLOT_BUYER)
# Conversations recorded before `decision_facts`: the facts the reply slots
# kept fill the agent-facing reason (slot -> reason placeholder).
REASON_FACT_SLOTS = {
    "carrier": "carrier",
    "tracking_number": "tracking_number",
    "shipped_on": "shipped_at",
    "delivered_on": "delivered_at",
    "promised_by": "promised_delivery_day",
    "return_deadline": "return_deadline",
    "return_method": "return_method",
    "not_returnable_items": "not_returnable_items",
    "answer": "answer",
}
# Routes on which a person (the seller or an associate) takes over.
HANDOFF_ROUTES = frozenset({Route.AGENT.value, Route.SELLER_CASE.value})
METADATA_KEY = "csba"
SECRET_KEYS = frozenset({"token"})


# -- errors ----------------------------------------------------------------------


class ReviewError(Exception):
    """An agent's request the console refuses. `key` and `params` render the
    message from the catalogue (bot/catalogue/<lang>/agent.yml)."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, language: str | None = AGENT_LANGUAGE) -> str:
        return t(self.key, language, **self.params)


class ConversationNotFound(ReviewError):
    def __init__(self, conversation_id: str) -> None:
        super().__init__(
            "agent.error.conversation_not_found", conversation_id=conversation_id
        )


class TrackerUnavailable(ReviewError):
    """The tracker store could not be read; the list shows the last sync."""

    def __init__(self, detail: str) -> None:
        super().__init__("agent.error.tracker_unavailable", detail=detail)


# -- the tracker store ---------------------------------------------------------------


def _at(timestamp: float | None) -> datetime | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp), tz=timezone.utc)


def _load(raw: str | None) -> dict[str, Any]:
    """An event's JSON, as stored (secrets included: read only named fields)."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _event_data(raw: str | None) -> dict[str, Any]:
    """An event's JSON without its secrets, for anything shown or kept."""
    return redact(_load(raw))


def redact(value: Any) -> Any:
    """`value` without any secret (a `token` key, at any depth)."""
    if isinstance(value, dict):
        return {
            key: redact(item)
            for key, item in value.items()
            if not (isinstance(key, str) and key.lower() in SECRET_KEYS)
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def _is_external(data: Mapping[str, Any]) -> bool:
    """An intent triggered through Rasa's API (the live push of a case reply),
    not something the buyer wrote."""
    metadata = data.get("metadata")
    return isinstance(metadata, dict) and bool(metadata.get("is_external"))


def _verified_buyer(data: Mapping[str, Any]) -> str | None:
    """The buyer id the channel verified from a token (metadata `csba.buyer_id`)."""
    metadata = data.get("metadata")
    csba = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    if isinstance(csba, dict) and csba.get("auth") == "token":
        buyer = csba.get("buyer_id")
        return buyer if isinstance(buyer, str) and buyer else None
    return None


def _parse(data: Mapping[str, Any]) -> tuple[str | None, float | None, list[dict]]:
    """Intent name, confidence and entities of a user event."""
    parse_data = data.get("parse_data")
    if not isinstance(parse_data, dict):
        return None, None, []
    intent = parse_data.get("intent")
    name = confidence = None
    if isinstance(intent, dict):
        name = intent.get("name") if isinstance(intent.get("name"), str) else None
        value = intent.get("confidence")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            confidence = float(value)
    entities = [e for e in parse_data.get("entities") or [] if isinstance(e, dict)]
    return name, confidence, entities


# -- the sync ----------------------------------------------------------------------


def _newest_event_id(tracker: Engine) -> int | None:
    try:
        with tracker.connect() as conn:
            return conn.execute(select(func.max(EVENTS.c.id))).scalar()
    except (OperationalError, ProgrammingError) as exc:
        from sqlalchemy import inspect

        try:
            if not inspect(tracker).has_table(EVENTS.name):
                return None  # Rasa has not stored a conversation yet
        except (OperationalError, ProgrammingError):
            pass
        raise TrackerUnavailable(_first_line(exc)) from None


def _first_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def sync_summaries(
    session: Session, tracker: Engine, *, now: datetime, limit: int | None = None
) -> int:
    """Fold the tracker's new events into the summaries; the number of events read.

    Cheap when nothing is new: one `max(id)` on the tracker store and one row of
    the project database. With `limit`, stops after about that many events (the
    caller commits and calls again while the result is `limit` or more: a
    large first sync then never holds SQLite's write lock for long). Raises
    TrackerUnavailable when the tracker store cannot be read (the summaries then
    stay as the last sync left them).
    """
    state = session.get(ReviewSyncStateRow, 1)
    newest = _newest_event_id(tracker)
    if newest is None or (state is not None and newest <= state.last_event_id):
        return 0

    # One sync at a time: the write lock on SQLite, an advisory lock on PostgreSQL.
    cases.lock_for_case_writes(session, key="review-sync")
    state = session.execute(
        select(ReviewSyncStateRow)
        .where(ReviewSyncStateRow.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if state is None:
        state = ReviewSyncStateRow(id=1, last_event_id=0, synced_at=now)
        session.add(state)
    if newest <= state.last_event_id:
        return 0

    watermark = state.last_event_id
    start = max(0, watermark - RESCAN_EVENTS)
    read = 0  # events past the watermark (the re-read ones do not count)
    with tracker.connect() as conn:
        while start < newest and (limit is None or read < limit):
            rows = conn.execute(
                select(EVENTS)
                .where(EVENTS.c.id > start, EVENTS.c.id <= newest)
                .order_by(EVENTS.c.id)
                .limit(SYNC_BATCH if limit is None else min(SYNC_BATCH, limit - read))
            ).all()
            if not rows:
                start = newest
                break
            _fold(session, rows)
            read += sum(1 for row in rows if row.id > watermark)
            start = rows[-1].id
    state.last_event_id = max(watermark, start)
    state.synced_at = now
    session.flush()
    return read


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for offset in range(0, len(items), size):
        yield items[offset : offset + size]


def _fold(session: Session, rows: Sequence[Any]) -> None:
    """Fold a batch of events (in id order) into their conversations' summaries."""
    by_sender: dict[str, list[Any]] = {}
    for row in rows:
        by_sender.setdefault(row.sender_id[:SENDER_CHARS], []).append(row)
    senders = list(by_sender)
    summaries: dict[str, ConversationSummaryRow] = {}
    intent_rows: list[ConversationIntentRow] = []
    for chunk in _chunks(senders):
        for summary in session.execute(
            select(ConversationSummaryRow).where(
                ConversationSummaryRow.conversation_id.in_(chunk)
            )
        ).scalars():
            summaries[summary.conversation_id] = summary
    for sender, events in by_sender.items():
        summary = summaries.get(sender)
        seen = summary.last_event_id if summary is not None else 0
        fresh = [event for event in events if event.id > seen]
        if not fresh:
            continue
        if summary is None:
            first = _at(fresh[0].timestamp) or datetime.now(timezone.utc)
            summary = ConversationSummaryRow(
                conversation_id=sender,
                started_at=first,
                last_event_at=first,
                last_event_id=0,
                intents="",
                handed_off=False,
                buyer_messages=0,
                search_text="",
                reviewed=False,
                tags=[],
            )
            session.add(summary)
        known = summary.intents.split()
        intent_rows += [
            ConversationIntentRow(conversation_id=sender, intent=intent)
            for intent in _apply(summary, fresh, known)
        ]
    session.flush()  # the summaries first: the intents refer to them
    session.add_all(intent_rows)


def _apply(
    summary: ConversationSummaryRow, events: Sequence[Any], known: list[str]
) -> list[str]:
    """Fold `events` into `summary`; the intents seen for the first time.

    Reads only what a summary keeps (never the metadata's token); the times are
    folded as numbers and set once, which keeps the first sync of a large
    tracker store quick."""
    new_intents: list[str] = []
    search = [summary.search_text] if summary.search_text else []
    stamps = [e.timestamp for e in events if e.timestamp is not None]
    if stamps:
        summary.started_at = min(summary.started_at, _at(min(stamps)))
        summary.last_event_at = max(summary.last_event_at, _at(max(stamps)))
    summary.last_event_id = events[-1].id
    for event in events:
        if event.type_name == "user":
            data = _load(event.data)
            if _is_external(data):
                continue
            intent, confidence, _ = _parse(data)
            summary.buyer_messages += 1
            text = data.get("text")
            if isinstance(text, str) and text:
                search.append(text.lower())
            if confidence is not None and (
                summary.min_confidence is None or confidence < summary.min_confidence
            ):
                summary.min_confidence = confidence
            intent = intent or event.intent_name
            if intent and intent not in known:
                known.append(intent)
                new_intents.append(intent[:255])
            channel = data.get("input_channel")
            if isinstance(channel, str) and channel and not summary.channel:
                summary.channel = channel[:64]
            buyer = _verified_buyer(data)
            if buyer:
                summary.buyer_id = buyer[:64]
        elif event.type_name == "slot" and event.action_name in SUMMARY_SLOTS:
            value = _load(event.data).get("value")
            if value is None or value == "":
                continue
            _apply_slot(summary, event.action_name, value)
    summary.intents = " ".join(known)
    summary.search_text = "\n".join(search)[:MAX_SEARCH_CHARS]
    return new_intents


def _apply_slot(summary: ConversationSummaryRow, name: str, value: Any) -> None:
    if name == SLOT_ROUTE and isinstance(value, str):
        summary.route = value[:32]
        if value in HANDOFF_ROUTES:
            summary.handed_off = True
    elif name == SLOT_REASON and isinstance(value, str):
        summary.reason_code = value[:64]
    elif name == SLOT_CASE:
        try:
            summary.case_id = int(value)
        except (TypeError, ValueError):
            return
        summary.handed_off = True
    elif name == SLOT_BUYER and isinstance(value, str):
        summary.buyer_id = value[:64]


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
    if len(value) > 255:
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
    "sla_state": _one_of(state.value for state in SlaState),
    "reviewed": _yes_no,
    "date_from": date.fromisoformat,
    "date_to": date.fromisoformat,
    "q": _search,
}


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


def day_start_utc(day: date) -> datetime:
    """00:00 of `day` on the marketplace's wall clock, in UTC."""
    return datetime.combine(day, time.min, tzinfo=config.MARKETPLACE_TZ).astimezone(
        timezone.utc
    )


def sla_clause(state: str, now: datetime):  # noqa: ANN201
    """SQL for `bot.domain.sla.sla_state(...) == state` over the cases table."""
    status = CaseRow.status
    due = CaseRow.seller_due_at
    awaiting = status == CaseStatus.AWAITING_SELLER.value
    answered = status.in_([CaseStatus.SELLER_REPLIED.value, CaseStatus.RESOLVED.value])
    state = SlaState(state)
    if state is SlaState.ESCALATED:
        return status == CaseStatus.ESCALATED.value
    if state is SlaState.OVERDUE:
        return and_(awaiting, due.is_not(None), due <= now)
    if state is SlaState.DUE_SOON:
        return and_(awaiting, due > now, due <= now + DUE_SOON_WITHIN)
    if state is SlaState.ON_TIME:
        return or_(
            and_(status != CaseStatus.ESCALATED.value, due.is_(None)),
            and_(awaiting, due > now + DUE_SOON_WITHIN),
        )
    met = or_(CaseRow.replied_at.is_(None), CaseRow.replied_at <= due)
    if state is SlaState.MET:
        return and_(answered, due.is_not(None), met)
    return and_(answered, due.is_not(None), ~met)


def _filtered(stmt, filters: ConversationFilters, now: datetime):  # noqa: ANN001, ANN202
    summary = ConversationSummaryRow
    if filters.intent is not None:
        stmt = stmt.where(
            exists().where(
                ConversationIntentRow.conversation_id == summary.conversation_id,
                ConversationIntentRow.intent == filters.intent,
            )
        )
    if filters.route is not None:
        stmt = stmt.where(summary.route == filters.route)
    if filters.reason_code is not None:
        stmt = stmt.where(summary.reason_code == filters.reason_code)
    if filters.confidence_below is not None:
        stmt = stmt.where(summary.min_confidence < filters.confidence_below)
    if filters.has_case is not None:
        stmt = stmt.where(
            CaseRow.id.is_not(None) if filters.has_case else CaseRow.id.is_(None)
        )
    if filters.case_status is not None:
        stmt = stmt.where(CaseRow.status == filters.case_status)
    if filters.sla_state is not None:
        stmt = stmt.where(CaseRow.id.is_not(None), sla_clause(filters.sla_state, now))
    if filters.reviewed is not None:
        stmt = stmt.where(summary.reviewed.is_(filters.reviewed))
    if filters.date_from is not None:
        stmt = stmt.where(summary.started_at >= day_start_utc(filters.date_from))
    if filters.date_to is not None:
        stmt = stmt.where(
            summary.started_at < day_start_utc(filters.date_to + timedelta(days=1))
        )
    if filters.q is not None:
        stmt = stmt.where(
            summary.search_text.contains(filters.q.lower(), autoescape=True)
        )
    return stmt


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
    route: str | None
    reason_code: str | None
    min_confidence: float | None
    buyer_messages: int
    case_id: int | None
    case_kind: str | None
    case_status: str | None
    sla_state: str | None
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


def _base_query():  # noqa: ANN202
    return select(
        ConversationSummaryRow,
        CaseRow.id,
        CaseRow.kind,
        CaseRow.status,
        CaseRow.seller_due_at,
        CaseRow.replied_at,
    ).outerjoin(CaseRow, CaseRow.id == ConversationSummaryRow.case_id)


def _line(row: Any, now: datetime) -> ConversationLine:
    summary: ConversationSummaryRow = row[0]
    case_id, kind, status, due, replied_at = row[1:]
    return ConversationLine(
        conversation_id=summary.conversation_id,
        started_at=summary.started_at,
        last_event_at=summary.last_event_at,
        buyer_id=summary.buyer_id,
        channel=summary.channel,
        intents=tuple(summary.intents.split()),
        route=summary.route,
        reason_code=summary.reason_code,
        min_confidence=summary.min_confidence,
        buyer_messages=summary.buyer_messages,
        case_id=case_id,
        case_kind=kind,
        case_status=status,
        sla_state=(
            sla_state(status, due, now, replied_at).value
            if status is not None
            else None
        ),
        reviewed=bool(summary.reviewed),
        reviewed_by=summary.reviewed_by,
        reviewed_at=summary.reviewed_at,
        tags=tuple(summary.tags or ()),
        note=summary.note,
    )


_NEWEST_FIRST = (
    ConversationSummaryRow.started_at.desc(),
    ConversationSummaryRow.conversation_id.desc(),
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
    counted = _filtered(
        select(func.count(ConversationSummaryRow.conversation_id))
        .select_from(ConversationSummaryRow)
        .outerjoin(CaseRow, CaseRow.id == ConversationSummaryRow.case_id),
        filters,
        now,
    )
    total = int(session.execute(counted).scalar() or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, int(page)), pages)
    rows = session.execute(
        _filtered(_base_query(), filters, now)
        .order_by(*_NEWEST_FIRST)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
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
    stmt = (
        _filtered(_base_query(), filters, now)
        .order_by(*_NEWEST_FIRST)
        .execution_options(yield_per=1000)
    )
    for row in session.execute(stmt):
        yield _line(row, now)


def filter_choices(session: Session) -> dict[str, list[str]]:
    """The values the list's select boxes offer."""
    intents = session.execute(
        select(ConversationIntentRow.intent)
        .distinct()
        .order_by(ConversationIntentRow.intent)
    ).scalars()
    return {
        "intent": sorted(set(intents) | set(domain_intents())),
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
        ],
    }


# -- the transcript ----------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str
    start: int | None
    end: int | None


@dataclass(frozen=True)
class BuyerMessage:
    event_id: int
    at: datetime | None
    text: str
    intent: str | None
    confidence: float | None
    entities: tuple[Entity, ...]
    corrected_intent: str | None = None
    kind: str = "buyer"


@dataclass(frozen=True)
class BotMessage:
    event_id: int
    at: datetime | None
    text: str
    buttons: tuple[str, ...]
    kind: str = "bot"


@dataclass(frozen=True)
class DecisionView:
    event_id: int
    at: datetime | None
    route: str
    reason_code: str | None
    reason: str | None  # the agent-facing sentence
    case_id: str | None
    order_id: str | None
    kind: str = "decision"


@dataclass(frozen=True)
class SessionStart:
    event_id: int
    at: datetime | None
    kind: str = "session"


TranscriptItem = BuyerMessage | BotMessage | DecisionView | SessionStart


@dataclass(frozen=True)
class Transcript:
    conversation: ConversationLine
    items: tuple[TranscriptItem, ...]
    cases: tuple[CaseView, ...]
    # why the messages could not be read from the tracker store, if they could not
    unavailable: str | None = None

    @property
    def agent_cases(self) -> tuple[CaseView, ...]:
        """The open agent cases an agent may reply into."""
        return tuple(
            case for case in self.cases if case.kind is CaseKind.AGENT and case.is_open
        )


def agent_reason(
    reason_code: str | None,
    slots: Mapping[str, Any],
    *,
    intent: str | None,
    language: str = AGENT_LANGUAGE,
) -> str | None:
    """The policy's reason sentence, filled from the decision's facts
    (`decision_facts`, the same sentence the policy gave). A decision recorded
    before that slot existed is filled from the reply slots instead; the facts
    no slot kept then read as "unknown"."""
    template = catalogue(language).get(f"reason.{reason_code}")
    if template is None:
        return None
    facts: dict[str, Any] = dict.fromkeys(
        placeholders(template) - {"order_id", "intent"}
    )
    recorded = slots.get(SLOT_FACTS)
    if isinstance(recorded, Mapping):
        facts.update((key, recorded[key]) for key in facts.keys() & recorded.keys())
    else:
        for slot, placeholder in REASON_FACT_SLOTS.items():
            if placeholder in facts and slots.get(slot) not in (None, ""):
                facts[placeholder] = slots[slot]
    return render_reason(
        reason_code,
        facts,
        language,
        order_id=slots.get(SLOT_ORDER) or None,
        intent=intent,
    )


def _summary(session: Session, conversation_id: str) -> ConversationSummaryRow:
    summary = session.get(ConversationSummaryRow, conversation_id)
    if summary is None:
        raise ConversationNotFound(conversation_id)
    return summary


def conversation_line(
    session: Session, conversation_id: str, *, now: datetime
) -> ConversationLine:
    row = session.execute(
        _base_query().where(ConversationSummaryRow.conversation_id == conversation_id)
    ).first()
    if row is None:
        raise ConversationNotFound(conversation_id)
    return _line(row, now)


def conversation_cases(session: Session, conversation_id: str) -> tuple[CaseView, ...]:
    ids = session.execute(
        select(CaseRow.id)
        .where(CaseRow.conversation_id == conversation_id)
        .order_by(CaseRow.id)
    ).scalars()
    return tuple(cases.get_case(session, case_id) for case_id in ids)


def transcript(
    session: Session, tracker: Engine, conversation_id: str, *, now: datetime
) -> Transcript:
    """The whole conversation, every session, in order, with its cases."""
    line = conversation_line(session, conversation_id, now=now)
    corrections = dict(
        session.execute(
            select(IntentCorrectionRow.event_id, IntentCorrectionRow.intent).where(
                IntentCorrectionRow.conversation_id == conversation_id
            )
        ).all()
    )
    unavailable = None
    try:
        with tracker.connect() as conn:
            rows = conn.execute(
                select(EVENTS)
                .where(EVENTS.c.sender_id == conversation_id)
                .order_by(EVENTS.c.id)
            ).all()
    except (OperationalError, ProgrammingError) as exc:
        log.warning("Cannot read the tracker store: %s", exc)
        rows, unavailable = [], _first_line(exc)
    return Transcript(
        conversation=line,
        items=tuple(_transcript_items(rows, corrections)),
        cases=conversation_cases(session, conversation_id),
        unavailable=unavailable,
    )


def _transcript_items(
    rows: Sequence[Any], corrections: Mapping[int, str]
) -> list[TranscriptItem]:
    items: list[TranscriptItem] = []
    slots: dict[str, Any] = {}
    pending: list[Any] = []  # slot events of the current action
    last_intent: str | None = None

    def close_pending() -> None:
        route_event = next((e for e in pending if e.action_name == SLOT_ROUTE), None)
        if route_event is not None and slots.get(SLOT_ROUTE):
            code = slots.get(SLOT_REASON)
            items.append(
                DecisionView(
                    event_id=route_event.id,
                    at=_at(route_event.timestamp),
                    route=str(slots[SLOT_ROUTE]),
                    reason_code=code,
                    reason=agent_reason(code, slots, intent=last_intent),
                    case_id=_text_or_none(slots.get(SLOT_CASE)),
                    order_id=_text_or_none(slots.get(SLOT_ORDER)),
                )
            )
        pending.clear()

    for row in rows:
        if row.type_name == "slot":
            slots[row.action_name] = _event_data(row.data).get("value")
            pending.append(row)
            continue
        close_pending()
        if row.type_name == "session_started":
            slots.clear()
            items.append(SessionStart(event_id=row.id, at=_at(row.timestamp)))
        elif row.type_name == "user":
            data = _event_data(row.data)
            if _is_external(data):
                continue
            intent, confidence, entities = _parse(data)
            last_intent = intent or row.intent_name
            items.append(
                BuyerMessage(
                    event_id=row.id,
                    at=_at(row.timestamp),
                    text=str(data.get("text") or ""),
                    intent=last_intent,
                    confidence=confidence,
                    entities=tuple(_entity(e) for e in entities),
                    corrected_intent=corrections.get(row.id),
                )
            )
        elif row.type_name == "bot":
            data = _event_data(row.data)
            extra = data.get("data") if isinstance(data.get("data"), dict) else {}
            buttons = tuple(
                str(button.get("title") or button.get("payload") or "")
                for button in extra.get("buttons") or []
                if isinstance(button, dict)
            )
            items.append(
                BotMessage(
                    event_id=row.id,
                    at=_at(row.timestamp),
                    text=str(data.get("text") or ""),
                    buttons=buttons,
                )
            )
    close_pending()
    return items


def _text_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _entity(data: Mapping[str, Any]) -> Entity:
    def position(name: str) -> int | None:
        value = data.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Entity(
        entity=str(data.get("entity") or ""),
        value=str(data.get("value") if data.get("value") is not None else ""),
        start=position("start"),
        end=position("end"),
    )


# -- the agents' actions -------------------------------------------------------------------

_TAG_NOT_ALLOWED = re.compile(r"[^a-z0-9_\-]+")


def parse_tags(text: str) -> list[str]:
    """`"Wrong intent, needs-training"` -> `["wrong-intent", "needs-training"]`."""
    tags: list[str] = []
    for raw in re.split(r"[,\n]", text or ""):
        tag = _TAG_NOT_ALLOWED.sub("-", raw.strip().lower()).strip("-")[:MAX_TAG_CHARS]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ReviewError("agent.error.too_many_tags", limit=MAX_TAGS)
    return tags


def set_tags(session: Session, conversation_id: str, tags: Sequence[str]) -> list[str]:
    summary = _summary(session, conversation_id)
    summary.tags = list(tags)
    session.flush()
    return list(tags)


def set_reviewed(
    session: Session,
    conversation_id: str,
    *,
    reviewed: bool,
    agent: str,
    now: datetime,
) -> None:
    summary = _summary(session, conversation_id)
    summary.reviewed = reviewed
    summary.reviewed_by = agent if reviewed else None
    summary.reviewed_at = now if reviewed else None
    session.flush()


def set_note(session: Session, conversation_id: str, note: str) -> None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE_CHARS:
        raise ReviewError("agent.error.note_too_long", limit=MAX_NOTE_CHARS)
    _summary(session, conversation_id).note = text or None
    session.flush()


@cache
def domain_intents() -> tuple[str, ...]:
    """The intents of domain.yml: what a message may be corrected to."""
    return _domain_list("intents")


@cache
def domain_entities() -> tuple[str, ...]:
    return _domain_list("entities")


def _domain_list(key: str) -> tuple[str, ...]:
    domain = yaml.safe_load((config.PROJECT_ROOT / "domain.yml").read_text("utf-8"))
    names: list[str] = []
    for item in domain.get(key) or []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            names.extend(str(name) for name in item)
    return tuple(names)


def correct_intent(
    session: Session,
    tracker: Engine,
    *,
    conversation_id: str,
    event_id: int,
    intent: str,
    agent: str,
    now: datetime,
) -> IntentCorrectionRow:
    """Record the right intent of one buyer message (correcting again replaces it).

    The message's text and entities come from the tracker store, not the form.
    """
    _summary(session, conversation_id)
    if intent not in domain_intents():
        raise ReviewError("agent.error.unknown_intent", intent=intent)
    with tracker.connect() as conn:
        row = conn.execute(
            select(EVENTS).where(
                EVENTS.c.id == int(event_id),
                EVENTS.c.sender_id == conversation_id,
                EVENTS.c.type_name == "user",
            )
        ).first()
    if row is None:
        raise ReviewError("agent.error.message_not_found", event_id=event_id)
    data = _event_data(row.data)
    predicted, _, entities = _parse(data)
    text = str(data.get("text") or "")
    if not text.strip():
        raise ReviewError("agent.error.message_not_found", event_id=event_id)
    correction = session.execute(
        select(IntentCorrectionRow).where(
            IntentCorrectionRow.conversation_id == conversation_id,
            IntentCorrectionRow.event_id == int(event_id),
        )
    ).scalar_one_or_none()
    if correction is None:
        correction = IntentCorrectionRow(
            conversation_id=conversation_id, event_id=int(event_id)
        )
        session.add(correction)
    correction.text = text
    correction.predicted_intent = predicted or row.intent_name
    correction.intent = intent
    correction.entities = [
        {"entity": e.entity, "value": e.value, "start": e.start, "end": e.end}
        for e in map(_entity, entities)
    ]
    correction.corrected_by = agent
    correction.created_at = now
    session.flush()
    return correction


def reply_to_agent_case(
    session: Session,
    *,
    conversation_id: str,
    case_id: int | str,
    agent: str,
    text: str,
    now: datetime,
) -> CaseView:
    """An agent answers the buyer in an agent case of this conversation.

    The message goes into the case thread (bot.services.cases.agent_reply); the
    caller pushes it to the buyer's chat after the commit."""
    _summary(session, conversation_id)
    case = cases.get_case(session, case_id)
    if case.conversation_id != conversation_id or case.kind is not CaseKind.AGENT:
        raise ReviewError("agent.error.not_an_agent_case", case_id=case_id)
    return cases.agent_reply(
        session, case_id=case.id, agent_id=agent, text=text, now=now
    )
