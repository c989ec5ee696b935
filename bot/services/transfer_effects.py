"""What follows a seller's transfer once it is committed (bot.services.transfer,
through the message bus):

- `record_conversation`: the transfer becomes a conversation of the tracker
  store (Rasa's `POST /conversations/<id>/tracker/events`): the buyer's text
  as a user message on the channel `seller_transfer` with the NLU's parse and
  who transferred it, the decision's slots (`route`, `reason_code`,
  `case_id`, `order_id`, `decision_facts`, and `buyer_id` when CSBA took it)
  and the answer the buyer was emailed. Rasa stamps the events, as it does
  a chat's. The agent console lists it like any other conversation.
- `send_buyer_answer`: when CSBA took the inquiry, the buyer gets the chat's
  answer by email, in the buyer's language (`email.transfer_answer`).

The answer is the chat's own reply (bot.services.transfer.buyer_answer_text).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from bot import config
from bot.adapters.catalogue import t
from bot.adapters.email import Delivery, MailSender, automatic_message
from bot.domain.model import Buyer
from bot.services.events import InquiryTransferred
from bot.services.languages import reader_language
from bot.services.presentation import buyer_deadline

log = logging.getLogger(__name__)

CHANNEL = "seller_transfer"
# Slots a decision sets that the agent console reads (bot.services.review).
RECORDED_SLOTS = ("order_id", "route", "reason_code", "case_id", "decision_facts")


@dataclass(frozen=True)
class NextStep:
    """What the buyer's email says comes next: `kind` is `case_opened`,
    `case_joined` (the buyer's open case for that order and topic) or
    `damage_choice` (replacement or refund, chosen in the chat)."""

    kind: str
    now: datetime
    case_id: int | None = None
    buyer_due_at: datetime | None = None


# --- the tracker store --------------------------------------------------------------


def conversation_events(event: InquiryTransferred) -> list[dict[str, Any]]:
    """The events that record the transfer as a conversation."""
    view = event.transfer
    metadata = {
        "csba": {
            "auth": CHANNEL,
            "transfer_id": view.id,
            "seller_id": view.seller_id,
            "transferred_by": view.transferred_by,
            "source": view.source,
        }
    }
    events: list[dict[str, Any]] = [
        {
            "event": "user",
            "text": view.buyer_text,
            "parse_data": event.parse,
            "input_channel": CHANNEL,
            "metadata": metadata,
        }
    ]
    values = {
        "order_id": view.order_id,
        "route": view.route,
        "reason_code": view.reason_code,
        "case_id": str(view.case_id) if view.case_id is not None else None,
        "decision_facts": view.decision_facts or None,
    }
    if view.accepted and event.buyer is not None:
        values["buyer_id"] = event.buyer.id
    for name, value in values.items():
        if value is not None:
            events.append(
                {"event": "slot", "name": name, "value": value}
            )
    if event.answer:
        events.append(
            {
                "event": "bot",
                    "text": event.answer,
                "metadata": {"csba_delivery": "email"},
            }
        )
    return events


def record_conversation(event: InquiryTransferred) -> None:
    """Add the transfer to the tracker store (a failure is logged: the
    transfer itself is committed)."""
    view = event.transfer
    try:
        event.rasa.append_events(view.conversation_id, conversation_events(event))
    except Exception as exc:
        log.warning(
            "Transfer %s: not recorded in the tracker store (%s: %s)",
            view.id,
            type(exc).__name__,
            exc,
        )


# --- the buyer's email ---------------------------------------------------------------


class TransferMailer:
    """The buyer's email with CSBA's answer to a transferred inquiry
    (bot/catalogue/<lang>/email.yml, `transfer_answer`)."""

    def __init__(self, sender: MailSender | None = None) -> None:
        self._sender = sender or MailSender()

    def compose(self, event: InquiryTransferred) -> EmailMessage:
        buyer: Buyer = event.buyer
        view = event.transfer
        language = reader_language(buyer.language)
        params = {
            "buyer_name": buyer.name,
            "seller_name": event.seller_name,
            "order_id": view.order_id,
            "question": view.buyer_text,
            "answer": event.answer or "",
            "next_step": next_step_text(event.next_step, language),
            "chat_url": config.buyer_chat_url(),
        }
        headers = {
            "X-CSBA-Event": "transfer_answer",
            "X-CSBA-Transfer-Id": str(view.id),
        }
        if view.case_id is not None:
            headers["X-CSBA-Case-Id"] = str(view.case_id)
        return automatic_message(
            sender=config.mail_from(),
            sender_name=t("email.sender_name", language),
            to=buyer.email,
            to_name=buyer.name,
            subject=t("email.subject.transfer_answer", language, **params),
            body=t("email.body.transfer_answer", language, **params),
            language=language,
            headers=headers,
        )

    def send(self, event: InquiryTransferred) -> Delivery:
        return self._sender.deliver(self.compose(event))


def next_step_text(step: NextStep | None, language: str) -> str:
    if step is None:
        return ""
    due = (
        buyer_deadline(step.buyer_due_at, now=step.now, language=language)
        if step.buyer_due_at is not None
        else ""
    )
    return t(
        f"email.transfer_next.{step.kind}",
        language,
        case_id=step.case_id,
        buyer_due=due,
    )


def send_buyer_answer(event: InquiryTransferred) -> None:
    """Email the answer to the buyer, when CSBA took the inquiry."""
    if not event.answer:
        return
    if event.buyer is None:
        log.info("Transfer %s: no buyer on record, so no email", event.transfer.id)
        return
    TransferMailer().send(event)
