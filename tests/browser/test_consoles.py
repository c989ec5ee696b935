"""The agent console and the seller portal in a real browser, over conversations
held through the buyer widget (tests/browser/conftest.py): the agent filters by
route and opens the transcript (with a buyer's XSS payload shown as text); a
seller cannot open another seller's case."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import AGENT, SELLER_A, SELLER_B, screenshot
from tests.browser.pages import XSS, case_of, conversation, login, open_chat, say


def test_agent_filters_by_route_and_opens_the_transcript(new_page, web_stack):
    buyer = new_page()
    open_chat(buyer, "B-2")
    say(buyer, XSS)
    say(buyer, "Where is my order 113-0000004-0000004? It is late")
    conversation_id = conversation(buyer)
    assert case_of(web_stack, conversation_id) is not None, web_stack.logs()

    agent = new_page()
    login(agent, AGENT)
    agent.goto("/agent")
    agent.select_option("#f-route", "seller_case")
    agent.click("form.filters button[type=submit]")
    expect(agent).to_have_url(re.compile(r"route=seller_case"))
    rows = agent.locator("table.conversations tbody tr")
    expect(rows.first).to_be_visible()
    routes = set(rows.evaluate_all("rows => rows.map(r => r.dataset.route)"))
    assert routes == {"seller_case"}
    row = agent.locator(f"tr[data-conversation='{conversation_id}']")
    expect(row).to_be_visible()
    screenshot(agent, "agent-list-filtered-by-route")

    row.locator("a").first.click()
    expect(agent.locator("h1.conversation-title")).to_contain_text(conversation_id)
    buyer_lines = agent.locator("li.event.buyer p.text")
    expect(buyer_lines.first).to_have_text(XSS)  # text, not markup
    assert agent.locator(".transcript img, .transcript script").count() == 0
    assert agent.evaluate("window.__xss") is None
    expect(agent.locator("li.event.decision").first).to_contain_text("seller_case")
    screenshot(agent, "agent-transcript")


def test_seller_cannot_open_another_sellers_case(new_page, web_stack):
    buyer = new_page()
    open_chat(buyer, "B-2")
    say(buyer, "Where is my order 113-0000004-0000004? It is late")
    case = case_of(web_stack, conversation(buyer))
    assert case is not None and case.seller_id == SELLER_A[1], web_stack.logs()

    owner = new_page()
    login(owner, SELLER_A[0])
    owner.goto("/seller")
    expect(owner.locator(f"a[href='/seller/cases/{case.id}']").first).to_be_visible()
    screenshot(owner, "seller-a-inbox")

    other = new_page()
    login(other, SELLER_B[0])
    other.goto("/seller")
    assert other.locator(f"a[href='/seller/cases/{case.id}']").count() == 0
    screenshot(other, "seller-b-inbox")
    response = other.goto(f"/seller/cases/{case.id}")
    assert response is not None and response.status in (403, 404)
    assert "113-0000004-0000004" not in other.content()
    screenshot(other, "seller-b-refused")
    # and no agent page for a seller
    response = other.goto("/agent")
    assert response is not None and response.status in (403, 404)
