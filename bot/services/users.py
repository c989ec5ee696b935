"""Accounts of the web app: CSBA agents and sellers' users (issue 4).

Passwords are hashed with argon2id (argon2-cffi); a hash made with older
parameters is upgraded at the next successful login. Unknown users and wrong
passwords look the same to the caller (and take about the same time), so a
login form cannot tell which usernames exist.

Every function takes the caller's session and does not commit.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from bot.adapters import user_store
from bot.adapters.catalogue import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.adapters.orm import WebUserRow
from bot.services.errors import CatalogueError

ROLES = ("agent", "seller")
MIN_PASSWORD_LENGTH = 8
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")

# The demo seed's accounts (`csba db seed`): fixed, printed by `make run`.
DEMO_AGENT = ("agent", "agent-demo-pass", "agent", None)
DEMO_SELLER = ("seller-s100", "seller-demo-pass", "seller", "S-100")


class UserError(CatalogueError):
    """A rule about accounts was broken; the message comes from the catalogue."""


@dataclass(frozen=True)
class WebUser:
    """A signed-in account. `language` is the portal's language: the account's
    own, else the seller's preferred_language, else English."""

    id: int
    username: str
    role: str  # agent | seller
    seller_id: str | None
    language: str
    session_generation: int = 0  # a session cookie of another one is void


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so both cases cost the same.
    return _hasher().hash(secrets.token_urlsafe(16))


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _view(row: WebUserRow, seller_language: str | None) -> WebUser:
    language = row.language or (seller_language if row.role == "seller" else None)
    return WebUser(
        id=row.id,
        username=row.username,
        role=row.role,
        seller_id=row.seller_id,
        language=language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE,
        session_generation=row.session_generation or 0,
    )


def _seller_language(session: Session, seller_id: str | None) -> str | None:
    if seller_id is None:
        return None
    return user_store.seller_language(session, seller_id)


def _find(session: Session, username: str) -> WebUserRow | None:
    return user_store.find_by_username(session, username)


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    now: datetime,
    seller_id: str | None = None,
    language: str | None = None,
) -> WebUser:
    """Create an account. Usernames are unique regardless of case; a seller
    account belongs to a known seller; an agent account to none."""
    username = (username or "").strip()
    if not USERNAME_PATTERN.match(username):
        raise UserError("web.users.error.bad_username", username=username)
    if role not in ROLES:
        raise UserError("web.users.error.bad_role", role=role, roles=", ".join(ROLES))
    if language is not None and language not in SUPPORTED_LANGUAGES:
        raise UserError(
            "web.users.error.bad_language",
            language=language,
            languages=", ".join(SUPPORTED_LANGUAGES),
        )
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError("web.users.error.short_password", minimum=MIN_PASSWORD_LENGTH)
    if role == "seller":
        if not seller_id:
            raise UserError("web.users.error.seller_required")
        if not user_store.seller_exists(session, seller_id):
            raise UserError("web.users.error.unknown_seller", seller_id=seller_id)
    elif seller_id:
        raise UserError("web.users.error.agent_with_seller")
    if _find(session, username) is not None:
        raise UserError("web.users.error.duplicate", username=username)
    row = user_store.add_user_row(
        session,
        username=username,
        password_hash=_hasher().hash(password),
        role=role,
        seller_id=seller_id if role == "seller" else None,
        language=language,
        created_at=now,
    )
    return _view(row, _seller_language(session, row.seller_id))


def ensure_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    now: datetime,
    seller_id: str | None = None,
) -> tuple[WebUser, bool]:
    """The account `username`, created with these fields when missing
    (created=True). An existing account is left as it is."""
    row = _find(session, username)
    if row is not None:
        return _view(row, _seller_language(session, row.seller_id)), False
    user = add_user(
        session,
        username=username,
        password=password,
        role=role,
        now=now,
        seller_id=seller_id,
    )
    return user, True


def authenticate(
    session: Session, *, username: str, password: str, now: datetime
) -> WebUser | None:
    """The account when the password matches, else None (unknown user or
    wrong password alike)."""
    row = _find(session, username or "")
    hasher = _hasher()
    try:
        hasher.verify(row.password_hash if row else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    new_hash = (
        hasher.hash(password) if hasher.check_needs_rehash(row.password_hash) else None
    )
    user_store.record_login(session, row, at=now, new_hash=new_hash)
    return _view(row, _seller_language(session, row.seller_id))


def sign_out_everywhere(session: Session, user_id: int) -> None:
    """End every session of the account (its cookies, wherever they are)."""
    user_store.next_session_generation(session, int(user_id))


def get_user(session: Session, user_id: int) -> WebUser | None:
    row = user_store.get_user_row(session, int(user_id))
    if row is None:
        return None
    return _view(row, _seller_language(session, row.seller_id))


@dataclass(frozen=True)
class DemoAccount:
    user: WebUser
    password: str
    created: bool


def seed_demo_accounts(session: Session, *, now: datetime) -> list[DemoAccount]:
    """The demo seed's agent and seller accounts, created when missing (their
    seller must exist: load the demo data first)."""
    accounts = []
    for username, password, role, seller_id in (DEMO_AGENT, DEMO_SELLER):
        user, created = ensure_user(
            session,
            username=username,
            password=password,
            role=role,
            seller_id=seller_id,
            now=now,
        )
        accounts.append(DemoAccount(user=user, password=password, created=created))
    return accounts
