"""The review console's tests run over real databases: the project database
(SQLite, then PostgreSQL via `db_url`) and a tracker store written by Rasa's own
SQLTrackerStore (a SQLite file; on the PostgreSQL run, Rasa's `events` table in
the same PostgreSQL database, so Rasa's schema is exercised there too)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from bot.adapters.db import make_engine, session_scope
from bot.services.importer import load_document
from tests.factories import valid_document
from tests.integration.review.common import ORDER, open_case, sync, utc
from tests.trackers import TrackerWriter, conversation


@pytest.fixture
def project(db_url):
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        load_document(session, valid_document())
    yield engine
    engine.dispose()


@pytest.fixture
def tracker_url(db_url, tmp_path) -> str:
    if make_url(db_url).get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return db_url


@pytest.fixture
def writer(tracker_url):
    store = TrackerWriter(tracker_url)
    yield store
    store.dispose()


@pytest.fixture
def tracker(tracker_url, writer):
    engine = make_engine(tracker_url)
    yield engine
    engine.dispose()


@pytest.fixture
def varied(project, tracker, writer):
    """Five conversations on different days, routes, intents and cases."""
    seller_case = open_case(project, conversation_id="late", at=utc(2026, 11, 26, 1))
    agent_case = open_case(
        project, conversation_id="human", kind="agent", reason="buyer_asked_for_agent"
    )
    conversation("late", start=utc(2026, 11, 26, 1), buyer_id="B-1").user(
        "My parcel is 50% late_again!", "delivery_status", 0.95
    ).decision(
        route="seller_case",
        reason_code="late_delivery",
        case_id=seller_case.id,
        order_id=ORDER,
    ).save(writer)
    conversation("human", start=utc(2026, 11, 25, 20)).user(
        "let me talk to a person", "human_agent", 0.62
    ).decision(
        route="agent", reason_code="buyer_asked_for_agent", case_id=agent_case.id
    ).save(writer)
    conversation("transit", start=utc(2026, 11, 24, 20), buyer_id="B-1").user(
        "where is it", "delivery_status", 0.35
    ).decision(route="bot", reason_code="in_transit", order_id=ORDER).save(writer)
    conversation("invoice", start=utc(2026, 11, 20, 20)).user(
        "I need an invoice", "invoice", 0.9
    ).decision(route="buyer_seller_messaging", reason_code="invoice").save(writer)
    conversation("hello", start=utc(2026, 11, 19, 20)).user("hi", "greet", 0.99).save(
        writer
    )
    sync(project, tracker)
    return {"seller_case": seller_case, "agent_case": agent_case}
