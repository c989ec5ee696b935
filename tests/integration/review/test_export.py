"""bot.services.review_export: the CSV list and the corrections as NLU data."""

from __future__ import annotations

import pytest

from bot.adapters.db import session_scope
from bot.adapters.rasa_domain import domain_intents
from bot.services import review, review_export
from bot.services.review import ConversationFilters
from tests.integration.review.common import NOW, ORDER, sync, utc
from tests.trackers import SECRET_TOKEN, conversation


def test_corrections_export_as_rasa_nlu_data(project, tracker, writer):
    text_with_order = "[urgent] where is 112-1234567-1234567\nplease"
    start = text_with_order.index("112")
    conversation("c1", start=utc(2026, 11, 25, 17)).user(
        text_with_order,
        "greet",
        0.31,
        entities=[
            {"entity": "order_id", "value": ORDER, "start": start, "end": start + 19}
        ],
    ).user("cancel it", "deny", 0.4).save(writer)
    sync(project, tracker)
    with session_scope(project) as session:
        messages = [
            item
            for item in review.transcript(session, tracker, "c1", now=NOW).items
            if item.kind == "buyer"
        ]
        review.correct_intent(
            session,
            tracker,
            conversation_id="c1",
            event_id=messages[0].event_id,
            intent="out_of_scope",
            agent="a",
            now=NOW,
        )
        # correcting again replaces the first correction
        review.correct_intent(
            session,
            tracker,
            conversation_id="c1",
            event_id=messages[0].event_id,
            intent="delivery_status",
            agent="a",
            now=NOW,
        )
        review.correct_intent(
            session,
            tracker,
            conversation_id="c1",
            event_id=messages[1].event_id,
            intent="cancel_order",
            agent="a",
            now=NOW,
        )
        with pytest.raises(review.ReviewError):
            review.correct_intent(
                session,
                tracker,
                conversation_id="c1",
                event_id=messages[1].event_id,
                intent="not_an_intent",
                agent="a",
                now=NOW,
            )
        with pytest.raises(review.ReviewError):  # not a buyer message
            review.correct_intent(
                session,
                tracker,
                conversation_id="c1",
                event_id=1,
                intent="greet",
                agent="a",
                now=NOW,
            )
        exported = review_export.corrections_nlu_yaml(session)
        transcript = review.transcript(session, tracker, "c1", now=NOW)
    assert [
        item.corrected_intent for item in transcript.items if item.kind == "buyer"
    ] == [
        "delivery_status",
        "cancel_order",
    ]

    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().reads(exported)
    examples = {(m.get("intent"), m.get("text")) for m in data.intent_examples}
    assert examples == {
        ("delivery_status", "(urgent) where is 112-1234567-1234567 please"),
        ("cancel_order", "cancel it"),
    }
    annotated = next(
        m for m in data.intent_examples if m.get("intent") == "delivery_status"
    )
    assert [(e["entity"], e["value"]) for e in annotated.get("entities")] == [
        ("order_id", ORDER)
    ]
    assert set(data.intents) <= set(domain_intents())


def test_no_corrections_export_an_empty_but_valid_file(project):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    with session_scope(project) as session:
        exported = review_export.corrections_nlu_yaml(session)
    assert RasaYAMLReader().reads(exported).intent_examples == []


def test_csv_lists_the_filtered_conversations_without_formulas(
    project, tracker, writer
):
    conversation(
        "=cmd|' /C calc'!A0", start=utc(2026, 11, 25, 17), buyer_id="B-1"
    ).user("hi", "greet", 0.5).save(writer)
    conversation("plain", start=utc(2026, 11, 25, 16)).user("hello", "greet").save(
        writer
    )
    sync(project, tracker)
    with session_scope(project) as session:
        review.set_note(session, "plain", "@SUM(A1:A2) and +1")
        body = "".join(
            review_export.csv_lines(
                review.iter_conversations(session, ConversationFilters(), now=NOW)
            )
        )
        only_b1 = "".join(
            review_export.csv_lines(
                review.iter_conversations(session, ConversationFilters(q="hi"), now=NOW)
            )
        )
    lines = body.strip().split("\r\n")
    assert lines[0].startswith("conversation_id,started_at_utc,buyer_id")
    assert lines[1].startswith("'=cmd|")
    assert "'@SUM(A1:A2) and +1" in lines[2]
    assert SECRET_TOKEN not in body
    assert len(only_b1.strip().split("\r\n")) == 2


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
        (None, ""),
        (0.5, "0.5"),
    ],
)
def test_safe_cell(value, cell):
    assert review_export.safe_cell(value) == cell
