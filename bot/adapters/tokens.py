"""Signed tokens (JWT, HS256) and their signing secret: how the project's tokens are
made and checked, with no opinion on what they stand for (bot/services/identity.py
decides that: buyer tokens, anonymous chat tokens, conversation ids).

The signing secret is `CSBA_JWT_SECRET`, or a random one kept in
`var_dir()/jwt-secret` (mode 0600) so that the web app that issues tokens and the
Rasa and action processes that check them agree on one machine.
"""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jwt

from bot import config
from bot.config import var_dir

log = logging.getLogger(__name__)

JWT_ALGORITHM = "HS256"
JWT_ISSUER = "csba-triage-bot"
REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud", "cid")
MIN_SECRET_BYTES = 32
SECRET_ENV = config.JWT_SECRET_ENV
SECRET_FILE_NAME = "jwt-secret"
MAX_TOKEN_CHARS = 4096
MAX_CLAIM_CHARS = 128
# Generous bounds that no honest token reaches; they keep hostile input cheap.

# Tolerated clock difference between the issuing web app and a checking process
# for `iat`/`nbf` only; `exp` is exact.
ISSUED_AT_LEEWAY = timedelta(seconds=30)


class InvalidToken(Exception):
    """A token that must not be trusted. `reason` is a short code, never the token.

    Codes: `malformed`, `bad_signature`, `wrong_algorithm`, `expired`,
    `not_yet_valid`, `missing_claim`, `bad_claim`, `wrong_issuer`,
    `wrong_audience`.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SecretError(RuntimeError):
    """The signing secret is missing, unreadable or too short."""


# -- the secret ---------------------------------------------------------------


def checked(secret: str, origin: str) -> str:
    if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        raise SecretError(
            f"The JWT secret from {origin} is shorter than {MIN_SECRET_BYTES} bytes; "
            f"set {SECRET_ENV} to a longer random value "
            f'(python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    return secret


def _secret_file() -> Path:
    return var_dir() / SECRET_FILE_NAME


def create_secret_file(path: Path) -> None:
    """Write a new random secret to `path` atomically, unless one exists.

    The secret goes to a private temporary file first, which is then hard-linked
    to `path`: a link never replaces an existing file, and a concurrent reader
    never sees a half-written one.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(secrets.token_urlsafe(48) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race: use its secret
        else:
            log.info("Created a new secret at %s", path)
    finally:
        tmp.unlink(missing_ok=True)


def stored_secret(path: Path) -> str:
    """The secret kept in `path`, created first when missing (OSError when it
    can be neither read nor created)."""
    if not path.exists():
        create_secret_file(path)
    return path.read_text(encoding="utf-8").strip()


def jwt_secret() -> str:
    """The HS256 signing secret shared by token issuer and checkers.

    `CSBA_JWT_SECRET` when set; otherwise the content of `var_dir()/jwt-secret`,
    created with a random value (mode 0600) on first use. Raises SecretError when
    the secret is shorter than 32 bytes or the file cannot be used.
    """
    from_env = config.jwt_secret_from_env()
    if from_env:
        return checked(from_env, SECRET_ENV)
    path = _secret_file()
    try:
        secret = stored_secret(path)
    except OSError as exc:
        raise SecretError(
            f"Cannot read or create the JWT secret {path}: {exc}"
        ) from exc
    return checked(secret, str(path))


def secret_or_default(secret: str | None) -> str:
    return jwt_secret() if secret is None else checked(secret, "the caller")


def utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(timezone.utc)


def sign(
    *,
    subject: str,
    cid: str,
    audience: str,
    ttl: timedelta,
    now: datetime | None,
    secret: str | None,
) -> str:
    """An HS256 token of ours for `audience`: `sub`, `cid`, `iss`, `aud`, `iat`
    (`now`, whole seconds) and `exp` (`iat` + `ttl`)."""
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    issued = utc(now).replace(microsecond=0)
    claims = {
        "sub": subject,
        "cid": cid,
        "iss": JWT_ISSUER,
        "aud": audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    return jwt.encode(claims, secret_or_default(secret), algorithm=JWT_ALGORITHM)


def int_claim(claims: Mapping[str, Any], name: str) -> int:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidToken("bad_claim")
    return int(value)


def str_claim(claims: Mapping[str, Any], name: str) -> str:
    value = claims[name]
    if not isinstance(value, str) or not value or len(value) > MAX_CLAIM_CHARS:
        raise InvalidToken("bad_claim")
    return value


def verified_claims(
    token: str, *, audience: str, now: datetime | None, secret: str | None
) -> dict[str, Any]:
    """The claims of `token` if it is ours for `audience` and valid at `now`
    (see verify_buyer_token); InvalidToken otherwise. `sub` and `cid` are present
    but unchecked: each kind of token has its own rules for them."""
    key = secret_or_default(secret)
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("malformed")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("malformed") from None
    if header.get("alg") != JWT_ALGORITHM:
        raise InvalidToken("wrong_algorithm")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[JWT_ALGORITHM],
            audience=audience,
            issuer=JWT_ISSUER,
            # Times are checked below against `now`, which tests can set.
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "require": list(REQUIRED_CLAIMS),
                "strict_aud": True,
            },
        )
    except jwt.InvalidSignatureError:
        raise InvalidToken("bad_signature") from None
    except jwt.InvalidAlgorithmError:
        raise InvalidToken("wrong_algorithm") from None
    except jwt.MissingRequiredClaimError:
        raise InvalidToken("missing_claim") from None
    except jwt.InvalidIssuerError:
        raise InvalidToken("wrong_issuer") from None
    except jwt.InvalidAudienceError:
        raise InvalidToken("wrong_audience") from None
    except jwt.DecodeError:
        raise InvalidToken("malformed") from None
    except jwt.PyJWTError:
        raise InvalidToken("bad_claim") from None

    moment = utc(now).timestamp()
    exp = int_claim(claims, "exp")
    iat = int_claim(claims, "iat")
    if moment >= exp:
        raise InvalidToken("expired")
    latest_start = moment + ISSUED_AT_LEEWAY.total_seconds()
    if iat > latest_start or (
        "nbf" in claims and int_claim(claims, "nbf") > latest_start
    ):
        raise InvalidToken("not_yet_valid")
    if iat >= exp:
        raise InvalidToken("bad_claim")
    return claims


