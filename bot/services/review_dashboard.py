"""The review console's dashboard: how the bot did over a range of days.

- conversations per day (by start, on the marketplace's calendar);
- the route mix (the final route of each conversation);
- containment: the share of conversations the bot handled alone, that is with
  final route `bot`, no case and no hand-off to a person on the way;
- seller SLA compliance over the seller cases opened in the range: cases
  answered in time (`met`) over the cases already judged (met, missed,
  escalated, overdue); cases still inside their 24 hours are not judged yet;
- the most frequent reason codes;
- live hand-offs (issue 14): how many buyers asked, the time to the first
  agent message (requested → first reply, p50 and p90, over those answered),
  abandoned waits (the buyer went back to the bot before an agent came, or
  every agent went away) and, per reason code, hand-offs over conversations
  that ended with that reason code; and how many of the hand-offs the buyers
  rated in the range they found helpful (bot.services.ratings);
- CSAT (issue 17, item 5): the share of the inquiries rated in the range that
  the buyers found helpful, in all and per route and reason code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot import config
from bot.adapters import handoff_store, review_stats
from bot.domain.handoff import HandoffOutcome, HandoffState, nearest_rank
from bot.domain.model import Route
from bot.domain.sla import SlaState, sla_state
from bot.services.ratings import CsatLine, HelpfulFigures, csat_by, helpful_figures
from bot.services.review import day_start_utc

DEFAULT_DAYS = 30
TOP_REASONS = 10
JUDGED_SLA_STATES = (
    SlaState.MET,
    SlaState.MISSED,
    SlaState.ESCALATED,
    SlaState.OVERDUE,
)
SLA_ORDER = (
    SlaState.MET,
    SlaState.MISSED,
    SlaState.ESCALATED,
    SlaState.OVERDUE,
    SlaState.DUE_SOON,
    SlaState.ON_TIME,
)


@dataclass(frozen=True)
class HandoffFigures:
    total: int
    answered: int  # with a first agent message
    first_response_p50: timedelta | None
    first_response_p90: timedelta | None
    abandoned: int
    per_reason: tuple[tuple[str, int, int], ...]  # (code, hand-offs, conversations)
    helpful: HelpfulFigures  # the buyers' "Was this helpful?", rated in the range

    @property
    def abandoned_share(self) -> float | None:
        return self.abandoned / self.total if self.total else None


def handoff_figures(
    session: Session, lower: datetime, upper: datetime
) -> HandoffFigures:
    rows = handoff_store.requested_between(session, lower, upper)
    waits = [r.first_reply_at - r.requested_at for r in rows if r.first_reply_at]
    abandoned = sum(
        (r.state == HandoffState.CANCELLED.value and r.claimed_at is None)
        or r.outcome == HandoffOutcome.NO_AGENT.value
        for r in rows
    )
    per_code: dict[str, int] = {}
    for row in rows:
        per_code[row.reason_code] = per_code.get(row.reason_code, 0) + 1
    decided = dict(review_stats.reason_counts(session, lower, upper, limit=1000))
    return HandoffFigures(
        total=len(rows),
        answered=len(waits),
        first_response_p50=nearest_rank(waits, 0.5),
        first_response_p90=nearest_rank(waits, 0.9),
        abandoned=abandoned,
        per_reason=tuple(
            (code, count, decided.get(code, 0))
            for code, count in sorted(per_code.items())
        ),
        helpful=helpful_figures(session, lower, upper),
    )


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date  # inclusive
    per_day: tuple[tuple[date, int], ...]
    route_mix: tuple[tuple[str | None, int], ...]
    total: int
    contained: int
    sla: tuple[tuple[str, int], ...]
    top_reasons: tuple[tuple[str, int], ...]
    handoffs: HandoffFigures
    csat_route: tuple[CsatLine, ...] = ()
    csat_reason: tuple[CsatLine, ...] = ()

    @property
    def csat(self) -> HelpfulFigures:
        """Every inquiry rated in the range."""
        return HelpfulFigures(
            rated=sum(line.figures.rated for line in self.csat_route),
            helpful=sum(line.figures.helpful for line in self.csat_route),
        )

    @property
    def containment(self) -> float | None:
        return self.contained / self.total if self.total else None

    @property
    def sla_judged(self) -> int:
        judged = {state.value for state in JUDGED_SLA_STATES}
        return sum(count for state, count in self.sla if state in judged)

    @property
    def sla_met(self) -> int:
        return dict(self.sla).get(SlaState.MET.value, 0)

    @property
    def sla_compliance(self) -> float | None:
        return self.sla_met / self.sla_judged if self.sla_judged else None


def default_range(now: datetime, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    today = now.astimezone(config.MARKETPLACE_TZ).date()
    return today - timedelta(days=days - 1), today


def dashboard(session: Session, *, start: date, end: date, now: datetime) -> Dashboard:
    if end < start:
        start, end = end, start
    lower, upper = day_start_utc(start), day_start_utc(end + timedelta(days=1))

    days: dict[date, int] = {
        start + timedelta(days=n): 0 for n in range((end - start).days + 1)
    }
    for started_at in review_stats.start_times(session, lower, upper):
        day = started_at.astimezone(config.MARKETPLACE_TZ).date()
        if day in days:
            days[day] += 1

    routes = review_stats.route_counts(session, lower, upper)
    # every route, then the conversations with no decision (yet), if any
    shown: list[str | None] = [route.value for route in Route]
    if None in routes:
        shown.append(None)
    route_mix = tuple((route, routes.get(route, 0)) for route in shown)
    contained = review_stats.contained_count(session, lower, upper)
    top_reasons = review_stats.reason_counts(session, lower, upper, limit=TOP_REASONS)

    sla_counts = dict.fromkeys((state.value for state in SLA_ORDER), 0)
    for status, due, replied_at in review_stats.seller_case_sla_facts(
        session, lower, upper
    ):
        sla_counts[sla_state(status, due, now, replied_at).value] += 1

    return Dashboard(
        start=start,
        end=end,
        per_day=tuple(days.items()),
        route_mix=route_mix,
        total=sum(days.values()),
        contained=contained,
        sla=tuple(sla_counts.items()),
        top_reasons=top_reasons,
        handoffs=handoff_figures(session, lower, upper),
        csat_route=csat_by(session, "route", lower, upper),
        csat_reason=csat_by(session, "reason_code", lower, upper),
    )
