"""`POST /chat/rating`: the buyer's "Was this helpful?" after a live hand-off
(issue 14, item 3), over the real app and real databases (SQLite, then
PostgreSQL when set)."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import jwt
import pytest
from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.orm import RatingRow
from bot.domain.handoff import AgentHours
from bot.services import agent_presence, handoff
from bot.services.chat_access import resolve_chat_token
from tests.factories import BUYER_1
from tests.web.conftest import csrf_from, utc_now
from tests.web.test_buyer import STRINGS, bearer, chat_token, pick

HOURS = AgentHours.parse("00:00-23:59", ZoneInfo("America/Los_Angeles"))


@pytest.fixture
def close_handoff(web_engine, add_account):
    """close_handoff(conversation_id): a hand-off of that conversation that an
    agent claimed and closed (resolved) just now; its id."""
    agent = add_account("ann")

    def close(conversation_id: str, outcome: str = "resolved") -> int:
        now = utc_now()
        with session_scope(web_engine) as session:
            agent_presence.set_presence(
                session, agent_id=agent.id, status="online", now=now
            )
            asked = handoff.request_handoff(
                session,
                conversation_id=conversation_id,
                reason_code="buyer_asked_for_agent",
                now=now,
                hours=HOURS,
            )
            hid = asked.handoff.id
            handoff.claim(session, handoff_id=hid, agent_id=agent.id, now=now)
            handoff.close(
                session, handoff_id=hid, agent_id=agent.id, outcome=outcome, now=now
            )
            return hid

    return close


def rate(client, token: str | None, helpful: str, *, csrf: str | None = None):
    csrf = csrf if csrf is not None else csrf_from(client, "/")
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    if token is not None:
        headers.update(bearer(token))
    return client.post("/chat/rating", headers=headers, data={"helpful": helpful})


def stored(web_engine) -> list[tuple[str, int, str, int]]:
    with session_scope(web_engine) as session:
        rows = session.execute(select(RatingRow).order_by(RatingRow.id)).scalars()
        return [(r.subject, r.subject_id, r.conversation_id, r.value) for r in rows]


def test_the_widget_gets_the_question_its_buttons_and_the_url(client):
    html = client.get("/").text
    assert 'data-rating-url="/chat/rating"' in html
    strings = json.loads(STRINGS.search(html).group(1))
    assert strings["helpful_question"] == "Was this helpful?"
    assert (strings["helpful_yes"], strings["helpful_no"]) == ("Yes", "No")
    assert strings["rating_failed"]


def test_a_rating_is_stored_and_can_be_changed(client, web_engine, close_handoff):
    token = chat_token(client)
    conversation = resolve_chat_token(token).sender_id
    hid = close_handoff(conversation)

    yes = rate(client, token, "yes")
    assert yes.status_code == 200, yes.text
    assert yes.json() == {
        "ok": True,
        "message": "Thank you! We are glad our team could help.",
    }
    assert stored(web_engine) == [("handoff", hid, conversation, 1)]

    no = rate(client, token, "no")
    assert no.status_code == 200 and no.json()["ok"] is True
    assert "improve" in no.json()["message"]
    assert stored(web_engine) == [("handoff", hid, conversation, 0)]


def test_a_buyer_token_rates_that_buyers_chat(client, web_engine, close_handoff):
    pick(client, BUYER_1)
    token = chat_token(client)
    hid = close_handoff(resolve_chat_token(token).sender_id, outcome="case_opened")
    assert rate(client, token, "yes").status_code == 200
    assert [row[1] for row in stored(web_engine)] == [hid]


def test_the_chat_token_is_needed(client, web_engine, close_handoff):
    token = chat_token(client)
    close_handoff(resolve_chat_token(token).sender_id)
    missing = rate(client, None, "yes")
    assert missing.status_code == 401
    assert missing.json()["ok"] is False
    assert "reload the page" in missing.json()["message"]
    forged = jwt.encode({"sub": BUYER_1}, "x" * 40, algorithm="HS256")
    assert rate(client, forged, "yes").status_code == 401
    assert rate(client, "not-a-token", "yes").status_code == 401
    assert stored(web_engine) == []


def test_the_csrf_token_is_needed(client, web_engine, close_handoff):
    token = chat_token(client)
    close_handoff(resolve_chat_token(token).sender_id)
    wrong = rate(client, token, "yes", csrf="wrong")
    assert wrong.status_code == 403
    assert wrong.json()["ok"] is False and wrong.json()["message"]
    bare = client.post("/chat/rating", headers=bearer(token), data={"helpful": "yes"})
    assert bare.status_code == 403
    assert stored(web_engine) == []


@pytest.mark.parametrize("value", ["", "maybe", "1", "/handoff_cancel", "yes" * 500])
def test_an_answer_other_than_yes_or_no_is_refused(
    client, web_engine, close_handoff, value
):
    token = chat_token(client)
    close_handoff(resolve_chat_token(token).sender_id)
    response = rate(client, token, value)
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": "invalid",
        "message": "Please answer with Yes or No.",
    }
    assert stored(web_engine) == []


def test_an_oversized_body_is_refused(client, web_engine, close_handoff):
    token = chat_token(client)
    close_handoff(resolve_chat_token(token).sender_id)
    response = rate(client, token, "yes" + " " * 10_000)
    assert response.status_code == 413 and response.json()["ok"] is False
    assert stored(web_engine) == []


def test_another_chats_token_cannot_rate_this_chats_hand_off(
    make_client, web_engine, close_handoff
):
    victim, stranger = make_client(), make_client()
    close_handoff(resolve_chat_token(chat_token(victim)).sender_id)
    response = rate(stranger, chat_token(stranger), "no")
    assert response.status_code == 409
    body = response.json()
    assert body["ok"] is False and body["error"] == "nothing_to_rate"
    assert "no recent chat with our team" in body["message"]
    assert stored(web_engine) == []


def test_the_dashboard_shows_how_many_found_it_helpful(
    client, signed_in, close_handoff
):
    for answer in ("yes", "no", "yes"):
        token = chat_token(client)
        close_handoff(resolve_chat_token(token).sender_id)
        assert rate(client, token, answer).status_code == 200
        pick(client)  # a new anonymous chat for the next hand-off
    agent = signed_in("agent")
    page = agent.get("/agent/dashboard").text
    assert 'data-rated="3" data-helpful="2"' in page
    assert "Rated helpful by the buyer: 2 of 3 (66.7%)" in page
