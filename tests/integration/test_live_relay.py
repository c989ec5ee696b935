"""Live signals shared by several web processes through Redis
(bot.adapters.live_signal.RedisRelay), against a real Redis: two hubs, each on
its own event loop in its own thread, as two web processes would have."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import redis

from bot.adapters import live_signal
from bot.adapters.live_signal import INBOX, LiveHub, conversation_topic


class Process:
    """A hub bound to a loop running in a thread, with one subscriber."""

    def __init__(self, redis_url: str | None, *topics: str) -> None:
        self.hub = LiveHub()
        self.loop = asyncio.new_event_loop()
        self.got: list[dict[str, Any]] = []
        self.subscribed = threading.Event()
        self._stop = asyncio.Event()
        self.thread = threading.Thread(target=self._run, args=(redis_url, topics), daemon=True)
        self.thread.start()
        assert self.subscribed.wait(5)

    def _run(self, redis_url: str | None, topics: tuple[str, ...]) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main(redis_url, topics))

    async def _main(self, redis_url: str | None, topics: tuple[str, ...]) -> None:
        self.hub.bind(asyncio.get_running_loop(), redis_url)
        with self.hub.subscribe(*topics) as queue:
            self.subscribed.set()
            while not self._stop.is_set():
                try:
                    self.got.append(await asyncio.wait_for(queue.get(), 0.1))
                except asyncio.TimeoutError:
                    pass
        await self.hub.close(asyncio.get_running_loop())

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(5)


def wait_for(condition, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_signal_published_in_one_process_reaches_the_other(redis_url):
    one, two = Process(redis_url, INBOX), Process(redis_url, INBOX, conversation_topic("c1"))
    try:
        assert wait_for(lambda: one.hub.shared and two.hub.shared)
        one.hub.publish(INBOX, {"kind": "inbox"})
        one.hub.publish(conversation_topic("c1"), {"kind": "changed"})
        assert wait_for(lambda: len(two.got) == 2)
        assert wait_for(lambda: len(one.got) == 1)  # its own, once, through Redis
        time.sleep(0.2)
        assert one.got == [{"kind": "inbox", "topic": INBOX}]
        assert two.got == [
            {"kind": "inbox", "topic": INBOX},
            {"kind": "changed", "topic": "conversation:c1"},
        ]
    finally:
        one.stop()
        two.stop()


def test_without_redis_a_hub_delivers_to_its_own_process_only(redis_url):
    alone, other = Process(None, INBOX), Process(None, INBOX)
    try:
        alone.hub.publish(INBOX, {"kind": "inbox"})
        assert wait_for(lambda: alone.got == [{"kind": "inbox", "topic": INBOX}])
        time.sleep(0.2)
        assert other.got == []
    finally:
        alone.stop()
        other.stop()


def test_with_redis_unreachable_signals_stay_local_and_nothing_raises():
    # nothing listens on port 1: the relay never subscribes
    process = Process("redis://127.0.0.1:1/0", INBOX)
    try:
        time.sleep(0.3)
        assert not process.hub.shared
        process.hub.publish(INBOX, {"kind": "inbox"})
        assert wait_for(lambda: process.got == [{"kind": "inbox", "topic": INBOX}])
    finally:
        process.stop()


def test_a_malformed_message_on_the_channel_is_ignored(redis_url):
    process = Process(redis_url, INBOX)
    try:
        assert wait_for(lambda: process.hub.shared)
        client = redis.Redis.from_url(redis_url)
        client.publish(live_signal.REDIS_CHANNEL, b"not json")
        client.publish(live_signal.REDIS_CHANNEL, b'{"topic": "elsewhere", "message": {}}')
        process.hub.publish(INBOX, {"kind": "inbox"})
        assert wait_for(lambda: process.got == [{"kind": "inbox", "topic": INBOX}])
    finally:
        process.stop()
