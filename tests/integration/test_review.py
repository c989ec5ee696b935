"""The review console's service layer over real databases: the project database
(SQLite, then PostgreSQL via `db_url`) and a tracker store written by Rasa's own
SQLTrackerStore (a SQLite file; on the PostgreSQL run, Rasa's `events` table in
the same PostgreSQL database, so Rasa's schema is exercised there too)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.adapters.orm import ConversationSummaryRow, ReviewSyncStateRow
from bot.db import make_engine, session_scope
from bot.domain.sla import SlaState
from bot.i18n import t
from bot.services import cases, review, review_dashboard, review_export
from bot.services.importer import load_document
from bot.services.review import ConversationFilters
from tests import factories
from tests.factories import valid_document
from tests.trackers import SECRET_TOKEN, TrackerWriter, conversation

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)  # 10:00 in Seattle
ORDER = "112-1234567-1234567"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


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


def sync(project, tracker, now=NOW) -> int:
    with session_scope(project) as session:
        return review.sync_summaries(session, tracker, now=now)


def listing(project, now=NOW, **filters) -> list[str]:
    with session_scope(project) as session:
        page = review.list_conversations(
            session, ConversationFilters(**filters), now=now, per_page=200
        )
    return [line.conversation_id for line in page.lines]


def open_case(
    project, *, conversation_id, kind="seller", at=NOW, reason="late_delivery"
):
    with session_scope(project) as session:
        return cases.open_case(
            session,
            conversation_id=conversation_id,
            category="delivery_status",
            question="Where is it?",
            order_id=ORDER if kind == "seller" else None,
            kind=kind,
            reason_code=reason,
            now=at,
        ).case


# -- sync ----------------------------------------------------------------------------


def test_sync_summarises_each_conversation_without_the_token(project, tracker, writer):
    (
        conversation("buyer-1", start=utc(2026, 11, 25, 17), buyer_id="B-1")
        .user("Where is my order 112-1234567-1234567?", "delivery_status", 0.81)
        .decision(
            route="seller_case", reason_code="late_delivery", case_id=7, order_id=ORDER
        )
        .bot("I opened case 7.")
        .user("thanks", "thanks", 0.44)
        .bot("You're welcome!")
        .external()
        .save(writer)
    )
    conversation("anon-a", start=utc(2026, 11, 25, 18), channel="rest").user(
        "hello", "greet", 0.99
    ).bot("Hi!").save(writer)

    assert sync(project, tracker) > 0

    with session_scope(project) as session:
        first = session.get(ConversationSummaryRow, "buyer-1")
        assert first.buyer_id == "B-1"
        assert first.channel == "csba_rest"
        assert first.intents == "delivery_status thanks"
        assert (first.route, first.reason_code, first.case_id) == (
            "seller_case",
            "late_delivery",
            7,
        )
        assert first.min_confidence == pytest.approx(0.44)
        assert (
            first.buyer_messages == 2
        )  # the pushed external intent is not the buyer's
        assert first.handed_off is True
        assert first.started_at == utc(2026, 11, 25, 17)
        anonymous = session.get(ConversationSummaryRow, "anon-a")
        assert anonymous.buyer_id is None and anonymous.channel == "rest"
        assert anonymous.route is None
        dumped = session.execute(text("SELECT * FROM conversation_summaries")).all()
    assert SECRET_TOKEN not in repr(dumped)


def test_sync_is_incremental_and_cheap_when_nothing_is_new(project, tracker, writer):
    conversation("c1", start=utc(2026, 11, 25, 17)).user("hi", "greet").save(writer)
    first = sync(project, tracker)
    assert first > 0
    assert sync(project, tracker) == 0

    writer.append(
        "c1",
        conversation("c1", start=utc(2026, 11, 25, 17, 5), session_start=False)
        .user("where is my parcel", "delivery_status", 0.3)
        .events,
    )
    assert sync(project, tracker) > 0
    with session_scope(project) as session:
        summary = session.get(ConversationSummaryRow, "c1")
        assert summary.buyer_messages == 2
        assert summary.intents == "greet delivery_status"
        assert summary.min_confidence == pytest.approx(0.3)
    assert listing(project, intent="delivery_status") == ["c1"]


def test_events_read_again_are_folded_in_once(project, tracker, writer):
    """A late commit below the watermark is re-read; nothing counts twice."""
    conversation("c1", start=utc(2026, 11, 25, 17)).user("hi", "greet").save(writer)
    conversation("c2", start=utc(2026, 11, 25, 18)).user("yo", "greet").save(writer)
    sync(project, tracker)
    with session_scope(project) as session:
        session.get(ReviewSyncStateRow, 1).last_event_id = 1
    conversation("c3", start=utc(2026, 11, 25, 19)).user("hey", "greet").save(writer)
    sync(project, tracker)
    with session_scope(project) as session:
        counts = {
            row.conversation_id: row.buyer_messages
            for row in session.execute(select(ConversationSummaryRow)).scalars()
        }
    assert counts == {"c1": 1, "c2": 1, "c3": 1}


def test_an_empty_tracker_store_syncs_nothing(project, tmp_path):
    empty = make_engine(f"sqlite:///{tmp_path / 'no-rasa-yet.db'}")
    try:
        assert sync(project, empty) == 0
    finally:
        empty.dispose()
    assert listing(project) == []


def test_an_unreadable_tracker_store_is_reported(project, tmp_path):
    broken = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with broken.begin() as conn:  # an `events` table Rasa would not write
        conn.execute(text("CREATE TABLE events (other INTEGER)"))
    try:
        with pytest.raises(review.TrackerUnavailable) as raised:
            sync(project, broken)
    finally:
        broken.dispose()
    assert "no such column" in raised.value.message()


# -- filters and pages -----------------------------------------------------------------


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


def test_the_list_is_newest_first(project, varied):
    assert listing(project) == ["late", "human", "transit", "invoice", "hello"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"intent": "delivery_status"}, ["late", "transit"]),
        ({"route": "bot"}, ["transit"]),
        ({"route": "agent"}, ["human"]),
        ({"reason_code": "invoice"}, ["invoice"]),
        ({"confidence_below": "0.7"}, ["human", "transit"]),
        ({"has_case": "yes"}, ["late", "human"]),
        ({"has_case": "no"}, ["transit", "invoice", "hello"]),
        ({"case_status": "awaiting_seller"}, ["late"]),
        ({"case_status": "escalated"}, ["human"]),
        ({"sla_state": "escalated"}, ["human"]),
        ({"sla_state": "on_time"}, ["late"]),
        ({"reviewed": "no"}, ["late", "human", "transit", "invoice", "hello"]),
        # Seattle days: 25 Nov 12:00 PST = 20:00 UTC
        (
            {"date_from": "2026-11-24", "date_to": "2026-11-25"},
            ["late", "human", "transit"],
        ),
        ({"date_to": "2026-11-20"}, ["invoice", "hello"]),
        ({"q": "PARCEL"}, ["late"]),
        ({"q": "50%"}, ["late"]),
        ({"q": "late_again"}, ["late"]),
        ({"q": "_"}, ["late"]),
        ({"q": "%"}, ["late"]),
        ({"route": "bot", "intent": "greet"}, []),
    ],
)
def test_each_filter(project, varied, filters, expected):
    parsed = ConversationFilters.from_params(filters)
    assert parsed.invalid == ()
    with session_scope(project) as session:
        page = review.list_conversations(session, parsed, now=NOW, per_page=200)
    assert [line.conversation_id for line in page.lines] == expected
    assert page.total == len(expected)


def test_sla_filters_agree_with_the_domain_rule(project, varied):
    """Every SLA state filter selects exactly the cases sla_state() puts there,
    as the seller case's clock runs (and after a late reply)."""
    seller_case = varied["seller_case"]
    due = seller_case.seller_due_at
    moments = [
        due - timedelta(hours=7),
        due - timedelta(hours=1),
        due + timedelta(hours=1),
    ]
    for moment in moments:
        with session_scope(project) as session:
            lines = review.list_conversations(
                session, ConversationFilters(), now=moment, per_page=200
            ).lines
        expected = {
            line.conversation_id: line.sla_state for line in lines if line.sla_state
        }
        for state in SlaState:
            chosen = listing(project, now=moment, sla_state=state.value)
            assert chosen == [c for c, s in expected.items() if s == state.value], (
                moment,
                state,
            )
    with session_scope(project) as session:
        cases.reply(
            session,
            case_id=seller_case.id,
            seller_id="S-1",
            text="Sorry, re-shipped.",
            now=due + timedelta(hours=2),
        )
    assert listing(project, now=due + timedelta(hours=3), sla_state="missed") == [
        "late"
    ]
    assert listing(project, now=due + timedelta(hours=3), sla_state="met") == []


def test_bad_filter_values_are_ignored_and_named():
    parsed = ConversationFilters.from_params(
        {
            "route": "nowhere",
            "confidence_below": "2",
            "date_from": "yesterday",
            "q": " x ",
        }
    )
    assert parsed == ConversationFilters(q="x")
    assert parsed.invalid == ("route", "confidence_below", "date_from")
    assert ConversationFilters.from_params(parsed.as_params()) == parsed


def test_pages(project, tracker, writer):
    start = utc(2026, 11, 1)
    for number in range(60):
        conversation(f"c{number:02d}", start=start + timedelta(hours=number)).user(
            "hi", "greet"
        ).save(writer)
    sync(project, tracker)
    seen = []
    with session_scope(project) as session:
        for page_number in (1, 2, 3):
            page = review.list_conversations(
                session, ConversationFilters(), now=NOW, page=page_number, per_page=25
            )
            assert (page.total, page.pages, page.page) == (60, 3, page_number)
            seen += [line.conversation_id for line in page.lines]
        beyond = review.list_conversations(
            session, ConversationFilters(), now=NOW, page=99, per_page=25
        )
    assert seen == [f"c{n:02d}" for n in reversed(range(60))]
    assert beyond.page == 3 and len(beyond.lines) == 10


# -- transcript and actions ----------------------------------------------------------


def test_transcript_shows_messages_decisions_and_cases(
    project, tracker, writer, varied
):
    conversation_id = "late"
    with session_scope(project) as session:
        found = review.transcript(session, tracker, conversation_id, now=NOW)
    kinds = [item.kind for item in found.items]
    assert kinds == ["session", "buyer", "decision"]
    buyer, decision = found.items[1], found.items[2]
    assert (buyer.intent, buyer.confidence) == ("delivery_status", pytest.approx(0.95))
    assert decision.route == "seller_case" and decision.reason_code == "late_delivery"
    assert decision.case_id == str(varied["seller_case"].id)
    assert decision.reason.startswith(f"Order {ORDER}")
    assert [case.id for case in found.cases] == [varied["seller_case"].id]
    assert found.agent_cases == ()
    with session_scope(project) as session, pytest.raises(review.ConversationNotFound):
        review.transcript(session, tracker, "no-such-conversation", now=NOW)


def _played_decision(project, writer, conversation_id, *, intent, order_id):
    """Decide with the real policy, set the slots as action_triage does, store
    the conversation in the tracker store; the policy's own reason sentence."""
    from actions.triage import decision_slots
    from bot.services.triage import triage

    with session_scope(project) as session:
        result = triage(
            session, intent=intent, order_id=order_id, now=NOW, buyer_id="B-1"
        )
    values = decision_slots(result, None)
    assert values["decision_facts"] == dict(result.decision.facts)
    conversation(conversation_id, start=utc(2026, 11, 26, 2), buyer_id="B-1").user(
        f"what about {order_id}?", intent
    ).decision(**values).save(writer)
    return result.decision.reason


def test_transcript_reason_comes_from_the_decision_facts(project, tracker, writer):
    uncovered = factories.order(
        id="112-7777777-7777777", placed_at="2026-07-01T12:00:00Z"
    )
    document = valid_document()
    document["orders"].append(uncovered)
    with session_scope(project) as session:
        load_document(session, document)
    late = _played_decision(
        project, writer, "late", intent="delivery_status", order_id=ORDER
    )
    not_covered = _played_decision(
        project, writer, "opted-out", intent="return_refund", order_id=uncovered["id"]
    )
    sync(project, tracker)

    unknown = t("common.unknown", "en")
    for conversation_id, code, policy_reason, facts in (
        ("late", "late_delivery", late, ("still shipped", "2026-11-20", "UPS")),
        (
            "opted-out",
            "placed_after_opt_out",
            not_covered,
            ("2026-06-01", "2026-07-01"),
        ),
    ):
        with session_scope(project) as session:
            found = review.transcript(session, tracker, conversation_id, now=NOW)
        (decision,) = [item for item in found.items if item.kind == "decision"]
        assert decision.reason_code == code
        assert decision.reason == policy_reason
        assert unknown not in decision.reason
        for fact in facts:  # order status, coverage window: facts no slot keeps
            assert fact in decision.reason


def test_review_actions_are_stored(project, varied):
    with session_scope(project) as session:
        tags = review.parse_tags("Wrong intent, needs_training, wrong intent, <b>")
        review.set_tags(session, "late", tags)
        review.set_reviewed(session, "late", reviewed=True, agent="agent1", now=NOW)
        review.set_note(session, "late", "  Buyer was polite.  ")
    assert tags == ["wrong-intent", "needs_training", "b"]
    assert listing(project, reviewed=True) == ["late"]
    with session_scope(project) as session:
        line = review.conversation_line(session, "late", now=NOW)
        assert line.tags == ("wrong-intent", "needs_training", "b")
        assert (line.reviewed_by, line.reviewed_at, line.note) == (
            "agent1",
            NOW,
            "Buyer was polite.",
        )
        with pytest.raises(review.ReviewError):
            review.parse_tags(",".join(f"t{n}" for n in range(11)))
        with pytest.raises(review.ReviewError):
            review.set_note(session, "late", "x" * (review.MAX_NOTE_CHARS + 1))
        with pytest.raises(review.ConversationNotFound):
            review.set_tags(session, "nobody", ["x"])


def test_a_resync_keeps_what_agents_wrote(project, tracker, writer, varied):
    with session_scope(project) as session:
        review.set_note(session, "transit", "checked")
        review.set_reviewed(session, "transit", reviewed=True, agent="a", now=NOW)
    writer.append(
        "transit",
        conversation("transit", start=utc(2026, 11, 24, 21), session_start=False)
        .user("ok thanks", "thanks")
        .events,
    )
    sync(project, tracker)
    with session_scope(project) as session:
        line = review.conversation_line(session, "transit", now=NOW)
    assert (line.note, line.reviewed, line.buyer_messages) == ("checked", True, 2)


def test_agent_reply_goes_into_the_agent_case_only(project, varied):
    agent_case = varied["agent_case"]
    with session_scope(project) as session:
        view = review.reply_to_agent_case(
            session,
            conversation_id="human",
            case_id=agent_case.id,
            agent="agent1",
            text="Hello, I am Sam from CSBA.",
            now=NOW,
        )
    assert (view.messages[-1].author.value, view.messages[-1].author_id) == (
        "agent",
        "agent1",
    )
    with session_scope(project) as session:
        with pytest.raises(review.ReviewError):  # a seller case
            review.reply_to_agent_case(
                session,
                conversation_id="late",
                case_id=varied["seller_case"].id,
                agent="agent1",
                text="hi",
                now=NOW,
            )
        with pytest.raises(review.ReviewError):  # another conversation's case
            review.reply_to_agent_case(
                session,
                conversation_id="late",
                case_id=agent_case.id,
                agent="agent1",
                text="hi",
                now=NOW,
            )


# -- exports ---------------------------------------------------------------------------


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
    assert set(data.intents) <= set(review.domain_intents())


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


# -- dashboard -------------------------------------------------------------------------


def test_dashboard_figures(project, tracker, writer, varied):
    with session_scope(project) as session:
        dash = review_dashboard.dashboard(
            session,
            start=utc(2026, 11, 19).date(),
            end=utc(2026, 11, 26).date(),
            now=NOW,
        )
    per_day = dict(dash.per_day)
    # Seattle days: 26 Nov 01:00 UTC is 25 Nov 17:00 PST
    assert per_day[utc(2026, 11, 25).date()] == 2
    assert per_day[utc(2026, 11, 24).date()] == 1
    assert dash.total == 5
    assert dict(dash.route_mix) == {
        "bot": 1,
        "seller_case": 1,
        "buyer_seller_messaging": 1,
        "agent": 1,
        None: 1,
    }
    assert (dash.contained, dash.containment) == (1, pytest.approx(0.2))
    assert dict(dash.top_reasons) == {
        "late_delivery": 1,
        "buyer_asked_for_agent": 1,
        "in_transit": 1,
        "invoice": 1,
    }
    # the one seller case is within its 24 hours: nothing judged yet
    assert dict(dash.sla)["on_time"] == 1 and dash.sla_compliance is None

    later = varied["seller_case"].seller_due_at + timedelta(hours=1)
    with session_scope(project) as session:
        dash = review_dashboard.dashboard(
            session,
            start=utc(2026, 11, 19).date(),
            end=utc(2026, 11, 26).date(),
            now=later,
        )
    assert (dash.sla_met, dash.sla_judged, dash.sla_compliance) == (0, 1, 0.0)


def test_a_limited_sync_goes_on_where_it_stopped(project, tracker, writer):
    for number in range(5):
        conversation(f"c{number}", start=utc(2026, 11, 25, number)).user(
            "hi", "greet"
        ).save(writer)
    rounds = []
    while not rounds or rounds[-1] >= 10:
        with session_scope(project) as session:
            rounds.append(review.sync_summaries(session, tracker, now=NOW, limit=10))
        if rounds[-1] >= 10:
            assert len(listing(project)) < 5  # not all read yet
    assert len(rounds) > 2
    assert listing(project) == [f"c{n}" for n in reversed(range(5))]
    with session_scope(project) as session:
        assert all(
            row.buyer_messages == 1
            for row in session.execute(select(ConversationSummaryRow)).scalars()
        )
    assert sync(project, tracker) == 0
