"""Issue 13, the widget as buyers found it, in a real browser against the real
stack (tests/browser/conftest.py): the greeting with topic buttons of a new
chat, order buttons that differ and wrap instead of being cut, and dates as a
buyer says them."""

from __future__ import annotations

import yaml
from playwright.sync_api import expect

from bot.config import PROJECT_ROOT
from tests.browser.conftest import screenshot
from tests.browser.pages import WIDGET, bot_texts, open_chat, say

GREETING = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text("utf-8"))[
    "responses"
]["utter_greet"][0]


def _greetings(page) -> int:
    return bot_texts(page).count(GREETING["text"])


def click_topic(page, title: str) -> None:
    """Click a button of the greeting; wait until the bot has answered."""
    before = page.locator(".csba-msg-bot").count()
    page.locator(".csba-msg-bot").first.get_by_role("button", name=title).click()
    page.wait_for_function(
        """n => document.querySelectorAll('.csba-msg-bot').length > n
               && !document.getElementById('csba-widget').getAttribute('data-typing')""",
        arg=before,
    )


def test_a_new_chat_opens_with_the_greeting_and_topic_buttons(new_page):
    page = new_page()
    open_chat(page)  # anonymous, a new chat
    first = page.locator(".csba-msg-bot").first
    expect(first.locator(".csba-bubble")).to_have_text(GREETING["text"])
    topics = first.locator(".csba-quick-reply")
    expect(topics).to_have_text([b["title"] for b in GREETING["buttons"]])
    for index in range(topics.count()):
        expect(topics.nth(index)).to_be_enabled()
    assert page.locator(".csba-msg-user").count() == 0  # no turn of the buyer's
    screenshot(page, "widget-greeting")

    page.reload()  # the widget reopens with the same chat: the greeting once
    expect(page.locator(".csba-status")).to_have_attribute("data-state", "online")
    expect(page.locator(WIDGET)).to_have_attribute("data-history", "1")
    assert _greetings(page) == 1

    # a topic button is answered like the words it stands for
    click_topic(page, "Where is my order?")
    expect(page.locator(".csba-msg-user .csba-bubble").last).to_have_text(
        "Where is my order?"
    )
    expect(page.locator(".csba-msg-bot .csba-bubble").nth(1)).to_contain_text(
        "What's the order number?"
    )
    page.reload()
    expect(page.locator(".csba-msg-user .csba-bubble").first).to_have_text(
        "Where is my order?"
    )
    assert _greetings(page) == 1
    expect(
        page.locator(".csba-msg-bot").first.locator(".csba-quick-reply").first
    ).to_be_disabled()


def test_order_buttons_differ_and_wrap_instead_of_being_cut(new_page):
    page = new_page()
    open_chat(page, "B-2")  # the kettle twice: orders 113-0000004 and 113-0000006
    click_topic(page, "Where is my order?")
    group = page.locator(".csba-msg-bot").last.locator(".csba-quick-reply")
    expect(group.first).to_be_enabled()
    titles = group.all_text_contents()
    kettles = [title for title in titles if "Electric Kett" in title]
    assert sorted(kettles) == sorted(
        [
            "Hearth 1.7 L Electric Kett… · Nov 5 · …0004",
            "Hearth 1.7 L Electric Kett… · Sep 1 · …0006",
        ]
    ), titles
    assert len(set(titles)) == len(titles)
    # every title is whole inside its button, and every button inside the chat
    overflow = page.evaluate(
        """() => {
            const log = document.querySelector('.csba-log').getBoundingClientRect();
            return Array.from(document.querySelectorAll('.csba-msg-bot:last-child .csba-quick-reply'))
                .filter(b => {
                    const box = b.getBoundingClientRect();
                    return b.scrollWidth > b.clientWidth + 1
                        || box.left < log.left || box.right > log.right + 0.5;
                })
                .map(b => b.textContent);
        }"""
    )
    assert overflow == []
    screenshot(page, "widget-order-buttons")
    # a click sends the order: the reply is about the kettle of Nov 5
    group.filter(has_text="…0004").click()
    expect(page.locator(".csba-msg-user .csba-bubble").last).to_have_text(
        "Hearth 1.7 L Electric Kett… · Nov 5 · …0004"
    )


def test_dates_read_as_a_buyer_says_them(new_page):
    page = new_page()
    open_chat(page, "B-1")
    transit = " ".join(say(page, "Where is my order 112-0000003-0000003?"))
    assert "it shipped on Friday, Nov 20" in transit, transit
    assert "should arrive by Monday, Nov 30" in transit, transit
    late = new_page()
    open_chat(late, "B-2")
    replies = " ".join(say(late, "My order 113-0000004-0000004 is late, where is it?"))
    assert "should have arrived by Thursday, Nov 19" in replies, replies
    # a new case ("within 2 days, by ...") or, after another test, the open one
    assert "by Saturday, Nov 28 at the latest" in replies, replies
    for text in (transit, replies):
        assert "PST" not in text and "2026-" not in text
    screenshot(late, "widget-dates")
