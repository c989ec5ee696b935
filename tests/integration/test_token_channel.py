"""The real TokenRestInput blueprint, registered on a real Sanic app exactly as
`rasa run` does (rasa.core.channels.channel.register), driven over HTTP through
the app's ASGI interface (sanic-testing is not installed; httpx's ASGI transport
runs offline and in-process). The agent is a recorder: it keeps every
UserMessage that reaches "Rasa" and replies through the message's collector.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.adapters.tokens import SecretError
from bot.entrypoints.rasa.channels.rest import CHAT_TOKEN_HEADER, TokenRestInput
from bot.services.identity import (
    BuyerIdentity,
    conversation_id_for,
    identity_from_metadata,
    issue_buyer_token,
    verify_buyer_token,
)
from bot.services.verification import client_key

SECRET = "integration-test-secret-" + "x" * 24
WEBHOOK = "/webhooks/csba_rest/webhook"


class RecordingAgent:
    """Stands in for rasa.core.agent.Agent.handle_message."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.fail = False

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.fail:
            raise RuntimeError("the processor blew up")
        await message.output_channel.send_text_message(
            message.sender_id, f"echo: {message.text}"
        )


@asynccontextmanager
async def lifespan(app: Sanic) -> AsyncIterator[None]:
    """Run the ASGI lifespan protocol, as an ASGI server would."""
    inbox: asyncio.Queue = asyncio.Queue()
    started, stopped = asyncio.Event(), asyncio.Event()

    async def send(message: dict) -> None:
        if message["type"] == "lifespan.startup.complete":
            started.set()
        elif message["type"] == "lifespan.shutdown.complete":
            stopped.set()

    task = asyncio.ensure_future(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, send)
    )
    await inbox.put({"type": "lifespan.startup"})
    await asyncio.wait_for(started.wait(), 10)
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(stopped.wait(), 10)
        # Sanic 21.12 goes on to treat the finished lifespan scope as a request
        # (ASGIApp.__call__ without `request`); uvicorn shrugs that off, so do we.
        with suppress(AttributeError):
            await task


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("CSBA_JWT_SECRET", SECRET)


@pytest.fixture
def agent() -> RecordingAgent:
    return RecordingAgent()


@pytest.fixture
async def client(agent, monkeypatch) -> AsyncIterator[httpx.AsyncClient]:
    # As sanic-testing does: lets several apps start in one process (Sanic's
    # start-up "touch-up" rewrites shared classes and cannot run twice otherwise).
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = Sanic(f"csba-token-channel-{uuid.uuid4().hex[:8]}")
    app.ctx.agent = agent
    register([TokenRestInput()], app, route="/webhooks/")
    async with lifespan(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://csba.test"
        ) as http:
            yield http


def now() -> datetime:
    return datetime.now(timezone.utc)


def token_for(buyer: str = "B-1", **kwargs) -> str:
    return issue_buyer_token(buyer, **kwargs)


def expected_sender(token: str) -> str:
    return conversation_id_for(verify_buyer_token(token))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def asgi_client_key() -> str:
    """The keyed address of httpx's ASGI client (127.0.0.1), as the channel
    puts it in the `csba` metadata for the verification limits."""
    return client_key("127.0.0.1", SECRET)


ANONYMOUS = {"auth": "anonymous", "client": client_key("127.0.0.1", SECRET)}


async def test_health(client):
    got = await client.get("/webhooks/csba_rest/")
    assert got.status_code == 200 and got.json() == {"status": "ok"}


async def test_valid_token_derives_sender_and_metadata(client, agent):
    token = token_for("B-1")
    got = await client.post(
        WEBHOOK, json={"message": "where is my order?"}, headers=bearer(token)
    )
    assert got.status_code == 200
    sender = expected_sender(token)
    assert got.json() == [{"recipient_id": sender, "text": "echo: where is my order?"}]
    [message] = agent.messages
    assert message.sender_id == sender and sender.startswith("buyer-")
    assert "B-1" not in sender
    assert message.input_channel == "csba_rest"
    assert message.metadata["csba"] == {
        "token": token,
        "buyer_id": "B-1",
        "auth": "token",
        "client": asgi_client_key(),
    }
    assert CHAT_TOKEN_HEADER.lower() not in got.headers
    # What the actions will do with it:
    who = identity_from_metadata(message.metadata, message.sender_id)
    assert who is not None and who.buyer_id == "B-1"


async def test_client_sender_and_csba_metadata_are_ignored(client, agent):
    token = token_for("B-1")
    got = await client.post(
        WEBHOOK,
        json={
            "message": "hi",
            "sender": "buyer-xyz",
            "input_channel": "rest",
            "metadata": {"csba": {"buyer_id": "B-2"}, "Csba": {}, "page": "/orders"},
        },
        headers=bearer(token),
    )
    assert got.status_code == 200
    [message] = agent.messages
    assert message.sender_id == expected_sender(token) != "buyer-xyz"
    assert message.input_channel == "csba_rest"
    assert message.metadata == {
        "csba": {
            "token": token,
            "buyer_id": "B-1",
            "auth": "token",
            "client": asgi_client_key(),
        },
    }


async def test_token_in_body_for_clients_without_headers(client, agent):
    token = token_for("B-3")
    got = await client.post(WEBHOOK, json={"message": "hi", "token": token})
    assert got.status_code == 200
    assert agent.messages[0].sender_id == expected_sender(token)
    assert agent.messages[0].metadata["csba"]["buyer_id"] == "B-3"


async def test_same_chat_same_conversation_other_buyer_other_conversation(
    client, agent
):
    first = token_for("B-1", conversation="chat-7", now=now() - timedelta(minutes=20))
    renewed = token_for("B-1", conversation="chat-7")
    other = token_for("B-2", conversation="chat-7")
    for token in (first, renewed, other):
        await client.post(WEBHOOK, json={"message": "hi"}, headers=bearer(token))
    ids = [m.sender_id for m in agent.messages]
    assert ids[0] == ids[1] != ids[2]


def _alg_none_token() -> str:
    def b64(obj: dict) -> str:
        raw = json.dumps(obj).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    claims = {
        "sub": "B-1",
        "cid": "c",
        "iss": "csba-triage-bot",
        "aud": "csba-chat",
        "iat": int(now().timestamp()),
        "exp": int((now() + timedelta(minutes=5)).timestamp()),
    }
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(
            lambda: token_for(now=now() - timedelta(minutes=30, seconds=1)),
            id="expired",
        ),
        pytest.param(lambda: token_for(secret="w" * 40), id="wrong-secret"),
        pytest.param(_alg_none_token, id="alg-none"),
        pytest.param(lambda: "not-a-token", id="garbage"),
    ],
)
@pytest.mark.parametrize("where", ["header", "body"])
async def test_invalid_token_is_401_and_never_reaches_rasa(
    client, agent, make_token, where
):
    token = make_token()
    body = {"message": "hi", "sender": "buyer-xyz"}
    if where == "header":
        got = await client.post(WEBHOOK, json=body, headers=bearer(token))
    else:
        got = await client.post(WEBHOOK, json={**body, "token": token})
    assert got.status_code == 401
    assert got.json() == {"error": "invalid_token"}
    assert got.headers["www-authenticate"] == "Bearer"
    assert agent.messages == []


async def test_invalid_token_streaming_is_401_too(client, agent):
    expired = token_for(now=now() - timedelta(hours=1))
    got = await client.post(
        WEBHOOK + "?stream=true", json={"message": "hi"}, headers=bearer(expired)
    )
    assert got.status_code == 401 and agent.messages == []


async def test_no_token_is_anonymous_and_csba_metadata_stripped(client, agent):
    got = await client.post(
        WEBHOOK,
        json={
            "message": "hi",
            "metadata": {"csba": {"buyer_id": "B-2", "auth": "token"}, "lang": "zh"},
        },
    )
    assert got.status_code == 200
    [message] = agent.messages
    assert message.sender_id.startswith("anon-")
    assert message.metadata == {"csba": ANONYMOUS}
    assert identity_from_metadata(message.metadata, message.sender_id) is None
    assert got.json()[0]["recipient_id"] == message.sender_id
    assert got.headers[CHAT_TOKEN_HEADER]


async def test_anonymous_conversation_is_issued_by_the_server(client, agent):
    """Defect 4 of issue 10: the conversation was `anon-` + the client's sender,
    so a client could continue anyone's anonymous conversation. Now a `sender`
    is ignored; the conversation goes on only with the token the server issued."""
    first = await client.post(WEBHOOK, json={"message": "a", "sender": "victim"})
    second = await client.post(WEBHOOK, json={"message": "b", "sender": "victim"})
    victim = agent.messages[0].sender_id
    assert "victim" not in victim
    assert agent.messages[1].sender_id != victim  # same sender: not the same chat
    assert first.headers[CHAT_TOKEN_HEADER] != second.headers[CHAT_TOKEN_HEADER]
    # Echoing the recipient id as the sender does not join it either.
    await client.post(WEBHOOK, json={"message": "c", "sender": victim})
    assert agent.messages[2].sender_id != victim
    # The issued token does, and each reply renews it for the same chat.
    token = first.headers[CHAT_TOKEN_HEADER]
    third = await client.post(WEBHOOK, json={"message": "d"}, headers=bearer(token))
    assert agent.messages[3].sender_id == victim
    renewed = third.headers[CHAT_TOKEN_HEADER]
    await client.post(WEBHOOK, json={"message": "e", "token": renewed})
    assert agent.messages[4].sender_id == victim


async def test_internal_intents_reach_rasa_as_plain_text(client, agent):
    """Defect 1 of issue 10: `/restart` reset the ZIP limit. Buyers' messages
    never reach Rasa as an internal intent; the bot's own buttons still work."""
    sent = [
        "/restart",
        "/session_start",
        '/EXTERNAL_case_reply{"case_id": 1}',
        '/give_order_id{"order_id": "112-0000003-0000003", "zip": "1"}',
        "  //back",
        "/human_agent",
        '/give_order_id{"order_id": "112-0000003-0000003"}',
    ]
    for text in sent:
        got = await client.post(WEBHOOK, json={"message": text})
        assert got.status_code == 200
    assert [m.text for m in agent.messages] == [
        "restart",
        "session_start",
        'EXTERNAL_case_reply{"case_id": 1}',
        'give_order_id{"order_id": "112-0000003-0000003", "zip": "1"}',
        "back",
        "/human_agent",
        '/give_order_id{"order_id": "112-0000003-0000003"}',
    ]


async def test_stolen_token_with_plain_metadata_cannot_pick_a_conversation(
    client, agent
):
    """A token of B-1 never lets its holder write into B-2's conversation."""
    b2_sender = conversation_id_for(BuyerIdentity("B-2", "chat-1", now()))
    await client.post(
        WEBHOOK,
        json={"message": "hi", "sender": b2_sender},
        headers=bearer(token_for("B-1", conversation="chat-1")),
    )
    assert agent.messages[0].sender_id != b2_sender


async def test_stream(client, agent):
    token = token_for("B-1")
    got = await client.post(
        WEBHOOK + "?stream=true", json={"message": "hi"}, headers=bearer(token)
    )
    assert got.status_code == 200
    lines = [json.loads(line) for line in got.text.splitlines() if line]
    assert lines == [{"recipient_id": expected_sender(token), "text": "echo: hi"}]
    assert agent.messages[0].metadata["csba"]["token"] == token


async def test_failing_handler_answers_politely_not_5xx(client, agent):
    """A turn that produced no reply (a crash, or Rasa swallowing a dead action
    server) gets the polite unavailable message, never silence or a 5xx."""
    from bot.adapters.catalogue import t

    agent.fail = True
    got = await client.post(WEBHOOK, json={"message": "hi"})
    assert got.status_code == 200
    [reply] = got.json()
    assert reply["text"] == t("chat.service_unavailable")
    assert reply["recipient_id"].startswith("anon-")
    streamed = await asyncio.wait_for(
        client.post(WEBHOOK + "?stream=true", json={"message": "hi"}), 10
    )
    assert streamed.status_code == 200 and streamed.text == ""


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1, 2, 3]",
        b'"just a string"',
        json.dumps({"message": 42}).encode(),
        json.dumps({"message": ["x"]}).encode(),
        json.dumps({"sender": "x"}).encode(),
        json.dumps({"message": None}).encode(),
        json.dumps({"message": "  \x00\u202e "}).encode(),
        b"null",
        b"",
        b"123",
    ],
)
async def test_bad_requests_are_400(client, agent, content):
    got = await client.post(
        WEBHOOK, content=content, headers={"Content-Type": "application/json"}
    )
    assert got.status_code == 400
    assert got.json()["error"] == "invalid_request"
    assert got.json()["detail"]
    assert agent.messages == []


@pytest.mark.parametrize(
    "text",
    ["x" * 20_000, "\x00\x07\x1b[31m", "😡📦", "'; DROP TABLE orders; --", "<b>"],
)
async def test_hostile_messages_pass_through_without_5xx(client, agent, text):
    got = await client.post(
        WEBHOOK,
        json={"message": text, "metadata": "not-a-dict", "sender": {"x": 1}},
    )
    assert got.status_code == 200
    assert agent.messages[0].metadata == {"csba": ANONYMOUS}
    assert agent.messages[0].sender_id.startswith("anon-")
    assert "\x00" not in agent.messages[0].text


async def test_oversize_body_is_413(client, agent):
    got = await client.post(WEBHOOK, json={"message": "x" * 70_000})
    assert got.status_code == 413
    assert got.json()["error"] == "payload_too_large"
    assert agent.messages == []


def test_channel_refuses_a_short_secret(monkeypatch):
    monkeypatch.setenv("CSBA_JWT_SECRET", "short")
    with pytest.raises(SecretError):
        TokenRestInput()


def test_channel_loads_from_credentials_module_path():
    """What `rasa run` does with `bot.entrypoints.rasa.channels.rest.TokenRestInput: {}`."""
    from rasa.core.run import _create_single_channel

    channel = _create_single_channel("bot.entrypoints.rasa.channels.rest.TokenRestInput", {})
    assert isinstance(channel, TokenRestInput)
    assert channel.name() == "csba_rest" and channel.url_prefix() == "csba_rest"


async def test_very_long_messages_are_cut_before_rasa(client, agent):
    from bot.entrypoints.rasa.channels.input_guard import MAX_MESSAGE_CHARS

    got = await client.post(WEBHOOK, json={"message": "x" * 20_000})
    assert got.status_code == 200
    assert len(agent.messages[-1].text) == MAX_MESSAGE_CHARS


async def test_client_metadata_cannot_hide_a_message_from_the_console(client, agent):
    """Review of issue 10: `is_external` from a client made the console and the
    chat history skip the buyer's message as if the server had pushed it."""
    await client.post(
        WEBHOOK, json={"message": "hi", "metadata": {"is_external": True}}
    )
    assert agent.messages[0].metadata == {"csba": ANONYMOUS}
