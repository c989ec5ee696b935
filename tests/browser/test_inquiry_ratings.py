""""Was this helpful?" at the end of a resolved inquiry (issue 17, item 5), in
Chromium against the real processes (`rasa run`, the action server, the web
app): the widget's question after the bot's answer and after a seller's answer
pushed into the open chat, the answer email's one-click links, a forgery from
another chat, and the agent console's rating column, filter and CSAT charts."""

from __future__ import annotations

import email
import re
import time
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect
from sqlalchemy import create_engine, select

from bot.adapters.orm import InquiryRow, RatingRow
from tests.browser.conftest import AGENT, SELLER_A, UI_TIMEOUT_MS, screenshot
from tests.browser.pages import case_of, conversation, login, open_chat, say

ASKED = ".csba-msg-notice[data-ask=helpful]"


def _rows(stack, table, conversation_id: str) -> list:
    engine = create_engine(stack.database_url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(table.__table__)
                .where(table.conversation_id == conversation_id)
                .order_by(table.id)
            ).all()
    finally:
        engine.dispose()


def _ratings(stack, conversation_id: str) -> list[tuple[str, int, int]]:
    rows = _rows(stack, RatingRow, conversation_id)
    return [(row.subject, row.subject_id, row.value) for row in rows]


def _answer(ask, answer: str) -> None:
    ask.locator("button", has_text=answer).click()
    expect(ask).to_have_attribute("data-rated", answer.lower())


def test_the_widget_asks_after_the_answer_and_keeps_one_answer(new_page, web_stack):
    page = new_page()
    open_chat(page, "B-1")
    replies = say(page, "Where is my order 112-0000003-0000003?")
    assert any("USPS" in reply for reply in replies), replies
    ask = page.locator(ASKED)
    expect(ask).to_have_count(1)
    expect(ask).to_contain_text("Was this helpful?")
    # the question comes after the answer, at the end of the log
    last = page.locator(".csba-log > *").last
    assert last.get_attribute("data-ask") == "helpful"
    conversation_id = conversation(page)
    [inquiry] = _rows(web_stack, InquiryRow, conversation_id)
    assert (inquiry.route, inquiry.reason_code) == ("bot", "in_transit")
    assert ask.get_attribute("data-inquiry") == str(inquiry.id)

    _answer(ask, "No")
    assert _ratings(web_stack, conversation_id) == [("inquiry", inquiry.id, 0)]
    screenshot(page, "rating-widget-no")
    _answer(ask, "Yes")  # the other answer stays open: it changes the rating
    assert _ratings(web_stack, conversation_id) == [("inquiry", inquiry.id, 1)]
    expect(ask).to_contain_text("We are glad we could help")
    screenshot(page, "rating-widget-changed-to-yes")

    # typed, a rating is only words: no intent, no rating
    say(page, f'/rate{{"inquiry": {inquiry.id}, "helpful": "no"}}')
    assert _ratings(web_stack, conversation_id) == [("inquiry", inquiry.id, 1)]

    # another chat, with its own valid token and the page's CSRF token, cannot
    # rate this chat's inquiry
    stranger = new_page()
    open_chat(stranger, "B-2")
    forged = stranger.evaluate(
        """async (inquiry) => {
            const token = (await (await fetch('/chat/token')).json()).token;
            const csrf = document.querySelector('meta[name="csrf-token"]').content;
            const body = new URLSearchParams({helpful: 'no', inquiry: String(inquiry)});
            const response = await fetch('/chat/rating', {method: 'POST', body,
                headers: {Authorization: 'Bearer ' + token, 'X-CSRF-Token': csrf}});
            return [response.status, (await response.json()).ok];
        }""",
        inquiry.id,
    )
    assert forged == [409, False]
    assert _ratings(web_stack, conversation_id) == [("inquiry", inquiry.id, 1)]


def test_a_sellers_answer_in_the_open_chat_asks_about_its_inquiry(
    new_page, web_stack
):
    buyer = new_page()
    open_chat(buyer, "B-1")
    say(buyer, "Please cancel order 112-0000002-0000002, I ordered the wrong one")
    conversation_id = conversation(buyer)
    case = case_of(web_stack, conversation_id)
    assert case is not None, web_stack.logs()
    expect(buyer.locator(ASKED)).to_have_count(0)  # waiting for the seller

    seller = new_page()
    login(seller, SELLER_A[0])
    seller.goto(f"/seller/cases/{case.id}")
    seller.fill("#reply-text", "It arrives tomorrow, sorry for the wait.")
    seller.click(".reply-form button[type=submit]")

    ask = buyer.locator(ASKED)
    expect(ask).to_have_count(1, timeout=UI_TIMEOUT_MS)
    [inquiry] = [
        row for row in _rows(web_stack, InquiryRow, conversation_id)
        if row.case_id == case.id
    ]  # fmt: skip
    assert ask.get_attribute("data-inquiry") == str(inquiry.id)
    _answer(ask, "Yes")
    assert _ratings(web_stack, conversation_id) == [("inquiry", inquiry.id, 1)]
    screenshot(buyer, "rating-widget-after-seller-answer")


def _answer_mail(outbox: Path, case_id: int):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob("*.eml")):
            mail = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if mail["X-CSBA-Event"] == "buyer_answer" and mail["X-CSBA-Case-Id"] == str(
                case_id
            ):
                return mail
        time.sleep(0.2)
    raise AssertionError(f"no answer email for case {case_id} in {outbox}")


def test_the_answer_email_rates_in_one_click_and_the_console_shows_it(
    new_page, web_stack
):
    buyer = new_page()
    open_chat(buyer, "B-1")
    # with the new address: without it, the bot asks for it before the case
    say(
        buyer,
        "Please ship order 112-0000002-0000002 to my office at 12 Office Park Dr,"
        " Seattle WA 98109 instead",
    )
    conversation_id = conversation(buyer)
    case = case_of(web_stack, conversation_id)
    assert case is not None, web_stack.logs()
    buyer.close()  # the buyer leaves: the answer goes by email

    seller = new_page()
    login(seller, SELLER_A[0])
    seller.goto(f"/seller/cases/{case.id}")
    seller.fill("#reply-text", "Cancelled; the refund is on its way.")
    seller.click(".reply-form button[type=submit]")

    mail = _answer_mail(web_stack.workdir / "var" / "outbox", case.id)
    [inquiry] = [
        row for row in _rows(web_stack, InquiryRow, conversation_id)
        if row.case_id == case.id
    ]  # fmt: skip
    assert mail["X-CSBA-Inquiry-Id"] == str(inquiry.id)
    links = dict(re.findall(r"^(Yes|No): (http\S+)$", mail.get_content(), re.M))
    no = urlsplit(links["No"])

    reader = new_page()  # the buyer's mail client opens the link
    reader.goto(f"{no.path}?{no.query}")
    expect(reader.locator(".rating-page")).to_have_attribute("data-answered", "no")
    assert _ratings(web_stack, conversation_id) == [("inquiry", inquiry.id, 0)]
    screenshot(reader, "rating-email-link-no")
    reader.click("#rating-change")
    expect(reader.locator(".rating-page")).to_have_attribute("data-answered", "yes")
    assert _ratings(web_stack, conversation_id) == [("inquiry", inquiry.id, 1)]
    # an altered link rates nothing
    token = no.path.rsplit("/", 1)[1]
    head, claims, signature = token.split(".")
    reader.goto(f"/rate/{head}.{claims}.{signature[::-1]}?helpful=no")
    expect(reader.locator("#rating-message")).to_contain_text("not valid")
    assert _ratings(web_stack, conversation_id) == [("inquiry", inquiry.id, 1)]

    agent = new_page()
    login(agent, AGENT)
    agent.goto("/agent?rating=helpful")
    row = agent.locator(f"tr[data-conversation='{conversation_id}']")
    expect(row.locator("td.rating")).to_have_attribute("data-rating", "helpful")
    screenshot(agent, "rating-console-filter-helpful")
    agent.goto("/agent?rating=not_helpful")
    expect(agent.locator(f"tr[data-conversation='{conversation_id}']")).to_have_count(0)
    agent.goto("/agent/dashboard?date_from=2026-11-01&date_to=2026-11-30")
    csat = agent.locator("#csat")
    expect(csat.locator("li[data-route=seller_case]")).to_have_count(1)
    expect(csat.locator("li[data-reason=address_change_request]")).to_have_count(1)
    assert csat.locator("svg").count() == 2
    screenshot(agent, "rating-dashboard-csat")
