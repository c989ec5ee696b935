"""Benchmark of the agent review console's list page at 10,000 conversations.

`make bench-console` (or `python -m tools.bench_console`):

1. creates a temporary project database (migrated, with the demo data) and a
   temporary tracker store with Rasa's `events` table (as
   bot.adapters.rasa_events describes it); seeds N synthetic conversations
   (default 10,000; about 30 Rasa events each, built from Rasa's event classes
   and stored as Rasa's SQLTrackerStore stores them) and a case for each
   conversation routed to a seller or an agent;
2. signs an agent in and requests the pages through the real app (Starlette's
   TestClient: routing, session cookie, sync, queries, templates);
3. prints the first request (it folds every event into the summaries), then
   for the unfiltered first page, each filter, a deep page, the transcript, the
   CSV export and the dashboard: p50, p95 (nearest rank, as
   `python -m tools.evaluation bench`) and max over R requests.

Figures are printed, never asserted (house rule: speed targets live in
benchmarks). `--database-url` / `--tracker-url` run it on PostgreSQL instead
(both must be empty databases).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot import config
from bot.adapters.rasa_events import EVENTS, tracker_metadata
from bot.services.triage import DECISION_FACT_SLOTS
from tools.evaluation.metrics import percentile

AGENT = "bench-agent"
PASSWORD = "bench console password"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
CHANNELS = ("csba_rest", "csba_rest", "csba_rest", "socketio", "rest")

# (intent, route, reason code, what the buyer says); the demo's orders fill {order}
SCENARIOS = (
    ("delivery_status", "bot", "in_transit", "where is my order {order}"),
    ("delivery_status", "bot", "delivered", "tracking says delivered {order}"),
    ("delivery_status", "seller_case", "late_delivery", "my order {order} is late"),
    ("return_refund", "bot", "return_window_open", "I want to return {order}"),
    ("return_refund", "seller_case", "return_window_closed", "refund for {order}"),
    ("damaged_item", "bot", "damaged_return", "the item in {order} arrived broken"),
    ("cancel_order", "seller_case", "cancel_request", "please cancel {order}"),
    ("change_address", "seller_case", "address_change_request", "new address {order}"),
    ("invoice", "buyer_seller_messaging", "invoice", "I need an invoice for {order}"),
    ("pre_order", "buyer_seller_messaging", "pre_order", "is this in stock in blue"),
    ("human_agent", "agent", "buyer_asked_for_agent", "let me talk to a person"),
    ("product_question", "bot", "answered_from_detail_page", "is it waterproof"),
    ("greet", None, None, "hello there"),
)


# -- seeding ------------------------------------------------------------------------


def _conversation_events(
    rng: random.Random,
    start: datetime,
    orders: list[dict[str, Any]],
    case_id: int | None,
) -> tuple[list[Any], tuple, dict[str, Any], str | None]:
    """A conversation's events, its scenario, order and verified buyer."""
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    clock = [start.timestamp()]

    def tick() -> float:
        clock[0] += rng.uniform(0.5, 20)
        return clock[0]

    order = rng.choice(orders)
    buyer = order["buyer_id"] if rng.random() < 0.7 else None
    metadata = (
        {"csba": {"token": "not-shown", "buyer_id": buyer, "auth": "token"}}
        if buyer
        else {"csba": {"auth": "anonymous"}}
    )
    channel = rng.choice(CHANNELS)
    events: list[Any] = [
        ActionExecuted("action_session_start", timestamp=tick()),
        SessionStarted(timestamp=tick()),
        SlotSet("session_started_metadata", metadata, timestamp=tick()),
        ActionExecuted("action_listen", timestamp=tick()),
    ]
    scenario = rng.choice(SCENARIOS)
    intent, route, reason, words = scenario
    for turn in range(rng.choice((1, 1, 2, 3))):
        this_intent = (
            intent if turn == 0 else rng.choice(("thanks", "affirm", "goodbye"))
        )
        text = words.format(order=order["id"]) if turn == 0 else this_intent
        confidence = round(rng.betavariate(8, 1.5), 4)
        entities = (
            [{"entity": "order_id", "value": order["id"], "start": 0, "end": 19}]
            if "{order}" in words and turn == 0
            else []
        )
        events.append(
            UserUttered(
                text,
                intent={"name": this_intent, "confidence": confidence},
                entities=entities,
                parse_data={
                    "intent": {"name": this_intent, "confidence": confidence},
                    "entities": entities,
                    "text": text,
                    "metadata": metadata,
                },
                timestamp=tick(),
                input_channel=channel,
                metadata=metadata,
            )
        )
        if turn == 0 and route is not None:
            events.append(ActionExecuted("action_triage", timestamp=tick()))
            stamp = tick()
            values = {
                "route": route,
                "reason_code": reason,
                "case_id": str(case_id) if case_id else None,
                "order_id": order["id"],
                **{name: None for name in DECISION_FACT_SLOTS},
                "outcome": reason,
            }
            events += [SlotSet(k, v, timestamp=stamp) for k, v in values.items()]
        events += [
            ActionExecuted("utter_reply", timestamp=tick()),
            BotUttered("Here is what I found.", timestamp=tick()),
            ActionExecuted("action_listen", timestamp=tick()),
        ]
    return events, scenario, order, buyer


def seed(
    database_url: str,
    tracker_url: str,
    conversations: int,
    now: datetime,
    rng_seed: int,
) -> dict[str, Any]:
    """Fill both databases; the counts written."""
    from bot.adapters import schema
    from bot.adapters.db import make_engine, session_scope
    from bot.adapters.orm import CaseMessageRow, CaseRow
    from bot.domain.sla import deadlines
    from bot.entrypoints.rasa.tracker_store import event_row
    from bot.services import users
    from bot.services.importer import load_file

    rng = random.Random(rng_seed)
    schema.upgrade(database_url)
    engine = make_engine(database_url)
    load_file(config.PROJECT_ROOT / "data" / "demo" / "demo.json", engine)
    orders = json.loads(
        (config.PROJECT_ROOT / "data" / "demo" / "demo.json").read_text("utf-8")
    )["orders"]
    with session_scope(engine) as session:
        users.add_user(
            session, username=AGENT, password=PASSWORD, role="agent", now=now
        )

    tracker = make_engine(tracker_url)
    tracker_metadata.create_all(tracker)
    events_written = cases_written = 0
    batch: list[dict[str, Any]] = []
    statuses = ("awaiting_seller", "seller_replied", "escalated", "resolved")
    with session_scope(engine) as session:
        for number in range(conversations):
            start = now - timedelta(days=rng.uniform(0, 60))
            sender = f"bench-{number:06d}"
            reply_after = timedelta(hours=rng.uniform(0, 30))
            events, scenario, order, buyer = _conversation_events(
                rng, start, orders, case_id=None
            )
            if scenario[1] in ("seller_case", "agent"):
                # the case, then its id into the decision's case_id slot
                kind = "seller" if scenario[1] == "seller_case" else "agent"
                due = deadlines(start)
                status = rng.choice(statuses) if kind == "seller" else "escalated"
                if kind == "seller" and start > now - timedelta(days=1):
                    status = "awaiting_seller"
                row = CaseRow(
                    kind=kind,
                    order_id=order["id"] if kind == "seller" else None,
                    seller_id=order["seller_id"] if kind == "seller" else None,
                    buyer_id=order["buyer_id"] if kind == "seller" else None,
                    conversation_id=sender,
                    category=scenario[0],
                    reason_code=scenario[2],
                    question=scenario[3].format(order=order["id"]),
                    status=status,
                    created_at=start,
                    updated_at=start,
                    seller_due_at=due.seller_due_at if kind == "seller" else None,
                    buyer_due_at=due.buyer_due_at,
                    replied_at=(
                        start + reply_after
                        if status in ("seller_replied", "resolved")
                        else None
                    ),
                    escalated_at=due.seller_due_at if status == "escalated" else start,
                )
                row.messages.append(
                    CaseMessageRow(
                        author="buyer",
                        author_id=buyer,
                        text=row.question,
                        created_at=start,
                    )
                )
                session.add(row)
                session.flush()
                case_id = row.id
                cases_written += 1
                for event in events:
                    if getattr(event, "key", None) == "case_id":
                        event.value = str(case_id)
            batch += [event_row(sender, event) for event in events]
            if len(batch) >= 20_000:
                with tracker.begin() as conn:
                    conn.execute(EVENTS.insert(), batch)
                events_written += len(batch)
                batch = []
    if batch:
        with tracker.begin() as conn:
            conn.execute(EVENTS.insert(), batch)
        events_written += len(batch)
    tracker.dispose()
    engine.dispose()
    return {"events": events_written, "cases": cases_written}


# -- measuring ------------------------------------------------------------------------


def _client(database_url: str, tracker_url: str, workdir: Path):  # noqa: ANN202
    from starlette.testclient import TestClient

    from bot.entrypoints.web.app import create_app
    from bot.entrypoints.web.settings import WebSettings

    app = create_app(
        WebSettings(
            database_url=database_url,
            tracker_store_url=tracker_url,
            rasa_url="http://127.0.0.1:9",
            rasa_token="bench",
            session_secret="bench-console-secret-" + "x" * 32,
            upload_dir=workdir / "uploads",
        )
    )
    client = TestClient(app, follow_redirects=False)
    client.__enter__()
    token = CSRF_META.search(client.get("/login").text).group(1)
    response = client.post(
        "/login", data={"username": AGENT, "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 303:
        raise SystemExit(f"bench: could not sign in ({response.status_code})")
    return client


def _timed(request: Callable[[], Any]) -> float:
    start = time.perf_counter()
    response = request()
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"bench: HTTP {response.status_code} for {response.url}")
    return elapsed * 1000


def scenarios(now: datetime) -> Iterator[tuple[str, str]]:
    week_ago = (now - timedelta(days=7)).astimezone(config.MARKETPLACE_TZ).date()
    yield "first page, no filter", "/agent"
    yield "intent=delivery_status", "/agent?intent=delivery_status"
    yield "route=seller_case", "/agent?route=seller_case"
    yield "reason_code=late_delivery", "/agent?reason_code=late_delivery"
    yield "confidence_below=0.5", "/agent?confidence_below=0.5"
    yield "has_case=yes", "/agent?has_case=yes"
    yield "has_case=no", "/agent?has_case=no"
    yield "case_status=awaiting_seller", "/agent?case_status=awaiting_seller"
    yield "sla_state=overdue", "/agent?sla_state=overdue"
    yield "sla_state=escalated", "/agent?sla_state=escalated"
    yield "reviewed=no", "/agent?reviewed=no"
    yield "date range (last 7 days)", f"/agent?date_from={week_ago.isoformat()}"
    yield "free text q=cancel", "/agent?q=cancel"
    yield "free text, no match", "/agent?q=zzzz-no-such-words"
    yield (
        "all filters at once",
        (
            "/agent?intent=delivery_status&route=seller_case&has_case=yes"
            f"&sla_state=escalated&date_from={week_ago.isoformat()}&q=late"
        ),
    )
    yield "page 100 (deep offset)", "/agent?page=100"
    yield "transcript", "/agent/conversations/bench-000042"
    yield "dashboard (30 days)", "/agent/dashboard"
    yield "CSV export, route=bot", "/agent/export.csv?route=bot"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30, help="per scenario")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="an empty project database")
    parser.add_argument("--tracker-url", help="an empty tracker store database")
    args = parser.parse_args(argv)

    import logging

    logging.disable(logging.WARNING)
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory(prefix="csba-bench-console-") as tmp:
        workdir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{workdir / 'csba.db'}"
        tracker_url = args.tracker_url or f"sqlite:///{workdir / 'tracker.db'}"
        print(
            f"bench-console: {args.conversations} conversations, "
            f"{args.requests} requests per scenario"
        )
        print(
            f"  project db: {make_url(database_url).get_backend_name()}, "
            f"tracker store: {make_url(tracker_url).get_backend_name()}"
        )
        start = time.perf_counter()
        counts = seed(database_url, tracker_url, args.conversations, now, args.seed)
        print(
            f"  seeded {counts['events']} tracker events and {counts['cases']} cases "
            f"in {time.perf_counter() - start:.1f} s"
        )
        client = _client(database_url, tracker_url, workdir)
        try:
            first = _timed(lambda: client.get("/agent"))
            print(
                f"  first list request (folds all {counts['events']} events): "
                f"{first / 1000:.2f} s"
            )
            print()
            print(
                f"  {'scenario':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'rows':>6}"
            )
            for name, path in scenarios(now):
                times = [
                    _timed(lambda p=path: client.get(p)) for _ in range(args.requests)
                ]
                body = client.get(path).text
                found = re.search(r"([\d,]+) conversations, page", body)
                shown = found.group(1) if found else "-"
                print(
                    f"  {name:34} {statistics.median(times):8.1f} "
                    f"{percentile(sorted(times), 0.95):8.1f} {max(times):8.1f} {shown:>6}"
                )
        finally:
            client.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
