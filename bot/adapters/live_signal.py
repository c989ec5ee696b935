"""Live signals (issue 14): "this live chat changed", "the buyer is typing",
"the agent is typing", between the project's processes.

The agent's pages in the web app listen with server-sent events
(bot.entrypoints.web.live_events) to the web process's `LiveHub`. A signal
raised in the web process goes straight to its hub. Rasa's channels and the
action server run in other processes: they POST the signal to the web app's
`/internal/live` (`CSBA_LIVE_SIGNAL_URL`), and the web app sends the agent's
typing to Rasa's socket.io channel (`/webhooks/csba_socketio/agent_typing`).
Both requests are signed with an HMAC key derived from the JWT secret that
every process already shares (bot.adapters.tokens), carry their time, and are
refused when older than `MAX_AGE_SECONDS`.

A signal is a hint, never data: losing one costs an agent a refresh, never a
message (messages live in the tracker and the database). So sending never
raises: a failure is logged once and the sender stays quiet for
`QUIET_AFTER_FAILURE_SECONDS`.

Topics: `INBOX` (any hand-off queued, claimed, closed, cancelled) and
`conversation_topic(id)` (new messages in that chat, typing).

Several web processes (the cluster, `CSBA_REDIS_URL` set): a signal reaches
whichever process HAProxy gave it to, while the agent's page listens on
another. Each process's hub then publishes to the Redis channel `REDIS_CHANNEL`
and delivers what it hears there (`RedisRelay`, Redis pub/sub), so every
process's agents get every signal. While the relay is not listening (Redis
down), a hub delivers to its own process only: agents on other processes
refresh their pages by themselves, nothing else is lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import redis
import redis.asyncio as aioredis

from bot import config
from bot.adapters.tokens import jwt_secret

log = logging.getLogger(__name__)

INBOX = "inbox"
CONVERSATION_PREFIX = "conversation:"
SIGNATURE_HEADER = "X-CSBA-Signature"
MAX_AGE_SECONDS = 60
TIMEOUT_SECONDS = 1.0
QUIET_AFTER_FAILURE_SECONDS = 10.0
QUEUE_SIZE = 100
KINDS = frozenset({"inbox", "changed", "typing"})
REDIS_CHANNEL = "csba:live"
REDIS_TIMEOUT_SECONDS = 1.0
RELAY_RETRY_SECONDS = 1.0


def conversation_topic(conversation_id: str) -> str:
    return CONVERSATION_PREFIX + conversation_id


def valid_topic(topic: Any) -> bool:
    return isinstance(topic, str) and (
        topic == INBOX or (topic.startswith(CONVERSATION_PREFIX) and len(topic) < 300)
    )


# -- signing ------------------------------------------------------------------------


def _key() -> bytes:
    return hmac.new(
        jwt_secret().encode("utf-8"), b"csba-live-signal", hashlib.sha256
    ).digest()


def sign(body: bytes) -> str:
    return hmac.new(_key(), body, hashlib.sha256).hexdigest()


def signed_body(payload: dict[str, Any]) -> tuple[bytes, str]:
    """The JSON body (with its time) and its signature."""
    body = json.dumps({**payload, "at": int(time.time())}).encode("utf-8")
    return body, sign(body)


def verified_payload(body: bytes, signature: str | None) -> dict[str, Any] | None:
    """The payload of a signed body, or None when the signature is wrong, the
    body is not a JSON object or it is older than MAX_AGE_SECONDS."""
    if not signature or not hmac.compare_digest(
        sign(body).encode("ascii"), signature.encode("utf-8", "replace")
    ):
        return None
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("at"), int):
        return None
    if abs(time.time() - payload["at"]) > MAX_AGE_SECONDS:
        return None
    return payload


# -- the web process's hub ------------------------------------------------------------


class LiveHub:
    """Subscribers per topic in one process, each an asyncio queue on the web
    app's event loop. `publish` may be called from any thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribers: dict[str, set[asyncio.Queue]] = {}
        self._lock = threading.Lock()
        self._relay: RedisRelay | None = None

    def bind(
        self, loop: asyncio.AbstractEventLoop, redis_url: str | None = None
    ) -> None:
        """Deliver on `loop` (the web app's); with `redis_url`, share signals
        with the other web processes through Redis."""
        self._loop = loop
        if self._relay is not None:
            self._relay.stop()
            self._relay = None
        if redis_url:
            self._relay = RedisRelay(redis_url, self._publish_local)
            self._relay.start(loop)

    def unbind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Forget `loop` (an app stopping), unless another took its place."""
        if self._loop is loop:
            self._loop = None
            if self._relay is not None:
                self._relay.stop()
                self._relay = None

    async def close(self, loop: asyncio.AbstractEventLoop) -> None:
        """`unbind`, from `loop` itself, waiting for the relay's listener to end."""
        relay = self._relay if self._loop is loop else None
        self.unbind(loop)
        if relay is not None:
            await relay.stopped()

    @property
    def shared(self) -> bool:
        """Whether signals currently reach the other web processes."""
        return self._relay is not None and self._relay.listening

    @property
    def bound(self) -> bool:
        return self._loop is not None and not self._loop.is_closed()

    def subscribers(self, topic: str) -> int:
        with self._lock:
            return len(self._subscribers.get(topic, ()))

    @contextmanager
    def subscribe(self, *topics: str) -> Iterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        with self._lock:
            for topic in topics:
                self._subscribers.setdefault(topic, set()).add(queue)
        try:
            yield queue
        finally:
            with self._lock:
                for topic in topics:
                    waiting = self._subscribers.get(topic)
                    if waiting is not None:
                        waiting.discard(queue)
                        if not waiting:
                            del self._subscribers[topic]

    def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Deliver to every web process's subscribers of `topic` (this one's
        only, without a listening relay). Any thread; blocking for at most
        REDIS_TIMEOUT_SECONDS."""
        relay = self._relay
        if relay is not None and relay.publish(topic, message):
            return  # it comes back through the relay, here too
        self._publish_local(topic, message)

    def _publish_local(self, topic: str, message: dict[str, Any]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._lock:
            queues = list(self._subscribers.get(topic, ()))
        if not queues:
            return
        item = {**message, "topic": topic}
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            _deliver(queues, item)
        else:
            loop.call_soon_threadsafe(_deliver, queues, item)


def _deliver(queues: list[asyncio.Queue], item: dict[str, Any]) -> None:
    for queue in queues:
        if queue.full():  # a listener that stopped reading: keep the newest
            try:
                queue.get_nowait()
            except asyncio.QueueEmpty:
                pass
        queue.put_nowait(item)


class RedisRelay:
    """The hubs of several web processes, joined by one Redis pub/sub channel.

    `start` runs a listener on the web app's loop that hands every message of
    the channel to `deliver` (the hub's local delivery); it reconnects by itself
    every RELAY_RETRY_SECONDS after a failure. `publish` refuses (False) while
    the listener is not subscribed, so that a signal is never sent into a
    channel that this process does not hear either."""

    def __init__(
        self, url: str, deliver: Callable[[str, dict[str, Any]], None]
    ) -> None:
        self.url = url
        self._deliver = deliver
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._task: asyncio.Task | None = None
        self.listening = False
        self._warned = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._task = loop.create_task(self._listen())

    def stop(self) -> None:
        self.listening = False
        task = self._task
        if task is not None and not task.done():
            try:
                same_loop = asyncio.get_running_loop() is task.get_loop()
            except RuntimeError:
                same_loop = False
            if same_loop:
                task.cancel()
            else:
                task.get_loop().call_soon_threadsafe(task.cancel)
        self._client.close()

    async def stopped(self) -> None:
        """Wait, on the listener's loop, until it has ended (after `stop`)."""
        task, self._task = self._task, None
        if task is not None:
            try:
                await task
            except asyncio.CancelledError:
                pass

    def publish(self, topic: str, message: dict[str, Any]) -> bool:
        if not self.listening:
            return False
        try:
            body = json.dumps({"topic": topic, "message": message})
            self._client.publish(REDIS_CHANNEL, body)
            return True
        except redis.RedisError as exc:
            self._warn(exc)
            return False

    def _warn(self, exc: BaseException) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "Live signals are not shared with the other web processes "
                "(Redis: %s: %s); this process's agents still get its own",
                type(exc).__name__,
                exc,
            )

    async def _listen(self) -> None:
        while True:
            client = aioredis.Redis.from_url(
                self.url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
            )
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(REDIS_CHANNEL)
                self.listening = True
                if self._warned:
                    log.info("Live signals are shared through Redis again")
                    self._warned = False
                async for item in pubsub.listen():
                    self._received(item)
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as exc:
                self.listening = False
                self._warn(exc)
            finally:
                self.listening = False
                try:
                    await pubsub.close()
                    await client.close()
                except (redis.RedisError, OSError):
                    pass
            await asyncio.sleep(RELAY_RETRY_SECONDS)

    def _received(self, item: dict[str, Any]) -> None:
        if item.get("type") != "message":
            return
        try:
            data = json.loads(item["data"])
            topic, message = data["topic"], data["message"]
        except (ValueError, KeyError, TypeError):
            log.warning("Ignored a malformed live signal on %s", REDIS_CHANNEL)
            return
        if valid_topic(topic) and isinstance(message, dict):
            self._deliver(topic, message)


HUB = LiveHub()


# -- sending ------------------------------------------------------------------------


class _Sender:
    def __init__(self) -> None:
        self.quiet_until = 0.0

    def post(self, url: str, payload: dict[str, Any]) -> bool:
        now = time.monotonic()
        if now < self.quiet_until:
            return False
        try:
            body, signature = signed_body(payload)
            response = httpx.post(
                url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: signature,
                },
                timeout=TIMEOUT_SECONDS,
            )
            if response.status_code >= 300:
                raise httpx.HTTPStatusError(
                    f"HTTP {response.status_code}",
                    request=response.request,
                    response=response,
                )
            return True
        except Exception as exc:
            self.quiet_until = now + QUIET_AFTER_FAILURE_SECONDS
            log.warning(
                "Live signal to %s failed (%s: %s); agents' pages refresh on "
                "their own; quiet for %.0f s",
                url,
                type(exc).__name__,
                exc,
                QUIET_AFTER_FAILURE_SECONDS,
            )
            return False


_SENDER = _Sender()


def signal(topic: str, kind: str, **data: Any) -> bool:
    """Tell whoever listens to `topic` that `kind` happened. In the web
    process: its hub. Elsewhere: the web app at CSBA_LIVE_SIGNAL_URL, if set.
    Blocking (at most TIMEOUT_SECONDS); never raises."""
    message = {"kind": kind, **data}
    if HUB.bound:
        HUB.publish(topic, message)
        return True
    url = config.live_signal_url()
    if not url:
        return False
    return _SENDER.post(url, {"topic": topic, "message": message})


def post_signed(url: str, payload: dict[str, Any]) -> bool:
    """POST a signed payload to another process of the project (the web app's
    call to Rasa's channel); never raises."""
    return _SENDER.post(url, payload)
