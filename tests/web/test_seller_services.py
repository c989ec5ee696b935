"""The seller portal's "Your Services" page (issue 17): CSBA's status, opt-in
only for invited professional sellers in good standing, "Activating" until the
service starts, opt-out only with the confirmation, re-enrolling, each change
recorded with who and when and emailed in the seller's language; and what it
means for orders, checked through `csba triage`. TestClient over SQLite, then
PostgreSQL."""

from __future__ import annotations

import email
import json
import re
from datetime import datetime, timedelta, timezone
from email import policy

from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.orm import EnrollmentRow, OrderItemRow, OrderRow
from bot.entrypoints.cli import main as csba
from tests.factories import ORDER_DELIVERED, SELLER_EN, SELLER_NOT_INVITED, SELLER_ZH
from tests.web.conftest import csrf_from

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc)


def at(monkeypatch, instant: datetime) -> None:
    monkeypatch.setenv("CSBA_NOW", instant.isoformat())


def post(client, path: str, **data):
    token = csrf_from(client, "/seller/services")
    return client.post(path, data={"csrf_token": token, **data})


def state(page: str) -> str:
    found = re.search(r'id="csba-service" data-state="([a-z_]+)"', page)
    assert found, page
    return found.group(1)


def outbox(tmp_path) -> list:
    folder = tmp_path / "var" / "outbox"
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ] if folder.exists() else []  # fmt: skip


def periods(engine, seller_id: str) -> list[EnrollmentRow]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(EnrollmentRow)
            .where(EnrollmentRow.seller_id == seller_id)
            .order_by(EnrollmentRow.opted_in_at)
        ).scalars().all()  # fmt: skip
        session.expunge_all()
        return list(rows)


def order_placed_at(engine, order_id: str, placed_at: datetime) -> None:
    """A copy of S-2's delivered order, placed at `placed_at`."""
    with session_scope(engine) as session:
        source = session.get(OrderRow, ORDER_DELIVERED)
        columns = {c.name: getattr(source, c.name) for c in OrderRow.__table__.columns}
        copy = OrderRow(**{**columns, "id": order_id, "placed_at": placed_at})
        for item in source.items:
            fields = {c.name: getattr(item, c.name) for c in OrderItemRow.__table__.columns}
            fields.pop("id", None)
            fields["order_id"] = order_id
            copy.items.append(OrderItemRow(**fields))
        session.add(copy)


def triage(monkeypatch, db_url: str, order_id: str, capsys) -> dict:
    monkeypatch.setenv("DATABASE_URL", db_url)
    capsys.readouterr()
    code = csba(["triage", "--order", order_id, "--intent", "delivery_status",
                 "--at", (NOW + timedelta(days=3)).isoformat()])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_an_active_seller_opts_out_with_the_warning_then_re_enrolls(
    signed_in, web_engine, web_db, monkeypatch, tmp_path, capsys
):
    at(monkeypatch, NOW)
    client = signed_in("seller", seller_id=SELLER_EN, username="maple-admin")

    page = client.get("/seller/services")
    assert page.status_code == 200
    assert state(page.text) == "active"
    assert "Customer Service by Amazon (CSBA)" in page.text
    assert "Orders placed while you were enrolled will continue to be handled by CSBA" in page.text
    assert "Opt in to CSBA" not in page.text
    assert 'href="/seller/services"' in page.text  # in the navigation

    # no confirmation: nothing changes
    refused = post(client, "/seller/services/opt-out")
    assert refused.status_code == 400
    assert "Tick the confirmation box" in refused.text
    assert [p.opted_out_at for p in periods(web_engine, SELLER_EN)] == [None]
    assert outbox(tmp_path) == []

    done = post(client, "/seller/services/opt-out", confirm="yes")
    assert done.status_code == 303 and done.headers["location"] == "/seller/services"
    page = client.get("/seller/services").text
    assert state(page) == "not_enrolled"
    assert "You opted out of CSBA" in page
    assert "Opt in to CSBA" in page
    [period] = periods(web_engine, SELLER_EN)
    assert period.opted_out_at == NOW and period.opted_out_by == "maple-admin"
    assert "maple-admin" in page  # the history says who
    [mail] = outbox(tmp_path)
    assert mail["X-CSBA-Event"] == "enrollment_opted_out"
    assert mail["To"].addresses[0].addr_spec == "support@pacific.example.com"
    assert mail["Subject"] == "[CSBA] You opted out of Customer Service by Amazon"
    body = mail.get_content()
    assert "new self-fulfilled orders" in body and "http://localhost:8000/seller/services" in body

    # an order placed while out: the seller's to answer
    order_placed_at(web_engine, "113-5550000-0000001", NOW + timedelta(minutes=30))

    # re-enroll a day later: "Activating" for the first hour, then "Active"
    back = NOW + timedelta(days=1)
    at(monkeypatch, back)
    assert post(client, "/seller/services/opt-in").status_code == 303
    page = client.get("/seller/services").text
    assert state(page) == "activating"
    assert "The service starts within an hour" in page
    assert len(outbox(tmp_path)) == 2
    assert outbox(tmp_path)[-1]["X-CSBA-Event"] == "enrollment_opted_in"
    again = post(client, "/seller/services/opt-in")  # a second click
    assert again.status_code == 409 and "already enrolled" in again.text
    assert len(periods(web_engine, SELLER_EN)) == 2
    order_placed_at(web_engine, "113-5550000-0000002", back + timedelta(minutes=30))
    order_placed_at(web_engine, "113-5550000-0000003", back + timedelta(hours=2))

    at(monkeypatch, back + timedelta(hours=1, minutes=1))
    page = client.get("/seller/services").text
    assert state(page) == "active"
    newest = periods(web_engine, SELLER_EN)[-1]
    assert newest.opted_in_at == back and newest.opted_in_by == "maple-admin"

    # what it means for orders (the same rules the bot applies)
    placed_while_out = triage(monkeypatch, web_db, "113-5550000-0000001", capsys)
    assert placed_while_out["reason_code"] == "placed_after_opt_out"
    assert placed_while_out["route"] == "buyer_seller_messaging"
    activating = triage(monkeypatch, web_db, "113-5550000-0000002", capsys)
    assert activating["covered"] is False  # placed before the service started
    assert activating["route"] == "buyer_seller_messaging"
    covered = triage(monkeypatch, web_db, "113-5550000-0000003", capsys)
    assert covered["covered"] is True
    before = triage(monkeypatch, web_db, ORDER_DELIVERED, capsys)
    assert before["covered"] is True  # placed in the first period: still covered


def test_a_seller_not_invited_sees_why_and_cannot_opt_in(
    signed_in, web_engine, monkeypatch, tmp_path
):
    at(monkeypatch, NOW)
    client = signed_in("seller", seller_id=SELLER_NOT_INVITED, language="en")

    page = client.get("/seller/services").text
    assert state(page) == "not_enrolled"
    assert "has not been invited to CSBA" in page
    assert "invitation-only basis" in page
    assert "/seller/services/opt-in" not in page
    assert "You have never been enrolled in CSBA." in page

    forced = post(client, "/seller/services/opt-in")
    assert forced.status_code == 409
    assert "has not been invited to CSBA" in forced.text
    assert periods(web_engine, SELLER_NOT_INVITED) == []
    assert outbox(tmp_path) == []


def test_the_page_and_the_email_are_in_the_sellers_language(
    signed_in, web_engine, monkeypatch, tmp_path
):
    at(monkeypatch, NOW)
    client = signed_in("seller", seller_id=SELLER_ZH, language="zh")

    page = client.get("/seller/services").text
    assert "您的服务" in page and "已生效" in page
    assert post(client, "/seller/services/opt-out", confirm="yes").status_code == 303
    [mail] = outbox(tmp_path)
    assert mail["Subject"] == "【CSBA】您已退出亚马逊客户服务"
    assert mail["Content-Language"] == "zh"


def test_the_page_needs_a_seller_and_the_changes_a_csrf_token(signed_in, client):
    assert client.get("/seller/services").status_code in (303, 307)
    agent = signed_in("agent")
    assert agent.get("/seller/services").status_code == 403
    seller = signed_in("seller", seller_id=SELLER_EN)
    seller.get("/seller/services")
    assert seller.post("/seller/services/opt-out", data={"confirm": "yes"}).status_code == 403


def test_a_period_opted_out_of_within_the_first_hour_never_started(
    signed_in, monkeypatch
):
    at(monkeypatch, NOW)
    client = signed_in("seller", seller_id=SELLER_EN, language="en")
    assert post(client, "/seller/services/opt-out", confirm="yes").status_code == 303
    at(monkeypatch, NOW + timedelta(days=1))
    assert post(client, "/seller/services/opt-in").status_code == 303
    at(monkeypatch, NOW + timedelta(days=1, minutes=10))
    assert post(client, "/seller/services/opt-out", confirm="yes").status_code == 303

    page = client.get("/seller/services").text
    assert state(page) == "not_enrolled"
    rows = re.findall(r'<tr class="period">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    assert "never started (opted out within the first hour)" in rows[0]  # newest first
    assert "never started" not in rows[1]
