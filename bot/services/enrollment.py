"""`csba enroll` and `csba opt-out`: a seller's CSBA enrollment periods.

From the seed:
- "CSBA is available to select sellers on an invitation-only basis"; a seller
  must "be registered as a Professional Seller in good standing".
- "Once you opt-in, CSBA service will start within an hour": a new period has
  `opted_in_at = at` and no `activated_at`, so coverage starts at `at + 1 h`.
- "You can choose to register again for CSBA later": opting out closes the open
  period; enrolling again opens a new one.

Neither function commits: the caller's unit of work does. Refusals raise
`EnrollmentError` with a catalogue key (bot/catalogue/<lang>/enrollment.yml).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.orm import EnrollmentRow, SellerRow
from bot.adapters.repository import enrollment_from_row
from bot.domain.model import EnrollmentPeriod
from bot.i18n import DEFAULT_LANGUAGE, t


class EnrollmentError(ValueError):
    """A refused opt-in or opt-out. `key` is a catalogue key, `params` its values."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message(DEFAULT_LANGUAGE))

    def message(self, language: str | None = DEFAULT_LANGUAGE) -> str:
        return t(self.key, language, **self.params)

    def __str__(self) -> str:
        return self.message(DEFAULT_LANGUAGE)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("enrollment times must be timezone-aware")
    return at.astimezone(timezone.utc)


def show_time(at: datetime) -> str:
    """An instant as the messages show it: ISO 8601 in UTC, `Z` suffix."""
    return at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _locked_seller(session: Session, seller_id: str) -> SellerRow:
    """The seller row, locked against a concurrent opt-in/opt-out (PostgreSQL)."""
    query = select(SellerRow).where(SellerRow.id == seller_id).with_for_update()
    seller = session.execute(query).scalars().first()
    if seller is None:
        raise EnrollmentError("enrollment.error.unknown_seller", seller_id=seller_id)
    return seller


def _periods(session: Session, seller_id: str) -> list[EnrollmentRow]:
    query = (
        select(EnrollmentRow)
        .where(EnrollmentRow.seller_id == seller_id)
        .order_by(EnrollmentRow.opted_in_at, EnrollmentRow.id)
    )
    return list(session.execute(query).scalars())


def enroll(session: Session, seller_id: str, at: datetime) -> EnrollmentPeriod:
    """Opt `seller_id` in at `at`. Coverage starts one hour later.

    Refused unless the seller exists, is invited, professional and in good
    standing, and no period is open at `at` or starts after it (a new open
    period would overlap it)."""
    at = _utc(at)
    seller = _locked_seller(session, seller_id)
    for allowed, key in (
        (seller.invited, "enrollment.error.not_invited"),
        (seller.professional, "enrollment.error.not_professional"),
        (seller.good_standing, "enrollment.error.not_in_good_standing"),
    ):
        if not allowed:
            raise EnrollmentError(key, seller_id=seller_id)
    for period in _periods(session, seller_id):
        if period.opted_out_at is not None and period.opted_out_at <= at:
            continue  # ended before `at`
        if period.opted_in_at <= at:
            raise EnrollmentError(
                "enrollment.error.already_enrolled",
                seller_id=seller_id,
                opted_in_at=show_time(period.opted_in_at),
            )
        raise EnrollmentError(
            "enrollment.error.later_period",
            seller_id=seller_id,
            at=show_time(at),
            opted_in_at=show_time(period.opted_in_at),
        )
    row = EnrollmentRow(
        seller_id=seller_id, opted_in_at=at, activated_at=None, opted_out_at=None
    )
    session.add(row)
    session.flush()
    return enrollment_from_row(row)


def opt_out(session: Session, seller_id: str, at: datetime) -> EnrollmentPeriod:
    """Close the seller's open period at `at`. Orders placed before `at` stay
    covered; orders placed from `at` on are not.

    Refused when the seller has no open period, or when `at` is before that
    period's opt-in."""
    at = _utc(at)
    _locked_seller(session, seller_id)
    open_periods = [p for p in _periods(session, seller_id) if p.opted_out_at is None]
    if not open_periods:
        raise EnrollmentError("enrollment.error.not_enrolled", seller_id=seller_id)
    period = open_periods[-1]
    if at < period.opted_in_at:
        raise EnrollmentError(
            "enrollment.error.opt_out_before_opt_in",
            seller_id=seller_id,
            at=show_time(at),
            opted_in_at=show_time(period.opted_in_at),
        )
    period.opted_out_at = at
    session.flush()
    return enrollment_from_row(period)
