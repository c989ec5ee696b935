"""Issue 13, "The console", over HTTP: what real agents found missing in the
review console's list (/agent) and transcript (/agent/conversations/ID).

The project database is `web_db` (SQLite, then PostgreSQL); the conversations
are written by Rasa's own SQLTrackerStore into the app's tracker store file.
"""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from markupsafe import escape
from PIL import Image
from sqlalchemy import func, select

from bot.adapters.db import get_engine, session_scope
from bot.adapters.orm import IntentCorrectionRow
from bot.services import attachments, cases, review
from bot.services.presentation import order_button_payload
from tests.trackers import conversation
from tests.web.conftest import CSRF_META

ORDER = "112-1234567-1234567"
SCRIPT = "<script>alert(1)</script>"
CHOICE = order_button_payload(ORDER)  # /give_order_id{"order_id": "..."}


def recent(hours: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(hours=hours)


@pytest.fixture
def seeded(writer, web_engine):
    """A decided conversation with long, hostile first words; one the buyer
    began with clicks (a topic of the greeting, then an order button) and an
    internal intent; small talk with no decision."""
    words = f"My parcel {SCRIPT} " + "is very late " * 10
    conversation("late", start=recent(2), buyer_id="B-1").user(
        words, "delivery_status", 0.88
    ).decision(route="bot", reason_code="in_transit", order_id=ORDER).bot(
        "It is on its way."
    ).save(writer)
    conversation("clicks", start=recent(3)).user(
        "/delivery_status", "delivery_status", 1.0
    ).bot(
        "Which order?", buttons=[{"title": f"Order {ORDER}", "payload": CHOICE}]
    ).user(CHOICE, "give_order_id", 1.0).user(
        "/EXTERNAL_case_reply", "EXTERNAL_case_reply"
    ).external("EXTERNAL_handoff_closed").save(writer)
    conversation("hello", start=recent(4)).user("hello", "greet", 0.99).save(writer)
    with session_scope(web_engine) as session:
        review.sync_summaries(session, get_engine(writer.url), now=recent(0))
    return words


def rows(page_html: str) -> list[str]:
    return re.findall(r'<tr data-conversation="([^"]+)"', page_html)


def row(page_html: str, conversation_id: str) -> str:
    return page_html.split(f'data-conversation="{conversation_id}"')[1].split("</tr>")[
        0
    ]


def act(client, conversation_id: str, **form):
    token = CSRF_META.search(client.get("/agent").text).group(1)
    url = "/agent/conversations/" + quote(conversation_id, safe="")
    return client.post(url, data={"csrf_token": token, **form})


def test_each_row_shows_the_buyers_first_words(agent, seeded):
    page = agent.get("/agent").text
    late = row(page, "late")
    shown = html.escape(" ".join(seeded.split())[:79].rstrip(), quote=False)
    assert f"<q>{shown}\u2026</q>" in late
    assert "&lt;script&gt;" in late and SCRIPT not in page
    clicks = row(page, "clicks")
    assert "<q>Where is my order?</q>" in clicks  # the greeting's button
    assert 'class="badge clicked"' in clicks and "clicked" in clicks
    assert 'class="badge clicked"' not in late


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("has_decision=yes", ["late"]),
        ("has_decision=no", ["clicks", "hello"]),
        ("has_decision=", ["late", "clicks", "hello"]),
    ],
)
def test_the_has_a_decision_filter(agent, seeded, query, expected):
    page = agent.get("/agent?" + query).text
    assert rows(page) == expected
    assert '<select id="f-has_decision" name="has_decision">' in page


def test_internal_intents_are_not_listed_nor_offered(agent, seeded):
    page = agent.get("/agent").text
    assert "EXTERNAL_" not in page and "session_start" not in page
    intents = row(page, "clicks").split('class="intents">')[1].split("</td>")[0]
    assert intents == "delivery_status, give_order_id"
    assert '<option value="delivery_status"' in page
    ignored = agent.get("/agent?intent=EXTERNAL_case_reply").text
    assert "Ignored a filter that was not understood: intent." in ignored
    transcript = agent.get("/agent/conversations/clicks").text
    assert '<option value="EXTERNAL_case_reply"' not in transcript


def test_reason_codes_read_as_labels_with_the_code_on_hover(agent, seeded):
    label = '<abbr class="reason" title="in_transit">In transit</abbr>'
    page = agent.get("/agent").text
    assert label in row(page, "late")
    assert '<option value="late_delivery">Late delivery</option>' in page
    transcript = agent.get("/agent/conversations/late").text
    assert label in transcript
    assert "<code>in_transit</code>" not in transcript


def test_clicks_show_the_button_title_not_the_payload(agent, seeded):
    page = agent.get("/agent/conversations/clicks").text
    assert '<p class="text">/delivery_status</p>' not in page
    assert '<p class="text">/give_order_id' not in page
    assert page.count("Clicked a button") == 2
    assert f">Order {ORDER}</span>" in page and ">Where is my order?</span>" in page
    assert str(escape(f"The button sent {CHOICE}")) in page  # on hover
    # a click names its intent: nothing to correct; typed words keep the form
    assert page.count('class="correct-form"') == 1


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 160, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_uploads_are_in_the_transcript_at_their_time(
    agent, writer, web_engine, web_settings
):
    start = recent(1)
    with session_scope(web_engine) as session:
        case = cases.open_case(
            session,
            conversation_id="cracked",
            category="damaged_item",
            question="The lid is cracked",
            order_id=ORDER,
            reason_code="damaged_return",
            now=start,
        ).case
    conversation("cracked", start=start, buyer_id="B-1").user(
        "The lid is cracked", "damaged_item"
    ).save(writer)
    with session_scope(web_engine) as session:
        photo = attachments.save_photo(
            session,
            data=_png(),
            upload_dir=web_settings.upload_dir,
            conversation_id="cracked",
            now=start + timedelta(minutes=5),
        )
    writer.append(
        "cracked",
        conversation(
            "cracked",
            start=start + timedelta(minutes=10),
            buyer_id="B-1",
            session_start=False,
        )
        .user("did you get it?", "greet")
        .events,
    )
    page = agent.get("/agent/conversations/cracked").text
    timeline = page.split('<ol class="events">')[1].split("</ol>")[0]
    first = timeline.index("The lid is cracked")
    upload = timeline.index(f'id="photo{photo.id}"')
    assert first < upload < timeline.index("did you get it?")
    assert f"Uploaded a photo for case {case.id}" in timeline
    assert f'href="/agent/photos/{photo.id}"' in timeline
    served = agent.get(f"/agent/photos/{photo.id}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"


def test_correcting_to_the_same_intent_is_refused(agent, seeded, web_engine):
    page = agent.get("/agent/conversations/late").text
    event_id = re.search(r'name="event_id" value="(\d+)"', page).group(1)
    same = act(
        agent, "late", action="correct", event_id=event_id, intent="delivery_status"
    )
    assert same.status_code == 400
    assert (
        "The message already has the intent delivery_status. Choose another "
        "intent to correct it." in same.text
    )
    with session_scope(web_engine) as session:
        stored = session.execute(select(func.count(IntentCorrectionRow.id))).scalar()
    assert stored == 0
    changed = act(agent, "late", action="correct", event_id=event_id, intent="greet")
    assert changed.status_code == 303
    assert "Corrected to greet" in agent.get("/agent/conversations/late").text
