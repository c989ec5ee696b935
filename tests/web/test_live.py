"""The live inbox (/agent/live) over the web app, with a real database. Rasa is
not running here: the pushes into the buyer's chat fail, and the agent is told
(tests/e2e/test_handoff.py covers them against the real processes)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.adapters.db import session_scope
from bot.domain.handoff import AgentHours
from bot.services import handoff, saved_replies
from tests.web.conftest import csrf_from, utc_now

HOURS = AgentHours.parse("00:00-23:59", ZoneInfo("America/Los_Angeles"))


def _ask(web_engine, conversation_id: str) -> int:
    with session_scope(web_engine) as session:
        asked = handoff.request_handoff(
            session,
            conversation_id=conversation_id,
            reason_code="buyer_asked_for_agent",
            now=utc_now(),
            hours=HOURS,
        )
        assert asked.handoff is not None, "an agent must be online first"
        return asked.handoff.id


def _go_online(client) -> None:
    token = csrf_from(client, "/agent/live")
    response = client.post(
        "/agent/live/presence", data={"status": "online", "csrf_token": token}
    )
    assert response.status_code == 303


def _post(client, handoff_id: int, **data):
    token = csrf_from(client, f"/agent/live/{handoff_id}")
    return client.post(f"/agent/live/{handoff_id}", data={**data, "csrf_token": token})


def _state(web_engine, handoff_id: int) -> handoff.HandoffView:
    with session_scope(web_engine) as session:
        return handoff.get(session, handoff_id=handoff_id)


def test_only_agents_see_the_live_inbox(client, signed_in):
    assert client.get("/agent/live").status_code in (302, 303)
    seller = signed_in("seller", seller_id="S-1")
    assert seller.get("/agent/live").status_code == 403


def test_presence_is_what_the_agent_says(signed_in):
    agent = signed_in("agent", username="ann")
    page = agent.get("/agent/live")
    assert page.status_code == 200 and 'data-status="away"' in page.text
    assert "No agent is online" in page.text
    _go_online(agent)
    page = agent.get("/agent/live")
    assert 'data-status="online"' in page.text
    assert "Agents online: ann" in page.text
    # no CSRF token: refused, nothing changes
    refused = agent.post("/agent/live/presence", data={"status": "away"})
    assert refused.status_code == 403
    assert 'data-status="online"' in agent.get("/agent/live").text


def test_claim_write_and_hand_back(signed_in, web_engine):
    ann = signed_in("agent", username="ann")
    bob = signed_in("agent", username="bob")
    _go_online(ann)
    hid = _ask(web_engine, "anon-live-1")
    page = ann.get("/agent/live")
    assert f'data-handoff="{hid}"' in page.text and "waiting 0 min" in page.text
    assert "Unverified" in page.text

    claimed = _post(ann, hid, action="claim")
    assert claimed.status_code == 303
    # the buyer's chat is not reachable here: the agent is told
    assert "chat is not open right now" in ann.get(f"/agent/live/{hid}").text
    assert _state(web_engine, hid).state == "live"

    # bob may not write into ann's chat
    refused = _post(bob, hid, action="message", text="hello from bob")
    assert refused.status_code == 400
    assert "with another agent" in refused.text
    assert _state(web_engine, hid).first_reply_at is None

    sent = _post(ann, hid, action="message", text="<b>Hi</b>, I'm Ann")
    assert sent.status_code == 303
    assert _state(web_engine, hid).first_reply_at is not None
    # not lost: kept until the buyer's chat shows it
    assert (
        "they will see it with their next message" in ann.get(f"/agent/live/{hid}").text
    )
    with session_scope(web_engine) as session:
        kept = handoff.undelivered(session, conversation_id="anon-live-1")
    assert [(m.text, m.agent) for m in kept] == [("<b>Hi</b>, I'm Ann", "ann")]

    bad = _post(ann, hid, action="close", outcome="whatever")
    assert bad.status_code == 400 and "Unknown outcome" in bad.text
    closed = _post(ann, hid, action="close", outcome="case_opened")
    assert closed.status_code == 303 and closed.headers["location"] == "/agent/live"
    view = _state(web_engine, hid)
    assert view.state == "closed" and view.outcome == "case_opened"


def test_give_a_waiting_chat_to_another_agent(signed_in, web_engine, add_account):
    ann = signed_in("agent", username="ann")
    _go_online(ann)
    cleo = add_account("cleo")
    hid = _ask(web_engine, "anon-live-2")
    given = _post(ann, hid, action="assign", to=str(cleo.id))
    assert given.status_code == 303
    view = _state(web_engine, hid)
    assert view.state == "live" and view.agent_id == cleo.id
    # ann no longer has it
    assert _post(ann, hid, action="message", text="x").status_code == 400


@pytest.mark.parametrize(
    # beyond the 32-bit id column, and beyond 64 bits: no hand-off, never a 500
    "handoff_id", ["999999", "0", "2147483648", "999999999999999999999"]
)
def test_unknown_hand_off_is_404(signed_in, handoff_id):
    agent = signed_in("agent")
    assert agent.get(f"/agent/live/{handoff_id}").status_code == 404
    assert agent.get(f"/agent/live/{handoff_id}/events").status_code == 404


def test_an_unknown_action_is_refused(signed_in, web_engine):
    ann = signed_in("agent", username="ann")
    _go_online(ann)
    hid = _ask(web_engine, "anon-live-3")
    response = _post(ann, hid, action="drop table")
    assert response.status_code == 400
    assert _state(web_engine, hid).state == "waiting"


def test_saved_replies_are_kept_edited_and_sent(signed_in, web_engine):
    ann = signed_in("agent", username="ann")
    bob = signed_in("agent", username="bob")
    token = csrf_from(ann, "/agent/live/replies")
    assert "No saved reply yet." in ann.get("/agent/live/replies").text
    added = ann.post(
        "/agent/live/replies",
        data={
            "action": "add",
            "title": "Greeting",
            "text": "Hi, I'm <i>here</i> to help.",
            "csrf_token": token,
        },
    )
    assert added.status_code == 303
    page = bob.get("/agent/live/replies")  # every agent sees and may edit it
    assert "Hi, I&#39;m &lt;i&gt;here&lt;/i&gt; to help." in page.text
    with session_scope(web_engine) as session:
        (reply,) = saved_replies.list_replies(session)
    token = csrf_from(bob, "/agent/live/replies")
    bob.post(
        "/agent/live/replies",
        data={
            "action": "update",
            "reply_id": str(reply.id),
            "title": "Greeting",
            "text": "Hello, how can I help?",
            "csrf_token": token,
        },
    )
    empty = bob.post(
        "/agent/live/replies",
        data={"action": "add", "title": " ", "text": "x", "csrf_token": token},
    )
    assert empty.status_code == 303
    assert "A saved reply needs a title." in bob.get("/agent/live/replies").text
    # no CSRF token: refused
    assert (
        bob.post("/agent/live/replies", data={"action": "delete", "reply_id": "1"})
    ).status_code == 403

    # sent from a live chat
    _go_online(ann)
    hid = _ask(web_engine, "anon-live-9")
    _post(ann, hid, action="claim")
    sent = _post(ann, hid, action="message", text="", reply_id=str(reply.id))
    assert sent.status_code == 303
    with session_scope(web_engine) as session:
        kept = handoff.undelivered(session, conversation_id="anon-live-9")
    assert [m.text for m in kept] == ["Hello, how can I help?"]
    missing = _post(ann, hid, action="message", text="", reply_id="999")
    assert missing.status_code == 400 and "does not exist" in missing.text

    token = csrf_from(ann, "/agent/live/replies")
    ann.post(
        "/agent/live/replies",
        data={"action": "delete", "reply_id": str(reply.id), "csrf_token": token},
    )
    with session_scope(web_engine) as session:
        assert saved_replies.list_replies(session) == []
