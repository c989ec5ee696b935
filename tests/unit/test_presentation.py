"""bot.services.presentation: the one home of time formats, case labels and the reason sentence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot import config
from bot.adapters.catalogue import t
from bot.domain.model import (
    Decision,
    Fulfillment,
    Order,
    OrderItem,
    OrderStatus,
    Route,
)
from bot.services.presentation import (
    buyer_by_day,
    buyer_day,
    buyer_deadline,
    buyer_on_day,
    buyer_time,
    category_label,
    explain,
    explained,
    format_iso_utc,
    format_marketplace_time,
    format_utc_time,
    order_button_title,
    render_reason,
    topic_label,
)

WINTER = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)  # 10:00 PST
SUMMER = datetime(2026, 7, 1, 17, 30, 5, tzinfo=timezone.utc)  # 10:30 PDT


def test_marketplace_time_is_the_los_angeles_wall_clock():
    assert format_marketplace_time(WINTER) == "2026-11-26 10:00 PST"
    assert format_marketplace_time(SUMMER) == "2026-07-01 10:30 PDT"


def test_utc_time():
    assert format_utc_time(WINTER) == "2026-11-26 18:00 UTC"
    assert format_utc_time(SUMMER) == "2026-07-01 17:30 UTC"


def test_iso_utc_has_a_z_suffix():
    assert format_iso_utc(WINTER) == "2026-11-26T18:00:00Z"
    assert format_iso_utc(SUMMER.astimezone()) == "2026-07-01T17:30:05Z"


@dataclass(frozen=True)
class _Case:
    category: str
    reason_code: str | None


def test_category_label_falls_back_to_the_code():
    assert category_label(None, "en") == ""
    assert category_label("no_such_category", "en") == "no_such_category"
    assert category_label("late_delivery", "en") == t(
        "email.category.late_delivery", "en"
    )


def test_topic_label_names_the_reason_when_it_differs():
    same = _Case("delivery_status", "delivery_status")
    assert topic_label(same, "en") == t(
        "email.topic.category_only",
        "en",
        category=category_label("delivery_status", "en"),
    )
    other = _Case("delivery_status", "late_delivery")
    assert topic_label(other, "zh") == t(
        "email.topic.with_reason",
        "zh",
        reason=category_label("late_delivery", "zh"),
        category=category_label("delivery_status", "zh"),
    )


def test_reason_sentence_from_codes_and_facts():
    decision = Decision(
        intent="delivery_status",
        route=Route.BOT,
        reason_code="order_not_found",
        order_id="112-1234567-1234567",
    )
    assert decision.reason is None
    sentence = explain(decision)
    assert "112-1234567-1234567" in sentence
    assert sentence == render_reason(
        "order_not_found",
        {},
        "en",
        order_id="112-1234567-1234567",
        intent="delivery_status",
    )
    assert explained(decision).reason == sentence
    assert explained(decision).as_dict() == {**decision.as_dict(), "reason": sentence}


def test_missing_facts_read_as_unknown():
    sentence = render_reason("order_not_found", {}, "en")
    assert t("common.unknown", "en") in sentence


# --- the buyer's dates ---------------------------------------------------------------

LA = ZoneInfo("America/Los_Angeles")
# The demo clock: Thursday 26 November 2026, 10:00 in Los Angeles.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=LA)


def la(*args: int) -> datetime:
    return datetime(*args, tzinfo=LA)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (la(2026, 11, 26, 17, 0), "today by 5 PM PT"),
        (la(2026, 11, 26, 23, 59), "today by 11:59 PM PT"),
        (la(2026, 11, 27, 0, 30), "tomorrow by 12:30 AM PT"),
        (la(2026, 11, 27, 1, 4), "tomorrow by 1:04 AM PT"),
        (la(2026, 11, 28, 10, 0), "by Saturday, Nov 28"),  # a case's 2 days
        (la(2026, 12, 2, 9, 0), "by Wednesday, Dec 2"),  # this week
        # the "2026-12-06 01:04 PST"
        (la(2026, 12, 6, 1, 4), "by Sunday, Dec 6"),
        (la(2027, 1, 3, 12, 0), "by Sunday, Jan 3, 2027"),  # next year
        (la(2026, 11, 20, 9, 0), "by Friday, Nov 20 at 9 AM PT"),  # already past
    ],
)
def test_a_deadline_reads_as_a_day_and_a_time_only_when_it_matters(due, expected):
    assert buyer_deadline(due, now=NOW) == expected
    # the same instant in UTC reads the same
    assert buyer_deadline(due.astimezone(timezone.utc), now=NOW) == expected


def test_days_are_the_marketplaces_not_utcs_near_midnight():
    # 07:30 UTC on Dec 6 is still Saturday, Dec 5 in Los Angeles
    late_evening = datetime(2026, 12, 6, 7, 30, tzinfo=timezone.utc)
    assert buyer_deadline(late_evening, now=NOW) == "by Saturday, Dec 5"
    # 23:50 on Nov 26: a deadline ten minutes later is tomorrow, not today
    just_before = la(2026, 11, 26, 23, 50)
    assert buyer_deadline(la(2026, 11, 27, 0, 0), now=just_before) == (
        "tomorrow by 12 AM PT"
    )
    # and "today" follows the buyer's clock past midnight in UTC (17:00 PST = 01:00 UTC)
    evening = la(2026, 11, 26, 17, 0)
    assert evening.astimezone(timezone.utc).day == 27
    assert buyer_deadline(la(2026, 11, 26, 20, 0), now=evening) == "today by 8 PM PT"


def test_the_summer_time_is_the_same_zone_for_a_buyer():
    summer = la(2026, 7, 1, 9, 0)
    assert buyer_deadline(la(2026, 7, 1, 17, 30), now=summer) == "today by 5:30 PM PT"
    assert format_marketplace_time(la(2026, 7, 1, 17, 30)) == "2026-07-01 17:30 PDT"


def test_the_marketplace_zone_comes_from_the_config(monkeypatch):
    instant = datetime(2026, 12, 6, 6, 30, tzinfo=timezone.utc)
    assert buyer_deadline(instant, now=NOW) == "by Saturday, Dec 5"  # 22:30 in LA
    monkeypatch.setattr(config, "MARKETPLACE_TZ", ZoneInfo("America/New_York"))
    assert buyer_deadline(instant, now=NOW) == "by Sunday, Dec 6"  # 01:30 in NY
    assert buyer_time(instant, now=instant - timedelta(hours=1)) == (
        "today at 1:30 AM ET"
    )


def test_when_something_happens_to_the_minute():
    assert buyer_time(la(2026, 11, 26, 12, 0), now=NOW) == "today at 12 PM PT"
    assert buyer_time(la(2026, 11, 27, 8, 0), now=NOW) == "tomorrow at 8 AM PT"
    assert buyer_time(la(2026, 11, 30, 8, 15), now=NOW) == (
        "on Monday, Nov 30 at 8:15 AM PT"
    )
    assert buyer_time(la(2027, 1, 4, 8, 0), now=NOW) == (
        "on Monday, Jan 4, 2027 at 8 AM PT"
    )


@pytest.mark.parametrize(
    ("day", "noun", "on", "by"),
    [
        (date(2026, 11, 25), "Wednesday, Nov 25", "yesterday", "yesterday"),
        (date(2026, 11, 26), "today", "today", "today"),
        (date(2026, 11, 27), "tomorrow", "tomorrow", "by tomorrow"),
        (
            date(2026, 11, 30),
            "Monday, Nov 30",
            "on Monday, Nov 30",
            "by Monday, Nov 30",
        ),
        (
            date(2026, 11, 20),
            "Friday, Nov 20",
            "on Friday, Nov 20",
            "by Friday, Nov 20",
        ),
        (
            date(2027, 1, 31),
            "Sunday, Jan 31, 2027",
            "on Sunday, Jan 31, 2027",
            "by Sunday, Jan 31, 2027",
        ),
    ],
)
def test_a_day_as_a_noun_as_when_and_as_a_due_day(day, noun, on, by):
    assert buyer_day(day, now=NOW) == noun  # "open until the end of ..."
    assert buyer_on_day(day, now=NOW) == on  # "it was delivered ..."
    assert buyer_by_day(day, now=NOW) == by  # "it should arrive ..."


def test_the_buyers_dates_in_chinese():
    assert buyer_deadline(la(2026, 12, 6, 1, 4), now=NOW, language="zh") == (
        "12月6日星期日之前"
    )
    assert buyer_day(date(2026, 11, 27), now=NOW, language="zh") == "明天"


def test_agents_and_sellers_keep_the_exact_time():
    assert format_marketplace_time(la(2026, 12, 6, 1, 4)) == "2026-12-06 01:04 PST"


# --- the order buttons ---------------------------------------------------------------


def _order(order_id: str, placed_at: datetime, *titles: str) -> Order:
    return Order(
        id=order_id,
        buyer_id="B-2",
        seller_id="S-100",
        fulfillment=Fulfillment.SELLER,
        placed_at=placed_at,
        status=OrderStatus.DELIVERED,
        items=tuple(
            OrderItem(
                asin=f"B0000000{n}", quantity=1, unit_price=Decimal("39.90"), title=t
            )
            for n, t in enumerate(titles)
        ),
    )


KETTLE = "Hearth 1.7 L Electric Kettle, Stainless Steel"


def test_two_orders_of_the_same_item_have_different_button_titles():
    first = _order("113-0000004-0000004", la(2026, 11, 5, 12, 0), KETTLE)
    again = _order("113-0000014-0000014", la(2026, 11, 5, 15, 0), KETTLE)
    titles = [order_button_title(o, now=NOW) for o in (first, again)]
    assert titles == [
        "Hearth 1.7 L Electric Kett… · Nov 5 · …0004",
        "Hearth 1.7 L Electric Kett… · Nov 5 · …0014",
    ]


def test_an_order_button_title_is_short():
    order = _order(
        "112-0000001-0000001",
        datetime(2026, 11, 11, 7, 30, tzinfo=timezone.utc),  # Nov 10 in LA
        "Hearth 20 oz Insulated Stainless Steel Tumbler with Lid",
        KETTLE,
        KETTLE,
    )
    title = order_button_title(order, now=NOW)
    assert title == "Hearth 20 oz Insulated Sta… +2 · Nov 10 · …0001"
    assert len(title) <= 48
    last_year = _order("112-0000009-0000009", la(2025, 12, 20, 9, 0), "Scarf")
    assert order_button_title(last_year, now=NOW) == "Scarf · Dec 20, 2025 · …0009"
    untitled = _order("112-0000009-0000009", la(2026, 11, 20, 9, 0))
    assert order_button_title(untitled, now=NOW) == "Nov 20 · …0009"
