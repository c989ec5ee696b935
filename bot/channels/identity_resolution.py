"""From an incoming chat request to a trustworthy sender id and metadata.

Shared by the project's input channels (the REST channel here, the socket.io
channel of issue 4). No Rasa import, so it is tested and reused on its own.

- A valid token (`Authorization: Bearer <jwt>`, or a `token` field in the body
  for clients that cannot set headers) makes the sender id
  `conversation_id_for(identity)`; the client's `sender` is ignored.
- An invalid or expired token raises InvalidToken: the channel answers 401 and
  nothing reaches Rasa.
- No token: an anonymous conversation, `anon-` + the client's sender reduced to
  `[A-Za-z0-9_-]{1,64}` (a random id when there is none left).

Either way, any top-level metadata key named `csba` (in any letter case) is
removed and replaced by the channel's own `{"csba": {...}}`, which is the only
`csba` metadata the actions may read.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.services.identity import (
    ANONYMOUS_CONVERSATION_PREFIX,
    BuyerIdentity,
    InvalidToken,
    conversation_id_for,
    verify_buyer_token,
)

METADATA_KEY = "csba"
AUTH_TOKEN = "token"
AUTH_ANONYMOUS = "anonymous"

_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_-]")
MAX_ANONYMOUS_SENDER_CHARS = 64

__all__ = [
    "AUTH_ANONYMOUS",
    "AUTH_TOKEN",
    "METADATA_KEY",
    "InvalidToken",
    "ResolvedSender",
    "anonymous_sender_id",
    "extract_token",
    "resolve_identity",
]


@dataclass(frozen=True)
class ResolvedSender:
    """What a channel hands to Rasa: the sender id and the message metadata.

    `identity` is the verified buyer, or None for an anonymous conversation.
    """

    sender_id: str
    metadata: dict[str, Any]
    identity: BuyerIdentity | None = field(default=None)


def anonymous_sender_id(client_sender: Any) -> str:
    """`anon-` + the client's sender id sanitised, or + a random id.

    Characters outside `[A-Za-z0-9_-]` are dropped and the rest is cut to 64. A
    sender that already starts with `anon-` (a client echoing the
    `recipient_id` of a reply) keeps its conversation instead of nesting.
    """
    candidate = ""
    if isinstance(client_sender, (str, int)) and not isinstance(client_sender, bool):
        candidate = _NOT_ALLOWED.sub("", str(client_sender))
        while candidate.startswith(ANONYMOUS_CONVERSATION_PREFIX):
            candidate = candidate[len(ANONYMOUS_CONVERSATION_PREFIX) :]
        candidate = candidate[:MAX_ANONYMOUS_SENDER_CHARS]
    if not candidate:
        candidate = uuid.uuid4().hex
    return ANONYMOUS_CONVERSATION_PREFIX + candidate


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


def _client_metadata(body: Mapping[str, Any] | None) -> dict[str, Any]:
    metadata = body.get("metadata") if isinstance(body, Mapping) else None
    if not isinstance(metadata, Mapping):
        return {}
    return {
        key: value
        for key, value in metadata.items()
        if not (isinstance(key, str) and key.casefold() == METADATA_KEY)
    }


def resolve_identity(
    headers: Mapping[str, Any] | None,
    body: Mapping[str, Any] | None,
    *,
    now: datetime | None = None,
    secret: str | None = None,
) -> ResolvedSender:
    """The sender id and metadata to give Rasa for this request.

    `headers`: the request headers (looked up case-insensitively); `body`: the
    JSON body (`sender`, `metadata`, optional `token`). Raises InvalidToken when
    a token is present but not valid.
    """
    metadata = _client_metadata(body)
    token = extract_token(headers, body)
    if token is None:
        client_sender = body.get("sender") if isinstance(body, Mapping) else None
        metadata[METADATA_KEY] = {"auth": AUTH_ANONYMOUS}
        return ResolvedSender(anonymous_sender_id(client_sender), metadata, None)
    identity = verify_buyer_token(token, now=now, secret=secret)
    metadata[METADATA_KEY] = {
        "token": token,
        "buyer_id": identity.buyer_id,
        "auth": AUTH_TOKEN,
    }
    return ResolvedSender(
        conversation_id_for(identity, secret=secret), metadata, identity
    )
