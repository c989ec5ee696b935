"""bot.services.review.commands: the agents' actions."""

from __future__ import annotations

import pytest

from bot.adapters.db import session_scope
from bot.services import review
from tests.integration.review.common import NOW, listing, sync, utc
from tests.trackers import conversation


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
