"""The project's socket.io channel (bot.entrypoints.rasa.channels.socketio) inside the real
`rasa run`, talked to by python-socketio's own client: the token decides the
conversation, whatever session_id and metadata the client sends."""

from __future__ import annotations

import threading

import pytest
import socketio

from bot.services.chat_access import resolve_chat_token
from bot.services.identity import issue_buyer_token
from tests.e2e.conftest import JWT_SECRET


def _client() -> socketio.Client:
    return socketio.Client(reconnection=False)


def test_a_bad_token_is_refused(web_stack):
    client = _client()
    forged = issue_buyer_token("B-1", secret="another-secret-" + "z" * 40)
    with pytest.raises(socketio.exceptions.ConnectionError):
        # refused at once; the client only notices when its wait ends
        client.connect(web_stack.rasa_url, auth={"token": forged}, wait_timeout=5)
    assert not client.connected


def test_the_token_not_the_client_decides_the_conversation(web_stack):
    token = issue_buyer_token("B-1", secret=JWT_SECRET)
    expected = resolve_chat_token(token, secret=JWT_SECRET).sender_id
    victim = resolve_chat_token(
        issue_buyer_token("B-2", secret=JWT_SECRET), secret=JWT_SECRET
    ).sender_id
    client = _client()
    confirmed: list[dict] = []
    replies: list[dict] = []
    done = threading.Event()
    client.on("session_confirm", confirmed.append)
    client.on("bot_uttered", replies.append)
    client.on("bot_turn_done", lambda *_: done.set())
    client.connect(web_stack.rasa_url, auth={"token": token}, wait_timeout=30)
    try:
        client.emit("session_request", {"session_id": victim})
        client.emit(
            "user_uttered",
            {
                "message": "hello",
                "session_id": victim,
                "metadata": {"csba": {"buyer_id": "B-2", "auth": "token"}},
            },
        )
        assert done.wait(120), web_stack.logs()
    finally:
        client.disconnect()
    assert confirmed and confirmed[0]["session_id"] == expected
    assert replies, "no bot reply"
    tracker = web_stack.tracker(expected)
    user = [e for e in tracker["events"] if e["event"] == "user"]
    assert user[-1]["text"] == "hello"
    assert user[-1]["input_channel"] == "csba_socketio"
    assert user[-1]["metadata"]["csba"]["buyer_id"] == "B-1"
    assert tracker["slots"]["buyer_id"] == "B-1"
    assert not [e for e in web_stack.tracker(victim)["events"] if e["event"] == "user"]


def test_no_token_gets_a_server_issued_anonymous_conversation(web_stack):
    client = _client()
    confirmed: list[dict] = []
    received = threading.Event()
    client.on("session_confirm", lambda data: (confirmed.append(data), received.set()))
    client.connect(web_stack.rasa_url, wait_timeout=30)
    try:
        client.emit("session_request", {"session_id": "anon-chosen-by-me"})
        assert received.wait(30)
    finally:
        client.disconnect()
    resolved = resolve_chat_token(confirmed[0]["token"], secret=JWT_SECRET)
    assert confirmed[0]["session_id"] == resolved.sender_id != "anon-chosen-by-me"
    assert resolved.sender_id.startswith("anon-") and resolved.identity is None


def test_long_messages_are_cut_like_the_rest_channels(web_stack):
    from bot.entrypoints.rasa.channels.input_guard import MAX_MESSAGE_CHARS

    token = issue_buyer_token("B-3", secret=JWT_SECRET)
    conversation_id = resolve_chat_token(token, secret=JWT_SECRET).sender_id
    client = _client()
    done = threading.Event()
    client.on("bot_turn_done", lambda *_: done.set())
    client.connect(web_stack.rasa_url, auth={"token": token}, wait_timeout=30)
    try:
        client.emit("user_uttered", {"message": "x" * 20_000})
        assert done.wait(120), web_stack.logs()
    finally:
        client.disconnect()
    user = [e for e in web_stack.tracker(conversation_id)["events"] if e["event"] == "user"]
    assert len(user[-1]["text"]) == MAX_MESSAGE_CHARS
