"""The CSBA routing policy. No database: plain value objects in, a Decision out.

Every expectation here is written by hand from the rules of issue 2, section 4; none
is computed by the code under test. Instants are written in UTC: LA is UTC-8 (PST)
in winter and UTC-7 (PDT) in summer; in 2026 DST runs from 8 March to 1 November.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from bot.adapters.catalogue import catalogue, placeholders, t
from bot.domain.model import (
    Decision,
    EnrollmentPeriod,
    Fulfillment,
    Intent,
    Order,
    OrderItem,
    OrderStatus,
    ProductAnswer,
    ReturnOption,
    Route,
    Seller,
)
from bot.domain.policy import REASON_CODES, UnknownIntent, decide
from bot.services.presentation import explain, explained

BOT = Route.BOT
CASE = Route.SELLER_CASE
BSM = Route.BUYER_SELLER_MESSAGING
AGENT = Route.AGENT

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

ORDER_ID = "112-1234567-1234567"
BUYER = "B-1"
OTHER_BUYER = "B-2"
SELLER_ID = "S-1"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# --- builders ------------------------------------------------------------------

OPTED_IN = utc(2026, 1, 5, 8, 0)
ACTIVATED = utc(2026, 1, 5, 8, 30)
OPTED_OUT = utc(2026, 2, 1, 12, 0)
RE_OPTED_IN = utc(2026, 2, 20, 9, 0)  # no activation: coverage from 10:00
LATER_OPT_IN = utc(2026, 4, 1, 8, 0)

ENROLLED = EnrollmentPeriod(opted_in_at=OPTED_IN, activated_at=ACTIVATED)
OPTED_OUT_PERIOD = EnrollmentPeriod(
    opted_in_at=OPTED_IN, activated_at=ACTIVATED, opted_out_at=OPTED_OUT
)
RE_ENROLLED = EnrollmentPeriod(opted_in_at=RE_OPTED_IN)

# Placed on 10 March 2026, 10:00 PDT.
PLACED = utc(2026, 3, 10, 17, 0)
SHIPPED = PLACED + DAY
DELIVERED = PLACED + 3 * DAY
PROMISED = PLACED + 5 * DAY
NOW = PLACED + 4 * DAY  # delivered orders are in their window, shipped ones not late

ITEM = OrderItem(asin="B0TEST0001", quantity=1, unit_price=Decimal("24.99"))
CUSTOM_ITEM = OrderItem(
    asin="B0CUSTOM01",
    quantity=1,
    unit_price=Decimal("39.00"),
    customization="Engrave: ANNA",
)
FINAL_SALE_ITEM = OrderItem(
    asin="B0FINAL001", quantity=1, unit_price=Decimal("9.99"), returnable=False
)


def make_seller(
    *periods: EnrollmentPeriod,
    days: int = 30,
    country: str = "US",
    option: ReturnOption = ReturnOption.PREPAID_LABEL,
) -> Seller:
    return Seller(
        id=SELLER_ID,
        name="Acme Kitchen",
        email="seller@example.com",
        country=country,
        return_window_days=days,
        international_return_option=option,
        enrollments=periods,
    )


def make_order(
    status: str = "delivered",
    *,
    fulfillment: str = "seller",
    placed_at: datetime = PLACED,
    **changes: Any,
) -> Order:
    """An order with a consistent timeline for its status, then `changes`."""
    shipped = status in ("shipped", "delivered")
    order = Order(
        id=ORDER_ID,
        buyer_id=BUYER,
        seller_id=SELLER_ID,
        fulfillment=Fulfillment(fulfillment),
        placed_at=placed_at,
        status=OrderStatus(status),
        items=(ITEM,),
        shipped_at=placed_at + DAY if shipped else None,
        delivered_at=placed_at + 3 * DAY if status == "delivered" else None,
        promised_delivery_by=placed_at + 5 * DAY,
        carrier="UPS" if shipped else None,
        tracking_number="1Z999AA10123456784" if shipped else None,
    )
    return replace(order, **changes)


def answer() -> ProductAnswer:
    return ProductAnswer(
        asin="B0TEST0001",
        text="Dishwasher safe: yes",
        source="attributes.dishwasher_safe",
        score=0.91,
    )


# --- the matrix: intent x fulfilment x status x coverage ------------------------

COVERAGE_CASES: dict[str, tuple[EnrollmentPeriod, ...]] = {
    "covered": (ENROLLED,),
    "not_enrolled": (),
    "before_enrollment": (EnrollmentPeriod(opted_in_at=LATER_OPT_IN),),
    "after_opt_out": (OPTED_OUT_PERIOD,),
}
STATUSES = ("unshipped", "shipped", "delivered", "cancelled")
FULFILMENTS = ("seller", "fba")
INTENTS = (
    "delivery_status",
    "return_refund",
    "damaged_item",
    "cancel_order",
    "change_address",
    "invoice",
    "customization",
    "pre_order",
    "product_question",
    "human_agent",
)

NO_ORDER_EXPECTED = {
    "pre_order": (BSM, "pre_order"),
    "invoice": (BSM, "invoice"),
    "customization": (BSM, "customization"),
    "human_agent": (AGENT, "buyer_asked_for_agent"),
}
NOT_COVERED_EXPECTED = {
    "not_enrolled": (BSM, "seller_not_enrolled"),
    "before_enrollment": (BSM, "placed_before_enrollment"),
    "after_opt_out": (BSM, "placed_after_opt_out"),
}
# Covered seller-fulfilled orders, no answer from the detail page, at NOW.
COVERED_EXPECTED = {
    ("delivery_status", "unshipped"): (BOT, "not_shipped_yet"),
    ("delivery_status", "shipped"): (BOT, "in_transit"),
    ("delivery_status", "delivered"): (BOT, "delivered"),
    ("delivery_status", "cancelled"): (BOT, "order_cancelled"),
    ("return_refund", "unshipped"): (BOT, "not_delivered_yet"),
    ("return_refund", "shipped"): (BOT, "not_delivered_yet"),
    ("return_refund", "delivered"): (BOT, "return_window_open"),
    ("return_refund", "cancelled"): (BOT, "order_cancelled"),
    ("damaged_item", "unshipped"): (BOT, "not_delivered_yet"),
    ("damaged_item", "shipped"): (BOT, "not_delivered_yet"),
    ("damaged_item", "delivered"): (BOT, "damaged_return"),
    ("damaged_item", "cancelled"): (BOT, "order_cancelled"),
    ("cancel_order", "unshipped"): (CASE, "cancel_request"),
    ("cancel_order", "shipped"): (BOT, "already_shipped"),
    ("cancel_order", "delivered"): (BOT, "already_shipped"),
    ("cancel_order", "cancelled"): (BOT, "order_cancelled"),
    ("change_address", "unshipped"): (CASE, "address_change_request"),
    ("change_address", "shipped"): (BOT, "already_shipped"),
    ("change_address", "delivered"): (BOT, "already_shipped"),
    ("change_address", "cancelled"): (BOT, "order_cancelled"),
    ("product_question", "unshipped"): (CASE, "detail_page_silent"),
    ("product_question", "shipped"): (CASE, "detail_page_silent"),
    ("product_question", "delivered"): (CASE, "detail_page_silent"),
    ("product_question", "cancelled"): (CASE, "detail_page_silent"),
}


def matrix_expectation(intent, fulfilment, status, case):
    """(route, reason_code, covered) for one matrix cell, from the tables above."""
    if intent in NO_ORDER_EXPECTED:
        return (*NO_ORDER_EXPECTED[intent], None)
    if fulfilment == "fba":
        return (BSM, "fba_order", None)
    if case != "covered":
        return (*NOT_COVERED_EXPECTED[case], False)
    return (*COVERED_EXPECTED[(intent, status)], True)


MATRIX = [
    pytest.param(
        intent,
        fulfilment,
        status,
        case,
        *matrix_expectation(intent, fulfilment, status, case),
        id=f"{intent}-{fulfilment}-{status}-{case}",
    )
    for intent, fulfilment, status, case in itertools.product(
        INTENTS, FULFILMENTS, STATUSES, COVERAGE_CASES
    )
]


def assert_decision(decision: Decision, route: Route, code: str, covered) -> None:
    assert (decision.route, decision.reason_code) == (route, code)
    assert decision.covered is covered
    assert REASON_CODES[code] is route
    assert decision.reason is None  # codes and facts: rendered outside the domain
    reason = explain(decision)
    assert reason and "{" not in reason
    assert_json_ready(decision)


def test_matrix_has_every_cell():
    assert len(MATRIX) == len(Intent) * 2 * 4 * 4 == 320
    assert set(INTENTS) == {i.value for i in Intent}


@pytest.mark.parametrize(
    ("intent", "fulfilment", "status", "case", "route", "code", "covered"), MATRIX
)
def test_routing_matrix(intent, fulfilment, status, case, route, code, covered):
    order = make_order(status, fulfillment=fulfilment)
    seller = make_seller(*COVERAGE_CASES[case])
    decision = decide(intent, order, seller, NOW, buyer_id=BUYER)
    assert_decision(decision, route, code, covered)
    assert decision.intent == intent
    assert decision.order_id == ORDER_ID


ORDER_INTENTS = [i for i in INTENTS if i not in NO_ORDER_EXPECTED]


@pytest.mark.parametrize(
    ("intent", "fulfilment", "status", "case"),
    list(itertools.product(ORDER_INTENTS, FULFILMENTS, STATUSES, COVERAGE_CASES)),
)
def test_someone_elses_order_reveals_nothing(intent, fulfilment, status, case):
    order = make_order(status, fulfillment=fulfilment)
    seller = make_seller(*COVERAGE_CASES[case])
    decision = decide(intent, order, seller, NOW, answer(), buyer_id=OTHER_BUYER)
    assert_decision(decision, BOT, "not_your_order", None)
    assert decision.facts == {}
    assert decision.order_id == ORDER_ID  # the id the buyer typed
    for secret in ("UPS", "1Z999", "2026", "B0TEST", "Acme", BUYER, SELLER_ID):
        assert secret not in explain(decision)
        assert secret not in json.dumps(decision.as_dict())


@pytest.mark.parametrize("intent", ORDER_INTENTS)
@pytest.mark.parametrize("buyer_id", [None, "B-9"])
def test_unknown_order(intent, buyer_id):
    decision = decide(intent, None, None, NOW, buyer_id=buyer_id, order_id=ORDER_ID)
    assert_decision(decision, BOT, "order_not_found", None)
    assert decision.facts == {}
    assert ORDER_ID in explain(decision)


def test_unknown_order_without_a_typed_id():
    decision = decide("delivery_status", None, None, NOW)
    assert_decision(decision, BOT, "order_not_found", None)
    assert decision.order_id is None


# --- scenarios: boundaries, DST, re-enrollment, precedence --------------------


@dataclass(frozen=True)
class Scenario:
    id: str
    intent: str
    order: Order | None
    seller: Seller | None
    now: datetime
    route: Route
    code: str
    covered: bool | None
    answer: ProductAnswer | None = None
    buyer_id: str | None = BUYER
    claim: str | None = None  # bot.domain.reasons: what the buyer says happened


def placed_case(id, placed_at, periods, code, covered):
    """Delivery status of an unshipped order, one hour after it was placed."""
    route = BOT if covered else BSM
    return Scenario(
        id,
        "delivery_status",
        make_order("unshipped", placed_at=placed_at),
        make_seller(*periods),
        placed_at + HOUR,
        route,
        code,
        covered,
    )


NO_ACTIVATION = EnrollmentPeriod(opted_in_at=OPTED_IN)
DEFAULT_START = OPTED_IN + HOUR

COVERAGE_SCENARIOS = [
    placed_case("activation-1min", ACTIVATED - MINUTE, [ENROLLED],
                "placed_before_enrollment", False),
    placed_case("activation", ACTIVATED, [ENROLLED], "not_shipped_yet", True),
    placed_case("activation+1min", ACTIVATED + MINUTE, [ENROLLED],
                "not_shipped_yet", True),
    placed_case("default+1h-1min", DEFAULT_START - MINUTE, [NO_ACTIVATION],
                "placed_before_enrollment", False),
    placed_case("default+1h", DEFAULT_START, [NO_ACTIVATION],
                "not_shipped_yet", True),
    placed_case("default+1h+1min", DEFAULT_START + MINUTE, [NO_ACTIVATION],
                "not_shipped_yet", True),
    placed_case("opt-out-1min", OPTED_OUT - MINUTE, [OPTED_OUT_PERIOD],
                "not_shipped_yet", True),
    placed_case("opt-out", OPTED_OUT, [OPTED_OUT_PERIOD],
                "placed_after_opt_out", False),
    placed_case("opt-out+1min", OPTED_OUT + MINUTE, [OPTED_OUT_PERIOD],
                "placed_after_opt_out", False),
    placed_case("not-enrolled", PLACED, [], "seller_not_enrolled", False),
    # Re-enrollment after an opt-out: the second period starts at 20 Feb 10:00 UTC.
    placed_case("re-enrolled-gap", utc(2026, 2, 10, 12, 0),
                [OPTED_OUT_PERIOD, RE_ENROLLED], "placed_after_opt_out", False),
    placed_case("re-enrolled-gap-after-re-opt-in", RE_OPTED_IN + 30 * MINUTE,
                [OPTED_OUT_PERIOD, RE_ENROLLED], "placed_after_opt_out", False),
    placed_case("re-enrolled-second-period", RE_OPTED_IN + HOUR,
                [OPTED_OUT_PERIOD, RE_ENROLLED], "not_shipped_yet", True),
    placed_case("re-enrolled-first-period", ACTIVATED + DAY,
                [OPTED_OUT_PERIOD, RE_ENROLLED], "not_shipped_yet", True),
    placed_case("re-enrolled-before-all", OPTED_IN - DAY,
                [RE_ENROLLED, OPTED_OUT_PERIOD], "placed_before_enrollment", False),
]  # fmt: skip

# Placed while enrolled, asked about long after the opt-out: still covered.
STAYS_COVERED = Scenario(
    "placed-while-enrolled-asked-after-opt-out",
    "return_refund",
    make_order("delivered", placed_at=OPTED_OUT - 4 * DAY),
    make_seller(OPTED_OUT_PERIOD),
    OPTED_OUT + 5 * DAY,
    BOT,
    "return_window_open",
    True,
)


def delivered_case(id, intent, shipped_at, delivered_at, now, code, **seller_kw):
    route = REASON_ROUTES[code]
    return Scenario(
        id,
        intent,
        make_order(
            "delivered",
            placed_at=shipped_at - DAY,
            shipped_at=shipped_at,
            delivered_at=delivered_at,
        ),
        make_seller(ENROLLED, **seller_kw),
        now,
        route,
        code,
        True,
    )


# Hand-written routes, independent of REASON_CODES (which is checked against it).
REASON_ROUTES = {
    "pre_order": BSM,
    "invoice": BSM,
    "customization": BSM,
    "buyer_asked_for_agent": AGENT,
    "order_not_found": BOT,
    "not_your_order": BOT,
    "fba_order": BSM,
    "seller_not_enrolled": BSM,
    "placed_after_opt_out": BSM,
    "placed_before_enrollment": BSM,
    "order_cancelled": BOT,
    "delivered": BOT,
    "late_delivery": CASE,
    "delivered_not_received": CASE,
    "refund_status": CASE,
    "in_transit": BOT,
    "not_shipped_yet": BOT,
    "not_delivered_yet": BOT,
    "item_not_returnable": CASE,
    "return_window_open": BOT,
    "damaged_return": BOT,
    "damaged_seller_case": CASE,
    "return_window_closed": CASE,
    "cancel_request": CASE,
    "already_shipped": BOT,
    "address_change_request": CASE,
    "answered_from_detail_page": BOT,
    "detail_page_silent": CASE,
}

# Delivered 2 March 2026 10:00 PST (18:00 UTC): the 30-day window's last day is
# 1 April (PDT), so it closes at 2 April 00:00 PDT = 07:00 UTC.
MARCH_SHIPPED = utc(2026, 2, 27, 17, 0)
MARCH_DELIVERED = utc(2026, 3, 2, 18, 0)
MARCH_CLOSES = utc(2026, 4, 2, 7, 0)
# Holiday season: delivered 3 November 15:00 PST; 30 days end 3 December.
NOV_DELIVERED = utc(2026, 11, 3, 23, 0)
OCT31_2359_LA = utc(2026, 11, 1, 6, 59)  # 31 October 23:59 PDT
NOV01_0000_LA = utc(2026, 11, 1, 7, 0)  # 1 November 00:00 PDT
HOLIDAY_CLOSES = utc(2027, 2, 1, 8, 0)  # 1 February 2027 00:00 PST

RETURN_SCENARIOS = [
    delivered_case("window-end-1min", "return_refund", MARCH_SHIPPED,
                   MARCH_DELIVERED, MARCH_CLOSES - MINUTE, "return_window_open"),
    delivered_case("window-end", "return_refund", MARCH_SHIPPED,
                   MARCH_DELIVERED, MARCH_CLOSES, "return_window_closed"),
    delivered_case("window-end+1min", "return_refund", MARCH_SHIPPED,
                   MARCH_DELIVERED, MARCH_CLOSES + MINUTE, "return_window_closed"),
    delivered_case("damaged-window-end-1min", "damaged_item", MARCH_SHIPPED,
                   MARCH_DELIVERED, MARCH_CLOSES - MINUTE, "damaged_return"),
    # damage after the window: a case for the seller, not "window closed"
    delivered_case("damaged-window-end+1min", "damaged_item", MARCH_SHIPPED,
                   MARCH_DELIVERED, MARCH_CLOSES + MINUTE, "damaged_seller_case"),
    # Seller windows: 45 days (last day 16 April), 20 days (still 30: 1 April).
    delivered_case("seller-45-day-40", "return_refund", MARCH_SHIPPED,
                   MARCH_DELIVERED, MARCH_DELIVERED + 40 * DAY,
                   "return_window_open", days=45),
    delivered_case("seller-45-end+1min", "return_refund", MARCH_SHIPPED,
                   MARCH_DELIVERED, utc(2026, 4, 17, 7, 1),
                   "return_window_closed", days=45),
    delivered_case("seller-30-day-40", "return_refund", MARCH_SHIPPED,
                   MARCH_DELIVERED, MARCH_DELIVERED + 40 * DAY,
                   "return_window_closed"),
    delivered_case("seller-20-day-25", "return_refund", MARCH_SHIPPED,
                   MARCH_DELIVERED, MARCH_DELIVERED + 25 * DAY,
                   "return_window_open", days=20),
    delivered_case("seller-20-end-1min", "return_refund", MARCH_SHIPPED,
                   MARCH_DELIVERED, MARCH_CLOSES - MINUTE,
                   "return_window_open", days=20),
    # Holiday window: shipped one minute either side of 1 November 00:00 LA.
    delivered_case("shipped-oct31-23:59-la", "return_refund", OCT31_2359_LA,
                   NOV_DELIVERED, utc(2026, 12, 15, 20, 0), "return_window_closed"),
    delivered_case("shipped-nov1-00:00-la", "return_refund", NOV01_0000_LA,
                   NOV_DELIVERED, utc(2026, 12, 15, 20, 0), "return_window_open"),
    delivered_case("holiday-jan31-end-1min", "return_refund", NOV01_0000_LA,
                   NOV_DELIVERED, HOLIDAY_CLOSES - MINUTE, "return_window_open"),
    delivered_case("holiday-jan31-end+1min", "damaged_item", NOV01_0000_LA,
                   NOV_DELIVERED, HOLIDAY_CLOSES + MINUTE, "damaged_seller_case"),
    # DST fall-back: delivered 31 Oct 12:00 PDT, last day 30 Nov, closes 1 Dec
    # 08:00 UTC (PST). Delivery time + fixed UTC-7 would close at 07:00 UTC.
    delivered_case("fall-back-07:30", "return_refund", utc(2026, 10, 29, 17, 0),
                   utc(2026, 10, 31, 19, 0), utc(2026, 12, 1, 7, 30),
                   "return_window_open"),
    delivered_case("fall-back-end+1min", "return_refund", utc(2026, 10, 29, 17, 0),
                   utc(2026, 10, 31, 19, 0), utc(2026, 12, 1, 8, 1),
                   "return_window_closed"),
    # Delivered 1 Nov 01:30 PDT, right before the fall-back: last day 1 December.
    delivered_case("delivered-before-fall-back", "return_refund",
                   utc(2026, 10, 30, 17, 0), utc(2026, 11, 1, 8, 30),
                   utc(2026, 12, 2, 7, 59), "return_window_open"),
    # DST spring-forward: delivered 10 Feb 12:00 PST, closes 13 March 07:00 UTC.
    delivered_case("spring-forward-end-1min", "return_refund",
                   utc(2026, 2, 8, 17, 0), utc(2026, 2, 10, 20, 0),
                   utc(2026, 3, 13, 6, 59), "return_window_open"),
    delivered_case("spring-forward-end+1min", "return_refund",
                   utc(2026, 2, 8, 17, 0), utc(2026, 2, 10, 20, 0),
                   utc(2026, 3, 13, 7, 1), "return_window_closed"),
]  # fmt: skip


def items_case(id, intent, status, items, code, now=NOW):
    return Scenario(
        id,
        intent,
        make_order(status, items=items),
        make_seller(ENROLLED),
        now,
        REASON_ROUTES[code],
        code,
        True,
    )


AFTER_WINDOW = DELIVERED + 60 * DAY
ITEM_SCENARIOS = [
    items_case("customized-return", "return_refund", "delivered",
               (ITEM, CUSTOM_ITEM), "customization"),
    items_case("customized-damaged", "damaged_item", "delivered",
               (CUSTOM_ITEM,), "customization"),
    items_case("customized-before-not-returnable", "return_refund", "delivered",
               (FINAL_SALE_ITEM, CUSTOM_ITEM), "customization"),
    items_case("customized-after-window", "return_refund", "delivered",
               (CUSTOM_ITEM,), "customization", AFTER_WINDOW),
    items_case("customized-not-delivered", "return_refund", "shipped",
               (CUSTOM_ITEM,), "not_delivered_yet"),
    items_case("customized-cancelled", "damaged_item", "cancelled",
               (CUSTOM_ITEM,), "order_cancelled"),
    items_case("not-returnable", "return_refund", "delivered",
               (ITEM, FINAL_SALE_ITEM), "item_not_returnable"),
    # damage is not a change of mind: never "not returnable"
    items_case("not-returnable-damaged", "damaged_item", "delivered",
               (FINAL_SALE_ITEM,), "damaged_seller_case"),
    items_case("not-returnable-damaged-after-window", "damaged_item", "delivered",
               (FINAL_SALE_ITEM,), "damaged_seller_case", AFTER_WINDOW),
    items_case("not-returnable-after-window", "return_refund", "delivered",
               (FINAL_SALE_ITEM,), "item_not_returnable", AFTER_WINDOW),
    items_case("not-returnable-not-delivered", "damaged_item", "unshipped",
               (FINAL_SALE_ITEM,), "not_delivered_yet"),
    items_case("customized-delivery-status", "delivery_status", "delivered",
               (CUSTOM_ITEM,), "delivered"),
    items_case("customized-cancel", "cancel_order", "unshipped",
               (CUSTOM_ITEM,), "cancel_request"),
]  # fmt: skip


# Promised by 14 March 20:00 PDT = 15 March 03:00 UTC (already the 15th in UTC).
# The promised LA day, 14 March, ends at 15 March 00:00 PDT = 07:00 UTC.
PROMISED_LATE = utc(2026, 3, 15, 3, 0)
PROMISED_DAY_END = utc(2026, 3, 15, 7, 0)


def late_case(id, status, now, code, intent="delivery_status", **changes):
    return Scenario(
        id,
        intent,
        make_order(status, **{"promised_delivery_by": PROMISED_LATE, **changes}),
        make_seller(ENROLLED),
        now,
        REASON_ROUTES[code],
        code,
        True,
    )


LATE_SCENARIOS = [
    late_case("shipped-promised-day-end-1min", "shipped",
              PROMISED_DAY_END - MINUTE, "in_transit"),
    late_case("shipped-promised-day-end", "shipped", PROMISED_DAY_END,
              "late_delivery"),
    late_case("shipped-promised-day-end+1min", "shipped",
              PROMISED_DAY_END + MINUTE, "late_delivery"),
    late_case("unshipped-promised-day-end-1min", "unshipped",
              PROMISED_DAY_END - MINUTE, "not_shipped_yet"),
    late_case("unshipped-promised-day-end+1min", "unshipped",
              PROMISED_DAY_END + MINUTE, "late_delivery"),
    late_case("delivered-late", "delivered", PROMISED_DAY_END + 5 * DAY,
              "delivered", delivered_at=PROMISED_DAY_END + 2 * DAY),
    late_case("cancelled-after-promise", "cancelled", PROMISED_DAY_END + DAY,
              "order_cancelled"),
    late_case("no-promise", "shipped", PROMISED_DAY_END + 30 * DAY, "in_transit",
              promised_delivery_by=None),
    # A refund or a damage report for an order that never came is the late
    # delivery, not "nothing to return yet".
    late_case("refund-shipped-late", "shipped", PROMISED_DAY_END + MINUTE,
              "late_delivery", intent="return_refund"),
    late_case("refund-unshipped-late", "unshipped", PROMISED_DAY_END + DAY,
              "late_delivery", intent="return_refund"),
    late_case("refund-shipped-before-promise", "shipped",
              PROMISED_DAY_END - MINUTE, "not_delivered_yet", intent="return_refund"),
    late_case("damaged-shipped-late", "shipped", PROMISED_DAY_END + DAY,
              "late_delivery", intent="damaged_item"),
    late_case("refund-delivered-late", "delivered", PROMISED_DAY_END + 5 * DAY,
              "return_window_open", intent="return_refund",
              delivered_at=PROMISED_DAY_END + 2 * DAY),
    late_case("refund-cancelled-after-promise", "cancelled", PROMISED_DAY_END + DAY,
              "order_cancelled", intent="return_refund"),
]  # fmt: skip

OTHER_SCENARIOS = [
    Scenario("product-answered", "product_question", make_order("delivered"),
             make_seller(ENROLLED), NOW, BOT, "answered_from_detail_page", True,
             answer=answer()),
    Scenario("product-answered-unshipped", "product_question",
             make_order("unshipped"), make_seller(ENROLLED), NOW, BOT,
             "answered_from_detail_page", True, answer=answer()),
    Scenario("product-silent", "product_question", make_order("delivered"),
             make_seller(ENROLLED), NOW, CASE, "detail_page_silent", True),
    Scenario("product-answered-fba", "product_question",
             make_order("delivered", fulfillment="fba"), make_seller(ENROLLED),
             NOW, BSM, "fba_order", None, answer=answer()),
    Scenario("product-answered-not-enrolled", "product_question",
             make_order("delivered"), make_seller(), NOW, BSM,
             "seller_not_enrolled", False, answer=answer()),
    Scenario("fba-before-coverage", "return_refund",
             make_order("delivered", fulfillment="fba"), make_seller(), NOW, BSM,
             "fba_order", None),
    Scenario("fba-without-seller", "delivery_status",
             make_order("shipped", fulfillment="fba"), None, NOW, BSM,
             "fba_order", None),
    Scenario("owner-before-fba", "return_refund",
             make_order("delivered", fulfillment="fba"), make_seller(), NOW, BOT,
             "not_your_order", None, buyer_id=OTHER_BUYER),
    Scenario("no-buyer-no-ownership-check", "delivery_status",
             make_order("shipped"), make_seller(ENROLLED), NOW, BOT,
             "in_transit", True, buyer_id=None),
    Scenario("unknown-order", "return_refund", None, None, NOW, BOT,
             "order_not_found", None),
    Scenario("invoice-other-buyers-order", "invoice", make_order("delivered"),
             make_seller(ENROLLED), NOW, BSM, "invoice", None,
             buyer_id=OTHER_BUYER),
    Scenario("pre-order-no-order", "pre_order", None, None, NOW, BSM, "pre_order",
             None),
    Scenario("customization-no-order", "customization", None, None, NOW, BSM,
             "customization", None),
    Scenario("human-no-order", "human_agent", None, None, NOW, AGENT,
             "buyer_asked_for_agent", None),
    Scenario("human-before-ownership", "human_agent", make_order("delivered"),
             make_seller(), NOW, AGENT, "buyer_asked_for_agent", None,
             buyer_id=OTHER_BUYER),
    Scenario("intent-as-enum", Intent.CANCEL_ORDER, make_order("unshipped"),
             make_seller(ENROLLED), NOW, CASE, "cancel_request", True),
    Scenario("cancel-shipped", "cancel_order", make_order("shipped"),
             make_seller(ENROLLED), NOW, BOT, "already_shipped", True),
    Scenario("change-address-unshipped", "change_address", make_order("unshipped"),
             make_seller(ENROLLED), NOW, CASE, "address_change_request", True),
    Scenario("non-us-seller-return", "return_refund", make_order("delivered"),
             make_seller(ENROLLED, country="CN",
                         option=ReturnOption.RETURNLESS_REFUND),
             NOW, BOT, "return_window_open", True),
]  # fmt: skip

# What the buyer says happened beside the question (bot.nlp.claims).
NOT_RECEIVED, REFUND_MISSING = "not_received", "refund_missing"
CLAIM_SCENARIOS = [
    Scenario("never-came-delivered", "delivery_status", make_order("delivered"),
             make_seller(ENROLLED), NOW, CASE, "delivered_not_received", True,
             claim=NOT_RECEIVED),
    Scenario("never-came-delivered-refund", "return_refund", make_order("delivered"),
             make_seller(ENROLLED), NOW, CASE, "delivered_not_received", True,
             claim=NOT_RECEIVED),
    Scenario("never-came-in-transit", "return_refund", make_order("shipped"),
             make_seller(ENROLLED), NOW, BOT, "in_transit", True,
             claim=NOT_RECEIVED),
    Scenario("never-came-late", "delivery_status",
             make_order("shipped", promised_delivery_by=PROMISED_LATE),
             make_seller(ENROLLED), PROMISED_DAY_END + DAY, CASE, "late_delivery",
             True, claim=NOT_RECEIVED),
    Scenario("never-came-cancelled", "delivery_status", make_order("cancelled"),
             make_seller(ENROLLED), NOW, BOT, "order_cancelled", True,
             claim=NOT_RECEIVED),
    # "I didn't receive my cutting board", read as a damaged or missing item
    Scenario("never-came-damaged", "damaged_item", make_order("delivered"),
             make_seller(ENROLLED), NOW, CASE, "delivered_not_received", True,
             claim=NOT_RECEIVED),
    # a damage report with no claim is weighed as damage
    Scenario("refund-missing-damaged", "damaged_item", make_order("delivered"),
             make_seller(ENROLLED), NOW, BOT, "damaged_return", True,
             claim=REFUND_MISSING),
    Scenario("refund-missing-cancelled", "cancel_order", make_order("cancelled"),
             make_seller(ENROLLED), NOW, CASE, "refund_status", True,
             claim=REFUND_MISSING),
    Scenario("refund-missing-delivered", "return_refund", make_order("delivered"),
             make_seller(ENROLLED), NOW, CASE, "refund_status", True,
             claim=REFUND_MISSING),
    # the order checks come first: nothing about another buyer's order
    Scenario("refund-missing-not-yours", "return_refund", make_order("delivered"),
             make_seller(ENROLLED), NOW, BOT, "not_your_order", None,
             buyer_id=OTHER_BUYER, claim=REFUND_MISSING),
    Scenario("refund-missing-not-enrolled", "return_refund", make_order("delivered"),
             make_seller(), NOW, BSM, "seller_not_enrolled", False,
             claim=REFUND_MISSING),
    Scenario("refund-missing-product-question", "product_question",
             make_order("delivered"), make_seller(ENROLLED), NOW, CASE,
             "detail_page_silent", True, claim=REFUND_MISSING),
]  # fmt: skip

SCENARIOS = [
    *COVERAGE_SCENARIOS,
    *CLAIM_SCENARIOS,
    STAYS_COVERED,
    *RETURN_SCENARIOS,
    *ITEM_SCENARIOS,
    *LATE_SCENARIOS,
    *OTHER_SCENARIOS,
]


def run(s: Scenario) -> Decision:
    return decide(
        s.intent, s.order, s.seller, s.now, s.answer, buyer_id=s.buyer_id, claim=s.claim
    )


@pytest.mark.parametrize("s", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(s: Scenario):
    assert_decision(run(s), s.route, s.code, s.covered)


def test_scenario_ids_are_unique():
    ids = [s.id for s in SCENARIOS]
    assert len(ids) == len(set(ids))


# --- every reason code ----------------------------------------------------------


def test_reason_codes_table():
    assert REASON_CODES == REASON_ROUTES


def test_every_reason_code_is_exercised():
    from_matrix = {p.values[5] for p in MATRIX}
    from_scenarios = {s.code for s in SCENARIOS}
    from_other_tests = {"not_your_order", "order_not_found"}
    exercised = from_matrix | from_scenarios | from_other_tests
    assert exercised == set(REASON_CODES)
    # The hand-picked scenarios alone reach every code too.
    assert from_scenarios == set(REASON_CODES)


# --- facts ----------------------------------------------------------------------

INSTANT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INSTANT_FACTS = {
    "placed_at",
    "coverage_start",
    "coverage_end",
    "shipped_at",
    "delivered_at",
    "promised_delivery_by",
    "return_window_closes_at",
}
DATE_FACTS = {"return_deadline", "promised_delivery_day"}


def assert_json_ready(decision: Decision) -> None:
    as_json = json.loads(json.dumps(decision.as_dict()))
    assert as_json["facts"] == dict(decision.facts)
    for key, value in decision.facts.items():
        assert value is None or type(value) in (str, int, float, bool, list), key
        if isinstance(value, list):
            assert all(type(v) is str for v in value), key
        if key in INSTANT_FACTS and value is not None:
            assert INSTANT_RE.match(value), (key, value)
        if key in DATE_FACTS and value is not None:
            assert DATE_RE.match(value), (key, value)


def scenario(id: str) -> Scenario:
    return next(s for s in SCENARIOS if s.id == id)


def test_coverage_facts_when_covered():
    facts = run(scenario("re-enrolled-second-period")).facts
    assert facts["coverage_start"] == "2026-02-20T10:00:00+00:00"
    assert facts["coverage_end"] is None
    assert facts["order_status"] == "unshipped"


def test_coverage_facts_after_opt_out_name_the_period_that_ended():
    decision = run(scenario("re-enrolled-gap"))
    assert decision.facts["placed_at"] == "2026-02-10T12:00:00+00:00"
    assert decision.facts["coverage_start"] == "2026-01-05T08:30:00+00:00"
    assert decision.facts["coverage_end"] == "2026-02-01T12:00:00+00:00"
    assert "2026-02-01T12:00:00+00:00" in explain(decision)


def test_coverage_facts_before_enrollment_name_the_coming_start():
    decision = run(scenario("default+1h-1min"))
    assert decision.facts["coverage_start"] == "2026-01-05T09:00:00+00:00"
    assert decision.facts["coverage_end"] is None
    assert "2026-01-05T09:00:00+00:00" in explain(decision)


def test_not_enrolled_has_no_window():
    facts = run(scenario("not-enrolled")).facts
    assert facts["coverage_start"] is None and facts["coverage_end"] is None


def test_stays_covered_after_opt_out_reports_the_ended_period():
    facts = run(STAYS_COVERED).facts
    assert facts["coverage_start"] == "2026-01-05T08:30:00+00:00"
    assert facts["coverage_end"] == "2026-02-01T12:00:00+00:00"


def test_return_facts():
    decision = run(scenario("window-end-1min"))
    assert {
        k: decision.facts[k]
        for k in (
            "order_status",
            "delivered_at",
            "return_method",
            "return_deadline",
            "return_window_closes_at",
            "return_window_days",
            "holiday_extension",
        )
    } == {
        "order_status": "delivered",
        "delivered_at": "2026-03-02T18:00:00+00:00",
        "return_method": "prepaid_label",
        "return_deadline": "2026-04-01",
        "return_window_closes_at": "2026-04-02T07:00:00+00:00",
        "return_window_days": 30,
        "holiday_extension": False,
    }
    assert "2026-04-01" in explain(decision)
    assert "prepaid_label" in explain(decision)


def test_damaged_return_facts():
    facts = run(scenario("damaged-window-end-1min")).facts
    assert facts["return_method"] == "prepaid_label"
    assert facts["return_deadline"] == "2026-04-01"
    # the order's only item is the damaged one
    assert facts["damaged_items"] == ["B0TEST0001"]
    assert facts["damaged_item_known"] is True


# --- damage, judged per item (issue 13) -------------------------------------------

OTHER_ITEM = OrderItem(asin="B0TEST0002", quantity=2, unit_price=Decimal("12.50"))


def damaged(items, asin=None, now=NOW) -> Decision:
    order = make_order("delivered", items=tuple(items))
    return decide(
        "damaged_item", order, make_seller(ENROLLED), now, buyer_id=BUYER, asin=asin
    )


def test_damage_names_the_damaged_item_only():
    decision = damaged((OTHER_ITEM, ITEM), asin=ITEM.asin)
    assert (decision.route, decision.reason_code) == (BOT, "damaged_return")
    assert decision.facts["damaged_items"] == [ITEM.asin]  # not the other line
    assert ITEM.asin in explain(decision)
    assert OTHER_ITEM.asin not in explain(decision)


def test_a_damaged_item_that_is_not_returnable_goes_to_the_seller():
    # the other item is returnable; the damaged one is not: a case, not a refusal
    decision = damaged((ITEM, FINAL_SALE_ITEM), asin=FINAL_SALE_ITEM.asin)
    assert (decision.route, decision.reason_code) == (CASE, "damaged_seller_case")
    assert decision.facts["damaged_items"] == [FINAL_SALE_ITEM.asin]
    assert decision.facts["damaged_items_returnable"] is False
    assert "not_returnable_items" not in decision.facts


def test_a_returnable_damaged_item_beside_a_final_sale_item_is_returned():
    decision = damaged((ITEM, FINAL_SALE_ITEM), asin=ITEM.asin)
    assert decision.reason_code == "damaged_return"
    assert decision.facts["damaged_items"] == [ITEM.asin]


def test_damage_after_the_window_goes_to_the_seller():
    decision = damaged((ITEM, OTHER_ITEM), asin=ITEM.asin, now=AFTER_WINDOW)
    assert (decision.route, decision.reason_code) == (CASE, "damaged_seller_case")
    assert decision.facts["return_window_open"] is False
    assert decision.facts["damaged_items_returnable"] is True


def test_an_unnamed_item_of_several_goes_to_the_seller():
    decision = damaged((ITEM, OTHER_ITEM))
    assert decision.reason_code == "damaged_seller_case"
    assert decision.facts["damaged_item_known"] is False
    assert decision.facts["damaged_items"] == [ITEM.asin, OTHER_ITEM.asin]


def test_an_asin_of_no_line_is_not_a_damaged_item():
    decision = damaged((ITEM, OTHER_ITEM), asin="B0NOTHERE1")
    assert decision.reason_code == "damaged_seller_case"
    assert decision.facts["damaged_item_known"] is False


def test_a_damaged_customized_item_keeps_the_customization_route():
    decision = damaged((ITEM, CUSTOM_ITEM), asin=CUSTOM_ITEM.asin)
    assert (decision.route, decision.reason_code) == (BSM, "customization")
    assert decision.facts["customized_items"] == [CUSTOM_ITEM.asin]
    # the plain item of the same order is judged on its own
    assert damaged((ITEM, CUSTOM_ITEM), asin=ITEM.asin).reason_code == (
        "damaged_return"
    )


@pytest.mark.parametrize("s", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_damage_is_never_refused_as_a_change_of_mind(s: Scenario):
    if s.intent == "damaged_item":
        assert run(s).reason_code not in ("item_not_returnable", "return_window_closed")


def test_the_asin_only_matters_for_damage():
    order = make_order("delivered", items=(ITEM, FINAL_SALE_ITEM))
    decision = decide(
        "return_refund",
        order,
        make_seller(ENROLLED),
        NOW,
        buyer_id=BUYER,
        asin=ITEM.asin,
    )
    assert decision.reason_code == "item_not_returnable"  # the whole order


@pytest.mark.parametrize(
    ("id", "deadline", "closes_at", "days", "holiday"),
    [
        ("seller-45-day-40", "2026-04-16", "2026-04-17T07:00:00+00:00", 45, False),
        ("seller-20-day-25", "2026-04-01", "2026-04-02T07:00:00+00:00", 30, False),
        ("shipped-oct31-23:59-la", "2026-12-03", "2026-12-04T08:00:00+00:00", 30,
         False),
        ("shipped-nov1-00:00-la", "2027-01-31", "2027-02-01T08:00:00+00:00", 30,
         True),
        ("fall-back-07:30", "2026-11-30", "2026-12-01T08:00:00+00:00", 30, False),
        ("delivered-before-fall-back", "2026-12-01", "2026-12-02T08:00:00+00:00",
         30, False),
        ("spring-forward-end-1min", "2026-03-12", "2026-03-13T07:00:00+00:00", 30,
         False),
    ],
)  # fmt: skip
def test_return_window_facts(id, deadline, closes_at, days, holiday):
    facts = run(scenario(id)).facts
    assert facts["return_deadline"] == deadline
    assert facts["return_window_closes_at"] == closes_at
    assert facts["return_window_days"] == days
    assert facts["holiday_extension"] is holiday


@pytest.mark.parametrize(
    ("country", "option", "method"),
    [
        ("US", ReturnOption.DOMESTIC_ADDRESS, "prepaid_label"),
        ("US", ReturnOption.RETURNLESS_REFUND, "prepaid_label"),
        ("CN", ReturnOption.RETURNLESS_REFUND, "returnless_refund"),
        ("CN", ReturnOption.DOMESTIC_ADDRESS, "domestic_address"),
        ("CN", ReturnOption.PREPAID_LABEL, "prepaid_label"),
    ],
)
@pytest.mark.parametrize("intent", ["return_refund", "damaged_item"])
def test_return_method_by_seller_country(intent, country, option, method):
    seller = make_seller(ENROLLED, country=country, option=option)
    decision = decide(intent, make_order("delivered"), seller, NOW, buyer_id=BUYER)
    assert decision.facts["return_method"] == method
    assert method in explain(decision)


def test_customization_facts_name_the_items():
    facts = run(scenario("customized-before-not-returnable")).facts
    assert facts["customized_items"] == ["B0CUSTOM01"]


def test_not_returnable_facts_name_the_items():
    decision = run(scenario("not-returnable"))
    assert decision.facts["not_returnable_items"] == ["B0FINAL001"]
    assert "B0FINAL001" in explain(decision)


def test_delivery_facts():
    decision = run(scenario("shipped-promised-day-end+1min"))
    facts = decision.facts
    assert facts["carrier"] == "UPS"
    assert facts["tracking_number"] == "1Z999AA10123456784"
    assert facts["shipped_at"] == "2026-03-11T17:00:00+00:00"
    assert facts["delivered_at"] is None
    assert facts["promised_delivery_by"] == "2026-03-15T03:00:00+00:00"
    assert facts["promised_delivery_day"] == "2026-03-14"  # the LA day, not UTC
    assert "2026-03-14" in explain(decision)


def test_answer_facts():
    decision = run(scenario("product-answered"))
    assert decision.facts["answer"] == "Dishwasher safe: yes"
    assert decision.facts["source"] == "attributes.dishwasher_safe"
    assert decision.facts["score"] == 0.91
    assert decision.facts["asin"] == "B0TEST0001"
    assert "Dishwasher safe: yes" in explain(decision)


def test_silent_page_facts_name_the_products():
    facts = run(scenario("product-silent")).facts
    assert facts["asins"] == ["B0TEST0001"]
    assert "answer" not in facts


def test_fba_facts():
    decision = run(scenario("fba-before-coverage"))
    assert decision.facts == {"fulfillment": "fba"}


def test_no_order_intents_have_no_facts():
    for id in ("pre-order-no-order", "customization-no-order", "human-no-order"):
        decision = run(scenario(id))
        assert decision.facts == {}
        assert decision.order_id is None


def test_reason_is_the_catalogue_sentence():
    decision = run(scenario("pre-order-no-order"))
    assert explain(decision) == t("reason.pre_order", "en")
    assert "Buyer-Seller Messaging" in explain(decision)


# --- errors ---------------------------------------------------------------------


@pytest.mark.parametrize("intent", ["greet", "affirm", "", "DELIVERY_STATUS", "nlu"])
def test_unknown_intent_raises(intent):
    with pytest.raises(UnknownIntent):
        decide(intent, make_order(), make_seller(ENROLLED), NOW)
    with pytest.raises(ValueError):
        decide(intent, None, None, NOW)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        decide(
            "delivery_status",
            make_order(),
            make_seller(ENROLLED),
            NOW.replace(tzinfo=None),
        )


def test_known_seller_fulfilled_order_needs_its_seller():
    with pytest.raises(ValueError):
        decide("delivery_status", make_order(), None, NOW)


def test_seller_must_be_the_orders_seller():
    other = replace(make_seller(ENROLLED), id="S-2")
    with pytest.raises(ValueError):
        decide("delivery_status", make_order(), other, NOW)


# --- catalogue ------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("code", sorted(REASON_ROUTES))
def test_every_reason_code_has_a_sentence_in_english_and_chinese(code):
    en = catalogue("en")[f"reason.{code}"]
    zh = catalogue("zh")[f"reason.{code}"]
    assert placeholders(en) == placeholders(zh)
    assert CJK.search(zh)
    assert not CJK.search(en)


def test_catalogue_has_no_stray_reason_keys():
    for language in ("en", "zh"):
        keys = {k for k in catalogue(language) if k.startswith("reason.")}
        assert keys == {f"reason.{code}" for code in REASON_ROUTES}


@pytest.mark.parametrize("s", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_reason_renders_in_chinese_from_the_facts(s: Scenario):
    decision = run(s)
    assert explain(decision, "en") == explained(decision).reason
    zh = explain(decision, "zh")
    assert CJK.search(zh) and "{" not in zh


def test_an_unknown_claim_is_refused():
    with pytest.raises(ValueError, match="unknown claim"):
        decide("delivery_status", make_order("delivered"), make_seller(ENROLLED), NOW,
               claim="it_rained")  # fmt: skip
