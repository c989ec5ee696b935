"""Small talk that is not: "are you a bot?", "any news?" about an open case,
and "no it didn't, nothing at my door" after a delivered answer (found by a
buyer trial: each got "Sorry, I can only help with orders...", a person's
queue, or "No problem")."""

from __future__ import annotations

from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseRow

DELIVERED = "112-0000001-0000001"  # B-1's, delivered Nov 20
OLD_KETTLE = "113-0000006-0000006"  # B-2's, delivered Sep 12, window closed


def cases(services) -> list[CaseRow]:
    with session_scope(services.engine) as session:
        rows = session.scalars(select(CaseRow)).all()
        session.expunge_all()
        return rows


def test_are_you_a_bot_is_told_what_it_talks_to(token_chat, services):
    chat = token_chat("B-1")
    chat.say("are you a bot?", "out_of_scope")
    assert chat.responses() == ["utter_bot_identity"]
    assert "automated" in chat.texts(-1)[0]
    (message,) = chat.last
    assert [b["payload"] for b in message.buttons] == ["/human_agent"]
    # read as a request for a person: told all the same, no queue, no case
    chat.say("are you a real person?", "human_agent")
    assert chat.responses() == ["utter_bot_identity"]
    assert chat.slots["route"] is None
    assert cases(services) == []
    # asking for one is asking for one
    chat.say("I want to talk to a real person", "human_agent")
    assert chat.slots["route"] == "agent"


def test_any_news_read_as_small_talk_tells_where_the_case_stands(token_chat, services):
    chat = token_chat("B-2")
    chat.say("The kettle arrived with a dent", "damaged_item", order_id=OLD_KETTLE)
    (case,) = cases(services)
    chat.say("any news?", "out_of_scope")
    assert chat.responses() == ["utter_case_update"]
    assert f"case {case.id}" in chat.texts(-1)[0]
    # without an open case it is small talk, as before
    other = token_chat("B-3")
    other.say("any news?", "out_of_scope")
    assert other.responses() == ["utter_out_of_scope"]


def test_no_it_never_came_after_a_delivered_answer_is_a_case(token_chat, services):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status", order_id=DELIVERED)
    assert chat.responses() == ["utter_reason_delivered"]
    chat.say("no it didnt, nothing at my door", "deny")
    assert chat.responses() == [
        "utter_reason_delivered_not_received",
        "utter_case_opened",
    ]
    assert chat.slots["order_id"] == DELIVERED
    (case,) = cases(services)
    assert (case.order_id, case.reason_code) == (DELIVERED, "delivered_not_received")


def test_it_says_delivered_but_i_never_got_it_keeps_the_order(token_chat):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status", order_id=DELIVERED)
    chat.say("it says delivered but i never got it", "delivery_status")
    assert chat.slots["reason_code"] == "delivered_not_received"
    assert chat.slots["order_id"] == DELIVERED


def test_a_plain_no_is_still_a_plain_no(token_chat):
    chat = token_chat("B-1")
    chat.say("where is my order", "delivery_status", order_id=DELIVERED)
    chat.say("no thanks", "deny")
    assert chat.responses() == ["utter_no_problem"]


def test_any_news_as_the_first_message_finds_the_buyers_case(token_chat, services):
    # found by a buyer trial: "any news on my case?" and "whats the status of
    # case 3" in a new chat were asked which order
    first = token_chat("B-2")
    first.say("The kettle arrived with a dent", "damaged_item", order_id=OLD_KETTLE)
    (case,) = cases(services)
    later = token_chat("B-2", conversation="chat-2")  # another chat of theirs
    later.say("any news on my case?", "delivery_status")
    assert later.responses() == ["utter_case_update"]
    assert f"case {case.id}" in later.texts(-1)[0]
    again = token_chat("B-2", conversation="chat-3")
    again.say(f"whats the status of case {case.id}", "delivery_status")
    assert again.responses() == ["utter_case_update"]
    # another buyer's case number tells them nothing about it
    stranger = token_chat("B-1", conversation="chat-4")
    stranger.say(f"whats the status of case {case.id}", "delivery_status")
    assert stranger.responses() == ["utter_ask_order_id_recent"]
    assert OLD_KETTLE not in " ".join(stranger.texts())


def test_close_the_case_is_told_to_the_seller_never_a_return(token_chat, services):
    # found by a buyer trial: "please close case 18, i dont need it anymore"
    # ended in a return authorisation for the order
    chat = token_chat("B-3")
    chat.say("my tent shows delivered but i never got it", "delivery_status",
             order_id="114-0000013-0000013")  # fmt: skip
    assert chat.slots["reason_code"] == "delivered_not_received"
    (case,) = cases(services)
    for text, intent in [
        ("omg wait my neighbour just brought it over. sorry!! you can close the case",
         "delivery_status"),
        (f"please close case {case.id}, i dont need it anymore", "return_refund"),
    ]:  # fmt: skip
        chat.say(text, intent)
        assert chat.responses() == ["utter_case_update"], text
        assert chat.slots["case_status"] == "withdrawn"
        assert f"case {case.id}" in chat.texts(-1)[0]
    with session_scope(services.engine) as session:
        from bot.adapters.orm import ReturnAuthorizationRow

        assert session.scalars(select(ReturnAuthorizationRow)).all() == []
        messages = session.get(CaseRow, case.id).messages
        assert "neighbour" in messages[-2].text and "close case" in messages[-1].text


def test_any_news_tells_the_case_the_chat_just_spoke_of(token_chat, services):
    # found by a buyer trial: "any news from the seller?" reported the buyer's
    # newest case, of another order, instead of the one just discussed
    late = "113-0000004-0000004"
    first = token_chat("B-2", conversation="chat-a")
    first.say("where is my order", "delivery_status", order_id=late)
    assert first.slots["reason_code"] == "late_delivery"
    other = token_chat("B-2", conversation="chat-b")
    other.say("The kettle arrived with a dent", "damaged_item", order_id=OLD_KETTLE)
    newest = int(other.slots["case_id"])
    chat = token_chat("B-2", conversation="chat-c")
    chat.say("where is my order", "delivery_status", order_id=late)
    spoken_of = int(chat.slots["case_id"])  # joined chat-a's late-delivery case
    assert spoken_of != newest
    chat.say("any news from the seller?", "out_of_scope")
    assert f"case {spoken_of}" in chat.texts(-1)[0]


def test_hablas_espanol_switches_the_language_without_a_person(token_chat, services):
    chat = token_chat("B-2")
    chat.say("hablas español?", "human_agent")
    assert chat.responses() == ["utter_language_switched"]
    assert chat.slots["route"] is None
    assert cases(services) == []


def test_never_got_it_read_as_a_damaged_item_asks_no_item(token_chat):
    # found by a buyer trial: "my package says delivered but i never got it",
    # read as a damaged item, asked "which item arrived damaged?" in a loop
    chat = token_chat("B-1")
    chat.say("my package says delivered but i never got it", "damaged_item",
             order_id=DELIVERED)  # fmt: skip
    assert chat.slots["reason_code"] == "delivered_not_received"


def test_where_the_refund_goes_is_asked_of_the_refund_case(token_chat, services):
    # found by a buyer trial: "and will it go back on my card or gift card?"
    # after a refund question authorised a return
    chat = token_chat("B-1")
    chat.say("i returned the kettle last week when do i get my refund",
             "return_refund", order_id=DELIVERED)  # fmt: skip
    assert chat.slots["reason_code"] == "refund_status"
    case_id = chat.slots["case_id"]
    chat.say("and will it go back on my card or gift card?", "return_refund")
    assert chat.slots["reason_code"] == "refund_status"
    assert chat.slots["case_id"] == case_id  # the same case
    chat.say("ok and visa or store credit?", "out_of_scope")
    assert chat.slots["reason_code"] == "refund_status"
    with session_scope(services.engine) as session:
        from bot.adapters.orm import ReturnAuthorizationRow

        assert session.scalars(select(ReturnAuthorizationRow)).all() == []


LATE = "113-0000004-0000004"  # B-2's, promised Nov 19, still on its way


def test_a_person_asked_for_and_then_not_wanted_is_told_to_our_team(
    token_chat, services
):
    # found by a buyer trial: "actually never mind, i'm fine" right after the
    # hand-off was handed over again ("Of course. I'm handing this over...")
    for text, intent in [
        ("actually never mind, i'm fine", "human_agent"),
        ("forget it i dont need a person", "human_agent"),
        ("never mind", "out_of_scope"),
        ("no, forget it", "deny"),
    ]:
        chat = token_chat("B-2", conversation=f"chat-{intent}-{len(text)}")
        chat.say(f"i want to talk to a person about {LATE}", "human_agent")
        assert chat.slots["route"] == "agent"
        case_id = chat.slots["case_id"]
        chat.say(text, intent)
        assert chat.responses() == ["utter_case_update"], text
        assert chat.slots["case_status"] == "withdrawn_general", text
        reply = chat.texts(-1)[0]
        assert f"case {case_id}" in reply and "our team" in reply, reply
        assert "seller" not in reply
        with session_scope(services.engine) as session:
            assert session.get(CaseRow, int(case_id)).messages[-1].text == text


def test_never_mind_later_or_without_a_person_is_no_withdrawal(token_chat):
    chat = token_chat("B-2")
    chat.say(f"i want to talk to a person about {LATE}", "human_agent")
    chat.say("thanks", "thanks")
    chat.say("never mind", "out_of_scope")  # not right after the hand-off
    assert chat.responses() == ["utter_out_of_scope"]
    other = token_chat("B-1")
    other.say("where is my order", "delivery_status", order_id=DELIVERED)
    other.say("never mind", "out_of_scope")
    assert other.responses() == ["utter_out_of_scope"]


def test_so_what_happens_now_after_a_case_tells_where_it_stands(token_chat):
    chat = token_chat("B-2")
    chat.say(f"where is my order {LATE} its late", "delivery_status", order_id=LATE)
    assert chat.slots["reason_code"] == "late_delivery"
    case_id = chat.slots["case_id"]
    chat.say("so what happens now", "out_of_scope")
    assert chat.responses() == ["utter_case_update"]
    assert chat.slots["case_status"] == "with_seller"
    assert f"case {case_id}" in chat.texts(-1)[0]


def test_no_person_needed_never_withdraws_a_sellers_case(token_chat, services):
    # found by a review: the newest open case of the order was the seller's
    chat = token_chat("B-2")
    chat.say(f"where is my order {LATE} its late", "delivery_status", order_id=LATE)
    (case,) = cases(services)
    chat.say("actually i dont need a person anymore", "human_agent")
    assert chat.slots.get("case_status") != "withdrawn"
    with session_scope(services.engine) as session:
        texts = [m.text for m in session.get(CaseRow, case.id).messages]
    assert "actually i dont need a person anymore" not in texts


def test_what_happens_now_without_a_case_just_spoken_of_is_small_talk(token_chat):
    # found by a review: it fell back to the buyer's newest case in another chat
    first = token_chat("B-2")
    first.say(f"where is my order {LATE} its late", "delivery_status", order_id=LATE)
    assert first.slots["case_id"] is not None
    later = token_chat("B-2", conversation="chat-2")
    later.say("where is my order", "delivery_status", order_id="113-0000005-0000005")
    assert later.slots["case_id"] is None
    later.say("so what happens now", "out_of_scope")
    assert later.responses() == ["utter_out_of_scope"]


def test_when_the_money_shows_on_my_card_after_the_refund_case_is_that_case(
    token_chat, services
):
    # found by a buyer trial: read as a product question, it asked "Have you
    # ordered this item?"
    chat = token_chat("B-2")
    chat.say("u cancelled my order but where is my refund??", "return_refund")
    chat.say("113-0000005-0000005", "give_order_id", order_id="113-0000005-0000005")
    assert chat.slots["reason_code"] == "refund_status"
    case_id = chat.slots["case_id"]
    chat.say("how long does it take to show on my card", "product_question")
    assert chat.slots["reason_code"] == "refund_status"
    assert chat.slots["case_id"] == case_id
    assert f"case {case_id}" in " ".join(chat.texts(-1))
    assert len(cases(services)) == 1
