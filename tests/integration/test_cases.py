"""The case log and the seller's 24-hour clock, over real databases (SQLite, then
PostgreSQL when TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from bot.adapters.db import session_scope
from bot.adapters.orm import BuyerRow, CaseMessageRow, CaseRow, OrderRow, SellerRow
from bot.domain.model import CaseKind, CaseStatus, MessageAuthor
from bot.domain.sla import SlaState, deadlines
from bot.services import cases
from bot.services.cases import (
    CaseAccessDenied,
    CaseClosed,
    CaseError,
    CaseNotFound,
    EmptyMessage,
)
from bot.services.notifications import EmailNotifier

LA = ZoneInfo("America/Los_Angeles")
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
ORDER_EN = "112-0000001-0000001"
ORDER_ZH = "112-0000002-0000002"
ORDER_EN_2 = "112-0000003-0000003"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def la(*args: int) -> datetime:
    return datetime(*args, tzinfo=LA)


T0 = utc(2026, 11, 26, 18, 0)  # Thanksgiving, 10:00 in Los Angeles


def _seller(seller_id: str, language: str) -> SellerRow:
    return SellerRow(
        id=seller_id,
        name="Seller " + seller_id,
        email=seller_id.lower() + "@example.com",
        preferred_language=language,
        professional=True,
        good_standing=True,
        invited=True,
        country="CN" if language == "zh" else "US",
        return_window_days=30,
        international_return_option="prepaid_label",
    )


def _order(order_id: str, buyer_id: str, seller_id: str) -> OrderRow:
    return OrderRow(
        id=order_id,
        buyer_id=buyer_id,
        seller_id=seller_id,
        fulfillment="seller",
        placed_at=utc(2026, 11, 10, 12, 0),
        status="shipped",
        ship_to_country="US",
        ship_to_postal_code="98101",
    )


@pytest.fixture
def shop(session):
    """Two sellers (en, zh), two buyers, three orders."""
    session.add_all(
        [
            _seller("S-EN", "en"),
            _seller("S-ZH", "zh"),
            BuyerRow(
                id="B-1", name="Ann", email="ann@example.com", postal_code="98101"
            ),
            BuyerRow(id="B-2", name="Bo", email="bo@example.com", postal_code="10001"),
        ]
    )
    session.flush()
    session.add_all(
        [
            _order(ORDER_EN, "B-1", "S-EN"),
            _order(ORDER_ZH, "B-2", "S-ZH"),
            _order(ORDER_EN_2, "B-1", "S-EN"),
        ]
    )
    session.flush()
    return session


def open_seller_case(
    session,
    *,
    now=T0,
    conversation_id="conv-1",
    order_id=ORDER_EN,
    category="delivery_status",
    reason_code="late_delivery",
    question="Where is my kettle?",
):
    return cases.open_case(
        session,
        conversation_id=conversation_id,
        category=category,
        reason_code=reason_code,
        question=question,
        now=now,
        order_id=order_id,
    )


def case_count(session) -> int:
    return session.execute(select(func.count()).select_from(CaseRow)).scalar_one()


def outbox_files(tmp_path):
    folder = tmp_path / "var" / "outbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


# -- due times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created_at", "seller_local", "buyer_local"),
    [
        pytest.param(
            la(2026, 11, 18, 10, 0),
            la(2026, 11, 19, 10, 0),
            la(2026, 11, 20, 10, 0),
            id="weekday",
        ),
        pytest.param(
            la(2026, 11, 20, 18, 30),
            la(2026, 11, 21, 18, 30),
            la(2026, 11, 22, 18, 30),
            id="friday-evening-into-the-weekend",
        ),
        pytest.param(
            la(2026, 11, 25, 23, 59),
            la(2026, 11, 26, 23, 59),
            la(2026, 11, 27, 23, 59),
            id="across-thanksgiving",
        ),
        pytest.param(
            la(2026, 12, 24, 12, 0),
            la(2026, 12, 25, 12, 0),
            la(2026, 12, 26, 12, 0),
            id="christmas-eve",
        ),
        # DST ends 2026-11-01 02:00 PDT -> 01:00 PST: 24 elapsed hours end one
        # hour earlier on the Los Angeles wall clock.
        pytest.param(
            la(2026, 10, 31, 10, 0),
            la(2026, 11, 1, 9, 0),
            la(2026, 11, 2, 9, 0),
            id="across-dst-end",
        ),
        pytest.param(
            la(2026, 11, 1, 0, 30),
            la(2026, 11, 1, 23, 30),
            la(2026, 11, 2, 23, 30),
            id="inside-the-repeated-hour-night",
        ),
        # DST starts 2027-03-14 02:00 PST -> 03:00 PDT: one hour later on the clock.
        pytest.param(
            la(2027, 3, 13, 10, 0),
            la(2027, 3, 14, 11, 0),
            la(2027, 3, 15, 11, 0),
            id="across-dst-start",
        ),
    ],
)
def test_due_times_are_24_and_48_elapsed_hours(
    shop, engine, created_at, seller_local, buyer_local
):
    now = created_at.astimezone(timezone.utc)
    opened = open_seller_case(shop, now=now)
    assert opened.created
    case = opened.case
    assert case.status is CaseStatus.AWAITING_SELLER
    assert case.seller_due_at - case.created_at == timedelta(hours=24)
    assert case.buyer_due_at - case.created_at == timedelta(hours=48)
    assert case.seller_due_at == deadlines(now).seller_due_at
    assert case.seller_due_at.astimezone(LA).replace(
        tzinfo=None
    ) == seller_local.replace(tzinfo=None)
    assert case.buyer_due_at.astimezone(LA).replace(tzinfo=None) == buyer_local.replace(
        tzinfo=None
    )
    shop.commit()
    with session_scope(engine) as fresh:  # read back from the database
        stored = cases.get_case(fresh, case.id)
    assert stored.seller_due_at == case.seller_due_at
    assert stored.buyer_due_at == case.buyer_due_at
    assert stored.seller_due_at.utcoffset() == timedelta(0)


def test_a_new_case_has_the_question_first_and_takes_seller_and_buyer_from_the_order(
    shop,
):
    case = open_seller_case(shop, question="  Where is my kettle?  ").case
    assert (case.kind, case.seller_id, case.buyer_id) == (
        CaseKind.SELLER,
        "S-EN",
        "B-1",
    )
    assert (case.category, case.reason_code) == ("delivery_status", "late_delivery")
    assert case.question == "Where is my kettle?"
    [first] = case.messages
    assert first.author is MessageAuthor.BUYER
    assert (first.author_id, first.text) == ("B-1", "Where is my kettle?")
    assert first.created_at == T0 and first.delivered_to_buyer_at is None
    assert case.replied_at is None and case.escalated_at is None
    assert case.sla_state(T0) is SlaState.ON_TIME
    assert case.sla_state(T0 + 19 * HOUR) is SlaState.DUE_SOON


def test_an_agent_case_has_no_seller_clock_and_is_with_the_associates(shop):
    case = cases.open_case(
        shop,
        conversation_id="conv-9",
        category="human_agent",
        reason_code="buyer_asked_for_agent",
        question="I want a person",
        now=T0,
        buyer_id="B-1",
        kind=CaseKind.AGENT,
    ).case
    assert case.kind is CaseKind.AGENT
    assert case.seller_due_at is None
    assert case.buyer_due_at == T0 + 48 * HOUR
    assert case.status is CaseStatus.ESCALATED and case.escalated_at == T0
    assert cases.sweep(shop, now=T0 + 100 * HOUR) == []
    with pytest.raises(CaseAccessDenied):
        cases.reply(shop, case_id=case.id, seller_id="S-EN", text="hi", now=T0)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"question": "   "}, "case.error.empty_text"),
        ({"order_id": "999-9999999-9999999"}, "case.error.order_unknown"),
        ({"conversation_id": ""}, "case.error.conversation_required"),
        ({"category": ""}, "case.error.category_required"),
    ],
)
def test_invalid_cases_are_refused_with_a_catalogue_message(shop, kwargs, key):
    with pytest.raises(CaseError) as raised:
        open_seller_case(shop, **kwargs)
    assert raised.value.key == key
    assert raised.value.message("zh") != raised.value.message("en")
    assert case_count(shop) == 0


def test_a_case_for_another_sellers_order_is_refused(shop):
    with pytest.raises(CaseError) as raised:
        cases.open_case(
            shop,
            conversation_id="c",
            category="delivery_status",
            question="?",
            now=T0,
            order_id=ORDER_EN,
            seller_id="S-ZH",
        )
    assert raised.value.key == "case.error.seller_mismatch"
    with pytest.raises(CaseError) as raised:
        cases.open_case(
            shop,
            conversation_id="c",
            category="human_agent",
            question="?",
            now=T0,
        )
    assert raised.value.key == "case.error.seller_required"


# -- idempotency --------------------------------------------------------------------


def test_a_repeat_joins_the_open_case_and_mails_only_once(shop, tmp_path):
    first = open_seller_case(shop, question="Where is my kettle?")
    shop.commit()
    second = open_seller_case(shop, now=T0 + 2 * HOUR, question="Hello?? Any news?")
    shop.commit()
    assert first.created and not second.created
    assert second.case.id == first.case.id
    assert [(m.author, m.text) for m in second.case.messages] == [
        (MessageAuthor.BUYER, "Where is my kettle?"),
        (MessageAuthor.BUYER, "Hello?? Any news?"),
    ]
    assert second.case.question == "Where is my kettle?"
    assert second.case.seller_due_at == T0 + 24 * HOUR  # the clock does not restart
    assert case_count(shop) == 1
    assert len(outbox_files(tmp_path)) == 1  # the opening mail, not a second one


def test_a_repeat_joins_an_escalated_or_replied_case_without_changing_its_status(shop):
    replied = open_seller_case(shop).case
    cases.reply(shop, case_id=replied.id, seller_id="S-EN", text="Shipped", now=T0)
    again = open_seller_case(shop, now=T0 + HOUR, question="Thanks, and?")
    assert again.case.id == replied.id and not again.created
    assert again.case.status is CaseStatus.SELLER_REPLIED

    escalated = open_seller_case(shop, order_id=ORDER_EN_2).case
    cases.sweep(shop, now=T0 + 25 * HOUR)
    again = open_seller_case(shop, order_id=ORDER_EN_2, now=T0 + 26 * HOUR)
    assert again.case.id == escalated.id and not again.created
    assert again.case.status is CaseStatus.ESCALATED


@pytest.mark.parametrize(
    "change",
    [
        {"category": "cancel_order", "reason_code": "cancel_request"},
        {"order_id": ORDER_EN_2},
    ],
    ids=["other-category", "other-order"],
)
def test_a_different_order_or_category_opens_a_new_case(shop, change):
    first = open_seller_case(shop)
    other = open_seller_case(shop, **change)
    assert other.created and other.case.id != first.case.id
    assert case_count(shop) == 2


def test_the_same_order_and_topic_from_another_chat_joins_the_open_case(shop, tmp_path):
    first = open_seller_case(shop, question="Where is my kettle?")
    shop.commit()
    again = open_seller_case(
        shop, conversation_id="conv-2", now=T0 + HOUR, question="any news on my kettle"
    )
    shop.commit()
    assert not again.created and again.case.id == first.case.id
    assert [m.text for m in again.case.messages] == [
        "Where is my kettle?",
        "any news on my kettle",
    ]
    assert again.case.buyer_due_at == first.case.buyer_due_at  # the same promise
    # the seller's answer now goes to the chat the buyer is in
    assert cases.get_case(shop, first.case.id).conversation_id == "conv-2"
    assert case_count(shop) == 1
    assert len(outbox_files(tmp_path)) == 1  # the seller was mailed once


def test_without_an_order_each_chat_has_its_own_case(shop):
    agent = dict(
        category="human_agent",
        question="A person please",
        now=T0,
        buyer_id="B-1",
        kind="agent",
    )
    first = cases.open_case(shop, conversation_id="conv-8", **agent)
    other = cases.open_case(shop, conversation_id="conv-9", **agent)
    assert other.created and other.case.id != first.case.id


def test_a_resolved_case_is_not_reopened_a_repeat_opens_a_new_one(shop):
    first = open_seller_case(shop).case
    cases.resolve(shop, case_id=first.id, now=T0 + HOUR, by="agent", actor_id="A-1")
    second = open_seller_case(shop, now=T0 + 2 * HOUR)
    assert second.created and second.case.id != first.id
    assert second.case.seller_due_at == T0 + 26 * HOUR
    assert cases.get_case(shop, first.id).status is CaseStatus.RESOLVED


def test_cases_without_an_order_are_matched_on_a_missing_order(shop):
    agent = dict(
        conversation_id="conv-7",
        category="human_agent",
        question="A person please",
        now=T0,
        buyer_id="B-1",
        kind="agent",
    )
    first = cases.open_case(shop, **agent)
    second = cases.open_case(shop, **agent)
    assert first.created and not second.created
    assert second.case.id == first.case.id and len(second.case.messages) == 2


def test_concurrent_repeats_open_one_case(engine, tmp_path):
    with session_scope(engine) as setup:
        setup.add_all(
            [
                _seller("S-EN", "en"),
                BuyerRow(
                    id="B-1", name="Ann", email="ann@example.com", postal_code="98101"
                ),
            ]
        )
        setup.flush()
        setup.add(_order(ORDER_EN, "B-1", "S-EN"))

    start = threading.Barrier(4)
    results, errors = [], []

    def buyer_repeats(n: int) -> None:
        try:
            start.wait(timeout=10)
            with session_scope(engine) as s:
                opened = open_seller_case(s, question="again " + str(n))
                results.append(opened.created)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=buyer_repeats, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    with session_scope(engine) as s:
        [case] = cases.list_cases(s)
        assert len(case.messages) == 4
    assert len(outbox_files(tmp_path)) == 1


# -- replies --------------------------------------------------------------------------


def test_only_the_cases_own_seller_may_reply(shop):
    case = open_seller_case(shop).case
    with pytest.raises(CaseAccessDenied) as denied:
        cases.reply(shop, case_id=case.id, seller_id="S-ZH", text="Not mine", now=T0)
    assert "S-ZH" in str(denied.value)
    assert "S-ZH" in denied.value.message("zh")
    with pytest.raises(CaseAccessDenied):
        cases.reply(shop, case_id=case.id, seller_id="", text="Anonymous", now=T0)
    with pytest.raises(CaseNotFound):
        cases.reply(shop, case_id=case.id + 1000, seller_id="S-EN", text="x", now=T0)
    with pytest.raises(CaseNotFound):
        cases.get_case(shop, "not-a-number")
    with pytest.raises(EmptyMessage):
        cases.reply(shop, case_id=case.id, seller_id="S-EN", text=" \n ", now=T0)
    unchanged = cases.get_case(shop, case.id)
    assert unchanged.status is CaseStatus.AWAITING_SELLER
    assert len(unchanged.messages) == 1


def test_a_reply_is_kept_and_stops_the_clock(shop):
    case = open_seller_case(shop).case
    first_at, second_at = T0 + 3 * HOUR, T0 + 5 * HOUR
    replied = cases.reply(
        shop, case_id=case.id, seller_id="S-EN", text="Re-shipped today", now=first_at
    )
    assert replied.status is CaseStatus.SELLER_REPLIED
    assert replied.replied_at == first_at
    assert replied.messages[-1].author is MessageAuthor.SELLER
    assert (replied.messages[-1].author_id, replied.messages[-1].text) == (
        "S-EN",
        "Re-shipped today",
    )
    again = cases.reply(
        shop,
        case_id=str(case.id),
        seller_id="S-EN",
        text="Tracking: 1Z999",
        now=second_at,
    )
    assert again.replied_at == first_at  # the first reply stops the clock
    assert [m.author for m in again.messages] == [MessageAuthor.BUYER] + [
        MessageAuthor.SELLER
    ] * 2
    assert again.sla_state(T0 + 30 * HOUR) is SlaState.MET
    assert cases.sweep(shop, now=T0 + 30 * HOUR) == []


def test_a_resolved_case_takes_no_message(shop):
    case = open_seller_case(shop).case
    with pytest.raises(CaseAccessDenied):
        cases.resolve(shop, case_id=case.id, now=T0, by="seller", actor_id="S-ZH")
    resolved = cases.resolve(
        shop, case_id=case.id, now=T0 + HOUR, by="seller", actor_id="S-EN"
    )
    assert resolved.status is CaseStatus.RESOLVED and resolved.resolved_at == T0 + HOUR
    assert resolved.messages[-1].author is MessageAuthor.SYSTEM
    assert "S-EN" in resolved.messages[-1].text
    assert not resolved.is_open
    again = cases.resolve(shop, case_id=case.id, now=T0 + 2 * HOUR, by="agent")
    assert again.resolved_at == T0 + HOUR and len(again.messages) == 2
    with pytest.raises(CaseClosed):
        cases.reply(shop, case_id=case.id, seller_id="S-EN", text="late", now=T0)
    with pytest.raises(CaseClosed):
        cases.add_buyer_message(shop, case_id=case.id, text="hello?", now=T0)
    with pytest.raises(CaseClosed) as closed:
        cases.agent_reply(shop, case_id=case.id, agent_id="A-1", text="x", now=T0)
    assert str(case.id) in closed.value.message("zh")


# -- the sweep ------------------------------------------------------------------------


def test_sweep_escalates_at_the_deadline_not_a_minute_before(shop):
    case = open_seller_case(shop).case
    due = case.seller_due_at
    assert cases.sweep(shop, now=due - MINUTE) == []
    assert cases.get_case(shop, case.id).status is CaseStatus.AWAITING_SELLER
    assert cases.get_case(shop, case.id).sla_state(due) is SlaState.OVERDUE

    [escalated] = cases.sweep(shop, now=due + MINUTE)
    assert escalated.id == case.id
    assert escalated.status is CaseStatus.ESCALATED
    assert escalated.escalated_at == due + MINUTE
    system = escalated.messages[-1]
    assert system.author is MessageAuthor.SYSTEM and system.author_id is None
    assert (
        "24 hours" in system.text and "judgment" in system.text
    )  # English, for agents
    assert escalated.sla_state(due + MINUTE) is SlaState.ESCALATED

    assert cases.sweep(shop, now=due + MINUTE) == []  # idempotent
    assert cases.sweep(shop, now=due + 10 * HOUR) == []
    stored = cases.get_case(shop, case.id)
    assert [m.author for m in stored.messages] == [
        MessageAuthor.BUYER,
        MessageAuthor.SYSTEM,
    ]


def test_sweep_at_exactly_the_deadline_escalates(shop):
    case = open_seller_case(shop).case
    [escalated] = cases.sweep(shop, now=case.seller_due_at)
    assert escalated.id == case.id


def test_sweep_mails_the_seller_once_after_commit(shop, tmp_path):
    case = open_seller_case(shop).case
    shop.commit()
    assert len(outbox_files(tmp_path)) == 1
    cases.sweep(shop, now=case.seller_due_at + MINUTE)
    assert len(outbox_files(tmp_path)) == 1  # not before the commit
    shop.commit()
    cases.sweep(shop, now=case.seller_due_at + 2 * MINUTE)
    shop.commit()
    files = outbox_files(tmp_path)
    assert len(files) == 2
    assert sum("case_escalated" in f.name for f in files) == 1


def test_sweep_handles_many_cases_with_a_fixed_number_of_queries(shop, engine):
    opened = []
    for n in range(40):
        # one open case per order and topic: an order per case
        seller_order = f"{119 if n % 2 else 118}-{n:07d}-0000000"
        shop.add(_order(seller_order, *(("B-1", "S-EN") if n % 2 else ("B-2", "S-ZH"))))
        shop.flush()
        opened.append(
            open_seller_case(
                shop,
                now=T0 + n * MINUTE,
                conversation_id="conv-" + str(n),
                order_id=seller_order,
            ).case
        )
    replied = opened[5]
    cases.reply(shop, case_id=replied.id, seller_id="S-EN", text="Done", now=T0)
    shop.flush()

    selects: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        escalated = cases.sweep(shop, now=T0 + 24 * HOUR + 20 * MINUTE)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # created at T0 + 0..20 min are due by then; the replied one is not swept
    assert [c.id for c in escalated] == [
        c.id for c in opened[:21] if c.id != replied.id
    ]
    assert len(selects) <= 4, selects
    assert cases.sweep(shop, now=T0 + 48 * HOUR) != []  # the rest
    assert cases.sweep(shop, now=T0 + 48 * HOUR) == []


def test_a_late_seller_reply_to_an_escalated_case_is_kept_for_the_associates(shop):
    case = open_seller_case(shop, conversation_id="conv-late").case
    cases.sweep(shop, now=case.seller_due_at)
    late_at = case.seller_due_at + 2 * HOUR
    late = cases.reply(
        shop, case_id=case.id, seller_id="S-EN", text="Sorry, shipped now", now=late_at
    )
    assert late.status is CaseStatus.ESCALATED
    assert late.replied_at == late_at
    assert late.messages[-1].text == "Sorry, shipped now"
    assert late.sla_state(late_at) is SlaState.ESCALATED
    # The associate, not the bot, tells the buyer what happens now.
    assert cases.undelivered_replies(shop, conversation_id="conv-late") == []
    cases.agent_reply(
        shop,
        case_id=case.id,
        agent_id="A-7",
        text="We refunded you.",
        now=late_at + HOUR,
    )
    [(_, message)] = cases.undelivered_replies(shop, conversation_id="conv-late")
    assert (message.author, message.author_id) == (MessageAuthor.AGENT, "A-7")


# -- delivery to the buyer ---------------------------------------------------------------


def test_undelivered_replies_are_delivered_once(shop):
    case = open_seller_case(shop, conversation_id="conv-d").case
    open_seller_case(shop, conversation_id="conv-other", order_id=ORDER_ZH)
    assert cases.undelivered_replies(shop, conversation_id="conv-d") == []

    cases.reply(shop, case_id=case.id, seller_id="S-EN", text="First", now=T0 + HOUR)
    cases.add_buyer_message(shop, case_id=case.id, text="ok?", now=T0 + 2 * HOUR)
    cases.reply(
        shop, case_id=case.id, seller_id="S-EN", text="Second", now=T0 + 3 * HOUR
    )
    pending = cases.undelivered_replies(shop, conversation_id="conv-d")
    assert [m.text for _, m in pending] == ["First", "Second"]
    assert all(c.id == case.id for c, _ in pending)
    assert cases.undelivered_replies(shop, conversation_id="conv-other") == []

    shown_at = T0 + 4 * HOUR
    assert (
        cases.mark_delivered(shop, message_ids=[m.id for _, m in pending], now=shown_at)
        == 2
    )
    assert cases.undelivered_replies(shop, conversation_id="conv-d") == []
    assert (
        cases.mark_delivered(
            shop, message_ids=[m.id for _, m in pending], now=shown_at + HOUR
        )
        == 0
    )
    assert cases.mark_delivered(shop, message_ids=[], now=shown_at) == 0
    stored = cases.get_case(shop, case.id)
    delivered = {m.text: m.delivered_to_buyer_at for m in stored.messages}
    assert delivered == {
        "Where is my kettle?": None,
        "First": shown_at,
        "ok?": None,
        "Second": shown_at,
    }

    cases.reply(shop, case_id=case.id, seller_id="S-EN", text="Third", now=shown_at)
    cases.resolve(shop, case_id=case.id, now=shown_at, by="seller", actor_id="S-EN")
    # a reply written just before resolving still reaches the buyer; system text never
    [(_, third)] = cases.undelivered_replies(shop, conversation_id="conv-d")
    assert third.text == "Third"


# -- listing -------------------------------------------------------------------------------


def test_list_cases_by_deadline_then_id_with_filters(shop):
    late = open_seller_case(shop, conversation_id="a", now=T0 + 2 * HOUR).case
    # other topics of the same order (one open case per order and topic)
    early = open_seller_case(
        shop, conversation_id="b", now=T0, category="cancel_order"
    ).case
    tie = open_seller_case(
        shop, conversation_id="c", now=T0, category="change_address"
    ).case
    other = open_seller_case(
        shop, conversation_id="d", order_id=ORDER_ZH, now=T0 + HOUR
    ).case
    agent = cases.open_case(
        shop,
        conversation_id="e",
        category="human_agent",
        question="person",
        now=T0 - HOUR,
        order_id=ORDER_EN,
        kind=CaseKind.AGENT,
    ).case
    cases.reply(shop, case_id=tie.id, seller_id="S-EN", text="done", now=T0)

    everything = [c.id for c in cases.list_cases(shop)]
    assert everything == [early.id, tie.id, other.id, late.id, agent.id]
    assert [c.id for c in cases.list_cases(shop, seller_id="S-EN", kind="seller")] == [
        early.id,
        tie.id,
        late.id,
    ]
    awaiting = cases.list_cases(shop, seller_id="S-EN", status="awaiting_seller")
    assert [c.id for c in awaiting] == [early.id, late.id]
    open_statuses = [CaseStatus.SELLER_REPLIED, CaseStatus.ESCALATED]
    assert [c.id for c in cases.list_cases(shop, status=open_statuses)] == [
        tie.id,
        agent.id,
    ]
    assert [c.id for c in cases.list_cases(shop, limit=2)] == [early.id, tie.id]
    assert cases.list_cases(shop, seller_id="S-NOBODY") == []


def test_message_rows_match_the_views(shop):
    case = open_seller_case(shop).case
    cases.reply(shop, case_id=case.id, seller_id="S-EN", text="ok", now=T0 + HOUR)
    rows = shop.execute(
        select(CaseMessageRow.author, CaseMessageRow.text)
        .where(CaseMessageRow.case_id == case.id)
        .order_by(CaseMessageRow.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("buyer", "Where is my kettle?"),
        ("seller", "ok"),
    ]


def test_a_naive_time_is_a_programming_error(shop):
    with pytest.raises(ValueError):
        open_seller_case(shop, now=datetime(2026, 11, 26, 10, 0))


def test_cases_sent_through_an_explicit_notifier(shop, tmp_path):
    outbox = tmp_path / "elsewhere"
    cases.open_case(
        shop,
        conversation_id="n",
        category="delivery_status",
        question="?",
        now=T0,
        order_id=ORDER_ZH,
        notifier=EmailNotifier(smtp=None, outbox=outbox),
    )
    shop.commit()
    assert len(list(outbox.glob("*.eml"))) == 1
    assert outbox_files(tmp_path) == []
