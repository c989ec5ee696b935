"""`csba enroll` / `csba opt-out` rules (bot/services/enrollment.py) on real databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.db import session_scope
from bot.adapters.repository import SqlRepository
from bot.domain.model import EnrollmentPeriod
from bot.services.enrollment import EnrollmentError, enroll, opt_out
from bot.services.importer import load_document
from tests import factories as f
from tests.factories import database_dump, valid_document

READY = "S-4"  # invited, professional, in good standing, never enrolled
NOT_PROFESSIONAL = "S-5"
NOT_IN_GOOD_STANDING = "S-6"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def engine_with_sellers(engine):
    document = valid_document()
    document["sellers"] += [
        f.seller(id=READY, enrollments=[]),
        f.seller(id=NOT_PROFESSIONAL, professional=False, enrollments=[]),
        f.seller(id=NOT_IN_GOOD_STANDING, good_standing=False, enrollments=[]),
    ]
    with session_scope(engine) as session:
        load_document(session, document)
    return engine


def periods(engine, seller_id: str) -> tuple[EnrollmentPeriod, ...]:
    with session_scope(engine) as session:
        return SqlRepository(session).get_seller(seller_id).enrollments


def refused(engine, action, seller_id: str, at: datetime) -> EnrollmentError:
    before = database_dump(engine)
    with pytest.raises(EnrollmentError) as raised, session_scope(engine) as session:
        action(session, seller_id, at)
    assert database_dump(engine) == before
    return raised.value


def test_enroll_opens_a_period_that_starts_an_hour_later(engine_with_sellers):
    at = utc(2026, 11, 26, 18, 0)
    with session_scope(engine_with_sellers) as session:
        period = enroll(session, READY, at)

    assert period == EnrollmentPeriod(
        opted_in_at=at, activated_at=None, opted_out_at=None
    )
    assert period.coverage_start == at + timedelta(hours=1)
    assert periods(engine_with_sellers, READY) == (period,)


def test_enroll_stores_utc(engine_with_sellers):
    local = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    with session_scope(engine_with_sellers) as session:
        period = enroll(session, READY, local)
    assert period.opted_in_at == utc(2026, 11, 26, 18, 0)
    assert periods(engine_with_sellers, READY)[0].opted_in_at.utcoffset() == timedelta(
        0
    )


def test_enroll_refuses_a_naive_time(engine_with_sellers):
    with pytest.raises(ValueError), session_scope(engine_with_sellers) as session:
        enroll(session, READY, datetime(2026, 11, 26, 18, 0))


@pytest.mark.parametrize(
    ("seller_id", "at", "key"),
    [
        ("S-404", utc(2026, 11, 26), "enrollment.error.unknown_seller"),
        (f.SELLER_NOT_INVITED, utc(2026, 11, 26), "enrollment.error.not_invited"),
        (NOT_PROFESSIONAL, utc(2026, 11, 26), "enrollment.error.not_professional"),
        (
            NOT_IN_GOOD_STANDING,
            utc(2026, 11, 26),
            "enrollment.error.not_in_good_standing",
        ),
        # S-2 has been enrolled since 2026-10-01 14:00.
        (f.SELLER_EN, utc(2026, 11, 26), "enrollment.error.already_enrolled"),
        (f.SELLER_EN, utc(2026, 10, 1, 14, 0), "enrollment.error.already_enrolled"),
        # S-1: Jan 5 to Jun 1 (closed), then since Sep 1 (open).
        (f.SELLER_ZH, utc(2026, 3, 1), "enrollment.error.already_enrolled"),
        (f.SELLER_ZH, utc(2026, 7, 1), "enrollment.error.later_period"),
        (f.SELLER_EN, utc(2026, 9, 30), "enrollment.error.later_period"),
    ],
)
def test_enroll_refusals(engine_with_sellers, seller_id, at, key):
    error = refused(engine_with_sellers, enroll, seller_id, at)
    assert error.key == key
    assert error.params["seller_id"] == seller_id
    assert str(error) == error.message("en")
    assert seller_id in error.message("zh")


def test_refusal_messages_read_well(engine_with_sellers):
    error = refused(engine_with_sellers, enroll, f.SELLER_EN, utc(2026, 11, 26))
    assert str(error) == (
        "seller S-2 is already enrolled in CSBA (opted in at 2026-10-01T14:00:00Z)"
    )
    assert error.message("zh") == "卖家 S-2 已加入 CSBA(加入时间 2026-10-01T14:00:00Z)"


def test_opt_out_closes_the_open_period(engine_with_sellers):
    at = utc(2026, 12, 15, 9, 30)
    with session_scope(engine_with_sellers) as session:
        period = opt_out(session, f.SELLER_EN, at)

    assert period == EnrollmentPeriod(opted_in_at=utc(2026, 10, 1, 14), opted_out_at=at)
    assert periods(engine_with_sellers, f.SELLER_EN) == (period,)


def test_opt_out_and_enroll_again(engine_with_sellers):
    engine = engine_with_sellers
    with session_scope(engine) as session:
        enroll(session, READY, utc(2026, 1, 1))
    with session_scope(engine) as session:
        opt_out(session, READY, utc(2026, 2, 1))
    # Still opted out a minute later: enrolling is allowed, and only then.
    with session_scope(engine) as session:
        enroll(session, READY, utc(2026, 2, 1))  # exactly at the opt-out
    assert periods(engine, READY) == (
        EnrollmentPeriod(opted_in_at=utc(2026, 1, 1), opted_out_at=utc(2026, 2, 1)),
        EnrollmentPeriod(opted_in_at=utc(2026, 2, 1)),
    )
    # Back-dating into the first period is refused.
    assert (
        refused(engine, enroll, READY, utc(2026, 1, 15)).key
        == "enrollment.error.already_enrolled"
    )


def test_opt_out_at_the_opt_in_instant_is_allowed(engine_with_sellers):
    with session_scope(engine_with_sellers) as session:
        period = opt_out(session, f.SELLER_EN, utc(2026, 10, 1, 14))
    assert period.opted_out_at == period.opted_in_at


@pytest.mark.parametrize(
    ("seller_id", "at", "key"),
    [
        ("S-404", utc(2026, 11, 26), "enrollment.error.unknown_seller"),
        (READY, utc(2026, 11, 26), "enrollment.error.not_enrolled"),
        (f.SELLER_NOT_INVITED, utc(2026, 11, 26), "enrollment.error.not_enrolled"),
        (
            f.SELLER_EN,
            utc(2026, 10, 1, 13, 59),
            "enrollment.error.opt_out_before_opt_in",
        ),
    ],
)
def test_opt_out_refusals(engine_with_sellers, seller_id, at, key):
    error = refused(engine_with_sellers, opt_out, seller_id, at)
    assert error.key == key
    assert "\n" not in str(error)


def test_opt_out_twice_is_refused(engine_with_sellers):
    with session_scope(engine_with_sellers) as session:
        opt_out(session, f.SELLER_EN, utc(2026, 11, 1))
    error = refused(engine_with_sellers, opt_out, f.SELLER_EN, utc(2026, 11, 2))
    assert error.key == "enrollment.error.not_enrolled"


def test_what_enroll_and_opt_out_write_reloads_unchanged(engine_with_sellers):
    """The periods the CLI writes are valid import data (no overlap, no reversal)."""
    engine = engine_with_sellers
    with session_scope(engine) as session:
        enroll(session, READY, utc(2026, 3, 1))
        opt_out(session, READY, utc(2026, 3, 1, 0, 30))  # within the first hour
        enroll(session, READY, utc(2026, 3, 1, 0, 30))
    with session_scope(engine) as session:
        seller = SqlRepository(session).get_seller(READY)
    document = {
        "sellers": [
            f.seller(
                id=READY,
                enrollments=[
                    {
                        "opted_in_at": p.opted_in_at.isoformat(),
                        "activated_at": None,
                        "opted_out_at": p.opted_out_at and p.opted_out_at.isoformat(),
                    }
                    for p in seller.enrollments
                ],
            )
        ]
    }
    with session_scope(engine) as session:
        summary = load_document(session, document)
    assert summary.sellers.unchanged == 1
