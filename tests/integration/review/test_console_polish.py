"""Issue 13, "The console", in the services: the first buyer words of each
conversation (and their backfill after migration 0009), the "has a decision"
filter, internal intents kept out of the list, reason labels, clicks shown as
the button's title, photo uploads in the transcript, and intent "corrections"
that change nothing."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from alembic import command
from PIL import Image
from sqlalchemy import text

from bot.adapters import schema
from bot.adapters.db import make_engine, session_scope
from bot.adapters.orm import (
    ConversationSummaryRow,
    IntentCorrectionRow,
    ReviewSyncStateRow,
)
from bot.services import attachments, cases, review, review_export
from bot.services.presentation import order_button_payload
from bot.services.review import ConversationFilters
from tests.conftest import DB_BACKENDS
from tests.integration.review.common import NOW, ORDER, listing, sync, utc
from tests.trackers import TrackerWriter, conversation

GREETING_BUTTON = ("/delivery_status", "Where is my order?")  # domain.yml utter_greet


def line_of(project, conversation_id):
    with session_scope(project) as session:
        return review.conversation_line(session, conversation_id, now=NOW)


def buyer_items(project, tracker, conversation_id):
    with session_scope(project) as session:
        found = review.transcript(session, tracker, conversation_id, now=NOW)
    return [item for item in found.items if item.kind == "buyer"]


# -- the first buyer words ---------------------------------------------------------------


def test_first_words_are_the_first_buyer_message_cut(project, tracker, writer):
    long = "My parcel " + "really " * 20 + "never <b>came</b>"
    conversation("typed", start=utc(2026, 11, 25, 17)).external().user(
        long, "delivery_status"
    ).user("second message", "greet").save(writer)
    conversation("clicked", start=utc(2026, 11, 25, 18)).user(
        GREETING_BUTTON[0], "delivery_status", 1.0
    ).save(writer)
    conversation("silent", start=utc(2026, 11, 25, 19)).external().save(writer)
    sync(project, tracker)

    typed = line_of(project, "typed")
    assert typed.first_words.startswith("My parcel really really")
    assert typed.first_words.endswith("\u2026") and len(typed.first_words) == 80
    assert typed.first_words_clicked is False
    clicked = line_of(project, "clicked")
    assert (clicked.first_words, clicked.first_words_clicked) == (
        GREETING_BUTTON[1],
        True,
    )
    assert line_of(project, "silent").first_words == ""


def test_first_words_are_read_again_for_older_summaries(project, tracker, writer):
    """A summary written before migration 0009 has no first words: the next
    sync reads them, even when no event is new."""
    conversation("old", start=utc(2026, 11, 25, 17)).user(
        "The lid is cracked", "damaged_item"
    ).user("hello?", "greet").save(writer)
    conversation("old-empty", start=utc(2026, 11, 25, 18)).save(writer)
    sync(project, tracker)
    with session_scope(project) as session:
        session.get(ConversationSummaryRow, "old").first_words = None
        session.get(ReviewSyncStateRow, 1).backfill_pending = True

    assert sync(project, tracker) == 0
    assert line_of(project, "old").first_words == "The lid is cracked"
    assert line_of(project, "old-empty").first_words == ""
    with session_scope(project) as session:
        assert session.get(ReviewSyncStateRow, 1).backfill_pending is False


@pytest.fixture(params=DB_BACKENDS)
def empty_url(request) -> str:
    fixture = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}[request.param]
    return request.getfixturevalue(fixture)


def test_migration_0009_asks_for_the_backfill(empty_url, tmp_path):
    command.upgrade(schema.alembic_config(empty_url), "0008_ratings")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO conversation_summaries (conversation_id, started_at,"
                    " last_event_at, last_event_id, intents, handed_off,"
                    " buyer_messages, search_text, reviewed, tags) VALUES ('c1', :at,"
                    " :at, 99, 'greet', :no, 1, 'hi there', :no, '[]')"
                ),
                {"at": NOW.replace(tzinfo=None), "no": False},
            )
            conn.execute(
                text(
                    "INSERT INTO review_sync_state (id, last_event_id, synced_at)"
                    " VALUES (1, 99, :at)"
                ),
                {"at": NOW.replace(tzinfo=None)},
            )
        schema.upgrade(empty_url)
        with session_scope(engine) as session:
            summary = session.get(ConversationSummaryRow, "c1")
            assert (summary.first_words, summary.first_words_clicked) == (None, False)
            assert session.get(ReviewSyncStateRow, 1).backfill_pending is True

        tracker_url = f"sqlite:///{tmp_path / 'old-tracker.db'}"
        store = TrackerWriter(tracker_url)
        try:
            conversation("c1", start=utc(2026, 11, 25, 17)).user(
                "hi there", "greet"
            ).save(store)
        finally:
            store.dispose()
        tracker = make_engine(tracker_url)
        try:
            with session_scope(engine) as session:
                review.sync_summaries(session, tracker, now=NOW)
        finally:
            tracker.dispose()
        with session_scope(engine) as session:
            assert session.get(ConversationSummaryRow, "c1").first_words == "hi there"
    finally:
        engine.dispose()


# -- the list's filters and columns ---------------------------------------------------------


def test_has_decision_filter(project, varied):
    decided = ["late", "human", "transit", "invoice"]
    assert listing(project, has_decision=True) == decided
    assert listing(project, has_decision=False) == ["hello"]
    assert listing(project) == [*decided, "hello"]
    filters = ConversationFilters.from_params({"has_decision": "no"})
    assert filters.has_decision is False
    assert filters.as_params() == {"has_decision": "no"}


def test_internal_intents_stay_out_of_the_list(project, tracker, writer):
    conversation("odd", start=utc(2026, 11, 25, 17)).user(
        "/EXTERNAL_case_reply", "EXTERNAL_case_reply"
    ).user("/session_start", "session_start").user(
        "where is it", "delivery_status"
    ).external("EXTERNAL_handoff_closed").save(writer)
    sync(project, tracker)
    # and what an older sync stored
    with session_scope(project) as session:
        session.get(ConversationSummaryRow, "odd").intents += " EXTERNAL_handoff_closed"

    assert line_of(project, "odd").intents == ("delivery_status",)
    with session_scope(project) as session:
        choices = review.filter_choices(session)["intent"]
    assert "delivery_status" in choices
    assert not [i for i in choices if i.startswith("EXTERNAL_") or i == "session_start"]
    assert "EXTERNAL_case_reply" not in review.correctable_intents()
    assert ConversationFilters.from_params({"intent": "EXTERNAL_case_reply"}).invalid


def test_reason_codes_have_labels(project, varied):
    assert line_of(project, "late").reason_label == "Late delivery"
    assert line_of(project, "hello").reason_label is None
    assert review.reason_label("in_transit", "zh") == "运输中"
    assert review.reason_label("no_such_code") is None


# -- the transcript ---------------------------------------------------------------------


def test_clicks_show_the_button_title(project, tracker, writer):
    choice = order_button_payload(ORDER)
    conversation("clicks", start=utc(2026, 11, 25, 17)).user(
        GREETING_BUTTON[0], "delivery_status", 1.0
    ).bot(
        "Which order?", buttons=[{"title": f"Order {ORDER}", "payload": choice}]
    ).user(choice, "give_order_id", 1.0).user("/thanks", "thanks", 1.0).save(writer)
    sync(project, tracker)

    greeting, order, typed = buyer_items(project, tracker, "clicks")
    assert (greeting.text, greeting.payload) == (GREETING_BUTTON[1], "/delivery_status")
    assert (order.text, order.payload, order.clicked) == (
        f"Order {ORDER}",
        choice,
        True,
    )
    # no button offered it: shown as sent
    assert (typed.text, typed.clicked) == ("/thanks", False)


def test_decisions_carry_the_reason_label(project, tracker, varied):
    with session_scope(project) as session:
        found = review.transcript(session, tracker, "late", now=NOW)
    decision = next(item for item in found.items if item.kind == "decision")
    assert (decision.reason_code, decision.reason_label) == (
        "late_delivery",
        "Late delivery",
    )


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_photo_uploads_are_in_the_timeline_at_their_time(
    project, tracker, writer, tmp_path
):
    start = utc(2026, 11, 25, 17)
    with session_scope(project) as session:
        case = cases.open_case(
            session,
            conversation_id="cracked",
            category="damaged_item",
            question="The lid is cracked",
            order_id=ORDER,
            reason_code="damaged_return",
            now=start,
        ).case
    conversation("cracked", start=start).user(
        "The lid is cracked", "damaged_item"
    ).save(writer)
    with session_scope(project) as session:
        photo = attachments.save_photo(
            session,
            data=_photo(),
            upload_dir=tmp_path,
            conversation_id="cracked",
            now=start + timedelta(minutes=10),
        )
    writer.append(
        "cracked",
        conversation(
            "cracked", start=start + timedelta(minutes=20), session_start=False
        )
        .user("here it is", "greet")
        .events,
    )
    sync(project, tracker)
    with session_scope(project) as session:
        items = review.transcript(session, tracker, "cracked", now=NOW).items
    kinds = [item.kind for item in items]
    assert kinds == ["session", "buyer", "photo", "buyer"]
    upload = items[2]
    assert (upload.attachment_id, upload.case_id) == (photo.id, case.id)
    assert upload.at == start + timedelta(minutes=10)
    assert (upload.width, upload.height) == (32, 24)


# -- intent corrections -----------------------------------------------------------------


def _correct(project, tracker, event_id, intent, conversation_id="words"):
    with session_scope(project) as session:
        return review.correct_intent(
            session,
            tracker,
            conversation_id=conversation_id,
            event_id=event_id,
            intent=intent,
            agent="a",
            now=NOW,
        )


def test_a_correction_to_the_same_intent_is_refused(project, tracker, writer):
    conversation("words", start=utc(2026, 11, 25, 17)).user(
        "where's my stuff", "greet", 0.4
    ).user(GREETING_BUTTON[0], "delivery_status", 1.0).save(writer)
    sync(project, tracker)
    message, click = buyer_items(project, tracker, "words")

    with pytest.raises(review.ReviewError) as refused:
        _correct(project, tracker, message.event_id, "greet")
    assert refused.value.message("en") == (
        "The message already has the intent greet. Choose another intent to correct it."
    )
    assert _correct(project, tracker, message.event_id, "delivery_status")
    with pytest.raises(review.ReviewError):  # what the agent already set
        _correct(project, tracker, message.event_id, "delivery_status")
    with pytest.raises(review.ReviewError) as clicked:  # a button names its intent
        _correct(project, tracker, click.event_id, "greet")
    assert clicked.value.key == "agent.error.button_click"
    with session_scope(project) as session:
        assert "delivery_status" in review_export.corrections_nlu_yaml(session)

    # back to the bot's intent: the correction is gone, nothing is exported
    assert _correct(project, tracker, message.event_id, "greet") is None
    with session_scope(project) as session:
        assert session.query(IntentCorrectionRow).count() == 0
        assert review_export.corrections_count(session) == 0


def test_stored_no_op_corrections_are_not_exported(project, tracker, writer):
    conversation("words", start=utc(2026, 11, 25, 17)).user(
        "where's my stuff", "greet", 0.4
    ).user("cancel it", "deny", 0.4).save(writer)
    sync(project, tracker)
    first, second = buyer_items(project, tracker, "words")
    _correct(project, tracker, second.event_id, "cancel_order")
    with session_scope(project) as session:  # stored before the console refused it
        session.add(
            IntentCorrectionRow(
                conversation_id="words",
                event_id=first.event_id,
                text="where's my stuff",
                predicted_intent="greet",
                intent="greet",
                entities=[],
                corrected_by="a",
                created_at=NOW,
            )
        )
    with session_scope(project) as session:
        exported = review_export.corrections_nlu_yaml(session)
        count = review_export.corrections_count(session)
    assert "- intent: greet" not in exported and "where's my stuff" not in exported
    assert "- intent: cancel_order" in exported and count == 1
    first, second = buyer_items(project, tracker, "words")
    assert (first.corrected_intent, second.corrected_intent) == (None, "cancel_order")
