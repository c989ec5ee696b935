"""bot.services.order_lookup: order numbers, intents, items; and the order form's
use of bot.services.verification (ZIP guesses, the limits' early word)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.domain.model import Intent, Product
from bot.services.order_lookup import (
    BUSINESS_INTENTS,
    SWITCHABLE_INTENTS,
    find_order_id,
    is_buyers_order,
    match_item,
    needs_order,
    switches_inquiry,
)
from bot.services.verification import (
    Verdict,
    VerificationLimits,
    check_zip,
    early_verdict,
    zip_guess,
)

ORDER = "112-0000001-0000001"


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("112-0000001-0000001",), ORDER),
        (("112 0000001 0000001",), ORDER),
        (("it's 112-0000001-0000001 thanks",), ORDER),
        (("１１２－００００００１－００００００１",), ORDER),
        ((None, "", "98101", "1120000001000000"), None),
        (("x" * 20_000,), None),
    ],
)
def test_find_order_id(texts, expected):
    assert find_order_id(*texts) == expected


def test_needs_order():
    assert needs_order("delivery_status") and needs_order("product_question")
    assert not needs_order("invoice") and not needs_order("human_agent")
    assert not needs_order("greet") and not needs_order(None)


def test_switchable_intents_follow_the_intent_enum():
    # Every business intent but a product question (its own "have you ordered
    # it?" step) and a person (that leaves the form).
    assert BUSINESS_INTENTS == {intent.value for intent in Intent}
    assert SWITCHABLE_INTENTS == {
        "delivery_status",
        "return_refund",
        "damaged_item",
        "cancel_order",
        "change_address",
        "invoice",
        "customization",
        "pre_order",
    }
    assert switches_inquiry("cancel_order", "delivery_status")
    assert not switches_inquiry("cancel_order", "cancel_order")
    assert not switches_inquiry("product_question", "delivery_status")
    assert not switches_inquiry("greet", None)


def test_is_buyers_order():
    class Order:
        buyer_id = "B-1"

    assert is_buyers_order(Order(), "B-1") and is_buyers_order(Order(), None)
    assert not is_buyers_order(Order(), "B-2") and not is_buyers_order(None, None)


PRODUCTS = [
    Product(asin="B0HRTH0001", seller_id="S", title="Hearth 20 oz Tumbler with Lid"),
    Product(asin="B0HRTH0002", seller_id="S", title="Hearth 1.7 L Electric Kettle"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B0HRTH0002", "B0HRTH0002"),
        ("b0hrth0001", "B0HRTH0001"),
        ("2", "B0HRTH0002"),
        ("the electric kettle", "B0HRTH0002"),
        ("Tumbler", "B0HRTH0001"),
        ("hearth", None),  # in both titles
        ("3", None),
        ("", None),
        ("<script>alert(1)</script>", None),
        ("x" * 20_000, None),
    ],
)
def test_match_item(text, expected):
    assert match_item(text, PRODUCTS) == expected


# --- the order form's ZIP verification ------------------------------------------------


class MemoryStore:
    """A FailureStore in memory."""

    def __init__(self, order_failures: int = 0) -> None:
        self.failures: dict[str, tuple[str, str]] = {
            str(i): (ORDER, "elsewhere") for i in range(order_failures)
        }

    def add(self, *, order_key: str, client_key: str, at: datetime) -> str:
        failure_id = str(len(self.failures) + 1000)
        self.failures[failure_id] = (order_key, client_key)
        return failure_id

    def withdraw(self, failure_id: str, *, order_key: str, client_key: str) -> None:
        self.failures.pop(failure_id, None)

    def count_for_order(self, order_key: str, *, since: datetime) -> int:
        return sum(1 for o, _ in self.failures.values() if o == order_key)

    def count_for_client(self, client_key: str, *, since: datetime) -> int:
        return sum(1 for _, c in self.failures.values() if c == client_key)


class ShipsTo:
    ship_to_postal_code = "98101"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("98101", "98101"),
        ("zip is 98101-1234 thx", "98101-1234"),
        ("SW1A 1AA", "SW1A 1AA"),  # taken whole: one guess
        ("what do you mean?", None),  # no digit: no guess
        # a sentence whose digits are no code: no guess, no attempt used
        ("same street but apt 7 instead of apt 4", None),
        ("its 9810", "its 9810"),  # a mistyped code is a guess
        ("I live at 123 Main St, Seattle WA 98101", "98101"),
        ("", None),
    ],
)
def test_zip_guess(answer, expected):
    assert zip_guess(answer) == expected


def test_check_zip_counts_a_wrong_guess_and_withdraws_a_right_one():
    store = MemoryStore()
    limits = VerificationLimits(store)
    assert check_zip(limits, ORDER, "me", ShipsTo(), "10001") is Verdict.WRONG
    assert check_zip(limits, ORDER, "me", None, "98101") is Verdict.WRONG  # no order
    assert len(store.failures) == 2
    assert check_zip(limits, ORDER, "me", ShipsTo(), "98101") is Verdict.VERIFIED
    assert len(store.failures) == 2


def test_early_verdict_says_locked_before_any_guess():
    limits = VerificationLimits(MemoryStore(order_failures=5))
    assert early_verdict(limits, ORDER, "me") is Verdict.ORDER_LOCKED
    assert early_verdict(VerificationLimits(MemoryStore()), ORDER, "me") is None


def test_early_verdict_asks_anyway_when_the_limits_cannot_be_read(caplog):
    class Broken(MemoryStore):
        def count_for_order(self, order_key: str, *, since: datetime) -> int:
            raise ConnectionError("down")

    assert early_verdict(VerificationLimits(Broken()), ORDER, "me") is None
    assert "Could not read the verification limits" in caplog.text


def test_the_limits_run_on_the_real_clock(monkeypatch):
    from bot.services import verification

    monkeypatch.setenv("CSBA_NOW", "2020-01-01T00:00:00+00:00")
    before = datetime.now(timezone.utc)
    assert verification.real_now() >= before


# -- which order the buyer's words name (issue 13) -------------------------------------


def _order(order_id: str, *titles: str):
    import zlib
    from decimal import Decimal

    from bot.domain.model import Fulfillment, Order, OrderItem, OrderStatus

    return Order(
        id=order_id,
        buyer_id="B-1",
        seller_id="S-1",
        fulfillment=Fulfillment.SELLER,
        placed_at=datetime(2026, 11, 2, tzinfo=timezone.utc),
        status=OrderStatus.DELIVERED,
        items=tuple(
            OrderItem(
                asin=f"A{zlib.crc32(t.encode()) % 10**9:09d}",  # one ASIN per title
                quantity=1,
                unit_price=Decimal("9.99"),
                title=t,
            )
            for t in titles
        ),
    )


SHOP = [
    _order("112-0000001-0000001", "Hearth 1.7 L Electric Kettle, Stainless Steel"),
    _order(
        "112-0000002-0000002", "Hearth Reusable Silicone Food Storage Bags, Set of 6"
    ),
    _order("112-0000003-0000003", "Brooklyn Wireless Earbuds with Charging Case"),
]


def test_an_item_word_names_its_order():
    from bot.nlp.item_names import named_items

    named = named_items("the kettle came with a dent", SHOP)
    assert [n.order_id for n in named] == ["112-0000001-0000001"]
    # plural and singular are the same word
    assert named_items("my bag ripped", SHOP)[0].order_id == "112-0000002-0000002"
    assert named_items("both earbud stopped", SHOP)[0].order_id == "112-0000003-0000003"


def test_an_item_word_misspelt_by_one_letter_names_its_order():
    from bot.nlp.item_names import named_items

    kettle, bags, earbuds = (o.id for o in SHOP)
    # swapped, dropped, added and changed letters
    assert [n.order_id for n in named_items("wheres my kettel", SHOP)] == [kettle]
    assert named_items("the ketle is late", SHOP)[0].order_id == kettle
    assert named_items("my earbudds stopped", SHOP)[0].order_id == earbuds
    assert named_items("the silicane ones ripped", SHOP)[0].order_id == bags
    # an exact word still outweighs a misspelt one of another item
    assert [n.order_id for n in named_items("kettel or the storage bags", SHOP)] == [
        bags
    ]


def test_an_inflected_word_is_no_misspelt_title_word():
    from bot.nlp.item_names import named_items

    shop = [
        _order("112-0000006-0000006", "Volt 20 W USB-C Wall Charger"),
        _order("112-0000007-0000007", "Hearth Ceramic Space Heater"),
        _order("112-0000008-0000008", "Hearth 4-Slice Toaster"),
    ]
    for text in (
        "i was charged twice, i want a refund",
        "it never heated up",
        "the bread was toasted unevenly",
    ):
        assert named_items(text, shop) == [], text
    # a typo of the title word itself still names it
    assert named_items("my chargr is broken", shop)[0].order_id == "112-0000006-0000006"


def test_a_word_two_letters_off_or_short_names_nothing():
    from bot.nlp.item_names import named_items

    # two letters off, a different first letter, a short word one letter off
    assert named_items("my kettrel", SHOP) == []
    assert named_items("the settle", SHOP) == []
    bowl = [_order("112-0000005-0000005", "Hearth Ceramic Mug")]
    assert named_items("my bug", bowl) == []
    assert named_items("my mug", bowl)[0].order_id == "112-0000005-0000005"


def test_words_that_name_no_item_name_nothing():
    from bot.nlp.item_names import named_items

    assert named_items("what is my case number", SHOP) == []
    assert named_items("where is my order 112", SHOP) == []
    assert named_items("hello", SHOP) == []
    # the brand on every item names none of them
    shop = SHOP[:2]
    assert named_items("the hearth thing", shop) == []


def test_the_same_item_in_two_orders_names_both():
    from bot.nlp.item_names import named_items

    twice = [*SHOP, _order("112-0000004-0000004", "Hearth 1.7 L Electric Kettle")]
    named = named_items("return the kettle", twice)
    assert {n.order_id for n in named} == {"112-0000001-0000001", "112-0000004-0000004"}
    # more of the title's words pick one
    assert [n.order_id for n in named_items("the stainless kettle", twice)] == [
        "112-0000001-0000001"
    ]


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("Hearth 20 oz Insulated Stainless Steel Tumbler with Lid", "tumbler"),
        ("Hearth 1.7 L Electric Kettle, Stainless Steel", "kettle"),
        ("Hearth Reusable Silicone Food Storage Bags, Set of 6", "bag"),
        ("Brooklyn 7-in-1 USB-C Hub", "hub"),
        ("Brooklyn Wireless Earbuds with Charging Case", "earbud"),
        ("Pacific Ultralight 2-Person Backpacking Tent", "tent"),
        ("Ferro Frying Pan (28 cm)", "pan"),
        ("Slim Phone Case", None),  # "case" names no item
        ("2000", None),
    ],
)
def test_what_a_product_is_is_the_last_word_of_its_name(title, word):
    from bot.nlp.item_names import product_word

    assert product_word(title) == word


def test_spanish_item_words_name_the_english_titles():
    from bot.nlp.item_names import named_items

    kettle, bags, earbuds = (o.id for o in SHOP)
    assert named_items("el hervidor llegó abollado", SHOP)[0].order_id == kettle
    assert named_items("mis audifonos no cargan", SHOP)[0].order_id == earbuds
    assert named_items("las bolsas de silicona se rompieron", SHOP)[0].order_id == bags
    shop = [
        _order("114-0000008-0000008", "Hearth Personalised Bamboo Cutting Board"),
        _order("114-0000013-0000013", "Pacific Ultralight 2-Person Backpacking Tent"),
    ]
    board, tent = (o.id for o in shop)
    assert named_items("la tabla de cortar llegó rajada", shop)[0].order_id == board
    assert named_items("¿dónde está mi tienda de campana?", shop)[0].order_id == tent
    # a Spanish word that names nothing the buyer ordered names nothing
    assert named_items("mi licuadora no funciona", shop) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("order 112-0000002-0000002 zip 98101, has it shipped yet?", "98101"),
        ("zip code is 98101-1234", "98101-1234"),
        ("código postal: 10001", "10001"),
        ("where is 112-0000002-0000002", None),
        ("98101", None),  # a ZIP alone is the answer to the question, not named
        ("zip 98101 or 98102?", None),
    ],
)
def test_stated_postal_code(text, expected):
    from bot.services.identity import stated_postal_code

    assert stated_postal_code(text) == expected


def test_what_comes_with_an_item_names_it_unless_whole_names_are_asked():
    from bot.nlp.item_names import named_items

    shop = [
        _order("112-0000001-0000001", "Hearth 20 oz Insulated Tumbler with Lid"),
        _order("112-0000002-0000002", "Hearth 1.7 L Electric Kettle, 1500 W"),
    ]
    text = "the lid wont close"
    assert named_items(text, shop)[0].order_id == "112-0000001-0000001"
    assert named_items(text, shop, whole_names=True) == []
    # the name itself still names it
    assert named_items("the tumbler lid", shop, whole_names=True)[0].order_id == (
        "112-0000001-0000001"
    )
