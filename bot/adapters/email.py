"""Mail delivery: SMTP when `SMTP_URL` is set, otherwise an `.eml` file in the
outbox (`var/outbox/`). A failed SMTP delivery never loses the mail: it is written
to the outbox instead and a warning is logged.

This adapter sends a finished `EmailMessage`; what a mail says is decided by the
service that composes it (bot/services/notifications.py).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from bot import config

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 10.0


def automatic_message(
    *,
    sender: str,
    sender_name: str,
    to: str,
    to_name: str,
    subject: str,
    body: str,
    language: str,
    headers: dict[str, str],
    message_id: str | None = None,
    auto_submitted: str = "auto-generated",
) -> EmailMessage:
    """A UTF-8 plain-text mail the service sends by itself (`Auto-Submitted:
    auto-generated`, or `auto-replied` for an answer to a mail, so that
    auto-responders leave it alone), with its own Message-ID (or `message_id`)
    and the `X-CSBA-*` and threading `headers`."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=sender_name, addr_spec=sender)
    message["To"] = Address(display_name=to_name, addr_spec=to)
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = message_id or make_msgid(
        domain=sender.rpartition("@")[2] or None
    )
    message["Auto-Submitted"] = auto_submitted
    for name, value in headers.items():
        message[name] = value
    message.set_content(body, charset="utf-8")
    message["Content-Language"] = language  # set_content drops Content-* headers
    return message


@dataclass(frozen=True)
class Delivery:
    """How a mail left: `smtp`, or `outbox` with the file written."""

    channel: str
    message: EmailMessage
    path: Path | None = None


class MailSender:
    """Delivers mails through SMTP, or to the outbox.

    `smtp` overrides `SMTP_URL` (pass None explicitly to force the outbox);
    `outbox` overrides `CSBA_OUTBOX`/`var/outbox/`. Settings are read when a mail
    is sent, so the environment may change between mails.
    """

    FROM_ENVIRONMENT = object()

    def __init__(
        self,
        *,
        smtp: config.SmtpSettings | None | object = FROM_ENVIRONMENT,
        outbox: Path | None = None,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        self._smtp = smtp
        self._outbox = outbox
        self._timeout = timeout

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
        if self._smtp is not self.FROM_ENVIRONMENT:
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
