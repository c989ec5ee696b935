"""The web app's accounts in SQL (`web_users`, and the seller's preferred
language): the statements bot.services.users runs.

Every function takes the caller's session and does not commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.adapters.orm import SellerRow, WebUserRow


def seller_language(session: Session, seller_id: str) -> str | None:
    """The seller's preferred language; None when there is no such seller."""
    return session.execute(
        select(SellerRow.preferred_language).where(SellerRow.id == seller_id)
    ).scalar_one_or_none()


def seller_exists(session: Session, seller_id: str) -> bool:
    return session.get(SellerRow, seller_id) is not None


def find_by_username(session: Session, username: str) -> WebUserRow | None:
    """The account named `username`, regardless of case and surrounding spaces."""
    return session.execute(
        select(WebUserRow).where(
            func.lower(WebUserRow.username) == username.strip().lower()
        )
    ).scalar_one_or_none()


def get_user_row(session: Session, user_id: int) -> WebUserRow | None:
    return session.get(WebUserRow, user_id)


def add_user_row(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: str,
    seller_id: str | None,
    language: str | None,
    created_at: datetime,
) -> WebUserRow:
    """A new account, flushed (it has its id)."""
    row = WebUserRow(
        username=username,
        password_hash=password_hash,
        role=role,
        seller_id=seller_id,
        language=language,
        created_at=created_at,
    )
    session.add(row)
    session.flush()
    return row


def record_login(
    session: Session, row: WebUserRow, *, at: datetime, new_hash: str | None = None
) -> None:
    """Note a successful login at `at`; store `new_hash` when the password was
    rehashed with newer parameters."""
    if new_hash is not None:
        row.password_hash = new_hash
    row.last_login_at = at
    session.flush()


def next_session_generation(session: Session, user_id: int) -> None:
    """Move the account to its next session generation (every session cookie
    of the earlier ones is void); nothing when there is no such account."""
    session.execute(
        update(WebUserRow)
        .where(WebUserRow.id == user_id)
        .values(session_generation=WebUserRow.session_generation + 1)
    )

