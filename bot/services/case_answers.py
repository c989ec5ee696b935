"""A seller's or an agent's answer to a case reaches the buyer (issue 17: the
buyer's two-day commitment, kept).

`deliver_answer` runs after the transaction that stored the answer has
committed (the web app's background task):

1. It asks Rasa's socket.io channel whether the buyer has the conversation
   open (`POST /webhooks/csba_socketio/connected`, signed like the live
   signals).
2. It pushes the answer into the chat (bot.services.push), as before: an open
   widget shows it at once, and a closed one has it in the history.
3. Unless the chat was open, it emails the answer to the buyer's address in
   the buyer's language, with the case number in the subject
   (`BuyerMailer`, through the same MailSender as the seller emails: SMTP
   when `SMTP_URL` is set, the outbox otherwise, never lost). When the
   inquiry that opened or joined the case can be rated, the email ends with
   "Was this answer helpful?" and two one-click links, Yes and No, each with a
   signed token bound to that inquiry (bot.services.rating_links). An open
   chat asks the same in the widget instead (actions/ratings.py).

In a cluster, a socket on another Rasa replica is not seen: the buyer then
gets the email as well as the chat message (never neither). A case without a
buyer (no verified identity) gets no email; that is logged.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

from sqlalchemy.engine import Engine

from bot import config
from bot.adapters import clock
from bot.adapters.catalogue import t
from bot.adapters.db import session_scope
from bot.adapters.email import Delivery, MailSender, automatic_message
from bot.adapters.rasa_http import ask_signed
from bot.adapters.repository import SqlRepository
from bot.domain.model import Buyer, MessageAuthor
from bot.services import ratings
from bot.services.case_views import CaseView, MessageView
from bot.services.email_inbox import thread_headers
from bot.services.languages import email_language
from bot.services.push import push_case_reply
from bot.services.rating_links import rating_urls
from bot.services.ratings import InquiryView

log = logging.getLogger(__name__)

CONNECTED_PATH = "/webhooks/csba_socketio/connected"


def _buyer_and_inquiry(
    engine: Engine, case: CaseView
) -> tuple[Buyer | None, InquiryView | None]:
    """The case's buyer, and the inquiry the email may ask them to rate."""
    if not case.buyer_id:
        return None, None
    with session_scope(engine) as session:
        buyer = SqlRepository(session).get_buyer(case.buyer_id)
        inquiry = ratings.inquiry_of_case(
            session, case_id=case.id, conversation_id=case.conversation_id
        )
        if inquiry is not None:
            inquiry = ratings.rateable_inquiry(
                session,
                inquiry_id=inquiry.id,
                conversation_id=case.conversation_id,
                now=clock.now(),
            )
        return buyer, inquiry


def buyer_has_chat_open(conversation_id: str | None, settings: Any) -> bool:
    """Whether a buyer's socket is in the conversation on the Rasa replica that
    answers; False when unsure (no conversation, Rasa unreachable)."""
    if not conversation_id:
        return False
    answer = ask_signed(
        settings.rasa_url.rstrip("/") + CONNECTED_PATH,
        {"conversation_id": conversation_id},
    )
    return bool(answer) and answer.get("connected") is True


class BuyerMailer:
    """The buyer's email with an answer to their case, from the catalogue
    (bot/catalogue/<lang>/email.yml, `buyer_answer`)."""

    def __init__(self, sender: MailSender | None = None) -> None:
        self._sender = sender or MailSender()

    def compose(
        self,
        buyer: Buyer,
        case: CaseView,
        answer: MessageView,
        inquiry: InquiryView | None = None,
        thread: dict[str, str] | None = None,
    ) -> EmailMessage:
        """The email; with the one-click rating links when `inquiry` is given.
        `thread`: `In-Reply-To` and `References` when the buyer wrote by email
        (bot.services.email_inbox.thread_headers): the answer then lands in the
        buyer's mail thread, from the support address, which reads replies."""
        language = email_language(case.language, buyer.language)
        params = {
            "buyer_name": buyer.name,
            "case_id": case.id,
            "order_id": case.order_id or t("email.no_order", language),
            "answer": answer.text,
            "who": t(f"email.answer_from.{answer.author.value}", language),
            "chat_url": config.buyer_chat_url(),
        }
        key = "email.body.buyer_answer_thread" if thread else "email.body.buyer_answer"
        body = t(key, language, **params)
        headers = {
            "X-CSBA-Event": "buyer_answer",
            "X-CSBA-Case-Id": str(case.id),
            **(thread or {}),
        }
        if inquiry is not None:
            urls = rating_urls(inquiry, language=language, now=clock.now())
            body += t(
                "email.rating",
                language,
                rate_yes_url=urls["yes"],
                rate_no_url=urls["no"],
            )
            headers["X-CSBA-Inquiry-Id"] = str(inquiry.id)
        return automatic_message(
            sender=config.support_address() if thread else config.mail_from(),
            sender_name=t("email.sender_name", language),
            to=buyer.email,
            to_name=buyer.name,
            subject=t("email.subject.buyer_answer", language, **params),
            body=body,
            language=language,
            headers=headers,
        )

    def send(
        self,
        buyer: Buyer,
        case: CaseView,
        answer: MessageView,
        inquiry: InquiryView | None = None,
        thread: dict[str, str] | None = None,
    ) -> Delivery:
        return self._sender.deliver(self.compose(buyer, case, answer, inquiry, thread))


def latest_answer(case: CaseView) -> MessageView | None:
    """The case's latest message by its seller or an agent."""
    for message in reversed(case.messages):
        if message.author in (MessageAuthor.SELLER, MessageAuthor.AGENT):
            return message
    return None


def deliver_answer(
    case: CaseView,
    *,
    engine: Engine,
    settings: Any,
    mailer: BuyerMailer | None = None,
) -> str:
    """Push the case's latest answer into the chat, and email it unless the
    buyer has the chat open. "chat", "email" or "none" (no buyer to write to,
    no answer). Never raises."""
    try:
        answer = latest_answer(case)
        if answer is None:
            return "none"
        chat_open = buyer_has_chat_open(case.conversation_id, settings)
        push_case_reply(case, settings=settings)
        if chat_open:
            return "chat"
        buyer, inquiry = _buyer_and_inquiry(engine, case)
        if buyer is None:
            log.info("Case %s: no buyer on record, so no email with the answer", case.id)
            return "none"
        thread = thread_headers(engine, case.conversation_id)
        (mailer or BuyerMailer()).send(buyer, case, answer, inquiry, thread)
        return "email"
    except Exception:
        log.exception("Case %s: the answer could not be delivered to the buyer", case.id)
        return "none"
