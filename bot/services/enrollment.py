"""`csba enroll` and `csba opt-out`: a seller's CSBA enrollment periods.

From the seed:
- "CSBA is available to select sellers on an invitation-only basis"; a seller
  must "be registered as a Professional Seller in good standing".
- "Once you opt-in, CSBA service will start within an hour": a new period has
  `opted_in_at = at` and no `activated_at`, so coverage starts at `at + 1 h`.
- "You can choose to register again for CSBA later": opting out closes the open
  period; enrolling again opens a new one.

The rules are the domain's (bot/domain/enrollment.py); this service loads the
seller and its periods, applies them and writes the result. Neither function
commits: the caller's unit of work does. Refusals raise `EnrollmentError` with a
catalogue key (bot/catalogue/<lang>/enrollment.yml).

Both entry points use it: `csba enroll`/`csba opt-out` and the seller portal's
"Your Services" page (`services`, issue 17). Each change records who made it
(`by`: the portal user, or "csba" for the command line) and, once committed,
emails the seller in their preferred language (`EnrollmentChanged` on the
message bus, bot.services.notifications).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from bot.adapters import enrollment_store
from bot.adapters.orm import EnrollmentRow, SellerRow
from bot.adapters.repository import enrollment_from_row
from bot.domain.enrollment import (
    EnrollmentRefused,
    check_can_open,
    check_eligible,
    period_to_close,
)
from bot.domain.model import EnrollmentPeriod
from bot.services import messagebus
from bot.services.errors import CatalogueError
from bot.services.events import EnrollmentChanged
from bot.services.notifications import seller_contact
from bot.services.presentation import format_iso_utc

CLI_ACTOR = "csba"


class EnrollmentError(CatalogueError, ValueError):
    """A refused opt-in or opt-out. `key` is a catalogue key, `params` its values."""


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("enrollment times must be timezone-aware")
    return at.astimezone(timezone.utc)


def _refused(refused: EnrollmentRefused, seller_id: str) -> EnrollmentError:
    """The domain's refusal as the catalogue's message; instants as ISO 8601 UTC."""
    params = {key: format_iso_utc(value) for key, value in refused.facts.items()}
    return EnrollmentError(
        f"enrollment.error.{refused.refusal.value}", seller_id=seller_id, **params
    )


def _locked_seller(session: Session, seller_id: str) -> SellerRow:
    """The seller row, locked against a concurrent opt-in/opt-out (PostgreSQL)."""
    seller = enrollment_store.locked_seller(session, seller_id)
    if seller is None:
        raise EnrollmentError("enrollment.error.unknown_seller", seller_id=seller_id)
    return seller


def _check_eligible(seller: SellerRow) -> None:
    check_eligible(
        invited=bool(seller.invited),
        professional=bool(seller.professional),
        good_standing=bool(seller.good_standing),
    )


def _periods(session: Session, seller_id: str) -> list[EnrollmentRow]:
    return enrollment_store.period_rows(session, seller_id)


def enroll(
    session: Session, seller_id: str, at: datetime, *, by: str = CLI_ACTOR
) -> EnrollmentPeriod:
    """Opt `seller_id` in at `at`. Coverage starts one hour later.

    Refused unless the seller exists, is invited, professional and in good
    standing, and no period is open at `at` or starts after it (a new open
    period would overlap it)."""
    at = _utc(at)
    seller = _locked_seller(session, seller_id)
    try:
        _check_eligible(seller)
        periods = [enrollment_from_row(row) for row in _periods(session, seller_id)]
        check_can_open(periods, at)
    except EnrollmentRefused as refused:
        raise _refused(refused, seller_id) from None
    row = enrollment_store.open_period(session, seller_id, at, by)
    period = enrollment_from_row(row)
    _announce(session, seller_id, "opted_in", period)
    return period


def opt_out(
    session: Session, seller_id: str, at: datetime, *, by: str = CLI_ACTOR
) -> EnrollmentPeriod:
    """Close the seller's open period at `at`. Orders placed before `at` stay
    covered; orders placed from `at` on are not.

    Refused when the seller has no open period, or when `at` is before that
    period's opt-in."""
    at = _utc(at)
    _locked_seller(session, seller_id)
    rows = _periods(session, seller_id)
    try:
        index = period_to_close([enrollment_from_row(row) for row in rows], at)
    except EnrollmentRefused as refused:
        raise _refused(refused, seller_id) from None
    period = rows[index]
    enrollment_store.close_period(session, period, at, by)
    closed = enrollment_from_row(period)
    _announce(session, seller_id, "opted_out", closed)
    return closed


def _announce(
    session: Session, seller_id: str, change: str, period: EnrollmentPeriod
) -> None:
    contact = seller_contact(session, seller_id)
    if contact is not None:
        messagebus.publish(
            session, EnrollmentChanged(seller=contact, change=change, period=period)
        )


# -- the seller portal's "Your Services" -------------------------------------------


@dataclass(frozen=True)
class PeriodView:
    opted_in_at: datetime
    opted_in_by: str | None
    coverage_start: datetime
    opted_out_at: datetime | None
    opted_out_by: str | None

    @property
    def started(self) -> bool:
        """False for a period opted out of before the service started."""
        return self.opted_out_at is None or self.opted_out_at > self.coverage_start


@dataclass(frozen=True)
class ServicesView:
    """CSBA on a seller's "Your Services" page at `now`.

    `state`: "active" (covering new orders), "activating" (opted in, service
    starts at `starts_at`, within the hour) or "not_enrolled". `refusal`: why
    the seller may not opt in (a Refusal value: not_invited, not_professional,
    not_in_good_standing), None when they may. `periods`: newest first."""

    state: str
    starts_at: datetime | None
    refusal: str | None
    periods: tuple[PeriodView, ...]

    @property
    def can_opt_in(self) -> bool:
        return self.state == "not_enrolled" and self.refusal is None

    @property
    def can_opt_out(self) -> bool:
        return self.state != "not_enrolled"


def services(session: Session, seller_id: str, now: datetime) -> ServicesView:
    """The seller's CSBA status at `now`; EnrollmentError for an unknown seller."""
    now = _utc(now)
    seller = enrollment_store.seller(session, seller_id)
    if seller is None:
        raise EnrollmentError("enrollment.error.unknown_seller", seller_id=seller_id)
    history = tuple(
        PeriodView(
            opted_in_at=row.opted_in_at,
            opted_in_by=row.opted_in_by,
            coverage_start=enrollment_from_row(row).coverage_start,
            opted_out_at=row.opted_out_at,
            opted_out_by=row.opted_out_by,
        )
        for row in reversed(_periods(session, seller_id))
    )
    state, starts_at = "not_enrolled", None
    for period in history:  # newest first: the open one, if any
        if period.opted_out_at is None and period.opted_in_at <= now:
            starts_at = period.coverage_start
            state = "active" if now >= starts_at else "activating"
            break
    refusal = None
    try:
        _check_eligible(seller)
    except EnrollmentRefused as refused:
        refusal = refused.refusal.value
    return ServicesView(state=state, starts_at=starts_at, refusal=refusal, periods=history)
