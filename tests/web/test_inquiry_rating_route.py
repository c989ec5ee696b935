""""Was this helpful?" about an inquiry (issue 17, item 5), over the real app
and real databases (SQLite, then PostgreSQL when set): the widget's `POST
/chat/rating`, the answer email's one-click links (`GET /rate/{token}`), and
the agent console's rating column, filter and CSAT charts."""

from __future__ import annotations

import email
import re
from email import policy
from urllib.parse import urlsplit

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.adapters.db import session_scope
from bot.adapters.orm import RatingRow
from bot.adapters.review_store import add_summary
from bot.entrypoints.web.app import create_app
from bot.services import rating_links, ratings
from bot.services.chat_access import resolve_chat_token
from tests.factories import ORDER_DELIVERED
from tests.web.conftest import csrf_from, login, utc_now
from tests.web.test_buyer import bearer, chat_token
from tests.web.test_seller import post_form


def record(web_engine, conversation_id: str, *, route="bot", reason="delivered",
           case_id=None) -> int:  # fmt: skip
    with session_scope(web_engine) as session:
        return ratings.record_inquiry(
            session,
            conversation_id=conversation_id,
            route=route,
            reason_code=reason,
            order_id=ORDER_DELIVERED,
            case_id=case_id,
            now=utc_now(),
        ).id


def rate(client, token: str, helpful: str, inquiry: str | int):
    headers = {"X-CSRF-Token": csrf_from(client, "/"), "Accept": "application/json"}
    headers.update(bearer(token))
    data = {"helpful": helpful, "inquiry": str(inquiry)}
    return client.post("/chat/rating", headers=headers, data=data)


def stored(web_engine) -> list[tuple[str, int, str, int]]:
    with session_scope(web_engine) as session:
        rows = session.execute(select(RatingRow).order_by(RatingRow.id)).scalars()
        return [(r.subject, r.subject_id, r.conversation_id, r.value) for r in rows]


def test_the_widget_rates_an_inquiry_of_its_own_chat_and_can_change_it(
    client, web_engine
):
    token = chat_token(client)
    conversation = resolve_chat_token(token).sender_id
    inquiry = record(web_engine, conversation)

    yes = rate(client, token, "yes", inquiry)
    assert yes.status_code == 200, yes.text
    assert yes.json() == {"ok": True, "message": "Thank you! We are glad we could help."}
    no = rate(client, token, "no", inquiry)
    assert no.status_code == 200 and "improve" in no.json()["message"]
    assert stored(web_engine) == [("inquiry", inquiry, conversation, 0)]


def test_a_chat_cannot_rate_another_chats_inquiry(make_client, web_engine):
    victim, stranger = make_client(), make_client()
    inquiry = record(web_engine, resolve_chat_token(chat_token(victim)).sender_id)
    response = rate(stranger, chat_token(stranger), "no", inquiry)
    assert response.status_code == 409
    assert response.json()["message"] == (
        "This answer can no longer be rated. Thank you all the same."
    )
    for bad in ("abc", "-1", "1e3", "１", "9" * 40):
        refused = rate(stranger, chat_token(stranger), "no", bad)
        assert refused.status_code == 400, bad
    assert stored(web_engine) == []


def test_an_inquiry_still_waiting_for_the_seller_cannot_be_rated(
    client, web_engine, open_seller_case
):
    token = chat_token(client)
    conversation = resolve_chat_token(token).sender_id
    case = open_seller_case(order_id=ORDER_DELIVERED, conversation_id=conversation)
    inquiry = record(web_engine, conversation, route="seller_case",
                     reason="late_delivery", case_id=case.id)  # fmt: skip
    assert rate(client, token, "yes", inquiry).status_code == 409
    # nor from a genuine link (no email carries one before the answer)
    link = rating_links.rating_urls(
        ratings.InquiryView(
            id=inquiry, conversation_id=conversation, route="seller_case",
            reason_code="late_delivery", case_id=case.id, decided_at=utc_now(),
            answered_at_once=False,
        ),
        language="en",
        now=utc_now(),
    )["yes"]  # fmt: skip
    page = client.get(link.split("localhost:8000", 1)[1])
    assert page.status_code == 409
    assert "This answer can no longer be rated." in page.text
    assert stored(web_engine) == []


def _answer_mails(tmp_path) -> list:
    folder = tmp_path / "var" / "outbox"
    mails = [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]
    return [mail for mail in mails if mail["X-CSBA-Event"] == "buyer_answer"]


def test_the_answer_email_rates_its_inquiry_in_one_click(
    web_settings, web_engine, add_account, open_seller_case, tmp_path
):
    # S-2's order of B-1 (en); Rasa unreachable, so the buyer is not in the chat
    case = open_seller_case(order_id=ORDER_DELIVERED, conversation_id="buyer-conv-r")
    inquiry = record(web_engine, "buyer-conv-r", route="seller_case",
                     reason="late_delivery", case_id=case.id)  # fmt: skip
    add_account("pacific", role="seller", seller_id="S-2")
    app = create_app(web_settings)
    with TestClient(app, follow_redirects=False) as client:
        login(client, "pacific")
        post_form(client, f"/seller/cases/{case.id}/reply", text="Re-shipped today")

    [mail] = _answer_mails(tmp_path)
    assert mail["X-CSBA-Inquiry-Id"] == str(inquiry)
    body = mail.get_content()
    assert "Was this answer helpful? One click tells us:" in body
    links = dict(re.findall(r"^(Yes|No): (http://\S+)$", body, re.MULTILINE))
    assert set(links) == {"Yes", "No"}
    assert links["Yes"].startswith("http://localhost:8000/rate/")

    def path(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.path}?{parts.query}"

    with TestClient(app, follow_redirects=False) as buyer:
        page = buyer.get(path(links["Yes"]))
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "Thank you! We are glad we could help." in page.text
        assert 'data-answered="yes"' in page.text
        assert stored(web_engine) == [("inquiry", inquiry, "buyer-conv-r", 1)]
        # the page offers the other answer: rating again changes it
        change = re.search(r'id="rating-change" href="([^"]+)"', page.text).group(1)
        changed = buyer.get(change.replace("&amp;", "&"))
        assert changed.status_code == 200 and 'data-answered="no"' in changed.text
        assert stored(web_engine) == [("inquiry", inquiry, "buyer-conv-r", 0)]

        # an altered token, and a link without an answer, rate nothing
        token = urlsplit(links["No"]).path.rsplit("/", 1)[1]
        head, claims, signature = token.split(".")
        forged = f"{head}.{claims[:-2]}AA.{signature}"
        refused = buyer.get(f"/rate/{forged}?helpful=yes")
        assert refused.status_code == 404
        assert "This rating link is not valid or has expired." in refused.text
        assert buyer.get(f"/rate/{token}?helpful=maybe").status_code == 400
        assert buyer.get(f"/rate/{token}").status_code == 400
        # Chinese, as the email was written for a Chinese-speaking buyer
        zh = buyer.get(f"/rate/{token}?helpful=no&lang=zh")
        assert zh.status_code == 200 and "感谢您的反馈" in zh.text
    assert stored(web_engine) == [("inquiry", inquiry, "buyer-conv-r", 0)]


def test_the_console_shows_filters_and_charts_the_ratings(
    client, web_engine, signed_in
):
    rated = {}
    for answer, reason in (("yes", "delivered"), ("no", "in_transit"),
                           ("yes", "in_transit")):  # fmt: skip
        token = chat_token(client)
        conversation = resolve_chat_token(token).sender_id
        with session_scope(web_engine) as session:
            add_summary(session, conversation, first=utc_now()).route = "bot"
        inquiry = record(web_engine, conversation, reason=reason)
        assert rate(client, token, answer, inquiry).status_code == 200
        rated[conversation] = answer
        client.cookies.clear()  # a new chat for the next inquiry
    with session_scope(web_engine) as session:
        add_summary(session, "anon-never-rated", first=utc_now())

    agent = signed_in("agent")
    page = agent.get("/agent").text
    assert '<select id="f-rating" name="rating">' in page
    cells = dict(re.findall(r'data-conversation="([^"]+)".*?data-rating="([^"]*)"',
                            page, re.DOTALL))  # fmt: skip
    assert cells == {
        **{c: "helpful" if a == "yes" else "not_helpful" for c, a in rated.items()},
        "anon-never-rated": "",
    }
    helpful = agent.get("/agent?rating=helpful").text
    assert helpful.count('data-rating="helpful"') == 2
    assert 'data-rating="not_helpful"' not in helpful
    assert agent.get("/agent?rating=unrated").text.count("data-rating=") == 1

    dashboard = agent.get("/agent/dashboard").text
    assert 'id="csat-total" data-rated="3" data-helpful="2"' in dashboard
    assert "Inquiries rated helpful by the buyer: 2 of 3 (66.7%)" in dashboard
    assert 'data-route="bot" data-rated="3" data-helpful="2"' in dashboard
    assert 'data-reason="in_transit" data-rated="2" data-helpful="1"' in dashboard
    assert "CSAT per reason code" in dashboard


def test_the_history_shows_the_question_again_after_its_turn(client, web_settings):
    from tests.web.test_buyer import _tracker_rows

    token = chat_token(client)
    mine = resolve_chat_token(token).sender_id
    ask = {"custom": {"ask": "helpful", "inquiry": 7}}
    _tracker_rows(
        web_settings.tracker_store_url,
        [
            (mine, {"event": "user", "text": "where is my order?", "timestamp": 1.0}),
            # sent before the answer
            (mine, {"event": "bot", "text": None, "data": ask, "timestamp": 2.0}),
            (mine, {"event": "bot", "text": "It is on its way.", "data": {},
                    "timestamp": 3.0}),
            (mine, {"event": "user", "text": "thanks", "timestamp": 4.0}),
            (mine, {"event": "bot", "text": "You're welcome.", "data": {},
                    "timestamp": 5.0}),
            (mine, {"event": "bot", "text": None, "timestamp": 6.0,
                    "data": {"custom": {"ask": "helpful", "inquiry": "8"}}}),
        ],
    )  # fmt: skip
    messages = client.get("/chat/history", headers=bearer(token)).json()["messages"]
    assert [(m["sender"], m.get("inquiry"), m["text"]) for m in messages[1:]] == [
        ("user", None, "where is my order?"),
        ("bot", None, "It is on its way."),
        ("ask", 7, ""),  # after the turn's answer, as the widget showed it
        ("user", None, "thanks"),
        ("bot", None, "You're welcome."),
    ]  # a malformed cue is dropped
