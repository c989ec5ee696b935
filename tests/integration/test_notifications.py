"""Seller notifications through a real local SMTP server (aiosmtpd) and the
outbox, in the seller's preferred language."""

from __future__ import annotations

import email
import logging
import re
import socket
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bot.adapters.catalogue import catalogue, placeholders
from bot.adapters.db import session_scope
from bot.adapters.orm import BuyerRow, OrderRow, SellerRow
from bot.services import cases, messagebus
from bot.services.notifications import (
    EmailNotifier,
    SellerContact,
    seller_contact,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
T0 = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)  # 10:00 PST
ORDER_EN = "112-0000001-0000001"
ORDER_ZH = "112-0000002-0000002"
CATEGORY_CODES = [
    "delivery_status",
    "return_refund",
    "damaged_item",
    "cancel_order",
    "change_address",
    "product_question",
    "human_agent",
    "late_delivery",
    "item_not_returnable",
    "return_window_closed",
    "damaged_return",  # a replacement asked of the seller
    "damaged_seller_case",
    "cancel_request",
    "address_change_request",
    "detail_page_silent",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return [
            (
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content, policy=policy.default),
            )
            for envelope in self.envelopes
        ]


def only_user_with_secret(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN201
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login,
        auth_data.password,
    ) == (b"csba", b"s3cret")
    return AuthResult(success=ok, handled=False)  # unhandled: the server says 535


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server on a free local port; SMTP_URL points at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:" + str(port))
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def shop(engine):
    with session_scope(engine) as session:
        session.add_all(
            [
                SellerRow(
                    id="S-ZH",
                    name="深圳优品贸易",
                    email="zh-seller@example.cn",
                    preferred_language="zh",
                    country="CN",
                    invited=True,
                    return_window_days=30,
                    international_return_option="prepaid_label",
                ),
                SellerRow(
                    id="S-EN",
                    name="Acme Kitchen",
                    email="en-seller@example.com",
                    preferred_language="en",
                    country="US",
                    invited=True,
                    return_window_days=30,
                    international_return_option="prepaid_label",
                ),
                BuyerRow(
                    id="B-1", name="Ann", email="ann@example.com", postal_code="98101"
                ),
            ]
        )
        session.flush()
        for order_id, seller_id in ((ORDER_ZH, "S-ZH"), (ORDER_EN, "S-EN")):
            session.add(
                OrderRow(
                    id=order_id,
                    buyer_id="B-1",
                    seller_id=seller_id,
                    fulfillment="seller",
                    placed_at=datetime(2026, 11, 10, tzinfo=timezone.utc),
                    status="shipped",
                    ship_to_country="US",
                    ship_to_postal_code="98101",
                )
            )
    return engine


def open_case(engine, order_id, *, now=T0, conversation_id=None, notifier=None):
    with session_scope(engine) as session:
        return cases.open_case(
            session,
            conversation_id=conversation_id or "conv-" + order_id,
            category="delivery_status",
            reason_code="late_delivery",
            question="我的水壶在哪里?Where is my kettle?",
            now=now,
            order_id=order_id,
            notifier=notifier,
        ).case


def outbox_messages(tmp_path) -> list[EmailMessage]:
    folder = tmp_path / "var" / "outbox"
    if not folder.exists():
        return []
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def test_a_new_case_is_mailed_over_smtp_in_each_sellers_language(
    shop, smtp_server, tmp_path
):
    zh_case = open_case(shop, ORDER_ZH)
    en_case = open_case(shop, ORDER_EN)

    received = {tuple(rcpt): message for rcpt, message in smtp_server.messages()}
    assert set(received) == {("zh-seller@example.cn",), ("en-seller@example.com",)}

    zh = received[("zh-seller@example.cn",)]
    assert zh["To"].addresses[0].display_name == "深圳优品贸易"
    assert CJK.search(zh["Subject"]) and "【CSBA】" in zh["Subject"]
    assert str(zh_case.id) in zh["Subject"]
    assert zh["X-CSBA-Case-Id"] == str(zh_case.id)
    assert zh["Content-Language"] == "zh"
    body = zh.get_content()
    assert zh.get_content_charset() == "utf-8"
    assert "案例编号:" + str(zh_case.id) in body
    assert "订单编号:" + ORDER_ZH in body
    assert "配送延迟(配送状态)" in body
    assert "我的水壶在哪里?Where is my kettle?" in body
    # due 24 h later: 10:00 PST on the marketplace clock, 18:00 UTC
    assert "2026-11-27 10:00 PST" in zh["Subject"]
    assert "2026-11-27 10:00 PST(2026-11-27 18:00 UTC)" in body
    assert "/cases/" + str(zh_case.id) in body
    assert "问题日志" in body

    en = received[("en-seller@example.com",)]
    assert not CJK.search(en["Subject"])
    assert en["Subject"].strip().startswith("[CSBA] Case " + str(en_case.id) + ":")
    body = en.get_content()
    assert "Late delivery (Delivery status)" in body
    assert "Order: " + ORDER_EN in body
    assert "2026-11-27 10:00 PST (2026-11-27 18:00 UTC)" in body
    assert "Case Log" in body
    assert outbox_messages(tmp_path) == []


def test_a_repeat_sends_no_second_mail(shop, smtp_server):
    first = open_case(shop, ORDER_EN)
    again = open_case(shop, ORDER_EN)
    assert again.id == first.id
    assert len(smtp_server.envelopes) == 1


def test_escalation_is_mailed_in_the_sellers_language(shop, smtp_server):
    zh_case = open_case(shop, ORDER_ZH)
    en_case = open_case(shop, ORDER_EN)
    with session_scope(shop) as session:
        escalated = cases.sweep(session, now=T0 + (zh_case.seller_due_at - T0))
        assert {c.id for c in escalated} == {zh_case.id, en_case.id}
        assert len(smtp_server.envelopes) == 2  # nothing before the commit
    mails = {tuple(rcpt): m for rcpt, m in smtp_server.messages()[2:]}
    zh = mails[("zh-seller@example.cn",)]
    assert zh["X-CSBA-Event"] == "case_escalated"
    assert "已升级" in zh["Subject"] and str(zh_case.id) in zh["Subject"]
    assert "根据自己的判断" in zh.get_content()
    en = mails[("en-seller@example.com",)]
    assert "escalated" in en["Subject"] and str(en_case.id) in en["Subject"]
    assert "in its judgment" in en.get_content()
    with session_scope(shop) as session:
        assert cases.sweep(session, now=T0 + (zh_case.seller_due_at - T0)) == []
    assert len(smtp_server.envelopes) == 4


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_when_the_url_has_credentials(shop, monkeypatch, tmp_path):
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=only_user_with_secret,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        monkeypatch.setenv("SMTP_URL", "smtp://csba:s3cret@127.0.0.1:" + str(port))
        open_case(shop, ORDER_EN)
        assert len(inbox.envelopes) == 1
        monkeypatch.setenv("SMTP_URL", "smtp://csba:wrong@127.0.0.1:" + str(port))
        open_case(shop, ORDER_ZH)  # refused login: kept in the outbox
        assert len(inbox.envelopes) == 1
    finally:
        controller.stop()
    [kept] = outbox_messages(tmp_path)
    assert kept["To"].addresses[0].addr_spec == "zh-seller@example.cn"


def test_without_smtp_url_mail_goes_to_the_outbox(shop, tmp_path, monkeypatch):
    monkeypatch.delenv("SMTP_URL", raising=False)
    monkeypatch.setenv("CSBA_MAIL_FROM", "csba@shop.example")
    # created 10:00 PDT the day before DST ends: due 24 h later, 09:00 PST
    case = open_case(
        shop, ORDER_ZH, now=datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)
    )
    [message] = outbox_messages(tmp_path)
    assert message["To"].addresses[0].addr_spec == "zh-seller@example.cn"
    assert message["From"].addresses[0].addr_spec == "csba@shop.example"
    assert message["Message-ID"].endswith("@shop.example>")
    assert CJK.search(message["Subject"]) and str(case.id) in message["Subject"]
    assert "2026-11-01 09:00 PST(2026-11-01 17:00 UTC)" in message.get_content()

    # file names are unique even for the same case and event
    contact = SellerContact("S-ZH", "深圳优品贸易", "zh-seller@example.cn", "zh")
    notifier = EmailNotifier()
    first = notifier.case_opened(case, contact)
    second = notifier.case_opened(case, contact)
    assert first.channel == second.channel == "outbox"
    assert first.path != second.path
    folder = tmp_path / "var" / "outbox"
    assert len(list(folder.glob("*.eml"))) == 3
    assert list(folder.glob(".*.tmp")) == []


@pytest.mark.parametrize("scheme", ["smtp", "smtp+starttls"])
def test_a_failing_smtp_server_loses_no_mail(
    shop, tmp_path, monkeypatch, caplog, scheme
):
    if scheme == "smtp":  # nothing listens on the port
        port = free_port()
        controller = None
    else:  # a plain server that offers no STARTTLS
        port = free_port()
        controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
        controller.start()
    monkeypatch.setenv("SMTP_URL", scheme + "://127.0.0.1:" + str(port))
    try:
        with caplog.at_level(logging.WARNING, logger="bot.services.notifications"):
            zh_case = open_case(shop, ORDER_ZH)
            en_case = open_case(shop, ORDER_EN)
    finally:
        if controller is not None:
            controller.stop()
    kept = outbox_messages(tmp_path)
    assert sorted(m["X-CSBA-Case-Id"] for m in kept) == sorted(
        [str(zh_case.id), str(en_case.id)]
    )
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "outbox" in warnings[0].getMessage()


def test_no_mail_for_a_case_that_was_rolled_back(shop, smtp_server):
    with pytest.raises(RuntimeError):
        with session_scope(shop) as session:
            cases.open_case(
                session,
                conversation_id="c",
                category="delivery_status",
                question="?",
                now=T0,
                order_id=ORDER_EN,
            )
            assert messagebus.pending(session) == 1
            raise RuntimeError("the caller failed after opening the case")
    assert smtp_server.envelopes == []


def test_a_savepoint_rollback_drops_only_its_own_mail(shop, smtp_server):
    with session_scope(shop) as session:
        kept = cases.open_case(
            session,
            conversation_id="c1",
            category="delivery_status",
            question="?",
            now=T0,
            order_id=ORDER_EN,
        ).case
        savepoint = session.begin_nested()
        cases.open_case(
            session,
            conversation_id="c2",
            category="delivery_status",
            question="?",
            now=T0,
            order_id=ORDER_ZH,
        )
        savepoint.rollback()
        assert messagebus.pending(session) == 1
    [(rcpt, message)] = smtp_server.messages()
    assert rcpt == ["en-seller@example.com"]
    assert message["X-CSBA-Case-Id"] == str(kept.id)


def test_a_broken_outbox_never_fails_the_committed_case(shop, tmp_path, caplog):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    broken = EmailNotifier(smtp=None, outbox=not_a_folder / "outbox")
    with caplog.at_level(logging.ERROR, logger="bot.services.messagebus"):
        case = open_case(shop, ORDER_EN, notifier=broken)
    assert any(
        "send_case_opened of CaseOpened failed" in r.getMessage()
        for r in caplog.records
    )
    with session_scope(shop) as session:
        assert cases.get_case(session, case.id).id == case.id


def test_seller_contact_and_language_fallback(shop):
    with session_scope(shop) as session:
        assert seller_contact(session, "S-ZH") == SellerContact(
            "S-ZH", "深圳优品贸易", "zh-seller@example.cn", "zh"
        )
        assert seller_contact(session, "S-NONE") is None
        case = cases.open_case(
            session,
            conversation_id="x",
            category="product_question",
            reason_code="detail_page_silent",
            question="Is it BPA free?",
            now=T0,
            order_id=ORDER_EN,
            notifier=EmailNotifier(smtp=None),
        ).case
    french = SellerContact("S-EN", "Acme", "en-seller@example.com", "fr")
    message = EmailNotifier(portal_url="https://portal.example/seller/").compose(
        "case_opened", case, french
    )
    assert not CJK.search(message["Subject"])
    body = message.get_content()
    assert "Question the product detail page does not answer (Product question)" in body
    assert "https://portal.example/seller/cases/" + str(case.id) in body


def test_email_and_case_catalogues_agree_in_english_and_chinese():
    english, chinese = catalogue("en"), catalogue("zh")
    for area in ("email.", "case."):
        en_keys = {k for k in english if k.startswith(area)}
        zh_keys = {k for k in chinese if k.startswith(area)}
        assert en_keys == zh_keys
        for key in en_keys:
            assert placeholders(english[key]) == placeholders(chinese[key]), key
            assert CJK.search(chinese[key]) or not CJK.search(english[key]), key
    for code in CATEGORY_CODES:
        assert not CJK.search(english["email.category." + code])
        assert CJK.search(chinese["email.category." + code])
    for event_name in ("case_opened", "case_escalated", "buyer_added"):
        assert CJK.search(chinese["email.subject." + event_name])
        assert CJK.search(chinese["email.body." + event_name])
