"""The project's REST input channel: Rasa's `rest` channel, with identity.

In `credentials.yml`:

    bot.entrypoints.rasa.channels.rest.TokenRestInput: {}

Webhook: `POST /webhooks/csba_rest/webhook`, body
`{"message": "...", "metadata": {...}, "token": "..."}`, with the chat token in
`Authorization: Bearer <jwt>` (or the `token` field). The reply is the list of
bot messages, as with `rest`; `?stream=true` streams them as newline-separated
JSON, also as with `rest`.

Conversations are issued by the server (see bot.entrypoints.rasa.channels.identity_resolution):
- a buyer token: the buyer's conversation for that token;
- no token: a new anonymous conversation. The reply carries its token in the
  `X-CSBA-Chat-Token` header; the client sends it back (as a bearer token) to
  go on in the same conversation. Every reply to an anonymous token carries a
  renewed one (valid 30 minutes), so an active chat does not expire;
- an invalid or expired token: HTTP 401 `{"error": "invalid_token"}`, and
  nothing reaches Rasa.
A `sender` field is ignored: a client cannot name, and so cannot join, a
conversation.

Input is checked before Rasa sees it (bot.entrypoints.rasa.channels.input_guard): a body over
64 KiB is 413; a body that is not a JSON object, a `message` that is missing,
not a string, or empty is 400 with `{"error": ..., "detail": ...}`; a message
is cut to 2,000 characters, its control characters dropped, and anything that
Rasa would read as an internal intent (`/restart`, `/EXTERNAL_...`) reaches it
as plain text. No request gets a 5xx or an empty reply.

The channel name is fixed (`csba_rest`): a client cannot choose the input
channel as it can with `rest`.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import CancelledError, Queue
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel, RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.adapters.catalogue import t
from bot.adapters.rasa_domain import variations_in
from bot.adapters.tokens import SecretError, jwt_secret
from bot.entrypoints.rasa.channels.identity_resolution import (
    CHAT_TOKEN_HEADER,
    InvalidToken,
    resolve_identity,
)
from bot.entrypoints.rasa.channels.input_guard import MAX_BODY_BYTES, buyer_text
from bot.entrypoints.rasa.channels.language_events import tracker_engine
from bot.services import live_updates
from bot.services.conversation_language import language_in
from bot.services.verification import client_key

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

__all__ = ["CHAT_TOKEN_HEADER", "TokenRestInput", "client_address", "unavailable_reply"]


def unavailable_reply(app: Any, recipient_id: str) -> dict[str, Any]:
    """The polite "can't reach your order" message, for a turn that produced no reply.

    Rasa 3.6 logs and swallows a failed custom action (the action server down, say)
    and may then answer nothing; a buyer must never meet silence. The text is the
    domain's `utter_service_unavailable`, or the catalogue's when no model is loaded,
    in the conversation's language (issue 16) when its tracker says it.
    """
    language = None
    try:
        engine = tracker_engine(app)
        language = language_in(engine, recipient_id) if engine is not None else None
    except Exception:  # a fallback of a fallback: English rather than nothing
        log.warning("No language for %s", recipient_id, exc_info=True)
    text = None
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    try:
        responses = agent.domain.responses["utter_service_unavailable"]
        text = variations_in(responses, language)[0]["text"]
    except (AttributeError, KeyError, IndexError, TypeError):
        text = None
    return {
        "recipient_id": recipient_id,
        "text": text or t("chat.service_unavailable", language),
    }


def _error(
    status: int, code: str, detail: str | None = None, **headers: str
) -> HTTPResponse:
    body = {"error": code}
    if detail:
        body["detail"] = detail
    return response.json(body, status=status, headers=headers or None)


def client_address(request: Request) -> str:
    """The client's address: the peer, or the address a trusted proxy forwarded
    when Sanic is told to trust one (SANIC_PROXIES_COUNT, SANIC_REAL_IP_HEADER
    or SANIC_FORWARDED_SECRET in the environment of `rasa run`)."""
    try:
        return request.remote_addr or request.ip or ""
    except Exception:  # a malformed forwarded header must not fail the request
        return request.ip or ""


def request_client_key(request: Request) -> str:
    return client_key(client_address(request), jwt_secret())


_BACKGROUND: set[asyncio.Task] = set()


def after_turn(sender_id: str) -> None:
    """The turn is stored: an agent's open page of this chat refreshes
    (bot.services.live_updates). In the background; it never delays or fails
    the reply."""
    task = asyncio.create_task(
        asyncio.to_thread(live_updates.conversation_changed, sender_id)
    )
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


class TokenRestInput(RestInput):
    """Rasa's REST channel, with the sender id and `csba` metadata derived from
    a signed buyer token (or made anonymous), never taken from the client."""

    # Only buyer tokens (the email channel): no anonymous conversations.
    buyer_token_only = False

    @classmethod
    def name(cls) -> str:
        return "csba_rest"

    def collector(self) -> CollectingOutputChannel:
        """The output channel of a turn: its name picks a response's
        `channel:` variation in domain.yml (Rasa's own: "collector")."""
        return CollectingOutputChannel()

    def message_id_of(self, body: dict[str, Any]) -> str | None:
        """The id the user message gets in the tracker (None: Rasa's own)."""
        return None

    def __init__(self) -> None:
        super().__init__()
        # Fail at start-up, not at the first message, when the secret is unusable
        # (too short, or var/ not writable); this also creates var/jwt-secret.
        jwt_secret()

    @staticmethod
    async def on_message_wrapper(
        on_new_message: OnNewMessage,
        text: str,
        queue: Queue,
        sender_id: str,
        input_channel: str,
        metadata: dict[str, Any] | None,
    ) -> None:
        """The parent's, except that a failure still ends the stream.

        Rasa's version never puts "DONE" when handling the message raises, which
        leaves a `?stream=true` client waiting forever.
        """
        collector = QueueOutputChannel(queue)
        message = UserMessage(
            text, collector, sender_id, input_channel=input_channel, metadata=metadata
        )
        try:
            await on_new_message(message)
        except CancelledError:
            log.error("Timed out handling a message of %s", sender_id)
        except Exception:
            log.exception("Failed to handle a message of %s", sender_id)
        finally:
            await queue.put("DONE")

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The health route `GET /` and the webhook `POST /webhook`."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Any:
            if len(request.body or b"") > MAX_BODY_BYTES:
                return _error(
                    413, "payload_too_large", f"at most {MAX_BODY_BYTES} bytes"
                )
            try:
                body = request.json
            except (InvalidUsage, ValueError, UnicodeDecodeError):
                return _error(400, "invalid_request", "the body is not JSON")
            if not isinstance(body, dict):
                return _error(400, "invalid_request", "the body must be a JSON object")
            raw = body.get("message")
            if not isinstance(raw, str):
                return _error(400, "invalid_request", "message must be a string")
            text = buyer_text(raw)
            if not text:
                return _error(400, "invalid_request", "message is empty")

            try:
                resolved = resolve_identity(
                    request.headers, body, client_key=request_client_key(request)
                )
            except InvalidToken as exc:
                log.info("Rejected a chat request: token %s", exc.reason)
                return _error(401, "invalid_token", **{"WWW-Authenticate": "Bearer"})
            except SecretError:
                log.exception("The JWT secret is unusable")
                return _error(503, "unavailable")
            if self.buyer_token_only and resolved.identity is None:
                return _error(401, "invalid_token", **{"WWW-Authenticate": "Bearer"})
            headers = (
                {CHAT_TOKEN_HEADER: resolved.anonymous_token}
                if resolved.anonymous_token
                else None
            )

            input_channel = self.name()
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(
                        on_new_message,
                        text,
                        resolved.sender_id,
                        input_channel,
                        resolved.metadata,
                    ),
                    content_type="text/event-stream",
                    headers=headers,
                )

            collector = self.collector()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        resolved.sender_id,
                        input_channel=input_channel,
                        metadata=resolved.metadata,
                        message_id=self.message_id_of(body),
                    )
                )
            except CancelledError:
                log.error("Timed out handling a message of %s", resolved.sender_id)
            except Exception:
                log.exception("Failed to handle a message of %s", resolved.sender_id)
            after_turn(resolved.sender_id)
            messages = collector.messages
            if not messages:
                log.warning(
                    "No reply for %s; sending the unavailable message",
                    resolved.sender_id,
                )
                messages = [unavailable_reply(request.app, resolved.sender_id)]
            return response.json(messages, headers=headers)

        return webhook
