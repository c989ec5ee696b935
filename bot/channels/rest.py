"""The project's REST input channel: Rasa's `rest` channel, with identity.

In `credentials.yml`:

    bot.channels.rest.TokenRestInput: {}

Webhook: `POST /webhooks/csba_rest/webhook`, body
`{"message": "...", "sender": "...", "metadata": {...}, "token": "..."}`, with
the buyer's token in `Authorization: Bearer <jwt>` (or the `token` field). The
reply is the list of bot messages, as with `rest`; `?stream=true` streams them
as newline-separated JSON, also as with `rest`.

What reaches Rasa (see bot.channels.identity_resolution):
- valid token: sender id `conversation_id_for(identity)` and metadata
  `{"csba": {"token", "buyer_id", "auth": "token"}}` beside the client's other
  metadata keys; the client's `sender` and `csba` metadata are ignored;
- invalid or expired token: nothing. The client gets HTTP 401
  `{"error": "invalid_token"}`;
- no token: sender id `anon-...` and `{"csba": {"auth": "anonymous"}}`.

The channel name is fixed (`csba_rest`): a client cannot choose the input
channel as it can with `rest`.
"""

from __future__ import annotations

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

from bot import rasa_session_start, rasa_speedups
from bot.channels.identity_resolution import InvalidToken, resolve_identity
from bot.i18n import t
from bot.services.identity import SecretError, jwt_secret

log = logging.getLogger(__name__)

# Rasa loads this module (credentials.yml) before it serves a message: the place to
# install the project's fix of its per-response schema check (bot/rasa_speedups.py)
# and of a failed session start (bot/rasa_session_start.py).
rasa_speedups.install()
rasa_session_start.install()

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

# Longer chat messages are cut to this many characters before NLU sees them.
MAX_MESSAGE_CHARS = 2000


def unavailable_reply(app: Any, recipient_id: str) -> dict[str, Any]:
    """The polite "can't reach your order" message, for a turn that produced no reply.

    Rasa 3.6 logs and swallows a failed custom action (the action server down, say)
    and may then answer nothing; a buyer must never meet silence. The text is the
    domain's `utter_service_unavailable`, or the catalogue's when no model is loaded.
    """
    text = None
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    try:
        text = agent.domain.responses["utter_service_unavailable"][0]["text"]
    except (AttributeError, KeyError, IndexError, TypeError):
        text = None
    return {"recipient_id": recipient_id, "text": text or t("chat.service_unavailable")}


def _error(status: int, code: str, **headers: str) -> HTTPResponse:
    return response.json({"error": code}, status=status, headers=headers or None)


class TokenRestInput(RestInput):
    """Rasa's REST channel, with the sender id and `csba` metadata derived from
    a signed buyer token (or made anonymous), never taken from the client."""

    @classmethod
    def name(cls) -> str:
        return "csba_rest"

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
            try:
                body = request.json
            except InvalidUsage:
                return _error(400, "invalid_request")
            if not isinstance(body, dict):
                return _error(400, "invalid_request")
            text = body.get("message")
            if text is not None and not isinstance(text, str):
                return _error(400, "invalid_request")
            if text is not None and len(text) > MAX_MESSAGE_CHARS:
                # NLU time grows with length: 20,000 characters cost seconds of CPU.
                # Nothing a buyer needs to say is that long; cases keep 2,000 anyway.
                text = text[:MAX_MESSAGE_CHARS]

            try:
                resolved = resolve_identity(request.headers, body)
            except InvalidToken as exc:
                log.info("Rejected a chat request: token %s", exc.reason)
                return _error(401, "invalid_token", **{"WWW-Authenticate": "Bearer"})
            except SecretError:
                log.exception("The JWT secret is unusable")
                return _error(503, "unavailable")

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
                )

            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        resolved.sender_id,
                        input_channel=input_channel,
                        metadata=resolved.metadata,
                    )
                )
            except CancelledError:
                log.error("Timed out handling a message of %s", resolved.sender_id)
            except Exception:
                log.exception("Failed to handle a message of %s", resolved.sender_id)
            if not collector.messages:
                log.warning(
                    "No reply for %s; sending the unavailable message",
                    resolved.sender_id,
                )
                return response.json(
                    [unavailable_reply(request.app, resolved.sender_id)]
                )
            return response.json(collector.messages)

        return webhook
