"""Who may opt in to CSBA, and when a period may open or close. Pure rules on plain
values; the service (bot/services/enrollment.py) loads the seller and its periods,
and turns a refusal into the catalogue's message.

From the seed:
- "CSBA is available to select sellers on an invitation-only basis"; a seller
  must "be registered as a Professional Seller in good standing".
- "You can choose to register again for CSBA later": opting out closes the open
  period; enrolling again opens a new one, which may not overlap another.

A refusal is an `EnrollmentRefused` with a code (the catalogue key is
`enrollment.error.<code>`) and the instants it names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum

from bot.domain.model import EnrollmentPeriod


class Refusal(str, Enum):
    NOT_INVITED = "not_invited"
    NOT_PROFESSIONAL = "not_professional"
    NOT_IN_GOOD_STANDING = "not_in_good_standing"
    ALREADY_ENROLLED = "already_enrolled"
    LATER_PERIOD = "later_period"
    NOT_ENROLLED = "not_enrolled"
    OPT_OUT_BEFORE_OPT_IN = "opt_out_before_opt_in"


class EnrollmentRefused(ValueError):
    """An opt-in or opt-out the rules refuse. `facts`: the instants the refusal
    names (`at`, `opted_in_at`), aware datetimes."""

    def __init__(self, refusal: Refusal, **facts: datetime) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.facts = facts


def check_eligible(*, invited: bool, professional: bool, good_standing: bool) -> None:
    """Invited, professional and in good standing, checked in that order."""
    for allowed, refusal in (
        (invited, Refusal.NOT_INVITED),
        (professional, Refusal.NOT_PROFESSIONAL),
        (good_standing, Refusal.NOT_IN_GOOD_STANDING),
    ):
        if not allowed:
            raise EnrollmentRefused(refusal)


def check_can_open(periods: Sequence[EnrollmentPeriod], at: datetime) -> None:
    """A new period may open at `at` unless a period is open at `at` or starts
    after it (the new open period would overlap it). `periods` in opt-in order."""
    for period in periods:
        if period.opted_out_at is not None and period.opted_out_at <= at:
            continue  # ended before `at`
        if period.opted_in_at <= at:
            raise EnrollmentRefused(
                Refusal.ALREADY_ENROLLED, opted_in_at=period.opted_in_at
            )
        raise EnrollmentRefused(
            Refusal.LATER_PERIOD, at=at, opted_in_at=period.opted_in_at
        )


def period_to_close(periods: Sequence[EnrollmentPeriod], at: datetime) -> int:
    """The index in `periods` (opt-in order) of the open period an opt-out at `at`
    closes: the last one. Refused when none is open, or `at` is before its opt-in."""
    open_indexes = [i for i, p in enumerate(periods) if p.opted_out_at is None]
    if not open_indexes:
        raise EnrollmentRefused(Refusal.NOT_ENROLLED)
    index = open_indexes[-1]
    if at < periods[index].opted_in_at:
        raise EnrollmentRefused(
            Refusal.OPT_OUT_BEFORE_OPT_IN,
            at=at,
            opted_in_at=periods[index].opted_in_at,
        )
    return index
