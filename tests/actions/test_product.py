"""Product questions: "have you ordered it?", which item, the product-page answer."""

from __future__ import annotations

import json

import pytest

MULTI = "112-0000001-0000001"  # B-1: tumbler B0HRTH0001 and kettle B0HRTH0002
SINGLE = "112-0000003-0000003"  # B-1: tumbler only


def test_a_bare_product_question_asks_whether_it_was_ordered(chat_factory):
    chat = chat_factory()
    chat.say("is it dishwasher safe?", "product_question")
    assert chat.responses() == ["utter_ask_has_ordered"]
    assert [b["payload"] for b in chat.last[0].buttons] == ["/affirm", "/deny"]


def test_not_ordered_becomes_a_pre_order_referral(chat_factory):
    chat = chat_factory()
    chat.say("is it dishwasher safe?", "product_question")
    chat.say("/deny", "deny")
    assert chat.slots["reason_code"] == "pre_order"
    assert chat.slots["route"] == "buyer_seller_messaging"
    assert chat.responses() == [
        "utter_reason_pre_order",
        "utter_contact_seller_pre_order",
    ]


def test_an_unclear_answer_is_asked_again(chat_factory):
    chat = chat_factory()
    chat.say("is it dishwasher safe?", "product_question")
    chat.say("hmm maybe", "out_of_scope")
    assert chat.responses() == ["utter_ask_has_ordered"]
    assert "yes or a no" in chat.texts(-1)[0]


def test_ordered_several_items_asks_which_item_then_answers(token_chat):
    chat = token_chat("B-1")
    chat.say("is it dishwasher safe?", "product_question")
    chat.say("/affirm", "affirm")
    assert chat.responses() == ["utter_ask_order_id_recent"]
    chat.say("/give_order_id", "give_order_id", order_id=MULTI)
    assert chat.responses() == ["utter_ask_product_asin"]
    assert chat.last[0].buttons == [
        {
            "title": "Hearth 20 oz Insulated Stainless Steel Tumbler with Lid",
            "payload": "B0HRTH0001",
        },
        {
            "title": "Hearth 1.7 L Electric Kettle, Stainless Steel",
            "payload": "B0HRTH0002",
        },
    ]
    chat.say("B0HRTH0001", "nlu_fallback")
    assert chat.slots["product_title"].startswith("Hearth 20 oz")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    (reply,) = chat.texts(-1)
    assert "Tumbler" in reply and "top rack" in reply and "dishwasher safe" in reply
    assert chat.slots["answer_source"] == "attributes"


def test_the_item_choice_limits_the_answer_to_that_item(token_chat):
    chat = token_chat("B-1")
    chat.say("is it dishwasher safe?", "product_question", order_id=MULTI)
    assert chat.responses() == [
        "utter_ask_product_asin"
    ]  # the order was in the question
    chat.say("the kettle", "product_question")
    assert chat.slots["product_title"].startswith("Hearth 1.7 L Electric Kettle")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert "not dishwasher safe" in chat.texts(-1)[0]


def test_an_unknown_item_is_asked_again(token_chat):
    chat = token_chat("B-1")
    chat.say("is it dishwasher safe?", "product_question", order_id=MULTI)
    chat.say("the blender", "product_question")
    assert chat.responses() == ["utter_ask_product_asin"]
    assert chat.slots["form_notice"] == "unknown_item"
    assert len(chat.last[0].buttons) == 2


def test_a_single_item_order_needs_no_item_question(token_chat):
    chat = token_chat("B-1")
    chat.say("does it come with a straw?", "product_question", order_id=SINGLE)
    assert chat.slots["reason_code"] == "detail_page_silent"
    assert chat.responses() == ["utter_reason_detail_page_silent", "utter_case_opened"]


def test_anonymous_buyer_sees_items_only_after_the_zip(chat_factory):
    chat = chat_factory()
    chat.say("is it dishwasher safe?", "product_question")
    chat.say("yes", "affirm")
    chat.say(MULTI, "give_order_id", order_id=MULTI)
    assert chat.responses() == ["utter_ask_zip_code"]
    assert "Tumbler" not in " ".join(chat.texts())
    chat.say("98101", "nlu_fallback")
    assert chat.responses() == ["utter_ask_product_asin"]


def test_someone_elses_order_never_shows_its_items(token_chat):
    chat = token_chat("B-2")
    chat.say("is it dishwasher safe?", "product_question", order_id=MULTI)
    assert chat.slots["reason_code"] == "not_your_order"
    assert "utter_ask_product_asin" not in chat.responses()
    assert "Hearth" not in " ".join(chat.texts())


def test_another_product_question_at_the_order_question_is_kept(token_chat):
    """Asked which order, the buyer asks something else about the item: that
    question is the one answered, and the order is asked for again without
    "that doesn't look like an order number"."""
    chat = token_chat("B-1")
    chat.say("is it dishwasher safe?", "product_question")
    chat.say("/affirm", "affirm")
    assert chat.responses() == ["utter_ask_order_id_recent"]
    chat.say("does it fit in my car cup holder", "product_question")
    assert chat.responses() == ["utter_ask_order_id_recent"]
    assert chat.slots["form_notice"] is None
    assert "doesn't look like" not in chat.texts(-1)[0]
    assert chat.slots["inquiry_text"] == "does it fit in my car cup holder"
    chat.say("/give_order_id", "give_order_id", order_id=SINGLE)
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert "cup holders" in chat.texts(-1)[0]


@pytest.mark.parametrize(
    "question", ["can i put it in the microwave?", "oh and what’s the warranty"]
)
def test_another_product_question_at_the_yes_no_question_is_kept(
    chat_factory, question
):
    chat = chat_factory()
    chat.say("is it dishwasher safe?", "product_question")
    chat.say(question, "product_question")
    assert chat.responses() == ["utter_ask_has_ordered"]
    assert chat.slots["form_notice"] is None
    assert chat.slots["inquiry_text"] == question


@pytest.mark.parametrize(
    ("words", "notice"),
    [
        ("the one from last week", "invalid_order_id"),
        ("the one from last week?", "invalid_order_id"),
        # where to find the number (bot.nlp.order_number_help)
        ("i dont know", "order_number_help"),
    ],
)
def test_words_about_the_order_are_not_a_new_question(chat_factory, words, notice):
    chat = chat_factory()
    chat.say("is it dishwasher safe?", "product_question")
    chat.say("yes", "affirm")
    chat.say(words, "product_question")
    assert chat.responses() == ["utter_ask_order_id"]
    assert chat.slots["form_notice"] == notice
    assert chat.slots["inquiry_text"] == "is it dishwasher safe?"


# --- a follow-up question without an order number ----------------------------------

TUMBLER_QUESTION = f"is the tumbler in order {MULTI} dishwasher safe?"


def _answered_about_the_tumbler(chat):
    chat.say(TUMBLER_QUESTION, "product_question", order_id=MULTI)
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert chat.slots["order_id"] == MULTI


def test_a_follow_up_question_is_offered_the_order_of_the_chat(token_chat):
    """The order the chat was just about is offered as a button, beside another
    order and not ordered yet; it is not taken without the buyer's say."""
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("is the lid dishwasher safe too?", "product_question")
    assert chat.responses() == ["utter_ask_order_in_chat"]
    (question,) = chat.texts(-1)
    assert question.startswith(
        f"Have you ordered this item? If it's order {MULTI} "
        "(Hearth 20 oz Insulated Stainless Steel Tumbler with Lid), tap it below"
    )
    assert chat.last[0].buttons == [
        {
            "title": "Hearth 20 oz Insulated Sta… · Nov 10 · $24.99 · " + MULTI,
            "payload": '/give_order_id{"order_id": "' + MULTI + '"}',
        },
        {"title": "Yes, another order", "payload": "/affirm"},
        {"title": "No, not ordered yet", "payload": "/deny"},
    ]
    assert chat.slots["requested_slot"] == "has_ordered"
    assert chat.slots["order_id"] is None  # offered, not reused
    assert chat.slots["inquiry_text"] == "is the lid dishwasher safe too?"


def test_clicking_the_offered_order_goes_on_as_if_it_were_typed(token_chat):
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("is the lid dishwasher safe too?", "product_question")
    assert chat.responses() == ["utter_ask_order_in_chat"]
    payload = chat.last[0].buttons[0]["payload"]
    chat.say(payload, "give_order_id", order_id=MULTI)
    # "the lid" names the tumbler with lid: no "which item?" question
    assert chat.slots["order_id"] == MULTI
    assert chat.slots["product_asin"] is None  # the inquiry is over
    assert chat.slots["product_title"].startswith("Hearth 20 oz")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert "hand wash the lid" in chat.texts(-1)[0]


def test_a_follow_up_on_an_order_of_several_items_asks_which_item(token_chat):
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("and how big is it", "product_question")
    assert chat.responses() == ["utter_ask_order_in_chat"]
    chat.say(chat.last[0].buttons[0]["payload"], "give_order_id", order_id=MULTI)
    assert chat.responses() == ["utter_ask_product_asin"]
    chat.say("B0HRTH0001", "nlu_fallback")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert chat.slots["order_id"] == MULTI


def test_another_order_at_the_offer_asks_which_order(token_chat):
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("is the lid dishwasher safe too?", "product_question")
    assert chat.last[0].buttons[1] == {
        "title": "Yes, another order",
        "payload": "/affirm",
    }
    chat.say("/affirm", "affirm")
    assert chat.responses() == ["utter_ask_order_id_recent"]  # not "which order?"
    assert chat.slots["order_choices"] is None
    assert chat.slots["named_item"] is None  # nor the item of the offer
    chat.say("/give_order_id", "give_order_id", order_id=SINGLE)
    assert chat.slots["order_id"] == SINGLE
    assert chat.slots["reason_code"] == "answered_from_detail_page"


def test_another_kind_of_question_at_the_offer_drops_the_offer(token_chat):
    """Asked "where is my package" instead: a new inquiry, and the offered order
    is no choice of it (not "which order?" with the one offered)."""
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("is the lid dishwasher safe too?", "product_question")
    chat.say("where is my package", "delivery_status")
    assert chat.slots["order_choices"] is None
    assert chat.slots["named_item"] is None
    assert "utter_ask_which_order" not in chat.responses()
    assert chat.slots["pending_intent"] == "delivery_status"


def test_a_typed_order_number_at_the_offer_is_the_order(token_chat):
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("is the lid dishwasher safe too?", "product_question")
    chat.say(f"no, it's {SINGLE}", "give_order_id", order_id=SINGLE)
    assert chat.slots["order_id"] == SINGLE
    assert chat.slots["reason_code"] == "answered_from_detail_page"


def test_not_ordered_yet_at_the_offer_is_a_pre_order_question(token_chat):
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("does it come in white?", "product_question")
    chat.say("no I haven't ordered it", "deny")
    assert chat.slots["reason_code"] == "pre_order"
    assert chat.slots["order_id"] is None


def test_an_unclear_answer_to_the_offer_is_asked_again_with_the_offer(token_chat):
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("is the lid dishwasher safe too?", "product_question")
    chat.say("hmm maybe", "out_of_scope")
    assert chat.responses() == ["utter_ask_order_in_chat"]
    assert chat.texts(-1)[0].startswith("Sorry, I didn't catch that.")
    assert [b["payload"] for b in chat.last[0].buttons][1:] == ["/affirm", "/deny"]


def test_the_offer_speaks_spanish(token_chat):
    chat = token_chat("B-1")
    chat.slots["language"] = "es"
    _answered_about_the_tumbler(chat)
    chat.say("¿la tapa también va al lavavajillas?", "product_question")
    assert chat.texts(-1)[0].startswith(
        f"¿Ya pediste este artículo? Si es el pedido {MULTI}"
    )
    titles = [b["title"] for b in chat.last[0].buttons]
    assert titles[1:] == ["Sí, otro pedido", "No, todavía no lo pedí"]
    assert "US$24.99" in titles[0] or "24,99" in titles[0] or "24.99" in titles[0]


def test_an_anonymous_buyer_is_offered_the_order_verified_in_the_chat(chat_factory):
    chat = chat_factory()
    chat.say(TUMBLER_QUESTION, "product_question", order_id=MULTI)
    assert chat.responses() == ["utter_ask_zip_code"]
    chat.say("98101", "nlu_fallback")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    chat.say("is the lid dishwasher safe too?", "product_question")
    assert chat.responses() == ["utter_ask_order_in_chat"]
    chat.say(chat.last[0].buttons[0]["payload"], "give_order_id", order_id=MULTI)
    # verified already: no second ZIP question
    assert "utter_ask_zip_code" not in chat.responses()
    assert chat.slots["reason_code"] == "answered_from_detail_page"


def test_someone_elses_order_is_never_offered(token_chat):
    chat = token_chat("B-2")
    chat.say(TUMBLER_QUESTION, "product_question", order_id=MULTI)
    assert chat.slots["reason_code"] == "not_your_order"
    chat.say("is the lid dishwasher safe too?", "product_question")
    assert chat.responses() == ["utter_ask_has_ordered"]
    assert MULTI not in " ".join(chat.texts(-1))
    assert chat.slots["order_choices"] is None


def test_an_order_clicked_in_the_form_is_offered_not_reused_by_the_next_question(
    token_chat,
):
    """The order button that answered the form is a bare order number message
    (give_order_id); the next question is still offered it, not given it."""
    chat = token_chat("B-1")
    chat.say("does it come with a straw?", "product_question")
    chat.say("/affirm", "affirm")
    chat.say("/give_order_id", "give_order_id", order_id=SINGLE)
    assert chat.slots["reason_code"] == "detail_page_silent"
    chat.say("is it dishwasher safe?", "product_question")
    assert chat.responses() == ["utter_ask_order_in_chat"]
    assert chat.slots["order_id"] is None
    assert SINGLE in chat.texts(-1)[0]


def test_a_zip_code_read_as_an_order_number_does_not_carry_the_order(chat_factory):
    """The NLU may read a bare ZIP code as give_order_id: the next product
    question is offered the verified order, not given it."""
    chat = chat_factory()
    chat.say(
        f"is the tumbler in order {SINGLE} dishwasher safe?",
        "product_question",
        order_id=SINGLE,
    )
    chat.say("98101", "give_order_id")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    chat.say("is the lid dishwasher safe too?", "product_question")
    assert chat.responses() == ["utter_ask_order_in_chat"]
    assert chat.slots["order_id"] is None


# --- the follow-up names an item: the order that holds it, or none -------------------

TENT_QUESTION = "does the tent have a rain fly?"
TENT_TITLE = "Pacific Ultralight 2-Person Backpacking Tent"
B3_TENT = "114-0000011-0000011"  # B-3's tent, ships to 94103
B3_TENT_AGAIN = "114-0000013-0000013"  # B-3 bought the tent twice
B3_BOARD = "114-0000008-0000008"  # B-3's cutting board


def _offered_order(chat) -> str | None:
    """The order the offer's first button sends, None for the plain question."""
    if chat.responses() != ["utter_ask_order_in_chat"]:
        return None
    payload = chat.last[0].buttons[0]["payload"]
    return json.loads(payload[len("/give_order_id") :])["order_id"]


def _asked_plainly(chat) -> None:
    """The plain "have you ordered it?": yes/no, no order, no item."""
    assert chat.responses() == ["utter_ask_has_ordered"]
    assert [b["payload"] for b in chat.last[0].buttons] == ["/affirm", "/deny"]
    assert chat.slots["order_choices"] is None
    assert chat.slots["named_item"] is None


def _anonymous_about_the_tumbler(chat_factory):
    """An anonymous chat that proved the ZIP code of B-1's MULTI and was
    answered about its tumbler."""
    chat = chat_factory()
    chat.say(TUMBLER_QUESTION, "product_question", order_id=MULTI)
    chat.say("98101", "nlu_fallback")
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    return chat


def test_a_follow_up_naming_another_product_is_not_offered_the_chats_order(
    token_chat,
):
    """The chat was about the tumbler; "the tent" is no item of that order, and
    none of B-1's orders holds one: the plain question, the buyer's recent
    orders after "yes"."""
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say(TENT_QUESTION, "product_question")
    _asked_plainly(chat)
    assert MULTI not in chat.texts(-1)[0] and "Tumbler" not in chat.texts(-1)[0]
    chat.say("yes", "affirm")
    assert chat.responses() == ["utter_ask_order_id_recent"]


def test_a_follow_up_naming_the_item_of_another_order_is_offered_that_order(
    token_chat, b1_tent
):
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say(TENT_QUESTION, "product_question")
    assert _offered_order(chat) == b1_tent
    assert chat.texts(-1)[0].startswith(
        f"Have you ordered this item? If it's order {b1_tent} ({TENT_TITLE}),"
    )
    assert MULTI not in " ".join(chat.texts(-1))
    assert [b["payload"] for b in chat.last[0].buttons][1:] == ["/affirm", "/deny"]
    chat.say(chat.last[0].buttons[0]["payload"], "give_order_id", order_id=b1_tent)
    assert chat.slots["order_id"] == b1_tent
    assert chat.slots["product_title"] == TENT_TITLE


def test_a_follow_up_naming_the_offered_item_is_offered_it(token_chat, b1_tent):
    """Naming the tumbler keeps today's offer, though B-1 bought the tent too."""
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("is the tumbler microwave safe?", "product_question")
    assert _offered_order(chat) == MULTI
    (question,) = chat.texts(-1)
    assert "(Hearth 20 oz Insulated Stainless Steel Tumbler with Lid)" in question


def test_a_follow_up_naming_the_other_item_of_the_order_names_that_item(token_chat):
    """The kettle is in the tumbler's order too: that order, named by the kettle."""
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("is the kettle dishwasher safe?", "product_question")
    assert _offered_order(chat) == MULTI
    assert f"order {MULTI} (Hearth 1.7 L Electric Kettle)" in chat.texts(-1)[0]


def test_another_buyers_order_with_the_named_item_is_never_offered(chat_factory):
    """An anonymous chat proved B-1's order, then the ZIP code of B-3's tent
    order (not B-1's: `not_your_order`): a tent question is offered neither."""
    chat = _anonymous_about_the_tumbler(chat_factory)
    chat.say(f"where is {B3_TENT}", "delivery_status", order_id=B3_TENT)
    chat.say("94103", "nlu_fallback")
    assert chat.slots["reason_code"] == "not_your_order"
    assert B3_TENT in chat.slots["verified_orders"]
    _answered_about_the_tumbler(chat)  # the chat is about B-1's tumbler again
    chat.say(TENT_QUESTION, "product_question")
    _asked_plainly(chat)
    assert B3_TENT not in chat.texts(-1)[0] and MULTI not in chat.texts(-1)[0]


def test_an_unverified_order_with_the_named_item_is_never_offered(
    chat_factory, b1_tent
):
    """The tent order is B-1's, but this anonymous chat proved only the
    tumbler's order: nothing of the tent order is shown, nor the tumbler."""
    chat = _anonymous_about_the_tumbler(chat_factory)
    assert chat.slots["verified_orders"] == [MULTI]
    chat.say(TENT_QUESTION, "product_question")
    _asked_plainly(chat)
    assert b1_tent not in chat.texts(-1)[0] and MULTI not in chat.texts(-1)[0]


def test_a_verified_order_with_the_named_item_is_offered(chat_factory, b1_tent):
    chat = chat_factory()
    chat.say(f"where is {b1_tent}", "delivery_status", order_id=b1_tent)
    chat.say("98101", "nlu_fallback")
    chat.say(TUMBLER_QUESTION, "product_question", order_id=MULTI)
    chat.say("98101", "nlu_fallback")
    assert chat.slots["verified_orders"] == [b1_tent, MULTI]
    assert chat.slots["order_id"] == MULTI
    chat.say(TENT_QUESTION, "product_question")
    assert _offered_order(chat) == b1_tent
    chat.say(chat.last[0].buttons[0]["payload"], "give_order_id", order_id=b1_tent)
    assert "utter_ask_zip_code" not in chat.responses()  # verified already
    assert chat.slots["order_id"] == b1_tent


def test_an_item_named_in_two_orders_is_asked_plainly(token_chat):
    """B-3 bought the tent twice: no order is offered for a tent question (not
    the cutting board's either); "yes" then shows the recent orders."""
    chat = token_chat("B-3")
    chat.say(
        f"is the cutting board in order {B3_BOARD} dishwasher safe?",
        "product_question",
        order_id=B3_BOARD,
    )
    assert chat.slots["order_id"] == B3_BOARD
    chat.say(TENT_QUESTION, "product_question")
    _asked_plainly(chat)
    said = chat.texts(-1)[0]
    assert B3_BOARD not in said and B3_TENT not in said and B3_TENT_AGAIN not in said


def test_a_word_that_only_describes_an_item_names_none(token_chat):
    """The storage bags' title holds "food" ("Food Storage Bags"), but that is
    not what they are: "is it food safe?" is about the chat's cutting board."""
    chat = token_chat("B-3")
    chat.say(
        f"is the cutting board in order {B3_BOARD} dishwasher safe?",
        "product_question",
        order_id=B3_BOARD,
    )
    chat.say("is it food safe?", "product_question")
    assert _offered_order(chat) == B3_BOARD


# --- another order number at the offer forgets its item ------------------------------


def test_another_order_number_at_the_offer_forgets_the_offered_item(chat_factory):
    """Typed instead of the offered order: that order's ZIP code is asked, and
    the item of the offer is gone."""
    chat = _anonymous_about_the_tumbler(chat_factory)
    chat.say("is the lid dishwasher safe too?", "product_question")
    assert _offered_order(chat) == MULTI
    chat.say(f"no, it's {SINGLE}", "give_order_id", order_id=SINGLE)
    assert chat.responses() == ["utter_ask_zip_code"]
    assert chat.slots["order_choices"] is None
    assert chat.slots["named_item"] is None


def test_a_question_after_not_bought_yet_is_still_before_buying(chat_factory):
    """The buyer trial: after "no i havent bought it yet" every further
    question about the tent asked "Have you already ordered this item?" again."""
    chat = chat_factory(sender_id="anon-tent")
    chat.say("does the tent come with a footprint?", "product_question")
    assert chat.responses() == ["utter_ask_has_ordered"]
    chat.say("no i havent bought it yet", "deny")
    assert chat.slots["outcome"] == "pre_order"
    chat.say("how much does it weigh", "product_question")
    assert chat.slots["outcome"] == "pre_order"
    assert "utter_ask_has_ordered" not in chat.responses()
    # a question about something the buyer has is asked as usual
    chat.say("is my kettle dishwasher safe?", "product_question")
    assert chat.responses() == ["utter_ask_has_ordered"]


@pytest.mark.parametrize("typed", ["yes", "yes that one", "yep i did"])
def test_a_typed_yes_to_the_offered_order_takes_it(token_chat, typed):
    # found by two buyer trials: a typed "yes" to "If it's order X, tap it
    # below" showed every recent order instead of taking X
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("is the lid dishwasher safe too?", "product_question")
    assert chat.responses() == ["utter_ask_order_in_chat"]
    chat.say(typed, "affirm")
    assert chat.slots["order_id"] == MULTI
    assert chat.slots["reason_code"] == "answered_from_detail_page"
    assert "hand wash the lid" in chat.texts(-1)[0]


def test_a_typed_yes_another_one_is_not_the_offered_order(token_chat):
    chat = token_chat("B-1")
    _answered_about_the_tumbler(chat)
    chat.say("is the lid dishwasher safe too?", "product_question")
    chat.say("yes but a different order", "affirm")
    assert chat.responses() == ["utter_ask_order_id_recent"]


def test_a_product_question_about_an_item_i_bought_asks_no_have_you_ordered(
    token_chat,
):
    # found by a buyer trial: "whats the wattage on the kettle i bought" was
    # asked "Have you already ordered this item?"
    chat = token_chat("B-1")
    chat.say("whats the wattage on the kettle i bought", "product_question")
    assert chat.slots["has_ordered"] == "yes"
    assert chat.slots["requested_slot"] == "order_id"
    chat.say("112-0000001-0000001", "give_order_id", order_id="112-0000001-0000001")
    assert "1500 W" in " ".join(chat.texts())
    # without the words of buying it, the question is still asked ("my
    # macbook" may be anyone's: a review)
    for n, text in enumerate(
        ["whats the wattage on the kettle", "will the hub work with my macbook?"]
    ):
        other = token_chat("B-1", conversation=f"chat-{n + 2}")
        other.say(text, "product_question")
        assert other.slots["requested_slot"] == "has_ordered", text
