"""Buyers by email (issue 17, part 1), end to end: a private Dovecot holds the
support mailbox, a real SMTP server (aiosmtpd) takes the answers, and `csba
mail poll` runs as its own process against the e2e stack's Rasa, action
server and database.

- a buyer's mail opens a case; the answer is threaded and names the case; the
  seller's answer reaches the buyer by email in the same thread;
- a reply in the thread continues the conversation, and its photo goes to
  the case;
- auto-replies, bounces, lists and our own mails get nothing back;
- an unknown sender gets the polite "use the chat" answer and reaches no bot;
- a poller killed in the middle of a batch, then restarted, answers every
  mail once and runs every turn once.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from PIL import Image
from sqlalchemy import create_engine, select

from bot.adapters.clock import parse_instant
from bot.adapters.db import session_scope
from bot.adapters.orm import (
    CaseAttachmentRow,
    CaseMessageRow,
    InboundEmailRow,
    SellerTransferRow,
)
from bot.services.case_answers import deliver_answer
from bot.services.cases import reply
from tests.e2e.conftest import JWT_SECRET, Stack
from tools.devstack import DEMO_NOW, PROJECT_ROOT, command, csba_env, free_ports
from tools.maildev import Dovecot, buyer_mail, start

SUPPORT = "support@shop.example"
TRANSFERS = "transfers@shop.example"
POLL_TIMEOUT = 180


class Sink:
    """An aiosmtpd handler that keeps every mail it accepts."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        mail = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.mails.append(mail)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.mails if address in str(m["To"])]

    def replying_to(self, message_id: str) -> list[EmailMessage]:
        with self.lock:
            # a long header may be folded: compare without the whitespace
            return [m for m in self.mails if str(m["In-Reply-To"]).strip() == message_id]


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Dovecot]:
    # Not under pytest's tmp_path: Dovecot's own user must traverse the
    # directories above its mail, and pytest keeps its root at 0700.
    directory = Path(tempfile.mkdtemp(prefix="csba-dovecot-"))
    (port,) = free_ports(1)
    server = start(directory, port)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def sink() -> Iterator[tuple[Sink, int]]:
    (port,) = free_ports(1)
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def poller_env(bot: Stack, mailbox: Dovecot, sink) -> dict[str, str]:
    _, smtp_port = sink
    return csba_env(
        bot.workdir,
        JWT_SECRET,
        IMAP_URL=mailbox.url(),
        SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        RASA_URL=bot.rasa_url,
        RASA_TOKEN=bot.api_token,
        CSBA_SUPPORT_ADDRESS=SUPPORT,
        CSBA_TRANSFER_ADDRESS=TRANSFERS,
        CSBA_MAIL_FROM=SUPPORT,
    )


def poll_once(env: dict[str, str]) -> str:
    result = subprocess.run(
        [*command("csba"), "mail", "poll", "--once"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=POLL_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def rows(bot: Stack) -> list[InboundEmailRow]:
    engine = create_engine(f"sqlite:///{bot.workdir / 'csba.db'}", future=True)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(InboundEmailRow.__table__)).all())
    finally:
        engine.dispose()


def row_of(bot: Stack, message_id: str):
    found = [r for r in rows(bot) if r.message_id == message_id]
    assert len(found) == 1, found
    return found[0]


def deliver(mailbox: Dovecot, mail: EmailMessage) -> str:
    mailbox.append(bytes(mail))
    return str(mail["Message-ID"])


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_mail_opens_a_case_and_the_answers_stay_in_its_thread(
    bot: Stack, mailbox: Dovecot, sink, poller_env
):
    smtp, _ = sink
    first = deliver(
        mailbox,
        buyer_mail(
            "Bob Martinez <bob@example.com>",
            "Hi,\nthe kettle from order 113-0000006-0000006 arrived with a dent.\n\n"
            "-- \nBob\n",
            to=SUPPORT,
            subject="Dented kettle",
        ),
    )
    out = poll_once(poller_env)
    assert "answered" in out, out
    (answer,) = smtp.replying_to(first)
    row = row_of(bot, first)
    assert row.status == "answered" and row.buyer_id == "B-2", row
    slots = bot.slots(row.conversation_id)
    assert slots["reason_code"] == "damaged_seller_case", slots
    case_id = slots["case_id"]
    assert str(answer["Subject"]) == f"Re: Dented kettle [Case {case_id}]"
    assert str(answer["From"]).endswith(f"<{SUPPORT}>")
    assert str(answer["Auto-Submitted"]) == "auto-replied"
    body = answer.get_content()
    # a new case or the order's open one: both say when the buyer hears back
    assert "Hello Bob Martinez" in body and "hear back from us by email" in body, body
    tracker = bot.tracker(row.conversation_id)
    assert tracker["latest_input_channel"] == "csba_email"

    # The buyer answers in the thread, with a photo: same conversation, the
    # photo on the case.
    follow_up = buyer_mail(
        "bob@example.com",
        "Here is a photo of the dent.\n\nOn Sat, Bob wrote:\n> old text",
        to=SUPPORT,
        subject=f"Re: Dented kettle [Case {case_id}]",
        headers={"In-Reply-To": str(answer["Message-ID"]),
                 "References": f"{first} {answer['Message-ID']}"},
    )  # fmt: skip
    follow_up.add_attachment(png(), maintype="image", subtype="png", filename="dent.png")
    second = deliver(mailbox, follow_up)
    poll_once(poller_env)
    (answer2,) = smtp.replying_to(second)
    assert row_of(bot, second).conversation_id == row.conversation_id
    assert "added your photo dent.png to case" in answer2.get_content()
    engine = create_engine(f"sqlite:///{bot.workdir / 'csba.db'}", future=True)
    with engine.connect() as connection:
        photos = connection.execute(
            select(CaseAttachmentRow.__table__).where(CaseAttachmentRow.case_id == case_id)
        ).all()
    engine.dispose()
    assert len(photos) == 1, photos
    user_texts = [e.get("text") for e in bot.tracker(row.conversation_id)["events"]
                  if e.get("event") == "user"]  # fmt: skip
    assert not any("old text" in (text or "") for text in user_texts), user_texts

    # The seller answers the case: the buyer gets it by email, in the thread.
    os.environ["SMTP_URL"] = poller_env["SMTP_URL"]
    try:
        with session_scope(engine) as session:
            case = reply(session, case_id=case_id, seller_id="S-100",
                         text="We are sending a new kettle today.",
                         now=parse_instant(DEMO_NOW))  # fmt: skip

        class Settings:
            rasa_url = bot.rasa_url
            rasa_token = bot.api_token

        assert deliver_answer(case, engine=engine, settings=Settings()) == "email"
    finally:
        os.environ.pop("SMTP_URL", None)
        engine.dispose()
    answers = [m for m in smtp.to("bob@example.com") if "new kettle" in m.get_content()]
    assert len(answers) == 1, [m["Subject"] for m in smtp.to("bob@example.com")]
    assert str(answers[0]["In-Reply-To"]).strip() == str(answer2["Message-ID"]).strip()
    assert str(case_id) in str(answers[0]["Subject"])


@pytest.mark.parametrize(
    "sender,headers,reason",
    [
        ("bob@example.com", {"Auto-Submitted": "auto-replied"}, "auto_submitted"),
        ("bob@example.com", {"Precedence": "bulk"}, "bulk"),
        ("bob@example.com", {"List-Id": "<deals.example.com>"}, "mailing_list"),
        ("MAILER-DAEMON@mx.example.com", {}, "bounce"),
        (SUPPORT, {}, "own_mail"),
    ],
)
def test_machines_and_our_own_mail_get_no_answer(
    bot: Stack, mailbox: Dovecot, sink, poller_env, sender, headers, reason
):
    smtp, _ = sink
    before = len(smtp.mails)
    message_id = deliver(
        mailbox,
        buyer_mail(sender, "where is my order 113-0000004-0000004", to=SUPPORT,
                   headers=headers),
    )  # fmt: skip
    poll_once(poller_env)
    row = row_of(bot, message_id)
    assert (row.status, row.reason) == ("ignored", reason)
    assert row.conversation_id is None
    assert len(smtp.mails) == before


def test_an_unknown_sender_is_asked_to_use_the_chat(
    bot: Stack, mailbox: Dovecot, sink, poller_env
):
    smtp, _ = sink
    message_id = deliver(
        mailbox,
        buyer_mail("stranger@example.net", "where is order 112-0000001-0000001?",
                   to=SUPPORT),
    )  # fmt: skip
    poll_once(poller_env)
    (answer,) = smtp.replying_to(message_id)
    body = answer.get_content()
    assert "does not match an account" in body and "ZIP code" in body
    assert "112-0000001-0000001" not in body
    row = row_of(bot, message_id)
    assert (row.reason, row.conversation_id, row.buyer_id) == ("unknown_sender", None, None)


def test_a_crash_mid_batch_then_a_restart_answers_each_mail_once(
    bot: Stack, mailbox: Dovecot, sink, poller_env
):
    smtp, _ = sink
    texts = [
        "where is my order 112-0000003-0000003",
        "has order 112-0000002-0000002 shipped yet?",
        "I want to return order 112-0000001-0000001",
    ]
    ids = [
        deliver(mailbox, buyer_mail("alice@example.com", text, to=SUPPORT,
                                    subject=f"question {n}"))  # fmt: skip
        for n, text in enumerate(texts)
    ]
    poller = subprocess.Popen(
        [*command("csba"), "mail", "poll", "--interval", "0.2"],
        cwd=PROJECT_ROOT, env=poller_env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    # Kill it while the second mail's turn is under way (its row exists, no
    # answer stored yet).
    deadline = time.monotonic() + POLL_TIMEOUT
    killed_during = None
    while time.monotonic() < deadline:
        states = {r.message_id: r.status for r in rows(bot)}
        if states.get(ids[1]) == "received":
            os.killpg(poller.pid, signal.SIGKILL)
            killed_during = "turn"
            break
        if states.get(ids[1]) in ("replying", "answered"):
            os.killpg(poller.pid, signal.SIGKILL)
            killed_during = states.get(ids[1])
            break
        time.sleep(0.02)
    poller.wait(timeout=30)
    assert killed_during, poller.stdout.read().decode() if poller.stdout else ""
    assert len(smtp.replying_to(ids[2])) == 0, "the third mail ran before the kill"

    time.sleep(2)  # Rasa finishes the turn the dead poller had started
    poll_once(poller_env)
    poll_once(poller_env)  # nothing left: no second answer
    for message_id, text in zip(ids, texts, strict=True):
        assert len(smtp.replying_to(message_id)) == 1, (killed_during, message_id)
        row = row_of(bot, message_id)
        assert row.status == "answered"
        turns = [e for e in bot.tracker(row.conversation_id)["events"]
                 if e.get("event") == "user"]  # fmt: skip
        assert [e["text"] for e in turns] == [text], (killed_during, turns)
    if killed_during != "answered":  # it was taken up again after the restart
        assert row_of(bot, ids[1]).attempts == 2
    assert all("CsbaDone" in flags for flags in mailbox.flags())


def forwarded(seller: str, subject: str, buyer_text: str) -> EmailMessage:
    return buyer_mail(
        seller,
        "Please handle this one.\n\n---------- Forwarded message ---------\n"
        "From: Alice Johnson <alice@example.com>\nDate: Fri, 4 Dec 2026 10:00\n"
        f"Subject: {subject}\nTo: {seller}\n\n{buyer_text}\n",
        to=TRANSFERS,
        subject=f"Fwd: {subject}",
    )


def test_a_seller_forwards_a_buyers_mail_to_the_transfer_address(
    bot: Stack, mailbox: Dovecot, sink, poller_env
):
    smtp, _ = sink
    seller = "cs@hearth-kitchen.example.cn"  # S-100, who reads Chinese
    taken = deliver(
        mailbox,
        forwarded(seller, "return", "I want to return order 112-0000001-0000001, "
                  "the tumbler is the wrong colour"),
    )  # fmt: skip
    refused = deliver(
        mailbox,
        forwarded(seller, "where is it", "where is my order 112-0000009-0000009?"),
    )
    stranger = deliver(
        mailbox,
        forwarded("someone@example.org", "help", "where is order 112-0000001-0000001"),
    )
    poll_once(poller_env)

    (to_seller,) = smtp.replying_to(taken)
    body = to_seller.get_content()
    assert "CSBA 已接手关于订单 112-0000001-0000001" in body, body
    assert "return_window_open" in body
    to_buyer = [m for m in smtp.to("alice@example.com") if "112-0000001-0000001" in
                str(m["Subject"]) + m.get_content()]  # fmt: skip
    assert to_buyer, [str(m["Subject"]) for m in smtp.mails]

    (refusal,) = smtp.replying_to(refused)
    assert "CSBA 未接手" in refusal.get_content()
    assert row_of(bot, refused).status == "answered"

    (not_a_seller,) = smtp.replying_to(stranger)
    assert "Nothing was transferred" in not_a_seller.get_content()
    engine = create_engine(f"sqlite:///{bot.workdir / 'csba.db'}", future=True)
    with engine.connect() as connection:
        transfers = connection.execute(
            select(SellerTransferRow.__table__).where(SellerTransferRow.source == "email")
        ).all()
    engine.dispose()
    assert sorted((t.order_id, t.accepted) for t in transfers) == [
        ("112-0000001-0000001", True), ("112-0000009-0000009", False),
    ], transfers  # fmt: skip


def test_a_reply_picks_a_numbered_choice_and_a_follow_up_joins_the_case(
    bot: Stack, mailbox: Dovecot, sink, poller_env
):
    smtp, _ = sink
    first = deliver(
        mailbox,
        buyer_mail("chen.wei@example.com",
                   "The tent from order 114-0000013-0000013 arrived with a torn seam",
                   to=SUPPORT, subject="Torn tent"),
    )  # fmt: skip
    poll_once(poller_env)
    (question,) = smtp.replying_to(first)
    assert "1. Yes, send a replacement" in question.get_content(), question.get_content()

    def in_thread(text: str, previous: EmailMessage) -> str:
        return deliver(
            mailbox,
            buyer_mail("chen.wei@example.com", text, to=SUPPORT,
                       subject=str(previous["Subject"]),
                       headers={"In-Reply-To": str(previous["Message-ID"]).strip()}),
        )  # fmt: skip

    picked = in_thread("1\n\nOn Sat, CSBA wrote:\n> Would you like a replacement?", question)
    poll_once(poller_env)
    (answer,) = smtp.replying_to(picked)
    conversation = row_of(bot, picked).conversation_id
    slots = bot.slots(conversation)
    assert slots.get("return_resolution") == "replacement", slots
    case_id = slots["case_id"]
    assert f"[Case {case_id}]" in str(answer["Subject"])
    assert "by email" in answer.get_content()  # the email variation, not "this chat"

    news = in_thread("Any news? I need it for a trip next week.", answer)
    poll_once(poller_env)
    (joined,) = smtp.replying_to(news)
    assert f"added your message to your open case {case_id}" in joined.get_content()
    engine = create_engine(f"sqlite:///{bot.workdir / 'csba.db'}", future=True)
    with engine.connect() as connection:
        texts = connection.execute(
            select(CaseMessageRow.text).where(CaseMessageRow.case_id == case_id)
        ).scalars().all()
    engine.dispose()
    assert "Any news? I need it for a trip next week." in texts, texts
