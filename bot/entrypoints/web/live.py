"""The live inbox (/agent/live, agents only): thin handlers over
bot.services.handoff, with the buyer's chat reached through Rasa's HTTP API
(bot.services.push) after each commit.

- `GET /agent/live`: the agent's status, the agents online, the buyers waiting
  (oldest first, with their wait) and the live chats;
- `POST /agent/live/presence`: `status` = online | away;
- `GET /agent/live/{id}`: one hand-off: the whole conversation so far (the
  review transcript: messages, decisions and reason codes, cases), whether the
  buyer is verified, and the forms to claim, give, write and hand back;
- `POST /agent/live/{id}`: `action` = claim | assign (`to`) | message (`text`,
  or `reply_id` of a saved reply) | close (`outcome` = resolved | case_opened),
  CSRF-checked;
- `GET /agent/live/replies`, `POST` (`action` = add | update | delete): the
  saved replies, editable by every agent.

Every page counts as the agent being seen (bot.services.agent_presence.PRESENCE_TTL).
The pages update live (server-sent events, bot.entrypoints.web.live_events);
typing indicators go both ways there too.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters import clock
from bot.entrypoints.web.agent import LANGUAGE, conversation_url, sync, tracker_engine
from bot.entrypoints.web.auth import checked_form, db_session, signed_in
from bot.entrypoints.web.buyer_language import joined_text
from bot.entrypoints.web.templating import render
from bot.services import (
    agent_presence,
    handoff,
    handoff_side,
    live_updates,
    review,
    saved_replies,
)
from bot.services.push import push_agent_message, push_handoff_closed

log = logging.getLogger(__name__)

ROLE = "agent"
FLASH_KEY = "live_flash"


def live_url(handoff_id: int | None = None) -> str:
    return "/agent/live" if handoff_id is None else f"/agent/live/{handoff_id}"


def _minutes(delta: Any) -> int:
    return max(0, int(delta.total_seconds() // 60))


# -- the inbox ----------------------------------------------------------------------


async def inbox(request: Request) -> Response:
    user = await signed_in(request, ROLE)
    now = clock.now()

    def load() -> dict[str, Any]:
        with db_session(request) as session:
            status = agent_presence.seen(session, agent_id=user.id, now=now)
            waiting, live = handoff.inbox(session, now=now)
            return {
                "status": status,
                "waiting": waiting,
                "live": live,
                "online": agent_presence.online_agent_names(session, now=now),
                "agents": agent_presence.online_agent_choices(
                    session, now=now, besides=user.id
                ),
            }

    context = await run_in_threadpool(load)
    context.update(
        flash=request.session.pop(FLASH_KEY, None),
        minutes=_minutes,
        live_url=live_url,
        me=user.username,
    )
    return render(request, "agent/live.html", context)


async def presence(request: Request) -> Response:
    user = await signed_in(request, ROLE)
    form = await checked_form(request)
    status = str(form.get("status") or "")

    def save() -> None:
        with db_session(request) as session:
            agent_presence.set_presence(
                session, agent_id=user.id, status=status, now=clock.now()
            )

    try:
        await run_in_threadpool(save)
    except handoff.HandoffError as exc:
        request.session[FLASH_KEY] = {"error": exc.message(LANGUAGE)}
    else:
        request.session[FLASH_KEY] = {"msg": f"handoff.live.flash.{status}"}
    return RedirectResponse(live_url(), status_code=303)


# -- one hand-off ---------------------------------------------------------------------


def _chat_page(
    request: Request,
    user: Any,
    handoff_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    now = clock.now()
    notice = sync(request, now)
    with db_session(request) as session:
        agent_presence.seen(session, agent_id=user.id, now=now)
        try:
            view = handoff.get(session, handoff_id=handoff_id)
        except handoff.HandoffNotFound:
            raise HTTPException(404) from None
        try:
            found = review.transcript(
                session,
                tracker_engine(request),
                view.conversation_id,
                now=now,
            )
        except review.ConversationNotFound:
            found = None
        agent_name = agent_presence.agent_name(session, view.agent_id)
        agents = agent_presence.online_agent_choices(session, now=now, besides=user.id)
        replies = saved_replies.list_replies(session)
    return render(
        request,
        "agent/live_chat.html",
        {
            "handoff": view,
            "transcript": found,
            "agent_name": agent_name,
            "mine": view.agent_id == user.id,
            "agents": agents,
            "me": user.username,
            "waited": _minutes(now - view.requested_at),
            "flash": request.session.pop(FLASH_KEY, None),
            "notice": notice,
            "error": error,
            "action_url": live_url(handoff_id),
            "conversation_url": conversation_url(view.conversation_id),
            "max_chars": handoff.MAX_AGENT_MESSAGE_CHARS,
            "replies": replies,
            "side": _side_panel(request, view, now),
        },
        status_code=status_code,
    )


async def chat_page(request: Request) -> Response:
    user = await signed_in(request, ROLE)
    handoff_id = int(request.path_params["handoff_id"])
    return await run_in_threadpool(_chat_page, request, user, handoff_id)


def _act(request: Request, handoff_id: int, form: Any, user: Any) -> dict[str, Any]:
    """One action in a unit of work, then what the buyer's chat must get."""
    action = str(form.get("action") or "")
    now = clock.now()
    settings = request.app.state.settings
    tracker = settings.tracker_store_url  # the buyer's language: their chat's
    with db_session(request) as session:
        if action == "claim":
            view = handoff.claim(
                session, handoff_id=handoff_id, agent_id=user.id, now=now
            )
            author = user.username
            push = ("message", joined_text(tracker, view.conversation_id, author))
            flash = {"msg": "handoff.live.flash.claimed"}
        elif action == "assign":
            to = _agent_id(form.get("to"))
            view = handoff.assign(
                session,
                handoff_id=handoff_id,
                agent_id=user.id,
                to_agent_id=to,
                now=now,
            )
            author = agent_presence.agent_name(session, to) or "?"
            push = ("message", joined_text(tracker, view.conversation_id, author))
            flash = {"msg": "handoff.live.flash.assigned", "agent": author}
        elif action == "message":
            text = str(form.get("text") or "")
            if form.get("reply_id") and not text.strip():
                reply_id = _positive(form.get("reply_id"), "handoff.error.invalid")
                text = saved_replies.get_reply(session, reply_id).text
            view, message = handoff.agent_message(
                session,
                handoff_id=handoff_id,
                agent_id=user.id,
                text=text,
                now=now,
            )
            author = user.username
            push = ("message", message.text)
            flash = {"msg": "handoff.live.flash.sent"}
        elif action == "close":
            view = handoff.close(
                session,
                handoff_id=handoff_id,
                agent_id=user.id,
                outcome=str(form.get("outcome") or ""),
                now=now,
            )
            author = user.username
            push = ("closed", None)
            flash = {"msg": "handoff.live.flash.closed"}
        elif action == "open_case":
            # a seller case from the side panel: nothing goes into the buyer's chat
            return _open_case(session, handoff_id, form, user, now)
        else:
            raise handoff.HandoffError("handoff.error.invalid")
    # after the commit: into the buyer's chat
    kind, text = push
    if kind == "message":
        pushed = push_agent_message(
            view.conversation_id, text, agent=author, settings=settings
        )
    else:
        pushed = push_handoff_closed(view.conversation_id, settings=settings)
    if action == "message":
        # other agents with this chat open see the message too
        live_updates.conversation_changed(view.conversation_id)
        if pushed:
            with db_session(request) as session:
                handoff.mark_delivered(
                    session, message_ids=[message.id], now=clock.now()
                )
        else:
            flash = {"msg": "handoff.live.flash.kept"}
    elif not pushed:
        flash = {"msg": "handoff.live.flash.push_failed"}
    return flash


def _open_case(
    session: Any, handoff_id: int, form: Any, user: Any, now: Any
) -> dict[str, Any]:
    """`action=open_case`: the agent who has the chat opens a seller case on a
    covered order of the side panel; the hand-off records it."""
    opened = handoff_side.open_seller_case(
        session,
        handoff_id=handoff_id,
        agent_id=user.id,
        order_id=str(form.get("order_id") or ""),
        kind=str(form.get("kind") or ""),
        topic=str(form.get("topic") or ""),
        question=str(form.get("question") or ""),
        now=now,
    )
    key = "opened" if opened.created else "joined"
    return {"msg": f"handoff.live.side.{key}", "case_id": opened.case.id}


def _side_panel(
    request: Request, view: handoff.HandoffView, now: Any
) -> dict[str, Any]:
    """The side panel's context: what the buyer proved (bot.services.handoff_side),
    the links to the earlier cases, and the choices of the case form."""
    with db_session(request) as session:
        panel = handoff_side.side_panel(session, view, now=now)
    return {
        "panel": panel,
        "case_links": {
            case.id: f"{conversation_url(case.conversation_id)}#case-{case.id}"
            for case in panel.cases
        },
        "case_kinds": handoff_side.CASE_KINDS,
        "case_topics": handoff_side.CASE_TOPICS,
    }


def _agent_id(value: Any) -> int:
    return _positive(value, "handoff.error.not_an_agent")


def _positive(value: Any, key: str) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise handoff.HandoffError(key) from None
    if not 0 < number < 2**31:
        raise handoff.HandoffError(key)
    return number


async def chat_action(request: Request) -> Response:
    user = await signed_in(request, ROLE)
    form = await checked_form(request)
    handoff_id = int(request.path_params["handoff_id"])
    try:
        flash = await run_in_threadpool(_act, request, handoff_id, form, user)
    except handoff.HandoffNotFound:
        raise HTTPException(404) from None
    except handoff.HandoffError as exc:
        message = exc.message(LANGUAGE)
        return await run_in_threadpool(
            lambda: _chat_page(
                request, user, handoff_id, error=message, status_code=400
            )
        )
    request.session[FLASH_KEY] = flash
    target = live_url() if str(form.get("action")) == "close" else live_url(handoff_id)
    return RedirectResponse(target, status_code=303)


# -- saved replies ------------------------------------------------------------------


async def replies_page(request: Request) -> Response:
    await signed_in(request, ROLE)

    def load() -> list[saved_replies.SavedReply]:
        with db_session(request) as session:
            return saved_replies.list_replies(session)

    replies = await run_in_threadpool(load)
    return render(
        request,
        "agent/live_replies.html",
        {
            "replies": replies,
            "flash": request.session.pop(FLASH_KEY, None),
            "max_title": saved_replies.MAX_TITLE_CHARS,
            "max_chars": handoff.MAX_AGENT_MESSAGE_CHARS,
        },
    )


async def replies_action(request: Request) -> Response:
    user = await signed_in(request, ROLE)
    form = await checked_form(request)
    action = str(form.get("action") or "")

    def act() -> dict[str, Any]:
        now = clock.now()
        title, text = str(form.get("title") or ""), str(form.get("text") or "")
        with db_session(request) as session:
            if action == "add":
                saved_replies.add_reply(
                    session, agent_id=user.id, title=title, text=text, now=now
                )
            elif action == "update":
                saved_replies.update_reply(
                    session,
                    reply_id=_positive(form.get("reply_id"), "handoff.error.invalid"),
                    agent_id=user.id,
                    title=title,
                    text=text,
                    now=now,
                )
            elif action == "delete":
                saved_replies.delete_reply(
                    session,
                    reply_id=_positive(form.get("reply_id"), "handoff.error.invalid"),
                    agent_id=user.id,
                )
                return {"msg": "handoff.live.flash.reply_deleted"}
            else:
                raise handoff.HandoffError("handoff.error.invalid")
        return {"msg": "handoff.live.flash.reply_saved"}

    try:
        flash = await run_in_threadpool(act)
    except handoff.HandoffError as exc:
        flash = {"error": exc.message(LANGUAGE)}
    request.session[FLASH_KEY] = flash
    return RedirectResponse(REPLIES_URL, status_code=303)


REPLIES_URL = "/agent/live/replies"

routes: list[BaseRoute] = [
    Route(REPLIES_URL, replies_page, methods=["GET"]),
    Route(REPLIES_URL, replies_action, methods=["POST"]),
    Route("/agent/live", inbox, methods=["GET"], name="agent_live"),
    Route("/agent/live/presence", presence, methods=["POST"]),
    Route("/agent/live/{handoff_id:int}", chat_page, methods=["GET"]),
    Route("/agent/live/{handoff_id:int}", chat_action, methods=["POST"]),
]
