"""Who the buyer in a conversation is, without trusting anything a client sends.

Identity comes from one of two places (issue 3, section 2):
- a signed token: a short-lived JWT (HS256) issued by the web app, whose `sub`
  is the buyer id and whose `cid` names the chat. The project's input channels
  (bot.entrypoints.rasa.channels) check it and derive the conversation (sender) id from it, so a
  client can neither pick a buyer nor step into another buyer's conversation;
- verification: with no token, the buyer gives an order number and then the ZIP
  code of the order's shipping address (`verify_order_zip`, at most
  `MAX_ZIP_ATTEMPTS` tries).

Client-supplied sender ids, socket.io session ids and metadata are never
identity. Actions call `identity_from_metadata(metadata, tracker.sender_id)`,
which re-verifies the token that the channel put in the metadata and checks that
it belongs to this very conversation, so a client talking to Rasa's plain `rest`
channel (which passes metadata through untouched) cannot impersonate a buyer.

The signing secret is `CSBA_JWT_SECRET`, or a random one kept in
`var_dir()/jwt-secret` (mode 0600) so that the web app that issues tokens and
the Rasa and action processes that check them agree on one machine.

No Rasa import here: the web app, the channels and the actions all use it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

import jwt

from bot.adapters import tokens
from bot.adapters.tokens import MAX_CLAIM_CHARS, MAX_TOKEN_CHARS, InvalidToken

log = logging.getLogger(__name__)

JWT_AUDIENCE = "csba-chat"
DEFAULT_TOKEN_TTL = timedelta(minutes=30)


MAX_ZIP_ATTEMPTS = 3

# Prefixes of conversation (sender) ids: a token conversation and an anonymous
# one can never share an id.
BUYER_CONVERSATION_PREFIX = "buyer-"
ANONYMOUS_CONVERSATION_PREFIX = "anon-"



@dataclass(frozen=True)
class BuyerIdentity:
    """A buyer proven by a valid token.

    `conversation_id` is the token's `cid` claim (the chat the token was issued
    for), not the Rasa sender id: that is `conversation_id_for(identity)`.
    """

    buyer_id: str
    conversation_id: str
    expires_at: datetime


# --- tokens -------------------------------------------------------------------


def issue_buyer_token(
    buyer_id: str,
    *,
    ttl: timedelta = DEFAULT_TOKEN_TTL,
    now: datetime | None = None,
    conversation: str | None = None,
    secret: str | None = None,
) -> str:
    """A signed token saying "this is buyer `buyer_id`, in chat `conversation`".

    `conversation` (the `cid` claim) defaults to a new random id. Issue the next
    token of the same chat with the same `conversation` to keep its history: the
    conversation (sender) id depends only on buyer and `cid`.
    """
    if not isinstance(buyer_id, str) or not buyer_id:
        raise ValueError("buyer_id must be a non-empty string")
    cid = uuid.uuid4().hex if conversation is None else conversation
    if not isinstance(cid, str) or not cid or len(cid) > MAX_CLAIM_CHARS:
        raise ValueError(f"conversation must be 1 to {MAX_CLAIM_CHARS} characters")
    if len(buyer_id) > MAX_CLAIM_CHARS:
        raise ValueError(f"buyer_id must be at most {MAX_CLAIM_CHARS} characters")
    return tokens.sign(
        subject=buyer_id, cid=cid, audience=JWT_AUDIENCE, ttl=ttl, now=now,
        secret=secret,
    )  # fmt: skip


def verify_buyer_token(
    token: str, *, now: datetime | None = None, secret: str | None = None
) -> BuyerIdentity:
    """Check `token` and return who it proves; raise InvalidToken otherwise.

    Only HS256 with our secret, issuer and audience; `exp`, `iat`, `sub`, `iss`,
    `aud` and `cid` are required. A token is expired from its `exp` second on;
    `iat` and `nbf` may lie up to ISSUED_AT_LEEWAY (30 s) in the future.
    """
    claims = tokens.verified_claims(token, audience=JWT_AUDIENCE, now=now, secret=secret)
    return BuyerIdentity(
        buyer_id=tokens.str_claim(claims, "sub"),
        conversation_id=tokens.str_claim(claims, "cid"),
        expires_at=datetime.fromtimestamp(tokens.int_claim(claims, "exp"), timezone.utc),
    )


# --- anonymous chat tokens -------------------------------------------------------
#
# A server-issued anonymous conversation: the buyer proves nothing (they verify
# with order number + ZIP code); the signature only stops a client from choosing
# someone else's conversation. Issued by the channels (a first message without a
# token) and by the web app (`GET /chat/token` in anonymous mode).

ANONYMOUS_AUDIENCE = "csba-chat-anonymous"
ANONYMOUS_SUBJECT = "anonymous"
MIN_ANONYMOUS_CID_CHARS = 16
MAX_ANONYMOUS_CID_CHARS = 64


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
    if (
        not isinstance(cid, str)
        or not MIN_ANONYMOUS_CID_CHARS <= len(cid) <= MAX_ANONYMOUS_CID_CHARS
    ):
        raise ValueError("conversation must be 16 to 64 characters")
    return tokens.sign(
        subject=ANONYMOUS_SUBJECT, cid=cid, audience=ANONYMOUS_AUDIENCE, ttl=ttl,
        now=now, secret=secret,
    )  # fmt: skip


def verify_anonymous_token(
    token: str, *, now: datetime | None = None, secret: str | None = None
) -> str:
    """The `cid` of a valid anonymous chat token (judged at `now`, the real clock
    by default, as a buyer token is); InvalidToken otherwise."""
    claims = tokens.verified_claims(
        token, audience=ANONYMOUS_AUDIENCE, now=now, secret=secret
    )
    cid = claims["cid"]
    if claims["sub"] != ANONYMOUS_SUBJECT or not isinstance(cid, str):
        raise InvalidToken("bad_claim")
    if not MIN_ANONYMOUS_CID_CHARS <= len(cid) <= MAX_ANONYMOUS_CID_CHARS:
        raise InvalidToken("bad_claim")
    return cid


def token_audience(token: str) -> object:
    """The unverified `aud` claim of `token`, to pick the right check; the check
    itself verifies everything. InvalidToken when it is not a JWT."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("malformed")
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InvalidToken("malformed") from None
    return claims.get("aud") if isinstance(claims, dict) else None


# --- conversation ids ---------------------------------------------------------


def conversation_id_for(identity: BuyerIdentity, *, secret: str | None = None) -> str:
    """The Rasa sender id of a token conversation: `buyer-` + 32 hex characters.

    A keyed hash (HMAC-SHA256 with the signing secret) of the buyer id and the
    token's `cid`: deterministic for one (buyer, cid), different across buyers,
    opaque (no buyer id in it), and not computable without the secret even when
    the buyer id and `cid` are known.
    """
    key = hashlib.sha256(
        b"csba-conversation-id\x00" + tokens.secret_or_default(secret).encode("utf-8")
    ).digest()
    message = json.dumps([identity.buyer_id, identity.conversation_id]).encode("utf-8")
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return BUYER_CONVERSATION_PREFIX + digest[:32]


def anonymous_conversation_id(cid: str, *, secret: str | None = None) -> str:
    """`anon-` + 32 hex characters: the keyed hash of conversation_id_for, over a
    buyer id no real buyer has (the empty one), so it never equals a buyer's."""
    keyed = conversation_id_for(
        BuyerIdentity(buyer_id="", conversation_id=cid, expires_at=tokens.utc(None)),
        secret=secret,
    )
    return ANONYMOUS_CONVERSATION_PREFIX + keyed[len(BUYER_CONVERSATION_PREFIX) :]


def identity_from_metadata(
    metadata: Mapping[str, Any] | None,
    sender_id: str,
    *,
    now: datetime | None = None,
    secret: str | None = None,
) -> BuyerIdentity | None:
    """The buyer proven by the token in `metadata["csba"]["token"]`, or None.

    None when the message is anonymous, has no or an invalid token, the token
    belongs to another conversation than `sender_id`, or the metadata's
    `buyer_id` disagrees with the token. Never raises: call it on every turn.
    """
    try:
        if not isinstance(metadata, Mapping):
            return None
        csba = metadata.get("csba")
        if not isinstance(csba, Mapping):
            return None
        token = csba.get("token")
        if not isinstance(token, str) or not isinstance(sender_id, str):
            return None
        identity = verify_buyer_token(token, now=now, secret=secret)
        claimed = csba.get("buyer_id")
        if claimed is not None and claimed != identity.buyer_id:
            return None
        expected = conversation_id_for(identity, secret=secret)
        if not hmac.compare_digest(expected.encode(), sender_id.encode()):
            return None
        return identity
    except InvalidToken as exc:
        log.info("Ignoring an untrusted token in message metadata: %s", exc.reason)
        return None
    except Exception:  # the contract is "never raises"
        log.exception("Could not check the identity in message metadata")
        return None


# --- order-number-plus-ZIP verification ----------------------------------------


class _ShipsTo(Protocol):
    ship_to_postal_code: str


_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_US_ZIP = re.compile(r"(\d{5})(?:-?(\d{4}))?")


def _normalise_postal_code(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)  # full-width digits → ASCII
    text = _DASHES.sub("-", text)
    return "".join(text.split()).upper()


_ZIP_IN_TEXT = re.compile(r"(?<![\d-])\d{5}(?:-\d{4})?(?![\d-])")


def postal_code_in(answer: str) -> str:
    """The ZIP code in a buyer's answer: "zip is 98101", "oops sorry 94103" and
    "98101-1234 thx" give the code alone; an answer with no US ZIP, or with
    several, is taken whole (a non-US code, or something to refuse). One answer
    is one guess either way."""
    text = unicodedata.normalize("NFKC", answer)
    found = _ZIP_IN_TEXT.findall(text)
    return found[0] if len(found) == 1 else answer


# A ZIP code the buyer names as one: "zip 98101", "zip code: 98101",
# "postal code 98101", "código postal 98101".
_STATED_ZIP = re.compile(
    r"\b(?:zip|zipcode|zip code|postal code|postcode|c[oó]digo postal)\b\W{0,3}"
    r"(?:is\W{1,2}|es\W{1,2})?(\d{5}(?:-\d{4})?)(?![\d-])",
    re.IGNORECASE,
)


def stated_postal_code(text: str | None) -> str | None:
    """The ZIP code a message names as one ("order 112-... zip 98101, has it
    shipped?"), or None: the buyer's ZIP ahead of the question for it."""
    if not isinstance(text, str):
        return None
    text = unicodedata.normalize("NFKC", text)
    found = _STATED_ZIP.findall(text)
    if len(found) != 1 or len(_ZIP_IN_TEXT.findall(text)) != 1:
        return None  # none, or several codes: which one is a guess
    return found[0]


def only_a_postal_code(text: str | None) -> bool:
    """Whether a message is a US ZIP code and nothing more that has digits:
    "94103", "zip 94103-1234", "its 98101". An order number is not one."""
    if not isinstance(text, str):
        return False
    text = unicodedata.normalize("NFKC", text)
    found = _ZIP_IN_TEXT.findall(text)
    return len(found) == 1 and not any(
        ch.isdigit() for ch in text.replace(found[0], "", 1)
    )


def verify_order_zip(order: _ShipsTo | None, postal_code: str | None) -> bool:
    """Whether `postal_code` (as the buyer typed it) is the order's ship-to ZIP.

    Case, spaces and full-width characters do not matter. A US ZIP+4 matches its
    five-digit ZIP either way round ("98101-1234" and "98101"); two ZIP+4s must
    agree in all nine digits. Other countries' codes compare whole, ignoring
    hyphens. Empty values never match. The final comparison is constant-time.
    """
    if order is None or not isinstance(postal_code, str):
        return False
    expected = _normalise_postal_code(getattr(order, "ship_to_postal_code", "") or "")
    given = _normalise_postal_code(postal_code)
    if not expected or not given:
        return False
    exp_us = _US_ZIP.fullmatch(expected)
    giv_us = _US_ZIP.fullmatch(given)
    if exp_us and giv_us:
        if exp_us.group(2) and giv_us.group(2):
            expected = exp_us.group(1) + exp_us.group(2)
            given = giv_us.group(1) + giv_us.group(2)
        else:
            expected, given = exp_us.group(1), giv_us.group(1)
    else:
        expected, given = expected.replace("-", ""), given.replace("-", "")
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
