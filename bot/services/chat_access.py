"""Which conversation a chat token opens, for the web chat (issue 4).

Two kinds of short-lived signed tokens open a chat; both are HS256 JWTs signed
with the secret of bot.adapters.tokens (`CSBA_JWT_SECRET`):
- a buyer token (`issue_buyer_token`, audience `csba-chat`): the conversation
  is `conversation_id_for(identity)` and the buyer is proven, exactly as in the
  REST token channel (bot.entrypoints.rasa.channels.identity_resolution, over `resolve_token`);
- an anonymous chat token (`issue_anonymous_token`, audience
  `csba-chat-anonymous`): a server-issued anonymous conversation,
  `anon-` + a keyed hash of the token's `cid`. The buyer proves nothing and
  verifies with order number + ZIP; the signature only stops a client from
  choosing someone else's conversation id.

The anonymous tokens themselves live beside the buyer tokens in
bot.services.identity. `resolve_token` turns either into the sender id and
`csba` metadata that Rasa gets; `resolve_chat_token` is the same for the web chat. The socket.io channel (bot.entrypoints.rasa.channels.socketio) and the web app's
`/chat/history` and `/chat/upload` use it, so all three agree on the
conversation. No Rasa import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.services.identity import (
    ANONYMOUS_AUDIENCE,
    BuyerIdentity,
    InvalidToken,
    anonymous_conversation_id,
    conversation_id_for,
    issue_anonymous_token,
    token_audience,
    verify_anonymous_token,
    verify_buyer_token,
)

__all__ = [
    "AUTH_ANONYMOUS",
    "AUTH_TOKEN",
    "CLIENT_KEY",
    "METADATA_KEY",
    "ResolvedSender",
    "SOCKET_CHANNEL_NAME",
    "resolve_chat_token",
    "resolve_token",
]

# The name of the project's socket.io input channel (its `input_channel` in the
# tracker); bot.services.push pushes only into conversations last seen there.
SOCKET_CHANNEL_NAME = "csba_socketio"

# The metadata the channels give Rasa: {"csba": {...}}, the only metadata the
# actions and the console read.
METADATA_KEY = "csba"
AUTH_TOKEN = "token"
AUTH_ANONYMOUS = "anonymous"
CLIENT_KEY = "client"
# The language the buyer's widget shows (issue 16): a hint for a new session.
PAGE_LANGUAGE_KEY = "page_language"


@dataclass(frozen=True)
class ResolvedSender:
    """What a channel hands to Rasa: the sender id and the message metadata.

    `identity` is the verified buyer, or None for an anonymous conversation.
    `anonymous_token` is, for an anonymous conversation, the token the client
    must present next time (issued now, or renewed for the same chat).
    """

    sender_id: str
    metadata: dict[str, Any]
    identity: BuyerIdentity | None = field(default=None)
    anonymous_token: str | None = field(default=None)


def resolve_token(
    token: str | None,
    *,
    client_key: str | None = None,
    now: datetime | None = None,
    secret: str | None = None,
) -> ResolvedSender:
    """The conversation and the `csba` metadata a token opens (None: a new
    anonymous conversation). Raises InvalidToken for a bad or expired token."""
    csba: dict[str, Any]
    if token is None:
        token = issue_anonymous_token(now=now, secret=secret)
    if token_audience(token) == ANONYMOUS_AUDIENCE:
        cid = verify_anonymous_token(token, now=now, secret=secret)
        csba = {"auth": AUTH_ANONYMOUS}
        if client_key:
            csba[CLIENT_KEY] = client_key
        return ResolvedSender(
            anonymous_conversation_id(cid, secret=secret),
            {METADATA_KEY: csba},
            None,
            issue_anonymous_token(conversation=cid, now=now, secret=secret),
        )
    identity = verify_buyer_token(token, now=now, secret=secret)
    csba = {"token": token, "buyer_id": identity.buyer_id, "auth": AUTH_TOKEN}
    if client_key:
        csba[CLIENT_KEY] = client_key
    return ResolvedSender(
        conversation_id_for(identity, secret=secret), {METADATA_KEY: csba}, identity
    )


def resolve_chat_token(
    token: str, *, client_key: str | None = None, secret: str | None = None
) -> ResolvedSender:
    """The conversation (sender id) and the `csba` metadata a chat token opens.

    A buyer token resolves exactly as in the REST token channel; an anonymous
    chat token gives its `anon-` conversation with `{"csba": {"auth":
    "anonymous"}}`. Raises InvalidToken for anything else, expired included."""
    if not isinstance(token, str) or not token:
        raise InvalidToken("malformed")
    return resolve_token(token, client_key=client_key, secret=secret)
