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


def test_a_product_question_before_or_after_buying_is_served(chat_factory, token_chat):
    # found by a buyer trial: "does the brooklyn usb c hub work with a steam
    # deck? thinking of buying" (pre_order 0.50, product_question 0.48) got
    # "Sorry, I didn't quite get that"
    chat = chat_factory()
    chat.say(
        "does the brooklyn usb c hub work with a steam deck? thinking of buying",
        "nlu_fallback",
        ranking=[("pre_order", 0.50), ("product_question", 0.48)],
    )
    assert chat.slots["reason_code"] == "pre_order"
    assert "utter_rephrase" not in chat.responses()
    assert chat.slots["fallback_count"] in (None, 0)
    # ranked the other way round: the question whether it was ordered
    other = token_chat("B-1")
    other.say(
        "does the tumbler fit a cup holder",
        "nlu_fallback",
        ranking=[("product_question", 0.49), ("pre_order", 0.47)],
    )
    assert other.slots["requested_slot"] in ("has_ordered", "order_id")
    # torn between other readings, or not sure enough: not understood
    unsure = chat_factory()
    unsure.say(
        "blorp the hub",
        "nlu_fallback",
        ranking=[("pre_order", 0.40), ("product_question", 0.30)],
    )
    assert unsure.responses() == ["utter_rephrase"]
    torn = chat_factory()
    torn.say(
        "my hub",
        "nlu_fallback",
        ranking=[("pre_order", 0.50), ("damaged_item", 0.48)],
    )
    assert torn.responses() == ["utter_rephrase"]
