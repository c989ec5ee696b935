"""Coverage of an order by the seller's CSBA enrollment periods. No database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.domain.coverage import NotCoveredReason, coverage, coverage_at
from bot.domain.model import (
    EnrollmentPeriod,
    Fulfillment,
    Order,
    OrderStatus,
    Seller,
)

MINUTE = timedelta(minutes=1)
OPTED_IN = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
ACTIVATED = datetime(2026, 1, 5, 8, 20, tzinfo=timezone.utc)
OPTED_OUT = datetime(2026, 2, 1, 12, 0, tzinfo=timezone.utc)
RE_OPTED_IN = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
RE_ACTIVATED = datetime(2026, 3, 1, 9, 45, tzinfo=timezone.utc)

COVERED = None  # expected reason when the order is covered
BEFORE = NotCoveredReason.PLACED_BEFORE_ENROLLMENT
AFTER = NotCoveredReason.PLACED_AFTER_OPT_OUT
NOT_ENROLLED = NotCoveredReason.SELLER_NOT_ENROLLED


def seller(*periods: EnrollmentPeriod) -> Seller:
    return Seller(id="S-1", name="Acme", email="s@example.com", enrollments=periods)


def order(placed_at: datetime, seller_id: str = "S-1") -> Order:
    return Order(
        id="112-0000001-0000001",
        buyer_id="B-1",
        seller_id=seller_id,
        fulfillment=Fulfillment.SELLER,
        placed_at=placed_at,
        status=OrderStatus.UNSHIPPED,
    )


def assert_coverage(periods, placed_at, expected_reason):
    result = coverage(order(placed_at), seller(*periods))
    assert result.covered is (expected_reason is None)
    assert result.reason == expected_reason
    assert result.placed_at == placed_at


def test_seller_without_any_period_is_not_enrolled():
    result = coverage(order(OPTED_IN), seller())
    assert result.covered is False
    assert result.reason is NOT_ENROLLED
    assert result.period is None
    assert result.coverage_start is None and result.coverage_end is None


@pytest.mark.parametrize(
    ("placed_at", "expected"),
    [
        (ACTIVATED - MINUTE, BEFORE),
        (ACTIVATED, COVERED),
        (ACTIVATED + MINUTE, COVERED),
    ],
    ids=["activation-1min", "activation", "activation+1min"],
)
def test_coverage_starts_at_activation(placed_at, expected):
    period = EnrollmentPeriod(opted_in_at=OPTED_IN, activated_at=ACTIVATED)
    assert_coverage([period], placed_at, expected)


def test_activation_sooner_than_an_hour_wins_over_the_default():
    period = EnrollmentPeriod(opted_in_at=OPTED_IN, activated_at=ACTIVATED)
    # 30 minutes after opt-in: before the default +1 h, but after activation.
    assert_coverage([period], OPTED_IN + timedelta(minutes=30), COVERED)


@pytest.mark.parametrize(
    ("placed_at", "expected"),
    [
        (OPTED_IN, BEFORE),
        (OPTED_IN + timedelta(minutes=59), BEFORE),
        (OPTED_IN + timedelta(minutes=60), COVERED),
        (OPTED_IN + timedelta(minutes=61), COVERED),
    ],
    ids=["opt-in", "opt-in+59min", "opt-in+1h", "opt-in+61min"],
)
def test_without_activation_coverage_starts_one_hour_after_opt_in(placed_at, expected):
    period = EnrollmentPeriod(opted_in_at=OPTED_IN)
    assert_coverage([period], placed_at, expected)


@pytest.mark.parametrize(
    ("placed_at", "expected"),
    [
        (OPTED_OUT - MINUTE, COVERED),
        (OPTED_OUT, AFTER),
        (OPTED_OUT + MINUTE, AFTER),
    ],
    ids=["opt-out-1min", "opt-out", "opt-out+1min"],
)
def test_coverage_ends_at_opt_out_exclusive(placed_at, expected):
    period = EnrollmentPeriod(
        opted_in_at=OPTED_IN, activated_at=ACTIVATED, opted_out_at=OPTED_OUT
    )
    assert_coverage([period], placed_at, expected)


FIRST = EnrollmentPeriod(
    opted_in_at=OPTED_IN, activated_at=ACTIVATED, opted_out_at=OPTED_OUT
)
SECOND = EnrollmentPeriod(opted_in_at=RE_OPTED_IN, activated_at=RE_ACTIVATED)


@pytest.mark.parametrize(
    ("placed_at", "expected", "period"),
    [
        (OPTED_IN - timedelta(days=1), BEFORE, FIRST),
        (ACTIVATED + timedelta(days=1), COVERED, FIRST),
        (OPTED_OUT, AFTER, FIRST),
        (RE_OPTED_IN + timedelta(minutes=10), AFTER, FIRST),  # gap, before activation
        (RE_ACTIVATED - MINUTE, AFTER, FIRST),
        (RE_ACTIVATED, COVERED, SECOND),
        (RE_ACTIVATED + timedelta(days=200), COVERED, SECOND),
    ],
    ids=[
        "before-first",
        "in-first",
        "at-opt-out",
        "gap-after-re-opt-in",
        "re-activation-1min",
        "re-activation",
        "long-after",
    ],
)
@pytest.mark.parametrize("order_of_periods", ["chronological", "reversed"])
def test_re_enrollment_after_opt_out(placed_at, expected, period, order_of_periods):
    periods = [FIRST, SECOND]
    if order_of_periods == "reversed":
        periods.reverse()
    result = coverage(order(placed_at), seller(*periods))
    assert result.covered is (expected is None)
    assert result.reason == expected
    assert result.period == period
    assert result.coverage_start == period.coverage_start
    assert result.coverage_end == period.coverage_end


def test_the_covering_period_is_reported():
    period = EnrollmentPeriod(opted_in_at=OPTED_IN, activated_at=ACTIVATED)
    result = coverage(order(ACTIVATED + timedelta(days=3)), seller(period))
    assert result.covered is True
    assert result.reason is None
    assert result.coverage_start == ACTIVATED
    assert result.coverage_end is None


def test_order_placed_while_enrolled_stays_covered_after_opt_out():
    # Coverage depends on placed_at only: the opt-out happened since, it still counts.
    period = EnrollmentPeriod(
        opted_in_at=OPTED_IN, activated_at=ACTIVATED, opted_out_at=OPTED_OUT
    )
    result = coverage(order(OPTED_OUT - timedelta(days=2)), seller(period))
    assert result.covered is True
    assert result.coverage_end == OPTED_OUT


def test_opt_out_before_activation_leaves_an_empty_period():
    # Opted in, opted out 30 minutes later: the default +1 h never arrived.
    period = EnrollmentPeriod(
        opted_in_at=OPTED_IN, opted_out_at=OPTED_IN + timedelta(minutes=30)
    )
    assert_coverage([period], OPTED_IN + timedelta(minutes=15), BEFORE)
    assert_coverage([period], OPTED_IN + timedelta(minutes=45), AFTER)
    assert_coverage([period], OPTED_IN + timedelta(minutes=75), AFTER)


def test_placed_at_in_another_offset_is_compared_as_an_instant():
    la_offset = timezone(timedelta(hours=-8))
    activated_local = ACTIVATED.astimezone(la_offset)
    period = EnrollmentPeriod(opted_in_at=OPTED_IN, activated_at=ACTIVATED)
    assert coverage_at(activated_local - MINUTE, [period]).reason is BEFORE
    assert coverage_at(activated_local, [period]).covered is True


def test_order_of_another_seller_is_refused():
    with pytest.raises(ValueError):
        coverage(order(ACTIVATED, seller_id="S-2"), seller())


def test_naive_placed_at_is_refused():
    with pytest.raises(ValueError):
        coverage_at(datetime(2026, 1, 6, 12, 0), [])
