"""bot.services.handoff_side on a real database (SQLite, then PostgreSQL when set):
what the live chat's side panel shows for each kind of buyer, and the seller case
an agent opens from it."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.db import session_scope
from bot.domain.handoff import AgentHours
from bot.services import agent_presence, cases, handoff, handoff_side, users
from bot.services.handoff_errors import HandoffError, HandoffNotYours
from bot.services.handoff_side import PanelScope
from bot.services.importer import load_document
from bot.services.triage import triage
from tests import factories as f

NOW = datetime(2026, 12, 4, 18, 0, tzinfo=timezone.utc)
HOURS = AgentHours.parse("00:00-23:59", ZoneInfo("America/Los_Angeles"))

# B-1's orders beside the factories' two, one per reason the policy gives for
# an order it does not cover.
ORDER_FBA = "115-0000001-0000001"  # S-2, fulfilled by Amazon
ORDER_NOT_ENROLLED = "116-0000001-0000001"  # S-3 never enrolled
ORDER_AFTER_OPT_OUT = "117-0000001-0000001"  # S-1, between its two periods
ORDER_BEFORE_ENROLLMENT = "118-0000001-0000001"  # S-2, before October
SILK = "B0TEST0009"

EXPECTED = {
    # order: (covered, coverage_code, delivery_code)
    f.ORDER_SHIPPED: (True, None, "late_delivery"),  # promised 20 November
    f.ORDER_DELIVERED: (True, None, "delivered"),
    ORDER_FBA: (False, "fba_order", None),
    ORDER_NOT_ENROLLED: (False, "seller_not_enrolled", None),
    ORDER_AFTER_OPT_OUT: (False, "placed_after_opt_out", None),
    ORDER_BEFORE_ENROLLMENT: (False, "placed_before_enrollment", None),
}


def _document() -> dict:
    doc = f.valid_document()
    doc["products"].append(f.product(asin=SILK, seller_id=f.SELLER_NOT_INVITED))
    delivered = {"status": "delivered", "delivered_at": "2026-07-08T20:00:00Z"}
    doc["orders"] += [
        f.order(
            id=ORDER_FBA,
            seller_id=f.SELLER_EN,
            fulfillment="fba",
            placed_at="2026-11-20T10:00:00Z",
            status="unshipped",
            shipped_at=None,
            promised_delivery_by="2026-12-20T08:00:00Z",
            carrier=None,
            tracking_number=None,
            items=[f.item(asin=f.CANDLES)],
        ),
        f.order(
            id=ORDER_NOT_ENROLLED,
            seller_id=f.SELLER_NOT_INVITED,
            placed_at="2026-11-15T10:00:00Z",
            shipped_at="2026-11-16T10:00:00Z",
            promised_delivery_by="2026-11-25T08:00:00Z",
            items=[f.item(asin=SILK)],
        ),
        f.order(
            id=ORDER_AFTER_OPT_OUT,
            placed_at="2026-07-01T10:00:00Z",
            shipped_at="2026-07-02T10:00:00Z",
            promised_delivery_by="2026-07-10T08:00:00Z",
            **delivered,
        ),
        f.order(
            id=ORDER_BEFORE_ENROLLMENT,
            seller_id=f.SELLER_EN,
            placed_at="2026-09-15T10:00:00Z",
            shipped_at="2026-09-16T10:00:00Z",
            promised_delivery_by="2026-09-25T08:00:00Z",
            status="delivered",
            delivered_at="2026-09-20T20:00:00Z",
            items=[f.item(asin=f.CANDLES)],
        ),
    ]
    return doc


@pytest.fixture
def shop(engine):
    """The document above, two agents (ann online), and cases of both buyers."""
    with session_scope(engine) as session:
        load_document(session, _document())
        ann = users.add_user(
            session, username="ann", password="a-long-password-1", role="agent", now=NOW
        )
        bob = users.add_user(
            session, username="bob", password="a-long-password-1", role="agent", now=NOW
        )
        agent_presence.set_presence(session, agent_id=ann.id, status="online", now=NOW)
        earlier = cases.open_case(
            session,
            conversation_id="buyer-earlier",
            category="delivery_status",
            question="Where is my tumbler?",
            order_id=f.ORDER_SHIPPED,
            reason_code="late_delivery",
            now=NOW,
        ).case
        other = cases.open_case(
            session,
            conversation_id="buyer-someone-else",
            category="cancel_order",
            question="Please cancel",
            order_id=f.ORDER_UNSHIPPED,
            reason_code="cancel_request",
            now=NOW,
        ).case
    return {"ann": ann.id, "bob": bob.id, "earlier": earlier.id, "other": other.id}


def _handoff(engine, conversation_id: str, **identity) -> handoff.HandoffView:
    with session_scope(engine) as session:
        asked = handoff.request_handoff(
            session,
            conversation_id=conversation_id,
            reason_code="buyer_asked_for_agent",
            now=NOW,
            hours=HOURS,
            **identity,
        )
        assert asked.handoff is not None
        return asked.handoff


def _panel(engine, view: handoff.HandoffView) -> handoff_side.SidePanel:
    with session_scope(engine) as session:
        return handoff_side.side_panel(session, view, now=NOW)


def _claimed(engine, shop, conversation_id: str, **identity) -> int:
    view = _handoff(engine, conversation_id, **identity)
    with session_scope(engine) as session:
        handoff.claim(session, handoff_id=view.id, agent_id=shop["ann"], now=NOW)
    return view.id


def _open(engine, handoff_id: int, agent_id: int, **fields):
    values = {
        "order_id": f.ORDER_SHIPPED,
        "kind": "seller",
        "topic": "delivery_status",
        "question": "The buyer's tumbler is late: when will it ship?",
        **fields,
    }
    with session_scope(engine) as session:
        return handoff_side.open_seller_case(
            session, handoff_id=handoff_id, agent_id=agent_id, now=NOW, **values
        )


def _case_ids(engine) -> list[int]:
    with session_scope(engine) as session:
        return [c.id for c in cases.list_cases(session)]


# -- what the panel shows --------------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    [
        {},
        {"order_id": f.ORDER_SHIPPED},  # an order typed, never verified
        {"buyer_id": f.BUYER_1, "order_id": f.ORDER_SHIPPED},
    ],
)
def test_an_unverified_buyer_shows_no_order_detail(engine, shop, identity):
    view = _handoff(engine, "anon-unverified", verified=False, **identity)
    panel = _panel(engine, view)
    assert panel.scope is PanelScope.UNVERIFIED and not panel.verified
    assert panel.orders == () and panel.cases == ()
    assert panel.buyer_id is None and panel.buyer_name is None


def test_a_token_buyer_sees_their_orders_with_the_policy_facts(engine, shop):
    view = _handoff(engine, "buyer-b1", buyer_id=f.BUYER_1, verified=True)
    panel = _panel(engine, view)
    assert panel.scope is PanelScope.BUYER
    assert (panel.buyer_id, panel.buyer_name) == (f.BUYER_1, "Alice Johnson")
    # B-1's orders, newest first; never B-2's
    assert [o.order_id for o in panel.orders] == [
        ORDER_FBA,
        ORDER_NOT_ENROLLED,
        f.ORDER_SHIPPED,
        f.ORDER_DELIVERED,
        ORDER_BEFORE_ENROLLMENT,
        ORDER_AFTER_OPT_OUT,
    ]
    got = {
        o.order_id: (o.covered, o.coverage_code, o.delivery_code) for o in panel.orders
    }
    assert got == EXPECTED
    # the same verdict the bot gives for a delivery question on each order
    with session_scope(engine) as session:
        for order in panel.orders:
            decision = triage(
                session,
                intent="delivery_status",
                order_id=order.order_id,
                now=NOW,
                buyer_id=f.BUYER_1,
            ).decision
            assert decision.reason_code == (order.coverage_code or order.delivery_code)
            assert order.reason == decision.reason

    shipped = panel.order(f.ORDER_SHIPPED)
    assert shipped.seller_id == f.SELLER_ZH
    assert shipped.seller_name == "Shenzhen Hearth Kitchenware Co."
    assert shipped.fulfillment == "seller" and shipped.status == "shipped"
    assert shipped.late and shipped.carrier == "UPS"
    assert shipped.placed_at == datetime(2026, 11, 10, 18, 12, tzinfo=timezone.utc)
    assert shipped.coverage_start == datetime(2026, 9, 1, 0, 40, tzinfo=timezone.utc)
    assert shipped.return_last_day is None  # not delivered: no window yet
    assert [i.asin for i in shipped.items] == [f.TUMBLER, f.KETTLE]

    delivered = panel.order(f.ORDER_DELIVERED)
    # 45 days after 6 November, or 31 January for an order shipped in November
    assert delivered.return_last_day == date(2027, 1, 31)
    assert delivered.return_open is True
    assert not delivered.late and delivered.items[0].returnable is False

    fba = panel.order(ORDER_FBA)
    assert fba.fulfillment == "fba" and fba.coverage_start is None
    assert fba.return_last_day is None
    opted_out = panel.order(ORDER_AFTER_OPT_OUT)
    assert opted_out.coverage_end == datetime(2026, 6, 1, tzinfo=timezone.utc)
    # the policy uses no return window for an order CSBA does not cover
    assert opted_out.return_last_day is None

    # the buyer's earlier cases, not the other buyer's
    assert [(c.id, c.kind, c.status, c.order_id, c.category) for c in panel.cases] == [
        (
            shop["earlier"],
            "seller",
            "awaiting_seller",
            f.ORDER_SHIPPED,
            "delivery_status",
        )
    ]
    assert panel.cases[0].conversation_id == "buyer-earlier"
    assert panel.cases[0].created_at == NOW


@pytest.mark.parametrize("buyer_id", [None, f.BUYER_1])
def test_an_anonymous_buyer_after_the_zip_check_sees_only_that_order(
    engine, shop, buyer_id
):
    # the ZIP check also sets the order's buyer: the chat still proved one order
    view = _handoff(
        engine,
        "anon-zip",
        buyer_id=buyer_id,
        verified=True,
        order_id=f.ORDER_DELIVERED,
    )
    panel = _panel(engine, view)
    assert panel.scope is PanelScope.ORDER
    assert panel.buyer_id is None and panel.buyer_name is None
    assert [o.order_id for o in panel.orders] == [f.ORDER_DELIVERED]
    assert panel.order(f.ORDER_DELIVERED).covered
    # the case on B-1's other order is not shown
    assert panel.cases == ()

    view = _handoff(
        engine,
        "anon-zip-2",
        buyer_id=buyer_id,
        verified=True,
        order_id=f.ORDER_SHIPPED,
    )
    panel = _panel(engine, view)
    assert [o.order_id for o in panel.orders] == [f.ORDER_SHIPPED]
    assert [c.id for c in panel.cases] == [shop["earlier"]]


@pytest.mark.parametrize(
    "identity",
    [
        {"buyer_id": f.BUYER_1},  # verified, but no order: nothing to show
        {"buyer_id": f.BUYER_2, "order_id": f.ORDER_SHIPPED},  # not B-2's order
        {"order_id": None},
    ],
)
def test_a_verified_chat_without_its_own_order_shows_none(engine, shop, identity):
    view = _handoff(engine, "anon-odd", verified=True, **identity)
    panel = _panel(engine, view)
    assert panel.scope is PanelScope.ORDER
    assert panel.orders == () and panel.cases == ()


# -- a seller case from the panel --------------------------------------------------------


def test_the_agent_who_has_the_chat_opens_a_seller_case(engine, shop):
    hid = _claimed(engine, shop, "buyer-b1", buyer_id=f.BUYER_1, verified=True)
    opened = _open(engine, hid, shop["ann"], topic="change_address")
    assert opened.created
    case = opened.case
    assert case.kind.value == "seller" and case.status.value == "awaiting_seller"
    assert (case.order_id, case.seller_id, case.buyer_id) == (
        f.ORDER_SHIPPED,
        f.SELLER_ZH,
        f.BUYER_1,
    )
    assert case.conversation_id == "buyer-b1" and case.category == "change_address"
    assert case.question == "The buyer's tumbler is late: when will it ship?"
    with session_scope(engine) as session:
        assert handoff.get(session, handoff_id=hid).case_id == case.id
    # again for the same order and topic: the same case, its thread grows
    again = _open(
        engine, hid, shop["ann"], topic="change_address", question="Also: insured?"
    )
    assert not again.created and again.case.id == case.id
    assert len(again.case.messages) == 2
    # a topic the buyer already has an open case about, from an earlier chat:
    # that case, which now follows the buyer to this chat
    joined = _open(engine, hid, shop["ann"])
    assert not joined.created and joined.case.id == shop["earlier"]
    assert joined.case.conversation_id == "buyer-b1"
    # the panel lists it now
    with session_scope(engine) as session:
        view = handoff.get(session, handoff_id=hid)
    assert case.id in [c.id for c in _panel(engine, view).cases]


def test_only_the_agent_who_has_the_chat_may_open_a_case(engine, shop):
    view = _handoff(engine, "buyer-b1", buyer_id=f.BUYER_1, verified=True)
    before = _case_ids(engine)
    # waiting: nobody has it yet
    with pytest.raises(HandoffNotYours):
        _open(engine, view.id, shop["ann"])
    with session_scope(engine) as session:
        handoff.claim(session, handoff_id=view.id, agent_id=shop["ann"], now=NOW)
    with pytest.raises(HandoffNotYours):
        _open(engine, view.id, shop["bob"])
    assert _case_ids(engine) == before
    with session_scope(engine) as session:
        assert handoff.get(session, handoff_id=view.id).case_id is None


@pytest.mark.parametrize(
    ("identity", "fields", "key"),
    [
        # B-2's order is not in B-1's panel
        (
            {"buyer_id": f.BUYER_1},
            {"order_id": f.ORDER_UNSHIPPED},
            "handoff.error.order_not_in_panel",
        ),
        # an order the policy does not cover: Buyer-Seller Messaging, no case
        (
            {"buyer_id": f.BUYER_1},
            {"order_id": ORDER_FBA},
            "handoff.error.order_not_covered",
        ),
        (
            {"buyer_id": f.BUYER_1},
            {"order_id": ORDER_BEFORE_ENROLLMENT},
            "handoff.error.order_not_covered",
        ),
        ({"buyer_id": f.BUYER_1}, {"topic": "invoice"}, "handoff.error.bad_case_topic"),
        ({"buyer_id": f.BUYER_1}, {"kind": "agent"}, "handoff.error.bad_case_topic"),
        ({"buyer_id": f.BUYER_1}, {"question": " \n\x07 "}, "handoff.error.empty_text"),
    ],
)
def test_a_case_the_panel_does_not_allow_is_refused(
    engine, shop, identity, fields, key
):
    hid = _claimed(engine, shop, "buyer-b1", verified=True, **identity)
    before = _case_ids(engine)
    with pytest.raises(HandoffError) as refused:
        _open(engine, hid, shop["ann"], **fields)
    assert refused.value.key == key
    assert _case_ids(engine) == before


@pytest.mark.parametrize(
    "identity",
    [
        {"verified": False, "order_id": f.ORDER_SHIPPED},
        # after the ZIP check on another order of the same buyer
        {"verified": True, "buyer_id": f.BUYER_1, "order_id": f.ORDER_DELIVERED},
    ],
)
def test_no_case_on_an_order_the_chat_did_not_prove(engine, shop, identity):
    hid = _claimed(engine, shop, "anon-chat", **identity)
    with pytest.raises(HandoffError) as refused:
        _open(engine, hid, shop["ann"], order_id=f.ORDER_SHIPPED)
    assert refused.value.key == "handoff.error.order_not_in_panel"
