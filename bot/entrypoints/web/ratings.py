"""The buyer's answer to "Was this helpful?": in the widget, after a live
hand-off (issue 14, item 3) or a resolved inquiry (issue 17, item 5), `POST
/chat/rating`; from the answer email, the one-click links `GET /rate/{token}`.

The widget shows the question when the agent hands back (actions/handoff.py)
or the bot's answer ends an inquiry (actions/ratings.py), sent as data only.
It authenticates like `/chat/upload`: the chat token (`Authorization: Bearer
<chat token>`, which names the conversation) and the CSRF header. Body:
`helpful=yes|no`, and `inquiry=<id>` for an inquiry. The answer is about the
hand-off an agent closed last in the token's conversation, or the named
inquiry only if it is that conversation's own (bot.services.ratings). Not a
Rasa intent: a buyer cannot type it into the dialogue.

The email's links carry a signed rating token bound to one inquiry and its
conversation (bot.services.rating_links); `?helpful=yes|no` is the answer, and
the page it opens offers the other answer (rating again changes it).

JSON answers: `{"ok": true, "message": ...}`, or a 4xx with
`{"ok": false, "error": code, "message": ...}`; every sentence from the
catalogue (`rating.*`, `widget.errors.*`), in the conversation's language (its
`language` slot), else the one the widget shows (`?lang=`). The page of an
email's link is in the inquiry's conversation's language, else the link's
`lang` (the buyer's language when the email was written), else the browser's
(`Accept-Language`), else English.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.adapters import clock
from bot.adapters.catalogue import BUYER_LANGUAGES, SUPPORTED_LANGUAGES, t
from bot.entrypoints.web.auth import checked_form, db_session
from bot.entrypoints.web.buyer import shown_language
from bot.entrypoints.web.buyer_language import accepted_language, answer_language
from bot.entrypoints.web.templating import render
from bot.services import rating_links, ratings
from bot.services.chat_access import resolve_chat_token
from bot.services.conversation_language import conversation_language
from bot.services.identity import InvalidToken

# A form of one short field; anything much bigger is not an answer.
MAX_BODY_BYTES = 4096
ANSWERS = {"yes": True, "no": False}


def _refused(
    code: str, status: int, message_key: str, language: str, **params: Any
) -> JSONResponse:
    return JSONResponse(
        {
            "ok": False,
            "error": code,
            "message": t(message_key, language, **params),
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
        language = shown_language(request)
        return _refused("invalid_token", 401, "widget.errors.invalid_token", language)
    language = await answer_language(
        request, conversation_id, request.query_params.get("lang")
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return _refused("invalid", 413, "rating.error.invalid", language)
    try:
        form = await checked_form(request)
    except HTTPException as refused:
        if refused.status_code != 403:
            raise
        return _refused("csrf", 403, "widget.errors.invalid_token", language)
    answer, inquiry = form.get("helpful"), form.get("inquiry")
    await form.close()
    helpful = _answer(answer)
    if helpful is None:
        return _refused("invalid", 400, "rating.error.invalid", language)
    if inquiry is not None and not (isinstance(inquiry, str) and _id(inquiry)):
        return _refused("invalid", 400, "rating.error.invalid", language)

    def store() -> None:
        with db_session(request) as session:
            if inquiry is None:
                ratings.rate_handoff(
                    session,
                    conversation_id=conversation_id,
                    helpful=helpful,
                    now=clock.now(),
                )
                return
            ratings.rate_inquiry(
                session,
                inquiry_id=int(inquiry),
                conversation_id=conversation_id,
                helpful=helpful,
                now=clock.now(),
            )

    try:
        await run_in_threadpool(store)
    except ratings.NothingToRate as error:
        return _refused("nothing_to_rate", 409, error.key, language)
    thanks = "rating.thanks." + ("inquiry_" if inquiry is not None else "")
    thanks += "helpful" if helpful else "not_helpful"
    return JSONResponse(
        {"ok": True, "message": t(thanks, language)},
        headers={"Cache-Control": "no-store"},
    )


def _answer(value: object) -> bool | None:
    return ANSWERS.get(value.strip().lower()) if isinstance(value, str) else None


def _id(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 12


async def rate_from_email(request: Request) -> Response:
    """The answer email's one-click link: keep the answer, show the thanks and
    the other answer's link. Any failure shows one polite page."""
    token = request.path_params["token"]
    helpful = _answer(request.query_params.get("helpful"))
    language = await _rating_page_language(request, token)

    def store() -> str:
        if helpful is None:
            return "rating.error.invalid"
        with db_session(request) as session:
            rating_links.rate_by_link(session, token, helpful=helpful, now=clock.now())
        return "rating.thanks.inquiry_" + ("helpful" if helpful else "not_helpful")

    try:
        message_key = await run_in_threadpool(store)
        status = 200 if helpful is not None else 400
    except ratings.RatingError as error:
        invalid = isinstance(error, rating_links.RatingLinkInvalid)
        message_key, status = error.key, 404 if invalid else 409
    other = None
    if status == 200:
        answer = {"helpful": "no" if helpful else "yes", "lang": language}
        other = f"{request.url.path}?{urlencode(answer)}"
    response = render(
        request,
        "buyer/rated.html",
        {
            "lang": language,
            "message_key": message_key,
            "answered": None if status != 200 else ("yes" if helpful else "no"),
            "other_url": other,
        },
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def _rating_page_language(request: Request, token: str) -> str:
    """The inquiry's conversation's language, else the link's `lang` (the
    email's language, Chinese included; trusted for nothing else), else the
    browser's, else English."""
    conversation_id = rating_links.link_conversation(token, now=clock.now())
    if conversation_id is not None:
        known = await run_in_threadpool(
            conversation_language,
            request.app.state.settings.tracker_store_url,
            conversation_id,
        )
        if known is not None:
            return known
    requested = request.query_params.get("lang")
    if requested in BUYER_LANGUAGES + SUPPORTED_LANGUAGES:
        return requested
    return accepted_language(request.headers.get("accept-language")) or "en"


routes = [
    Route("/chat/rating", chat_rating, methods=["POST"]),
    Route("/rate/{token}", rate_from_email, methods=["GET"], name="rate_from_email"),
]
