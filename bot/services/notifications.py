"""Seller notifications: an email when a case opens, when it is escalated, when
the buyer adds something the seller must read before acting (a cancellation
taken back: `buyer_added`), and when the seller opts in to CSBA or out of it.

The seed: "You will also receive CSBA notifications based [on] your default email
address" and "Amazon Customer Service will communicate with sellers in your
preferred language". Every sentence comes from the catalogue
(bot/catalogue/<lang>/email.yml), rendered in the seller's `preferred_language`.

Delivery: through SMTP when `SMTP_URL` is set, otherwise as an `.eml` file in
the outbox (`var/outbox/`). A failed SMTP delivery never loses the mail: it is
written to the outbox instead and a warning is logged.

Timing: the case log does not send mail inside the database transaction. It
publishes `CaseOpened`/`CaseEscalated` on the message bus
(bot/services/messagebus.py), which calls the handlers here once the session's
outermost transaction has committed: no mail announces a case that was rolled
back, and a slow mail server never holds database locks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot import config
from bot.adapters.case_store import seller_addresses
from bot.adapters.catalogue import language_or_default, t
from bot.adapters.email import (
    SMTP_TIMEOUT_SECONDS,
    Delivery,
    MailSender,
    automatic_message,
)
from bot.domain.model import MessageAuthor
from bot.services.case_views import CaseView
from bot.services.events import (
    BuyerAddedToCase,
    CaseEscalated,
    CaseOpened,
    EnrollmentChanged,
)
from bot.services.presentation import (
    buyer_words,
    format_marketplace_time,
    format_utc_time,
    topic_label,
)

logger = logging.getLogger(__name__)

CASE_OPENED = "case_opened"
CASE_ESCALATED = "case_escalated"
BUYER_ADDED = "buyer_added"
NOTIFICATION_EVENTS = (CASE_OPENED, CASE_ESCALATED, BUYER_ADDED)
ENROLLMENT_CHANGES = ("opted_in", "opted_out")


@dataclass(frozen=True)
class SellerContact:
    """What a notification needs to know about a seller."""

    id: str
    name: str
    email: str
    preferred_language: str = "en"


def seller_contact(session: Session, seller_id: str) -> SellerContact | None:
    """The seller's contact details, or None for an unknown seller."""
    contacts = seller_contacts(session, [seller_id])
    return contacts.get(seller_id)


def seller_contacts(
    session: Session, seller_ids: Iterable[str | None]
) -> dict[str, SellerContact]:
    """Contact details of several sellers in one query, keyed by seller id."""
    wanted = sorted({seller_id for seller_id in seller_ids if seller_id})
    if not wanted:
        return {}
    return {
        seller_id: SellerContact(
            id=seller_id,
            name=name,
            email=email,
            preferred_language=language_or_default(language),
        )
        for seller_id, name, email, language in seller_addresses(session, wanted)
    }


class Notifier(Protocol):
    """Tells a seller about their case log. Implementations must not raise for a
    delivery problem they can recover from (EmailNotifier keeps the mail)."""

    def case_opened(self, case: CaseView, seller: SellerContact) -> object: ...

    def case_escalated(self, case: CaseView, seller: SellerContact) -> object: ...

    def buyer_added(self, case: CaseView, seller: SellerContact) -> object: ...


class EmailNotifier:
    """Renders seller emails from the catalogue and delivers them.

    `smtp` overrides `SMTP_URL` (pass None explicitly to force the outbox);
    `outbox` overrides `CSBA_OUTBOX`/`var/outbox/`; `portal_url` is the seller
    case log (default `CSBA_SELLER_PORTAL_URL`, else http://localhost:8000/seller).
    Settings are read when a mail is sent, so the environment may change between
    mails.
    """

    def __init__(
        self,
        *,
        smtp: config.SmtpSettings | None | object = MailSender.FROM_ENVIRONMENT,
        outbox: Path | None = None,
        portal_url: str | None = None,
        sender: str | None = None,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        self._sender_adapter = MailSender(smtp=smtp, outbox=outbox, timeout=timeout)
        self._portal_url = portal_url
        self._sender = sender

    # -- the Notifier protocol -------------------------------------------------

    def case_opened(self, case: CaseView, seller: SellerContact) -> Delivery:
        return self.deliver(self.compose(CASE_OPENED, case, seller))

    def case_escalated(self, case: CaseView, seller: SellerContact) -> Delivery:
        return self.deliver(self.compose(CASE_ESCALATED, case, seller))

    def buyer_added(self, case: CaseView, seller: SellerContact) -> Delivery:
        return self.deliver(self.compose(BUYER_ADDED, case, seller))

    # -- rendering ---------------------------------------------------------------

    def case_url(self, case_id: int) -> str:
        return self._portal_base() + "/cases/" + str(case_id)

    def compose(
        self, event_name: str, case: CaseView, seller: SellerContact
    ) -> EmailMessage:
        """The email for `event_name` (case_opened | case_escalated |
        buyer_added: with the buyer's latest message), in the seller's
        preferred language, UTF-8."""
        if event_name not in NOTIFICATION_EVENTS:
            raise ValueError("unknown notification event: " + repr(event_name))
        language = language_or_default(seller.preferred_language)
        due = case.seller_due_at or case.buyer_due_at
        params = {
            "case_id": case.id,
            "order_id": case.order_id or t("email.no_order", language),
            "topic": topic_label(case, language),
            "question": buyer_words(case.question, case.language, language),
            "message": buyer_words(_latest_buyer_words(case), case.language, language),
            "seller_name": seller.name,
            "due_local": format_marketplace_time(due),
            "due_utc": format_utc_time(due),
            "case_url": self.case_url(case.id),
        }
        return self._to_seller(
            seller, event_name, language, params, {"X-CSBA-Case-Id": str(case.id)}
        )

    def enrollment_changed(
        self, seller: SellerContact, change: str, period: Any
    ) -> Delivery:
        return self.deliver(self.compose_enrollment(seller, change, period))

    def compose_enrollment(
        self, seller: SellerContact, change: str, period: Any
    ) -> EmailMessage:
        """The email for an opt-in or opt-out (`change`: opted_in | opted_out),
        in the seller's preferred language."""
        if change not in ENROLLMENT_CHANGES:
            raise ValueError("unknown enrollment change: " + repr(change))
        language = language_or_default(seller.preferred_language)
        at = period.opted_out_at if change == "opted_out" else period.opted_in_at
        params = {
            "seller_name": seller.name,
            "at_local": format_marketplace_time(at),
            "start_local": format_marketplace_time(period.coverage_start),
            "services_url": self.services_url(),
        }
        return self._to_seller(seller, f"enrollment_{change}", language, params, {})

    def services_url(self) -> str:
        return self._portal_base() + "/services"

    def _portal_base(self) -> str:
        return (self._portal_url or config.seller_portal_url()).rstrip("/")

    def _to_seller(
        self,
        seller: SellerContact,
        event_name: str,
        language: str,
        params: dict[str, Any],
        headers: dict[str, str],
    ) -> EmailMessage:
        """The catalogue's `email.subject.<event_name>` and `email.body.<event_name>`
        to the seller, marked with the event and the seller."""
        return automatic_message(
            sender=self._sender_address(),
            sender_name=t("email.sender_name", language),
            to=seller.email,
            to_name=seller.name,
            subject=t(f"email.subject.{event_name}", language, **params),
            body=t(f"email.body.{event_name}", language, **params),
            language=language,
            headers={
                "X-CSBA-Event": event_name,
                **headers,
                "X-CSBA-Seller-Id": seller.id,
            },
        )

    def _sender_address(self) -> str:
        return self._sender or config.mail_from()

    # -- delivery ----------------------------------------------------------------

    def deliver(self, message: EmailMessage) -> Delivery:
        """SMTP when configured; the outbox otherwise, or when SMTP fails."""
        return self._sender_adapter.deliver(message)


def _latest_buyer_words(case: CaseView) -> str:
    said = [m.text for m in case.messages if m.author is MessageAuthor.BUYER]
    return said[-1] if said else case.question


# -- the message bus's handlers -------------------------------------------------------


def send_case_opened(event: CaseOpened) -> None:
    (event.notifier or EmailNotifier()).case_opened(event.case, event.seller)


def send_case_escalated(event: CaseEscalated) -> None:
    (event.notifier or EmailNotifier()).case_escalated(event.case, event.seller)


def send_buyer_added(event: BuyerAddedToCase) -> None:
    (event.notifier or EmailNotifier()).buyer_added(event.case, event.seller)


def send_enrollment_changed(event: EnrollmentChanged) -> None:
    (event.notifier or EmailNotifier()).enrollment_changed(
        event.seller, event.change, event.period
    )
