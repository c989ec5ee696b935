"""The seller portal's "Transfer to CSBA" form (issue 17, part 2) without Rasa:
sign-in, role and CSRF; a field that is not usable is named and what the seller
typed is kept (escaped); the NLU unreachable loses nothing and records nothing;
another seller's transfer is 404. TestClient over SQLite, then PostgreSQL. The
transfers themselves, with the real NLU, are tests/browser/test_seller_transfer.py."""

from __future__ import annotations

from datetime import datetime, timezone

from markupsafe import escape
from sqlalchemy import func, select

from bot.adapters import transfer_store
from bot.adapters.db import session_scope
from bot.adapters.orm import SellerTransferRow
from tests.factories import ORDER_SHIPPED, SELLER_EN, SELLER_ZH
from tests.web.conftest import csrf_from

PAGE = "/seller/transfer"


def post(client, **data):
    token = csrf_from(client, PAGE)
    return client.post(PAGE, data={"csrf_token": token, **data})


def transfers(engine) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count(SellerTransferRow.id))).scalar_one()


def test_the_page_needs_a_seller(client, signed_in):
    response = client.get(PAGE)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert signed_in("agent").get(PAGE).status_code == 403


def test_the_form_and_the_nav_link(signed_in):
    page = signed_in("seller", seller_id=SELLER_EN, language="en").get(PAGE)
    assert page.status_code == 200
    assert '<a href="/seller/transfer">Transfer to CSBA</a>' in page.text
    assert 'name="order_number"' in page.text and 'name="message"' in page.text
    assert "You have not transferred any inquiry yet." in page.text


def test_a_post_without_the_csrf_token_is_refused(signed_in, web_engine):
    client = signed_in("seller", seller_id=SELLER_EN)
    response = client.post(PAGE, data={"order_number": ORDER_SHIPPED, "message": "hi"})
    assert response.status_code == 403
    assert transfers(web_engine) == 0


def test_a_bad_order_number_is_named_and_the_message_is_kept(signed_in, web_engine):
    client = signed_in("seller", seller_id=SELLER_EN, language="en")
    typed = "Where is my <b>parcel</b>? It's late & I'm worried"
    response = post(client, order_number="12-34", message=typed)
    assert response.status_code == 400
    assert "Order number: “12-34” is not an order number" in response.text
    assert 'data-field="order_number"' in response.text
    assert str(escape(typed)) in response.text  # kept, escaped
    assert "<b>parcel</b>" not in response.text
    assert 'value="12-34"' in response.text
    assert transfers(web_engine) == 0


def test_an_empty_order_number_and_an_empty_message_are_named(signed_in):
    client = signed_in("seller", seller_id=SELLER_ZH, language="zh")
    response = post(client, order_number="", message="where is it")
    assert response.status_code == 400
    assert "订单编号：请输入" in response.text
    response = post(client, order_number=ORDER_SHIPPED, message="  /  ")
    assert response.status_code == 400
    assert "买家的消息：请粘贴或输入" in response.text
    assert f'value="{ORDER_SHIPPED}"' in response.text


def test_a_message_over_the_limit_is_named(signed_in):
    client = signed_in("seller", seller_id=SELLER_EN, language="en")
    response = post(client, order_number=ORDER_SHIPPED, message="x" * 2001)
    assert response.status_code == 400
    assert "Buyer&#39;s message: at most 2000 characters" in response.text
    assert 'data-field="message"' in response.text


def test_with_the_nlu_unreachable_nothing_is_recorded_or_lost(signed_in, web_engine):
    # web_settings' Rasa is port 9, where nothing listens
    client = signed_in("seller", seller_id=SELLER_EN, language="en")
    response = post(client, order_number=ORDER_SHIPPED, message="Where is my order?")
    assert response.status_code == 503
    assert "CSBA cannot read messages right now. Nothing was transferred" in response.text
    assert "Where is my order?</textarea>" in response.text
    assert transfers(web_engine) == 0


def test_another_sellers_transfer_is_not_found(signed_in, web_engine):
    with session_scope(web_engine) as session:
        row = transfer_store.add_transfer(
            session, seller_id=SELLER_ZH, transferred_by="seller-zh", source="portal",
            order_id=ORDER_SHIPPED, buyer_text="where is it", intent="delivery_status",
            intent_confidence=0.99, accepted=True, route="bot", reason_code="in_transit",
            decision_facts={}, conversation_id="seller_transfer-x",
            created_at=datetime(2026, 12, 1, tzinfo=timezone.utc),
        )  # fmt: skip
        transfer_id = row.id
    other = signed_in("seller", seller_id=SELLER_EN)
    assert other.get(f"/seller/transfers/{transfer_id}").status_code == 404
    assert other.get("/seller/transfers/99999999999").status_code == 404
    own = signed_in("seller", seller_id=SELLER_ZH, language="zh")
    page = own.get(f"/seller/transfers/{transfer_id}")
    assert page.status_code == 200
    assert 'id="reason-code">in_transit<' in page.text
    assert "CSBA 已接手订单" in page.text
    assert f'href="/seller/transfers/{transfer_id}"' in own.get(PAGE).text
