"""normalize_order_id: what a buyer or agent types -> the canonical order number."""

from __future__ import annotations

import pytest

from bot.domain.model import ORDER_ID_RE, normalize_order_id

CANONICAL = "112-1234567-7654321"


@pytest.mark.parametrize(
    "text",
    [
        "112-1234567-7654321",
        "  112-1234567-7654321\n",
        "112 1234567 7654321",
        "112  1234567\t7654321",
        "112 - 1234567 - 7654321",
        "11212345677654321",
        " 11212345677654321 ",
        "１１２－１２３４５６７－７６５４３２１",  # full-width, as typed in Chinese
        "112\u30001234567\u30007654321",  # ideographic spaces
    ],
)
def test_accepted_forms(text):
    assert normalize_order_id(text) == CANONICAL
    assert ORDER_ID_RE.match(normalize_order_id(text))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "112-1234567-765432",  # 16 digits
        "112-1234567-76543210",  # 18 digits
        "1121234567765432",
        "112123456776543210",
        "1121-234567-7654321",  # digits in the wrong groups
        "112-12345677654321",  # one separator only
        "112_1234567_7654321",
        "112.1234567.7654321",
        "112--1234567-7654321",
        "112-1234567-7654321x",
        "#112-1234567-7654321",
        "order 112-1234567-7654321",
        "ABC-1234567-7654321",
        "١١٢-١٢٣٤٥٦٧-٧٦٥٤٣٢١",  # Arabic-Indic digits are not order numbers
        "112-1234567-7654321\n112-1234567-7654321",
        None,
        11212345677654321,
    ],
)
def test_rejected_forms(text):
    assert normalize_order_id(text) is None
