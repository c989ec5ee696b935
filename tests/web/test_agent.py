"""The agent review console over HTTP (Starlette's TestClient): permissions, CSRF,
the list with its filters and pages, the transcript, escaping, the agents'
actions, the CSV and NLU exports and the dashboard.

The project database is `web_db` (SQLite, then PostgreSQL); the conversations
are written by Rasa's own SQLTrackerStore into the app's tracker store file.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from sqlalchemy import select

from bot.adapters.db import get_engine, session_scope
from bot.adapters.orm import CaseMessageRow, ConversationSummaryRow
from bot.services import cases, review
from tests.trackers import SECRET_TOKEN, TrackerWriter, conversation
from tests.web.conftest import CSRF_META

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ORDER = "112-1234567-1234567"


def recent(hours: float) -> datetime:
    """A moment `hours` ago (the list's SLA states use the real clock)."""
    return datetime.now(timezone.utc) - timedelta(hours=hours)


@pytest.fixture
def seeded(writer, web_engine):
    """Four conversations: a seller case, an agent case, a bot answer with an
    XSS payload in the buyer's words, and small talk."""
    with session_scope(web_engine) as session:
        seller_case = cases.open_case(
            session,
            conversation_id="buyer-late",
            category="delivery_status",
            question="Where is my order?",
            order_id=ORDER,
            reason_code="late_delivery",
            now=recent(2),
        ).case
        agent_case = cases.open_case(
            session,
            conversation_id="anon-human",
            category="human_agent",
            question=f"I want a person {SCRIPT}",
            kind="agent",
            reason_code="buyer_asked_for_agent",
            now=recent(3),
        ).case
    conversation("buyer-late", start=recent(2), buyer_id="B-1").user(
        "Where is my order 112-1234567-1234567?",
        "delivery_status",
        0.88,
        entities=[{"entity": "order_id", "value": ORDER, "start": 18, "end": 37}],
    ).decision(
        route="seller_case",
        reason_code="late_delivery",
        case_id=seller_case.id,
        order_id=ORDER,
    ).bot("I opened case for the seller.").save(writer)
    conversation("anon-human", start=recent(3)).user(
        f"I want a person {SCRIPT}", "human_agent", 0.55
    ).decision(
        route="agent", reason_code="buyer_asked_for_agent", case_id=agent_case.id
    ).bot("A CSBA associate will answer here.").save(writer)
    conversation("buyer-xss", start=recent(4), buyer_id="B-1").user(
        f"{IMG} where is it {SCRIPT}", "delivery_status", 0.31
    ).decision(route="bot", reason_code="in_transit", order_id=ORDER).bot(
        "It is on its way.", buttons=[{"title": "Thanks", "payload": "/thanks"}]
    ).save(writer)
    conversation("anon-hi", start=recent(5)).user("hello", "greet", 0.99).bot(
        "Hi!"
    ).save(writer)
    with session_scope(web_engine) as session:  # as the first list request would
        review.sync_summaries(session, get_engine(writer.url), now=recent(0))
    return {"seller_case": seller_case, "agent_case": agent_case}


def rows(page_html: str) -> list[str]:
    return re.findall(r'<tr data-conversation="([^"]+)"', page_html)


def csrf(client, path: str = "/agent") -> str:
    match = CSRF_META.search(client.get(path).text)
    assert match
    return match.group(1)


def act(client, conversation_id: str, **form):
    url = "/agent/conversations/" + quote(conversation_id, safe="")
    return client.post(url, data={"csrf_token": csrf(client), **form})


# -- who may see the console ---------------------------------------------------------

AGENT_PAGES = [
    "/agent",
    "/agent/dashboard",
    "/agent/export.csv",
    "/agent/conversations/buyer-late",
]


@pytest.mark.parametrize("path", AGENT_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, seeded, path):
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=" + quote(path, safe="")


@pytest.mark.parametrize("path", AGENT_PAGES)
def test_sellers_get_403(signed_in, seeded, path):
    seller = signed_in("seller", seller_id="S-1")
    assert seller.get(path, headers={"Accept": "text/html"}).status_code == 403


def test_sellers_cannot_act_on_conversations(signed_in, seeded, web_engine):
    seller = signed_in("seller", seller_id="S-1")
    token = CSRF_META.search(seller.get("/seller").text).group(1)
    response = seller.post(
        "/agent/conversations/buyer-late",
        data={"csrf_token": token, "action": "reviewed"},
    )
    assert response.status_code == 403
    with session_scope(web_engine) as session:
        assert session.get(ConversationSummaryRow, "buyer-late").reviewed is False


# -- the list ----------------------------------------------------------------------------


def test_the_list_shows_every_column(agent, seeded):
    page = agent.get("/agent")
    assert page.status_code == 200
    assert rows(page.text) == ["buyer-late", "anon-human", "buyer-xss", "anon-hi"]
    assert "4 conversations, page 1 of 1" in page.text
    late = page.text.split('data-conversation="buyer-late"')[1].split("</tr>")[0]
    for expected in (
        "B-1",
        "csba_rest",
        "delivery_status",
        "Seller case",
        "late_delivery",
        "0.88",
        str(seeded["seller_case"].id),
        "Awaiting seller",
        "On time",
        "Not reviewed",
    ):
        assert expected in late
    assert SECRET_TOKEN not in page.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("route=bot", ["buyer-xss"]),
        ("route=agent", ["anon-human"]),
        ("intent=delivery_status", ["buyer-late", "buyer-xss"]),
        ("reason_code=late_delivery", ["buyer-late"]),
        ("confidence_below=0.6", ["anon-human", "buyer-xss"]),
        ("has_case=yes", ["buyer-late", "anon-human"]),
        ("has_case=no", ["buyer-xss", "anon-hi"]),
        ("case_status=escalated", ["anon-human"]),
        ("sla_state=on_time", ["buyer-late"]),
        ("sla_state=escalated", ["anon-human"]),
        ("sla_state=overdue", []),
        ("q=order+112", ["buyer-late"]),
        ("q=%3Cscript%3E", ["anon-human", "buyer-xss"]),
        ("reviewed=yes", []),
    ],
)
def test_filters(agent, seeded, query, expected):
    page = agent.get("/agent?" + query)
    assert page.status_code == 200
    assert rows(page.text) == expected


def test_date_filters(agent, seeded):
    today = datetime.now(timezone.utc).date()
    future = (today + timedelta(days=2)).isoformat()
    assert rows(agent.get(f"/agent?date_from={future}").text) == []
    past = (today - timedelta(days=2)).isoformat()
    assert rows(agent.get(f"/agent?date_to={past}").text) == []
    assert len(rows(agent.get(f"/agent?date_from={past}").text)) == 4


def test_a_bad_filter_is_named_and_ignored(agent, seeded):
    page = agent.get("/agent?route=%3Cscript%3E&confidence_below=abc")
    assert page.status_code == 200
    assert (
        "Ignored a filter that was not understood: route, confidence_below."
        in page.text
    )
    assert len(rows(page.text)) == 4


def test_pagination_keeps_the_filters(agent, writer):
    start = datetime.now(timezone.utc) - timedelta(days=1)
    for number in range(55):
        conversation(f"c{number:02d}", start=start + timedelta(minutes=number)).user(
            "hi", "greet"
        ).save(writer)
    first = agent.get("/agent?intent=greet")
    assert len(rows(first.text)) == 50
    assert "55 conversations, page 1 of 2" in first.text
    assert 'href="/agent?intent=greet&amp;page=2"' in first.text
    second = agent.get("/agent?intent=greet&page=2")
    assert rows(second.text) == [f"c{n:02d}" for n in reversed(range(5))]
    assert agent.get("/agent?page=banana").status_code == 200


def test_new_conversations_appear_without_a_restart(agent, seeded, writer):
    assert len(rows(agent.get("/agent").text)) == 4
    conversation("anon-new", start=recent(0.1)).user("hi again", "greet").save(writer)
    assert rows(agent.get("/agent").text)[0] == "anon-new"


# -- the transcript ---------------------------------------------------------------------


def test_transcript_shows_nlu_replies_decision_and_case(agent, seeded):
    page = agent.get("/agent/conversations/buyer-late")
    assert page.status_code == 200
    html = page.text
    assert "Where is my order 112-1234567-1234567?" in html
    assert "<code>delivery_status</code>" in html
    assert "0.880" in html
    assert f"order_id: {ORDER}" in html
    assert "I opened case for the seller." in html
    assert '<abbr class="reason" title="late_delivery">Late delivery</abbr>' in html
    # the agent-facing reason sentence from the catalogue
    assert f"Order {ORDER}" in html and "seller" in html
    case_id = seeded["seller_case"].id
    assert f'id="case-{case_id}"' in html
    assert "Where is my order?" in html  # the case thread
    assert SECRET_TOKEN not in html


def test_unknown_conversation_is_404(agent, seeded):
    response = agent.get("/agent/conversations/nobody", headers={"Accept": "text/html"})
    assert response.status_code == 404


def test_odd_conversation_ids_round_trip(agent, writer):
    odd = "rest/sender with spaces & <tags>"
    conversation(odd, start=recent(1)).user("hi", "greet").save(writer)
    page = agent.get("/agent")
    assert quote(odd, safe="") in page.text
    assert "<tags>" not in page.text
    transcript = agent.get("/agent/conversations/" + quote(odd, safe=""))
    assert transcript.status_code == 200
    assert "&lt;tags&gt;" in transcript.text
    assert act(agent, odd, action="reviewed").status_code == 303


@pytest.mark.parametrize(
    "path",
    ["/agent", "/agent/conversations/buyer-xss", "/agent/conversations/anon-human"],
)
def test_buyer_text_is_escaped_everywhere(agent, seeded, path):
    html = agent.get(path).text
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    if path != "/agent":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- actions ------------------------------------------------------------------------------


def test_actions_need_a_csrf_token(agent, seeded, web_engine):
    url = "/agent/conversations/buyer-late"
    missing = agent.post(url, data={"action": "reviewed"})
    wrong = agent.post(url, data={"action": "reviewed", "csrf_token": "forged"})
    assert (missing.status_code, wrong.status_code) == (403, 403)
    with session_scope(web_engine) as session:
        assert session.get(ConversationSummaryRow, "buyer-late").reviewed is False


def test_tag_review_and_note(agent, seeded):
    response = act(agent, "buyer-late", action="tags", tags=f"Wrong intent, {SCRIPT}")
    assert response.status_code == 303
    assert response.headers["location"] == "/agent/conversations/buyer-late"
    assert act(agent, "buyer-late", action="reviewed").status_code == 303
    assert (
        act(agent, "buyer-late", action="note", note=f"Check {IMG}").status_code == 303
    )

    page = agent.get("/agent/conversations/buyer-late").text
    assert "wrong-intent" in page and "script-alert-1-script" in page
    assert "Reviewed by sam" in page
    assert "Check &lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page
    assert rows(agent.get("/agent?reviewed=yes").text) == ["buyer-late"]

    assert act(agent, "buyer-late", action="unreviewed").status_code == 303
    assert rows(agent.get("/agent?reviewed=yes").text) == []


def test_a_refused_action_says_why(agent, seeded):
    too_many = ",".join(f"t{n}" for n in range(11))
    response = act(agent, "buyer-late", action="tags", tags=too_many)
    assert response.status_code == 400
    assert "At most 10 tags." in response.text
    assert act(agent, "buyer-late", action="launch").status_code == 400
    assert act(agent, "nobody", action="reviewed").status_code == 404


def test_correct_an_intent_and_export_it(
    agent, seeded, web_settings, monkeypatch, tmp_path
):
    page = agent.get("/agent/conversations/buyer-xss").text
    event_id = re.search(r'name="event_id" value="(\d+)"', page).group(1)
    response = act(
        agent, "buyer-xss", action="correct", event_id=event_id, intent="damaged_item"
    )
    assert response.status_code == 303
    page = agent.get("/agent/conversations/buyer-xss").text
    assert "Corrected to damaged_item" in page
    bad = act(agent, "buyer-xss", action="correct", event_id=event_id, intent="nope")
    assert bad.status_code == 400
    assert "nope is not an intent" in bad.text

    from bot.entrypoints.cli import main

    monkeypatch.setenv("DATABASE_URL", web_settings.database_url)
    out = tmp_path / "corrections.yml"
    assert main(["review", "export-nlu", "--out", str(out)]) == 0
    exported = out.read_text(encoding="utf-8")
    assert "- intent: damaged_item" in exported
    assert "where is it" in exported


def test_agent_reply_is_stored_on_the_agent_case(agent, seeded, web_engine, tmp_path):
    agent_case = seeded["agent_case"]
    page = agent.get("/agent/conversations/anon-human").text
    assert f'name="case_id" value="{agent_case.id}"' in page
    response = act(
        agent,
        "anon-human",
        action="reply",
        case_id=str(agent_case.id),
        text="Hello, this is Sam from CSBA.",
    )
    # stored even though the push to Rasa fails (nothing listens on the test URL)
    assert response.status_code == 303
    with session_scope(web_engine) as session:
        messages = (
            session.execute(
                select(CaseMessageRow).where(CaseMessageRow.case_id == agent_case.id)
            )
            .scalars()
            .all()
        )
    assert [(m.author, m.author_id, m.text) for m in messages][-1] == (
        "agent",
        "sam",
        "Hello, this is Sam from CSBA.",
    )
    assert (
        "Reply sent to the buyer" in agent.get("/agent/conversations/anon-human").text
    )
    # an anonymous chat's case has no buyer address: no email is attempted
    assert agent_case.buyer_id is None
    outbox = tmp_path / "var" / "outbox"
    mailed = [p.read_text() for p in outbox.glob("*.eml")] if outbox.exists() else []
    assert not any("X-CSBA-Event: buyer_answer" in text for text in mailed)


def test_no_reply_into_a_seller_case(agent, seeded):
    seller_case = seeded["seller_case"]
    page = agent.get("/agent/conversations/buyer-late").text
    assert 'name="action" value="reply"' not in page
    response = act(
        agent, "buyer-late", action="reply", case_id=str(seller_case.id), text="hi"
    )
    assert response.status_code == 400
    assert "is not an agent case" in response.text
    empty = act(
        agent,
        "anon-human",
        action="reply",
        case_id=str(seeded["agent_case"].id),
        text="   ",
    )
    assert empty.status_code == 400


# -- exports and the dashboard ---------------------------------------------------------


def test_csv_export_follows_the_filters(agent, seeded, writer):
    conversation('=HYPERLINK("http://evil")', start=recent(1)).user(
        "@SUM(1+1)", "greet"
    ).save(writer)
    response = agent.get("/agent/export.csv?intent=delivery_status")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0][:3] == ["conversation_id", "started_at_utc", "buyer_id"]
    assert [row[0] for row in table[1:]] == ["buyer-late", "buyer-xss"]
    everything = list(csv.reader(io.StringIO(agent.get("/agent/export.csv").text)))
    assert ['\'=HYPERLINK("http://evil")'] == [
        row[0] for row in everything[1:] if "HYPERLINK" in row[0]
    ]
    assert SECRET_TOKEN not in response.text
    assert (
        '<a class="export" href="/agent/export.csv?route=bot">'
        in agent.get("/agent?route=bot").text
    )


def test_dashboard_renders_the_charts(agent, seeded):
    page = agent.get("/agent/dashboard")
    assert page.status_code == 200
    html = page.text
    assert html.count('<svg class="chart"') == 5
    for title in (
        "Conversations per day",
        "Route mix",
        "Containment",
        "Seller SLA compliance",
        "Top reason codes",
    ):
        assert title in html
    assert "1 of 4 conversations (25.0%) handled by the bot alone" in html
    assert "<title>late_delivery: 1</title>" in html
    # the live hand-off card (its figures: tests/integration/review)
    assert 'id="handoff-figures"' in html and "No live hand-off in this range." in html
    custom = agent.get("/agent/dashboard?date_from=2026-01-01&date_to=2026-01-07")
    assert "From 2026-01-01 to 2026-01-07" in custom.text
    assert "No conversations in this range." in custom.text


def test_pages_still_render_when_the_tracker_store_is_unreadable(
    agent, seeded, web_settings
):
    from pathlib import Path

    path = Path(web_settings.tracker_store_url.split("///", 1)[1])
    conversation("anon-late", start=recent(0.5)).user("hi", "greet").save(
        TrackerWriter(web_settings.tracker_store_url)
    )
    path.unlink()
    path.mkdir()  # no database there any more
    page = agent.get("/agent")
    assert page.status_code == 200
    assert "The conversation store could not be read" in page.text
    assert len(rows(page.text)) == 4  # what the last sync read
