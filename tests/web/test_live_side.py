"""The side panel of the live chat page (/agent/live/N) over the web app, with a
real database: what the agent sees of the buyer's orders and cases, and the
seller case opened from there (`action=open_case`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.adapters.catalogue import t
from bot.adapters.db import session_scope
from bot.adapters.orm import BuyerRow
from bot.domain.handoff import AgentHours
from bot.services import cases, handoff
from tests import factories as f
from tests.web.conftest import csrf_from, utc_now

HOURS = AgentHours.parse("00:00-23:59", ZoneInfo("America/Los_Angeles"))
QUESTION = "When will the tumbler arrive? <b>It is late</b>"


def _go_online(client) -> None:
    token = csrf_from(client, "/agent/live")
    response = client.post(
        "/agent/live/presence", data={"status": "online", "csrf_token": token}
    )
    assert response.status_code == 303


def _ask(web_engine, conversation_id: str, **identity) -> int:
    with session_scope(web_engine) as session:
        asked = handoff.request_handoff(
            session,
            conversation_id=conversation_id,
            reason_code="buyer_asked_for_agent",
            now=utc_now(),
            hours=HOURS,
            **identity,
        )
        assert asked.handoff is not None, "an agent must be online first"
        return asked.handoff.id


def _post(client, handoff_id: int, **data):
    token = csrf_from(client, f"/agent/live/{handoff_id}")
    return client.post(f"/agent/live/{handoff_id}", data={**data, "csrf_token": token})


def _open_case(client, handoff_id: int, **fields):
    return _post(
        client,
        handoff_id,
        **{
            "action": "open_case",
            "order_id": f.ORDER_SHIPPED,
            "kind": "seller",
            "topic": "delivery_status",
            "question": QUESTION,
            **fields,
        },
    )


def _view(web_engine, handoff_id: int) -> handoff.HandoffView:
    with session_scope(web_engine) as session:
        return handoff.get(session, handoff_id=handoff_id)


def _cases(web_engine) -> list[cases.CaseView]:
    with session_scope(web_engine) as session:
        return cases.list_cases(session)


def test_the_panel_shows_a_signed_in_buyers_orders_and_cases(
    signed_in, web_engine, open_seller_case
):
    with session_scope(web_engine) as session:
        session.execute(
            update(BuyerRow)
            .where(BuyerRow.id == f.BUYER_1)
            .values(name="<script>alert(1)</script> Alice")
        )
    earlier = open_seller_case(conversation_id="buyer-earlier")
    ann = signed_in("agent", username="ann")
    bob = signed_in("agent", username="bob")
    _go_online(ann)
    hid = _ask(web_engine, "buyer-web-1", buyer_id=f.BUYER_1, verified=True)

    page = ann.get(f"/agent/live/{hid}").text
    assert 'data-side="buyer"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Alice" in page
    assert "<script>alert(1)" not in page
    # B-1's two orders, both covered; never B-2's
    assert f'id="side-order-{f.ORDER_SHIPPED}" data-covered="yes"' in page
    assert f'id="side-order-{f.ORDER_DELIVERED}" data-covered="yes"' in page
    assert f.ORDER_UNSHIPPED not in page
    assert (
        "Shenzhen Hearth Kitchenware Co." in page and "Pacific Outdoor Supply" in page
    )
    assert "<code>late_delivery</code>" in page and "<code>delivered</code>" in page
    assert "Hearth 20 oz Insulated Tumbler × 1" in page
    # the earlier case, linked to its thread on the conversation page
    assert f'href="/agent/conversations/buyer-earlier#case-{earlier.id}"' in page
    # nobody has the chat yet: no case form
    assert 'value="open_case"' not in page

    _post(ann, hid, action="claim")
    assert ann.get(f"/agent/live/{hid}").text.count('value="open_case"') == 2
    # another agent sees the panel, without the form
    other = bob.get(f"/agent/live/{hid}").text
    assert 'data-side="buyer"' in other and 'value="open_case"' not in other


def test_an_unverified_buyer_shows_no_order(signed_in, web_engine, open_seller_case):
    open_seller_case()
    ann = signed_in("agent", username="ann")
    _go_online(ann)
    hid = _ask(web_engine, "anon-side-1", verified=False, order_id=f.ORDER_SHIPPED)
    _post(ann, hid, action="claim")
    page = ann.get(f"/agent/live/{hid}").text
    assert 'data-side="unverified"' in page
    assert "has not passed the ZIP check" in page
    assert f.ORDER_SHIPPED not in page and "Shenzhen" not in page
    assert 'value="open_case"' not in page and "#case-" not in page
    # nor can a case be opened on it
    refused = _open_case(ann, hid)
    assert refused.status_code == 400
    assert (
        t("handoff.error.order_not_in_panel", "en", order_id=f.ORDER_SHIPPED)
        in refused.text
    )
    assert [c.conversation_id for c in _cases(web_engine)] == ["conv-1"]


def test_after_the_zip_check_only_that_order_is_shown(signed_in, web_engine):
    ann = signed_in("agent", username="ann")
    _go_online(ann)
    hid = _ask(
        web_engine,
        "anon-side-2",
        buyer_id=f.BUYER_1,
        verified=True,
        order_id=f.ORDER_DELIVERED,
    )
    page = ann.get(f"/agent/live/{hid}").text
    assert 'data-side="order"' in page
    assert f'id="side-order-{f.ORDER_DELIVERED}"' in page
    assert f'id="side-order-{f.ORDER_SHIPPED}"' not in page


def test_the_agent_who_has_the_chat_opens_a_seller_case(signed_in, web_engine):
    ann = signed_in("agent", username="ann")
    bob = signed_in("agent", username="bob")
    _go_online(ann)
    hid = _ask(web_engine, "buyer-web-2", buyer_id=f.BUYER_1, verified=True)
    _post(ann, hid, action="claim")

    # bob does not have the chat
    refused = _open_case(bob, hid)
    assert refused.status_code == 400
    assert t("handoff.error.not_yours", "en", handoff_id=hid) in refused.text
    # B-2's order is not in B-1's panel
    refused = _open_case(ann, hid, order_id=f.ORDER_UNSHIPPED)
    assert refused.status_code == 400
    assert (
        t("handoff.error.order_not_in_panel", "en", order_id=f.ORDER_UNSHIPPED)
        in refused.text
    )
    assert _cases(web_engine) == [] and _view(web_engine, hid).case_id is None

    opened = _open_case(ann, hid)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/agent/live/{hid}"
    (case,) = _cases(web_engine)
    assert (case.kind.value, case.order_id, case.seller_id) == (
        "seller",
        f.ORDER_SHIPPED,
        f.SELLER_ZH,
    )
    assert case.conversation_id == "buyer-web-2" and case.question == QUESTION
    assert _view(web_engine, hid).case_id == case.id
    page = ann.get(f"/agent/live/{hid}").text
    assert f"Case {case.id} opened for the seller" in page
    assert f'href="/agent/conversations/buyer-web-2#case-{case.id}"' in page
    assert "recorded on this chat</span>" in page

    # then "Close: I opened a case" is true
    closed = _post(ann, hid, action="close", outcome="case_opened")
    assert closed.status_code == 303
    view = _view(web_engine, hid)
    assert (view.state, view.outcome, view.case_id) == (
        "closed",
        "case_opened",
        case.id,
    )
