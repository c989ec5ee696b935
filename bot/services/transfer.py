"""A seller transfers a buyer's inquiry to CSBA (issue 17, part 2).

`transfer_inquiry()` is the one use case, for the seller portal's "Transfer to
CSBA" form and for an inbound email forwarded to a transfer address alike:

1. The buyer's text is checked (not empty, at most MAX_MESSAGE_CHARS) and the
   order number too; a bad one raises TransferInputError naming the field, and
   nothing is recorded.
2. The bot's own NLU classifies the text as if the buyer had written it
   (Rasa's `POST /model/parse`, bot.adapters.rasa_http): the intent, as in the
   chat. A text that starts with `/` is read as words, never as an intent.
3. The triage service decides it for this seller (bot.domain.transfer: their
   own, self-fulfilled, covered order, and a question CSBA answers), with the
   same reason codes and sentences as the chat.
4. Taken: the decision is recorded as in the chat (a case, a return
   authorisation: bot.services.triage.record_decision), and once committed the
   buyer gets the chat's answer by email. Refused: nothing but the transfer
   row; the seller reads why (`reason_sentence`).
5. Either way the transfer is a row of `seller_transfers` (who, what, the
   outcome) and, once committed, a conversation of the tracker store on the
   channel `seller_transfer`, which the agent console lists like any other.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot import config
from bot.adapters import transfer_store
from bot.adapters.catalogue import catalogue, language_or_default, placeholders, t
from bot.adapters.rasa_domain import rendered_response
from bot.adapters.rasa_http import RasaHttp
from bot.adapters.repository import SqlRepository
from bot.adapters.return_store import ReturnAuthorisation
from bot.domain.model import Decision, Route, normalize_order_id
from bot.domain.policy import UnknownIntent, parse_intent
from bot.domain.transfer import accepted
from bot.services import messagebus
from bot.services.case_views import OpenedCase
from bot.services.decision_slots import decision_slots
from bot.services.errors import CatalogueError
from bot.services.events import InquiryTransferred
from bot.services.languages import language_or_english
from bot.services.presentation import render_reason
from bot.services.returns import DAMAGED_RETURN, DamageRemedy
from bot.services.text import clean_text
from bot.services.transfer_effects import NextStep
from bot.services.triage import record_decision, triage

log = logging.getLogger(__name__)

CHANNEL = "seller_transfer"
SOURCES = ("portal", "email")
# As the chat's input guard: nothing a buyer needs to say is longer.
MAX_MESSAGE_CHARS = 2000
MAX_ORDER_NUMBER_CHARS = 64
# Outcomes of a transfer that are not the policy's reason codes, with a
# transfer's own sentence (`transfer.reason.<code>` in the catalogue):
# the message is not a question the policy routes, and an order that is not
# this seller's (the policy's order_not_found, said to a seller).
QUESTION_NOT_RECOGNISED = "question_not_recognised"
OWN_SENTENCES = frozenset({QUESTION_NOT_RECOGNISED, "order_not_found"})
# Replies that follow the reason in the chat and read the same in an email.
FOLLOW_UPS = {"return_window_open": ("utter_return_method",)}


class TransferInputError(CatalogueError, ValueError):
    """A field of the transfer is not usable: `field` names it
    (`order_number` or `message`), the catalogue key says why."""

    def __init__(self, field: str, key: str, /, **params: Any) -> None:
        self.field = field
        super().__init__(key, **params)


class TransferUnavailable(CatalogueError):
    """The bot's NLU could not be reached: nothing was recorded; try again."""

    key = "transfer.error.unavailable"


class Nlu(Protocol):
    """What a transfer needs of Rasa (bot.adapters.rasa_http.RasaHttp)."""

    def parse(self, text: str) -> dict[str, Any]: ...

    def append_events(
        self, conversation_id: str, events: list[dict[str, Any]]
    ) -> None: ...


@dataclass(frozen=True)
class TransferView:
    id: int
    seller_id: str
    transferred_by: str
    source: str
    order_id: str
    buyer_text: str
    intent: str | None
    intent_confidence: float | None
    accepted: bool
    route: str | None
    reason_code: str
    decision_facts: dict[str, Any]
    case_id: int | None
    return_id: int | None
    conversation_id: str
    created_at: datetime


def default_rasa() -> RasaHttp:
    """Rasa's HTTP API at RASA_URL with RASA_TOKEN (bot.config)."""
    return RasaHttp(config.rasa_url(), config.rasa_token() or "")


def checked_input(order_number: str, buyer_text: str) -> tuple[str, str]:
    """The canonical order number and the buyer's text, cleaned; raises
    TransferInputError for the first field that is not usable."""
    order_number = (order_number or "").strip()
    if not order_number:
        raise TransferInputError("order_number", "transfer.error.order_required")
    canonical = (
        normalize_order_id(order_number)
        if len(order_number) <= MAX_ORDER_NUMBER_CHARS
        else None
    )
    if canonical is None:
        raise TransferInputError(
            "order_number",
            "transfer.error.bad_order_number",
            order_id=order_number[:MAX_ORDER_NUMBER_CHARS],
        )
    if len(buyer_text or "") > MAX_MESSAGE_CHARS:
        raise TransferInputError(
            "message", "transfer.error.message_too_long", limit=MAX_MESSAGE_CHARS
        )
    text = clean_text(buyer_text, MAX_MESSAGE_CHARS).lstrip("/").strip()
    if not text:
        raise TransferInputError("message", "transfer.error.message_required")
    return canonical, text


def classify(rasa: Nlu, text: str) -> tuple[str | None, float | None, dict[str, Any]]:
    """The NLU's intent name and confidence for `text`, and Rasa's whole parse."""
    try:
        parsed = rasa.parse(text)
    except Exception as exc:  # Rasa down or answering an error
        log.warning(
            "Transfer: the NLU is unavailable (%s: %s)", type(exc).__name__, exc
        )
        raise TransferUnavailable() from None
    intent = parsed.get("intent") if isinstance(parsed.get("intent"), dict) else {}
    name = intent.get("name") if isinstance(intent.get("name"), str) else None
    confidence = intent.get("confidence")
    if not isinstance(confidence, (int, float)) or isinstance(confidence, bool):
        confidence = None
    return name, confidence, parsed


def transfer_inquiry(
    session: Session,
    *,
    seller_id: str,
    order_number: str,
    buyer_text: str,
    transferred_by: str,
    now: datetime,
    source: str = "portal",
    rasa: Nlu | None = None,
    notifier=None,  # noqa: ANN001 - bot.services.notifications.Notifier
) -> TransferView:
    """The buyer's inquiry that seller `seller_id` passed on to CSBA
    (`transferred_by`: the portal user, or the address that forwarded the
    email; `source`: "portal" or "email"), decided and recorded in `session`.
    The buyer's email and the tracker's conversation follow the commit.

    Raises TransferInputError (nothing recorded) and TransferUnavailable (the
    NLU is down: nothing recorded)."""
    if source not in SOURCES:
        raise ValueError(f"unknown transfer source {source!r}")
    order_id, text = checked_input(order_number, buyer_text)
    rasa = rasa or default_rasa()
    intent, confidence, parsed = classify(rasa, text)  # before any database work
    conversation_id = f"{CHANNEL}-{uuid.uuid4().hex}"

    decision: Decision | None = None
    recorded: Any = None
    answer: str | None = None
    next_step: NextStep | None = None
    seller_name = ""
    buyer = None
    try:
        business_intent = parse_intent(intent or "")
    except UnknownIntent:
        business_intent = None
    if business_intent is not None:
        result = triage(
            session,
            intent=business_intent,
            order_id=order_id,
            now=now,
            question=text,
            transferred_by=seller_id,
        )
        decision = result.decision
        seller_name = result.seller.name if result.seller is not None else ""
        if accepted(decision):
            if result.order is not None:
                buyer = SqlRepository(session).get_buyer(result.order.buyer_id)
            # the buyer is answered in their account's language (issue 16)
            language = language_or_english(buyer.language if buyer else None)
            recorded = record_decision(
                session,
                result,
                conversation_id=conversation_id,
                question=text,
                now=now,
                notifier=notifier,
                language=language,
            )
            slots = decision_slots(result, recorded, now=now, language=language)
            slots["language"] = language  # picks the response's variation
            answer = buyer_answer_text(decision, slots, recorded=recorded)
            next_step = _next_step(decision, recorded, now)
    row = transfer_store.add_transfer(
        session,
        seller_id=seller_id,
        transferred_by=transferred_by[:320],
        source=source,
        order_id=order_id,
        buyer_text=text,
        intent=intent[:64] if intent else None,
        intent_confidence=confidence,
        accepted=decision is not None and accepted(decision),
        route=decision.route.value if decision else Route.BUYER_SELLER_MESSAGING.value,
        reason_code=decision.reason_code if decision else QUESTION_NOT_RECOGNISED,
        decision_facts=dict(decision.facts) if decision else None,
        case_id=_case_id(recorded),
        return_id=_return_id(recorded),
        conversation_id=conversation_id,
        created_at=now,
    )
    view = transfer_view(row)
    messagebus.publish(
        session,
        InquiryTransferred(
            transfer=view,
            parse=parsed,
            answer=answer,
            buyer=buyer,
            rasa=rasa,
            seller_name=seller_name,
            next_step=next_step,
        ),
    )
    log.info(
        "Transfer %s by %s (%s): order %s, %s %s",
        view.id,
        seller_id,
        source,
        order_id,
        "accepted" if view.accepted else "refused",
        view.reason_code,
    )
    return view


def buyer_answer_text(
    decision: Decision, slots: dict[str, Any], *, recorded: Any = None
) -> str:
    """The chat's reply to `decision`, with the chat's slot values. A damaged
    item whose return is authorised already (`recorded` a DamageRemedy) gets
    the chat's "already authorised" reply, as in the chat."""
    if decision.reason_code == DAMAGED_RETURN and isinstance(recorded, DamageRemedy):
        names: tuple[str, ...] = ("utter_damage_already_authorised",)
    else:
        names = (f"utter_reason_{decision.reason_code}",) + FOLLOW_UPS.get(
            decision.reason_code, ()
        )
    texts = [rendered_response(name, slots) for name in names]
    return "\n\n".join(text for text in texts if text)


def _next_step(decision: Decision, recorded: Any, now: datetime) -> NextStep | None:
    opened = recorded.case if isinstance(recorded, DamageRemedy) else recorded
    if isinstance(opened, OpenedCase):
        return NextStep(
            kind="case_opened" if opened.created else "case_joined",
            now=now,
            case_id=opened.case.id,
            buyer_due_at=opened.case.buyer_due_at,
        )
    if decision.reason_code == DAMAGED_RETURN and recorded is None:
        return NextStep(kind="damage_choice", now=now)
    return None


def _case_id(recorded: Any) -> int | None:
    if isinstance(recorded, OpenedCase):
        return recorded.case.id
    if isinstance(recorded, DamageRemedy) and recorded.case is not None:
        return recorded.case.case.id
    return None


def _return_id(recorded: Any) -> int | None:
    if isinstance(recorded, ReturnAuthorisation):
        return recorded.id
    if isinstance(recorded, DamageRemedy):
        return recorded.authorisation.id
    return None


def transfer_view(row: Any) -> TransferView:
    return TransferView(
        id=row.id,
        seller_id=row.seller_id,
        transferred_by=row.transferred_by,
        source=row.source,
        order_id=row.order_id,
        buyer_text=row.buyer_text,
        intent=row.intent,
        intent_confidence=row.intent_confidence,
        accepted=row.accepted,
        route=row.route,
        reason_code=row.reason_code,
        decision_facts=dict(row.decision_facts or {}),
        case_id=row.case_id,
        return_id=row.return_id,
        conversation_id=row.conversation_id,
        created_at=row.created_at,
    )


def reason_sentence(view: TransferView, language: str) -> str:
    """Why CSBA took or refused the transfer, in the seller's language: the
    policy's reason sentence (bot/catalogue/<lang>/reason.yml), or the
    transfer's own for OWN_SENTENCES."""
    if view.reason_code in OWN_SENTENCES:
        return render_reason_own(view, language)
    template = catalogue(language_or_default(language)).get(
        f"reason.{view.reason_code}"
    )
    facts = dict.fromkeys(placeholders(template or "") - {"order_id", "intent"})
    facts.update(view.decision_facts)  # a fact not recorded reads as "unknown"
    return render_reason(
        view.reason_code,
        facts,
        language,
        order_id=view.order_id,
        intent=view.intent,
    )


def render_reason_own(view: TransferView, language: str) -> str:
    return t(
        f"transfer.reason.{view.reason_code}",
        language,
        order_id=view.order_id,
        intent=view.intent or "-",
    )


def get_transfer(
    session: Session, *, seller_id: str, transfer_id: int
) -> TransferView | None:
    """The seller's own transfer; None for another seller's or none."""
    row = transfer_store.sellers_transfer(
        session, seller_id=seller_id, transfer_id=transfer_id
    )
    return transfer_view(row) if row is not None else None


def list_transfers(
    session: Session, *, seller_id: str, limit: int = 50
) -> list[TransferView]:
    """The seller's latest transfers, newest first."""
    rows = transfer_store.sellers_transfers(session, seller_id=seller_id, limit=limit)
    return [transfer_view(row) for row in rows]
