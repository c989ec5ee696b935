"""The seller case portal (/seller): a seller's own cases, in their preferred
language. Thin handlers over bot.services.seller_portal and bot.services.cases.

Another seller's case (or an agent case) is 404, not 403, so case numbers
cannot be probed. A reply stops the seller's SLA clock and, after the commit,
is pushed into the buyer's open chat (bot.services.push).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters import clock
from bot.adapters.catalogue import t
from bot.domain.model import CaseStatus
from bot.entrypoints.web.auth import checked_form, db_session, require_user, signed_in
from bot.entrypoints.web.photos import photo_response
from bot.entrypoints.web.templating import render
from bot.services import attachments, cases
from bot.services.case_answers import deliver_answer
from bot.services.presentation import topic_label
from bot.services.seller_portal import seller_case, seller_inbox
from bot.services.users import WebUser

log = logging.getLogger(__name__)

FLASH_KEY = "seller_flash"
MAX_REPLY_CHARS = 5000
MAX_CASE_ID = 2**31 - 1


def remaining_text(due: datetime | None, now: datetime, lang: str) -> str:
    """`5 h 12 min left` / `overdue by 3 min 10 s`; static/js/countdown.js
    renders the same text in the browser."""
    if due is None:
        return t("web.seller.countdown.not_running", lang)
    seconds = int((due - now).total_seconds())
    span = abs(seconds)
    if span >= 3600:
        time = t(
            "web.seller.countdown.hours_minutes",
            lang,
            hours=span // 3600,
            minutes=(span % 3600) // 60,
        )
    else:
        time = t(
            "web.seller.countdown.minutes_seconds",
            lang,
            minutes=span // 60,
            seconds=span % 60,
        )
    key = "web.seller.countdown.left" if seconds > 0 else "web.seller.countdown.overdue"
    return t(key, lang, time=time)


def countdown_labels(lang: str) -> dict[str, str]:
    """The countdown's templates with their placeholders kept, for the script."""
    return {
        "left": t("web.seller.countdown.left", lang, time="{time}"),
        "overdue": t("web.seller.countdown.overdue", lang, time="{time}"),
        "hm": t(
            "web.seller.countdown.hours_minutes",
            lang,
            hours="{hours}",
            minutes="{minutes}",
        ),
        "ms": t(
            "web.seller.countdown.minutes_seconds",
            lang,
            minutes="{minutes}",
            seconds="{seconds}",
        ),
    }


def _case_row(case: cases.CaseView, now: datetime, lang: str) -> dict[str, Any]:
    running = case.status is CaseStatus.AWAITING_SELLER
    return {
        "case": case,
        "topic": topic_label(case, lang),
        "sla": case.sla_state(now).value,
        "running": running,
        "remaining": remaining_text(case.seller_due_at if running else None, now, lang),
    }


def _take_flash(request: Request) -> str | None:
    return request.session.pop(FLASH_KEY, None)


def _case_number(request: Request) -> int:
    case_id = int(request.path_params["case_id"])
    if case_id > MAX_CASE_ID:  # beyond the id column: no such case
        raise HTTPException(404)
    return case_id


async def inbox(request: Request) -> Response:
    return await run_in_threadpool(_inbox, request)


def _inbox(request: Request) -> Response:
    user = require_user(request, "seller")
    now = clock.now()
    with db_session(request) as session:
        result = seller_inbox(session, seller_id=user.seller_id or "")
    lang = user.language
    return render(
        request,
        "seller/inbox.html",
        {
            "open_rows": [_case_row(c, now, lang) for c in result.open_cases],
            "resolved_rows": [_case_row(c, now, lang) for c in result.resolved_cases],
            "now": now,
            "labels": countdown_labels(lang),
        },
    )


def _case_page(
    request: Request,
    *,
    user: WebUser,
    error: str | None = None,
    draft: str = "",
    status_code: int = 200,
) -> Response:
    now = clock.now()
    with db_session(request) as session:
        try:
            found = seller_case(
                session, seller_id=user.seller_id or "", case_id=_case_number(request)
            )
        except cases.CaseNotFound:
            raise HTTPException(404) from None
        photos = attachments.list_attachments(
            session,
            case_id=found.case.id,
            upload_dir=request.app.state.settings.upload_dir,
        )
    return render(
        request,
        "seller/case.html",
        {
            "row": _case_row(found.case, now, user.language),
            "case": found.case,
            "order": found.order,
            "photos": photos,
            "now": now,
            "labels": countdown_labels(user.language),
            "flash": _take_flash(request),
            "error": error,
            "draft": draft,
            "max_reply_chars": MAX_REPLY_CHARS,
        },
        status_code=status_code,
    )


async def case_page(request: Request) -> Response:
    def page() -> Response:
        return _case_page(request, user=require_user(request, "seller"))

    return await run_in_threadpool(page)


async def case_photo(request: Request) -> Response:
    """A photo the buyer attached to this seller's own case; 404 otherwise."""
    user = await signed_in(request, "seller")
    case_id = _case_number(request)

    def own_case(session: Session, photo: attachments.Attachment) -> bool:
        if photo.case_id != case_id:
            return False
        try:
            seller_case(session, seller_id=user.seller_id or "", case_id=case_id)
        except cases.CaseNotFound:
            return False
        return True

    return await photo_response(
        request, int(request.path_params["attachment_id"]), allowed=own_case
    )


async def reply(request: Request) -> Response:
    await signed_in(request, "seller")  # before the CSRF check
    form = await checked_form(request)
    return await run_in_threadpool(_reply, request, str(form.get("text") or ""))


def _reply(request: Request, text: str) -> Response:
    user = require_user(request, "seller")
    text = text[:MAX_REPLY_CHARS]
    case_id = _case_number(request)
    try:
        with db_session(request) as session:
            view = cases.reply(
                session,
                case_id=case_id,
                seller_id=user.seller_id or "",
                text=text,
                now=clock.now(),
            )
    except (cases.CaseNotFound, cases.CaseAccessDenied):
        raise HTTPException(404) from None
    except cases.CaseError as exc:
        return _case_page(
            request,
            user=user,
            error=exc.message(user.language),
            draft=text,
            status_code=400,
        )
    request.session[FLASH_KEY] = "web.seller.case.replied"
    # An escalated case's reply is for CSBA's associates, not the buyer. Any
    # other reaches the buyer: in the open chat, or else by email too.
    push = (
        BackgroundTask(
            deliver_answer,
            view,
            engine=request.app.state.engine,
            settings=request.app.state.settings,
        )
        if view.status is not CaseStatus.ESCALATED
        else None
    )
    return RedirectResponse(
        f"/seller/cases/{view.id}", status_code=303, background=push
    )


async def resolve(request: Request) -> Response:
    await signed_in(request, "seller")  # before the CSRF check
    await checked_form(request)
    return await run_in_threadpool(_resolve, request)


def _resolve(request: Request) -> Response:
    user = require_user(request, "seller")
    try:
        with db_session(request) as session:
            view = cases.resolve(
                session,
                case_id=_case_number(request),
                now=clock.now(),
                by="seller",
                actor_id=user.seller_id or "",
            )
    except (cases.CaseNotFound, cases.CaseAccessDenied):
        raise HTTPException(404) from None
    request.session[FLASH_KEY] = "web.seller.case.resolved"
    return RedirectResponse(f"/seller/cases/{view.id}", status_code=303)


routes: list[BaseRoute] = [
    Route("/seller", inbox, methods=["GET"], name="seller_inbox"),
    Route("/seller/", inbox, methods=["GET"]),
    Route(
        "/seller/cases/{case_id:int}", case_page, methods=["GET"], name="seller_case"
    ),
    Route(
        "/seller/cases/{case_id:int}/photos/{attachment_id:int}",
        case_photo,
        methods=["GET"],
        name="seller_case_photo",
    ),
    Route("/seller/cases/{case_id:int}/reply", reply, methods=["POST"]),
    Route("/seller/cases/{case_id:int}/resolve", resolve, methods=["POST"]),
]
