"""Issue 16, the widget in the buyer's language, in a real browser against the
real stack (tests/browser/conftest.py): the widget's own labels switch when
Rasa's socket.io channel announces the conversation's language
(`csba_language`), and stay switched after a reload.

The bot of this branch sets no `language` slot from what a buyer writes yet,
so the test sets it as the server side would, through Rasa's HTTP API
(`POST /conversations/{id}/tracker/events`, with the API token no buyer has);
the channel reads it after the buyer's next message."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.pages import WIDGET, conversation, open_chat, say


def set_language(stack, conversation_id: str, language: str) -> None:
    response = httpx.post(
        f"{stack.rasa_url}/conversations/{conversation_id}/tracker/events",
        params={"token": stack.api_token},
        json={"event": "slot", "name": "language", "value": language},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:300]


def expect_labels(page, *, placeholder: str, attach: str, send: str) -> None:
    expect(page.locator("#csba-input")).to_have_attribute("placeholder", placeholder)
    expect(page.locator(".csba-attach-text")).to_have_text(attach)
    expect(page.locator(".csba-send")).to_have_text(send)


def test_the_widgets_labels_follow_the_conversations_language(new_page, web_stack):
    page = new_page()
    open_chat(page)  # anonymous, an English browser: English labels
    expect(page.locator(WIDGET)).to_have_attribute("data-language", "en")
    expect_labels(
        page, placeholder="Type your message…", attach="Attach a photo", send="Send"
    )
    say(page, "hi")  # the conversation's session has started
    conversation_id = conversation(page)

    set_language(web_stack, conversation_id, "es")
    say(page, "ok")  # after this turn the channel announces es
    expect(page.locator(WIDGET)).to_have_attribute("data-language", "es")
    expect_labels(
        page,
        placeholder="Escribe tu mensaje…",
        attach="Adjuntar una foto",
        send="Enviar",
    )
    expect(page.locator(".csba-status")).to_have_text("Conectado")
    screenshot(page, "widget-language-es")

    page.reload()  # the page starts in English; the conversation says es
    expect(page.locator(".csba-status")).to_have_attribute("data-state", "online")
    expect(page.locator(WIDGET)).to_have_attribute("data-language", "es")
    expect_labels(
        page,
        placeholder="Escribe tu mensaje…",
        attach="Adjuntar una foto",
        send="Enviar",
    )

    set_language(web_stack, conversation_id, "en")
    say(page, "ok")
    expect(page.locator(WIDGET)).to_have_attribute("data-language", "en")
    expect_labels(
        page, placeholder="Type your message…", attach="Attach a photo", send="Send"
    )


def test_a_spanish_page_starts_in_spanish(new_page):
    page = new_page()
    page.goto("/?lang=es")
    expect(page.locator(".csba-launcher")).to_have_text("Chatea con nosotros")
    page.click(".csba-launcher")
    expect(page.locator(".csba-status")).to_have_text("Conectado")
    expect_labels(
        page,
        placeholder="Escribe tu mensaje…",
        attach="Adjuntar una foto",
        send="Enviar",
    )
