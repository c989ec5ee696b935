"""Returns the bot authorises in a chat, and the remedy for a damaged item.

- `authorise_return`: a return authorisation for some items of an order,
  idempotent per order and items: when an authorisation of the order already
  covers them (from any chat), that one is returned (`created=False`) and
  nothing is written, so the buyer hears the same number again.
- `give_damage_remedy`: the buyer's answer to "Would you like a replacement?"
  after a `damaged_return` decision (bot.services.triage.resolve_damage takes
  the decision again first): the return of the damaged item only, authorised
  as a refund or as a replacement; a replacement also opens (or joins) the
  order's `damaged_item` case asking the seller to ship it. The buyer's photo,
  if any, attaches to that case (bot.services.attachments).
- `damage_already_resolved`: the remedy a damaged item already has, when the
  buyer reports it again (a damage authorisation only: a return authorised
  for a change of mind leaves the replacement-or-refund question open).

Each function takes the caller's session and does not commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.adapters.case_store import lock_for_case_writes
from bot.adapters.return_store import (
    REFUND,
    REPLACEMENT,
    ReturnAuthorisation,
    add_return_authorisation,
    find_return_authorisation,
)
from bot.domain.model import CaseKind, Intent, Order, Seller
from bot.domain.returns import return_method, return_window
from bot.nlp.quantities import units_named
from bot.services.case_views import OpenedCase

DAMAGED_RETURN = "damaged_return"


@dataclass(frozen=True)
class DamageRemedy:
    """What became of a damaged item: its return authorisation (a refund or a
    replacement) and, for a replacement, the seller's case."""

    authorisation: ReturnAuthorisation
    case: OpenedCase | None = None


def authorise_return(
    session: Session,
    *,
    order: Order,
    seller: Seller,
    asins: Iterable[str],
    reason: str,
    conversation_id: str,
    now: datetime,
    resolution: str = REFUND,
    units: int | None = None,
) -> ReturnAuthorisation:
    """The return of `asins` of `order` (their whole lines, or `units` of the
    one line asked for: the units that arrived damaged), or the order's
    earlier authorisation that already covers them."""
    wanted = set(asins)
    items = [(item.asin, item.quantity) for item in order.items if item.asin in wanted]
    if units is not None and len(items) == 1:
        items = [(items[0][0], max(1, min(units, items[0][1])))]
    if not items:
        raise ValueError(f"order {order.id} has none of the items {sorted(wanted)}")
    # Two answers at once must not authorise twice: read and write in turn.
    lock_for_case_writes(session, key="\x1f".join(("return", order.id)))
    # A damaged item's remedy is its own authorisation: a return for a change
    # of mind authorised earlier does not stand for it (the buyer may still
    # choose a replacement); any authorisation covers a plain return.
    existing = find_return_authorisation(
        session,
        order_id=order.id,
        asins=wanted,
        reason=DAMAGED_RETURN if reason == DAMAGED_RETURN else None,
    )
    if existing is None and reason == DAMAGED_RETURN and resolution == REFUND:
        # a refund of a damaged item already covered by a plain return is that
        # return: never a second label or a second refund for the same item
        existing = find_return_authorisation(
            session, order_id=order.id, asins=wanted
        )
    if existing is not None:
        return existing
    return add_return_authorisation(
        session,
        order_id=order.id,
        conversation_id=conversation_id,
        items=items,
        reason=reason,
        method=return_method(seller).value,
        deadline=return_window(order, seller).closes_at,
        now=now,
        resolution=resolution,
    )


def ask_for_replacement(
    session: Session,
    *,
    order: Order,
    conversation_id: str,
    question: str,
    now: datetime,
    notifier=None,  # noqa: ANN001 - bot.services.notifications.Notifier
    language: str | None = None,
) -> OpenedCase:
    """The order's `damaged_item` case asking the seller to ship a replacement
    (opened, or joined when one is open)."""
    from bot.services.cases import open_case

    return open_case(
        session,
        conversation_id=conversation_id,
        category=Intent.DAMAGED_ITEM.value,
        reason_code=DAMAGED_RETURN,
        question=question,
        now=now,
        order_id=order.id,
        kind=CaseKind.SELLER,
        notifier=notifier,
        language=language,
    )


def damage_already_resolved(
    session: Session,
    *,
    order: Order,
    asins: Iterable[str],
    conversation_id: str,
    question: str,
    now: datetime,
    notifier=None,  # noqa: ANN001
    language: str | None = None,
) -> DamageRemedy | None:
    """The remedy already given for these damaged items (the buyer asks again),
    or None when there is none yet. A replacement's case hears the buyer again."""
    existing = find_return_authorisation(
        session, order_id=order.id, asins=asins, reason=DAMAGED_RETURN
    )
    if existing is None:
        return None
    return _remedy(
        session, existing, order, conversation_id, question, now, notifier, language
    )


def give_damage_remedy(
    session: Session,
    *,
    order: Order,
    seller: Seller,
    asins: Iterable[str],
    replacement: bool,
    conversation_id: str,
    question: str,
    now: datetime,
    notifier=None,  # noqa: ANN001
    language: str | None = None,
) -> DamageRemedy:
    """The return of the damaged `asins` as a replacement or a refund (or the
    authorisation they already have), and for a replacement the seller's case.
    Of one line, the units the buyer's words say arrived damaged ("one of my
    tumblers": bot.nlp.quantities), else the whole line."""
    wanted = set(asins)
    lines = [item for item in order.items if item.asin in wanted]
    units = units_named(question, lines[0].quantity) if len(lines) == 1 else None
    authorisation = authorise_return(
        session,
        order=order,
        seller=seller,
        asins=wanted,
        reason=DAMAGED_RETURN,
        conversation_id=conversation_id,
        now=now,
        resolution=REPLACEMENT if replacement else REFUND,
        units=units,
    )
    return _remedy(
        session,
        authorisation,
        order,
        conversation_id,
        question,
        now,
        notifier,
        language,
    )


def _remedy(
    session: Session,
    authorisation: ReturnAuthorisation,
    order: Order,
    conversation_id: str,
    question: str,
    now: datetime,
    notifier,  # noqa: ANN001
    language: str | None = None,
) -> DamageRemedy:
    """`authorisation` as a remedy: a replacement also (re)asks the seller."""
    case = None
    if authorisation.resolution == REPLACEMENT:
        case = ask_for_replacement(
            session,
            order=order,
            conversation_id=conversation_id,
            question=question,
            now=now,
            notifier=notifier,
            language=language,
        )
    return DamageRemedy(authorisation, case)
