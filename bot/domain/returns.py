"""The return window and the return method, from the seed.

- "Amazon requires CSBA sellers to set forth return policies that are at least as
  favorable as the Amazon return policies": the window is
  `max(30, seller.return_window_days)` days after delivery.
- The window ends at the end of that day in the marketplace's time zone.
- Amazon's holiday rule: an order shipped between 1 November and 31 December can be
  returned until the end of 31 January of the next year, if that is later.
- "CSBA sellers are required to follow the information on the Customer returns for
  international sales page": a seller outside the US returns through its
  `international_return_option`; a US seller sends a prepaid label.

All instants are aware UTC; calendar days are taken in `MARKETPLACE_TZ`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from bot.config import MARKETPLACE_TZ
from bot.domain.model import MIN_RETURN_WINDOW_DAYS, Order, ReturnOption, Seller

DOMESTIC_COUNTRY = "US"
HOLIDAY_SEASON_MONTHS = frozenset({11, 12})  # shipped 1 November .. 31 December
HOLIDAY_RETURN_MONTH_DAY = (1, 31)  # returnable until the end of 31 January


@dataclass(frozen=True)
class ReturnWindow:
    """When a delivered order can still be returned.

    `last_day` is the last calendar day (marketplace time zone) a return is
    accepted; `closes_at` is the exclusive UTC instant the window closes, i.e. the
    start of the day after `last_day` in the marketplace time zone.
    """

    delivered_on: date
    days: int
    last_day: date
    closes_at: datetime
    holiday_extension: bool

    def is_open(self, now: datetime) -> bool:
        return now < self.closes_at


def marketplace_date(instant: datetime) -> date:
    """The calendar day `instant` falls on in the marketplace's time zone."""
    _require_aware(instant)
    return instant.astimezone(MARKETPLACE_TZ).date()


def end_of_marketplace_day(day: date) -> datetime:
    """The exclusive end of `day` in the marketplace time zone, as aware UTC.

    Midnight exists on every day in America/Los_Angeles (DST changes at 02:00), so
    this is the start of the next local day, whatever its UTC offset.
    """
    next_day = day + timedelta(days=1)
    local_midnight = datetime.combine(next_day, time(0), tzinfo=MARKETPLACE_TZ)
    return local_midnight.astimezone(timezone.utc)


def return_window_days(seller: Seller) -> int:
    """The seller's window, never shorter than Amazon's standard 30 days."""
    return max(MIN_RETURN_WINDOW_DAYS, seller.return_window_days)


def holiday_last_day(shipped_on: date) -> date | None:
    """31 January of the next year for an order shipped in the holiday season."""
    if shipped_on.month not in HOLIDAY_SEASON_MONTHS:
        return None
    month, day = HOLIDAY_RETURN_MONTH_DAY
    return date(shipped_on.year + 1, month, day)


def return_window(order: Order, seller: Seller) -> ReturnWindow:
    """The return window of a delivered order.

    Raises ValueError when the order has no `delivered_at`: there is no window
    before delivery. Without `shipped_at` the holiday rule cannot apply.
    """
    if order.delivered_at is None:
        raise ValueError(f"order {order.id} has no delivered_at: no return window")
    delivered_on = marketplace_date(order.delivered_at)
    days = return_window_days(seller)
    last_day = delivered_on + timedelta(days=days)
    holiday_extension = False
    if order.shipped_at is not None:
        holiday_day = holiday_last_day(marketplace_date(order.shipped_at))
        if holiday_day is not None and holiday_day > last_day:
            last_day = holiday_day
            holiday_extension = True
    return ReturnWindow(
        delivered_on=delivered_on,
        days=days,
        last_day=last_day,
        closes_at=end_of_marketplace_day(last_day),
        holiday_extension=holiday_extension,
    )


def return_method(seller: Seller) -> ReturnOption:
    """How the buyer sends the item back: a prepaid label for US sellers, the
    seller's international return option for sellers outside the US."""
    if seller.country.strip().upper() == DOMESTIC_COUNTRY:
        return ReturnOption.PREPAID_LABEL
    return ReturnOption(seller.international_return_option)


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: times must be aware UTC")
