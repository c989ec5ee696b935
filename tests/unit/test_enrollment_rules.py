"""The enrollment rules (bot.domain.enrollment) on plain values; the service on a
real database is tested in tests/integration/test_enrollment.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.domain.enrollment import (
    EnrollmentRefused,
    Refusal,
    check_can_open,
    check_eligible,
    period_to_close,
)
from bot.domain.model import EnrollmentPeriod

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def refusal(call, *args, **kwargs) -> EnrollmentRefused:
    with pytest.raises(EnrollmentRefused) as raised:
        call(*args, **kwargs)
    return raised.value


def test_an_invited_professional_seller_in_good_standing_is_eligible():
    check_eligible(invited=True, professional=True, good_standing=True)


@pytest.mark.parametrize(
    ("invited", "professional", "good_standing", "expected"),
    [
        (False, True, True, Refusal.NOT_INVITED),
        (True, False, True, Refusal.NOT_PROFESSIONAL),
        (True, True, False, Refusal.NOT_IN_GOOD_STANDING),
        (False, False, False, Refusal.NOT_INVITED),  # checked in that order
        (True, False, False, Refusal.NOT_PROFESSIONAL),
    ],
)
def test_eligibility(invited, professional, good_standing, expected):
    refused = refusal(
        check_eligible,
        invited=invited,
        professional=professional,
        good_standing=good_standing,
    )
    assert refused.refusal is expected
    assert refused.facts == {}


def test_a_first_period_or_one_after_the_last_opt_out_may_open():
    check_can_open([], T0)
    ended = EnrollmentPeriod(opted_in_at=T0, opted_out_at=T0 + DAY)
    check_can_open([ended], T0 + DAY)  # the end is exclusive


def test_an_open_period_refuses_a_new_one():
    open_period = EnrollmentPeriod(opted_in_at=T0)
    refused = refusal(check_can_open, [open_period], T0 + DAY)
    assert refused.refusal is Refusal.ALREADY_ENROLLED
    assert refused.facts == {"opted_in_at": T0}


def test_a_later_period_refuses_an_overlapping_one():
    later = EnrollmentPeriod(opted_in_at=T0 + DAY, opted_out_at=T0 + 2 * DAY)
    refused = refusal(check_can_open, [later], T0)
    assert refused.refusal is Refusal.LATER_PERIOD
    assert refused.facts == {"at": T0, "opted_in_at": T0 + DAY}


def test_opt_out_closes_the_last_open_period():
    periods = [
        EnrollmentPeriod(opted_in_at=T0, opted_out_at=T0 + DAY),
        EnrollmentPeriod(opted_in_at=T0 + 2 * DAY),
    ]
    assert period_to_close(periods, T0 + 2 * DAY) == 1


def test_opt_out_needs_an_open_period():
    closed = EnrollmentPeriod(opted_in_at=T0, opted_out_at=T0 + DAY)
    for periods in ([], [closed]):
        refused = refusal(period_to_close, periods, T0 + 2 * DAY)
        assert refused.refusal is Refusal.NOT_ENROLLED


def test_opt_out_before_the_opt_in_is_refused():
    refused = refusal(period_to_close, [EnrollmentPeriod(opted_in_at=T0)], T0 - DAY)
    assert refused.refusal is Refusal.OPT_OUT_BEFORE_OPT_IN
    assert refused.facts == {"at": T0 - DAY, "opted_in_at": T0}


def test_every_refusal_has_its_catalogue_message():
    from bot.adapters.catalogue import catalogue

    for refusal_code in Refusal:
        for language in ("en", "zh"):
            assert f"enrollment.error.{refusal_code.value}" in catalogue(language)
