"""The agent console's dashboard (`GET /agent/dashboard`, agents only): the
conversations per day, the route mix, containment, the seller SLA, the top
reasons and CSAT per route and reason code over a date range, as inline SVG
charts."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.adapters import clock
from bot.adapters.catalogue import t
from bot.entrypoints.web import charts
from bot.entrypoints.web.agent import LANGUAGE, ROLE, sync
from bot.entrypoints.web.auth import db_session, signed_in
from bot.entrypoints.web.templating import render
from bot.services import review_dashboard


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _date_param(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def dashboard_charts(dash: review_dashboard.Dashboard) -> dict[str, Any]:
    """The dashboard's SVG charts, labelled from the catalogue."""

    def label(key: str) -> str:
        return t(key, LANGUAGE)

    days = len(dash.per_day)
    return {
        "per_day": charts.column_chart(
            [(day.strftime("%m-%d"), count) for day, count in dash.per_day],
            title=label("agent.dashboard.per_day"),
            label_every=max(1, math.ceil(days / 10)),
        ),
        "route_mix": charts.bar_chart(
            [
                (label(f"agent.route.{route or 'none'}"), count)
                for route, count in dash.route_mix
            ],
            title=label("agent.dashboard.route_mix"),
        ),
        "containment": charts.bar_chart(
            [
                (
                    label("agent.dashboard.containment_bar"),
                    (dash.containment or 0.0) * 100,
                )
            ],
            title=label("agent.dashboard.containment"),
            maximum=100,
            value_text=lambda value: f"{value:.1f}%",
        ),
        "sla": charts.bar_chart(
            [(label(f"agent.sla.{state}"), count) for state, count in dash.sla],
            title=label("agent.dashboard.sla"),
        ),
        "top_reasons": charts.bar_chart(
            list(dash.top_reasons), title=label("agent.dashboard.top_reasons")
        ),
        "csat_route": _csat_chart(
            [
                (label(f"agent.route.{line.key}"), line.figures)
                for line in dash.csat_route
            ],
            label("agent.dashboard.csat_route"),
        ),
        "csat_reason": _csat_chart(
            [(line.key, line.figures) for line in dash.csat_reason],
            label("agent.dashboard.csat_reason"),
        ),
    }


def _csat_chart(items: list[tuple[str, Any]], title: str) -> Any:
    """The share rated helpful per route or reason code, as percent bars."""
    return charts.bar_chart(
        [(name, (figures.share or 0.0) * 100) for name, figures in items],
        title=title,
        maximum=100,
        value_text=lambda value: f"{value:.0f}%",
    )


async def dashboard_page(request: Request) -> Response:
    await signed_in(request, ROLE)
    now = clock.now()
    default_start, default_end = review_dashboard.default_range(now)
    start = _date_param(request.query_params.get("date_from")) or default_start
    end = _date_param(request.query_params.get("date_to")) or default_end
    if abs((end - start).days) > 366:
        start = end.replace(year=end.year - 1)

    def load() -> review_dashboard.Dashboard:
        sync(request, now)
        with db_session(request) as session:
            return review_dashboard.dashboard(session, start=start, end=end, now=now)

    dash = await run_in_threadpool(load)
    return render(
        request,
        "agent/dashboard.html",
        {
            "dash": dash,
            "charts": dashboard_charts(dash),
            "containment": _percent(dash.containment),
            "sla_compliance": _percent(dash.sla_compliance),
            "abandoned_share": _percent(dash.handoffs.abandoned_share),
            "helpful_share": _percent(dash.handoffs.helpful.share),
            "csat_share": _percent(dash.csat.share),
            "percent": _percent,
            "duration": _duration,
        },
    )


def _duration(value: Any) -> str:
    """A wait as minutes and seconds ("3:07"); "—" when there is none."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    return f"{seconds // 60}:{seconds % 60:02d}"


routes: list[BaseRoute] = [
    Route("/agent/dashboard", dashboard_page, methods=["GET"], name="agent_dashboard"),
]
