"""A seller forwards a buyer's email to the transfer address (issue 17, part 2:
"forwarding a buyer's email to a transfer address does the same" as the
portal's "Transfer to CSBA").

bot.services.email_inbox routes a mail addressed to `CSBA_TRANSFER_ADDRESS`
here. The sender must be a seller's email on record (anyone else gets a polite
refusal and nothing is transferred). The order number is the first one in the
subject or the mail; the buyer's words are what follows the forwarded-message
marker, without its header lines (or, with no marker, the seller's own text:
a pasted message). Then `transfer_inquiry` decides it as the portal does, and
the seller gets the outcome by email in their language: taken, or why not,
with the reason code and the policy's sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.catalogue import language_or_default, t
from bot.adapters.orm import SellerRow
from bot.services.email_parsing import ORDER_NUMBER_RE, SIGNATURE_RE
from bot.services.transfer import (
    TransferInputError,
    reason_sentence,
    transfer_inquiry,
)

# Gmail and Apple Mail ("Forwarded message", "Begin forwarded message:"),
# Outlook (a line of underscores, or "Original Message"), QQ and Foxmail
# ("原始邮件", "转发邮件").
_FORWARD_MARKER_RE = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|original message|原始邮件|转发邮件|转发的邮件)"
    r"\s*-{2,}|begin forwarded message:|_{8,})\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_LINE_RE = re.compile(
    r"^\s*(from|date|sent|subject|to|cc|reply-to|发件人|日期|发送时间|主题|收件人|抄送)"
    r"\s*[:：]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SellerReply:
    subject: str
    text: str
    language: str


def seller_of(session: Session, address: str) -> tuple[str, str] | None:
    """(seller id, preferred language) of the seller whose email is `address`."""
    row = session.execute(
        select(SellerRow.id, SellerRow.preferred_language)
        .where(func.lower(SellerRow.email) == address.lower())
        .order_by(SellerRow.id)
        .limit(1)
    ).first()
    return (row[0], language_or_default(row[1])) if row else None


def forwarded_words(text: str) -> str:
    """The buyer's words in a forwarded mail (see the module docstring)."""
    lines = text.replace("\r\n", "\n").split("\n")
    marker = _FORWARD_MARKER_RE.search(text.replace("\r\n", "\n"))
    if marker:
        start = text.replace("\r\n", "\n")[: marker.end()].count("\n") + 1
        lines = lines[start:]
        while lines and (not lines[0].strip() or _HEADER_LINE_RE.match(lines[0])):
            lines.pop(0)
    words: list[str] = []
    for line in lines:
        stripped = line.strip().lstrip(">").strip()
        if SIGNATURE_RE.match(stripped):
            break
        words.append(stripped)
    return re.sub(r"\s+", " ", " ".join(words)).strip()


def order_number_in(subject: str, text: str) -> str:
    found = ORDER_NUMBER_RE.search(subject) or ORDER_NUMBER_RE.search(text)
    return found.group(0) if found else ""


def transfer_mail(
    session: Session,
    *,
    sender: str,
    subject: str,
    text: str,
    now: datetime,
) -> SellerReply:
    """Transfer the forwarded inquiry in `session` (committed with the caller's
    record of the mail) and the seller's answer. Raises TransferUnavailable
    when the NLU is down (nothing recorded: try again)."""
    seller = seller_of(session, sender)
    reply_subject = t("email.transfer_mail.subject", "en", subject=subject or "-")
    if seller is None:
        return SellerReply(reply_subject, t("email.transfer_mail.not_a_seller", "en"), "en")
    seller_id, language = seller
    reply_subject = t("email.transfer_mail.subject", language, subject=subject or "-")
    try:
        view = transfer_inquiry(
            session,
            seller_id=seller_id,
            order_number=order_number_in(subject, text),
            buyer_text=forwarded_words(text),
            transferred_by=sender,
            now=now,
            source="email",
        )
    except TransferInputError as exc:
        body = t("email.transfer_mail.input_error", language, error=exc.message(language))
        return SellerReply(reply_subject, body, language)
    key = "email.transfer_mail.accepted" if view.accepted else "email.transfer_mail.refused"
    body = t(
        key,
        language,
        order_id=view.order_id,
        reason_code=view.reason_code,
        sentence=reason_sentence(view, language),
        case_id=view.case_id or "-",
    )
    return SellerReply(reply_subject, body, language)
