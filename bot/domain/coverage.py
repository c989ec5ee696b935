"""Whether CSBA covers an order, from the seed.

- "Once you opt-in, CSBA service will start within an hour": a period starts at
  `activated_at`, or `opted_in_at` plus one hour (`EnrollmentPeriod.coverage_start`).
- "Customer inquiries for orders placed prior to your CSBA enrollment will not be
  covered by CSBA."
- "Once you opt-out, you will need to handle all customer queries for any new
  self-fulfillment orders. Existing orders will continue to be handled by Amazon":
  coverage is decided by `placed_at` alone, so an order placed while enrolled stays
  covered after the opt-out.
- "You can choose to register again for CSBA later": a seller may have several
  periods, each [coverage_start, coverage_end).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from bot.domain.model import EnrollmentPeriod, Order, Seller


class NotCoveredReason(str, Enum):
    SELLER_NOT_ENROLLED = "seller_not_enrolled"  # no period at all
    PLACED_AFTER_OPT_OUT = "placed_after_opt_out"  # a period ended at/before placed_at
    PLACED_BEFORE_ENROLLMENT = "placed_before_enrollment"  # otherwise


@dataclass(frozen=True)
class Coverage:
    """The coverage of one order.

    When covered, `period` is the period `placed_at` falls in. When not covered,
    `period` is the one the reason refers to: the latest period that ended at or
    before `placed_at` (placed_after_opt_out), the first period that had not yet
    started (placed_before_enrollment), or None (seller_not_enrolled).
    """

    covered: bool
    placed_at: datetime
    period: EnrollmentPeriod | None = None
    reason: NotCoveredReason | None = None

    @property
    def coverage_start(self) -> datetime | None:
        return self.period.coverage_start if self.period else None

    @property
    def coverage_end(self) -> datetime | None:
        return self.period.coverage_end if self.period else None


def coverage(order: Order, seller: Seller) -> Coverage:
    """Is `order` covered by `seller`'s CSBA enrollment?"""
    if order.seller_id != seller.id:
        raise ValueError(
            f"order {order.id} is sold by {order.seller_id}, not {seller.id}"
        )
    return coverage_at(order.placed_at, seller.enrollments)


def coverage_at(placed_at: datetime, periods: Iterable[EnrollmentPeriod]) -> Coverage:
    """Coverage of an order placed at `placed_at` under these enrollment periods."""
    if placed_at.tzinfo is None:
        raise ValueError(f"naive placed_at {placed_at!r}: times must be aware UTC")
    periods = sorted(periods, key=lambda p: p.coverage_start)
    if not periods:
        return Coverage(
            covered=False,
            placed_at=placed_at,
            reason=NotCoveredReason.SELLER_NOT_ENROLLED,
        )
    for period in periods:
        if period.covers(placed_at):
            return Coverage(covered=True, placed_at=placed_at, period=period)
    ended = [
        p for p in periods if p.coverage_end is not None and p.coverage_end <= placed_at
    ]
    if ended:
        latest = max(ended, key=lambda p: p.coverage_end or placed_at)
        return Coverage(
            covered=False,
            placed_at=placed_at,
            period=latest,
            reason=NotCoveredReason.PLACED_AFTER_OPT_OUT,
        )
    upcoming = [p for p in periods if p.coverage_start > placed_at]
    return Coverage(
        covered=False,
        placed_at=placed_at,
        period=upcoming[0] if upcoming else None,
        reason=NotCoveredReason.PLACED_BEFORE_ENROLLMENT,
    )
