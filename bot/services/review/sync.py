"""The summary sync: Rasa's tracker store folded into `conversation_summaries`.

Scanning the tracker's events at every page view would not scale to 10,000
conversations, so `sync_summaries()` folds new events into the summaries in the
project database, by event id watermark (`review_sync_state`). It is called at
the start of each list request and costs one `max(id)` query when nothing is new.

Ids commit out of order on PostgreSQL (a sequence value is taken before the
transaction commits), so each sync re-reads the last RESCAN_EVENTS ids below
the watermark; an event is folded into a conversation only once (each summary
keeps the id of the last event it folded in; a conversation's own events are
written in order, one turn at a time).

Several web processes may sync at once (issue 15, `make run-cluster`): each
sync takes a lock first (a transaction advisory lock on PostgreSQL, the
database write lock on SQLite) and reads the watermark again under it
(`SELECT ... FOR UPDATE`), so the others wait and then find the events already
folded. Without it, two first syncs would both insert the watermark row, and
two later ones would both add the same new summaries (unique-constraint errors,
an agent's page failing) or count the same events twice.
tests/integration/review/test_sync_concurrency.py runs two at once.

A summary keeps the first buyer message (`first_words`, a quick reply as its
button's title). Summaries written before that column existed are read again
once, at the first sync after migration 0009 (`backfill_pending`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from bot.adapters import review_store
from bot.adapters.orm import ConversationSummaryRow
from bot.services import cases
from bot.services.review.errors import TrackerUnavailable, first_line
from bot.services.review.events import (
    HANDOFF_ROUTES,
    SLOT_BUYER,
    SLOT_CASE,
    SLOT_LANGUAGE,
    SLOT_REASON,
    SLOT_ROUTE,
    SUMMARY_SLOTS,
    button_titles,
    clicked_title,
    event_time,
    first_words,
    greeting_titles,
    is_external,
    is_internal_intent,
    parse_user,
    raw_data,
    verified_buyer,
)

# Re-read this many event ids below the watermark at each sync (see above).
RESCAN_EVENTS = 500
# Events read from the tracker store per round trip.
SYNC_BATCH = 20_000
# The free-text search keeps this much of a conversation's buyer messages.
MAX_SEARCH_CHARS = 20_000
SENDER_CHARS = 255
# Conversations whose first words are read again per round of the backfill.
BACKFILL_BATCH = 500


def _newest_event_id(tracker: Engine) -> int | None:
    try:
        return review_store.newest_event_id(tracker)
    except (OperationalError, ProgrammingError) as exc:
        raise TrackerUnavailable(first_line(exc)) from None


def sync_summaries(
    session: Session, tracker: Engine, *, now: datetime, limit: int | None = None
) -> int:
    """Fold the tracker's new events into the summaries; the number of events read.

    Cheap when nothing is new: one `max(id)` on the tracker store and one row of
    the project database. With `limit`, stops after about that many events (the
    caller commits and calls again while the result is `limit` or more: a
    large first sync then never holds SQLite's write lock for long). Raises
    TrackerUnavailable when the tracker store cannot be read (the summaries then
    stay as the last sync left them).
    """
    state = review_store.sync_state(session)
    newest = _newest_event_id(tracker)
    backfill = state is not None and state.backfill_pending
    if not backfill and (
        newest is None or (state is not None and newest <= state.last_event_id)
    ):
        return 0

    # One sync at a time: the write lock on SQLite, an advisory lock on PostgreSQL.
    cases.lock_for_case_writes(session, key="review-sync")
    state = review_store.locked_sync_state(session, now=now)
    if state.backfill_pending:
        _backfill_first_words(session, tracker)
        state.backfill_pending = False
        session.flush()
    if newest is None or newest <= state.last_event_id:
        return 0

    watermark = state.last_event_id
    start = max(0, watermark - RESCAN_EVENTS)
    read = 0  # events past the watermark (the re-read ones do not count)
    with tracker.connect() as conn:
        while start < newest and (limit is None or read < limit):
            rows = review_store.events_between(
                conn,
                after=start,
                upto=newest,
                limit=SYNC_BATCH if limit is None else min(SYNC_BATCH, limit - read),
            )
            if not rows:
                start = newest
                break
            _fold(session, rows)
            read += sum(1 for row in rows if row.id > watermark)
            start = rows[-1].id
    state.last_event_id = max(watermark, start)
    state.synced_at = now
    session.flush()
    return read


def _fold(session: Session, rows: Sequence[Any]) -> None:
    """Fold a batch of events (in id order) into their conversations' summaries."""
    by_sender: dict[str, list[Any]] = {}
    for row in rows:
        by_sender.setdefault(row.sender_id[:SENDER_CHARS], []).append(row)
    summaries = review_store.summaries_of(session, list(by_sender))
    new_intents: list[tuple[str, str]] = []
    for sender, events in by_sender.items():
        summary = summaries.get(sender)
        seen = summary.last_event_id if summary is not None else 0
        fresh = [event for event in events if event.id > seen]
        if not fresh:
            continue
        if summary is None:
            first = event_time(fresh[0].timestamp) or datetime.now(timezone.utc)
            summary = review_store.add_summary(session, sender, first=first)
        known = summary.intents.split()
        new_intents += [(sender, intent) for intent in _apply(summary, fresh, known)]
    review_store.add_intents(session, new_intents)


def _first_words(
    events: Sequence[Any], titles: dict[str, str]
) -> tuple[str, bool] | None:
    """The first buyer message among `events` (in order), cut, and whether it
    was a click on a quick reply (then shown as the button's title: `titles`
    holds the buttons before the first bot message, the chat's greeting)."""
    for event in events:
        if event.type_name == "bot":
            titles = button_titles(raw_data(event.data)) or titles
        elif event.type_name == "user":
            data = raw_data(event.data)
            if is_external(data):
                continue
            text = data.get("text") if isinstance(data.get("text"), str) else ""
            title = clicked_title(text, titles)
            return first_words(title or text), title is not None
    return None


def _backfill_first_words(session: Session, tracker: Engine) -> None:
    """Read the first words of the conversations summarised before
    `first_words` existed (migration 0009); '' when there are none."""
    try:
        while batch := review_store.summaries_without_first_words(
            session, limit=BACKFILL_BATCH
        ):
            by_sender: dict[str, list[Any]] = {}
            rows = review_store.message_events_of(
                tracker, [summary.conversation_id for summary in batch]
            )
            for row in rows:
                by_sender.setdefault(row.sender_id, []).append(row)
            greeting = greeting_titles()
            for summary in batch:
                found = _first_words(
                    by_sender.get(summary.conversation_id, []), greeting
                )
                summary.first_words, summary.first_words_clicked = found or ("", False)
            session.flush()
    except (OperationalError, ProgrammingError) as exc:
        raise TrackerUnavailable(first_line(exc)) from None


def _apply(
    summary: ConversationSummaryRow, events: Sequence[Any], known: list[str]
) -> list[str]:
    """Fold `events` into `summary`; the intents seen for the first time.

    Reads only what a summary keeps (never the metadata's token); the times are
    folded as numbers and set once, which keeps the first sync of a large
    tracker store quick."""
    new_intents: list[str] = []
    search = [summary.search_text] if summary.search_text else []
    stamps = [e.timestamp for e in events if e.timestamp is not None]
    if stamps:
        summary.started_at = min(summary.started_at, event_time(min(stamps)))
        summary.last_event_at = max(summary.last_event_at, event_time(max(stamps)))
    summary.last_event_id = events[-1].id
    if summary.buyer_messages == 0:
        found = _first_words(events, greeting_titles())
        if found is not None:
            summary.first_words, summary.first_words_clicked = found
    for event in events:
        if event.type_name == "user":
            data = raw_data(event.data)
            if is_external(data):
                continue
            intent, confidence, _ = parse_user(data)
            summary.buyer_messages += 1
            text = data.get("text")
            if isinstance(text, str) and text:
                search.append(text.lower())
            if confidence is not None and (
                summary.min_confidence is None or confidence < summary.min_confidence
            ):
                summary.min_confidence = confidence
            intent = intent or event.intent_name
            if intent and intent not in known and not is_internal_intent(intent):
                known.append(intent)
                new_intents.append(intent[:255])
            channel = data.get("input_channel")
            if isinstance(channel, str) and channel and not summary.channel:
                summary.channel = channel[:64]
            buyer = verified_buyer(data)
            if buyer:
                summary.buyer_id = buyer[:64]
        elif event.type_name == "slot" and event.action_name in SUMMARY_SLOTS:
            value = raw_data(event.data).get("value")
            if value is None or value == "":
                continue
            _apply_slot(summary, event.action_name, value)
    summary.intents = " ".join(known)
    summary.search_text = "\n".join(search)[:MAX_SEARCH_CHARS]
    return new_intents


def _apply_slot(summary: ConversationSummaryRow, name: str, value: Any) -> None:
    if name == SLOT_ROUTE and isinstance(value, str):
        summary.route = value[:32]
        if value in HANDOFF_ROUTES:
            summary.handed_off = True
    elif name == SLOT_REASON and isinstance(value, str):
        summary.reason_code = value[:64]
    elif name == SLOT_CASE:
        try:
            summary.case_id = int(value)
        except (TypeError, ValueError):
            return
        summary.handed_off = True
    elif name == SLOT_BUYER and isinstance(value, str):
        summary.buyer_id = value[:64]
    elif name == SLOT_LANGUAGE and isinstance(value, str):
        summary.language = value[:8]
