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

`resolve_chat_token` turns either into the sender id and `csba` metadata that
Rasa gets. The socket.io channel (bot.channels.socketio) and the web app's
`/chat/history` and `/chat/upload` use it, so all three agree on the
conversation. No Rasa import.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import jwt

from bot.channels.identity_resolution import (
    AUTH_ANONYMOUS,
    METADATA_KEY,
    ResolvedSender,
    resolve_identity,
)
from bot.services.identity import (
    ANONYMOUS_CONVERSATION_PREFIX,
    BUYER_CONVERSATION_PREFIX,
    DEFAULT_TOKEN_TTL,
    MAX_TOKEN_CHARS,
    BuyerIdentity,
    InvalidToken,
    _signed_token,
    _utc,
    _verified_claims,
    conversation_id_for,
)

# The name of the project's socket.io input channel (its `input_channel` in the
# tracker); bot.services.push pushes only into conversations last seen there.
SOCKET_CHANNEL_NAME = "csba_socketio"

ANONYMOUS_AUDIENCE = "csba-chat-anonymous"
ANONYMOUS_SUBJECT = "anonymous"


def issue_anonymous_token(
    *,
    conversation: str | None = None,
    ttl: timedelta = DEFAULT_TOKEN_TTL,
    now: datetime | None = None,
    secret: str | None = None,
) -> str:
    """A signed token for anonymous chat `conversation` (a new random one when None).

    Issue the next token of the same chat with the same `conversation` to keep
    its history."""
    cid = uuid.uuid4().hex if conversation is None else conversation
    if not isinstance(cid, str) or not 16 <= len(cid) <= 64:
        raise ValueError("conversation must be 16 to 64 characters")
    return _signed_token(
        subject=ANONYMOUS_SUBJECT, cid=cid, audience=ANONYMOUS_AUDIENCE, ttl=ttl,
        now=now, secret=secret,
    )  # fmt: skip


def verify_anonymous_token(
    token: str, *, now: datetime | None = None, secret: str | None = None
) -> str:
    """The `cid` of a valid anonymous chat token (judged at `now`, the real clock
    by default, as bot.services.identity judges a buyer token); InvalidToken
    otherwise."""
    claims = _verified_claims(
        token, audience=ANONYMOUS_AUDIENCE, now=now, secret=secret
    )
    cid = claims["cid"]
    if claims["sub"] != ANONYMOUS_SUBJECT or not isinstance(cid, str):
        raise InvalidToken("bad_claim")
    if not 16 <= len(cid) <= 64:
        raise InvalidToken("bad_claim")
    return cid


def anonymous_conversation_id(cid: str, *, secret: str | None = None) -> str:
    """`anon-` + 32 hex characters: the keyed hash of conversation_id_for, over a
    buyer id no real buyer has (the empty one), so it never equals a buyer's."""
    keyed = conversation_id_for(
        BuyerIdentity(buyer_id="", conversation_id=cid, expires_at=_utc(None)),
        secret=secret,
    )
    return ANONYMOUS_CONVERSATION_PREFIX + keyed[len(BUYER_CONVERSATION_PREFIX) :]


def _audience(token: str) -> object:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InvalidToken("malformed") from None
    return claims.get("aud")


def resolve_chat_token(token: str, *, secret: str | None = None) -> ResolvedSender:
    """The conversation (sender id) and the `csba` metadata a chat token opens.

    A buyer token resolves exactly as in the REST token channel; an anonymous
    chat token gives its `anon-` conversation with `{"csba": {"auth":
    "anonymous"}}`. Raises InvalidToken for anything else, expired included."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("malformed")
    if _audience(token) == ANONYMOUS_AUDIENCE:
        cid = verify_anonymous_token(token, secret=secret)
        return ResolvedSender(
            anonymous_conversation_id(cid, secret=secret),
            {METADATA_KEY: {"auth": AUTH_ANONYMOUS}},
            None,
        )
    return resolve_identity({"Authorization": f"Bearer {token}"}, None, secret=secret)
