"""Live updates of the agent's pages and typing indicators (issue 14).

- `GET /agent/live/events`: server-sent events for the live inbox: `inbox`
  whenever a hand-off is queued, claimed, given, closed or cancelled. While it
  is open the agent counts as seen (bot.services.agent_presence), so an agent
  with the inbox open stays online without reloading.
- `GET /agent/live/{id}/events`: server-sent events for one hand-off's chat
  page: `changed` (new messages, a new state), `typing` (the buyer types).
- `POST /agent/live/{id}/typing` (CSRF-checked): the agent who holds the live
  chat is typing; the buyer's widget shows it (Rasa's socket.io channel,
  `agent_typing`).
- `POST /internal/live`: Rasa's channels and the action server hand a signal
  to this process (signed, bot.adapters.live_signal); no session, no cookie.

The pages' script (static/js/live.js) listens with the browser's EventSource,
which reconnects on its own; on `inbox` or `changed` it fetches the page again
and swaps the changing part in, keeping what the agent was typing. A stream
ends after STREAM_SECONDS (the browser reconnects at once), so a server that
stops never waits long for it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from bot.adapters import clock, live_signal
from bot.entrypoints.web.auth import checked_form, db_session, signed_in
from bot.services import agent_presence, handoff

log = logging.getLogger(__name__)

ROLE = "agent"
KEEPALIVE_SECONDS = 15.0
SEEN_EVERY_SECONDS = 60.0
STREAM_SECONDS = 300.0
RETRY_MS = 2000
AGENT_TYPING_PATH = "/webhooks/csba_socketio/agent_typing"


def _event(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n"


async def _stream(
    request: Request, topics: tuple[str, ...], on_idle: Callable[[], Any]
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    with live_signal.HUB.subscribe(*topics) as queue:
        yield f"retry: {RETRY_MS}\n\n"
        yield _event("ready", {})
        end = loop.time() + STREAM_SECONDS
        seen = loop.time()
        while loop.time() < end:
            if await request.is_disconnected():
                return
            try:
                item = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
            except asyncio.TimeoutError:
                yield ": keep-alive\n\n"
            else:
                kind = item.get("kind")
                if kind in live_signal.KINDS:
                    yield _event(kind, {"kind": kind})
            if loop.time() - seen >= SEEN_EVERY_SECONDS:
                seen = loop.time()
                await run_in_threadpool(on_idle)


def _sse(generator: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        generator,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _seen_by(request: Request, user: Any) -> Callable[[], None]:
    """What an open stream does every SEEN_EVERY_SECONDS: the agent is seen."""

    def seen() -> None:
        with db_session(request) as session:
            agent_presence.seen(session, agent_id=user.id, now=clock.now())

    return seen


async def inbox_events(request: Request) -> Response:
    user = await signed_in(request, ROLE)
    return _sse(_stream(request, (live_signal.INBOX,), _seen_by(request, user)))


def _handoff(request: Request, handoff_id: int) -> handoff.HandoffView:
    with db_session(request) as session:
        try:
            return handoff.get(session, handoff_id=handoff_id)
        except handoff.HandoffNotFound:
            raise HTTPException(404) from None


async def chat_events(request: Request) -> Response:
    user = await signed_in(request, ROLE)
    view = await run_in_threadpool(
        _handoff, request, int(request.path_params["handoff_id"])
    )
    topic = live_signal.conversation_topic(view.conversation_id)
    return _sse(_stream(request, (topic,), _seen_by(request, user)))


async def agent_typing(request: Request) -> Response:
    """204 when the buyer's chat was told; 403 when the agent does not hold
    this live chat; 202 when the chat could not be reached (a hint only)."""
    user = await signed_in(request, ROLE)
    await checked_form(request)
    view = await run_in_threadpool(
        _handoff, request, int(request.path_params["handoff_id"])
    )
    if view.state != "live" or view.agent_id != user.id:
        raise HTTPException(403)
    settings = request.app.state.settings
    payload = {"conversation_id": view.conversation_id, "agent": user.username}
    told = await run_in_threadpool(
        live_signal.post_signed, settings.rasa_url + AGENT_TYPING_PATH, payload
    )
    return Response(status_code=204 if told else 202)


async def internal_signal(request: Request) -> Response:
    body = await request.body()
    payload = live_signal.verified_payload(
        body, request.headers.get(live_signal.SIGNATURE_HEADER)
    )
    if payload is None:
        raise HTTPException(403)
    topic, message = payload.get("topic"), payload.get("message")
    if (
        not live_signal.valid_topic(topic)
        or not isinstance(message, dict)
        or message.get("kind") not in live_signal.KINDS
    ):
        raise HTTPException(400)
    # Redis may take a moment: off the event loop
    await run_in_threadpool(live_signal.HUB.publish, topic, {"kind": message["kind"]})
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/agent/live/events", inbox_events, methods=["GET"]),
    Route("/agent/live/{handoff_id:int}/events", chat_events, methods=["GET"]),
    Route("/agent/live/{handoff_id:int}/typing", agent_typing, methods=["POST"]),
    Route("/internal/live", internal_signal, methods=["POST"]),
]
