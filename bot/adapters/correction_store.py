"""The agents' intent corrections in SQL (`intent_corrections`): the review
console writes and shows them, `csba review export-nlu` exports them.

A stored "correction" to the intent the bot predicted changes nothing (the
console refuses new ones since issue 13): it is never shown nor exported.

Every function takes the caller's session and does not commit.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.adapters.orm import IntentCorrectionRow

_CHANGES_THE_INTENT = or_(
    IntentCorrectionRow.predicted_intent.is_(None),
    IntentCorrectionRow.predicted_intent != IntentCorrectionRow.intent,
)


def corrections_of(session: Session, conversation_id: str) -> dict[int, str]:
    """The corrected intent of each corrected message (by event id)."""
    return dict(
        session.execute(
            select(IntentCorrectionRow.event_id, IntentCorrectionRow.intent).where(
                IntentCorrectionRow.conversation_id == conversation_id,
                _CHANGES_THE_INTENT,
            )
        ).all()
    )


def find_correction(
    session: Session, conversation_id: str, event_id: int
) -> IntentCorrectionRow | None:
    """The stored correction of one message, if any."""
    return session.execute(
        select(IntentCorrectionRow).where(
            IntentCorrectionRow.conversation_id == conversation_id,
            IntentCorrectionRow.event_id == int(event_id),
        )
    ).scalar_one_or_none()


def correction(
    session: Session, conversation_id: str, event_id: int
) -> IntentCorrectionRow:
    """The correction of one message, a new one if it has none yet."""
    row = find_correction(session, conversation_id, event_id)
    if row is None:
        row = IntentCorrectionRow(
            conversation_id=conversation_id, event_id=int(event_id)
        )
        session.add(row)
    return row


def all_corrections(session: Session) -> Iterator[IntentCorrectionRow]:
    """Every intent correction that changes the intent, by corrected intent,
    then oldest first."""
    return session.execute(
        select(IntentCorrectionRow)
        .where(_CHANGES_THE_INTENT)
        .order_by(IntentCorrectionRow.intent, IntentCorrectionRow.id)
    ).scalars()


def corrections_count(session: Session) -> int:
    """How many corrections change the intent (what the NLU export holds)."""
    return int(
        session.execute(
            select(func.count(IntentCorrectionRow.id)).where(_CHANGES_THE_INTENT)
        ).scalar()
        or 0
    )
