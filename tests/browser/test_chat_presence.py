"""Whether a buyer has the chat open, as the answer email asks it
(bot.services.case_answers, issue 17): the real channel in `rasa run` and the
widget in Chromium. The answer of a seller or agent is emailed unless the buyer
has the chat open; closing the tab closes it at once."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from bot.services.case_answers import CONNECTED_PATH, buyer_has_chat_open
from tests.browser.pages import conversation, open_chat
from tests.e2e.conftest import JWT_SECRET


@dataclass(frozen=True)
class _Settings:
    rasa_url: str


def test_the_channel_tells_whether_the_buyer_has_the_chat_open(
    new_page, web_stack, monkeypatch
):
    monkeypatch.setenv("CSBA_JWT_SECRET", JWT_SECRET)  # the stack's signing key
    settings = _Settings(web_stack.rasa_url)
    page = new_page()
    open_chat(page)
    conversation_id = conversation(page)

    assert buyer_has_chat_open(conversation_id, settings) is True
    assert buyer_has_chat_open(conversation_id + "-other", settings) is False
    assert buyer_has_chat_open(None, settings) is False
    unsigned = httpx.post(
        web_stack.rasa_url + CONNECTED_PATH,
        json={"conversation_id": conversation_id},
        timeout=10,
    )
    assert unsigned.status_code == 403

    page.close()  # the buyer closes the tab
    deadline = time.monotonic() + 10
    while buyer_has_chat_open(conversation_id, settings):
        assert time.monotonic() < deadline, "still 'open' 10 s after the tab closed"
        time.sleep(0.2)
