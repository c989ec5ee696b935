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
- Notifications are sent after the session commits: the case log publishes
  `CaseOpened`/`CaseEscalated` on the message bus (bot.services.messagebus).
  `notifier=None` means the default `EmailNotifier()` (SMTP_URL, or the outbox).

Concurrency: every write first takes a lock (a transaction advisory lock or row
locks on PostgreSQL; the database write lock on SQLite), so two processes cannot
open the same case twice, and a reply racing the sweep is never overwritten.
The locks and the queries are in bot.adapters.case_store; the errors in
bot.services.case_errors.

Every function takes the caller's session and does not commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot.adapters import case_store
from bot.adapters.case_store import add_message, lock_for_case_writes
from bot.adapters.catalogue import t
from bot.adapters.orm import CaseRow
from bot.domain.instants import require_aware
from bot.domain.model import CaseKind, CaseStatus, MessageAuthor
from bot.domain.sla import deadlines
from bot.services import messagebus
from bot.services.case_errors import (
    CaseAccessDenied,
    CaseClosed,
    CaseError,
    CaseNotFound,
    EmptyMessage,
)
from bot.services.case_views import CaseView, MessageView, OpenedCase, case_view
from bot.services.events import CaseEscalated, CaseOpened
from bot.services.notifications import Notifier, seller_contacts
from bot.services.presentation import AGENT_LANGUAGE  # of the system messages

# The authors whose messages the bot shows the buyer.
REPLY_AUTHORS = (MessageAuthor.SELLER.value, MessageAuthor.AGENT.value)


# -- helpers ---------------------------------------------------------------------


def _clean_text(text: str | None) -> str:
    if not (cleaned := (text or "").strip()):
        raise EmptyMessage()
    return cleaned


def _case_number(case_id: int | str) -> int:
    try:
        return int(case_id)
    except (TypeError, ValueError):
        raise CaseNotFound(case_id=case_id) from None


def _load_case(session: Session, case_id: int | str, *, for_update: bool) -> CaseRow:
    row = case_store.load_case(session, _case_number(case_id), for_update=for_update)
    if row is None:
        raise CaseNotFound(case_id=case_id)
    return row


def _refuse_if_resolved(row: CaseRow) -> None:
    if row.status == CaseStatus.RESOLVED.value:
        raise CaseClosed(case_id=row.id)


def _as_view(session: Session, row: CaseRow) -> CaseView:
    session.flush()
    return case_view(row)


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
    language: str | None = None,
) -> OpenedCase:
    """Open a case with the buyer's question as its first message.

    While a case is open for the same order and category (from any chat; with
    no order, in the same conversation), the question joins that case's thread
    instead (created=False, no new mail), and the case follows the buyer to
    this conversation, where the seller's answer is then pushed.
    The seller and buyer default to the order's. A new seller case notifies the
    seller (after commit).
    """
    require_aware(now)
    kind = CaseKind(kind)
    text = _clean_text(question)
    if not conversation_id:
        raise CaseError("case.error.conversation_required")
    if not category:
        raise CaseError("case.error.category_required")

    if order_id is not None:
        parties = case_store.order_parties(session, order_id)
        if parties is None:
            raise CaseError("case.error.order_unknown", order_id=order_id)
        if seller_id is not None and seller_id != parties[0]:
            raise CaseError(
                "case.error.seller_mismatch", order_id=order_id, seller_id=seller_id
            )
        if buyer_id is not None and buyer_id != parties[1]:
            raise CaseError(
                "case.error.buyer_mismatch", order_id=order_id, buyer_id=buyer_id
            )
        seller_id, buyer_id = parties
    if kind is CaseKind.SELLER and not seller_id:
        raise CaseError("case.error.seller_required")

    # One open case per order and topic, whichever chat the buyer writes from
    # (without an order: per conversation).
    scope = ("order", order_id) if order_id is not None else ("chat", conversation_id)
    lock_for_case_writes(session, key="\x1f".join(("case", *scope, category)))
    existing = case_store.find_open_case(
        session, conversation_id=conversation_id, order_id=order_id, category=category
    )
    if existing is not None:
        add_message(
            existing, author=MessageAuthor.BUYER, text=text, now=now, author_id=buyer_id
        )
        # the answer goes to the buyer's chat now; the case keeps its first language
        existing.conversation_id = conversation_id
        existing.language = existing.language or language
        return OpenedCase(case=_as_view(session, existing), created=False)

    # A seller case waits for the seller; an agent case is with CSBA from the start.
    seller_case = kind is CaseKind.SELLER
    due = deadlines(now)
    row = case_store.add_case(
        session,
        kind=kind,
        status=CaseStatus.AWAITING_SELLER if seller_case else CaseStatus.ESCALATED,
        order_id=order_id,
        seller_id=seller_id,
        buyer_id=buyer_id,
        conversation_id=conversation_id,
        category=category,
        reason_code=reason_code,
        question=text,
        now=now,
        buyer_due_at=due.buyer_due_at,
        seller_due_at=due.seller_due_at if seller_case else None,
        escalated_at=None if seller_case else now,
        language=language,
    )
    add_message(row, author=MessageAuthor.BUYER, text=text, now=now, author_id=buyer_id)
    view = _as_view(session, row)
    if seller_case:
        contact = seller_contacts(session, [seller_id]).get(seller_id)
        if contact is not None:
            messagebus.publish(session, CaseOpened(view, contact, notifier))
    return OpenedCase(case=view, created=True)


# -- the thread ----------------------------------------------------------------------


def reply(
    session: Session, *, case_id: int | str, seller_id: str, text: str, now: datetime
) -> CaseView:
    """The seller answers in their case log. Only the case's own seller may.

    The first reply sets `replied_at`; an awaiting case becomes `seller_replied`
    (an escalated one stays escalated, the reply kept for the associates).
    """
    require_aware(now)
    body = _clean_text(text)
    lock_for_case_writes(session)
    row = _load_case(session, case_id, for_update=True)
    if row.kind != CaseKind.SELLER.value or not seller_id or row.seller_id != seller_id:
        raise CaseAccessDenied(case_id=row.id, seller_id=seller_id or "-")
    _refuse_if_resolved(row)
    add_message(
        row, author=MessageAuthor.SELLER, text=body, now=now, author_id=seller_id
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
    require_aware(now)
    body = _clean_text(text)
    if not agent_id:
        raise CaseError("case.error.agent_required")
    lock_for_case_writes(session)
    row = _load_case(session, case_id, for_update=True)
    _refuse_if_resolved(row)
    add_message(row, author=MessageAuthor.AGENT, text=body, now=now, author_id=agent_id)
    return _as_view(session, row)


def add_buyer_message(
    session: Session, *, case_id: int | str, text: str, now: datetime
) -> CaseView:
    """The buyer adds to an open case. The status and the clocks do not change."""
    require_aware(now)
    body = _clean_text(text)
    lock_for_case_writes(session)
    row = _load_case(session, case_id, for_update=True)
    _refuse_if_resolved(row)
    add_message(
        row, author=MessageAuthor.BUYER, text=body, now=now, author_id=row.buyer_id
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
    require_aware(now)
    by = MessageAuthor(by)
    lock_for_case_writes(session)
    row = _load_case(session, case_id, for_update=True)
    if by is MessageAuthor.SELLER and (
        row.kind != CaseKind.SELLER.value or not actor_id or row.seller_id != actor_id
    ):
        raise CaseAccessDenied(case_id=row.id, seller_id=actor_id or "-")
    if row.status == CaseStatus.RESOLVED.value:
        return case_view(row)
    row.status = CaseStatus.RESOLVED.value
    row.resolved_at = now
    add_message(
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
    require_aware(now)
    lock_for_case_writes(session)
    rows = case_store.due_for_escalation(session, now=now)
    if not rows:
        return []
    for row in rows:
        row.status = CaseStatus.ESCALATED.value
        row.escalated_at = now
        add_message(
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
    views = [case_view(row) for row in rows]
    contacts = seller_contacts(session, [view.seller_id for view in views])
    for view in views:
        contact = contacts.get(view.seller_id or "")
        if contact is not None:
            messagebus.publish(session, CaseEscalated(view, contact, notifier))
    return views


# -- reading ---------------------------------------------------------------------------


def get_case(session: Session, case_id: int | str) -> CaseView:
    """The case with its thread; CaseNotFound if there is none."""
    return case_view(_load_case(session, case_id, for_update=False))


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
    statuses = None
    if isinstance(status, (str, CaseStatus)):
        statuses = [CaseStatus(status)]
    elif status is not None:
        statuses = [CaseStatus(s) for s in status]
    rows = case_store.find_cases(
        session,
        seller_id=seller_id,
        statuses=statuses,
        kind=None if kind is None else CaseKind(kind),
        limit=max(0, int(limit)),
    )
    return [case_view(row) for row in rows]


def undelivered_replies(
    session: Session, *, conversation_id: str
) -> list[tuple[CaseView, MessageView]]:
    """Seller and agent messages of the conversation's cases that the buyer has
    not been shown, oldest first. A seller's message written after the case was
    escalated is for the associates and is not listed."""
    pairs = case_store.undelivered_messages(
        session, conversation_id=conversation_id, authors=REPLY_AUTHORS
    )
    if not pairs:
        return []
    case_ids = {case_id for _, case_id in pairs}
    cases = {
        row.id: case_view(row) for row in case_store.cases_by_id(session, case_ids)
    }
    return [
        (cases[case_id], next(m for m in cases[case_id].messages if m.id == message_id))
        for message_id, case_id in pairs
    ]


def mark_delivered(
    session: Session, *, message_ids: Sequence[int], now: datetime
) -> int:
    """Record that the buyer was shown these messages. Messages already
    delivered keep their first delivery time. Returns how many were marked."""
    require_aware(now)
    ids = sorted({int(message_id) for message_id in message_ids})
    if not ids:
        return 0
    return case_store.mark_delivered(session, message_ids=ids, now=now)
