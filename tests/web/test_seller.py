"""The seller case portal (/seller): only the seller's own cases, by deadline
with a live countdown, the thread with the order facts, reply (stops the SLA
clock, then the live push) and resolve, in the seller's language. TestClient
over SQLite, then PostgreSQL."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow
from bot.domain.model import CaseStatus
from bot.entrypoints.web.app import create_app
from bot.services import cases
from tests.web.conftest import csrf_from, login

S1_ORDER = "112-1234567-1234567"  # S-1 (zh), shipped, two lines
S1_ORDER_2 = "114-7654321-7654321"  # S-1, unshipped, customised
S2_ORDER = "113-0000001-0000002"  # S-2 (en)
OPENED = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
HTML = {"Accept": "text/html"}


@pytest.fixture
def fixed_clock(monkeypatch):
    """The app's clock at OPENED + 5 h 30 min."""
    now = OPENED + timedelta(hours=5, minutes=30)
    monkeypatch.setenv("CSBA_NOW", now.isoformat())
    return now


def case_row(engine, case_id: int) -> CaseRow:
    with session_scope(engine) as session:
        row = session.get(CaseRow, case_id)
        session.expunge(row)
        return row


def post_form(client, path: str, **data):
    token = csrf_from(client, "/seller")
    return client.post(path, data={"csrf_token": token, **data})


def test_the_inbox_lists_only_the_sellers_cases_soonest_deadline_first(
    signed_in, open_seller_case, fixed_clock
):
    later = open_seller_case(order_id=S1_ORDER, now=OPENED + timedelta(hours=2))
    sooner = open_seller_case(order_id=S1_ORDER_2, conversation_id="conv-2", now=OPENED)
    others = open_seller_case(order_id=S2_ORDER, conversation_id="conv-3")
    client = signed_in("seller", seller_id="S-1")

    page = client.get("/seller")

    assert page.status_code == 200
    listed = [int(n) for n in re.findall(r'data-case-id="(\d+)"', page.text)]
    assert listed == [sooner.id, later.id]
    assert others.id not in listed


def test_the_inbox_renders_a_countdown_the_script_can_update(
    signed_in, open_seller_case, fixed_clock
):
    case = open_seller_case(order_id=S2_ORDER, now=OPENED)
    client = signed_in("seller", seller_id="S-2")

    page = client.get("/seller").text

    due = case.seller_due_at.isoformat()
    assert f'<time class="countdown" datetime="{due}">18 h 30 min left</time>' in page
    assert 'data-server-now="2026-11-26T15:30:00+00:00"' in page
    assert 'data-left="{time} left"' in page
    assert '<script src="/static/js/countdown.js" defer></script>' in page
    assert "badge sla-on_time" in page
    assert client.get("/static/js/countdown.js").status_code == 200


def test_an_overdue_case_shows_how_late_it_is(signed_in, open_seller_case, monkeypatch):
    open_seller_case(order_id=S2_ORDER, now=OPENED)
    monkeypatch.setenv(
        "CSBA_NOW", (OPENED + timedelta(hours=24, minutes=3)).isoformat()
    )
    page = signed_in("seller", seller_id="S-2").get("/seller").text
    assert "overdue by 3 min 0 s" in page
    assert "badge sla-overdue" in page


def test_the_case_page_shows_the_buyers_words_and_the_order_facts(
    signed_in, open_seller_case, fixed_clock
):
    case = open_seller_case(order_id=S2_ORDER, question="Are the candles coming?")
    client = signed_in("seller", seller_id="S-2")

    page = client.get(f"/seller/cases/{case.id}")

    assert page.status_code == 200
    text = page.text
    assert "Are the candles coming?" in text
    assert S2_ORDER in text
    assert "3 × Birthday candles, 24 pack (B0TEST0003), US$4.50 each" in text
    assert "Delivered" in text
    assert "2026-11-06 13:00 PST" in text  # delivered_at in marketplace time
    assert "98101" not in text  # the buyer's ZIP verifies anonymous buyers


def test_another_sellers_case_is_not_found(signed_in, open_seller_case, web_engine):
    case = open_seller_case(order_id=S2_ORDER)
    client = signed_in("seller", seller_id="S-1")

    assert client.get(f"/seller/cases/{case.id}").status_code == 404
    assert (
        post_form(client, f"/seller/cases/{case.id}/reply", text="mine!").status_code
        == 404
    )
    assert post_form(client, f"/seller/cases/{case.id}/resolve").status_code == 404
    row = case_row(web_engine, case.id)
    assert row.status == CaseStatus.AWAITING_SELLER.value
    assert row.replied_at is None


def test_an_unknown_or_huge_case_number_is_not_found(signed_in):
    client = signed_in("seller", seller_id="S-1")
    assert client.get("/seller/cases/999999").status_code == 404
    assert client.get("/seller/cases/99999999999999").status_code == 404


def test_an_agent_case_is_not_found_for_its_orders_seller(signed_in, web_engine):
    with session_scope(web_engine) as session:
        agent_case = cases.open_case(
            session,
            conversation_id="conv-a",
            category="human_handoff",
            question="A person, please",
            order_id=S1_ORDER,
            kind="agent",
            now=OPENED,
        ).case
    client = signed_in("seller", seller_id="S-1")
    assert client.get(f"/seller/cases/{agent_case.id}").status_code == 404


def test_signed_out_visitors_are_sent_to_the_login(client, open_seller_case):
    case = open_seller_case()
    response = client.get(f"/seller/cases/{case.id}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=%2Fseller%2Fcases%2F{case.id}"


def test_a_reply_is_stored_and_stops_the_sla_clock(
    signed_in, open_seller_case, web_engine, fixed_clock
):
    case = open_seller_case(order_id=S2_ORDER, now=OPENED)
    client = signed_in("seller", seller_id="S-2")

    response = post_form(
        client, f"/seller/cases/{case.id}/reply", text="Shipped again today."
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/seller/cases/{case.id}"
    with session_scope(web_engine) as session:
        view = cases.get_case(session, case.id)
    assert view.status is CaseStatus.SELLER_REPLIED
    assert view.replied_at == fixed_clock
    assert view.messages[-1].text == "Shipped again today."
    assert view.messages[-1].author.value == "seller"
    assert view.sla_state(fixed_clock + timedelta(days=3)).value == "met"
    page = client.get(response.headers["location"]).text
    assert "Your reply was sent." in page
    assert "badge sla-met" in page
    assert '<time class="countdown"' not in page  # the clock has stopped


def test_a_reply_without_the_csrf_token_is_refused(
    signed_in, open_seller_case, web_engine
):
    case = open_seller_case(order_id=S2_ORDER)
    client = signed_in("seller", seller_id="S-2")
    response = client.post(f"/seller/cases/{case.id}/reply", data={"text": "hi"})
    assert response.status_code == 403
    assert case_row(web_engine, case.id).replied_at is None


def test_an_empty_reply_is_answered_politely(signed_in, open_seller_case, web_engine):
    case = open_seller_case(order_id=S2_ORDER)
    client = signed_in("seller", seller_id="S-2")
    response = post_form(client, f"/seller/cases/{case.id}/reply", text="   ")
    assert response.status_code == 400
    assert "The message is empty. Please write a reply." in response.text
    assert case_row(web_engine, case.id).replied_at is None


def test_the_seller_marks_a_case_resolved(signed_in, open_seller_case, web_engine):
    case = open_seller_case(order_id=S2_ORDER)
    client = signed_in("seller", seller_id="S-2")

    response = post_form(client, f"/seller/cases/{case.id}/resolve")

    assert response.status_code == 303
    assert case_row(web_engine, case.id).status == CaseStatus.RESOLVED.value
    page = client.get(f"/seller/cases/{case.id}").text
    assert "The case is marked resolved." in page
    assert "This case is resolved." in page
    assert f'action="/seller/cases/{case.id}/reply"' not in page
    inbox = client.get("/seller").text
    assert 'id="resolved-cases"' in inbox and f'data-case-id="{case.id}"' in inbox
    # a reply to a resolved case is refused with the catalogue's message
    refused = post_form(client, f"/seller/cases/{case.id}/reply", text="late")
    assert refused.status_code == 400
    assert f"Case {case.id} is resolved and takes no new messages." in refused.text


def test_a_chinese_seller_reads_the_portal_in_chinese(
    signed_in, open_seller_case, fixed_clock
):
    case = open_seller_case(order_id=S1_ORDER, now=OPENED)
    client = signed_in("seller", seller_id="S-1")  # S-1 prefers zh

    inbox = client.get("/seller").text
    page = client.get(f"/seller/cases/{case.id}").text

    assert '<html lang="zh-CN">' in inbox
    assert "问题日志" in inbox and "剩余 18 小时 30 分钟" in inbox
    assert "Case log" not in inbox
    assert "发送回复" in page and "标记为已解决" in page and "已发货" in page
    assert "Send reply" not in page


def test_an_accounts_own_language_overrides_the_sellers(signed_in, open_seller_case):
    client = signed_in("seller", seller_id="S-1", language="en")
    assert "Case log" in client.get("/seller").text


@pytest.mark.parametrize(
    "payload",
    ["<script>alert('xss')</script>", '<img src=x onerror="alert(1)">'],
)
def test_a_buyers_markup_is_shown_as_text(signed_in, open_seller_case, payload):
    case = open_seller_case(order_id=S2_ORDER, question=payload)
    client = signed_in("seller", seller_id="S-2")
    page = client.get(f"/seller/cases/{case.id}", headers=HTML).text
    assert payload not in page
    assert (
        payload.replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
        in page
    )


# -- live push -------------------------------------------------------------------


class FakeRasa(BaseHTTPRequestHandler):
    """Rasa's HTTP API as the push uses it, recording each request together with
    what the project database held at that moment (the reply must be committed)."""

    seen: list[tuple[str, str, int]] = []
    engine = None
    channel = ""
    connected = False  # the answer of the socket channel's presence check

    def log_message(self, *args):  # noqa: ANN002
        pass

    def _replied_messages(self) -> int:
        with session_scope(self.engine) as session:
            row = session.execute(select(CaseRow)).scalars().first()
            return sum(1 for m in row.messages if m.author == "seller")

    def do_GET(self):  # noqa: N802
        self.seen.append(("GET", self.path, self._replied_messages()))
        body = json.dumps({"latest_input_channel": self.channel}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append(("POST", self.path, self._replied_messages()))
        body = b"{}"
        if self.path == "/webhooks/csba_socketio/connected":
            body = json.dumps({"connected": self.connected}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def fake_rasa(web_engine):
    from bot.services.chat_access import SOCKET_CHANNEL_NAME

    FakeRasa.seen = []
    FakeRasa.connected = False
    FakeRasa.engine = web_engine
    FakeRasa.channel = SOCKET_CHANNEL_NAME
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_reply_is_pushed_to_the_buyers_chat_after_it_is_committed(
    web_settings, fake_rasa, add_account, open_seller_case
):
    app = create_app(replace(web_settings, rasa_url=fake_rasa))
    case = open_seller_case(order_id=S2_ORDER, conversation_id="buyer-conv-7")
    add_account("pacific", role="seller", seller_id="S-2")

    with TestClient(app, follow_redirects=False) as client:
        login(client, "pacific")
        response = post_form(
            client, f"/seller/cases/{case.id}/reply", text="On its way"
        )
    assert response.status_code == 303
    posts = [entry for entry in FakeRasa.seen if entry[0] == "POST"]
    # first: is the buyer in the chat? (after the commit too)
    assert posts[0][1] == "/webhooks/csba_socketio/connected" and posts[0][2] == 1
    posts = posts[1:]
    assert len(posts) == 1
    method, path, replies_committed = posts[0]
    assert path.startswith("/conversations/buyer-conv-7/trigger_intent?")
    assert "output_channel=latest" in path and "token=test-rasa-token" in path
    assert replies_committed == 1


def _outbox(tmp_path) -> list:
    import email
    from email import policy

    folder = tmp_path / "var" / "outbox"
    if not folder.exists():
        return []
    mails = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]
    return [mail for mail in mails if mail["X-CSBA-Event"] == "buyer_answer"]


def test_a_buyer_not_in_the_chat_gets_the_answer_by_email(
    web_settings, fake_rasa, add_account, open_seller_case, tmp_path
):
    app = create_app(replace(web_settings, rasa_url=fake_rasa))
    case = open_seller_case(order_id=S2_ORDER, conversation_id="buyer-conv-8")
    add_account("pacific", role="seller", seller_id="S-2")

    with TestClient(app, follow_redirects=False) as client:
        login(client, "pacific")
        post_form(client, f"/seller/cases/{case.id}/reply", text="Re-shipped today <b>x</b>")

    [mail] = _outbox(tmp_path)
    assert mail["To"].addresses[0].addr_spec == "alice@example.com"
    assert mail["Subject"] == f"[CSBA] Case {case.id}: an answer about your order {S2_ORDER}"
    assert mail["X-CSBA-Event"] == "buyer_answer"
    body = mail.get_content()
    assert "Hello Alice Johnson" in body and "Re-shipped today <b>x</b>" in body
    assert "an answer from the seller" in body
    assert "http://localhost:8000/" in body
    # and the chat has it too, for when the buyer comes back
    assert any("trigger_intent" in path for _, path, _ in FakeRasa.seen)


def test_a_buyer_with_the_chat_open_gets_no_email(
    web_settings, fake_rasa, add_account, open_seller_case, tmp_path
):
    FakeRasa.connected = True
    app = create_app(replace(web_settings, rasa_url=fake_rasa))
    case = open_seller_case(order_id=S2_ORDER, conversation_id="buyer-conv-9")
    add_account("pacific", role="seller", seller_id="S-2")

    with TestClient(app, follow_redirects=False) as client:
        login(client, "pacific")
        post_form(client, f"/seller/cases/{case.id}/reply", text="On its way")

    assert _outbox(tmp_path) == []
    assert any("trigger_intent" in path for _, path, _ in FakeRasa.seen)


def test_the_answer_email_is_in_the_buyers_language(
    web_settings, add_account, open_seller_case, tmp_path
):
    # S-1's order of B-2 (zh); Rasa unreachable: not known to be in the chat
    case = open_seller_case(order_id=S1_ORDER_2, conversation_id="buyer-conv-10")
    add_account("shenzhen", role="seller", seller_id="S-1")
    with TestClient(create_app(web_settings), follow_redirects=False) as client:
        login(client, "shenzhen")
        post_form(client, f"/seller/cases/{case.id}/reply", text="已重新发货")

    [mail] = _outbox(tmp_path)
    assert mail["Content-Language"] == "zh"
    assert mail["Subject"] == f"【CSBA】案例 {case.id}:关于您的订单 {S1_ORDER_2} 的答复"
    assert "已重新发货" in mail.get_content() and "卖家的答复" in mail.get_content()
