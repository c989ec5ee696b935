"""Another product question while the bot asks which item of an order it is
about: the buyer's latest question is the one served. It names an item of the
order: that item, answered; it names none: the item question again, without
"Sorry, I couldn't match that"; it names an item the order does not hold: "have
you ordered it?" again, offered the buyer's order holding it, if one does.

Before, every such question got "Sorry, I couldn't match that to an item of
order ..." and the item buttons again, and a question naming the other item
was answered as the first question, about that item. The same at the ZIP
code question: the ZIP is asked for again, and the latest question answered."""

from __future__ import annotations

from tests.actions.test_product import (
    MULTI,
    SINGLE,
    TENT_QUESTION,
    TENT_TITLE,
    _asked_plainly,
    _offered_order,
)


def _asked_which_item(chat):
    chat.say("is it dishwasher safe?", "product_question", order_id=MULTI)
    assert chat.responses() == ["utter_ask_product_asin"]


def _asked_which_item_anonymously(chat):
    chat.say("is it dishwasher safe?", "product_question", order_id=MULTI)
    chat.say("98101", "nlu_fallback")
    assert chat.responses() == ["utter_ask_product_asin"]


def test_a_question_naming_an_item_of_the_order_is_answered_about_it(token_chat):
    chat = token_chat("B-1")
    _asked_which_item(chat)
    chat.say("whats the wattage of the kettle", "product_question")
    assert chat.slots["product_title"].startswith("Hearth 1.7 L Electric Kettle")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    (reply,) = chat.texts(-1)
    assert "1500 W" in reply and "dishwasher" not in reply


def test_a_question_naming_no_item_asks_which_item_again_plainly(token_chat):
    chat = token_chat("B-1")
    _asked_which_item(chat)
    chat.say("what's the warranty on it?", "product_question")
    assert chat.responses() == ["utter_ask_product_asin"]
    assert chat.slots["form_notice"] is None
    assert "Sorry" not in chat.texts(-1)[0]
    assert chat.slots["inquiry_text"] == "what's the warranty on it?"
    assert chat.slots["order_id"] == MULTI
    chat.say("B0HRTH0002", "nlu_fallback")
    assert chat.slots["product_title"].startswith("Hearth 1.7 L Electric Kettle")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert "1 year limited warranty" in chat.texts(-1)[0]


def test_a_question_naming_an_item_no_order_holds_asks_plainly(token_chat):
    """B-1 has no tent: the plain "have you ordered it?", not this order."""
    chat = token_chat("B-1")
    _asked_which_item(chat)
    chat.say(TENT_QUESTION, "product_question")
    _asked_plainly(chat)
    assert chat.slots["order_id"] is None
    assert chat.slots["product_asin"] is None
    assert chat.slots["inquiry_text"] == TENT_QUESTION
    assert MULTI not in chat.texts(-1)[0]
    chat.say("no", "deny")
    assert chat.slots["reason_code"] == "pre_order"


def test_a_question_naming_an_item_of_another_order_is_offered_it(token_chat, b1_tent):
    chat = token_chat("B-1")
    _asked_which_item(chat)
    chat.say(TENT_QUESTION, "product_question")
    assert _offered_order(chat) == b1_tent
    assert TENT_TITLE in chat.texts(-1)[0]
    chat.say(chat.last[0].buttons[0]["payload"], "give_order_id", order_id=b1_tent)
    assert chat.slots["order_id"] == b1_tent
    assert chat.slots["product_title"] == TENT_TITLE


def test_an_unknown_item_name_is_still_not_matched(token_chat):
    """An answer that asks nothing keeps today's re-ask with its notice."""
    chat = token_chat("B-1")
    _asked_which_item(chat)
    chat.say("the blue one", "product_question")
    assert chat.responses() == ["utter_ask_product_asin"]
    assert chat.slots["form_notice"] == "unknown_item"
    assert chat.slots["inquiry_text"] == "is it dishwasher safe?"


def test_an_anonymous_buyer_asking_about_another_item_is_never_shown_it(
    chat_factory, b1_tent
):
    """Anonymous, MULTI's ZIP proved: the tent's order was not, so it is not
    offered; the plain question."""
    chat = chat_factory()
    _asked_which_item_anonymously(chat)
    chat.say(TENT_QUESTION, "product_question")
    _asked_plainly(chat)
    assert b1_tent not in " ".join(chat.texts(-1))


def test_another_question_at_the_zip_question_is_the_one_answered(chat_factory):
    """The ZIP code is still needed (and said so); the question answered once
    it is given is the buyer's latest."""
    chat = chat_factory()
    chat.say(
        "is it dishwasher safe? order " + SINGLE, "product_question", order_id=SINGLE
    )
    assert chat.responses() == ["utter_ask_zip_code"]
    chat.say("does it fit in my car cup holder", "product_question")
    assert chat.responses() == ["utter_ask_zip_code"]
    assert chat.slots["form_notice"] == "zip_needed"
    assert chat.slots["inquiry_text"] == "does it fit in my car cup holder"
    chat.say("98101", "nlu_fallback")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert "cup holders" in chat.texts(-1)[0]


# --- numbers in a question, and a question that refers back to the item ------------


def test_a_question_with_a_number_is_still_a_question(token_chat):
    """"the 20 oz one" has digits, as item titles do: still a new question, not
    an item picked by its title words for the old question."""
    chat = token_chat("B-1")
    _asked_which_item(chat)
    chat.say("does the 20 oz one keep drinks cold?", "product_question")
    assert chat.responses() == ["utter_ask_product_asin"]
    assert chat.slots["form_notice"] is None
    assert chat.slots["inquiry_text"] == "does the 20 oz one keep drinks cold?"
    chat.say("B0HRTH0001", "nlu_fallback")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert "cold for 24 hours" in chat.texts(-1)[0]


def test_a_question_with_a_number_at_the_zip_question_uses_no_attempt(chat_factory):
    chat = chat_factory()
    chat.say(
        "is it dishwasher safe? order " + SINGLE, "product_question", order_id=SINGLE
    )
    chat.say("does the 20 oz one keep drinks cold?", "product_question")
    assert chat.responses() == ["utter_ask_zip_code"]
    assert chat.slots["form_notice"] == "zip_needed"
    assert not chat.slots["zip_attempts"]
    assert chat.slots["inquiry_text"] == "does the 20 oz one keep drinks cold?"
    chat.say("my zip is 98101", "nlu_fallback")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert "cold for 24 hours" in chat.texts(-1)[0]


def test_a_question_about_it_with_another_thing_keeps_the_order(token_chat):
    """ "it" is the item of this order; the USB hub (B-1 bought one) is only
    what it goes with: the item is asked again, the order kept."""
    chat = token_chat("B-1")
    _asked_which_item(chat)
    chat.say("can i use it with my usb hub?", "product_question")
    assert chat.responses() == ["utter_ask_product_asin"]
    assert chat.slots["order_id"] == MULTI
    assert chat.slots["form_notice"] is None


def test_a_follow_up_about_it_with_another_thing_is_offered_the_chats_order(
    token_chat,
):
    chat = token_chat("B-1")
    chat.say(
        f"is the tumbler in order {MULTI} dishwasher safe?",
        "product_question",
        order_id=MULTI,
    )
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    chat.say("will it fit in my usb hub bag?", "product_question")
    assert _offered_order(chat) == MULTI
