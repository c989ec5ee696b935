"""The buyer chat widget in a real browser, against real Rasa, action-server and
web processes (tests/browser/conftest.py), through the project's socket.io
channel: a seller_case chat, history after a reload, an XSS payload, a photo
upload, and the live push of a seller's reply."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import create_engine, select

from bot.adapters.orm import CaseAttachmentRow
from tests.browser.conftest import SELLER_A, UI_TIMEOUT_MS, screenshot
from tests.browser.pages import (
    WIDGET,
    XSS,
    case_of,
    conversation,
    login,
    open_chat,
    say,
)


def test_buyer_chat_through_a_seller_case_route(new_page, web_stack):
    page = new_page()
    open_chat(page, "B-2")
    expect(page.locator(".csba-log")).to_have_attribute("aria-live", "polite")
    # the typing indicator shows from the moment a message is sent
    typing = page.evaluate(
        """() => {
            document.getElementById('csba-input').value = 'Hello';
            document.querySelector('.csba-compose').requestSubmit();
            return [document.getElementById('csba-widget').getAttribute('data-typing'),
                    document.querySelector('.csba-typing').hidden];
        }"""
    )
    assert typing == ["1", False]
    expect(page.locator(".csba-typing")).to_be_hidden()
    expect(page.locator(".csba-msg-bot")).not_to_have_count(0)
    replies = say(page, "Where is my order 113-0000004-0000004? It is late")
    joined = " ".join(replies)
    case = case_of(web_stack, conversation(page))
    assert case is not None, f"no case opened; the bot said {replies}\n{web_stack.logs()}"
    assert case.reason_code == "late_delivery" and case.seller_id == "S-100"
    assert f"case number is {case.id}" in joined, joined
    assert "24 hours" in joined
    # the typing indicator is gone once the bot is done
    expect(page.locator(".csba-typing")).to_be_hidden()
    screenshot(page, "buyer-chat-seller-case")


def test_reload_keeps_the_history(new_page):
    page = new_page()
    open_chat(page, "B-1")
    replies = say(page, "Where is my order 112-0000003-0000003?")
    assert replies
    before = page.locator(".csba-msg .csba-bubble").all_text_contents()
    conversation_id = conversation(page)
    page.reload()
    # the widget reopens by itself and restores the conversation from the server
    expect(page.locator(".csba-status")).to_have_attribute("data-state", "online")
    expect(page.locator(".csba-msg-user .csba-bubble").first).to_have_text(
        "Where is my order 112-0000003-0000003?"
    )
    after = page.locator(".csba-msg .csba-bubble").all_text_contents()
    assert after == before
    assert conversation(page) == conversation_id
    screenshot(page, "buyer-chat-after-reload")


def test_quick_replies_disable_once_used(new_page):
    page = new_page()
    open_chat(page, "B-1")
    say(page, "I want to return something")
    buttons = page.locator(".csba-quick-reply:not([disabled])")
    expect(buttons.first).to_be_visible()
    title = buttons.first.text_content()
    before = page.locator(".csba-msg-bot").count()
    buttons.first.click()
    expect(page.locator(".csba-msg-user .csba-bubble").last).to_have_text(title)
    page.wait_for_function(
        "n => document.querySelectorAll('.csba-msg-bot').length > n", arg=before
    )
    # the group of the clicked button (the chat's greeting has one of its own)
    clicked_group = page.locator(".csba-quick-replies").filter(
        has=page.locator(".csba-chosen")
    )
    expect(clicked_group).to_have_count(1)
    assert clicked_group.locator("button:not([disabled])").count() == 0
    screenshot(page, "buyer-chat-quick-replies")


def test_xss_payload_is_shown_as_text_and_runs_nothing(new_page):
    page = new_page()
    open_chat(page)
    say(page, XSS)
    bubble = page.locator(".csba-msg-user .csba-bubble").last
    expect(bubble).to_have_text(XSS)
    assert page.locator(".csba-log img, .csba-log script, .csba-log b").count() == 0
    assert page.evaluate("window.__xss") is None
    page.reload()  # and again from the history
    expect(page.locator(".csba-msg-user .csba-bubble").first).to_have_text(XSS)
    assert page.locator(".csba-log img, .csba-log script, .csba-log b").count() == 0
    assert page.evaluate("window.__xss") is None
    screenshot(page, "buyer-chat-xss-as-text")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_photo_upload_attaches_to_the_damaged_item_case(new_page, web_stack):
    page = new_page()
    open_chat(page, "B-3")
    replies = say(page, "My food storage bags from order 114-0000007-0000007 arrived torn and damaged")
    case = case_of(web_stack, conversation(page))
    assert case is not None and case.category == "damaged_item", (replies, web_stack.logs())
    page.set_input_files(
        ".csba-photo", files=[{"name": "torn.png", "mimeType": "image/png", "buffer": _png()}]
    )
    notice = page.locator(".csba-msg-notice[data-upload]")
    expect(notice).to_have_attribute("data-upload", "ok")
    expect(notice).to_contain_text(f"case {case.id}")
    engine = create_engine(web_stack.database_url, future=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(CaseAttachmentRow.__table__).where(CaseAttachmentRow.case_id == case.id)
            ).all()
    finally:
        engine.dispose()
    assert len(rows) == 1 and rows[0].content_type == "image/png"
    assert (web_stack.upload_dir / rows[0].stored_name).read_bytes() == _png()
    # a file that only claims to be a picture is refused, politely
    page.set_input_files(
        ".csba-photo",
        files=[{"name": "fake.png", "mimeType": "image/png", "buffer": b"<script>x</script>"}],
    )
    expect(page.locator(".csba-msg-notice[data-upload=rejected]")).to_contain_text("JPEG or PNG")
    screenshot(page, "buyer-chat-photo-upload")
    # the confirmation is part of the chat: a reload shows it again, after
    # the buyer's words about the damage; the refused file left nothing
    page.reload()
    expect(page.locator(WIDGET)).to_have_attribute("data-history", re.compile(r"[1-9]"))
    notices = page.locator(".csba-msg-notice")
    expect(notices).to_have_count(1)
    expect(notices).to_contain_text(f"case {case.id}")
    order = page.evaluate(
        """() => Array.from(document.querySelectorAll('.csba-log > li'))
                 .map(li => li.className.includes('notice') ? 'notice'
                      : li.className.includes('user') ? 'user' : 'bot')"""
    )
    assert order.index("user") < order.index("notice"), order
    screenshot(page, "buyer-chat-photo-after-reload")


def test_seller_reply_appears_in_the_buyers_open_chat(new_page, web_stack):
    buyer = new_page()
    open_chat(buyer, "B-2")
    say(buyer, "Where is my order 113-0000004-0000004? It is late")
    case = case_of(web_stack, conversation(buyer))
    assert case is not None, web_stack.logs()

    seller = new_page()
    login(seller, SELLER_A[0])
    seller.goto(f"/seller/cases/{case.id}")
    screenshot(seller, "seller-case-before-reply")
    reply = "We re-shipped it today with express delivery."
    seller.fill("#reply-text", reply)
    seller.click(".reply-form button[type=submit]")
    screenshot(seller, "seller-case-after-reply")

    # no message from the buyer: the reply is pushed into the open chat
    expect(buyer.locator(".csba-msg-bot .csba-bubble").last).to_contain_text(
        reply, timeout=UI_TIMEOUT_MS
    )
    assert f"case {case.id}" in buyer.locator(".csba-msg-bot .csba-bubble").last.text_content()
    screenshot(buyer, "buyer-chat-live-push")


def test_a_dropped_connection_reconnects_with_a_visible_status(new_page):
    page = new_page()
    sockets = []

    def proxy(route) -> None:  # every widget websocket, passed through to Rasa
        route.connect_to_server()
        sockets.append(route)

    page.route_web_socket(re.compile(r"/socket\.io/"), proxy)
    open_chat(page, "B-1")
    say(page, "Hello")
    page.evaluate(
        """() => {
            window.__states = [];
            const status = document.querySelector('.csba-status');
            new MutationObserver(() => window.__states.push(status.dataset.state))
                .observe(status, {attributes: true, attributeFilter: ['data-state']});
        }"""
    )
    sockets[-1].close()  # the network drops the connection
    page.wait_for_function("() => window.__states.includes('online')")
    states = page.evaluate("window.__states")
    assert "reconnecting" in states and states[-1] == "online", states
    assert len(sockets) >= 2
    # the conversation goes on, with its history
    assert say(page, "Thanks")
    expect(page.locator(".csba-msg-user .csba-bubble").first).to_have_text("Hello")
    screenshot(page, "buyer-chat-reconnected")
