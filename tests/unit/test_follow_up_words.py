"""bot.nlp.follow_up: a cancellation taken back, and a question pointing back."""

from __future__ import annotations

import pytest

from bot.nlp.follow_up import refers_back, takes_back_cancellation


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
