"""The buyer side of the web app (issue 4, section 1): a demo shop page with the
chat widget, and the widget's server routes.

- `GET /`: the shop page; the widget sits in its corner. A "sign in as" picker
  over the seeded buyers, plus anonymous mode (`POST /chat/session`, CSRF
  checked), keeps the choice and a random chat id (`cid`) in the signed
  session cookie; a new choice starts a new chat. Picking a buyer is a demo
  feature: only with `WebSettings.demo_sign_in` (on by default on loopback
  only); otherwise the picker offers anonymous chat alone.
- `GET /chat/token`: a fresh short-lived chat token for that chat (a buyer
  token, or an anonymous chat token; bot.services.chat_access), and where
  Rasa's socket.io channel is. The browser never sees Rasa's API token.
- `GET /chat/history` (`Authorization: Bearer <chat token>`): the past messages
  of the conversation the token opens, from the tracker store, after the bot's
  greeting with its topic buttons (domain.yml `utter_greet`; shown, not stored).
- `POST /chat/upload` (the token, plus the CSRF header; multipart field
  `photo`): a JPEG or PNG of at most 5 MB, attached to the chat's open
  damaged-item case (bot.services.attachments).

Handlers are thin; the work is in bot/services. Every sentence comes from the
catalogue (`widget.*`), in the buyer's language (bot.entrypoints.web.
buyer_language): the page and the widget's labels start in the account's, the
page's (`?lang=`) or the browser's language, and follow the conversation's
(`csba_language` from the socket.io channel); the JSON answers are in the
conversation's language, else the one the widget shows (its `lang` field).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.adapters import clock
from bot.adapters.catalogue import buyer_language_or_default, t
from bot.adapters.repository import SqlRepository
from bot.adapters.tokens import SecretError
from bot.entrypoints.web.auth import checked_form, db_session
from bot.entrypoints.web.buyer_language import (
    answer_language,
    page_language,
    widget_strings,
    widget_strings_by_language,
)
from bot.entrypoints.web.templating import render
from bot.services.attachments import (
    MAX_PHOTO_BYTES,
    AttachmentRejected,
    attachments_of_conversation,
    discard,
    save_photo,
)
from bot.services.chat_access import resolve_chat_token
from bot.services.chat_history import (
    conversation_messages,
    greeting,
    with_greeting,
    with_notices,
)
from bot.services.identity import (
    DEFAULT_TOKEN_TTL,
    InvalidToken,
    issue_anonymous_token,
    issue_buyer_token,
)

log = logging.getLogger(__name__)

CHAT_SESSION_KEY = "buyer_chat"
SOCKET_PATH = "/socket.io"
# Multipart overhead allowed on top of the photo itself.
UPLOAD_SLACK_BYTES = 64 * 1024
SHOP_PRODUCTS = 6


def shown_language(request: Request) -> str:
    """The language the widget says it shows (`?lang=`), for an answer given
    before the conversation is known; English when it names none."""
    return buyer_language_or_default(request.query_params.get("lang"))


def _json_error(request: Request, code: str, status: int, key: str) -> JSONResponse:
    return JSONResponse(
        {"error": code, "message": t(key, shown_language(request))},
        status_code=status,
    )


def _chat(request: Request) -> dict[str, Any]:
    """This browser's chat: {"buyer": id or None, "cid": str}; anonymous when new."""
    chat = request.session.get(CHAT_SESSION_KEY)
    if not isinstance(chat, dict) or not isinstance(chat.get("cid"), str):
        chat = {"buyer": None, "cid": uuid.uuid4().hex}
        request.session[CHAT_SESSION_KEY] = chat
    return chat


async def shop(request: Request) -> Response:
    def load() -> tuple[list[dict[str, str]], list[str]]:
        with db_session(request) as session:
            repository = SqlRepository(session)
            buyers = [
                {"id": buyer.id, "name": buyer.name, "language": buyer.language}
                for buyer in repository.list_buyers()
            ]
            products = repository.product_titles(SHOP_PRODUCTS)
        return buyers, products

    buyers, products = await run_in_threadpool(load)
    if not request.app.state.settings.demo_sign_in:
        buyers = []  # the picker offers anonymous chat only
    chat = _chat(request)
    current = next((b for b in buyers if b["id"] == chat.get("buyer")), None)
    # the signed-in buyer's account language, else ?lang=, else the browser's
    language = page_language(request, current["language"] if current else None)
    response = render(
        request,
        "buyer/shop.html",
        {
            "lang": language,
            "buyers": buyers,
            "current_buyer": current,
            "products": products,
            "widget_strings": widget_strings(language),
            "widget_languages": widget_strings_by_language(),
            "max_photo_mb": MAX_PHOTO_BYTES // 2**20,
        },
    )
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


async def choose_identity(request: Request) -> Response:
    """The demo picker: sign in as a seeded buyer, or chat anonymously."""
    form = await checked_form(request)
    buyer_id = str(form.get("buyer") or "").strip()[:64]
    if buyer_id and not request.app.state.settings.demo_sign_in:
        # Off outside a local demo (WebSettings.demo_sign_in): nobody may pick a buyer.
        return RedirectResponse("/?unknown_buyer=1", status_code=303)
    if buyer_id:

        def exists() -> bool:
            with db_session(request) as session:
                return SqlRepository(session).buyer_exists(buyer_id)

        if not await run_in_threadpool(exists):
            return RedirectResponse("/?unknown_buyer=1", status_code=303)
    request.session[CHAT_SESSION_KEY] = {
        "buyer": buyer_id or None,
        "cid": uuid.uuid4().hex,
    }
    return RedirectResponse("/", status_code=303)


async def chat_token(request: Request) -> Response:
    settings = request.app.state.settings
    chat = _chat(request)
    try:
        if chat.get("buyer") and settings.demo_sign_in:
            token = issue_buyer_token(chat["buyer"], conversation=chat["cid"])
        else:
            token = issue_anonymous_token(conversation=chat["cid"])
    except SecretError:
        log.exception("The JWT secret is unusable")
        return _json_error(request, "unavailable", 503, "widget.errors.unavailable")
    return JSONResponse(
        {
            "token": token,
            "expires_in": int(DEFAULT_TOKEN_TTL.total_seconds()),
            "socket_url": settings.rasa_url,
            "socket_path": SOCKET_PATH,
        },
        headers={"Cache-Control": "no-store"},
    )


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _resolve(request: Request):  # noqa: ANN202 - ResolvedSender | JSONResponse
    token = _bearer(request)
    if token is None:
        return _json_error(request, "invalid_token", 401, "widget.errors.invalid_token")
    try:
        return resolve_chat_token(token)
    except InvalidToken:
        return _json_error(request, "invalid_token", 401, "widget.errors.invalid_token")


async def chat_history(request: Request) -> Response:
    resolved = _resolve(request)
    if isinstance(resolved, Response):
        return resolved
    settings = request.app.state.settings
    messages = await run_in_threadpool(
        conversation_messages, settings.tracker_store_url, resolved.sender_id
    )
    language = await answer_language(
        request, resolved.sender_id, request.query_params.get("lang")
    )
    messages = with_greeting(messages, greeting(language))

    def photos() -> list[tuple[float, str]]:
        with db_session(request) as session:
            found = attachments_of_conversation(
                session,
                conversation_id=resolved.sender_id,
                upload_dir=settings.upload_dir,
            )
        return [
            (
                photo.in_conversation_at.timestamp(),
                t("widget.upload.attached", language, case_number=photo.case_id),
            )
            for photo in found
            if photo.in_conversation_at is not None
        ]

    messages = with_notices(messages, await run_in_threadpool(photos))
    return JSONResponse(
        {
            "conversation_id": resolved.sender_id,
            "messages": messages,
            "language": language,
        },
        headers={"Cache-Control": "no-store"},
    )


async def chat_upload(request: Request) -> Response:
    resolved = _resolve(request)
    if isinstance(resolved, Response):
        return resolved
    # the widget says which language it shows, for a conversation with none yet
    language = await answer_language(
        request, resolved.sender_id, request.query_params.get("lang")
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PHOTO_BYTES + UPLOAD_SLACK_BYTES:
        return _rejected(AttachmentRejected("too_large", 413), language)
    form = await checked_form(request)
    photo = form.get("photo")
    if not isinstance(photo, UploadFile):
        return _rejected(AttachmentRejected("missing"), language)
    data = await photo.read(MAX_PHOTO_BYTES + 1)
    chosen = str(form.get("case_id") or "").strip()
    await form.close()
    if chosen and not (chosen.isdigit() and 0 < int(chosen) < 2**31):
        return _rejected(AttachmentRejected("no_case", 409), language)
    case_id = int(chosen) if chosen else None
    settings = request.app.state.settings

    def store() -> tuple[int, int]:
        attachment = None
        try:
            with db_session(request) as session:
                attachment = save_photo(
                    session,
                    data=data,
                    upload_dir=settings.upload_dir,
                    conversation_id=resolved.sender_id,
                    case_id=case_id,
                    now=clock.now(),
                    conversation_at=clock.wall_now(),
                )
        except BaseException:
            if attachment is not None:  # stored, but the row did not commit
                discard(attachment)
            raise
        return attachment.id, attachment.case_id

    try:
        attachment_id, case_id = await run_in_threadpool(store)
    except AttachmentRejected as rejected:
        return _rejected(rejected, language)
    return JSONResponse(
        {
            "attachment_id": attachment_id,
            "case_id": case_id,
            "message": t("widget.upload.attached", language, case_number=case_id),
        },
        status_code=201,
    )


def _rejected(rejected: AttachmentRejected, language: str) -> JSONResponse:
    body: dict[str, object] = {
        "error": rejected.code,
        "message": rejected.message(language),
    }
    if rejected.choices:
        # which of this chat's open damaged-item cases the photo is about
        body["choices"] = [
            {
                "case_id": choice.case_id,
                "order_id": choice.order_id,
                "title": t(
                    "widget.upload.choice",
                    language,
                    case_number=choice.case_id,
                    order_id=choice.order_id or "-",
                ),
            }
            for choice in rejected.choices
        ]
    return JSONResponse(body, status_code=rejected.status)


routes = [
    Route("/", shop, methods=["GET"]),
    Route("/chat/session", choose_identity, methods=["POST"]),
    Route("/chat/token", chat_token, methods=["GET"]),
    Route("/chat/history", chat_history, methods=["GET"]),
    Route("/chat/upload", chat_upload, methods=["POST"]),
]
