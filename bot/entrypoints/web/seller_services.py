"""The seller portal's "Your Services" page (issue 17): CSBA's status for the
signed-in seller, opt-in and opt-out.

- `GET /seller/services`: "Active", "Activating" (opted in, the service starts
  within the hour) or "Not enrolled"; the opt-in button for an invited,
  professional seller in good standing, otherwise why not and the
  invitation-only note; the opt-out form with the seed's warning and a
  confirmation box; every opt-in and opt-out with who and when.
- `POST /seller/services/opt-in` and `POST /seller/services/opt-out`
  (CSRF-checked; the opt-out needs `confirm=yes`): the same rules as
  `csba enroll`/`csba opt-out` (bot.services.enrollment), recorded with the
  portal user's name; the seller gets an email once the change is committed.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters import clock
from bot.entrypoints.web.auth import checked_form, db_session, require_user, signed_in
from bot.entrypoints.web.templating import render
from bot.services import enrollment

ROLE = "seller"
FLASH_KEY = "services_flash"
PAGE = "/seller/services"


def _page(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    user = require_user(request, ROLE)
    try:
        with db_session(request) as session:
            view = enrollment.services(session, user.seller_id or "", clock.now())
    except enrollment.EnrollmentError:  # an account whose seller is gone
        raise HTTPException(404) from None
    return render(
        request,
        "seller/services.html",
        {
            "view": view,
            "flash": request.session.pop(FLASH_KEY, None),
            "error": error,
        },
        status_code=status_code,
    )


async def services_page(request: Request) -> Response:
    await signed_in(request, ROLE)
    return await run_in_threadpool(_page, request)


def _change(request: Request, change: str, confirmed: bool) -> Response:
    user = require_user(request, ROLE)
    if change == "opted_out" and not confirmed:
        return _page(
            request,
            error="web.seller.services.confirm_required",
            status_code=400,
        )
    seller_id = user.seller_id or ""
    try:
        with db_session(request) as session:
            if change == "opted_in":
                enrollment.enroll(session, seller_id, clock.now(), by=user.username)
            else:
                enrollment.opt_out(session, seller_id, clock.now(), by=user.username)
    except enrollment.EnrollmentError as exc:
        return _page(request, error=f"web.seller.services.refused.{exc.key.rpartition('.')[2]}",
                     status_code=409)  # fmt: skip
    request.session[FLASH_KEY] = f"web.seller.services.flash.{change}"
    return RedirectResponse(PAGE, status_code=303)


async def opt_in(request: Request) -> Response:
    await signed_in(request, ROLE)  # before the CSRF check
    await checked_form(request)
    return await run_in_threadpool(_change, request, "opted_in", True)


async def opt_out(request: Request) -> Response:
    await signed_in(request, ROLE)
    form = await checked_form(request)
    confirmed = form.get("confirm") == "yes"
    return await run_in_threadpool(_change, request, "opted_out", confirmed)


routes: list[BaseRoute] = [
    Route(PAGE, services_page, methods=["GET"], name="seller_services"),
    Route(PAGE + "/opt-in", opt_in, methods=["POST"]),
    Route(PAGE + "/opt-out", opt_out, methods=["POST"]),
]
