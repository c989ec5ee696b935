"""From an incoming chat request to a trustworthy sender id and metadata.

Shared by the project's input channels (REST and socket.io) and the web app's
chat routes. No Rasa import, so it is tested and reused on its own.

Every conversation id is issued by the server; a client never names one:
- a buyer token (`Authorization: Bearer <jwt>`, or a `token` field in the body
  for clients that cannot set headers) makes the sender id
  `conversation_id_for(identity)`;
- an anonymous chat token (issued by a channel or the web app) makes it
  `anonymous_conversation_id(cid)`, and the request gets a renewed token for
  the same chat (`ResolvedSender.anonymous_token`);
- no token: a new anonymous conversation with a newly issued token;
- an invalid or expired token raises InvalidToken: the channel answers 401 and
  nothing reaches Rasa.
A client's `sender` is never read.

The client's metadata is dropped: Rasa gets only the channel's own
`{"csba": {...}}`, the only metadata the actions and the console may read: `auth` (`token` or `anonymous`), the buyer token and buyer id,
and `client`, the keyed hash of the client's address that the verification
limits count by (bot.services.verification).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.services.chat_access import (
    AUTH_ANONYMOUS,
    AUTH_TOKEN,
    CLIENT_KEY,
    METADATA_KEY,
    ResolvedSender,
    resolve_token,
)
from bot.services.identity import InvalidToken

# The response header (REST) that carries an anonymous conversation's token.
CHAT_TOKEN_HEADER = "X-CSBA-Chat-Token"

__all__ = [
    "AUTH_ANONYMOUS",
    "AUTH_TOKEN",
    "CHAT_TOKEN_HEADER",
    "CLIENT_KEY",
    "METADATA_KEY",
    "InvalidToken",
    "ResolvedSender",
    "extract_token",
    "resolve_identity",
    "resolve_token",
]


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            return value if isinstance(value, str) else None
    return None


def extract_token(
    headers: Mapping[str, Any] | None, body: Mapping[str, Any] | None
) -> str | None:
    """The bearer token of a request, None when it carries none.

    The `Authorization: Bearer` header wins over a `token` body field. Another
    authorization scheme (say, Basic auth added by a proxy) is not ours and is
    ignored. A token that is present but unusable raises InvalidToken.
    """
    authorization = _header(headers, "authorization")
    if authorization is not None:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() == "bearer":
            token = value.strip()
            if not token:
                raise InvalidToken("malformed")
            return token
    if not isinstance(body, Mapping):
        return None
    token = body.get("token")
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise InvalidToken("malformed")
    return token.strip() or None


def resolve_identity(
    headers: Mapping[str, Any] | None,
    body: Mapping[str, Any] | None,
    *,
    client_key: str | None = None,
    now: datetime | None = None,
    secret: str | None = None,
) -> ResolvedSender:
    """The sender id and metadata to give Rasa for this REST request.

    `headers`: the request headers (looked up case-insensitively); `body`: the
    JSON body (optional `token`; `sender` and `metadata` are ignored: client
    metadata such as `is_external` would let a client pass its message off as a
    server event and hide it from the agent console). Raises InvalidToken when a
    token is present but not valid.
    """
    return resolve_token(
        extract_token(headers, body), client_key=client_key, now=now, secret=secret
    )
