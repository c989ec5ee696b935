"""Which conversation a chat token opens, for the web chat (issue 4).

Two kinds of short-lived signed tokens open a chat; both are HS256 JWTs signed
with the secret of bot.services.identity (`CSBA_JWT_SECRET`):
- a buyer token (`issue_buyer_token`, audience `csba-chat`): the conversation
  is `conversation_id_for(identity)` and the buyer is proven, exactly as in the
  REST token channel (bot.channels.identity_resolution);
- an anonymous chat token (`issue_anonymous_token`, audience
  `csba-chat-anonymous`): a server-issued anonymous conversation,
  `anon-` + a keyed hash of the token's `cid`. The buyer proves nothing and
  verifies with order number + ZIP; the signature only stops a client from
  choosing someone else's conversation id.

The anonymous tokens themselves live beside the buyer tokens in
bot.services.identity. `resolve_chat_token` turns either into the sender id and
`csba` metadata that Rasa gets (bot.channels.identity_resolution.resolve_token). The socket.io channel (bot.channels.socketio) and the web app's
`/chat/history` and `/chat/upload` use it, so all three agree on the
conversation. No Rasa import.
"""

from __future__ import annotations

from bot.channels.identity_resolution import ResolvedSender, resolve_token
from bot.services.identity import (
    ANONYMOUS_AUDIENCE,
    ANONYMOUS_SUBJECT,
    InvalidToken,
    anonymous_conversation_id,
    issue_anonymous_token,
    verify_anonymous_token,
)

__all__ = [
    "ANONYMOUS_AUDIENCE",
    "ANONYMOUS_SUBJECT",
    "SOCKET_CHANNEL_NAME",
    "anonymous_conversation_id",
    "issue_anonymous_token",
    "resolve_chat_token",
    "verify_anonymous_token",
]

# The name of the project's socket.io input channel (its `input_channel` in the
# tracker); bot.services.push pushes only into conversations last seen there.
SOCKET_CHANNEL_NAME = "csba_socketio"


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
