"""A seller transfers buyers' inquiries to CSBA in Chromium (issue 17, part 2),
against the real stack of tests/browser/conftest.py: the web app classifies the
buyer's text with the running Rasa model (`POST /model/parse`), the triage runs
on the demo data at the demo clock, and the transfer is written to the tracker
store of the running Rasa.

- Accepted: the seller's own covered, unshipped order and a cancellation: a
  seller case, the chat's answer emailed to the buyer, the conversation on the
  channel `seller_transfer` in the agent console.
- Refused: an FBA order (the policy's reason code and sentence), another
  seller's order (`order_not_found`, nothing about it), and a form error that
  keeps what the seller typed.
"""

from __future__ import annotations

import email
import re
import time
from datetime import datetime, timezone
from email import policy

from playwright.sync_api import expect
from sqlalchemy import create_engine, select

from bot.adapters.orm import CaseMessageRow, CaseRow, SellerTransferRow
from tests.browser.conftest import AGENT, PASSWORD, screenshot
from tests.browser.pages import XSS, login

OWN = ("seller-t1", "S-100")  # demo: enrolled since January, orders of B-1, B-2, B-3
FBA_SELLER = ("seller-t4", "S-400")  # demo: 112-0000009-0000009 is FBA
UNSHIPPED = "112-0000002-0000002"  # S-100, buyer B-1 (alice@example.com)
FBA_ORDER = "112-0000009-0000009"
OTHER_SELLERS = "114-0000011-0000011"  # S-200's


def _account(database_url: str, account: tuple[str, str]) -> None:
    from bot.adapters.db import make_engine, session_scope
    from bot.services.users import add_user

    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            add_user(session, username=account[0], password=PASSWORD, role="seller",
                     seller_id=account[1], language="en", now=datetime.now(timezone.utc))  # fmt: skip
    finally:
        engine.dispose()


def _row(database_url: str, table, *where):  # noqa: ANN001, ANN202
    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(select(table.__table__).where(*where)).first()
    finally:
        engine.dispose()


def _buyer_mails(workdir, order_id: str, event: str = "transfer_answer") -> list:
    folder = workdir / "var" / "outbox"
    mails = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ] if folder.exists() else []  # fmt: skip
    return [m for m in mails if m["X-CSBA-Event"] == event and order_id in m["Subject"]]


def wait_for_mail(workdir, event: str, order_id: str, seconds: float = 30) -> list:
    deadline = time.monotonic() + seconds
    while not (found := _buyer_mails(workdir, order_id, event)):
        assert time.monotonic() < deadline, f"no {event} mail about {order_id}"
        time.sleep(0.2)
    return found


def _transfer(page, order_id: str, message: str) -> int:
    page.click("nav.topnav a[href='/seller/transfer']")
    page.fill("#order-number", order_id)
    page.fill("#buyer-message", message)
    page.click(".transfer-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/seller/transfers/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_csba_takes_the_sellers_own_covered_order(new_page, web_stack):
    _account(web_stack.database_url, OWN)
    seller = new_page()
    login(seller, OWN[0])
    text = "Hi, please cancel my order, I ordered the wrong one by mistake. Thanks, Alice"
    transfer_id = _transfer(seller, UNSHIPPED, text)

    outcome = seller.locator("#transfer-outcome")
    expect(outcome).to_have_attribute("data-accepted", "yes")
    expect(seller.locator("#reason-code")).to_have_text("cancel_request")
    expect(seller.locator("#reason-sentence")).to_contain_text(
        f"Order {UNSHIPPED} has not shipped yet"
    )
    expect(seller.locator("#buyer-answered")).to_have_text(
        "CSBA emailed its answer to the buyer."
    )
    screenshot(seller, "transfer-1-accepted")

    row = _row(web_stack.database_url, SellerTransferRow, SellerTransferRow.id == transfer_id)
    assert row.accepted and row.intent == "cancel_order", row
    assert (row.transferred_by, row.source, row.seller_id) == (OWN[0], "portal", OWN[1])
    case = _row(web_stack.database_url, CaseRow, CaseRow.id == row.case_id)
    assert case.seller_id == OWN[1] and case.buyer_id == "B-1"
    assert case.category == "cancel_order" and case.reason_code == "cancel_request"

    # the case in the seller's case log, with the buyer's words
    seller.click("#transfer-case a")
    expect(seller).to_have_url(re.compile(rf"/seller/cases/{case.id}$"))
    expect(seller.locator("ol.messages li.from-buyer p.text").last).to_have_text(text)

    # the buyer's email: the chat's own answer, and the case
    mails = _buyer_mails(web_stack.workdir, UNSHIPPED)
    assert len(mails) == 1, web_stack.logs()
    mail = mails[0]
    assert mail["To"].addresses[0].addr_spec == "alice@example.com"
    body = mail.get_content()
    assert f"Order {UNSHIPPED} hasn't shipped yet, so I've asked the seller to cancel it." in body
    assert "Shenzhen Hearth Kitchenware Co. passed your message" in body
    assert f"“{text}”" in body
    # The browser tests share one shop: an earlier test may have opened the
    # cancellation case of this order already, which the transfer then joins.
    engine = create_engine(web_stack.database_url, future=True)
    with engine.connect() as conn:
        first = conn.execute(
            select(CaseMessageRow.text)
            .where(CaseMessageRow.case_id == case.id)
            .order_by(CaseMessageRow.id)
        ).scalars().first()
    engine.dispose()
    if first == text:
        assert f"Your case number is {case.id}." in body, body
    else:
        assert f"We added your message to your open case {case.id}." in body, body

    # the seller's answer to the case reaches the buyer by email, as any case's
    seller.fill("#reply-text", "Cancelled, no charge. Sorry for the trouble!")
    seller.click(".reply-form button[type=submit]")
    expect(seller.locator(".notice")).to_have_text("Your reply was sent.")
    # (an earlier test's answer about the same order may be in the outbox too)
    reply = "Cancelled, no charge. Sorry for the trouble!"
    deadline = time.monotonic() + 30
    while not any(
        reply in m.get_content()
        for m in _buyer_mails(web_stack.workdir, UNSHIPPED, "buyer_answer")
    ):
        assert time.monotonic() < deadline, "no buyer_answer mail with the reply"
        time.sleep(0.2)

    # the conversation in the tracker store, on the channel seller_transfer
    tracker = web_stack.tracker(row.conversation_id)
    assert tracker["latest_input_channel"] == "seller_transfer"
    assert tracker["slots"]["route"] == "seller_case"
    assert tracker["slots"]["reason_code"] == "cancel_request"
    assert tracker["slots"]["case_id"] == str(case.id)

    # ... which agents see like any other conversation
    agent = new_page()
    login(agent, AGENT)
    agent.goto("/agent")
    line = agent.locator(f"tr[data-conversation='{row.conversation_id}']")
    expect(line).to_be_visible()
    expect(line).to_have_attribute("data-route", "seller_case")
    expect(line).to_contain_text("seller_transfer")
    line.locator("a").first.click()
    expect(agent.locator("li.event.buyer p.text").first).to_have_text(text)
    expect(agent.locator("li.event.decision").first).to_contain_text("seller_case")
    screenshot(agent, "transfer-2-agent-transcript")


def test_csba_refuses_an_fba_order_with_the_reason(new_page, web_stack):
    _account(web_stack.database_url, FBA_SELLER)
    seller = new_page()
    login(seller, FBA_SELLER[0])
    transfer_id = _transfer(seller, FBA_ORDER, "I want to return these earbuds, they don't fit")
    expect(seller.locator("#transfer-outcome")).to_have_attribute("data-accepted", "no")
    expect(seller.locator("#reason-code")).to_have_text("fba_order")
    expect(seller.locator("#reason-sentence")).to_have_text(
        f"Order {FBA_ORDER} is fulfilled by Amazon (FBA). The CSBA service description "
        "says CSBA only supports post-order queries for self-fulfilled orders and "
        "sellers still answer FBA order inquiries in Buyer-Seller Messaging, so the "
        "seller handles it there."
    )
    expect(seller.locator("#buyer-answered")).to_have_count(0)
    screenshot(seller, "transfer-3-refused-fba")

    row = _row(web_stack.database_url, SellerTransferRow, SellerTransferRow.id == transfer_id)
    assert not row.accepted and row.case_id is None and row.return_id is None
    assert _buyer_mails(web_stack.workdir, FBA_ORDER) == []
    tracker = web_stack.tracker(row.conversation_id)
    assert tracker["latest_input_channel"] == "seller_transfer"
    assert tracker["slots"]["reason_code"] == "fba_order"

    # the history lists it, refused
    seller.click("nav.topnav a[href='/seller/transfer']")
    history = seller.locator(f"#transfer-history tr.transfer:has(a[href='/seller/transfers/{transfer_id}'])")
    expect(history).to_have_attribute("data-accepted", "no")
    expect(history).to_contain_text("fba_order")


def test_another_sellers_order_is_refused_and_the_form_keeps_what_was_typed(
    new_page, web_stack
):
    _account(web_stack.database_url, ("seller-t1b", OWN[1]))
    seller = new_page()
    login(seller, "seller-t1b")

    # a bad order number: named, and the buyer's text (markup, shown as text) kept
    seller.click("nav.topnav a[href='/seller/transfer']")
    seller.fill("#order-number", "114-11")
    seller.fill("#buyer-message", XSS)
    seller.click(".transfer-form button[type=submit]")
    expect(seller.locator("#transfer-error")).to_have_text(
        "Order number: “114-11” is not an order number (like 112-0000001-0000001)."
    )
    expect(seller.locator("#buyer-message")).to_have_value(XSS)
    expect(seller.locator("#order-number")).to_have_value("114-11")
    assert seller.evaluate("window.__xss") is None
    screenshot(seller, "transfer-4-form-error")

    seller.fill("#order-number", OTHER_SELLERS)
    seller.fill("#buyer-message", "Where is my tent? It has not arrived")
    seller.click(".transfer-form button[type=submit]")
    expect(seller.locator("#transfer-outcome")).to_have_attribute("data-accepted", "no")
    expect(seller.locator("#reason-code")).to_have_text("order_not_found")
    expect(seller.locator("#reason-sentence")).to_have_text(
        f"Order {OTHER_SELLERS} is not one of your orders. CSBA takes inquiries about "
        "your own orders only; check the order number."
    )
    screenshot(seller, "transfer-5-refused-not-yours")
