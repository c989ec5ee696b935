"""Return authorisations over real databases (SQLite, then PostgreSQL when
TEST_POSTGRES_URL is set): per damaged item, idempotent per order and items, a
replacement with its seller case (issue 13)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, text

from bot.adapters import schema
from bot.adapters.db import make_engine, session_scope
from bot.adapters.orm import CaseRow, ReturnAuthorizationRow
from bot.services import importer
from bot.services.returns import authorise_return
from bot.services.triage import record_decision, resolve_damage, triage

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "demo" / "demo.json"
NOW = datetime.fromisoformat("2026-11-26T10:00:00-08:00")
ORDER = "112-0000001-0000001"  # B-1: 2 tumblers and a kettle, S-100
TUMBLER, KETTLE = "B0HRTH0001", "B0HRTH0002"
CLOSED = "113-0000006-0000006"  # B-2: delivered in September


@pytest.fixture
def demo_engine(engine):
    importer.load_file(DEMO_FILE, engine)
    return engine


def remedy(engine, *, replacement, asin=KETTLE, buyer="B-1", order=ORDER, chat="c-1"):
    with session_scope(engine) as session:
        return resolve_damage(
            session,
            order_id=order,
            asin=asin,
            buyer_id=buyer,
            replacement=replacement,
            conversation_id=chat,
            question="my kettle arrived broken",
            now=NOW,
        )


def count(engine, row) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(row))


def test_a_refund_authorises_the_damaged_item_only(demo_engine):
    result, given = remedy(demo_engine, replacement=False)
    assert result.decision.reason_code == "damaged_return"
    auth = given.authorisation
    assert auth.items == ((KETTLE, 1),)
    assert (auth.reason, auth.resolution, auth.created) == (
        "damaged_return",
        "refund",
        True,
    )
    assert auth.method == "domestic_address"  # S-100 ships from China
    assert given.case is None
    assert count(demo_engine, CaseRow) == 0


def test_authorising_again_returns_the_same_authorisation(demo_engine):
    _, first = remedy(demo_engine, replacement=False)
    # the same item, from another chat, even with the other answer
    _, again = remedy(demo_engine, replacement=True, chat="c-2")
    assert again.authorisation.id == first.authorisation.id
    assert again.authorisation.created is False
    assert again.authorisation.resolution == "refund"  # what was authorised
    assert again.case is None
    assert count(demo_engine, ReturnAuthorizationRow) == 1


def test_each_damaged_item_has_its_own_authorisation(demo_engine):
    _, kettle = remedy(demo_engine, replacement=False)
    _, tumbler = remedy(demo_engine, replacement=False, asin=TUMBLER)
    assert kettle.authorisation.id != tumbler.authorisation.id
    assert tumbler.authorisation.items == ((TUMBLER, 2),)


def test_a_replacement_also_asks_the_seller(demo_engine):
    _, given = remedy(demo_engine, replacement=True)
    assert given.authorisation.resolution == "replacement"
    opened = given.case
    assert opened.created is True
    assert (opened.case.category, opened.case.reason_code) == (
        "damaged_item",
        "damaged_return",
    )
    assert opened.case.order_id == ORDER
    # asked again: the same authorisation, the buyer's words join the same case
    _, again = remedy(demo_engine, replacement=True)
    assert again.authorisation.id == given.authorisation.id
    assert again.case.case.id == opened.case.id and again.case.created is False
    assert count(demo_engine, CaseRow) == 1


def test_no_remedy_once_the_decision_is_not_damaged_return(demo_engine):
    # the window closed: the seller's case is the decision, nothing is authorised
    result, given = remedy(demo_engine, replacement=True, order=CLOSED, buyer="B-2")
    assert (result.decision.reason_code, given) == ("damaged_seller_case", None)
    # someone else's order
    result, given = remedy(demo_engine, replacement=False, buyer="B-2")
    assert (result.decision.reason_code, given) == ("not_your_order", None)
    assert count(demo_engine, ReturnAuthorizationRow) == 0


def test_record_decision_waits_for_the_choice_then_finds_it(demo_engine):
    def decided():
        with session_scope(demo_engine) as session:
            result = triage(
                session,
                intent="damaged_item",
                order_id=ORDER,
                now=NOW,
                buyer_id="B-1",
                asin=KETTLE,
            )
            return record_decision(
                session, result, conversation_id="c-1", question="broken", now=NOW
            )

    assert decided() is None  # the buyer chooses first
    _, given = remedy(demo_engine, replacement=False)
    found = decided()
    assert found.authorisation.id == given.authorisation.id
    assert found.case is None


def test_a_whole_order_return_is_idempotent_too(demo_engine):
    def whole():
        with session_scope(demo_engine) as session:
            result = triage(
                session, intent="return_refund", order_id=ORDER, now=NOW, buyer_id="B-1"
            )
            return record_decision(
                session, result, conversation_id="c-9", question="return", now=NOW
            )

    first, second = whole(), whole()
    assert first.id == second.id and second.created is False
    assert {asin for asin, _ in first.items} == {TUMBLER, KETTLE}
    # a refund for a damaged item the earlier return covers is that return:
    # no second authorisation (no second label, no second refund)
    _, refund = remedy(demo_engine, replacement=False)
    assert refund.authorisation.id == first.id
    assert count(demo_engine, ReturnAuthorizationRow) == 1
    # a replacement is its own authorisation, of that item only: the earlier
    # return does not stand for it, or the buyer could never choose one
    _, given = remedy(demo_engine, replacement=True)
    assert given.authorisation.id != first.id
    assert given.authorisation.reason == "damaged_return"
    assert given.authorisation.resolution == "replacement"
    assert [asin for asin, _ in given.authorisation.items] == [KETTLE]
    assert count(demo_engine, ReturnAuthorizationRow) == 2


def test_an_item_of_no_line_is_refused(demo_engine):
    with session_scope(demo_engine) as session:
        result = triage(session, intent="return_refund", order_id=ORDER, now=NOW)
        with pytest.raises(ValueError):
            authorise_return(
                session,
                order=result.order,
                seller=result.seller,
                asins=["B0NOTHERE1"],
                reason="return_window_open",
                conversation_id="c-1",
                now=NOW,
            )


def test_earlier_authorisations_become_refunds(sqlite_url):
    """Migration 0010 on a database with a return authorisation in it."""
    config = schema.alembic_config(sqlite_url)
    # the demo data through today's importer (today's schema), then back to 0009
    command.upgrade(config, "head")
    engine = make_engine(sqlite_url)
    try:
        importer.load_file(DEMO_FILE, engine)
        engine.dispose()
        command.downgrade(config, "0009_summary_first_words")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO return_authorizations (order_id, conversation_id,"
                    " items, reason, method, deadline, created_at) VALUES"
                    " (:order, 'c', '[]', 'return_window_open', 'prepaid_label',"
                    " :at, :at)"
                ),
                {"order": ORDER, "at": "2026-12-01 00:00:00.000000"},
            )
        command.upgrade(config, "head")
        with session_scope(engine) as session:
            (row,) = session.scalars(select(ReturnAuthorizationRow)).all()
            assert row.resolution == "refund"
    finally:
        engine.dispose()
