"""The return window and the return method. No database.

Expected instants are written by hand in UTC: LA is UTC-8 in winter (PST) and UTC-7
in summer (PDT). In 2026 DST starts on 8 March and ends on 1 November.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain.model import (
    Fulfillment,
    Order,
    OrderStatus,
    ReturnOption,
    Seller,
)
from bot.domain.returns import (
    end_of_marketplace_day,
    holiday_last_day,
    marketplace_date,
    return_method,
    return_window,
)

LA = ZoneInfo("America/Los_Angeles")
MINUTE = timedelta(minutes=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def la(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=LA, fold=fold).astimezone(timezone.utc)


def seller(days: int = 30, country: str = "US", option=ReturnOption.PREPAID_LABEL):
    return Seller(
        id="S-1",
        name="Acme",
        email="s@example.com",
        country=country,
        return_window_days=days,
        international_return_option=option,
    )


def delivered_order(shipped_at: datetime, delivered_at: datetime | None) -> Order:
    return Order(
        id="112-0000001-0000001",
        buyer_id="B-1",
        seller_id="S-1",
        fulfillment=Fulfillment.SELLER,
        placed_at=shipped_at - timedelta(days=1),
        status=OrderStatus.DELIVERED,
        shipped_at=shipped_at,
        delivered_at=delivered_at,
    )


def test_standard_window_is_thirty_days_to_the_end_of_the_la_day():
    # Delivered 2 March 10:00 PST; 30 days later is 1 April (PDT).
    window = return_window(
        delivered_order(la(2026, 2, 27, 9, 0), la(2026, 3, 2, 10, 0)), seller()
    )
    assert window.delivered_on == date(2026, 3, 2)
    assert window.days == 30
    assert window.last_day == date(2026, 4, 1)
    assert window.closes_at == utc(2026, 4, 2, 7, 0)  # 2 April 00:00 PDT
    assert window.closes_at.tzinfo is not None
    assert window.closes_at.utcoffset() == timedelta(0)
    assert window.holiday_extension is False


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        (utc(2026, 4, 2, 6, 59), True),  # 1 April 23:59 PDT
        (utc(2026, 4, 2, 7, 0), False),
        (utc(2026, 4, 2, 7, 1), False),
    ],
    ids=["end-1min", "end", "end+1min"],
)
def test_window_is_open_until_la_midnight(now, is_open):
    window = return_window(
        delivered_order(la(2026, 2, 27, 9, 0), la(2026, 3, 2, 10, 0)), seller()
    )
    assert window.is_open(now) is is_open


@pytest.mark.parametrize(
    ("seller_days", "policy_days", "last_day"),
    [
        (20, 30, date(2026, 4, 1)),  # shorter than Amazon's: 30 still applies
        (30, 30, date(2026, 4, 1)),
        (45, 45, date(2026, 4, 16)),
    ],
)
def test_seller_window_is_never_shorter_than_thirty_days(
    seller_days, policy_days, last_day
):
    window = return_window(
        delivered_order(la(2026, 2, 27, 9, 0), la(2026, 3, 2, 10, 0)),
        seller(seller_days),
    )
    assert window.days == policy_days
    assert window.last_day == last_day


def test_delivery_date_is_taken_in_la_not_utc():
    # 31 October 23:30 PDT is already 1 November in UTC.
    delivered_at = la(2026, 10, 31, 23, 30)
    assert delivered_at == utc(2026, 11, 1, 6, 30)
    window = return_window(
        delivered_order(la(2026, 10, 29, 9, 0), delivered_at), seller()
    )
    assert window.delivered_on == date(2026, 10, 31)
    assert window.last_day == date(2026, 11, 30)


def test_window_across_the_fall_back_ends_at_pst_midnight():
    # Delivered 31 October (PDT, UTC-7); the window ends 30 November (PST, UTC-8).
    window = return_window(
        delivered_order(la(2026, 10, 29, 9, 0), la(2026, 10, 31, 12, 0)), seller()
    )
    assert window.last_day == date(2026, 11, 30)
    assert window.closes_at == utc(2026, 12, 1, 8, 0)
    # Delivery time plus a fixed UTC-7 offset would close at 07:00 UTC.
    assert window.is_open(utc(2026, 12, 1, 7, 30)) is True
    assert window.is_open(utc(2026, 12, 1, 7, 59)) is True
    assert window.is_open(utc(2026, 12, 1, 8, 1)) is False


def test_delivery_right_before_the_fall_back():
    # 1 November 01:30 PDT, the first of the two 01:30s that night (08:30 UTC).
    delivered_at = la(2026, 11, 1, 1, 30, fold=0)
    assert delivered_at == utc(2026, 11, 1, 8, 30)
    window = return_window(
        delivered_order(la(2026, 10, 30, 9, 0), delivered_at), seller()
    )
    assert window.delivered_on == date(2026, 11, 1)
    assert window.last_day == date(2026, 12, 1)
    assert window.closes_at == utc(2026, 12, 2, 8, 0)


def test_window_across_the_spring_forward_ends_at_pdt_midnight():
    # Delivered 10 February (PST, UTC-8); the window ends 12 March (PDT, UTC-7).
    window = return_window(
        delivered_order(la(2026, 2, 8, 9, 0), la(2026, 2, 10, 12, 0)), seller()
    )
    assert window.last_day == date(2026, 3, 12)
    assert window.closes_at == utc(2026, 3, 13, 7, 0)
    assert window.is_open(utc(2026, 3, 13, 6, 59)) is True
    # A fixed UTC-8 offset would keep the window open until 08:00 UTC.
    assert window.is_open(utc(2026, 3, 13, 7, 1)) is False


@pytest.mark.parametrize(
    ("shipped_at", "last_day", "extension"),
    [
        # 31 Oct 23:59 PDT is 1 Nov 06:59 UTC: not the holiday season in LA.
        (la(2026, 10, 31, 23, 59), date(2026, 12, 3), False),
        (la(2026, 11, 1, 0, 0), date(2027, 1, 31), True),
        (la(2026, 11, 1, 0, 1), date(2027, 1, 31), True),
    ],
    ids=["oct31-23:59", "nov1-00:00", "nov1-00:01"],
)
def test_holiday_season_starts_on_1_november_in_la(shipped_at, last_day, extension):
    window = return_window(
        delivered_order(shipped_at, la(2026, 11, 3, 15, 0)), seller()
    )
    assert window.last_day == last_day
    assert window.holiday_extension is extension


def test_holiday_window_ends_at_the_end_of_31_january():
    window = return_window(
        delivered_order(la(2026, 12, 20, 9, 0), la(2026, 12, 22, 15, 0)), seller()
    )
    assert window.holiday_extension is True
    assert window.last_day == date(2027, 1, 31)
    assert window.closes_at == utc(2027, 2, 1, 8, 0)  # 1 Feb 00:00 PST
    assert window.is_open(utc(2027, 2, 1, 7, 59)) is True
    assert window.is_open(utc(2027, 2, 1, 8, 1)) is False


def test_shipped_late_on_31_december_in_la_is_still_holiday_season():
    # 31 Dec 23:59 PST is 1 Jan 07:59 UTC: the LA date decides.
    shipped_at = la(2026, 12, 31, 23, 59)
    assert shipped_at.year == 2027
    window = return_window(delivered_order(shipped_at, shipped_at), seller())
    assert window.delivered_on == date(2026, 12, 31)
    assert window.holiday_extension is True
    assert window.last_day == date(2027, 1, 31)


def test_holiday_rule_only_applies_when_it_is_later():
    # Seller's 45 days from 30 December end on 13 February, after 31 January.
    window = return_window(
        delivered_order(la(2026, 12, 28, 9, 0), la(2026, 12, 30, 15, 0)), seller(45)
    )
    assert window.last_day == date(2027, 2, 13)
    assert window.holiday_extension is False


def test_holiday_rule_with_a_twenty_day_seller_still_gives_thirty_days():
    window = return_window(
        delivered_order(la(2027, 1, 5, 9, 0), la(2027, 1, 6, 15, 0)), seller(20)
    )
    assert window.days == 30
    assert window.last_day == date(2027, 2, 5)
    assert window.holiday_extension is False


@pytest.mark.parametrize(
    ("shipped_on", "expected"),
    [
        (date(2026, 10, 31), None),
        (date(2026, 11, 1), date(2027, 1, 31)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2027, 1, 1), None),
    ],
)
def test_holiday_last_day(shipped_on, expected):
    assert holiday_last_day(shipped_on) == expected


def test_no_window_without_a_delivery_time():
    with pytest.raises(ValueError):
        return_window(delivered_order(la(2026, 3, 1, 9, 0), None), seller())


def test_end_of_marketplace_day_and_marketplace_date():
    assert end_of_marketplace_day(date(2026, 3, 7)) == utc(2026, 3, 8, 8, 0)
    assert end_of_marketplace_day(date(2026, 3, 8)) == utc(2026, 3, 9, 7, 0)
    assert end_of_marketplace_day(date(2026, 10, 31)) == utc(2026, 11, 1, 7, 0)
    assert end_of_marketplace_day(date(2026, 11, 1)) == utc(2026, 11, 2, 8, 0)
    assert marketplace_date(utc(2026, 3, 15, 6, 59)) == date(2026, 3, 14)
    assert marketplace_date(utc(2026, 3, 15, 7, 0)) == date(2026, 3, 15)
    with pytest.raises(ValueError):
        marketplace_date(datetime(2026, 3, 15, 7, 0))


@pytest.mark.parametrize(
    ("country", "option", "expected"),
    [
        ("US", ReturnOption.DOMESTIC_ADDRESS, ReturnOption.PREPAID_LABEL),
        ("US", ReturnOption.RETURNLESS_REFUND, ReturnOption.PREPAID_LABEL),
        ("us", ReturnOption.DOMESTIC_ADDRESS, ReturnOption.PREPAID_LABEL),
        ("CN", ReturnOption.DOMESTIC_ADDRESS, ReturnOption.DOMESTIC_ADDRESS),
        ("CN", ReturnOption.PREPAID_LABEL, ReturnOption.PREPAID_LABEL),
        ("CN", ReturnOption.RETURNLESS_REFUND, ReturnOption.RETURNLESS_REFUND),
        ("DE", ReturnOption.RETURNLESS_REFUND, ReturnOption.RETURNLESS_REFUND),
    ],
)
def test_return_method(country, option, expected):
    assert return_method(seller(country=country, option=option)) is expected
