"""The project's socket.io input channel: Rasa's `socketio`, with identity.

In `credentials.yml`:

    bot.entrypoints.rasa.channels.socketio.TokenSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered

The web chat (bot/entrypoints/web/static/js/widget.js) connects to `socketio_path`
(default `/socket.io`) with `auth: {"token": <jwt>}` (or `?token=` in the
query string): a buyer token or an anonymous chat token, both issued by the web
app (bot.services.chat_access). On connect the channel:
- verifies the token and refuses the connection (`connect_error`, data
  `{"error": "invalid_token"}`) when it is invalid or expired;
- derives the conversation (sender) id and the `csba` metadata from it, exactly
  as the REST token channel does; with no token at all it issues a new
  anonymous conversation and sends its token back in `session_confirm`;
- puts the socket in the room named after the conversation, so that every tab
  of the chat, and a reply pushed later (`trigger_intent` with
  `output_channel=latest`, see bot.services.push), reach it. With
  `CSBA_REDIS_URL` (the cluster), the rooms span every Rasa replica through
  python-socketio's Redis manager (`client_manager`): the widget's socket is a
  websocket that stays on the replica it reached, and a reply pushed through
  any other replica still reaches it.

The client's `session_id` and `metadata` are ignored: Rasa only ever sees the
server-derived sender id and `{"csba": {...}}` (with the keyed hash of the
client's address, for the verification limits). Messages pass the same input
guard as REST (bot.entrypoints.rasa.channels.input_guard): cut to 2,000 characters, control
characters dropped, internal intent syntax turned into plain text; a message
that is not a string or is empty reaches nobody and gets `csba_error`
`{"error": "invalid_request", "detail": ...}`, then `bot_turn_done`. After each message the channel emits `bot_turn_done` to the
socket (the widget's typing indicator stops there). A turn with no reply gets
the polite unavailable message. A token that expires while connected ends the
connection at the next message (`session_expired`); the widget reconnects with
a fresh token.

Events: client → server `session_request`, `user_uttered` `{"message": str}`;
server → client `session_confirm` `{"session_id", "token"?}`, `bot_uttered`
(Rasa's socketio payloads), `bot_turn_done`, `session_expired`, `csba_error`,
and `csba_language` `{"language": "en"|"es"}` when the conversation's language
(the `language` slot) is known and not the one the socket was last told: at
`session_request` and after each message, before `bot_turn_done`
(bot.entrypoints.rasa.channels.language_events).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncManager, AsyncRedisManager, AsyncServer

from bot import config
from bot.adapters import live_signal
from bot.adapters.tokens import SecretError, jwt_secret
from bot.entrypoints.rasa.channels.input_guard import buyer_text
from bot.entrypoints.rasa.channels.language_events import (
    announce_language,
    with_page_language,
)
from bot.entrypoints.rasa.channels.rest import (
    after_turn,
    request_client_key,
    unavailable_reply,
)
from bot.services import live_updates
from bot.services.chat_access import SOCKET_CHANNEL_NAME, resolve_chat_token
from bot.services.identity import InvalidToken, issue_anonymous_token

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

TURN_DONE_EVT = "bot_turn_done"
BUYER_TYPING_EVT = "buyer_typing"
AGENT_TYPING_EVT = "agent_typing"
# at most one "the buyer is typing" signal per socket in this many seconds
TYPING_EVERY_SECONDS = 2.0
ERROR_EVT = "csba_error"
SESSION_EXPIRED_EVT = "session_expired"
# the Redis channel of the replicas' socket.io servers (with CSBA_REDIS_URL)
SOCKETIO_REDIS_CHANNEL = "csba:socketio"


def client_manager(redis_url: str | None) -> AsyncManager:
    """Where the channel's emits go. With Redis (`CSBA_REDIS_URL`, the cluster),
    python-socketio's own Redis manager: an emit to a conversation's room on
    any replica reaches the sockets of that room on every replica, so a seller's
    reply or an agent's message pushed through one replica reaches a widget
    connected to another. Without it, the sockets of this process only.

    The manager pickles its messages: Redis must be the project's own, as every
    store of the cluster is (docs/scaling.md)."""
    if not redis_url:
        return AsyncManager()
    return AsyncRedisManager(redis_url, channel=SOCKETIO_REDIS_CHANNEL)


class _CountingOutput(SocketIOOutput):
    """Rasa's socket.io output, remembering whether anything was sent."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        # Rasa 3.6's own version spreads the payload into emit()'s keyword
        # arguments, which fails on any payload but {"data": ...} and loses
        # the turn (the live hand-off's "delivered"): send it as the message's
        # `custom` data, to the conversation's room like every bot message.
        self.sent += 1
        await self.sio.emit(
            self.bot_message_evt, {"custom": json_message}, room=recipient_id
        )


def _token_from(environ: dict[str, Any] | None, auth: Any) -> str | None:
    """The token of a connection: `auth.token`, else `?token=`; None when absent."""
    if isinstance(auth, dict) and auth.get("token") not in (None, ""):
        token = auth.get("token")
        return token if isinstance(token, str) else ""
    query = parse_qs((environ or {}).get("QUERY_STRING", ""))
    values = query.get("token") or []
    return values[0] if values and values[0] else None


def _signed_conversation(request: Request) -> dict[str, Any] | HTTPResponse:
    """The payload of a signed call from the web app naming a conversation
    (bot.adapters.live_signal), or the error to answer: 403 unsigned, 400 no
    conversation id."""
    payload = live_signal.verified_payload(
        request.body, request.headers.get(live_signal.SIGNATURE_HEADER)
    )
    if payload is None:
        return response.json({"error": "forbidden"}, status=403)
    if not isinstance(payload.get("conversation_id"), str):
        return response.json({"error": "invalid_request"}, status=400)
    return payload


def _client_key(environ: dict[str, Any] | None) -> str | None:
    """The keyed client address of a connection (python-engineio's Sanic driver
    puts the request in the environ; its REMOTE_ADDR is always 127.0.0.1)."""
    request = (environ or {}).get("sanic.request")
    return request_client_key(request) if request is not None else None


class TokenSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with the conversation and the `csba` metadata
    derived from a signed token, never from the client."""

    @classmethod
    def name(cls) -> str:
        return SOCKET_CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SocketIOInput:
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        namespace: str | None = None,
        socketio_path: str = "/socket.io",
    ) -> None:
        # Rooms are always per conversation; Rasa's own JWT gate is replaced by
        # the token check below.
        super().__init__(
            user_message_evt,
            bot_message_evt,
            namespace,
            session_persistence=True,
            socketio_path=socketio_path,
        )
        jwt_secret()  # fail at start-up when the secret is unusable

    def get_output_channel(self) -> SocketIOOutput | None:
        # The output of external events (a pushed reply, the hand back): the
        # same fixed custom-JSON sending as a buyer's turn.
        if getattr(self, "sio", None) is None:
            return super().get_output_channel()
        return _CountingOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        # Websocket clients need no CORS; python-socketio<5.10 (Rasa 3.6).
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=[],
            client_manager=client_manager(config.redis_url()),
        )
        webhook = SocketBlueprint(
            sio, self.socketio_path, "csba_socketio_webhook", __name__
        )
        self.sio = sio
        namespace = self.namespace

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            token = _token_from(environ, auth)
            issued = None
            try:
                client = _client_key(environ)
                if token is None:
                    token = issued = issue_anonymous_token()
                resolved = resolve_chat_token(token, client_key=client)
            except InvalidToken as exc:
                log.info("Refused a socket.io connection: token %s", exc.reason)
                raise ConnectionRefusedError({"error": "invalid_token"}) from None
            except SecretError:
                log.exception("The JWT secret is unusable")
                raise ConnectionRefusedError({"error": "unavailable"}) from None
            await sio.save_session(
                sid,
                {
                    "token": token,
                    "issued_token": issued,
                    "client_key": client,
                    "sender_id": resolved.sender_id,
                    "metadata": resolved.metadata,
                },
                namespace=namespace,
            )
            sio.enter_room(sid, resolved.sender_id, namespace=namespace)
            return True

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            session = await sio.get_session(sid, namespace=namespace)
            if not session.get("sender_id"):
                return
            confirm = {"session_id": session["sender_id"]}
            if session.get("issued_token"):
                confirm["token"] = session["issued_token"]
            await sio.emit("session_confirm", confirm, room=sid, namespace=namespace)
            await announce_language(
                sio,
                webhook_app(),
                sid=sid,
                sender_id=session["sender_id"],
                namespace=namespace,
            )

        @sio.on(BUYER_TYPING_EVT, namespace=namespace)
        async def buyer_typing(sid: str, data: Any = None) -> None:
            # The agent of a live chat sees it (bot.services.live_updates); a
            # signal nobody listens to is dropped by the web app.
            session = await sio.get_session(sid, namespace=namespace)
            sender_id = session.get("sender_id")
            if not sender_id:
                return
            now = asyncio.get_running_loop().time()
            if (
                now - session.get("typing_at", -TYPING_EVERY_SECONDS)
                < TYPING_EVERY_SECONDS
            ):
                return
            session["typing_at"] = now
            await asyncio.to_thread(live_updates.buyer_typing, sender_id)

        @webhook.route("/agent_typing", methods=["POST"])
        async def agent_typing(request: Request) -> HTTPResponse:
            # The web app: the agent of this live chat is typing (signed).
            payload = _signed_conversation(request)
            if isinstance(payload, HTTPResponse):
                return payload
            conversation_id, agent = payload["conversation_id"], payload.get("agent")
            if not isinstance(agent, str):
                return response.json({"error": "invalid_request"}, status=400)
            await sio.emit(
                AGENT_TYPING_EVT,
                {"agent": agent[:100]},
                room=conversation_id,
                namespace=namespace,
            )
            return response.json({"status": "ok"})

        @webhook.route("/connected", methods=["POST"])
        async def connected(request: Request) -> HTTPResponse:
            # The web app: has the buyer this conversation open here (signed)?
            # Sockets on another replica are not seen: "no" means "not here",
            # and the buyer then also gets the answer by email.
            payload = _signed_conversation(request)
            if isinstance(payload, HTTPResponse):
                return payload
            conversation_id = payload["conversation_id"]
            space = namespace or "/"
            present = space in sio.manager.rooms and any(
                True for _ in sio.manager.get_participants(space, conversation_id)
            )
            return response.json({"connected": present})

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            session = await sio.get_session(sid, namespace=namespace)
            raw = data.get("message") if isinstance(data, dict) else None
            if not session.get("token"):
                return
            text = buyer_text(raw) if isinstance(raw, str) else ""
            if not text:
                detail = (
                    "message is empty"
                    if isinstance(raw, str)
                    else "message must be a string"
                )
                await sio.emit(
                    ERROR_EVT,
                    {"error": "invalid_request", "detail": detail},
                    room=sid,
                    namespace=namespace,
                )
                await sio.emit(TURN_DONE_EVT, {}, room=sid, namespace=namespace)
                return
            try:
                # Again at each message: a token may expire while connected.
                resolved = resolve_chat_token(
                    session["token"], client_key=session.get("client_key")
                )
            except InvalidToken:
                await sio.emit(SESSION_EXPIRED_EVT, {}, room=sid, namespace=namespace)
                await sio.disconnect(sid, namespace=namespace)
                return
            sender_id = resolved.sender_id
            output = _CountingOutput(sio, self.bot_message_evt)
            message = UserMessage(
                text,
                output,
                sender_id,
                input_channel=self.name(),
                metadata=with_page_language(resolved.metadata, data),
            )
            try:
                await on_new_message(message)
            except Exception:
                log.exception("Failed to handle a message of %s", sender_id)
            if not output.sent:
                log.warning(
                    "No reply for %s; sending the unavailable message", sender_id
                )
                reply = unavailable_reply(webhook_app(), sender_id)
                await output.send_text_message(sender_id, reply["text"])
            await announce_language(
                sio, webhook_app(), sid=sid, sender_id=sender_id, namespace=namespace
            )
            await sio.emit(TURN_DONE_EVT, {}, room=sid, namespace=namespace)
            after_turn(sender_id)

        def webhook_app() -> Any:
            # The running Sanic app, for the domain's unavailable message.
            try:
                from sanic import Sanic

                return Sanic.get_app()
            except Exception:
                return None

        return webhook
