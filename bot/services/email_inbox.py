"""Buyers by email (issue 17, part 1): a mail to the support address goes
through the same NLU, dialogue, policy and case log as a chat, and the answer
goes back by email, in the mail's thread.

`EmailInbox.process(raw)` takes one mail (the poller, `csba mail poll`, hands
over each mail of the support mailbox):

1. **No answer to machines.** Auto-replies, bounces, mailing lists and our own
   mails are recorded as `ignored` with the reason and get nothing back, so
   two robots never write to each other (bot.services.email_parsing).
2. **Identity.** The sender's address must be a buyer's email on record before
   anything about an order is said. An unknown sender gets one polite mail
   asking them to use the chat (where they verify with order number and ZIP
   code), and nothing reaches the bot.
3. **Thread.** A mail whose In-Reply-To or References name an earlier mail of
   the same buyer, or our answer to it, continues that conversation; any other
   mail starts a new one. The conversation id is the server's
   (`conversation_id_for(buyer, cid)`, one `cid` per thread).
4. **The turn.** The buyer's own words (quotes and signature cut) go to Rasa's
   email channel with a buyer token for that conversation. Photos attached to
   the mail go to the conversation's open damaged-item case, as from the
   widget.
5. **The answer** is the bot's messages, with buttons written out as replies
   to choose from, sent from the support address with `In-Reply-To`,
   `References` and the case number in the subject.

A mail to the transfer address (`CSBA_TRANSFER_ADDRESS`) is a seller
forwarding a buyer's mail: bot.services.email_transfer transfers it as the
portal's "Transfer to CSBA" does and answers the seller, in the same
transaction as the mail's record.

**Exactly once.** Each mail is a row keyed by a hash of its Message-ID,
written before anything else. The turn carries that key as its message id in
the tracker, so after a crash the turn is found there instead of run again;
the answer is stored (`replying`) before it is sent and marked `answered`
after. A crash between sending and marking is the one window in which a buyer
may get the same answer twice (with the same Message-ID, which mail clients
fold together). A turn that fails (Rasa unreachable) is retried at the next
poll, up to MAX_ATTEMPTS; then the buyer is told to use the chat.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot import config
from bot.adapters import inbound_mail_store as store
from bot.adapters.catalogue import t
from bot.adapters.db import session_scope
from bot.adapters.email import Delivery, MailSender, automatic_message
from bot.adapters.rasa_http import RasaHttp
from bot.adapters.repository import SqlRepository
from bot.domain.model import OPEN_CASE_STATUSES, Intent
from bot.nlp.follow_up import asks_for_update
from bot.services.attachments import AttachmentRejected, save_photo
from bot.services.cases import add_buyer_message
from bot.services.email_parsing import (
    ORDER_NUMBER_RE,
    InboundMail,
    clean_subject,
    parse,
)
from bot.services.email_replies import (
    choice_payload,
    encode_choices,
    reply_subject,
    thread_headers_of,
    written_out,
)
from bot.services.email_transfer import seller_of, transfer_mail
from bot.services.identity import (
    BuyerIdentity,
    conversation_id_for,
    issue_buyer_token,
)
from bot.services.languages import reader_language
from bot.services.transfer import TransferUnavailable

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
TURN_TOKEN_TTL = timedelta(minutes=10)

ANSWERED, IGNORED, DUPLICATE, RETRY = "answered", "ignored", "duplicate", "retry"
# A reply in a case's thread goes to the bot only when the NLU is this sure
# that it asks a post-order question (otherwise it joins the case's thread).
FOLLOW_UP_MIN_CONFIDENCE = 0.5
BUSINESS_INTENT_NAMES = frozenset(intent.value for intent in Intent)
# The reason of a mail to the transfer address (a seller forwarding a buyer's).
TRANSFER = "transfer"


class EmailInbox:
    def __init__(
        self,
        *,
        engine: Engine,
        rasa: RasaHttp,
        support_address: str,
        upload_dir: Path,
        now: Callable[[], datetime],
        sender: MailSender | None = None,
        transfer_address: str | None = None,
    ) -> None:
        self._engine = engine
        self._rasa = rasa
        self._support = support_address.lower()
        self._transfer = (transfer_address or "").lower() or None
        self._upload_dir = upload_dir
        self._now = now
        self._sender = sender or MailSender()

    # -- one mail -------------------------------------------------------------

    def process(self, raw: bytes) -> str:
        """ANSWERED, IGNORED, DUPLICATE (processed before) or RETRY (the
        turn failed; the mail stays in the mailbox for the next poll)."""
        own = frozenset(a for a in (self._support, self._transfer) if a)
        mail = parse(raw, own_addresses=own)
        now = self._now()
        try:
            with session_scope(self._engine) as session:
                row = store.by_key(session, mail.message_key, for_update=True)
                if row is None:
                    row = self._register(session, mail, now)
                elif row.status in (ANSWERED, IGNORED):
                    return DUPLICATE
                row.attempts += 1
                status, attempts, reason = row.status, row.attempts, row.reason
        except IntegrityError:
            # Another poller registered the same mail a moment ago: leave the
            # mail to the next poll, which finds its row.
            return RETRY
        if status == IGNORED:
            log.info("Mail %s from %s ignored: %s", mail.message_id, mail.sender, reason)
            return IGNORED
        if status == "received" and reason == TRANSFER:
            try:
                self._transfer_mail(mail)
            except TransferUnavailable as exc:
                return self._failed_turn(mail, attempts, exc)
        elif status == "received":
            try:
                replies, case_id = self._turn(mail)
            except Exception as exc:  # Rasa down, a timeout: try again later
                return self._failed_turn(mail, attempts, exc)
            self._store_answer(mail, replies, case_id)
        self._send(mail.message_key)
        return ANSWERED

    def _register(self, session: Any, mail: InboundMail, now: datetime) -> Any:
        fields = dict(
            message_key=mail.message_key,
            message_id=mail.message_id,
            sender=mail.sender,
            subject=mail.subject,
            attempts=0,
            received_at=now,
            updated_at=now,
        )
        if mail.no_reply_reason:
            return store.add(session, status=IGNORED, reason=mail.no_reply_reason, **fields)
        if self._transfer and self._transfer in mail.recipients:
            # A seller forwarding a buyer's mail (bot.services.email_transfer).
            return store.add(
                session, status="received", reason=TRANSFER,
                reply_message_id=self._reply_id(mail), **fields,
            )  # fmt: skip
        buyer_ids = store.buyer_ids_by_email(session, mail.sender)
        if not buyer_ids:
            # Nothing reaches the bot; one polite answer, in English.
            return store.add(
                session,
                status="replying",
                reason="unknown_sender",
                reply_subject=reply_subject(mail.subject, None, "en"),
                reply_text=t(
                    "email.inbound.unknown_sender", "en", chat_url=config.buyer_chat_url()
                ),
                reply_message_id=self._reply_id(mail),
                **fields,
            )
        buyer_id = buyer_ids[0]
        earlier = store.thread_of(session, buyer_id, mail.references)
        cid = earlier.thread_cid if earlier is not None else uuid.uuid4().hex
        payload = choice_payload(mail.text, earlier.reply_choices) if earlier else None
        conversation_id = conversation_id_for(
            BuyerIdentity(buyer_id, cid, now), secret=None
        )
        return store.add(
            session,
            status="received",
            buyer_id=buyer_id,
            thread_cid=cid,
            conversation_id=conversation_id,
            reply_message_id=self._reply_id(mail),
            payload=payload,
            reason="thread" if earlier is not None else None,
            **fields,
        )

    def _turn(self, mail: InboundMail) -> tuple[list[dict[str, Any]], int | None]:
        """The bot's messages; or, for a reply in a thread with an open case
        that asks the bot nothing (a photo, "any news?"), no turn and that
        case (the words join its thread: the seller reads them)."""
        with session_scope(self._engine) as session:
            row = store.by_key(session, mail.message_key)
            buyer_id, cid, conversation_id = row.buyer_id, row.thread_cid, row.conversation_id
            payload, in_thread = row.payload, row.reason == "thread"
            case_id = store.newest_case_of_conversation(
                session, conversation_id, [s.value for s in OPEN_CASE_STATUSES]
            )
        done = self._rasa.turn_replies(conversation_id, mail.message_key)
        if done is not None:
            log.info("Mail %s: the turn ran before a restart; not again", mail.message_id)
            return done, None
        if in_thread and case_id is not None and not payload:
            if mail.photos or not mail.text or not self._asks_the_bot(mail.text):
                return [], case_id
        if not (payload or mail.text):
            return [], None  # an empty mail: no turn
        token = issue_buyer_token(buyer_id, conversation=cid, ttl=TURN_TOKEN_TTL)
        return self._rasa.email_turn(token, payload or mail.text, mail.message_key), None

    def _asks_the_bot(self, text: str) -> bool:
        """Whether a reply in a case's thread asks the bot something: a
        post-order question the policy routes, or an order number. Asking how
        the case is going ("Any news? I need it for a trip") asks the seller:
        the words join the case, whatever the NLU reads them as."""
        if ORDER_NUMBER_RE.search(text):
            return True
        if asks_for_update(text):
            return False
        intent = self._rasa.parse(text.lstrip("/")).get("intent") or {}
        return (
            intent.get("name") in BUSINESS_INTENT_NAMES
            and float(intent.get("confidence") or 0) >= FOLLOW_UP_MIN_CONFIDENCE
        )

    def _failed_turn(self, mail: InboundMail, attempts: int, exc: Exception) -> str:
        log.warning(
            "Mail %s: the bot could not answer (attempt %s of %s): %s",
            mail.message_id, attempts, MAX_ATTEMPTS, exc,
        )  # fmt: skip
        with session_scope(self._engine) as session:
            row = store.by_key(session, mail.message_key, for_update=True)
            row.error = f"{type(exc).__name__}: {exc}"[:2000]
            if attempts < MAX_ATTEMPTS:
                return RETRY
            language = self._language(session, row.buyer_id)
            store.set_status(
                row, "replying", now=self._now(), reason="unavailable",
                reply_subject=reply_subject(mail.subject, None, language),
                reply_text=t("email.inbound.unavailable", language, chat_url=config.buyer_chat_url()),
            )  # fmt: skip
        self._send(mail.message_key)
        return ANSWERED

    def _transfer_mail(self, mail: InboundMail) -> None:
        """The transfer and the seller's answer, in one transaction: a crash
        before its commit leaves neither, after it both."""
        with session_scope(self._engine) as session:
            row = store.by_key(session, mail.message_key, for_update=True)
            answer = transfer_mail(
                session, sender=mail.sender, subject=clean_subject(mail.subject),
                text=mail.full_text, now=self._now(),
            )  # fmt: skip
            store.set_status(
                row, "replying", now=self._now(), reply_subject=answer.subject[:255],
                reply_text=answer.text,
            )  # fmt: skip

    def _store_answer(
        self, mail: InboundMail, replies: list[dict[str, Any]], follow_up: int | None
    ) -> None:
        with session_scope(self._engine) as session:
            row = store.by_key(session, mail.message_key, for_update=True)
            language = self._language(session, row.buyer_id)
            notes = self._attach_photos(session, mail, row.conversation_id, language)
            notes += [
                t(f"email.inbound.skipped.{f.why}", language, filename=f.filename)
                for f in mail.skipped
            ]
            if follow_up is not None and mail.text:
                add_buyer_message(session, case_id=follow_up, text=mail.text, now=self._now())
                notes.append(t("email.inbound.added_to_case", language, case_id=follow_up))
            if not replies and not notes:
                replies = [{"text": t("email.inbound.empty", language)}]
            case_id = store.newest_case_of_conversation(session, row.conversation_id)
            buyer = SqlRepository(session).get_buyer(row.buyer_id)
            text, choices = written_out(replies, language, notes)
            body = t(
                "email.inbound.body_case" if case_id else "email.inbound.body",
                language,
                buyer_name=buyer.name if buyer else "",
                replies=text,
                chat_url=config.buyer_chat_url(),
            )
            store.set_status(
                row, "replying", now=self._now(),
                reply_subject=reply_subject(mail.subject, case_id, language),
                reply_text=body, reply_choices=encode_choices(choices),
            )  # fmt: skip

    def _attach_photos(
        self, session: Any, mail: InboundMail, conversation_id: str, language: str
    ) -> list[str]:
        notes: list[str] = []
        for photo in mail.photos:
            try:
                attachment = self._save_photo(session, photo.data, conversation_id)
            except AttachmentRejected as exc:
                key = "no_case" if exc.code == "no_case" else "photo_rejected"
                notes.append(t(f"email.inbound.{key}", language, filename=photo.filename))
                if exc.code == "no_case":
                    break
                continue
            notes.append(
                t("email.inbound.photo_added", language, filename=photo.filename,
                  case_id=attachment.case_id)
            )  # fmt: skip
        return notes

    def _save_photo(self, session: Any, data: bytes, conversation_id: str) -> Any:
        """As from the widget; with several open damaged-item cases, the
        newest (a mail cannot ask which, and its thread just opened it)."""
        try:
            return save_photo(
                session, data=data, upload_dir=self._upload_dir,
                conversation_id=conversation_id, now=self._now(),
            )  # fmt: skip
        except AttachmentRejected as exc:
            if exc.code != "which_order" or not exc.choices:
                raise
            return save_photo(
                session, data=data, upload_dir=self._upload_dir,
                conversation_id=conversation_id, now=self._now(),
                case_id=exc.choices[0].case_id,
            )  # fmt: skip

    def _send(self, message_key: str) -> Delivery:
        with session_scope(self._engine) as session:
            row = store.by_key(session, message_key)
            buyer = SqlRepository(session).get_buyer(row.buyer_id) if row.buyer_id else None
            language = reader_language(buyer.language if buyer else None)
            if row.reason == TRANSFER:
                seller = seller_of(session, row.sender)
                language = seller[1] if seller else "en"
            message = automatic_message(
                sender=self._support,
                sender_name=t("email.sender_name", language),
                to=row.sender,
                to_name=buyer.name if buyer else "",
                subject=row.reply_subject,
                body=row.reply_text,
                language=language,
                headers={
                    "X-CSBA-Event": "buyer_email_reply",
                    **thread_headers_of(row.message_id),
                },
                message_id=row.reply_message_id,
                auto_submitted="auto-replied",
            )
        delivery = self._sender.deliver(message)
        with session_scope(self._engine) as session:
            row = store.by_key(session, message_key, for_update=True)
            store.set_status(row, ANSWERED, now=self._now())
        return delivery

    # -- helpers ----------------------------------------------------------------

    def _reply_id(self, mail: InboundMail) -> str:
        domain = self._support.rpartition("@")[2] or "localhost"
        return f"<csba-reply-{mail.message_key[:40]}@{domain}>"

    @staticmethod
    def _language(session: Any, buyer_id: str | None) -> str:
        buyer = SqlRepository(session).get_buyer(buyer_id) if buyer_id else None
        return reader_language(buyer.language if buyer else None)


def thread_headers(engine: Engine, conversation_id: str | None) -> dict[str, str]:
    """`In-Reply-To` and `References` for a later mail to the buyer in an
    email conversation (the seller's answer): the thread of the conversation's
    latest mail. Empty for a chat conversation."""
    if not conversation_id:
        return {}
    with session_scope(engine) as session:
        row = store.latest_of_conversation(session, conversation_id)
        if row is None:
            return {}
        return thread_headers_of(row.message_id, row.reply_message_id)
