"""The agent review console (/agent, agents only): thin handlers over
bot.services.review, review_export and review_dashboard.

- `GET /agent`: the conversation list, filtered and paginated;
- `GET /agent/export.csv`: the filtered list as CSV;
- `GET /agent/conversations/{id}`: the transcript, the decision, the cases;
- `POST /agent/conversations/{id}`: an action (`action` = tags, reviewed,
  unreviewed, note, correct, reply), CSRF-checked, then back to the transcript;
- `GET /agent/dashboard`: the charts (agent_dashboard.py);
- `GET /agent/photos/{id}`: a photo a buyer attached to a case.

Every list, export and transcript request first folds the tracker store's new
events into the summaries (`sync_summaries`, cheap when nothing is new). An
agent's reply is pushed into the buyer's open chat after its commit.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters import clock
from bot.adapters.catalogue import t
from bot.adapters.db import get_engine
from bot.entrypoints.web.auth import checked_form, db_session, signed_in
from bot.entrypoints.web.photos import photo_response
from bot.entrypoints.web.templating import render
from bot.services import (
    attachments,
    review,
    review_export,
)
from bot.services.case_answers import deliver_answer
from bot.services.cases import CaseError, CaseView

log = logging.getLogger(__name__)

ROLE = "agent"
LANGUAGE = "en"
FLASH_KEY = "agent_flash"
MAX_REPLY_CHARS = 5000
MAX_PAGE = 10**6
# Tracker events folded into the summaries per transaction.
SYNC_ROUND = 20_000


def tracker_engine(request: Request) -> Engine:
    """The tracker store's engine (the review console and the live inbox read it)."""
    return get_engine(request.app.state.settings.tracker_store_url)


def conversation_url(conversation_id: str) -> str:
    return "/agent/conversations/" + quote(conversation_id, safe="")


def sync(request: Request, now: datetime) -> str | None:
    """Fold new tracker events into the summaries; a notice when the tracker
    store cannot be read (the pages then show the last sync)."""
    try:
        # in rounds, each its own transaction (a first sync can be large)
        read = SYNC_ROUND
        while read >= SYNC_ROUND:
            with db_session(request) as session:
                read = review.sync_summaries(
                    session, tracker_engine(request), now=now, limit=SYNC_ROUND
                )
    except review.TrackerUnavailable as exc:
        log.warning("Review sync failed: %s", exc.params.get("detail"))
        return t("agent.list.sync_notice", LANGUAGE, **exc.params)
    return None


def _page_number(raw: str | None) -> int:
    try:
        return min(max(1, int(raw or 1)), MAX_PAGE)
    except ValueError:
        return 1


# -- the list and its CSV -----------------------------------------------------------


async def conversation_list(request: Request) -> Response:
    await signed_in(request, ROLE)
    filters = review.ConversationFilters.from_params(request.query_params)
    page_number = _page_number(request.query_params.get("page"))
    now = clock.now()

    def load() -> tuple[str | None, review.ConversationPage, dict[str, list[str]]]:
        notice = sync(request, now)
        with db_session(request) as session:
            page = review.list_conversations(
                session, filters, now=now, page=page_number
            )
            return notice, page, review.filter_choices(session)

    notice, page, choices = await run_in_threadpool(load)
    params = filters.as_params()

    def page_url(number: int) -> str:
        return "/agent?" + urlencode({**params, "page": number})

    return render(
        request,
        "agent/list.html",
        {
            "filters": filters,
            "params": params,
            "page": page,
            "choices": choices,
            "notice": notice,
            "page_url": page_url,
            "csv_url": "/agent/export.csv"
            + ("?" + urlencode(params) if params else ""),
            "conversation_url": conversation_url,
        },
    )


async def export_csv(request: Request) -> Response:
    await signed_in(request, ROLE)
    filters = review.ConversationFilters.from_params(request.query_params)
    now = clock.now()

    def build() -> str:
        sync(request, now)
        with db_session(request) as session:
            return "".join(
                review_export.csv_lines(
                    review.iter_conversations(session, filters, now=now), LANGUAGE
                )
            )

    body = await run_in_threadpool(build)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="conversations-{stamp}.csv"'
        },
    )


# -- one conversation ---------------------------------------------------------------


def _transcript_page(
    request: Request,
    conversation_id: str,
    *,
    error: str | None = None,
    drafts: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    now = clock.now()
    notice = sync(request, now)
    with db_session(request) as session:
        try:
            found = review.transcript(
                session, tracker_engine(request), conversation_id, now=now
            )
        except review.ConversationNotFound:
            raise HTTPException(404) from None
        photos = attachments.attachments_by_case(
            session,
            [case.id for case in found.cases],
            upload_dir=request.app.state.settings.upload_dir,
        )
    if found.unavailable:
        notice = t(
            "agent.error.tracker_unavailable", LANGUAGE, detail=found.unavailable
        )
    return render(
        request,
        "agent/transcript.html",
        {
            "transcript": found,
            "photos": photos,
            "line": found.conversation,
            "now": now,
            "intents": review.correctable_intents(),
            "action_url": conversation_url(conversation_id),
            "flash": request.session.pop(FLASH_KEY, None),
            "notice": notice,
            "error": error,
            "drafts": drafts or {},
            "max_reply_chars": MAX_REPLY_CHARS,
            "max_note_chars": review.MAX_NOTE_CHARS,
        },
        status_code=status_code,
    )


async def case_photo(request: Request) -> Response:
    """A photo a buyer attached to a case: every agent may see it."""
    await signed_in(request, ROLE)
    return await photo_response(
        request, int(request.path_params["attachment_id"]), allowed=_any_case
    )


def _any_case(session: Session, photo: attachments.Attachment) -> bool:
    return True


async def conversation_page(request: Request) -> Response:
    await signed_in(request, ROLE)
    conversation_id = request.path_params["conversation_id"]
    return await run_in_threadpool(_transcript_page, request, conversation_id)


def _int(value: Any) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise review.ReviewError("agent.error.unknown_action") from None
    if not 0 < number < 2**31:
        raise review.ReviewError("agent.error.unknown_action")
    return number


def _act(
    request: Request, conversation_id: str, form: Any, agent: str
) -> tuple[str, CaseView | None]:
    """Carry out one action in a unit of work; the flash key and the case to push."""
    action = str(form.get("action") or "")
    now = clock.now()
    with db_session(request) as session:
        if action == "tags":
            tags = review.parse_tags(str(form.get("tags") or ""))
            review.set_tags(session, conversation_id, tags)
        elif action in ("reviewed", "unreviewed"):
            review.set_reviewed(
                session,
                conversation_id,
                reviewed=action == "reviewed",
                agent=agent,
                now=now,
            )
        elif action == "note":
            review.set_note(session, conversation_id, str(form.get("note") or ""))
        elif action == "correct":
            corrected = review.correct_intent(
                session,
                tracker_engine(request),
                conversation_id=conversation_id,
                event_id=_int(form.get("event_id")),
                intent=str(form.get("intent") or ""),
                agent=agent,
                now=now,
            )
            if corrected is None:
                return "agent.review.correction_removed", None
            return "agent.review.corrected", None
        elif action == "reply":
            case = review.reply_to_agent_case(
                session,
                conversation_id=conversation_id,
                case_id=_int(form.get("case_id")),
                agent=agent,
                text=str(form.get("text") or "")[:MAX_REPLY_CHARS],
                now=now,
            )
            return "agent.review.replied", case
        else:
            raise review.ReviewError("agent.error.unknown_action")
    return "agent.review.saved", None


async def conversation_action(request: Request) -> Response:
    user = await signed_in(request, ROLE)
    form = await checked_form(request)
    conversation_id = request.path_params["conversation_id"]
    try:
        flash, pushed_case = await run_in_threadpool(
            _act, request, conversation_id, form, user.username
        )
    except review.ConversationNotFound:
        raise HTTPException(404) from None
    except (review.ReviewError, CaseError) as exc:
        message = exc.message(LANGUAGE)
        drafts = {
            name: str(form.get(name) or "")
            for name in ("tags", "note", "text")
            if form.get(name)
        }
        return await run_in_threadpool(
            lambda: _transcript_page(
                request, conversation_id, error=message, drafts=drafts, status_code=400
            )
        )
    request.session[FLASH_KEY] = flash
    task = None
    if pushed_case is not None:
        task = BackgroundTask(
            deliver_answer,
            pushed_case,
            engine=request.app.state.engine,
            settings=request.app.state.settings,
        )
    return RedirectResponse(
        conversation_url(conversation_id), status_code=303, background=task
    )


routes: list[BaseRoute] = [
    Route("/agent", conversation_list, methods=["GET"], name="agent_list"),
    Route("/agent/", conversation_list, methods=["GET"]),
    Route("/agent/export.csv", export_csv, methods=["GET"], name="agent_export"),
    Route(
        "/agent/photos/{attachment_id:int}",
        case_photo,
        methods=["GET"],
        name="agent_case_photo",
    ),
    Route(
        "/agent/conversations/{conversation_id:path}",
        conversation_page,
        methods=["GET"],
        name="agent_conversation",
    ),
    Route(
        "/agent/conversations/{conversation_id:path}",
        conversation_action,
        methods=["POST"],
    ),
]
