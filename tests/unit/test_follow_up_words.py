"""bot.nlp.follow_up: a cancellation taken back, and a question pointing back."""

from __future__ import annotations

import pytest

from bot.nlp.follow_up import (
    asks_for_update,
    asks_the_same,
    asks_what_now,
    corrects,
    names_another_order,
    refers_back,
    refuses_cancellation,
    replaces_request,
    takes_back_cancellation,
    withdraws_request,
)
from bot.nlp.person_request import withdraws_person_request


@pytest.mark.parametrize(
    "text",
    [
        "wait no dont cancel, I changed my mind",
        "actually never mind, I'll keep it",
        "please don’t cancel my order",
        "oops i didnt mean to cancel",
        "I dont want to cancel anymore",
        "can you undo the cancellation",
        "no wait keep it",
        "scratch that, I still want it",
        "mejor no lo canceles",
        "no necesito cancelar, me lo quedo",
        "cambié de opinión",
        "I do not want to cancel",
        "no lo cancele por favor",
        "I cancelled it by mistake, please undo",
        "cancel the cancellation",
    ],
)
def test_taken_back(text):
    assert takes_back_cancellation(text)


@pytest.mark.parametrize(
    "text",
    [
        "please cancel my order",
        "cancel it now",
        "I want to cancel",
        "why did you cancel it",
        "cancel it, I don't need it anymore",
        "I don't want it anymore, cancel",
        "keep me posted",
        "cancela mi pedido",
        "cancela el pedido, no lo quiero",
        "mejor no, cancélalo",
        # a condition or an aside is no take-back (found by an unscripted trial:
        # "if not please cancel it" was read as "don't cancel")
        "has 112-0000002-0000002 shipped yet? if not please cancel it",
        "never mind the refund, just cancel it",
        "I dont need it cancel it",
        "why not cancel it",
        "no, cancel it",
        "no cancel it please",
        "I accidentally ordered two, cancel one",
        # found by a review: a request, a complaint or a question, not a take-back
        "I changed my mind, please cancel my order",
        "I no longer want this order, please cancel it",
        "I could not cancel it on the website, please cancel it",
        "the app would not let me cancel",
        "I didn't order this cancel it",
        "cambié de opinión, quiero cancelar el pedido",
        "why didn't you cancel my order yet?",
        "por qué no cancelaron mi pedido?",
        "please keep me updated",
        "no, that's all, I'll keep an eye on my email",
        "nope, never mind",
        "I no longer want it",
        "",
        None,
    ],
)
def test_not_taken_back(text):
    assert not takes_back_cancellation(text)


@pytest.mark.parametrize(
    "text",
    [
        "can I return it?",
        "ok, can I return it when it arrives?",
        "when will that one arrive",
        "cancel this order",
        "¿puedo devolverlo?",
        "lo quiero devolver",
        "any update on my address change?",
        "did the seller reply about the cancellation",
        "¿alguna novedad sobre mi cambio de dirección?",
    ],
)
def test_points_back(text):
    assert refers_back(text)


@pytest.mark.parametrize(
    "text",
    [
        "I want to return something",
        "where is my order",
        "cancel my other order",
        "is it possible to return my other order",
        "it's about a different one",
        "I want to return something I bought, is that possible?",
        "donde esta mi pedido",
        "lo antes posible",
        "Carla",
        "can I return the kettle",
        "¿cuándo llega la bolsa?",
        "hello",
        "quiero devolver otro pedido",
        "any update on my other order?",
        None,
    ],
)
def test_does_not_point_back(text):
    assert not refers_back(text)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("please don't cancel my order", True),
        ("undo the cancellation", True),
        ("I cancelled it by mistake", True),
        ("no lo canceles", True),
        # a change of mind: only right after the request (the caller's check)
        ("actually never mind, I'll keep it", False),
        ("no wait keep it", False),
        ("mejor no", False),
    ],
)
def test_a_refusal_is_a_take_back_at_any_time(text, refusal):
    assert takes_back_cancellation(text)
    assert refuses_cancellation(text) is refusal


def test_asking_for_an_update():
    assert asks_for_update("any update on my address change?")
    assert asks_for_update("did the seller reply yet")
    assert not asks_for_update("I want to update my address")


N = "113-0000004-0000004"


@pytest.mark.parametrize(
    "text",
    [
        f"what about {N}",
        f"ok what about the other kettle, {N}?",
        f"and {N}?",
        f"same for {N}",
        f"how about my other order {N}",
        "and what about 113 0000004 0000004 too?",
        f"what about #{N}",
        "also 11300000040000004",
        f"¿y el pedido {N}?",
        f"lo mismo con el {N}",
        f"¿y qué hay del {N}?",
        # a correction of the order number just asked about (a buyer trial)
        f"sorry i meant {N}",
        f"oops its {N}",
        f"my bad, wrong number, its {N}",
        f"perdón, quise decir {N}",
    ],
)
def test_the_same_question_about_another_order(text):
    assert asks_the_same(text)


@pytest.mark.parametrize(
    "text",
    [
        N,  # a bare number: the bot asks what it is about
        f"where is {N}",
        f"what about a refund for {N}?",
        f"and can i return {N}",
        f"and {N} is broken",
        f"and the broken one {N}",
        f"cancel {N} too",
        f"y quiero devolver el {N}",
        f"sorry can i return {N}",
        "what about my refund",
        "what about the other kettle",  # no order number
        "",
        None,
    ],
)
def test_not_the_same_question(text):
    assert not asks_the_same(text)


@pytest.mark.parametrize(
    "text, instead",
    [
        ("actually no, change the address instead", True),
        ("rather than cancelling, can I change the address?", True),
        ("en vez de cancelarlo, cambia la dirección", True),
        # found by a buyer trial: the Spanish change of mind kept the
        # cancellation
        ("no espera, mejor cambia la dirección a 200 Biscayne Blvd", True),
        ("mejor cámbiame la dirección", True),
        ("más bien quiero cambiar la dirección", True),
        ("no wait, change the address to 55 pine st", True),
        ("wait no, just change the address", True),
        ("change the address please", False),
        ("also change the address to 55 pine st", False),
        # found by a review: beside the cancellation, not in its place
        ("si no se puede cancelar, mejor cambia la dirección a Calle 8 123", False),
        ("y cambia la dirección, es mejor que llegue a mi oficina", False),
        ("cambia también la dirección del otro pedido, mejor a mi oficina", False),
        ("no wait, also update the address on my other order", False),
        ("cambia la dirección por favor", False),
        ("no, the address is wrong", False),
        ("I'd like a refund", False),
    ],
)
def test_another_request_in_place_of_the_last(text, instead):
    assert replaces_request(text) is instead


@pytest.mark.parametrize(
    "text, correction",
    [
        ("oh wait sorry, it should be 125 Main St not 123", True),
        ("sorry typo, the apartment is 7 not 4", True),
        ("actually the zip is 98102", True),
        ("I meant apt 7", True),
        ("perdón, debería ser el 125", True),
        ("change the address to 5 Pine St", False),
        ("actually, where is my order?", False),
        ("it is not here", False),
    ],
)
def test_a_correction_of_what_was_just_written(text, correction):
    assert corrects(text) is correction


@pytest.mark.parametrize(
    "text, withdrawn",
    [
        ("omg wait my neighbour just brought it over. you can close the case", True),
        ("please close case 18, i dont need it anymore", True),
        ("found it! it was behind the bins", True),
        ("ya llegó, pueden cerrar el caso", True),
        # a reason to cancel, not a request withdrawn
        ("cancel 112-0000002-0000002 please, I don't need it any more", False),
        ("it finally arrived but the lid is cracked", False),
        ("it arrived today", False),
        ("cancel my order", False),
    ],
)
def test_a_request_no_longer_needed(text, withdrawn):
    assert withdraws_request(text) is withdrawn


@pytest.mark.parametrize(
    "text",
    [
        "forget it i dont need a person",
        "i don't need to talk to a human anymore",
        "cancel the agent request",
        "dont need a real person anymore",
        "no need for a person",
        "ya no necesito hablar con una persona",
    ],
)
def test_a_person_no_longer_needed_withdraws_at_any_time(text):
    assert withdraws_person_request(text)
    assert not withdraws_request(text)  # never a seller's case


@pytest.mark.parametrize(
    "text",
    [
        # found by a review: each read as "no person needed"
        "i dont need someone to tell me to wait, i need a real person now",
        "I don't need anyone to explain, just give me a person",
        "we dont need a person to sign for it right?",
        "do not need anyone home for delivery?",
        "i dont need anyone to come pick it up, i will drop it off",
        "i dont need a rep i need my money back",
        "i dont need a person, just cancel my order",
        "ya no necesito un agente, quiero cancelar mi pedido",
        "never mind the person, where is my package",
    ],
)
def test_no_person_needed_with_another_want_withdraws_nothing(text):
    assert not withdraws_person_request(text, just_asked=True)


@pytest.mark.parametrize(
    "text",
    ["actually never mind, i'm fine", "nvm thanks", "nah forget it", "forget it"],
)
def test_never_mind_withdraws_only_right_after_the_request(text):
    assert withdraws_person_request(text, just_asked=True)
    assert not withdraws_person_request(text)


@pytest.mark.parametrize(
    "text",
    ["never mind, cancel my order", "ok, it's fine", "okay all good", "its ok", "no"],
)
def test_an_ok_or_a_request_after_the_hand_off_withdraws_nothing(text):
    assert not withdraws_person_request(text, just_asked=True)


@pytest.mark.parametrize(
    "text",
    [
        "so what happens now",
        "ok whats next?",
        "what's the next step?",
        "now what",
        "y ahora qué?",
    ],
)
def test_what_happens_now_alone_asks_what_comes_next(text):
    assert asks_what_now(text)
    assert not asks_for_update(text)  # no case of its own: the one just spoken of


@pytest.mark.parametrize(
    "text",
    [
        "the drawer came with a broken runner, what now",
        "what happens now if i return it",
        "what now for order 112-0000001-0000001",
    ],
)
def test_what_now_with_a_request_is_no_such_question(text):
    assert not asks_what_now(text)


@pytest.mark.parametrize(
    ("text", "another"),
    [
        ("my other order", True),
        ("a different one", True),
        ("the new one i ordered", True),
        ("what about my new order", True),
        # a replacement, not another order (a buyer trial: "will i get a
        # refund or a new one?" asked which order)
        ("will i get a refund or a new one?", False),
        ("can u send a new one", False),
        ("quiero uno nuevo", False),
        ("", False),
    ],
)
def test_another_order_or_a_new_one(text, another):
    assert names_another_order(text) is another
