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
   when `SMTP_URL` is set, the outbox otherwise, never lost).

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
from bot.adapters.catalogue import language_or_default, t
from bot.adapters.db import session_scope
from bot.adapters.email import Delivery, MailSender, automatic_message
from bot.adapters.rasa_http import ask_signed
from bot.adapters.repository import SqlRepository
from bot.domain.model import Buyer, MessageAuthor
from bot.services.case_views import CaseView, MessageView
from bot.services.email_inbox import thread_headers
from bot.services.push import push_case_reply

log = logging.getLogger(__name__)

CONNECTED_PATH = "/webhooks/csba_socketio/connected"


def _buyer(engine: Engine, buyer_id: str | None) -> Buyer | None:
    if not buyer_id:
        return None
    with session_scope(engine) as session:
        return SqlRepository(session).get_buyer(buyer_id)


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
        thread: dict[str, str] | None = None,
    ) -> EmailMessage:
        language = language_or_default(buyer.language)
        params = {
            "buyer_name": buyer.name,
            "case_id": case.id,
            "order_id": case.order_id or t("email.no_order", language),
            "answer": answer.text,
            "who": t(f"email.answer_from.{answer.author.value}", language),
            "chat_url": config.buyer_chat_url(),
        }
        return automatic_message(
            sender=config.mail_from(),
            sender_name=t("email.sender_name", language),
            to=buyer.email,
            to_name=buyer.name,
            subject=t("email.subject.buyer_answer", language, **params),
            body=t("email.body.buyer_answer", language, **params),
            language=language,
            headers={
                "X-CSBA-Event": "buyer_answer",
                "X-CSBA-Case-Id": str(case.id),
                **(thread or {}),
            },
        )

    def send(
        self,
        buyer: Buyer,
        case: CaseView,
        answer: MessageView,
        thread: dict[str, str] | None = None,
    ) -> Delivery:
        """`thread`: `In-Reply-To` and `References` when the buyer wrote by
        email (bot.services.email_inbox.thread_headers), so that the answer
        lands in the buyer's mail thread."""
        return self._sender.deliver(self.compose(buyer, case, answer, thread))


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
        buyer = _buyer(engine, case.buyer_id)
        if buyer is None:
            log.info("Case %s: no buyer on record, so no email with the answer", case.id)
            return "none"
        thread = thread_headers(engine, case.conversation_id)
        (mailer or BuyerMailer()).send(buyer, case, answer, thread)
        return "email"
    except Exception:
        log.exception("Case %s: the answer could not be delivered to the buyer", case.id)
        return "none"
