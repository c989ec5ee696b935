"""bot.services.ratings and rating_links on a real database (SQLite, then
PostgreSQL when set): "Was this helpful?" at the end of a resolved inquiry
(issue 17, item 5), from the chat and from the answer email's signed links."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from sqlalchemy import func, select

from bot.adapters import tokens
from bot.adapters.db import session_scope
from bot.adapters.orm import RatingRow
from bot.adapters.review_store import add_summary
from bot.services import cases, rating_links, ratings, review_dashboard, review_export
from bot.services.identity import issue_buyer_token
from bot.services.importer import load_document
from bot.services.review import (
    ConversationFilters,
    iter_conversations,
    list_conversations,
)
from tests.factories import ORDER_SHIPPED, valid_document
from tests.integration.test_handoff import NOW

SECRET = "rating-test-secret-" + "x" * 32


@pytest.fixture
def shop(engine):
    with session_scope(engine) as session:
        load_document(session, valid_document())
    return engine


def _inquiry(engine, conversation_id="c-1", *, route="bot", reason="in_transit",
             case_id=None, now=NOW) -> ratings.InquiryView:  # fmt: skip
    with session_scope(engine) as session:
        return ratings.record_inquiry(
            session,
            conversation_id=conversation_id,
            route=route,
            reason_code=reason,
            order_id=ORDER_SHIPPED,
            case_id=case_id,
            now=now,
        )


def _rate(engine, inquiry_id, conversation_id, helpful, now=NOW):
    with session_scope(engine) as session:
        return ratings.rate_inquiry(
            session,
            inquiry_id=inquiry_id,
            conversation_id=conversation_id,
            helpful=helpful,
            now=now,
        )


def _ratings(engine) -> list[tuple[str, int, str, int]]:
    with session_scope(engine) as session:
        rows = session.execute(select(RatingRow).order_by(RatingRow.id)).scalars()
        return [(r.subject, r.subject_id, r.conversation_id, r.value) for r in rows]


def _case(engine, conversation_id="c-2"):
    with session_scope(engine) as session:
        return cases.open_case(
            session,
            conversation_id=conversation_id,
            category="delivery_status",
            reason_code="late_delivery",
            question="Where is my order?",
            order_id=ORDER_SHIPPED,
            seller_id="S-1",
            buyer_id="B-1",
            now=NOW,
        ).case


def test_an_answered_inquiry_is_rated_once_and_the_answer_can_change(engine):
    inquiry = _inquiry(engine)
    assert inquiry.answered_at_once and inquiry.route == "bot"
    first = _rate(engine, inquiry.id, "c-1", True, NOW + timedelta(minutes=1))
    assert (first.subject, first.subject_id, first.value) == ("inquiry", inquiry.id, 1)
    later = NOW + timedelta(hours=3)
    second = _rate(engine, inquiry.id, "c-1", False, later)
    assert second.id == first.id and second.helpful is False
    assert second.created_at == first.created_at and second.updated_at == later
    assert _ratings(engine) == [("inquiry", inquiry.id, "c-1", 0)]
    # a second inquiry of the same chat is rated on its own
    other = _inquiry(engine, reason="delivered")
    _rate(engine, other.id, "c-1", True)
    assert len(_ratings(engine)) == 2


def test_another_conversation_cannot_rate_the_inquiry(engine):
    inquiry = _inquiry(engine, "c-owner")
    with pytest.raises(ratings.InquiryNotRateable) as refused:
        _rate(engine, inquiry.id, "c-intruder", False)
    assert refused.value.key == "rating.error.inquiry_not_rateable"
    with pytest.raises(ratings.InquiryNotRateable):
        _rate(engine, inquiry.id + 999, "c-owner", False)  # no such inquiry
    assert _ratings(engine) == []


def test_an_inquiry_waiting_for_a_person_or_a_question_is_not_rated_yet(engine):
    for route, reason in (("agent", "buyer_asked_for_agent"), ("bot", "damaged_return")):
        waiting = _inquiry(engine, route=route, reason=reason)
        assert not waiting.answered_at_once
        with pytest.raises(ratings.InquiryNotRateable):
            _rate(engine, waiting.id, "c-1", True)
    assert _ratings(engine) == []


def test_a_case_inquiry_is_rated_once_the_seller_answered(shop):
    case = _case(shop)
    inquiry = _inquiry(shop, "c-2", route="seller_case", reason="late_delivery",
                       case_id=case.id)  # fmt: skip
    assert not inquiry.answered_at_once
    with pytest.raises(ratings.InquiryNotRateable):
        _rate(shop, inquiry.id, "c-2", True)
    answered = NOW + timedelta(hours=5)
    with session_scope(shop) as session:
        cases.reply(session, case_id=case.id, seller_id="S-1", text="Shipped",
                    now=answered)  # fmt: skip
        found = ratings.inquiry_of_case(session, case_id=case.id, conversation_id="c-2")
        assert found.id == inquiry.id
        assert ratings.inquiry_of_case(
            session, case_id=case.id, conversation_id="c-other"
        ) is None
    _rate(shop, inquiry.id, "c-2", True, answered + timedelta(days=1))
    assert _ratings(shop) == [("inquiry", inquiry.id, "c-2", 1)]
    # the window runs from the answer
    too_late = answered + ratings.INQUIRY_RATING_WINDOW + timedelta(seconds=1)
    with pytest.raises(ratings.InquiryNotRateable):
        _rate(shop, inquiry.id, "c-2", False, too_late)


def _link_token(url: str) -> str:
    return url.split("/rate/", 1)[1].split("?", 1)[0]


def test_the_email_link_rates_its_own_inquiry_only(engine, monkeypatch):
    monkeypatch.setenv("CSBA_RATING_URL", "https://shop.example/rate")
    mine = _inquiry(engine, "c-mine")
    theirs = _inquiry(engine, "c-theirs")
    urls = rating_links.rating_urls(mine, language="zh", now=NOW, secret=SECRET)
    assert urls["yes"].startswith("https://shop.example/rate/")
    assert urls["yes"].endswith("?helpful=yes&lang=zh")
    token = _link_token(urls["no"])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["sub"], claims["cid"], claims["aud"]) == (
        str(mine.id), "c-mine", "csba-rating")  # fmt: skip

    def by_link(link_token, helpful=True, now=NOW + timedelta(minutes=5)):
        with session_scope(engine) as session:
            return rating_links.rate_by_link(
                session, link_token, helpful=helpful, now=now, secret=SECRET
            )

    assert by_link(token, helpful=False).subject_id == mine.id
    assert by_link(token, helpful=True).value == 1  # one click again: changed
    assert _ratings(engine) == [("inquiry", mine.id, "c-mine", 1)]

    forged_claims = dict(claims, sub=str(theirs.id))
    for forged in (
        # the same claims for another inquiry, signed with another key
        jwt.encode(forged_claims, "another-secret-" + "y" * 32, algorithm="HS256"),
        # the signature of my link on claims edited for their inquiry
        ".".join(
            [token.split(".")[0],
             jwt.encode(forged_claims, SECRET, algorithm="HS256").split(".")[1],
             token.split(".")[2]]
        ),
        # unsigned
        jwt.encode(forged_claims, None, algorithm="none"),
        # a chat token is no rating token
        issue_buyer_token("B-1", secret=SECRET, now=NOW),
        "not-a-token",
    ):  # fmt: skip
        with pytest.raises(rating_links.RatingLinkInvalid):
            by_link(forged)
    # a genuine rating token whose conversation is not the inquiry's
    crossed = tokens.sign(subject=str(theirs.id), cid="c-mine",
                          audience="csba-rating", ttl=timedelta(days=1), now=NOW,
                          secret=SECRET)  # fmt: skip
    with pytest.raises(ratings.InquiryNotRateable):
        by_link(crossed)
    # and an expired link
    with pytest.raises(rating_links.RatingLinkInvalid):
        by_link(token, now=NOW + ratings.INQUIRY_RATING_WINDOW + timedelta(hours=1))
    assert _ratings(engine) == [("inquiry", mine.id, "c-mine", 1)]


def test_csat_per_route_and_reason_code_on_the_dashboard(engine):
    answers = [
        ("c-a", "bot", "in_transit", True),
        ("c-b", "bot", "in_transit", False),
        ("c-c", "bot", "delivered", True),
        ("c-d", "buyer_seller_messaging", "pre_order", False),
    ]
    for conversation, route, reason, helpful in answers:
        inquiry = _inquiry(engine, conversation, route=route, reason=reason)
        _rate(engine, inquiry.id, conversation, helpful, NOW + timedelta(minutes=1))
    _inquiry(engine, "c-e")  # never rated: not counted
    with session_scope(engine) as session:
        by_route = ratings.csat_by(session, "route", NOW - timedelta(days=1))
        by_reason = ratings.csat_by(session, "reason_code", NOW - timedelta(days=1))
        dash = review_dashboard.dashboard(
            session,
            start=(NOW - timedelta(days=2)).date(),
            end=(NOW + timedelta(days=1)).date(),
            now=NOW,
        )
        none = ratings.csat_by(session, "route", NOW + timedelta(days=1))
    assert [(line.key, line.figures.rated, line.figures.helpful) for line in by_route] == [
        ("bot", 3, 2), ("buyer_seller_messaging", 1, 0)]  # fmt: skip
    assert [(line.key, line.figures.rated, line.figures.helpful) for line in by_reason] == [
        ("delivered", 1, 1), ("in_transit", 2, 1), ("pre_order", 1, 0)]  # fmt: skip
    assert by_route[0].figures.share == pytest.approx(2 / 3)
    assert (dash.csat.rated, dash.csat.helpful) == (4, 2)
    assert dash.csat_reason == by_reason
    assert none == ()


def test_the_console_lists_and_filters_conversations_by_rating(engine):
    with session_scope(engine) as session:
        for conversation in ("c-yes", "c-no", "c-mixed", "c-none"):
            add_summary(session, conversation, first=NOW).route = "bot"
    for conversation, answers in (
        ("c-yes", [True]), ("c-no", [False]), ("c-mixed", [True, False])
    ):  # fmt: skip
        for helpful in answers:
            inquiry = _inquiry(engine, conversation)
            _rate(engine, inquiry.id, conversation, helpful)

    def listed(**params) -> dict[str, str | None]:
        with session_scope(engine) as session:
            page = list_conversations(
                session, ConversationFilters.from_params(params), now=NOW
            )
        return {line.conversation_id: line.rating for line in page.lines}

    assert listed() == {
        "c-yes": "helpful", "c-no": "not_helpful", "c-mixed": "not_helpful",
        "c-none": None,
    }  # fmt: skip
    assert set(listed(rating="helpful")) == {"c-yes"}
    assert set(listed(rating="not_helpful")) == {"c-no", "c-mixed"}
    assert set(listed(rating="unrated")) == {"c-none"}
    assert ConversationFilters.from_params({"rating": "5 stars"}).invalid == ("rating",)
    with session_scope(engine) as session:
        exported = "".join(
            review_export.csv_lines(
                iter_conversations(
                    session, ConversationFilters(rating="not_helpful"), now=NOW
                )
            )
        )
    header, *rows = exported.strip().split("\r\n")
    assert ",reviewed,rating,tags," in header
    assert sorted(row.split(",")[0] for row in rows) == ["c-mixed", "c-no"]
    assert all(",not_helpful," in row for row in rows)
    with session_scope(engine) as session:
        assert session.execute(select(func.count(RatingRow.id))).scalar_one() == 4
