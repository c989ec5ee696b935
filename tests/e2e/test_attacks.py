"""The attack suite (issue 10): each defect an attack run found, reproduced against
the real `rasa run` and action server, plus a bounded fuzz of both buyer
channels (REST and socket.io).

It runs on its own stack (`attack`: its own database, tracker store and
processes), because the verification limits it trips hold for 24 hours of the
fixed demo clock: orders it locks must not be the other suites' orders. Requests
come from distinct loopback addresses (127.0.0.x) where a test needs its own
per-client budget.

`CSBA_FUZZ_INPUTS` (default 2,000 per channel) sets the size of the fuzz;
`make fuzz` runs it with 20,000.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx
import pytest
import socketio

from bot.entrypoints.rasa.channels.identity_resolution import CHAT_TOKEN_HEADER
from bot.entrypoints.rasa.channels.input_guard import (
    MAX_BODY_BYTES,
    MAX_MESSAGE_CHARS,
    buyer_text,
)
from bot.services.verification import CLIENT_FAILURE_LIMIT, ORDER_FAILURE_LIMIT
from tests.e2e.conftest import NOTES, Stack, running_stack
from tests.e2e.hostile import RawRequest, conversations
from tests.e2e.test_conversations import (
    _CARRIERS,
    _TITLES,
    _TRACKING,
    DEMO,
    ZIP,
    Conversation,
    answer_form,
    assert_no_order_facts,
    assert_reveals_nothing,
    offers_a_person,
    response_text,
)
from tools.devstack import CSBA_WEBHOOK

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

FUZZ_INPUTS = int(os.environ.get("CSBA_FUZZ_INPUTS", "2000"))
FUZZ_SEED = 20261204
CHAT_TIMEOUT = 60
REPLY_GRACE = 5.0  # seconds; see socket_turn

# What a reply to a buyer must never contain: a stack trace, an internal name, an
# unfilled template variable.
_INTERNAL = re.compile(
    r"Traceback|Exception|Error:|File \"|\.py\b|sqlalchemy|psycopg|rasa\.|rasa_sdk"
    r"|\butter_[a-z_]+|\baction_[a-z_]+|EXTERNAL_|session_start|NoneType|KeyError"
    r"|\{[a-z_]+\}|/work/|/tmp/|\bslot\b",
)
INTERNAL_INTENTS = {"restart", "session_start", "back", "EXTERNAL_case_reply"}


@pytest.fixture(scope="module")
def attack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("attacks")) as running:
        yield running


def assert_clean(text: str, context: str) -> None:
    found = _INTERNAL.search(text)
    assert found is None, f"internal detail {found.group(0)!r} in a reply\n{context}"


def user_intents(stack: Stack, conversation_id: str) -> list[str]:
    events = stack.tracker(conversation_id)["events"]
    return [
        (event.get("parse_data") or {}).get("intent", {}).get("name")
        for event in events
        if event.get("event") == "user"
    ]


def failures_in_database(stack: Stack) -> int:
    with sqlite3.connect(stack.workdir / "csba.db") as db:
        return db.execute("SELECT COUNT(*) FROM verification_failures").fetchone()[0]


# --- defect 1: intent injection reset the ZIP limit -------------------------------------


def test_restart_does_not_reset_the_zip_limit(attack: Stack):
    """Three wrong ZIPs, `/restart` (or `/session_start`), ask again, right ZIP:
    the tracking number was revealed. Now `/...` is text and the limit holds."""
    order = "112-0000002-0000002"
    with attack.client_at("127.0.0.21") as client:
        chat = Conversation(attack, client=client)
        chat.say(f"where is my order {order}")
        assert chat.slots().get("requested_slot") == "zip_code", chat.describe()
        for wrong in ("11111", "22222", "33333"):
            chat.say(wrong)
        unavailable = response_text("utter_service_unavailable")
        for injected in (
            "/restart",
            "/session_start",
            '/EXTERNAL_case_reply{"case_id": 1}',
            "/back",
            f'/give_order_id{{"order_id": "{order}", "zip_code": "{ZIP[order]}"}}',
        ):
            messages = chat.say(injected)
            assert messages, f"no reply to {injected!r}\n{chat.describe()}"
            texts = "\n".join(m.get("text") or "" for m in messages)
            # internal intents used to get "I can't reach your order right now"
            assert unavailable not in texts, chat.describe()
            assert_clean(texts, chat.describe())
        asked_again = len(chat.transcript)
        chat.say(f"where is my order {order}")
        if chat.slots().get("requested_slot") == "zip_code":
            chat.say(ZIP[order])
        # No order fact anywhere; no status in the replies about the order (the
        # out-of-scope reply to a neutralised "/restart" says "orders shipped by
        # our sellers", which is not a status).
        assert_no_order_facts(chat.texts(), chat.describe())
        assert_reveals_nothing(chat.texts(asked_again), chat.describe())
        slots = chat.slots()
        assert order not in (slots.get("verified_orders") or []), chat.describe()
        assert slots.get("reason_code") in (None, ""), chat.describe()
        intents = user_intents(attack, chat.conversation_id)
        assert not INTERNAL_INTENTS & set(intents), intents
        events = attack.tracker(chat.conversation_id)["events"]
        assert [e["event"] for e in events].count("session_started") == 1
        assert not any(e["event"] == "restart" for e in events)


# --- defect 2: no limit beyond one conversation ------------------------------------------


def test_zip_guesses_across_conversations_lock_the_order(attack: Stack):
    """30 wrong guesses over 10 fresh conversations, then the right ZIP in an 11th,
    got the tracking number. Now the order locks after 5 failures in 24 h, across
    conversations and client addresses, and the right ZIP reveals nothing."""
    order = "114-0000013-0000013"
    locked = response_text("utter_verification_locked")
    before = failures_in_database(attack)
    guesses = iter(f"{n:05d}" for n in range(20000, 20030))
    for n in range(10):
        with attack.client_at(f"127.0.1.{n + 1}") as client:
            chat = Conversation(attack, client=client)
            chat.say(f"where is my order {order}?")
            for _ in range(3):
                if chat.slots().get("requested_slot") != "zip_code":
                    break
                chat.say(next(guesses))
            assert_reveals_nothing(chat.texts(), chat.describe())
    assert failures_in_database(attack) - before == ORDER_FAILURE_LIMIT
    with attack.client_at("127.0.1.99") as client:
        chat = Conversation(attack, client=client)
        messages = chat.say(f"where is my order {order}?")
        if chat.slots().get("requested_slot") == "zip_code":
            messages = chat.say(ZIP[order])
    assert locked in chat.texts(), chat.describe()
    assert offers_a_person(messages), chat.describe()
    assert_reveals_nothing(chat.texts(), chat.describe())
    assert order not in (chat.slots().get("verified_orders") or [])


def test_one_client_cannot_guess_across_many_orders(attack: Stack):
    """Per client address: 10 failures an hour over all orders, then even a right
    ZIP is not checked; another address is not affected."""
    limited = response_text("utter_verification_rate_limited")
    orders = [
        "112-0000009-0000009",
        "112-0000012-0000012",
        "113-0000010-0000010",
        "113-0000005-0000005",
        "114-0000008-0000008",
    ]
    wrong = iter(f"{n:05d}" for n in range(30000, 30020))
    with attack.client_at("127.0.0.40") as client:
        for order in orders:
            chat = Conversation(attack, client=client)
            chat.say(f"where is my order {order}")
            for _ in range(CLIENT_FAILURE_LIMIT // len(orders)):
                chat.say(next(wrong))
        target = "114-0000007-0000007"
        chat = Conversation(attack, client=client)
        chat.say(f"where is my order {target}")
        if chat.slots().get("requested_slot") == "zip_code":
            chat.say(ZIP[target])
        assert limited in chat.texts(), chat.describe()
        assert_reveals_nothing(chat.texts(), chat.describe())
    with attack.client_at("127.0.0.41") as client:
        neighbour = Conversation(attack, client=client)
        neighbour.say(f"where is my order {target}")
        answer_form(neighbour, target)
        assert neighbour.slots().get("reason_code") == "delivered", neighbour.describe()


# --- defects 3 and 4: a client chose the conversation -----------------------------------


def test_plain_rest_is_not_reachable(attack: Stack):
    for method, path in (
        ("POST", "/webhooks/rest/webhook"),
        ("GET", "/webhooks/rest/"),
    ):
        response = attack.client.request(
            method,
            f"{attack.rasa_url}{path}",
            json={"sender": "anon-x", "message": "hi"},
            timeout=CHAT_TIMEOUT,
        )
        assert response.status_code == 404, (path, response.status_code)


def _forged_call(order_id: str, buyer_id: str) -> dict[str, Any]:
    """A made-up tracker that claims a verified order (the security trial's)."""
    return {
        "next_action": "action_triage",
        "sender_id": "anon-forged",
        "tracker": {
            "sender_id": "anon-forged",
            "slots": {
                "pending_intent": "delivery_status",
                "order_id": order_id,
                "verified_orders": [order_id],
                "buyer_id": buyer_id,
            },
            "latest_message": {
                "text": "where is my order",
                "intent": {"name": "delivery_status", "confidence": 1.0},
                "entities": [],
            },
            "events": [],
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": {},
    }


def test_the_action_server_runs_nothing_without_rasas_token(attack: Stack):
    """A local process (or a forged request to localhost) that hands the action
    server a made-up tracker gets 401, not another buyer's tracking number."""
    url = f"{attack.actions_url}/webhook"
    call = _forged_call("114-0000008-0000008", "B-3")
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": attack.action_token},  # not a bearer token
        {"Authorization": f"Bearer {attack.api_token}"},  # Rasa's API token
    ):
        response = attack.client.post(url, json=call, headers=headers, timeout=30)
        assert response.status_code == 401, (headers, response.status_code)
        assert response.json() == {"error": "missing or wrong action server token"}
    listing = attack.client.get(f"{attack.actions_url}/actions", timeout=30)
    assert listing.status_code == 401
    assert attack.client.get(f"{attack.actions_url}/health").status_code == 200
    # Rasa's own calls carry the token: the actions answer (conversations
    # throughout this suite), and so does a call with it
    allowed = attack.client.post(
        url,
        json=call,
        headers={"Authorization": f"Bearer {attack.action_token}"},
        timeout=30,
    )
    assert allowed.status_code == 200
    assert "1Z999" in allowed.text  # what the refused calls would have told


def test_a_verified_anonymous_conversation_cannot_be_joined(attack: Stack):
    order = "113-0000004-0000004"
    with attack.client_at("127.0.0.50") as client:
        victim = Conversation(attack, client=client)
        victim.say(f"Where is my order {order}?")
        answer_form(victim, order)
    assert victim.slots().get("reason_code") == "late_delivery", victim.describe()
    victim_id = victim.conversation_id

    with attack.client_at("127.0.0.51") as client:
        for sender in (victim_id, victim_id.removeprefix("anon-"), victim.sender):
            response = attack.post(sender, "where is my order?", client=client)
            assert response.status_code == 200
            assert all(m["recipient_id"] != victim_id for m in response.json())
            assert_reveals_nothing(response.text, f"sender {sender}")
        # The id is not a token either.
        response = attack.post(None, "where is my order?", victim_id, client=client)
        assert response.status_code == 401
        response = attack.post(
            None, "hi", body={"message": "hi", "token": victim_id}, client=client
        )
        assert response.status_code == 401


def test_an_agent_reply_reaches_only_its_buyer(attack: Stack):
    from datetime import datetime, timezone

    from bot.adapters.db import make_engine, session_scope
    from bot.services.cases import agent_reply

    buyer = Conversation(attack, buyer="B-3")
    buyer.say("I want to talk to a person")
    case_id = buyer.slots().get("case_id")
    assert case_id, buyer.describe()
    engine = make_engine(f"sqlite:///{attack.workdir / 'csba.db'}")
    with session_scope(engine) as session:
        agent_reply(
            session,
            case_id=case_id,
            agent_id="agent",
            text="Your refund was sent today.",
            now=datetime.now(timezone.utc),
        )
    engine.dispose()
    response = attack.post(buyer.conversation_id, "hi")
    assert response.status_code == 200
    assert "refund was sent" not in response.text
    buyer.say("hello?")
    assert "Your refund was sent today." in buyer.texts(), buyer.describe()


# --- defect 5: bodies that are not a message --------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"", 400, "invalid_request"),
        (b"null", 400, "invalid_request"),
        (b"[]", 400, "invalid_request"),
        (b"123", 400, "invalid_request"),
        (b'"a string"', 400, "invalid_request"),
        (b"{not json", 400, "invalid_request"),
        (b"{}", 400, "invalid_request"),
        (json.dumps({"message": 5}).encode(), 400, "invalid_request"),
        (json.dumps({"message": None}).encode(), 400, "invalid_request"),
        (json.dumps({"message": ["hi"]}).encode(), 400, "invalid_request"),
        (json.dumps({"message": "x" * 1024 * 1024}).encode(), 413, "payload_too_large"),
        (b"[" * 30000 + b"]" * 30000, 400, "invalid_request"),
    ],
    ids=lambda value: value[:20] if isinstance(value, bytes) else str(value),
)
def test_a_body_that_is_not_a_message_gets_a_clear_error(attack, body, status, error):
    response = attack.client.post(
        f"{attack.rasa_url}{CSBA_WEBHOOK}",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=CHAT_TIMEOUT,
    )
    assert response.status_code == status, response.text[:300]
    got = response.json()
    assert got["error"] == error and got["detail"], got


def test_a_long_message_is_cut_before_it_is_stored(attack: Stack):
    chat = Conversation(attack)
    messages = chat.say("where is my order " + "x" * 50_000)
    assert messages, chat.describe()
    events = attack.tracker(chat.conversation_id)["events"]
    stored = [e.get("text") or "" for e in events if e.get("event") == "user"]
    assert stored and max(len(text) for text in stored) <= MAX_MESSAGE_CHARS


def test_the_action_server_listens_on_loopback_only(attack: Stack):
    """It trusts the tracker Rasa sends it: nobody else may reach it."""
    port = int(attack.actions_url.rsplit(":", 1)[1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, port_hex = local.rsplit(":", 1)
                if state == "0A" and int(port_hex, 16) == port:  # LISTEN
                    listening.append(address)
    assert listening, f"nothing listens on {port}"
    assert set(listening) <= {"0100007F", "00000000000000000000000001000000"}, listening


# --- the fuzz ---------------------------------------------------------------------------


class FuzzReport:
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.statuses: Counter[str] = Counter()
        self.round_trips: list[float] = []
        self.lock = threading.Lock()

    def add(self, status: str, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.round_trips.append(seconds)

    def line(self) -> str:
        trips = sorted(self.round_trips)
        return (
            f"fuzz {self.channel}: {sum(self.statuses.values())} hostile inputs, "
            f"statuses {dict(sorted(self.statuses.items()))}, "
            f"median {statistics.median(trips) * 1000:.0f} ms, "
            f"max {trips[-1] * 1000:.0f} ms"
        )


def _order_details() -> set[str]:
    """What an anonymous buyer must never read about any demo order: carriers,
    tracking numbers, item titles and prices, the buyers' names and e-mail
    addresses, and the orders' dates (in ISO and in words)."""
    details = {*_CARRIERS, *_TRACKING, *_TITLES}
    for buyer in DEMO["buyers"]:
        details.update((buyer["name"], buyer["email"]))
    for order in DEMO["orders"]:
        details.update(item["unit_price"] for item in order["items"])
        for field in (
            "placed_at",
            "shipped_at",
            "delivered_at",
            "promised_delivery_by",
        ):
            if order.get(field):
                day = datetime.fromisoformat(order[field].replace("Z", "+00:00"))
                details.update((day.date().isoformat(), day.strftime("%b %-d,")))
    return {detail.lower() for detail in details}


ORDER_DETAILS = _order_details()


def assert_no_order_details(text: str, context: str) -> None:
    lowered = text.lower()
    for detail in ORDER_DETAILS:
        assert detail not in lowered, f"revealed {detail!r}\n{context}"


def check_reply(messages: Any, context: str) -> None:
    assert isinstance(messages, list) and messages, f"silence\n{context}"
    texts = "\n".join(str(m.get("text") or "") for m in messages)
    assert texts.strip(), f"a reply without text\n{context}"
    assert_clean(texts, context)
    assert_no_order_details(texts, context)


def rest_turn(
    client: httpx.Client, url: str, turn: str | RawRequest, token: str | None
) -> tuple[str, httpx.Response]:
    headers = {"Content-Type": "application/json"}
    if isinstance(turn, RawRequest):
        headers.update(dict(turn.headers))
        body = turn.body
    else:
        body = json.dumps({"message": turn}).encode()
        if token:
            headers["Authorization"] = f"Bearer {token}"
    response = client.post(url, content=body, headers=headers, timeout=CHAT_TIMEOUT)
    return body.decode("utf-8", "replace")[:200], response


def test_fuzz_rest_channel(attack: Stack):
    url = f"{attack.rasa_url}{CSBA_WEBHOOK}"
    report = FuzzReport("csba_rest")
    chats = list(conversations(FUZZ_INPUTS, FUZZ_SEED))

    def run(turns: list[str | RawRequest]) -> None:
        token = None
        with attack.client_at("127.0.0.9") as client:
            for turn in turns:
                started = time.perf_counter()
                sent, response = rest_turn(client, url, turn, token)
                report.add(str(response.status_code), time.perf_counter() - started)
                context = (
                    f"sent {sent!r} -> {response.status_code} {response.text[:300]!r}"
                )
                assert response.status_code < 500, context
                assert response.content, f"an empty response\n{context}"
                assert_clean(response.text, context)
                if isinstance(turn, RawRequest):
                    if turn.expect == 200:
                        assert response.status_code == 200, context
                        check_reply(response.json(), context)
                    else:
                        assert response.status_code // 100 == 4, context
                        assert response.json()["error"], context
                    continue
                if len(json.dumps({"message": turn})) > MAX_BODY_BYTES:
                    assert response.status_code == 413, context
                elif not buyer_text(turn):
                    assert response.status_code == 400, context
                    assert response.json()["detail"] == "message is empty", context
                else:
                    assert response.status_code == 200, context
                    check_reply(response.json(), context)
                    token = response.headers[CHAT_TOKEN_HEADER]

    with ThreadPoolExecutor(max_workers=6) as pool:
        for future in [pool.submit(run, turns) for turns in chats]:
            future.result()
    NOTES.append(report.line())
    print(report.line())
    assert sum(report.statuses.values()) >= FUZZ_INPUTS
    assert_still_serves(attack)


def assert_still_serves(stack: Stack) -> None:
    chat = Conversation(stack, buyer="B-1")
    chat.say("Where is my order 112-0000003-0000003?")
    answer_form(chat, "112-0000003-0000003")
    assert chat.slots().get("reason_code") == "in_transit", chat.describe()
    response = stack.client.get(
        f"{stack.rasa_url}/status", params={"token": stack.api_token}
    )
    assert response.status_code == 200


# Payloads of the socket channel's user_uttered event that are not {"message": str}.
_ODD_SOCKET_DATA: tuple[Any, ...] = (
    None,
    "a bare string",
    123,
    ["message", "hi"],
    {"message": 12345},
    {"message": None},
    {"message": ["x"]},
    {"text": "hi"},
    {"message": {"$ne": 1}},
)


def socket_turn(
    client: socketio.Client, data: Any, events: dict[str, Any]
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Emit one user_uttered; wait for bot_turn_done. The replies and errors.

    python-engineio's client runs each received packet's handler in a thread of
    its own, so a turn's bot_uttered can be handled just after its
    bot_turn_done (both often come in one polling response): a turn that is
    done without a reply or an error yet waits up to REPLY_GRACE for one before
    it counts as silence."""
    events["done"].clear()
    events["replies"].clear()
    events["errors"].clear()
    client.emit("user_uttered", data)
    if not events["done"].wait(CHAT_TIMEOUT):
        return "timeout", list(events["replies"]), list(events["errors"])
    deadline = time.monotonic() + REPLY_GRACE
    while not (events["replies"] or events["errors"]) and time.monotonic() < deadline:
        time.sleep(0.02)
    return "done", list(events["replies"]), list(events["errors"])


def test_fuzz_socketio_channel(attack: Stack):
    report = FuzzReport("csba_socketio")
    chats = list(conversations(FUZZ_INPUTS, FUZZ_SEED + 1, raw_share=0.0))
    odd = iter(_ODD_SOCKET_DATA * (FUZZ_INPUTS // len(_ODD_SOCKET_DATA) + 1))

    def run(batch: list[list[str]]) -> None:
        for index, turns in enumerate(batch):
            client = socketio.Client(reconnection=False)
            events: dict[str, Any] = {
                "done": threading.Event(),
                "replies": [],
                "errors": [],
            }
            client.on("bot_uttered", events["replies"].append)
            client.on("csba_error", events["errors"].append)
            done = events["done"]
            client.on("bot_turn_done", lambda *_, done=done: done.set())
            client.connect(attack.rasa_url, wait_timeout=30, transports=["polling"])
            try:
                for turn_number, text in enumerate(turns):
                    # Now and then a payload that is not {"message": str}.
                    send_odd = (index + turn_number) % 10 == 0
                    data = next(odd) if send_odd else {"message": text}
                    started = time.perf_counter()
                    state, replies, errors = socket_turn(client, data, events)
                    context = f"sent {str(data)[:200]!r}: {state} {replies} {errors}"
                    assert state == "done", f"no bot_turn_done\n{context}"
                    usable = (
                        isinstance(data, dict)
                        and isinstance(data.get("message"), str)
                        and buyer_text(data["message"])
                    )
                    if usable:
                        report.add("reply", time.perf_counter() - started)
                        check_reply(replies, context)
                    else:
                        report.add("csba_error", time.perf_counter() - started)
                        assert errors and errors[0]["error"] == "invalid_request", (
                            context
                        )
                        assert not replies, context
            finally:
                client.disconnect()

    workers = 4
    batches = [chats[n::workers] for n in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(run, batch) for batch in batches]:
            future.result()
    NOTES.append(report.line())
    print(report.line())
    assert sum(report.statuses.values()) >= FUZZ_INPUTS
    assert_still_serves(attack)
