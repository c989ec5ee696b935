""" "Any news?" about a case: how an open case is going, for the chat.

A buyer who asks how a request is going ("any news on my case?", "did the
seller reply yet?", "any update on my refund?": `bot.nlp.follow_up.
asks_for_update`) about an order with an open case that this conversation
opened, or that is the verified buyer's own, is told where that case stands
instead of the order's status: still with the seller (and until when), with
our associates, or the latest answer the chat showed them. Their words join the case, as
they do by email (bot.services.email_inbox), so the seller sees that the
buyer is waiting; the status and the clocks do not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.adapters import case_store
from bot.domain.model import CaseKind, MessageAuthor
from bot.nlp.follow_up import (
    asks_for_action,
    asks_for_update,
    case_number_in,
    withdraws_request,
)
from bot.services import cases
from bot.services.case_views import CaseView, MessageView

# The authors whose latest message is the answer the buyer is told.
_ANSWER_AUTHORS = frozenset(cases.REPLY_AUTHORS)


@dataclass(frozen=True)
class CaseProgress:
    """An open case the buyer asked about, after their words joined it."""

    case: CaseView
    # The seller's or an associate's latest answer for the buyer, shown in a
    # chat or not yet (a seller's reply to an escalated case is the
    # associates' only).
    answer: MessageView | None


def order_asked_about(
    session: Session, *, conversation_id: str, buyer_id: str | None, text: str
) -> str | None:
    """The order of the open case `text` asks how it is going ("any news on my
    case?", "status of case 3", as the first message): this conversation's
    or the verified buyer's newest, or the one named; None when `text` asks
    no such thing, or there is no such case, or it has no order."""
    if not asks_after_case(text):
        return None
    row = _case_asked_about(
        session,
        conversation_id=conversation_id,
        buyer_id=buyer_id,
        order_id=None,
        category=None,
        text=text,
        preferred=None,
    )
    return row.order_id if row is not None else None


def asks_after_case(text: str | None) -> bool:
    """Whether the words ask how a request is going, or say it is no longer
    needed ("any news?", "you can close the case"), and ask for nothing to
    be done."""
    if asks_for_action(text):
        return False  # "no answer yet, just cancel it": a request of its own
    return asks_for_update(text) or withdraws_request(text)


def _case_asked_about(
    session: Session,
    *,
    conversation_id: str,
    buyer_id: str | None,
    order_id: str | None,
    category: str | None,
    text: str,
    preferred: int | None,
    kind: str | None = None,
    fallback: bool = True,
) -> Any:
    """The open case the words ask about: the one they name ("case 3"), else
    the one the chat just spoke of (`preferred`), else (unless not
    `fallback`) the newest of this chat's or the buyer's own
    (bot.adapters.case_store); of the `kind` when given."""
    named = case_number_in(text)
    found = {
        "conversation_id": conversation_id,
        "buyer_id": buyer_id,
        "order_id": order_id,
        "category": category,
        "kind": kind,
    }
    for case_id in dict.fromkeys(c for c in (named, preferred) if c is not None):
        row = case_store.open_case_asked_about(session, **found, case_id=case_id)
        if row is not None or case_id == named:
            return row  # a case named but not theirs, or closed: nothing
    if not fallback:
        return None
    return case_store.open_case_asked_about(session, **found)


def case_progress(
    session: Session,
    *,
    conversation_id: str,
    buyer_id: str | None,
    order_id: str | None,
    text: str,
    now: datetime,
    corrects: str | None = None,
    preferred: int | None = None,
    asked: bool = False,
    kind: CaseKind | None = None,
    fallback: bool = True,
) -> CaseProgress | None:
    """The open case `text` asks how it is going, with `text` added to it;
    None when `text` asks no such thing or there is no such case. With
    `corrects`, a case category: `text` corrects the request of the order's
    open case of that category ("it should be 125 Main St not 123"), which
    it joins. `preferred`: the case the chat just spoke of, asked about when
    the words name no other. `asked`: the caller read `text` as asking
    after a case (with what the chat just did), of the `kind` when given;
    not `fallback`: only a case the words name, or `preferred`."""
    if corrects is None and not (asked or asks_after_case(text)):
        return None
    row = _case_asked_about(
        session,
        conversation_id=conversation_id,
        buyer_id=buyer_id,
        order_id=order_id,
        category=corrects,
        text=text,
        preferred=preferred,
        kind=kind.value if kind is not None else None,
        fallback=fallback,
    )
    if row is None:
        return None
    view = cases.add_buyer_message(session, case_id=row.id, text=text, now=now)
    escalated = view.escalated_at
    answers = [
        message
        for message in view.messages
        if message.author.value in _ANSWER_AUTHORS
        # a seller's reply after the case went to the associates is theirs
        and (
            message.author is not MessageAuthor.SELLER
            or escalated is None
            or message.created_at < escalated
        )
    ]
    return CaseProgress(view, answers[-1] if answers else None)
