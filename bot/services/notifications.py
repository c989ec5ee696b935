"""Seller notifications: an email when a case opens and when it is escalated.

The seed: "You will also receive CSBA notifications based [on] your default email
address" and "Amazon Customer Service will communicate with sellers in your
preferred language". Every sentence comes from the catalogue
(bot/catalogue/<lang>/email.yml), rendered in the seller's `preferred_language`.

Delivery: through SMTP when `SMTP_URL` is set, otherwise as an `.eml` file in
the outbox (`var/outbox/`). A failed SMTP delivery never loses the mail: it is
written to the outbox instead and a warning is logged.

Timing: the case log does not send mail inside the database transaction. It
queues the notification with `notify_after_commit()`, which sends it once the
session's outermost transaction has committed: no mail announces a case that was
rolled back, and a slow mail server never holds database locks.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot import config
from bot.adapters.orm import SellerRow
from bot.i18n import language_or_default, t

if TYPE_CHECKING:
    from bot.services.cases import CaseView

logger = logging.getLogger(__name__)

CASE_OPENED = "case_opened"
CASE_ESCALATED = "case_escalated"
NOTIFICATION_EVENTS = (CASE_OPENED, CASE_ESCALATED)

DEFAULT_MAIL_FROM = "csba-noreply@localhost"
DEFAULT_SELLER_PORTAL_URL = "http://localhost:8000/seller"
SMTP_TIMEOUT_SECONDS = 10.0

# Not sentences: how an instant is printed in the marketplace zone and in UTC.
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M %Z"
UTC_TIME_FORMAT = "%Y-%m-%d %H:%M UTC"


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
    rows = session.execute(
        select(
            SellerRow.id, SellerRow.name, SellerRow.email, SellerRow.preferred_language
        ).where(SellerRow.id.in_(wanted))
    ).all()
    return {
        row.id: SellerContact(
            id=row.id,
            name=row.name,
            email=row.email,
            preferred_language=language_or_default(row.preferred_language),
        )
        for row in rows
    }


class Notifier(Protocol):
    """Tells a seller about their case log. Implementations must not raise for a
    delivery problem they can recover from (EmailNotifier keeps the mail)."""

    def case_opened(self, case: CaseView, seller: SellerContact) -> object: ...

    def case_escalated(self, case: CaseView, seller: SellerContact) -> object: ...


@dataclass(frozen=True)
class Delivery:
    """How a notification left: `smtp`, or `outbox` with the file written."""

    channel: str
    message: EmailMessage
    path: Path | None = None


def format_marketplace_time(instant: datetime) -> str:
    """`2026-11-02 09:30 PST`: the instant on the marketplace's wall clock."""
    return instant.astimezone(config.MARKETPLACE_TZ).strftime(LOCAL_TIME_FORMAT)


def format_utc_time(instant: datetime) -> str:
    """`2026-11-02 17:30 UTC`."""
    return instant.astimezone(timezone.utc).strftime(UTC_TIME_FORMAT)


def category_label(code: str | None, language: str) -> str:
    """A category or reason code in the seller's words; the code itself if unknown."""
    if not code:
        return ""
    try:
        return t(f"email.category.{code}", language)
    except KeyError:
        return code


def topic_label(case: CaseView, language: str) -> str:
    category = category_label(case.category, language)
    if case.reason_code and case.reason_code != case.category:
        return t(
            "email.topic.with_reason",
            language,
            reason=category_label(case.reason_code, language),
            category=category,
        )
    return t("email.topic.category_only", language, category=category)


class EmailNotifier:
    """Renders seller emails from the catalogue and delivers them.

    `smtp` overrides `SMTP_URL` (pass None explicitly to force the outbox);
    `outbox` overrides `CSBA_OUTBOX`/`var/outbox/`; `portal_url` is the seller
    case log (default `CSBA_SELLER_PORTAL_URL`, else http://localhost:8000/seller).
    Settings are read when a mail is sent, so the environment may change between
    mails.
    """

    _FROM_ENVIRONMENT = object()

    def __init__(
        self,
        *,
        smtp: config.SmtpSettings | None | object = _FROM_ENVIRONMENT,
        outbox: Path | None = None,
        portal_url: str | None = None,
        sender: str | None = None,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        self._smtp = smtp
        self._outbox = outbox
        self._portal_url = portal_url
        self._sender = sender
        self._timeout = timeout

    # -- the Notifier protocol -------------------------------------------------

    def case_opened(self, case: CaseView, seller: SellerContact) -> Delivery:
        return self.deliver(self.compose(CASE_OPENED, case, seller))

    def case_escalated(self, case: CaseView, seller: SellerContact) -> Delivery:
        return self.deliver(self.compose(CASE_ESCALATED, case, seller))

    # -- rendering ---------------------------------------------------------------

    def case_url(self, case_id: int) -> str:
        base = (
            self._portal_url
            or os.environ.get("CSBA_SELLER_PORTAL_URL")
            or DEFAULT_SELLER_PORTAL_URL
        )
        return base.rstrip("/") + "/cases/" + str(case_id)

    def compose(
        self, event_name: str, case: CaseView, seller: SellerContact
    ) -> EmailMessage:
        """The email for `event_name` (case_opened | case_escalated), in the
        seller's preferred language, UTF-8."""
        if event_name not in NOTIFICATION_EVENTS:
            raise ValueError("unknown notification event: " + repr(event_name))
        language = language_or_default(seller.preferred_language)
        due = case.seller_due_at or case.buyer_due_at
        params = {
            "case_id": case.id,
            "order_id": case.order_id or t("email.no_order", language),
            "topic": topic_label(case, language),
            "question": case.question,
            "seller_name": seller.name,
            "due_local": format_marketplace_time(due),
            "due_utc": format_utc_time(due),
            "case_url": self.case_url(case.id),
        }
        sender = self._sender_address()
        message = EmailMessage()
        message["Subject"] = t(f"email.subject.{event_name}", language, **params)
        message["From"] = Address(
            display_name=t("email.sender_name", language), addr_spec=sender
        )
        message["To"] = Address(display_name=seller.name, addr_spec=seller.email)
        message["Date"] = format_datetime(datetime.now(timezone.utc))
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        message["Auto-Submitted"] = "auto-generated"
        message["X-CSBA-Event"] = event_name
        message["X-CSBA-Case-Id"] = str(case.id)
        message["X-CSBA-Seller-Id"] = seller.id
        message.set_content(
            t(f"email.body.{event_name}", language, **params), charset="utf-8"
        )
        message["Content-Language"] = language  # set_content drops Content-* headers
        return message

    def _sender_address(self) -> str:
        if self._sender:
            return self._sender
        return os.environ.get("CSBA_MAIL_FROM") or DEFAULT_MAIL_FROM

    # -- delivery ----------------------------------------------------------------

    def deliver(self, message: EmailMessage) -> Delivery:
        """SMTP when configured; the outbox otherwise, or when SMTP fails."""
        settings = self._smtp_settings()
        if settings is not None:
            try:
                self._send_smtp(message, settings)
            except OSError as exc:  # smtplib.SMTPException is an OSError
                path = self._write_outbox(message)
                logger.warning(
                    "SMTP delivery to %s:%s failed (%s: %s); mail for case %s "
                    "kept in the outbox at %s",
                    settings.host,
                    settings.port,
                    type(exc).__name__,
                    exc,
                    message.get("X-CSBA-Case-Id"),
                    path,
                )
                return Delivery("outbox", message, path)
            return Delivery("smtp", message)
        return Delivery("outbox", message, self._write_outbox(message))

    def _smtp_settings(self) -> config.SmtpSettings | None:
        if self._smtp is not self._FROM_ENVIRONMENT:
            return self._smtp  # type: ignore[return-value]
        try:
            return config.smtp_settings()
        except ValueError as exc:
            logger.warning("SMTP_URL is invalid (%s); mail goes to the outbox", exc)
            return None

    def _send_smtp(self, message: EmailMessage, settings: config.SmtpSettings) -> None:
        with smtplib.SMTP(settings.host, settings.port, timeout=self._timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)

    def _write_outbox(self, message: EmailMessage) -> Path:
        folder = self._outbox or config.outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        case_id = "".join(
            c for c in str(message.get("X-CSBA-Case-Id", "")) if c.isalnum()
        )
        event_name = str(message.get("X-CSBA-Event", "mail"))
        name = "-".join(
            part
            for part in (stamp, "case", case_id, event_name, uuid.uuid4().hex[:12])
            if part
        )
        final = folder / (name + ".eml")
        partial = folder / ("." + name + ".tmp")
        partial.write_bytes(bytes(message))
        os.replace(partial, final)  # readers never see a half-written mail
        return final


# -- sending after the database transaction commits ----------------------------

_PENDING = "csba.pending_notifications"
_HOOKED = "csba.notification_hooks"


@dataclass(frozen=True)
class _Pending:
    notifier: Notifier
    event_name: str
    case: CaseView
    seller: SellerContact
    transaction: object  # the SessionTransaction it was queued in


def notify_after_commit(
    session: Session,
    notifier: Notifier,
    event_name: str,
    case: CaseView,
    seller: SellerContact,
) -> None:
    """Send `event_name` once `session` commits; forget it if the work that
    queued it is rolled back (a savepoint rollback drops only its own mail)."""
    if event_name not in NOTIFICATION_EVENTS:
        raise ValueError("unknown notification event: " + repr(event_name))
    if not session.info.get(_HOOKED):
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_soft_rollback", _drop_rolled_back)
        session.info[_HOOKED] = True
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append(
        _Pending(notifier, event_name, case, seller, transaction)
    )


def pending_notifications(session: Session) -> int:
    """How many notifications wait for this session's commit."""
    return len(session.info.get(_PENDING, ()))


def _send_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the outer transaction may still roll back
    pending = session.info.pop(_PENDING, [])
    for item in pending:
        try:
            getattr(item.notifier, item.event_name)(item.case, item.seller)
        except Exception:  # the case is committed; never fail the caller for mail
            logger.exception(
                "could not notify seller %s of %s for case %s",
                item.seller.id,
                item.event_name,
                item.case.id,
            )


def _drop_rolled_back(session: Session, previous_transaction) -> None:  # noqa: ANN001
    pending = session.info.get(_PENDING)
    if not pending:
        return

    def inside_rolled_back(transaction) -> bool:  # noqa: ANN001
        while transaction is not None:
            if transaction is previous_transaction:
                return True
            transaction = transaction.parent
        return False

    session.info[_PENDING] = [
        item for item in pending if not inside_rolled_back(item.transaction)
    ]
