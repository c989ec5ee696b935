"""Dialogue turns a buyer can trust (issue 13), against the real Rasa and
action-server processes over the demo data:
- naming an item picks the order that holds it, says so when it replaces the
  order in question, and asks (item, date, price) when two orders hold it;
- a case is one per order and topic across the buyer's chats: the second chat
  joins the open case and is told its number and deadline;
- damage: an apology, a replacement or a refund for the damaged item only,
  idempotent; a seller case where there is no standard return;
- a follow-up product question without an order number is offered the order
  the chat was just about (a button), never given it, unless it names an item
  that order does not hold;
- another question instead of the item asked for is the one served;
- "who pays the shipping?" after a return, "i don't need a person" with none
  asked for (actions/asides.py)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.e2e.conftest import Stack, running_stack
from tests.e2e.test_conversations import Conversation, answer_form

BAGS = "114-0000007-0000007"
BOARD = "114-0000008-0000008"
TENTS = ("114-0000011-0000011", "114-0000013-0000013")


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory):
    """A stack of this module's own, over a fresh demo database: the routing
    table and the natural conversations authorise returns and open cases on
    the same orders, which would change what these tests see."""
    with running_stack(tmp_path_factory.mktemp("dialogue")) as running:
        yield running


def _click(chat: Conversation, order_id: str) -> None:
    button = next(b for b in chat.last_buttons() if order_id in b["payload"])
    chat.say(button["payload"])


def test_naming_another_item_switches_the_order_and_says_so(bot: Stack):
    chat = Conversation(bot, buyer="B-3")
    chat.say("hi where is my stuff??")
    _click(chat, BAGS)
    assert chat.slots()["order_id"] == BAGS, chat.describe()
    turn = len(chat.transcript)
    chat.say("the cutting board came cracked in half")
    answer_form(chat, BOARD)
    said = chat.texts(turn)
    assert f"looking at order {BOARD}" in said, chat.describe()
    assert "Cutting Board" in said, chat.describe()
    assert chat.slots()["order_id"] == BOARD, chat.describe()
    assert "storage bags" not in said.lower(), chat.describe()


def test_an_item_in_two_orders_is_asked_about(bot: Stack):
    chat = Conversation(bot, buyer="B-3")
    chat.say("i want to return the tent")
    buttons = chat.last_buttons()
    assert sorted(o for o in TENTS for b in buttons if o in b["payload"]) == sorted(
        TENTS
    ), chat.describe()
    titles = " ".join(b["title"] for b in buttons)
    assert "Oct 15" in titles and "Nov 2" in titles and "$219.00" in titles
    assert "more than one of your orders" in chat.texts(), chat.describe()
    # the older tent (placed after the seller opted out: Buyer-Seller
    # Messaging); the newer one is left for the damage test below
    _click(chat, TENTS[0])
    answer_form(chat, TENTS[0])
    slots = chat.slots()
    assert slots["order_id"] == TENTS[0], chat.describe()
    assert slots["reason_code"] == "placed_after_opt_out", chat.describe()


def test_a_second_chat_joins_the_open_case_of_the_same_order_and_topic(bot: Stack):
    first = Conversation(bot, buyer="B-1")
    first.say("please cancel my order 112-0000002-0000002")
    answer_form(first, "112-0000002-0000002")
    case_id = first.slots()["case_id"]
    assert case_id and first.slots()["reason_code"] == "cancel_request", (
        first.describe()
    )

    second = Conversation(bot, buyer="B-1")  # another chat of B-1
    assert second.conversation_id != first.conversation_id
    second.say("cancel 112-0000002-0000002 please, I don't need it any more")
    answer_form(second, "112-0000002-0000002")
    assert second.slots()["case_id"] == case_id, second.describe()
    assert f"added this to your open case {case_id}" in second.texts(), (
        second.describe()
    )


# --- damage is handled like damage -------------------------------------------------

KETTLE_ORDER = "112-0000001-0000001"  # 2 tumblers and a kettle, delivered, in window
KETTLE = "B0HRTH0002"


def _authorisations(bot: Stack, order_id: str) -> list[tuple[list, str, str]]:
    """The order's return authorisations: (items, reason, resolution)."""
    with sqlite3.connect(bot.workdir / "csba.db") as db:
        rows = db.execute(
            "SELECT items, reason, resolution FROM return_authorizations"
            " WHERE order_id = ? ORDER BY id",
            (order_id,),
        ).fetchall()
    return [
        (json.loads(items), reason, resolution) for items, reason, resolution in rows
    ]


def test_a_damaged_item_gets_an_apology_a_choice_and_a_return_of_that_item_only(
    bot: Stack,
):
    chat = Conversation(bot, buyer="B-1")
    chat.say(f"my kettle arrived broken, order {KETTLE_ORDER}")
    answer_form(chat, KETTLE_ORDER, KETTLE)
    said = chat.texts()
    assert "sorry" in said.lower() and "Electric Kettle" in said, chat.describe()
    assert "photo" in said and "Would you like a replacement?" in said, chat.describe()
    assert [b["payload"] for b in chat.last_buttons()] == ["/affirm", "/deny"]
    assert _authorisations(bot, KETTLE_ORDER) == [], "nothing before the choice"

    turn = len(chat.transcript)
    chat.say("/affirm")  # "Yes, send a replacement"
    slots = chat.slots()
    assert slots["outcome"] == "damage_replacement", chat.describe()
    case_id, return_id = slots["case_id"], slots["return_id"]
    said = chat.texts(turn)
    assert f"case {case_id}" in said and str(return_id) in said, chat.describe()
    assert "Attach a photo" in said and "skip" in said, chat.describe()
    authorised = _authorisations(bot, KETTLE_ORDER)
    assert len(authorised) == 1, authorised
    items, reason, resolution = authorised[0]
    assert [item["asin"] for item in items] == [KETTLE], "the kettle only"
    assert (reason, resolution) == ("damaged_return", "replacement")

    # the same report again, in another chat: the same authorisation and case
    again = Conversation(bot, buyer="B-1")
    again.say(f"the kettle from {KETTLE_ORDER} is broken")
    answer_form(again, KETTLE_ORDER, KETTLE)
    assert again.slots()["outcome"] == "damage_already_authorised", again.describe()
    assert str(return_id) in again.texts(), again.describe()
    assert len(_authorisations(bot, KETTLE_ORDER)) == 1


def test_a_refund_is_the_other_choice(bot: Stack):
    chat = Conversation(bot, buyer="B-3")
    chat.say("The tent from order 114-0000013-0000013 arrived with a torn seam")
    answer_form(chat, "114-0000013-0000013")
    assert chat.slots()["outcome"] == "damaged_return", chat.describe()
    turn = len(chat.transcript)
    chat.say("/deny")  # "No, refund me"
    said = chat.texts(turn)
    assert chat.slots()["outcome"] == "damage_refund", chat.describe()
    assert "for a refund" in said and "No photo is needed" in said, chat.describe()
    assert [r[1:] for r in _authorisations(bot, "114-0000013-0000013")] == [
        ("damaged_return", "refund")
    ]


def test_a_replacement_typed_in_words_is_the_answer_to_the_choice(bot: Stack):
    """Typed, not clicked: the NLU reads "replacement please" as a return
    request. Before, the question was dropped, the bot asked which order, and
    the whole order (two tumblers and a kettle) was authorised for a refund."""
    chat = Conversation(bot, buyer="B-1")
    chat.say(f"the tumbler from order {KETTLE_ORDER} arrived damaged")
    answer_form(chat, KETTLE_ORDER, TUMBLER)
    assert "Would you like a replacement?" in chat.texts(), chat.describe()
    turn = len(chat.transcript)
    chat.say("hmm actually just one of the two is dented. replacement please")
    slots = chat.slots()
    assert slots["outcome"] == "damage_replacement", chat.describe()
    assert f"case {slots['case_id']}" in chat.texts(turn), chat.describe()
    tumbler_returns = [
        ([item["asin"] for item in items], reason, resolution)
        for items, reason, resolution in _authorisations(bot, KETTLE_ORDER)
        if any(item["asin"] == TUMBLER for item in items)
    ]
    expected = [([TUMBLER], "damaged_return", "replacement")]
    assert tumbler_returns == expected, chat.describe()


def test_damage_with_no_standard_return_goes_to_the_seller_not_refused(bot: Stack):
    # not returnable (hygiene sealed) and outside the return window
    for buyer, order, text in (
        ("B-3", BAGS, "silicone bags came ripped open"),
        ("B-2", "113-0000006-0000006", "the kettle arrived with a dent"),
    ):
        chat = Conversation(bot, buyer=buyer)
        chat.say(f"{text}, order {order}")
        answer_form(chat, order)
        slots = chat.slots()
        said = chat.texts()
        assert slots["reason_code"] == "damaged_seller_case", chat.describe()
        assert slots["case_id"], chat.describe()
        assert "sorry" in said.lower() and "not returnable" not in said, chat.describe()
        assert "Attach a photo" in said, chat.describe()
        assert _authorisations(bot, order) == [], chat.describe()


# --- a follow-up question is offered the order, never given it ------------------------

TUMBLER = "B0HRTH0001"
ONE_TUMBLER_ORDER = "112-0000003-0000003"  # B-1, ships to 98101, the tumbler only


def _offered(chat: Conversation, order_id: str, turn: int) -> list[dict[str, str]]:
    """The bot asked about the order, with it as the first button, and took nothing."""
    slots = chat.slots()
    assert slots["requested_slot"] == "has_ordered", chat.describe()
    assert slots["order_id"] is None, chat.describe()
    assert f"If it's order {order_id}" in chat.texts(turn), chat.describe()
    buttons = chat.last_buttons()
    assert [b["payload"] for b in buttons] == [
        '/give_order_id{"order_id": "' + order_id + '"}',
        "/affirm",
        "/deny",
    ], chat.describe()
    return buttons


def test_a_follow_up_question_is_offered_the_order_of_the_chat(bot: Stack):
    chat = Conversation(bot, buyer="B-1")
    chat.say(f"is the tumbler in order {KETTLE_ORDER} dishwasher safe?")
    answer_form(chat, KETTLE_ORDER, TUMBLER)
    assert chat.slots()["reason_code"] == "answered_from_detail_page", chat.describe()

    turn = len(chat.transcript)
    chat.say("is the lid dishwasher safe too?")
    buttons = _offered(chat, KETTLE_ORDER, turn)
    assert buttons[1]["title"] == "Yes, another order", chat.describe()
    chat.say(buttons[0]["payload"])  # as if the order number were typed
    answer_form(chat, KETTLE_ORDER, TUMBLER)
    slots = chat.slots()
    assert slots["order_id"] == KETTLE_ORDER, chat.describe()
    assert slots["reason_code"] == "answered_from_detail_page", chat.describe()
    assert "hand wash the lid" in chat.texts(turn), chat.describe()

    # another order: the buyer's recent orders, as for any product question
    turn = len(chat.transcript)
    chat.say("and how big is it")
    _offered(chat, KETTLE_ORDER, turn)
    chat.say("/affirm")
    assert chat.slots()["requested_slot"] == "order_id", chat.describe()
    assert chat.slots()["named_item"] is None, chat.describe()  # the offer is over
    assert "more than one of your orders" not in chat.texts(turn), chat.describe()
    answer_form(chat, ONE_TUMBLER_ORDER)
    assert chat.slots()["order_id"] == ONE_TUMBLER_ORDER, chat.describe()


def test_a_follow_up_naming_another_item_is_not_offered_the_chats_order(bot: Stack):
    """The chat was about B-1's tumbler; the tent is in none of B-1's orders:
    the plain "have you already ordered this item?", nothing of that order."""
    chat = Conversation(bot, buyer="B-1")
    chat.say(f"is the tumbler in order {ONE_TUMBLER_ORDER} dishwasher safe?")
    answer_form(chat, ONE_TUMBLER_ORDER)
    assert chat.slots()["reason_code"] == "answered_from_detail_page", chat.describe()

    turn = len(chat.transcript)
    chat.say("does the tent have a rain fly?")
    slots = chat.slots()
    assert slots["requested_slot"] == "has_ordered", chat.describe()
    assert slots["order_choices"] is None, chat.describe()
    assert slots["named_item"] is None, chat.describe()
    payloads = [b["payload"] for b in chat.last_buttons()]
    assert payloads == ["/affirm", "/deny"], chat.describe()
    assert ONE_TUMBLER_ORDER not in chat.texts(turn), chat.describe()


def test_an_anonymous_follow_up_is_offered_the_verified_order_only(bot: Stack):
    chat = Conversation(bot)
    chat.say(f"is the tumbler in order {ONE_TUMBLER_ORDER} dishwasher safe?")
    answer_form(chat, ONE_TUMBLER_ORDER)  # the ZIP code
    assert chat.slots()["reason_code"] == "answered_from_detail_page", chat.describe()

    turn = len(chat.transcript)
    chat.say("is the lid dishwasher safe too?")
    buttons = _offered(chat, ONE_TUMBLER_ORDER, turn)
    chat.say(buttons[0]["payload"])
    slots = chat.slots()
    assert slots["requested_slot"] is None, "no second ZIP code\n" + chat.describe()
    assert slots["order_id"] == ONE_TUMBLER_ORDER, chat.describe()
    assert slots["reason_code"] == "answered_from_detail_page", chat.describe()

    # not ordered yet, typed: a pre-order question for the seller
    turn = len(chat.transcript)
    chat.say("does it come in white?")
    _offered(chat, ONE_TUMBLER_ORDER, turn)
    chat.say("no I haven't ordered it")
    slots = chat.slots()
    assert slots["reason_code"] == "pre_order", chat.describe()
    assert slots["order_id"] is None, chat.describe()


def test_a_new_question_at_the_item_question_is_the_one_served(bot: Stack):
    """Asked which item of the tumbler-and-kettle order, the buyer asks about
    the kettle instead: that question, about the kettle. Asked again, the buyer
    asks about a tent none of B-1's orders holds: "have you already ordered
    this item?", nothing of that order, not "Sorry, I couldn't match that"."""
    chat = Conversation(bot, buyer="B-1")
    chat.say(f"is it dishwasher safe? its order {KETTLE_ORDER}")
    assert chat.slots()["requested_slot"] == "product_asin", chat.describe()
    turn = len(chat.transcript)
    chat.say("whats the wattage of the kettle")
    assert chat.slots()["reason_code"] == "answered_from_detail_page", chat.describe()
    assert "1500 W" in chat.texts(turn), chat.describe()

    chat.say(f"is it dishwasher safe? its order {KETTLE_ORDER}")
    assert chat.slots()["requested_slot"] == "product_asin", chat.describe()
    turn = len(chat.transcript)
    chat.say("does the tent have a rain fly?")
    slots = chat.slots()
    assert slots["requested_slot"] == "has_ordered", chat.describe()
    assert slots["order_id"] is None, chat.describe()
    assert [b["payload"] for b in chat.last_buttons()] == ["/affirm", "/deny"]
    assert KETTLE_ORDER not in chat.texts(turn), chat.describe()
    assert "couldn't match" not in chat.texts(turn), chat.describe()


def test_an_invoice_asked_with_a_delivery_question_gets_both(bot: Stack):
    """Real Rasa runs the order form after action_start_inquiry when an
    invoice question also asks where the order is (FollowupAction)."""
    chat = Conversation(bot, buyer="B-1")
    chat.say(
        "hey, where's my order 112-0000003-0000003 and also can I get an invoice for it?"
    )
    said = chat.texts()
    assert "invoices come from the seller" in said, chat.describe()
    assert "on its way" in said and "USPS" in said, chat.describe()
    assert chat.slots().get("reason_code") == "in_transit", chat.describe()
    # the order not in the words: the invoice first, then which order
    other = Conversation(bot, buyer="B-1")
    other.say("where is my order and I need an invoice")
    assert "invoices come from the seller" in other.texts(), other.describe()
    assert other.slots().get("requested_slot") == "order_id", other.describe()
    answer_form(other, "112-0000003-0000003")
    assert other.slots().get("reason_code") == "in_transit", other.describe()


def test_small_talk_that_is_not_any_news_and_are_you_a_bot(bot: Stack):
    """Real Rasa and the action server: "any news?" after a case tells where
    it stands; "are you a bot?" is told what it talks to; neither is "Sorry,
    I can only help with orders" nor a person's queue."""
    chat = Conversation(bot, buyer="B-2")
    chat.say("My order 113-0000004-0000004 is late, where is it?")
    answer_form(chat, "113-0000004-0000004")
    case_id = chat.slots().get("case_id")
    assert chat.slots().get("reason_code") == "late_delivery", chat.describe()
    turn = len(chat.transcript)
    chat.say("any news?")
    said = chat.texts(turn)
    assert f"Your case {case_id}" in said and "still with the seller" in said, (
        chat.describe()
    )
    turn = len(chat.transcript)
    chat.say("are you a bot?")
    said = chat.texts(turn)
    assert "automated" in said and "Talk to a person" in str(chat.last_buttons()), (
        chat.describe()
    )
    assert chat.slots().get("route") != "agent", chat.describe()


def test_who_pays_to_send_it_back_and_no_person_needed(bot: Stack):
    """Real Rasa and the action server (found by a buyer trial): "do i have to
    pay the shipping" after a return was authorised is told how that return
    goes back, not referred to the seller as a question before buying; "i
    don't need a person" with none asked for hands nothing over."""
    chat = Conversation(bot, buyer="B-1")
    chat.say("i dont need a person, just checking something")
    assert chat.slots().get("route") is None, chat.describe()
    assert "no person then" in chat.texts(), chat.describe()
    chat.say("i want to return the tumbler from 112-0000001-0000001")
    answer_form(chat, "112-0000001-0000001")
    assert chat.slots().get("reason_code") == "return_window_open", chat.describe()
    turn = len(chat.transcript)
    chat.say("do i have to pay the shipping")
    said = chat.texts(turn)
    assert "doesn't provide a prepaid return label" in said, chat.describe()
    assert "Hearth Returns" in said, chat.describe()
    assert chat.slots().get("reason_code") == "return_window_open", chat.describe()


def test_what_a_buyer_trial_broke_holds_with_the_real_nlu(bot: Stack):
    """Real Rasa and the action server, the NLU reading the words: a question
    at "which order to cancel?" cancels nothing; a product question the NLU
    cannot place before or after buying is served; a return of a damaged item
    is the damaged item's."""
    chat = Conversation(bot, buyer="B-1")
    chat.say("i want to cancel")
    assert chat.slots().get("requested_slot") == "order_id", chat.describe()
    chat.say("wait where is my tumbler first")
    assert chat.slots().get("reason_code") != "cancel_request", chat.describe()
    assert "asked the seller to cancel" not in chat.texts(), chat.describe()
    buying = Conversation(bot)
    turn = len(buying.transcript)
    buying.say("does the brooklyn usb c hub work with a steam deck? thinking of buying")
    assert "didn't quite get that" not in buying.texts(turn), buying.describe()
    bags = Conversation(bot, buyer="B-3")
    bags.say("the bags from 114-0000007-0000007 came ripped open, want my money back")
    assert bags.slots().get("reason_code") == "damaged_seller_case", bags.describe()
