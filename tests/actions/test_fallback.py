"""Low confidence: rephrase first, then offer a person; a confident turn resets."""

from __future__ import annotations


def test_one_then_two_low_confidence_messages(chat_factory):
    chat = chat_factory()
    chat.say("blorp", "nlu_fallback")
    assert chat.responses() == ["utter_rephrase"]
    topics = [b["payload"] for b in chat.last[0].buttons]
    assert topics == [
        "/delivery_status", "/return_refund", "/damaged_item", "/cancel_order",
        "/change_address", "/product_question", "/invoice", "/human_agent",
    ]  # fmt: skip
    chat.say("zzzz", "nlu_fallback")
    assert chat.responses() == ["utter_offer_human"]
    assert chat.last[0].buttons[0]["payload"] == "/human_agent"
    chat.say("qqq", "nlu_fallback")
    assert chat.responses() == ["utter_offer_human"]


def test_a_successful_turn_resets_the_count(chat_factory):
    chat = chat_factory()
    chat.say("blorp", "nlu_fallback")
    chat.say("hi", "greet")
    assert chat.slots["fallback_count"] == 0
    chat.say("blorp", "nlu_fallback")
    assert chat.responses() == ["utter_rephrase"]


def test_the_topic_buttons_lead_to_an_inquiry(chat_factory):
    chat = chat_factory()
    chat.say("blorp", "nlu_fallback")
    chat.say("/human_agent", "human_agent")
    assert chat.slots["route"] == "agent"
    assert chat.slots["fallback_count"] == 0
