"""A decision as the buyer reads it: the values of the tracker slots
(domain.yml) that the chat's replies quote, for a TriageResult and what
`record_decision` wrote. The triage and damage-remedy actions set them in the
chat; a seller's transfer (bot.services.transfer) fills the same reply for the
buyer's email.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.lists import format_list

from bot.adapters.return_store import ReturnAuthorisation
from bot.domain.model import ReturnOption
from bot.services.case_views import OpenedCase
from bot.services.languages import babel_locale
from bot.services.presentation import (
    buyer_by_day,
    buyer_day,
    buyer_deadline,
    buyer_on_day,
)
from bot.services.returns import DamageRemedy
from bot.services.text import MAX_QUOTE_CHARS, clean_text
from bot.services.triage import DECISION_FACT_SLOTS

# Every slot a decision sets (None when the decision has no such fact).
DECISION_SLOTS = (
    "route",
    "reason_code",
    "case_id",
    "order_id",
    "decision_facts",
    *DECISION_FACT_SLOTS,
)


def decision_slots(
    result: Any, recorded: Any, *, now: datetime, language: str = "en"
) -> dict[str, Any]:
    """Every DECISION_SLOTS value for a TriageResult and what record_decision wrote;
    days and deadlines as the buyer reads them at `now` ("on Friday, Nov 20",
    "by Sunday, Dec 6": bot.services.presentation), in the buyer's `language`."""
    lang = language
    decision = result.decision
    facts = decision.facts
    values: dict[str, Any] = {name: None for name in DECISION_SLOTS}
    values.update(
        route=decision.route.value,
        reason_code=decision.reason_code,
        order_id=decision.order_id,
        decision_facts=dict(facts) or None,
        carrier=facts.get("carrier"),
        tracking_number=facts.get("tracking_number"),
        shipped_on=_on_day(facts.get("shipped_at"), now, lang),
        delivered_on=_on_day(facts.get("delivered_at"), now, lang),
        promised_by=_by_day(facts.get("promised_delivery_day"), now, lang),
        return_deadline=_day(facts.get("return_deadline"), now, lang),
        return_method=facts.get("return_method"),
    )
    if isinstance(recorded, OpenedCase):
        values.update(
            case_id=str(recorded.case.id),
            case_created=recorded.created,
            buyer_due=buyer_deadline(
                recorded.case.buyer_due_at, now=now, language=lang
            ),
        )
    elif isinstance(recorded, ReturnAuthorisation):
        values["return_id"] = str(recorded.id)
        values["return_resolution"] = recorded.resolution
    elif isinstance(recorded, DamageRemedy):
        values["return_id"] = str(recorded.authorisation.id)
        values["return_resolution"] = recorded.authorisation.resolution
        if recorded.case is not None:
            values.update(
                case_id=str(recorded.case.case.id),
                case_created=recorded.case.created,
                buyer_due=buyer_deadline(
                    recorded.case.case.buyer_due_at, now=now, language=lang
                ),
            )
    if (
        values["return_method"] == ReturnOption.DOMESTIC_ADDRESS.value
        and result.seller is not None
    ):
        values["return_address"] = result.seller.return_address
    not_returnable = set(facts.get("not_returnable_items") or ())
    if not_returnable and result.order is not None:
        titles = [
            i.title or i.asin for i in result.order.items if i.asin in not_returnable
        ]
        values["not_returnable_items"] = ", ".join(titles)
    damaged = set(facts.get("damaged_items") or ())
    if damaged and facts.get("damaged_item_known") and result.order is not None:
        # as a sentence names an item: its title up to the first comma
        titles = [
            (i.title or i.asin).split(",", 1)[0].strip()
            for i in result.order.items
            if i.asin in damaged
        ]
        values["damaged_items"] = format_list(titles, locale=babel_locale(lang))
    if decision.reason_code == "answered_from_detail_page":
        source = str(facts.get("source") or "")
        kind, _, name = source.partition(".")
        values.update(
            answer=clean_text(facts.get("answer"), MAX_QUOTE_CHARS),
            answer_source=kind.split("[", 1)[0] or None,
            answer_source_name=name or None,
            product_title=result.product.title if result.product is not None else None,
        )
    return values


def _on_day(instant: Any, now: datetime, language: str) -> str | None:
    """The marketplace day of an ISO 8601 instant: "yesterday", "on Friday, Nov 20"."""
    if not instant:
        return None
    from bot.domain.returns import marketplace_date

    day = marketplace_date(datetime.fromisoformat(str(instant)))
    return buyer_on_day(day, now=now, language=language)


def _by_day(day: Any, now: datetime, language: str) -> str | None:
    """A YYYY-MM-DD fact something is due by: "by Sunday, Dec 6", "today"."""
    if not day:
        return None
    return buyer_by_day(date.fromisoformat(str(day)), now=now, language=language)


def _day(day: Any, now: datetime, language: str) -> str | None:
    """A YYYY-MM-DD fact as a noun: "Sunday, Dec 6", "tomorrow"."""
    if not day:
        return None
    return buyer_day(date.fromisoformat(str(day)), now=now, language=language)
