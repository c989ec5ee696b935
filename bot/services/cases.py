"""The case log: cases that need the seller's input (kind `seller`) or a human
associate (kind `agent`), their threads, and the seller's 24-hour clock.

From the seed:
- "Sellers are required to reply to CSBA inquiry within 24 hours (including
  weekends and holidays). Otherwise, CSBA will handle customer inquiry in its
  judgment": `seller_due_at = created_at + 24 h` of wall-clock (UTC) time, and
  `sweep()` escalates a seller case nobody answered by then.
- "Our commitment to the customer usually will be within two days":
  `buyer_due_at = created_at + 48 h`.
- "You will be able to receive and reply to messages from the CSBA team in your
  Case Log": `reply()`, open to the case's own seller only.

Rules the issue left open, decided here:
- Agent cases start `escalated` (they are with CSBA's associates from the first
  minute), have no `seller_due_at`, are never swept, and take no seller reply.
- A seller may still reply to an escalated case. The reply is kept for the
  associates and `replied_at` is set, but the case stays `escalated` and the
  reply is not delivered to the buyer by the bot: once CSBA handles the inquiry
  in its judgment, an associate decides what the buyer hears.
- A buyer message (a repeat of the question, or `add_buyer_message`) never
  changes the status or restarts the seller's clock.
- A resolved case takes no new message; `resolve()` of a resolved case is a no-op.
- `sweep()` escalates at `seller_due_at` exactly: the 24 hours are over.
- Notifications are sent after the session commits (see
  bot.services.notifications.notify_after_commit). `notifier=None` means the
  default `EmailNotifier()` (SMTP_URL, or the outbox).

Concurrency: every write first takes a lock (a transaction advisory lock or row
locks on PostgreSQL; the database write lock on SQLite), so two processes cannot
open the same case twice, and a reply racing the sweep is never overwritten.

Every function takes the caller's session and does not commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from bot.adapters.orm import CaseMessageRow, CaseRow, OrderRow
from bot.domain.model import (
    OPEN_CASE_STATUSES,
    CaseKind,
    CaseStatus,
    MessageAuthor,
)
from bot.domain.sla import SlaState, deadlines, sla_state
from bot.i18n import DEFAULT_LANGUAGE, t
from bot.services.notifications import (
    CASE_ESCALATED,
    CASE_OPENED,
    EmailNotifier,
    Notifier,
    notify_after_commit,
    seller_contacts,
)

# System messages in a thread are for CSBA's associates: English.
AGENT_LANGUAGE = "en"
# The authors whose messages the bot shows the buyer.
REPLY_AUTHORS = (MessageAuthor.SELLER.value, MessageAuthor.AGENT.value)


# -- errors ----------------------------------------------------------------------


class CaseError(Exception):
    """A case-log rule was broken. `key` and `params` render the message from
    the catalogue (bot/catalogue/<lang>/case.yml) in any language."""

    key = "case.error.invalid"

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        self.key = key or type(self).key
        self.params = params
        super().__init__(self.message(DEFAULT_LANGUAGE))

    def message(self, language: str | None = DEFAULT_LANGUAGE) -> str:
        return t(self.key, language, **self.params)


class CaseNotFound(CaseError):
    key = "case.error.not_found"


class CaseAccessDenied(CaseError):
    key = "case.error.access_denied"


class CaseClosed(CaseError):
    key = "case.error.resolved"


class EmptyMessage(CaseError):
    key = "case.error.empty_text"


# -- views -----------------------------------------------------------------------


@dataclass(frozen=True)
class MessageView:
    author: MessageAuthor
    author_id: str | None
    text: str
    created_at: datetime
    delivered_to_buyer_at: datetime | None
    id: int


@dataclass(frozen=True)
class CaseView:
    id: int
    kind: CaseKind
    order_id: str | None
    seller_id: str | None
    buyer_id: str | None
    conversation_id: str
    category: str
    reason_code: str | None
    question: str
    status: CaseStatus
    created_at: datetime
    seller_due_at: datetime | None
    buyer_due_at: datetime
    replied_at: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    messages: tuple[MessageView, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES

    def sla_state(self, now: datetime) -> SlaState:
        """Where the case stands against the seller's 24-hour clock at `now`."""
        return sla_state(self.status, self.seller_due_at, now, self.replied_at)


@dataclass(frozen=True)
class OpenedCase:
    case: CaseView
    created: bool  # False: the buyer's message joined the open case


def _message_view(row: CaseMessageRow) -> MessageView:
    return MessageView(
        author=MessageAuthor(row.author),
        author_id=row.author_id,
        text=row.text,
        created_at=row.created_at,
        delivered_to_buyer_at=row.delivered_to_buyer_at,
        id=row.id,
    )


def _case_view(row: CaseRow) -> CaseView:
    messages = sorted(row.messages, key=lambda m: (m.created_at, m.id or 0))
    return CaseView(
        id=row.id,
        kind=CaseKind(row.kind),
        order_id=row.order_id,
        seller_id=row.seller_id,
        buyer_id=row.buyer_id,
        conversation_id=row.conversation_id,
        category=row.category,
        reason_code=row.reason_code,
        question=row.question,
        status=CaseStatus(row.status),
        created_at=row.created_at,
        seller_due_at=row.seller_due_at,
        buyer_due_at=row.buyer_due_at,
        replied_at=row.replied_at,
        escalated_at=row.escalated_at,
        resolved_at=row.resolved_at,
        messages=tuple(_message_view(m) for m in messages),
    )


# -- helpers ---------------------------------------------------------------------


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be timezone-aware (UTC)")


def _clean_text(text: str | None) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise EmptyMessage()
    return cleaned


def _case_number(case_id: int | str) -> int:
    try:
        return int(case_id)
    except (TypeError, ValueError):
        raise CaseNotFound(case_id=case_id) from None


def lock_for_case_writes(session: Session, *, key: str | None = None) -> None:
    """Serialise case writes that read before they write.

    SQLite: pysqlite begins a transaction only at the first write, so a no-op
    UPDATE takes the database write lock now, before the reads that decide what
    to write. PostgreSQL: a transaction advisory lock on `key` (the rows
    themselves are locked with SELECT ... FOR UPDATE by the callers).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(
            update(CaseRow).where(false()).values(updated_at=CaseRow.updated_at),
            execution_options={"synchronize_session": False},
        )
    elif dialect == "postgresql" and key is not None:
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
        lock_id = int.from_bytes(digest, "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(lock_id)))


def _load_case(session: Session, case_id: int | str, *, for_update: bool) -> CaseRow:
    stmt = (
        select(CaseRow)
        .where(CaseRow.id == _case_number(case_id))
        .options(selectinload(CaseRow.messages))
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = session.execute(stmt).scalars().first()
    if row is None:
        raise CaseNotFound(case_id=case_id)
    return row


def _add_message(
    row: CaseRow,
    *,
    author: MessageAuthor,
    text: str,
    now: datetime,
    author_id: str | None = None,
) -> CaseMessageRow:
    message = CaseMessageRow(
        author=author.value, author_id=author_id, text=text, created_at=now
    )
    row.messages.append(message)
    row.updated_at = now
    return message


def _refuse_if_resolved(row: CaseRow) -> None:
    if row.status == CaseStatus.RESOLVED.value:
        raise CaseClosed(case_id=row.id)


def _as_view(session: Session, row: CaseRow) -> CaseView:
    session.flush()
    return _case_view(row)


def _notifier(notifier: Notifier | None) -> Notifier:
    return notifier if notifier is not None else EmailNotifier()


# -- opening a case -----------------------------------------------------------------


def open_case(
    session: Session,
    *,
    conversation_id: str,
    category: str,
    question: str,
    now: datetime,
    order_id: str | None = None,
    seller_id: str | None = None,
    buyer_id: str | None = None,
    reason_code: str | None = None,
    kind: CaseKind | str = CaseKind.SELLER,
    notifier: Notifier | None = None,
) -> OpenedCase:
    """Open a case with the buyer's question as its first message.

    While a case is open for the same conversation, order and category, the
    question joins that case's thread instead (created=False, no new mail).
    The seller and buyer default to the order's. A new seller case notifies the
    seller (after commit).
    """
    _require_aware(now)
    kind = CaseKind(kind)
    text = _clean_text(question)
    if not conversation_id:
        raise CaseError("case.error.conversation_required")
    if not category:
        raise CaseError("case.error.category_required")

    if order_id is not None:
        order = session.get(OrderRow, order_id)
        if order is None:
            raise CaseError("case.error.order_unknown", order_id=order_id)
        if seller_id is not None and seller_id != order.seller_id:
            raise CaseError(
                "case.error.seller_mismatch", order_id=order_id, seller_id=seller_id
            )
        if buyer_id is not None and buyer_id != order.buyer_id:
            raise CaseError(
                "case.error.buyer_mismatch", order_id=order_id, buyer_id=buyer_id
            )
        seller_id = order.seller_id
        buyer_id = order.buyer_id
    if kind is CaseKind.SELLER and not seller_id:
        raise CaseError("case.error.seller_required")

    lock_for_case_writes(
        session, key="\x1f".join(("case", conversation_id, order_id or "", category))
    )
    same_order = (
        CaseRow.order_id.is_(None) if order_id is None else CaseRow.order_id == order_id
    )
    existing = (
        session.execute(
            select(CaseRow)
            .where(
                CaseRow.conversation_id == conversation_id,
                same_order,
                CaseRow.category == category,
                CaseRow.status.in_([s.value for s in OPEN_CASE_STATUSES]),
            )
            .order_by(CaseRow.id)
            .limit(1)
            .options(selectinload(CaseRow.messages))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        .scalars()
        .first()
    )
    if existing is not None:
        _add_message(
            existing,
            author=MessageAuthor.BUYER,
            text=text,
            now=now,
            author_id=buyer_id,
        )
        return OpenedCase(case=_as_view(session, existing), created=False)

    due = deadlines(now)
    row = CaseRow(
        kind=kind.value,
        order_id=order_id,
        seller_id=seller_id,
        buyer_id=buyer_id,
        conversation_id=conversation_id,
        category=category,
        reason_code=reason_code,
        question=text,
        created_at=now,
        updated_at=now,
        buyer_due_at=due.buyer_due_at,
    )
    if kind is CaseKind.SELLER:
        row.status = CaseStatus.AWAITING_SELLER.value
        row.seller_due_at = due.seller_due_at
    else:
        row.status = CaseStatus.ESCALATED.value
        row.seller_due_at = None
        row.escalated_at = now
    session.add(row)
    _add_message(
        row, author=MessageAuthor.BUYER, text=text, now=now, author_id=buyer_id
    )
    view = _as_view(session, row)
    if kind is CaseKind.SELLER:
        contact = seller_contacts(session, [seller_id]).get(seller_id)
        if contact is not None:
            notify_after_commit(
                session, _notifier(notifier), CASE_OPENED, view, contact
            )
    return OpenedCase(case=view, created=True)


# -- the thread ----------------------------------------------------------------------


def reply(
    session: Session, *, case_id: int | str, seller_id: str, text: str, now: datetime
) -> CaseView:
    """The seller answers in their case log. Only the case's own seller may.

    The first reply sets `replied_at`; an awaiting case becomes `seller_replied`
    (an escalated one stays escalated, the reply kept for the associates).
    """
    _require_aware(now)
    body = _clean_text(text)
    lock_for_case_writes(session)
    row = _load_case(session, case_id, for_update=True)
    if row.kind != CaseKind.SELLER.value or not seller_id or row.seller_id != seller_id:
        raise CaseAccessDenied(case_id=row.id, seller_id=seller_id or "-")
    _refuse_if_resolved(row)
    _add_message(
        row,
        author=MessageAuthor.SELLER,
        text=body,
        now=now,
        author_id=seller_id,
    )
    if row.replied_at is None:
        row.replied_at = now
    if row.status == CaseStatus.AWAITING_SELLER.value:
        row.status = CaseStatus.SELLER_REPLIED.value
    return _as_view(session, row)


def agent_reply(
    session: Session, *, case_id: int | str, agent_id: str, text: str, now: datetime
) -> CaseView:
    """A CSBA associate writes into the case; the bot delivers it to the buyer.
    The status does not change."""
    _require_aware(now)
    body = _clean_text(text)
    if not agent_id:
        raise CaseError("case.error.agent_required")
    lock_for_case_writes(session)
    row = _load_case(session, case_id, for_update=True)
    _refuse_if_resolved(row)
    _add_message(
        row,
        author=MessageAuthor.AGENT,
        text=body,
        now=now,
        author_id=agent_id,
    )
    return _as_view(session, row)


def add_buyer_message(
    session: Session, *, case_id: int | str, text: str, now: datetime
) -> CaseView:
    """The buyer adds to an open case. The status and the clocks do not change."""
    _require_aware(now)
    body = _clean_text(text)
    lock_for_case_writes(session)
    row = _load_case(session, case_id, for_update=True)
    _refuse_if_resolved(row)
    _add_message(
        row,
        author=MessageAuthor.BUYER,
        text=body,
        now=now,
        author_id=row.buyer_id,
    )
    return _as_view(session, row)


def resolve(
    session: Session,
    *,
    case_id: int | str,
    now: datetime,
    by: MessageAuthor | str,
    actor_id: str | None = None,
) -> CaseView:
    """Close the case, with a system message saying who closed it.

    `by` is seller, agent, buyer or system; a seller may resolve only their own
    seller case (`actor_id` is their seller id). Resolving twice changes nothing.
    """
    _require_aware(now)
    by = MessageAuthor(by)
    lock_for_case_writes(session)
    row = _load_case(session, case_id, for_update=True)
    if by is MessageAuthor.SELLER and (
        row.kind != CaseKind.SELLER.value or not actor_id or row.seller_id != actor_id
    ):
        raise CaseAccessDenied(case_id=row.id, seller_id=actor_id or "-")
    if row.status == CaseStatus.RESOLVED.value:
        return _case_view(row)
    row.status = CaseStatus.RESOLVED.value
    row.resolved_at = now
    _add_message(
        row,
        author=MessageAuthor.SYSTEM,
        text=t(
            f"case.system.resolved.{by.value}",
            AGENT_LANGUAGE,
            actor=actor_id or t("common.unknown", AGENT_LANGUAGE),
        ),
        now=now,
        author_id=actor_id,
    )
    return _as_view(session, row)


# -- the SLA sweep -------------------------------------------------------------------


def sweep(
    session: Session, *, now: datetime, notifier: Notifier | None = None
) -> list[CaseView]:
    """Escalate every seller case still awaiting the seller at or past its
    `seller_due_at`: status `escalated`, `escalated_at`, a system message for
    the associates, and an escalation email to the seller (after commit).

    One query selects the cases; running it again escalates nothing new. On
    PostgreSQL, rows another transaction holds (a reply being written) are
    skipped and judged by the next sweep.
    """
    _require_aware(now)
    lock_for_case_writes(session)
    rows = (
        session.execute(
            select(CaseRow)
            .where(
                CaseRow.kind == CaseKind.SELLER.value,
                CaseRow.status == CaseStatus.AWAITING_SELLER.value,
                CaseRow.seller_due_at.is_not(None),
                CaseRow.seller_due_at <= now,
            )
            .order_by(CaseRow.seller_due_at, CaseRow.id)
            .options(selectinload(CaseRow.messages))
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        .scalars()
        .all()
    )
    if not rows:
        return []
    for row in rows:
        row.status = CaseStatus.ESCALATED.value
        row.escalated_at = now
        _add_message(
            row,
            author=MessageAuthor.SYSTEM,
            text=t(
                "case.system.escalated",
                AGENT_LANGUAGE,
                seller_due_at=row.seller_due_at.isoformat(),
            ),
            now=now,
        )
    session.flush()
    views = [_case_view(row) for row in rows]
    contacts = seller_contacts(session, [view.seller_id for view in views])
    chosen = _notifier(notifier)
    for view in views:
        contact = contacts.get(view.seller_id or "")
        if contact is not None:
            notify_after_commit(session, chosen, CASE_ESCALATED, view, contact)
    return views


# -- reading ---------------------------------------------------------------------------


def get_case(session: Session, case_id: int | str) -> CaseView:
    """The case with its thread; CaseNotFound if there is none."""
    return _case_view(_load_case(session, case_id, for_update=False))


def list_cases(
    session: Session,
    *,
    seller_id: str | None = None,
    status: CaseStatus | str | Iterable[CaseStatus | str] | None = None,
    kind: CaseKind | str | None = None,
    limit: int = 100,
) -> list[CaseView]:
    """Cases by deadline: `seller_due_at` first (cases without one last), then id.

    A seller's inbox is `list_cases(seller_id=..., kind=CaseKind.SELLER)`.
    """
    stmt = select(CaseRow).options(selectinload(CaseRow.messages))
    if seller_id is not None:
        stmt = stmt.where(CaseRow.seller_id == seller_id)
    if status is not None:
        if isinstance(status, (str, CaseStatus)):
            statuses = [CaseStatus(status).value]
        else:
            statuses = [CaseStatus(s).value for s in status]
        stmt = stmt.where(CaseRow.status.in_(statuses))
    if kind is not None:
        stmt = stmt.where(CaseRow.kind == CaseKind(kind).value)
    stmt = stmt.order_by(
        CaseRow.seller_due_at.is_(None), CaseRow.seller_due_at, CaseRow.id
    ).limit(max(0, int(limit)))
    return [_case_view(row) for row in session.execute(stmt).scalars().all()]


def undelivered_replies(
    session: Session, *, conversation_id: str
) -> list[tuple[CaseView, MessageView]]:
    """Seller and agent messages of the conversation's cases that the buyer has
    not been shown, oldest first. A seller's message written after the case was
    escalated is for the associates and is not listed."""
    pairs = session.execute(
        select(CaseMessageRow.id, CaseMessageRow.case_id)
        .join(CaseRow, CaseRow.id == CaseMessageRow.case_id)
        .where(
            CaseRow.conversation_id == conversation_id,
            CaseMessageRow.author.in_(REPLY_AUTHORS),
            CaseMessageRow.delivered_to_buyer_at.is_(None),
            or_(
                CaseMessageRow.author == MessageAuthor.AGENT.value,
                CaseRow.escalated_at.is_(None),
                CaseMessageRow.created_at < CaseRow.escalated_at,
            ),
        )
        .order_by(CaseMessageRow.created_at, CaseMessageRow.id)
    ).all()
    if not pairs:
        return []
    cases = {
        row.id: _case_view(row)
        for row in session.execute(
            select(CaseRow)
            .where(CaseRow.id.in_({case_id for _, case_id in pairs}))
            .options(selectinload(CaseRow.messages))
        ).scalars()
    }
    result: list[tuple[CaseView, MessageView]] = []
    for message_id, case_id in pairs:
        case = cases[case_id]
        message = next(m for m in case.messages if m.id == message_id)
        result.append((case, message))
    return result


def mark_delivered(
    session: Session, *, message_ids: Sequence[int], now: datetime
) -> int:
    """Record that the buyer was shown these messages. Messages already
    delivered keep their first delivery time. Returns how many were marked."""
    _require_aware(now)
    ids = sorted({int(message_id) for message_id in message_ids})
    if not ids:
        return 0
    result = session.execute(
        update(CaseMessageRow)
        .where(
            CaseMessageRow.id.in_(ids),
            CaseMessageRow.delivered_to_buyer_at.is_(None),
        )
        .values(delivered_to_buyer_at=now),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(result.rowcount or 0)
