"""Live hand-off (issue 14) in a real browser, with two contexts: a buyer in the
shop's chat widget and an agent on /agent/live, against the real Rasa, action
server and web app. Each step is a screenshot.

The agent never reloads: the inbox and the chat page update over server-sent
events (the waiting alert and the title badge, the buyer's messages), and the
typing indicators go both ways."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from playwright.sync_api import Page, expect

from bot.adapters.db import make_engine, session_scope
from bot.services import ratings, users
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


def _helpful(database_url: str) -> tuple[int, int]:
    """(rated, rated helpful) of every hand-off so far."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            figures = ratings.helpful_figures(
                session, since=datetime(2000, 1, 1, tzinfo=timezone.utc)
            )
            return figures.rated, figures.helpful
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
    expect(agent.locator("#live-events")).to_have_attribute("data-live-state", "open")
    assert not agent.title().startswith("(")
    expect(agent.locator("#live-alert")).to_be_hidden()
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

    # the open inbox is alerted, with no reload: the list, an alert, the title
    waiting = agent.locator("#waiting .queue-line")
    expect(waiting).to_have_count(1)
    expect(waiting.first).to_contain_text("Unverified")
    expect(agent.locator("#live-alert")).to_be_visible()
    expect(agent).to_have_title(re.compile(r"^\(1\) Live chats"))
    screenshot(agent, "live-3-agent-alerted")
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

    # typing indicators, both ways
    expect(agent.locator("#live-events")).to_have_attribute("data-live-state", "open")
    agent.locator("#text").press_sequentially("Let me check", delay=30)
    typing = buyer.locator(".csba-typing")
    expect(typing).to_be_visible()
    expect(typing).to_have_text(f"{AGENT} is typing…")
    screenshot(buyer, "live-5b-buyer-sees-the-agent-typing")
    agent.fill("#text", "")
    buyer.locator("#csba-input").press_sequentially("my parcel", delay=30)
    expect(agent.locator("#buyer-typing")).to_be_visible()
    expect(agent.locator("#buyer-typing")).to_have_text("The buyer is typing…")
    screenshot(agent, "live-5c-agent-sees-the-buyer-typing")
    buyer.fill("#csba-input", "")

    # the buyer answers: no bot reply; the agent's open page shows it, no reload
    _send_without_reply(buyer, "my parcel was due on monday")
    _wait_for_buyer_text(web_stack, conversation_id, "my parcel was due on monday")
    assert "parcel" not in " ".join(bot_texts(buyer))
    expect(agent.locator("li.event.buyer p.text").last).to_have_text(
        "my parcel was due on monday"
    )
    expect(agent.locator("li.event.by-agent").first).to_contain_text(f"Agent {AGENT}")
    # the outcome of the agent's last action outlives the live refreshes
    expect(agent.locator(".notice")).to_have_text("Sent.")
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
    # "Was this helpful?": answered to the web app, not to the bot
    asked = buyer.locator(".csba-msg-notice[data-ask=helpful]")
    expect(asked).to_contain_text("Was this helpful?")
    asked.locator(".csba-quick-reply", has_text="Yes").click()
    expect(asked).to_have_attribute("data-rated", "yes")
    expect(asked).to_contain_text("glad our team could help")
    screenshot(buyer, "live-8a-buyer-rates-the-chat")
    assert _helpful(web_stack.database_url) == (1, 1)

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
