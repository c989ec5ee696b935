"""bot.adapters.live_signal: signing, the in-process hub, and sending that
never raises."""

from __future__ import annotations

import asyncio
import json
import threading
import time

from bot.adapters import live_signal
from tools.devstack import free_ports


def test_a_signed_body_verifies_and_a_changed_one_does_not():
    body, signature = live_signal.signed_body({"topic": "inbox"})
    assert live_signal.verified_payload(body, signature)["topic"] == "inbox"
    assert live_signal.verified_payload(body + b" ", signature) is None
    assert live_signal.verified_payload(body, None) is None
    assert live_signal.verified_payload(body, "é" * 64) is None  # not hex: refused
    assert live_signal.verified_payload(b"[1]", live_signal.sign(b"[1]")) is None
    old = json.dumps({"topic": "inbox", "at": int(time.time()) - 120}).encode()
    assert live_signal.verified_payload(old, live_signal.sign(old)) is None


def test_topics():
    assert live_signal.valid_topic("inbox")
    assert live_signal.valid_topic(live_signal.conversation_topic("anon-1"))
    assert not live_signal.valid_topic("other")
    assert not live_signal.valid_topic(None)
    assert not live_signal.valid_topic(live_signal.conversation_topic("x" * 400))


def test_the_hub_delivers_from_any_thread_to_its_subscribers_only():
    hub = live_signal.LiveHub()

    async def scenario() -> list:
        hub.bind(asyncio.get_running_loop())
        with hub.subscribe("inbox") as inbox, hub.subscribe("conversation:a") as chat:
            assert hub.subscribers("inbox") == 1
            thread = threading.Thread(
                target=hub.publish, args=("inbox", {"kind": "inbox"})
            )
            thread.start()
            thread.join()
            got = await asyncio.wait_for(inbox.get(), 2)
            assert chat.empty()
        assert hub.subscribers("inbox") == 0
        hub.publish("inbox", {"kind": "inbox"})  # nobody listens: dropped
        return [got]

    assert asyncio.run(scenario()) == [{"kind": "inbox", "topic": "inbox"}]


def test_a_listener_that_stops_reading_keeps_the_newest():
    hub = live_signal.LiveHub()

    async def scenario() -> dict:
        hub.bind(asyncio.get_running_loop())
        with hub.subscribe("inbox") as queue:
            for number in range(live_signal.QUEUE_SIZE + 5):
                hub.publish("inbox", {"kind": "inbox", "n": number})
            assert queue.qsize() == live_signal.QUEUE_SIZE
            items = [queue.get_nowait() for _ in range(queue.qsize())]
        return items[-1]

    assert asyncio.run(scenario())["n"] == live_signal.QUEUE_SIZE + 4


def test_an_unbound_hub_and_no_url_send_nothing(monkeypatch):
    monkeypatch.delenv("CSBA_LIVE_SIGNAL_URL", raising=False)
    assert not live_signal.HUB.bound
    assert live_signal.signal("inbox", "inbox") is False


def test_a_failed_send_is_quiet_for_a_while_and_never_raises(monkeypatch):
    (port,) = free_ports(1)  # nothing listens there
    monkeypatch.setenv("CSBA_LIVE_SIGNAL_URL", f"http://127.0.0.1:{port}/internal/live")
    sender = live_signal._Sender()
    monkeypatch.setattr(live_signal, "_SENDER", sender)
    assert live_signal.signal("inbox", "inbox") is False
    assert sender.quiet_until > time.monotonic()
    started = time.monotonic()
    assert live_signal.signal("inbox", "inbox") is False  # quiet: no attempt
    assert time.monotonic() - started < 0.05
