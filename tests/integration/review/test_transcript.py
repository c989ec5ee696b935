"""bot.services.review.transcript: a conversation as the agent reads it."""

from __future__ import annotations

import pytest

from bot.adapters.catalogue import t
from bot.adapters.db import session_scope
from bot.services import review
from bot.services.importer import load_document
from tests import factories
from tests.factories import valid_document
from tests.integration.review.common import NOW, ORDER, sync, utc
from tests.trackers import conversation


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
    values = decision_slots(result, None, now=NOW)
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
