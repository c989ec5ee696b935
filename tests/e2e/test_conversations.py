"""End-to-end conversations over REST with the real bot (see conftest.py).

Every test talks to the project's token channel, `POST /webhooks/csba_rest/webhook`,
as a buyer with a signed token (the sender id is then derived from the token) or
anonymously (verification with the order number and the ZIP code of its
shipping address). Each test asserts on what the buyer reads AND on what the
conversation recorded for the agents: the slots `route`, `reason_code`,
`case_id` and `order_id`, read back through Rasa's HTTP API.

The clock is fixed at the instant of data/demo/examples.json, so every expected
route there holds.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.entrypoints.rasa.channels.identity_resolution import CHAT_TOKEN_HEADER
from bot.services.identity import (
    conversation_id_for,
    issue_buyer_token,
    verify_buyer_token,
)
from tests.e2e.conftest import JWT_SECRET, Stack

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

DEMO = json.loads((PROJECT_ROOT / "data/demo/demo.json").read_text(encoding="utf-8"))
EXAMPLES = json.loads(
    (PROJECT_ROOT / "data/demo/examples.json").read_text(encoding="utf-8")
)
ORDERS = {order["id"]: order for order in DEMO["orders"]}
ZIP = {order_id: order["ship_to"]["postal_code"] for order_id, order in ORDERS.items()}
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def response_text(name: str) -> str:
    """The first text variant of a domain response (the wording lives there)."""
    return DOMAIN["responses"][name][0]["text"]


# --- a conversation -------------------------------------------------------------------


@dataclass
class Conversation:
    """One chat, as a buyer with a token or anonymously.

    An anonymous chat starts without a token; the server issues the
    conversation and its token in the first reply's `X-CSBA-Chat-Token` header,
    and every later message sends the latest token back. `sender` is sent too,
    and ignored by the channel. `client` sends from another loopback address
    (the verification limits count per address)."""

    bot: Stack
    buyer: str | None = None  # None: anonymous
    sender: str = field(default_factory=lambda: "e2e" + uuid.uuid4().hex[:16])
    token: str | None = None
    conversation_id: str = ""
    client: Any = None
    transcript: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.buyer is not None:
            self.token = issue_buyer_token(self.buyer, secret=JWT_SECRET)
            identity = verify_buyer_token(self.token, secret=JWT_SECRET)
            self.conversation_id = conversation_id_for(identity, secret=JWT_SECRET)

    def say(self, text: str) -> list[dict[str, Any]]:
        response = self.bot.post(self.sender, text, self.token, client=self.client)
        assert response.status_code == 200, (
            f"HTTP {response.status_code} for {text[:80]!r}: {response.text[:500]}\n"
            + self.bot.logs()
        )
        messages = response.json()
        assert isinstance(messages, list), messages
        if self.buyer is None:
            issued = response.headers.get(CHAT_TOKEN_HEADER)
            assert issued, f"no {CHAT_TOKEN_HEADER} on an anonymous reply"
            self.token = issued
            if not self.conversation_id:
                self.conversation_id = messages[0]["recipient_id"]
            assert self.conversation_id.startswith("anon-")
            assert self.sender not in self.conversation_id
        self.transcript.append((text, messages))
        for message in messages:
            assert message.get("recipient_id") == self.conversation_id, message
        return messages

    def texts(self, start: int = 0) -> str:
        """Everything the bot said since turn `start`, one message a line."""
        return "\n".join(
            message.get("text") or ""
            for _, messages in self.transcript[start:]
            for message in messages
        )

    def last_buttons(self) -> list[dict[str, str]]:
        for _, messages in reversed(self.transcript):
            for message in reversed(messages):
                if message.get("buttons"):
                    return message["buttons"]
            break
        return []

    def slots(self) -> dict[str, Any]:
        return self.bot.slots(self.conversation_id)

    def describe(self) -> str:
        lines = [
            f"conversation {self.conversation_id} (buyer {self.buyer or 'anonymous'})"
        ]
        for text, messages in self.transcript:
            lines.append(f"  buyer: {text[:120]!r}")
            for message in messages:
                buttons = [b.get("payload") for b in message.get("buttons") or []]
                lines.append(
                    f"  bot:   {(message.get('text') or '')[:200]!r}"
                    + (f" buttons={buttons}" if buttons else "")
                )
        return "\n".join(lines)


def answer_form(chat: Conversation, order: str | None, asin: str | None = None) -> None:
    """Answer whatever the order form asks until it is done (at most 6 answers)."""
    for _ in range(6):
        requested = chat.slots().get("requested_slot")
        if requested is None:
            return
        buttons = chat.last_buttons()
        if requested == "has_ordered":
            chat.say("yes")
        elif requested == "order_id":
            assert order, f"asked for an order number\n{chat.describe()}"
            click = next(
                (b for b in buttons if order in (b.get("payload") or "")), None
            )
            chat.say(click["payload"] if click else f"it's {order}")
        elif requested == "zip_code":
            assert chat.buyer is None, (
                f"a buyer with a token was asked for a ZIP code\n{chat.describe()}"
            )
            chat.say(ZIP[order])
        elif requested == "product_asin":
            assert asin, f"asked which item\n{chat.describe()}"
            click = next((b for b in buttons if b.get("payload") == asin), None)
            assert click, f"no button for item {asin}\n{chat.describe()}"
            chat.say(click["payload"])
        elif requested == "new_address":
            chat.say("12 Office Park Dr, Suite 4, Seattle WA 98109")
        else:
            pytest.fail(f"unexpected question {requested!r}\n{chat.describe()}")
    pytest.fail(f"the order form never ended\n{chat.describe()}")


# --- every row of the routing table ------------------------------------------------------


@dataclass(frozen=True)
class Row:
    reason: str
    route: str
    buyer: str | None
    anonymous: bool
    order: str | None
    text: str
    words: tuple[str, ...]  # each must appear in the replies (case-insensitive)
    asin: str | None = None
    order_in_text: bool = True  # False: the bot must ask for the order

    @property
    def id(self) -> str:
        return f"{self.reason}-{'anon' if self.anonymous else 'token'}-{self.order or 'no-order'}"


ROWS = [
    # 1. inquiries that need no order
    Row("pre_order", "buyer_seller_messaging", None, True, None,
        "Do you have the tumbler in white before I buy?", ("seller", "Contact seller")),
    Row("invoice", "buyer_seller_messaging", "B-1", False, None,
        "I need a VAT invoice", ("invoice", "Contact seller")),
    Row("customization", "buyer_seller_messaging", "B-3", False, None,
        "Can you change the engraving?", ("seller", "Contact seller")),
    Row("buyer_asked_for_agent", "agent", "B-2", False, None,
        "Let me talk to a person", ("person",)),
    # 2. order checks
    Row("order_not_found", "bot", "B-1", False, "999-9999999-9999999",
        "Where is my order 999-9999999-9999999?", ("couldn't find",)),
    Row("not_your_order", "bot", "B-2", False, "112-0000001-0000001",
        "Where is my order 112-0000001-0000001?", ("couldn't find",)),
    Row("fba_order", "buyer_seller_messaging", "B-1", False, "112-0000009-0000009",
        "I want to return order 112-0000009-0000009", ("Fulfillment by Amazon", "Contact seller")),
    # 3. coverage
    Row("seller_not_enrolled", "buyer_seller_messaging", None, True, "113-0000010-0000010",
        "Has my order 113-0000010-0000010 shipped?", ("seller", "Contact seller")),
    Row("placed_after_opt_out", "buyer_seller_messaging", "B-3", False, "114-0000011-0000011",
        "I'd like a refund for order 114-0000011-0000011", ("after the seller", "Contact seller")),
    Row("placed_before_enrollment", "buyer_seller_messaging", "B-1", False, "112-0000012-0000012",
        "Where is my package? Order 112-0000012-0000012", ("before the seller", "Contact seller")),
    # 4. covered orders: delivery
    Row("delivered", "bot", None, True, "112-0000001-0000001",
        "Where is my order 112-0000001-0000001?", ("delivered on Friday, Nov 20", "UPS", "1Z999AA10123456784")),
    Row("in_transit", "bot", "B-1", False, "112-0000003-0000003",
        "Where is my order 112-0000003-0000003?", ("on its way", "USPS", "9400111899223856112233")),
    Row("not_shipped_yet", "bot", None, True, "112-0000002-0000002",
        "has order 112-0000002-0000002 shipped yet?", ("hasn't shipped",)),
    Row("late_delivery", "seller_case", "B-2", False, "113-0000004-0000004",
        "My order 113-0000004-0000004 is late, where is it?",
        ("should have arrived by Thursday, Nov 19", "Yanwen", "24 hours", "by Saturday, Nov 28 at the latest")),
    Row("order_cancelled", "bot", None, True, "113-0000005-0000005",
        "where is order 113-0000005-0000005", ("cancelled",)),
    # what the buyer says happened beside the question (bot.nlp.claims)
    Row("delivered_not_received", "seller_case", "B-1", False, "112-0000001-0000001",
        "It says delivered but I never got it, order 112-0000001-0000001",
        ("shows as delivered", "haven't received it", "24 hours")),
    Row("refund_status", "seller_case", None, True, "113-0000005-0000005",
        "Order 113-0000005-0000005 was cancelled but I never got my money back",
        ("refund", "24 hours")),
    # returns
    Row("return_window_open", "bot", "B-1", False, "112-0000001-0000001",
        "I want to return order 112-0000001-0000001", ("return", "until the end of")),
    Row("damaged_return", "bot", "B-1", False, "112-0000001-0000001",
        "The lid arrived cracked", ("sorry", "Tumbler with Lid"),
        asin="B0HRTH0001", order_in_text=False),
    Row("damaged_return", "bot", "B-3", False, "114-0000013-0000013",
        "The tent from order 114-0000013-0000013 arrived with a torn seam",
        ("sorry", "Backpacking Tent")),
    Row("damaged_seller_case", "seller_case", "B-3", False, "114-0000007-0000007",
        "The silicone bags of order 114-0000007-0000007 came ripped open",
        ("sorry", "isn't a change of mind", "24 hours")),
    Row("damaged_seller_case", "seller_case", "B-2", False, "113-0000006-0000006",
        "The kettle from order 113-0000006-0000006 arrived with a dent",
        ("sorry", "24 hours")),
    Row("not_delivered_yet", "bot", None, True, "112-0000003-0000003",
        "I want to return order 112-0000003-0000003", ("nothing to return yet",)),
    Row("customization", "buyer_seller_messaging", "B-3", False, "114-0000008-0000008",
        "I want to return order 114-0000008-0000008", ("seller", "Contact seller")),
    Row("item_not_returnable", "seller_case", "B-3", False, "114-0000007-0000007",
        "Can I get a refund for order 114-0000007-0000007?", ("not returnable", "24 hours")),
    Row("return_window_closed", "seller_case", None, True, "113-0000006-0000006",
        "I want to return order 113-0000006-0000006", ("return window", "24 hours")),
    # cancellation and address change
    Row("cancel_request", "seller_case", "B-1", False, "112-0000002-0000002",
        "Please cancel, I ordered the wrong one", ("cancel", "24 hours"), order_in_text=False),
    Row("already_shipped", "bot", None, True, "112-0000003-0000003",
        "Please cancel order 112-0000003-0000003", ("already shipped", "USPS")),
    Row("address_change_request", "seller_case", "B-1", False, "112-0000002-0000002",
        "Ship it to my office instead", ("address", "24 hours"), order_in_text=False),
    Row("order_cancelled", "bot", "B-2", False, "113-0000005-0000005",
        "I need to change the shipping address of order 113-0000005-0000005", ("cancelled",)),
    # product questions
    Row("answered_from_detail_page", "bot", "B-1", False, "112-0000001-0000001",
        "is the tumbler dishwasher safe?", ("product page", "dishwasher"),
        asin="B0HRTH0001", order_in_text=False),
    Row("detail_page_silent", "seller_case", "B-1", False, "112-0000003-0000003",
        "does it come with a straw?", ("doesn't answer", "24 hours"), order_in_text=False),
]  # fmt: skip


def test_rows_cover_every_reason_code_and_example():
    from bot.domain.policy import REASON_CODES

    assert {row.reason for row in ROWS} == set(REASON_CODES)
    for row in ROWS:
        assert REASON_CODES[row.reason].value == row.route, row
    expected = {
        (ex["expect"][1], ex["order"])
        for ex in EXAMPLES["examples"]
        if "at" not in ex  # one example runs at another instant
    }
    assert expected <= {(row.reason, row.order) for row in ROWS} | {
        ("pre_order", None),
        ("buyer_asked_for_agent", None),
        # the invoice example names an order that its words do not give
        ("invoice", "112-0000001-0000001"),
        ("customization", "114-0000008-0000008"),
    }


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_routing_table(bot: Stack, row: Row):
    chat = Conversation(bot, buyer=None if row.anonymous else row.buyer)
    chat.say(row.text)
    asked = chat.slots().get("requested_slot")
    if row.order and not row.order_in_text:
        assert asked in ("order_id", "has_ordered"), chat.describe()
    if row.anonymous and row.order:
        assert asked == "zip_code", (
            f"an anonymous buyer must verify the ZIP code first\n{chat.describe()}"
        )
    answer_form(chat, row.order, row.asin)

    slots = chat.slots()
    replies = chat.texts()
    context = f"{chat.describe()}\nslots: { {k: slots.get(k) for k in ('route', 'reason_code', 'case_id', 'order_id')} }"
    assert slots.get("reason_code") == row.reason, context
    assert slots.get("route") == row.route, context
    if row.order:
        assert slots.get("order_id") == row.order, context
    if row.route in ("seller_case", "agent"):
        assert slots.get("case_id"), context
        assert str(slots["case_id"]) in replies, context
    else:
        assert slots.get("case_id") in (None, ""), context
    for word in row.words:
        assert word.lower() in replies.lower(), f"{word!r} missing\n{context}"
    if row.route == "buyer_seller_messaging":
        assert "Contact seller" in replies or "Ask a question" in replies, context


# --- what must never be revealed ------------------------------------------------------

_CARRIERS = {o["carrier"] for o in DEMO["orders"] if o.get("carrier")}
_TRACKING = {o["tracking_number"] for o in DEMO["orders"] if o.get("tracking_number")}
_TITLES = {p["title"] for p in DEMO["products"]}
_STATUS = re.compile(
    r"\b(delivered|shipped|on its way|in transit|cancell?ed|arrive[ds]?|tracking number"
    r"|return window|refund(ed)?)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\b(jan|feb|mar|apr|may|jun|jul|aug"
    r"|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b",
    re.IGNORECASE,
)


def assert_no_order_facts(text: str, context: str) -> None:
    """No carrier, tracking number, product, buyer detail or date of any order."""
    for secret in (*_CARRIERS, *_TRACKING, *_TITLES):
        assert secret.lower() not in text.lower(), f"revealed {secret!r}\n{context}"
    for buyer in DEMO["buyers"]:
        for value in (buyer["name"], buyer["email"]):
            assert value.lower() not in text.lower(), f"revealed {value!r}\n{context}"
    date = _DATE.search(text)
    assert date is None, f"revealed a date ({date.group(0)!r})\n{context}"


def assert_reveals_nothing(text: str, context: str) -> None:
    """No order facts and no status words either (for replies about one order)."""
    assert_no_order_facts(text, context)
    status = _STATUS.search(text)
    assert status is None, f"revealed the status ({status.group(0)!r})\n{context}"


def offers_a_person(messages: list[dict[str, Any]]) -> bool:
    for message in messages:
        if any(
            (b.get("payload") or "").startswith("/human_agent")
            for b in message.get("buttons") or []
        ):
            return True
        if re.search(r"\b(person|someone|agent)\b", message.get("text") or "", re.I):
            return True
    return False


def test_three_wrong_zip_codes_reveal_nothing_and_offer_a_person(bot: Stack):
    order = "112-0000001-0000001"  # delivered, UPS, Alice, ZIP 98101
    chat = Conversation(bot)
    chat.say(f"Where is my order {order}?")
    assert chat.slots().get("requested_slot") == "zip_code", chat.describe()
    for wrong in ("10001", "94103", "12345"):
        chat.say(wrong)
    final = chat.transcript[-1][1]
    assert final, f"no reply after the third wrong ZIP code\n{chat.describe()}"
    assert offers_a_person(final), chat.describe()

    # Even the right ZIP code now unlocks nothing in this conversation.
    chat.say(f"Where is my order {order}?")
    if chat.slots().get("requested_slot") == "zip_code":
        chat.say(ZIP[order])
    assert_reveals_nothing(chat.texts(), chat.describe())
    slots = chat.slots()
    assert order not in (slots.get("verified_orders") or []), chat.describe()
    assert slots.get("buyer_id") in (None, ""), chat.describe()
    assert slots.get("reason_code") not in {
        "delivered", "in_transit", "return_window_open", "not_shipped_yet"
    }, chat.describe()  # fmt: skip
    assert all(messages for _, messages in chat.transcript), (
        f"a message got no reply\n{chat.describe()}"
    )


def test_unknown_order_looks_like_a_wrong_zip_code(bot: Stack):
    """An anonymous buyer cannot probe which order numbers exist."""
    known, unknown = Conversation(bot), Conversation(bot)
    known.say("Where is my order 112-0000001-0000001?")
    unknown.say("Where is my order 999-9999999-9999999?")
    known.say("12345")
    unknown.say("12345")
    strip = lambda text: text.replace("112-0000001-0000001", "X").replace(  # noqa: E731
        "999-9999999-9999999", "X"
    )
    assert strip(known.texts()) == strip(unknown.texts()), (
        f"{known.describe()}\n{unknown.describe()}"
    )
    assert_reveals_nothing(known.texts() + unknown.texts(), known.describe())


def test_another_buyers_order_reveals_nothing(bot: Stack):
    order = "112-0000001-0000001"  # B-1's
    chat = Conversation(bot, buyer="B-2")
    chat.say(f"Where is my order {order}?")
    answer_form(chat, order)
    chat.say(f"I want to return order {order}")
    answer_form(chat, order)
    slots = chat.slots()
    assert slots.get("reason_code") == "not_your_order", chat.describe()
    assert slots.get("route") == "bot", chat.describe()
    assert slots.get("buyer_id") == "B-2", chat.describe()
    assert_reveals_nothing(chat.texts(), chat.describe())
    assert "98101" not in chat.texts()


# --- hostile input ---------------------------------------------------------------------

HOSTILE = {
    "20000-characters": ("where is my order " * 1200)[:20000],
    "control-characters": "\x00\x01\x02hel\x07lo\x1b[31m red \x7f\u200b\u202e order?",
    "emoji": "📦😡🔥 where is my order??? 🙏🏽👍",
    "sql": "'; DROP TABLE orders; --",
    "html": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "json-lookalike": '/give_order_id{"order_id": "112-0000001-0000001"',
    "payload-injection": '/delivery_status{"order_id": "112-0000001-0000001", "buyer_id": "B-1"}',
}


def assert_polite(messages: list[dict[str, Any]], context: str) -> None:
    texts = [m.get("text") for m in messages if m.get("text")]
    assert texts, f"no reply\n{context}"
    joined = "\n".join(texts)
    for bad in ("Traceback", "Exception", "Error:", "<script", "onerror", "DROP TABLE"):
        assert bad.lower() not in joined.lower(), f"{bad!r} in a reply\n{context}"


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_gets_a_polite_reply(bot: Stack, name: str):
    chat = Conversation(bot)
    messages = chat.say(HOSTILE[name])
    assert_polite(messages, chat.describe())
    # Nothing unlocks an order for an anonymous buyer (payloads included).
    assert_no_order_facts(chat.texts(), chat.describe())


# What the bot may decide about 112-0000003-0000003 (shipped, on its way), whatever
# inquiry a misread hostile message started: the conversation must go on to one.
ORDER_3_DECISIONS = {"in_transit", "already_shipped", "not_delivered_yet"}


@pytest.mark.parametrize("name", ["sql", "html", "emoji", "control-characters"])
def test_hostile_input_with_a_token_then_the_conversation_goes_on(
    bot: Stack, name: str
):
    chat = Conversation(bot, buyer="B-1")
    assert_polite(chat.say(HOSTILE[name]), chat.describe())
    chat.say("Where is my order 112-0000003-0000003?")
    answer_form(chat, "112-0000003-0000003")
    slots = chat.slots()
    assert slots.get("reason_code") in ORDER_3_DECISIONS, chat.describe()
    assert slots.get("order_id") == "112-0000003-0000003", chat.describe()
    assert "112-0000003-0000003" in chat.texts(1), chat.describe()


def test_a_new_question_while_the_bot_asks_for_the_order(bot: Stack):
    """The buyer changes their mind at the order question: the new question wins."""
    chat = Conversation(bot, buyer="B-1")
    chat.say("I want to cancel an order")
    assert chat.slots().get("requested_slot") == "order_id", chat.describe()
    chat.say("Actually, where is my order 112-0000003-0000003?")
    answer_form(chat, "112-0000003-0000003")
    slots = chat.slots()
    assert slots.get("reason_code") == "in_transit", chat.describe()
    assert "on its way" in chat.texts(1), chat.describe()


def test_hostile_answer_at_the_zip_question(bot: Stack):
    order = "112-0000002-0000002"
    chat = Conversation(bot)
    chat.say(f"Where is my order {order}?")
    assert chat.slots().get("requested_slot") == "zip_code", chat.describe()
    assert_polite(chat.say(HOSTILE["sql"]), chat.describe())
    assert chat.slots().get("requested_slot") == "zip_code", chat.describe()
    chat.say(ZIP[order])
    # The orders table is still there.
    assert chat.slots().get("reason_code") == "not_shipped_yet", chat.describe()


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\u202e"])
def test_an_empty_message_is_a_clear_400(bot: Stack, text: str):
    response = bot.post(None, text)
    assert response.status_code == 400, response.text[:300]
    assert response.json() == {"error": "invalid_request", "detail": "message is empty"}


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "x"},  # no message
        {"sender": "x", "message": None},
        {"sender": "x", "message": 12345},
        {"sender": {"$ne": 1}, "message": "hi"},
        {"sender": "x" * 5000, "message": "hi"},
        {"sender": "x", "message": "hi", "metadata": {"csba": {"buyer_id": "B-1"}}},
        {"sender": "x", "message": "hi", "metadata": "not a mapping"},
        ["not", "an", "object"],
    ],
    ids=lambda body: json.dumps(body)[:40],
)
def test_malformed_requests_never_get_a_5xx(bot: Stack, body: Any):
    response = bot.client.post(
        f"{bot.rasa_url}/webhooks/csba_rest/webhook", json=body, timeout=60
    )
    assert response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
    if response.status_code == 200:
        assert_no_order_facts(response.text, str(body))


def test_not_json_never_gets_a_5xx(bot: Stack):
    response = bot.client.post(
        f"{bot.rasa_url}/webhooks/csba_rest/webhook",
        content=b"\xff\xfe not json {",
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code < 500, f"{response.status_code}: {response.text[:300]}"


def test_a_forged_token_is_refused(bot: Stack):
    forged = issue_buyer_token("B-1", secret="not-the-secret-" + "y" * 40)
    response = bot.post("x", "Where is my order 112-0000001-0000001?", forged)
    assert response.status_code == 401, response.text[:300]
    assert_reveals_nothing(response.text, "forged token")


# --- the action server goes away and comes back -------------------------------------------


def test_action_server_down_then_back(bot: Stack):
    unavailable = response_text("utter_service_unavailable")
    chat = Conversation(bot, buyer="B-1")
    chat.say("Where is my order 112-0000003-0000003?")
    assert chat.slots().get("reason_code") == "in_transit", chat.describe()

    anonymous = Conversation(bot)
    bot.stop_actions()
    try:
        down_from = len(chat.transcript)
        messages = chat.say("I want to return order 112-0000001-0000001")
        assert messages, f"silence while the action server is down\n{chat.describe()}"
        replies = chat.texts(down_from)
        assert unavailable in replies, chat.describe()
        # Nothing stale from the previous decision, nothing made up.
        for stale in ("on its way", "USPS", "9400111899223856112233", "authorised"):
            assert stale not in replies, f"stale {stale!r}\n{chat.describe()}"

        # A conversation that starts while it is down is answered too.
        messages = anonymous.say("Where is my order 112-0000001-0000001?")
        assert messages, (
            f"silence while the action server is down\n{anonymous.describe()}"
        )
        assert unavailable in anonymous.texts(), anonymous.describe()
        assert_reveals_nothing(anonymous.texts(), anonymous.describe())
    finally:
        bot.start_actions()

    # Stopped in the middle of the order form: the ZIP code cannot be checked.
    bot.start_actions()
    mid_form = Conversation(bot)
    mid_form.say("Where is my order 112-0000002-0000002?")
    assert mid_form.slots().get("requested_slot") == "zip_code", mid_form.describe()
    bot.stop_actions()
    try:
        messages = mid_form.say(ZIP["112-0000002-0000002"])
        assert messages, (
            f"silence while the action server is down\n{mid_form.describe()}"
        )
        assert unavailable in mid_form.texts(1), mid_form.describe()
        assert_no_order_facts(mid_form.texts(), mid_form.describe())
    finally:
        bot.start_actions()

    # The same conversations go on once it is back.
    mid_form.say("Where is my order 112-0000002-0000002?")
    answer_form(mid_form, "112-0000002-0000002")
    assert mid_form.slots().get("reason_code") == "not_shipped_yet", mid_form.describe()

    resumed_from = len(chat.transcript)
    chat.say("I want to return order 112-0000001-0000001")
    answer_form(chat, "112-0000001-0000001")
    slots = chat.slots()
    assert slots.get("reason_code") == "return_window_open", chat.describe()
    assert slots.get("route") == "bot", chat.describe()
    assert slots.get("order_id") == "112-0000001-0000001", chat.describe()
    assert unavailable not in chat.texts(resumed_from), chat.describe()

    anonymous.say("Where is my order 112-0000001-0000001?")
    answer_form(anonymous, "112-0000001-0000001")
    assert anonymous.slots().get("reason_code") == "delivered", anonymous.describe()


# --- what the agents will read ---------------------------------------------------------


def test_decisions_are_kept_in_the_sql_tracker_store(bot: Stack):
    """The tracker store is SQL (table `events`): the decision slots are there."""
    import sqlite3

    chat = Conversation(bot, buyer="B-2")
    chat.say("My order 113-0000004-0000004 is late, where is it?")
    answer_form(chat, "113-0000004-0000004")
    case_id = chat.slots().get("case_id")
    assert case_id, chat.describe()

    with sqlite3.connect(bot.workdir / "tracker.db") as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (chat.conversation_id,),
        ).fetchall()
    recorded = {
        event["name"]: event["value"]
        for type_name, data in rows
        if type_name == "slot"
        for event in [json.loads(data)]
    }
    assert recorded.get("route") == "seller_case", rows
    assert recorded.get("reason_code") == "late_delivery", rows
    assert recorded.get("order_id") == "113-0000004-0000004", rows
    assert str(recorded.get("case_id")) == str(case_id), rows
    assert any(type_name == "user" for type_name, _ in rows)
