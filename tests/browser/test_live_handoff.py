"""Live hand-off (issue 14) in a real browser, with two contexts: a buyer in the
shop's chat widget and an agent on /agent/live, against the real Rasa, action
server and web app. Each step is a screenshot.

Not covered because not built yet: typing indicators, live updates of the
agent's pages (the agent reloads), the waiting alert."""

from __future__ import annotations

import time
from datetime import datetime

from playwright.sync_api import Page, expect

from bot.adapters.db import make_engine, session_scope
from bot.services import users
from tests.browser.conftest import AGENT, PASSWORD, screenshot
from tests.browser.pages import bot_texts, conversation, login, open_chat, say
from tools.devstack import DEMO_NOW

SECOND_AGENT = "agent-2"


def _second_agent(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            users.ensure_user(
                session, username=SECOND_AGENT, password=PASSWORD, role="agent",
                now=datetime.fromisoformat(DEMO_NOW),
            )  # fmt: skip
    finally:
        engine.dispose()


def _presence(agent: Page, status: str) -> None:
    agent.goto("/agent/live")
    button = agent.locator(f".presence-form button[value={status}]")
    if button.count():
        button.click()
    expect(agent.locator(".presence")).to_have_attribute("data-status", status)


def _send_without_reply(buyer: Page, text: str) -> None:
    """A message in a live chat: the bot does not answer it."""
    buyer.fill("#csba-input", text)
    buyer.press("#csba-input", "Enter")
    expect(buyer.locator(".csba-msg-user .csba-bubble").last).to_have_text(text)


def _wait_for_buyer_text(stack, conversation_id: str, text: str) -> None:
    """Until the conversation holds the buyer's message and the bot's turn
    after it is over (the agent's page reads the conversation)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        events = stack.tracker(conversation_id)["events"]
        texts = [e.get("text") for e in events if e["event"] == "user"]
        if text in texts and events[-1]["event"] == "action":
            return
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never reached the conversation: {texts[-3:]}")


def test_a_person_takes_over_the_chat_and_gives_it_back(new_page, web_stack):
    agent = new_page()
    login(agent, AGENT)
    _presence(agent, "online")
    expect(agent.locator(".intro")).to_contain_text(AGENT)
    screenshot(agent, "live-1-agent-online")

    buyer = new_page()
    open_chat(buyer)
    replies = say(buyer, "can i talk to a real person please")
    assert any("number 1 in the queue" in r for r in replies), replies
    expect(
        buyer.locator(".csba-quick-reply", has_text="Back to the assistant")
    ).to_be_visible()
    screenshot(buyer, "live-2-buyer-in-the-queue")
    conversation_id = conversation(buyer)

    agent.goto("/agent/live")
    waiting = agent.locator("#waiting .queue-line")
    expect(waiting).to_have_count(1)
    expect(waiting.first).to_contain_text("Unverified")
    screenshot(agent, "live-3-agent-sees-the-queue")
    waiting.first.locator("button[value=claim]").click()
    expect(agent.locator("h1 .state")).to_have_attribute("data-state", "live")
    expect(agent.locator("li.event.buyer p.text").first).to_contain_text("real person")
    screenshot(agent, "live-4-agent-claimed")

    # the buyer's open widget shows the agent joining and writing, at once
    expect(buyer.locator(".csba-msg-bot .csba-bubble").last).to_contain_text(
        f"{AGENT} from our customer service team has joined the chat"
    )
    agent.fill(
        "#text", "Hi, I'm from the support team <b>not bold</b>. How can I help?"
    )
    agent.click(".reply-form button[type=submit]")
    expect(agent.locator(".notice")).to_have_text("Sent.")
    expect(buyer.locator(".csba-msg-bot .csba-bubble").last).to_have_text(
        "Hi, I'm from the support team <b>not bold</b>. How can I help?"
    )
    assert buyer.locator(".csba-bubble b").count() == 0  # text, not markup
    screenshot(buyer, "live-5-buyer-reads-the-agent")

    # the buyer answers: no bot reply; the agent reads it
    _send_without_reply(buyer, "my parcel was due on monday")
    _wait_for_buyer_text(web_stack, conversation_id, "my parcel was due on monday")
    assert "parcel" not in " ".join(bot_texts(buyer))
    agent.reload()
    expect(agent.locator("li.event.buyer p.text").last).to_have_text(
        "my parcel was due on monday"
    )
    expect(agent.locator("li.event.by-agent").first).to_contain_text(f"Agent {AGENT}")
    # the data-only "delivered" of a live chat is no empty bot line
    assert agent.locator("li.event.bot p.text:empty").count() == 0
    screenshot(agent, "live-6-agent-reads-the-buyer")

    # another agent sees the chat but cannot write into it
    other = new_page()
    _second_agent(web_stack.database_url)
    login(other, SECOND_AGENT)
    chat_url = agent.url
    other.goto(chat_url)
    expect(other.locator("h1 .state")).to_have_attribute("data-state", "live")
    assert other.locator("#text").count() == 0
    token = other.locator("meta[name=csrf-token]").get_attribute("content")
    refused = other.request.post(
        chat_url,
        form={"action": "message", "text": "hijack", "csrf_token": token},
    )
    assert refused.status == 400 and "with another agent" in refused.text()
    screenshot(other, "live-7-second-agent-refused")

    # hand back: the bot is back and answers the next message
    agent.click("button[value=resolved]")
    expect(agent.locator(".notice")).to_have_text("Handed back to the assistant.")
    expect(buyer.locator(".csba-msg-bot .csba-bubble").last).to_contain_text(
        "handed the chat back to me"
    )
    replies = say(buyer, "where is my order")
    assert replies and not any("queue" in r for r in replies), replies
    screenshot(buyer, "live-8-buyer-back-with-the-bot")
    assert "hijack" not in str(web_stack.tracker(conversation_id))

    # the dashboard counts it
    agent.goto("/agent/dashboard")
    card = agent.locator("#handoff-figures")
    expect(card).to_contain_text("Time to the first agent message")
    expect(card).to_contain_text("buyer_asked_for_agent")
    card.scroll_into_view_if_needed()
    screenshot(agent, "live-10-dashboard")

    _presence(agent, "away")


def test_with_no_agent_online_the_buyer_gets_a_case(new_page, web_stack):
    agent = new_page()
    login(agent, AGENT)
    _presence(agent, "away")
    expect(agent.locator(".intro")).to_contain_text("No agent is online")

    buyer = new_page()
    open_chat(buyer)
    replies = say(buyer, "i want to speak to a human")
    text = " ".join(replies)
    assert "case" in text and "queue" not in text, replies
    screenshot(buyer, "live-9-no-agent-case")
