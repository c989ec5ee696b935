"""Issue 16 in a real browser: a buyer whose account is Spanish chats in the
widget and gets the greeting, delivery status, a return, a seller case and a
hand-off entirely in Spanish (every bot message is one of domain.yml's Spanish
responses, none an English one), with the widget's own labels in Spanish."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.pages import WIDGET, bot_texts, case_of, conversation, open_chat, say
from tests.e2e.test_spanish import is_response_in

IN_TRANSIT = "115-0000014-0000014"
DELIVERED = "115-0000015-0000015"
UNSHIPPED = "115-0000016-0000016"


def assert_spanish(texts: list[str]) -> None:
    assert texts
    for text in texts:
        assert is_response_in("es", text), f"not a Spanish response: {text!r}"
        assert not is_response_in("en", text), f"an English response: {text!r}"


def click(page, payload_part: str) -> list[str]:
    before = page.locator(".csba-msg-bot").count()
    page.locator(".csba-quick-reply:not([disabled])").filter(
        has_text=payload_part
    ).first.click()
    page.wait_for_function(
        """n => document.querySelectorAll('.csba-msg-bot').length > n
               && !document.getElementById('csba-widget').getAttribute('data-typing')""",
        arg=before,
    )
    return bot_texts(page)[before:]


def test_a_spanish_buyer_is_served_in_spanish_in_the_widget(new_page, web_stack):
    page = new_page()
    open_chat(page, "B-4")
    expect(page.locator(WIDGET)).to_have_attribute("data-language", "es")
    expect(page.locator("#csba-input")).to_have_attribute(
        "placeholder", "Escribe tu mensaje…"
    )
    assert_spanish(bot_texts(page))  # the greeting and its topic buttons

    said = say(page, "hola, donde esta mi pedido?")
    assert_spanish(said)
    said = click(page, IN_TRANSIT[-4:])  # the order button ends with its number
    assert_spanish(said)
    assert "2 de diciembre" in " ".join(said), said

    said = say(page, f"quiero devolver los vasos del pedido {DELIVERED}")
    assert_spanish(said)
    assert "31 de enero de 2027" in " ".join(said), said

    said = say(page, f"porfa cancelen el pedido {UNSHIPPED}, ya no lo necesito")
    assert_spanish(said)
    case = case_of(web_stack, conversation(page))
    assert case is not None and case.reason_code == "cancel_request", said
    assert case.language == "es"
    assert f"{case.id}" in " ".join(said)

    said = say(page, "quiero hablar con una persona de verdad")
    assert_spanish(said)
    screenshot(page, "widget-spanish-conversation")
