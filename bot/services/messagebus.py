"""The message bus: the side effects of a committed unit of work.

A service never sends a mail (or any other side effect) inside its database
transaction. It publishes an event on the session: `publish(session, CaseOpened(...))`.
Once the session's outermost transaction commits, each event goes to the handlers
registered for its type in `HANDLERS`; if the work that published it is rolled back
(the whole transaction, or only the savepoint it was published in), the event is
dropped. A handler that fails is logged and never fails the caller: the data is
committed by then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from bot.services import live_updates, notifications, transfer_effects
from bot.services.events import (
    BuyerAddedToCase,
    CaseEscalated,
    CaseOpened,
    EnrollmentChanged,
    Event,
    HandoffChanged,
    InquiryTransferred,
)

logger = logging.getLogger(__name__)

Handler = Callable[[Event], None]

HANDLERS: dict[type[Event], tuple[Handler, ...]] = {
    CaseOpened: (notifications.send_case_opened,),
    CaseEscalated: (notifications.send_case_escalated,),
    BuyerAddedToCase: (notifications.send_buyer_added,),
    EnrollmentChanged: (notifications.send_enrollment_changed,),
    HandoffChanged: (live_updates.handoff_changed,),
    InquiryTransferred: (
        transfer_effects.record_conversation,
        transfer_effects.send_buyer_answer,
    ),
}

_PENDING = "csba.pending_events"
_HOOKED = "csba.messagebus_hooks"


@dataclass(frozen=True)
class _Pending:
    event: Event
    transaction: object  # the SessionTransaction it was published in


def publish(session: Session, event: Event) -> None:
    """Hand `event` to its handlers once `session` commits; forget it if the work
    that published it is rolled back (a savepoint rollback drops only its own)."""
    if type(event) not in HANDLERS:
        raise ValueError(f"no handler for {type(event).__name__}")
    if not session.info.get(_HOOKED):
        sa_event.listen(session, "after_commit", _dispatch_pending)
        sa_event.listen(session, "after_soft_rollback", _drop_rolled_back)
        session.info[_HOOKED] = True
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append(_Pending(event, transaction))


def pending(session: Session) -> int:
    """How many events wait for this session's commit."""
    return len(session.info.get(_PENDING, ()))


def _dispatch_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the outer transaction may still roll back
    for item in session.info.pop(_PENDING, []):
        for handler in HANDLERS[type(item.event)]:
            try:
                handler(item.event)
            except Exception:  # committed already; never fail the caller
                logger.exception(
                    "handler %s of %s failed",
                    handler.__qualname__,
                    type(item.event).__name__,
                )


def _drop_rolled_back(session: Session, previous_transaction) -> None:  # noqa: ANN001
    waiting = session.info.get(_PENDING)
    if not waiting:
        return

    def inside_rolled_back(transaction) -> bool:  # noqa: ANN001
        while transaction is not None:
            if transaction is previous_transaction:
                return True
            transaction = transaction.parent
        return False

    session.info[_PENDING] = [
        item for item in waiting if not inside_rolled_back(item.transaction)
    ]
