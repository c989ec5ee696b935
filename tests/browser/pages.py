"""Helpers of the browser tests: the widget, the login form, the database."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select

from bot.adapters.orm import CaseRow
from tests.browser.conftest import PASSWORD, UI_TIMEOUT_MS

# A buyer message that would run script if any page rendered it as markup.
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b>'

WIDGET = "#csba-widget"


def open_chat(page: Page, buyer: str | None = None) -> None:
    """The shop page, signed in as `buyer` (None: anonymous), chat open and online."""
    page.goto("/")
    if buyer is not None:
        page.select_option("#chat-as", buyer)
        page.click(".shop-picker-form button[type=submit]")
        expect(page.locator("[data-testid=chat-identity]")).to_contain_text(buyer)
    page.click(".csba-launcher")
    expect(page.locator(".csba-status")).to_have_attribute("data-state", "online")
    # the history of the (new) chat has been loaded
    expect(page.locator(WIDGET)).to_have_attribute("data-history", re.compile(r"\d+"))


def bot_texts(page: Page) -> list[str]:
    return page.locator(".csba-msg-bot .csba-bubble").all_text_contents()


def say(page: Page, text: str) -> list[str]:
    """Send `text`; the bot's messages of the reply, once it is done typing."""
    before = page.locator(".csba-msg-bot").count()
    page.fill("#csba-input", text)
    page.press("#csba-input", "Enter")
    page.wait_for_function(
        """n => document.querySelectorAll('.csba-msg-bot').length > n
               && !document.getElementById('csba-widget').getAttribute('data-typing')""",
        arg=before,
        timeout=UI_TIMEOUT_MS,
    )
    return bot_texts(page)[before:]


def case_of(stack, conversation_id: str) -> CaseRow | None:
    engine = create_engine(stack.database_url, future=True)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(CaseRow.__table__)
                .where(CaseRow.conversation_id == conversation_id)
                .order_by(CaseRow.id.desc())
            ).first()
    finally:
        engine.dispose()
    return row


def conversation(page: Page) -> str:
    value = page.locator(WIDGET).get_attribute("data-conversation")
    assert value, "the channel sent no session_confirm"
    return value


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))
