"""Two web processes syncing the summaries at once (issue 15): each thread has
engines of its own, as a separate process would, and folds the same tracker
events in rounds while Rasa goes on writing. The summaries must come out
exactly as one sync alone makes them: no duplicate, nothing missing, nothing
counted twice. On PostgreSQL the sync's advisory lock and the `FOR UPDATE` on
its watermark row serialise them; on SQLite the database write lock does."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.adapters import schema
from bot.adapters.db import make_engine, session_scope
from bot.adapters.orm import (
    ConversationIntentRow,
    ConversationSummaryRow,
    ReviewSyncStateRow,
)
from bot.adapters.review_store import newest_event_id
from bot.services import review
from tests.integration.review.common import NOW, ORDER, utc
from tests.trackers import conversation

CONVERSATIONS = 24
LATE_CONVERSATIONS = 6
SECOND_TURNS = 8
ROUND = 37  # events per sync round: many small transactions, many interleavings
INTENTS = ("delivery_status", "return_item", "greet", "invoice")


def _first_turn(writer, number: int) -> None:
    (
        conversation(
            f"c{number:03d}", start=utc(2026, 11, 20) + timedelta(hours=number)
        )
        .user(f"where is parcel {number}", INTENTS[number % 4], 0.5 + number / 100)
        .decision(route="bot", reason_code="in_transit", order_id=ORDER)
        .bot("It is on its way.")
        .save(writer)
    )


def _second_turn(writer, number: int) -> None:
    later = conversation(
        f"c{number:03d}",
        start=utc(2026, 11, 25) + timedelta(hours=number),
        session_start=False,
    )
    later.user(f"still waiting {number}", "human_agent", 0.3)
    writer.append(later.sender_id, later.events)


def _sync_until_caught_up(engine, tracker) -> None:
    read = ROUND
    while read >= ROUND:
        with session_scope(engine) as session:
            read = review.sync_summaries(session, tracker, now=NOW, limit=ROUND)


def _web_process(db_url, tracker_url, start, writing, errors) -> None:
    """A web process: its own engines; it syncs as agents load pages, until
    Rasa stops writing, and once more after."""
    engine, tracker = make_engine(db_url), make_engine(tracker_url)
    try:
        start.wait()
        while writing.is_set():
            _sync_until_caught_up(engine, tracker)
        _sync_until_caught_up(engine, tracker)
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)
    finally:
        engine.dispose()
        tracker.dispose()


def _rasa(writer, start, writing, errors) -> None:
    try:
        start.wait()
        for number in range(SECOND_TURNS):
            _second_turn(writer, number)
        for number in range(CONVERSATIONS, CONVERSATIONS + LATE_CONVERSATIONS):
            _first_turn(writer, number)
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)
    finally:
        writing.clear()


def _summaries(engine) -> tuple[list[tuple], list[tuple], int]:
    summary = ConversationSummaryRow
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                summary.conversation_id,
                summary.buyer_messages,
                summary.intents,
                summary.route,
                summary.reason_code,
                summary.handed_off,
                summary.min_confidence,
                summary.first_words,
                summary.search_text,
                summary.last_event_id,
                summary.started_at,
                summary.last_event_at,
            ).order_by(summary.conversation_id)
        ).all()
        intents = session.execute(
            select(
                ConversationIntentRow.conversation_id, ConversationIntentRow.intent
            ).order_by(
                ConversationIntentRow.conversation_id, ConversationIntentRow.intent
            )
        ).all()
        watermark = session.execute(
            select(ReviewSyncStateRow.last_event_id)
        ).scalar_one()
    return [tuple(row) for row in rows], [tuple(row) for row in intents], watermark


@pytest.mark.parametrize("first_sync", [True, False], ids=["first-sync", "later"])
def test_two_processes_syncing_at_once_make_exactly_one_syncs_summaries(
    project, db_url, tracker_url, tracker, writer, tmp_path, first_sync
):
    """`first-sync`: both start on a database never synced (no watermark row
    yet); `later`: a sync has run, then more conversations came."""
    for number in range(CONVERSATIONS):
        _first_turn(writer, number)
        if number == 2 and not first_sync:
            _sync_until_caught_up(project, tracker)

    start = threading.Barrier(3)
    writing = threading.Event()
    writing.set()
    errors: list[Exception] = []
    threads = [
        threading.Thread(
            target=_web_process, args=(db_url, tracker_url, start, writing, errors)
        )
        for _ in range(2)
    ] + [threading.Thread(target=_rasa, args=(writer, start, writing, errors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    rows, intents, watermark = _summaries(project)
    # nothing missing, nothing twice
    total = CONVERSATIONS + LATE_CONVERSATIONS
    assert [row[0] for row in rows] == [f"c{number:03d}" for number in range(total)]
    by_id = {row[0]: row for row in rows}
    for number in range(total):
        messages = 2 if number < SECOND_TURNS else 1
        assert by_id[f"c{number:03d}"][1] == messages, number
    assert len(intents) == len(set(intents))
    with session_scope(project) as session:
        assert (
            session.execute(
                select(func.count()).select_from(ReviewSyncStateRow)
            ).scalar_one()
            == 1
        )
    assert watermark == newest_event_id(tracker)

    # and exactly what one sync alone makes of the same events
    alone_url = f"sqlite:///{tmp_path / 'alone.db'}"
    schema.upgrade(alone_url)
    alone = make_engine(alone_url)
    try:
        _sync_until_caught_up(alone, tracker)
        assert _summaries(alone) == (rows, intents, watermark)
    finally:
        alone.dispose()
