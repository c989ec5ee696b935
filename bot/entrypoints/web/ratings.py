"""The buyer's answer to "Was this helpful?" after a live hand-off (issue 14,
item 3): `POST /chat/rating`.

The widget shows the question when the agent hands back (actions/handoff.py
sends it as data only). It authenticates like `/chat/upload`: the chat token
(`Authorization: Bearer <chat token>`, which names the conversation) and the
CSRF header. Body: `helpful=yes|no`. The answer is about the hand-off an agent
closed last in the token's conversation (bot.services.ratings), never one the
client names. Not a Rasa intent: a buyer cannot type it into the dialogue.

JSON answers: `{"ok": true, "message": ...}`, or a 4xx with
`{"ok": false, "error": code, "message": ...}`; every sentence from the
catalogue (`rating.*`, `widget.errors.*`).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.adapters import clock
from bot.adapters.catalogue import t
from bot.entrypoints.web.auth import checked_form, db_session
from bot.entrypoints.web.buyer import WIDGET_LANGUAGE
from bot.services import ratings
from bot.services.chat_access import resolve_chat_token
from bot.services.identity import InvalidToken

# A form of one short field; anything much bigger is not an answer.
MAX_BODY_BYTES = 4096
ANSWERS = {"yes": True, "no": False}


def _refused(code: str, status: int, message_key: str, **params: Any) -> JSONResponse:
    return JSONResponse(
        {
            "ok": False,
            "error": code,
            "message": t(message_key, WIDGET_LANGUAGE, **params),
        },
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _conversation(request: Request) -> str | None:
    """The conversation the bearer chat token opens, or None."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    try:
        return resolve_chat_token(value.strip()).sender_id
    except InvalidToken:
        return None


async def chat_rating(request: Request) -> Response:
    conversation_id = _conversation(request)
    if conversation_id is None:
        return _refused("invalid_token", 401, "widget.errors.invalid_token")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _refused("invalid", 413, "rating.error.invalid")
    try:
        form = await checked_form(request)
    except HTTPException as refused:
        if refused.status_code != 403:
            raise
        return _refused("csrf", 403, "widget.errors.invalid_token")
    answer = form.get("helpful")
    await form.close()
    helpful = ANSWERS.get(answer.strip().lower()) if isinstance(answer, str) else None
    if helpful is None:
        return _refused("invalid", 400, "rating.error.invalid")

    def store() -> None:
        with db_session(request) as session:
            ratings.rate_handoff(
                session,
                conversation_id=conversation_id,
                helpful=helpful,
                now=clock.now(),
            )

    try:
        await run_in_threadpool(store)
    except ratings.NothingToRate as error:
        return _refused("nothing_to_rate", 409, error.key)
    thanks = "rating.thanks.helpful" if helpful else "rating.thanks.not_helpful"
    return JSONResponse(
        {"ok": True, "message": t(thanks, WIDGET_LANGUAGE)},
        headers={"Cache-Control": "no-store"},
    )


routes = [
    Route("/chat/rating", chat_rating, methods=["POST"]),
]
