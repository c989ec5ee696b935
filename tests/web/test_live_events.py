"""Live updates of the agent's pages (bot.entrypoints.web.live_events) against
the web app served by a real uvicorn server in this process, over a real
database: the server-sent event streams, the signed `/internal/live` that Rasa
and the action server call, and the agent's typing. The buyer's side (Rasa's
socket.io channel) is covered in tests/browser/test_live_handoff.py."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn

from bot.adapters import live_signal
from bot.adapters.db import session_scope
from bot.domain.handoff import AgentHours
from bot.entrypoints.web import live_events
from bot.entrypoints.web.app import create_app
from bot.services import handoff
from tests.web.conftest import csrf_from, login, utc_now
from tools.devstack import free_ports

HOURS = AgentHours.parse("00:00-23:59", ZoneInfo("America/Los_Angeles"))
WAIT = 10.0


@pytest.fixture
def served(web_settings, monkeypatch) -> Iterator[str]:
    """The web app on a free port; its URL."""
    monkeypatch.setattr(live_events, "KEEPALIVE_SECONDS", 0.2)
    monkeypatch.setattr(live_events, "SEEN_EVERY_SECONDS", 0.5)
    (port,) = free_ports(1)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(web_settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws="none",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(WAIT)


@pytest.fixture
def agent(served, add_account) -> Iterator[httpx.Client]:
    add_account("ann", role="agent")
    with httpx.Client(base_url=served, follow_redirects=False) as client:
        assert login(client, "ann").status_code == 303
        token = csrf_from(client, "/agent/live")
        went = client.post(
            "/agent/live/presence", data={"status": "online", "csrf_token": token}
        )
        assert went.status_code == 303
        yield client


class Stream:
    """The events of one server-sent event stream, read in a thread, on its
    own connection with the agent's cookies."""

    def __init__(self, client: httpx.Client, path: str) -> None:
        self.events: queue.Queue = queue.Queue()
        self.status: int | None = None
        self._client = httpx.Client(base_url=client.base_url, cookies=client.cookies)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self._thread.start()

    def _read(self, path: str) -> None:
        try:
            with self._client.stream("GET", path, timeout=WAIT) as response:
                self.status = response.status_code
                kind = None
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        kind = line[len("event: ") :]
                    elif line.startswith("data: ") and kind:
                        self.events.put((kind, json.loads(line[len("data: ") :])))
                        kind = None
        except httpx.HTTPError as exc:
            if not self._stop.is_set():
                self.events.put(("error", {"error": repr(exc)}))

    def next(self, kind: str) -> dict:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                got, data = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            assert got != "error", data
            if got == kind:
                return data
        raise AssertionError(f"no {kind!r} event within {WAIT} s")

    def close(self) -> None:
        self._stop.set()
        self._client.close()
        self._thread.join(WAIT)


def _ask(web_engine, conversation_id: str) -> int:
    with session_scope(web_engine) as session:
        asked = handoff.request_handoff(
            session,
            conversation_id=conversation_id,
            reason_code="buyer_asked_for_agent",
            now=utc_now(),
            hours=HOURS,
        )
        assert asked.handoff is not None
        return asked.handoff.id


def test_the_streams_need_an_agent(served, add_account):
    with httpx.Client(base_url=served, follow_redirects=False) as anonymous:
        assert anonymous.get("/agent/live/events").status_code in (302, 303)
        assert anonymous.get("/agent/live/1/events").status_code in (302, 303)
    add_account("sam", role="seller", seller_id="S-1")
    with httpx.Client(base_url=served, follow_redirects=False) as seller:
        assert login(seller, "sam").status_code == 303
        assert seller.get("/agent/live/events").status_code == 403


def test_the_inbox_hears_a_buyer_start_waiting(agent, web_engine):
    stream = Stream(agent, "/agent/live/events")
    try:
        stream.next("ready")
        assert stream.status == 200
        # a hand-off requested in this process (as the web app's own actions)
        hid = _ask(web_engine, "anon-events-1")
        assert stream.next("inbox") == {"kind": "inbox"}
        # the page the script then fetches shows it, with the title badge
        page = agent.get("/agent/live")
        assert f'data-handoff="{hid}"' in page.text
        assert "<title>(1) Live chats" in page.text
        assert 'data-waiting="1"' in page.text
    finally:
        stream.close()


def test_an_open_stream_keeps_the_agent_online(agent, web_engine):
    with session_scope(web_engine) as session:
        ann = next(a for a in agent_presence_rows(session) if a[1] == "ann")[0]
    stream = Stream(agent, "/agent/live/events")
    try:
        stream.next("ready")
        before = _last_seen(web_engine, ann)
        deadline = time.monotonic() + WAIT
        while _last_seen(web_engine, ann) == before:
            assert time.monotonic() < deadline, "the stream never marked the agent seen"
            time.sleep(0.2)
    finally:
        stream.close()


def agent_presence_rows(session):
    from bot.adapters import handoff_store

    return [(a.id, a.username) for a in handoff_store.agents(session)]


def _last_seen(web_engine, agent_id: int):
    from bot.adapters.orm import AgentPresenceRow

    with session_scope(web_engine) as session:
        row = session.get(AgentPresenceRow, agent_id)
        return row.seen_at if row is not None else None


def test_a_signal_from_another_process_reaches_the_chat_page(agent, served, web_engine):
    hid = _ask(web_engine, "anon-events-2")
    stream = Stream(agent, f"/agent/live/{hid}/events")
    try:
        stream.next("ready")
        topic = live_signal.conversation_topic("anon-events-2")
        for kind in ("changed", "typing"):
            body, signature = live_signal.signed_body(
                {"topic": topic, "message": {"kind": kind}}
            )
            sent = httpx.post(
                served + "/internal/live",
                content=body,
                headers={live_signal.SIGNATURE_HEADER: signature},
            )
            assert sent.status_code == 204
            assert stream.next(kind) == {"kind": kind}
    finally:
        stream.close()


def test_internal_signals_must_be_signed_and_fresh(served):
    topic = live_signal.conversation_topic("anon-x")
    body, signature = live_signal.signed_body(
        {"topic": topic, "message": {"kind": "changed"}}
    )
    url = served + "/internal/live"
    assert httpx.post(url, content=body).status_code == 403
    forged = body.replace(b"anon-x", b"anon-y")
    header = {live_signal.SIGNATURE_HEADER: signature}
    assert httpx.post(url, content=forged, headers=header).status_code == 403
    stale = json.dumps(
        {"topic": topic, "message": {"kind": "changed"}, "at": int(time.time()) - 3600}
    ).encode()
    stale_header = {live_signal.SIGNATURE_HEADER: live_signal.sign(stale)}
    assert httpx.post(url, content=stale, headers=stale_header).status_code == 403
    for bad in (
        {"topic": "somewhere-else", "message": {"kind": "changed"}},
        {"topic": topic, "message": {"kind": "<script>"}},
        {"topic": topic, "message": "changed"},
    ):
        bad_body, bad_signature = live_signal.signed_body(bad)
        answer = httpx.post(
            url,
            content=bad_body,
            headers={live_signal.SIGNATURE_HEADER: bad_signature},
        )
        assert answer.status_code == 400, bad
    assert httpx.post(url, content=body, headers=header).status_code == 204


def test_only_the_agent_holding_the_chat_sends_typing(
    agent, served, add_account, web_engine
):
    hid = _ask(web_engine, "anon-events-3")
    add_account("bob", role="agent")
    with httpx.Client(base_url=served, follow_redirects=False) as bob:
        assert login(bob, "bob").status_code == 303
        token = csrf_from(bob, f"/agent/live/{hid}")
        # waiting, nobody holds it
        waiting = bob.post(f"/agent/live/{hid}/typing", data={"csrf_token": token})
        assert waiting.status_code == 403
        token_ann = csrf_from(agent, f"/agent/live/{hid}")
        claimed = agent.post(
            f"/agent/live/{hid}", data={"action": "claim", "csrf_token": token_ann}
        )
        assert claimed.status_code == 303
        refused = bob.post(f"/agent/live/{hid}/typing", data={"csrf_token": token})
        assert refused.status_code == 403
    # no CSRF token: refused
    assert agent.post(f"/agent/live/{hid}/typing").status_code == 403
    # the holder: Rasa is not running here (port 9), so the hint is not delivered
    sent = agent.post(f"/agent/live/{hid}/typing", data={"csrf_token": token_ann})
    assert sent.status_code == 202
    assert (
        agent.post(
            "/agent/live/999999/typing", data={"csrf_token": token_ann}
        ).status_code
        == 404
    )
