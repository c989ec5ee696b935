"""The seller portal's "Transfer to CSBA" (issue 17, part 2): a seller passes a
buyer's inquiry on to CSBA. Thin handlers over bot.services.transfer.

- `GET /seller/transfer`: the form (order number, the buyer's message) and the
  seller's latest transfers.
- `POST /seller/transfer` (CSRF-checked): the transfer. A field that is not
  usable, or the NLU unreachable, shows the form again with the message and
  what the seller typed; otherwise 303 to the transfer's page.
- `GET /seller/transfers/{id}`: whether CSBA took it, with the reason code and
  sentence, and the case it opened; another seller's transfer is 404.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.adapters import clock
from bot.adapters.rasa_http import RasaHttp
from bot.entrypoints.web.auth import checked_form, db_session, require_user, signed_in
from bot.entrypoints.web.templating import render
from bot.services import transfer

ROLE = "seller"
PAGE = "/seller/transfer"
MAX_TRANSFER_ID = 2**31 - 1
HISTORY_LIMIT = 50


def _form_page(
    request: Request,
    *,
    order_number: str = "",
    message: str = "",
    error: str | None = None,
    error_field: str | None = None,
    status_code: int = 200,
) -> Response:
    user = require_user(request, ROLE)
    with db_session(request) as session:
        history = transfer.list_transfers(
            session, seller_id=user.seller_id or "", limit=HISTORY_LIMIT
        )
    return render(
        request,
        "seller/transfer.html",
        {
            "order_number": order_number,
            "message": message,
            "error": error,
            "error_field": error_field,
            "history": history,
            "max_message_chars": transfer.MAX_MESSAGE_CHARS,
        },
        status_code=status_code,
    )


async def transfer_form(request: Request) -> Response:
    await signed_in(request, ROLE)
    return await run_in_threadpool(_form_page, request)


def _transfer(request: Request, order_number: str, message: str) -> Response:
    user = require_user(request, ROLE)
    settings = request.app.state.settings
    try:
        with db_session(request) as session:
            view = transfer.transfer_inquiry(
                session,
                seller_id=user.seller_id or "",
                order_number=order_number,
                buyer_text=message,
                transferred_by=user.username,
                now=clock.now(),
                source="portal",
                rasa=RasaHttp(settings.rasa_url, settings.rasa_token or ""),
            )
    except transfer.TransferInputError as exc:
        return _form_page(
            request,
            order_number=order_number,
            message=message,
            error=exc.message(user.language),
            error_field=exc.field,
            status_code=400,
        )
    except transfer.TransferUnavailable as exc:
        return _form_page(
            request,
            order_number=order_number,
            message=message,
            error=exc.message(user.language),
            status_code=503,
        )
    return RedirectResponse(f"/seller/transfers/{view.id}", status_code=303)


async def submit(request: Request) -> Response:
    await signed_in(request, ROLE)  # before the CSRF check
    form = await checked_form(request)
    order_number = str(form.get("order_number") or "")
    message = str(form.get("message") or "")
    return await run_in_threadpool(_transfer, request, order_number, message)


def _result_page(request: Request) -> Response:
    user = require_user(request, ROLE)
    transfer_id = int(request.path_params["transfer_id"])
    if transfer_id > MAX_TRANSFER_ID:
        raise HTTPException(404)
    with db_session(request) as session:
        view = transfer.get_transfer(
            session, seller_id=user.seller_id or "", transfer_id=transfer_id
        )
    if view is None:
        raise HTTPException(404)
    return render(
        request,
        "seller/transfer_result.html",
        {"view": view, "reason": transfer.reason_sentence(view, user.language)},
    )


async def result_page(request: Request) -> Response:
    await signed_in(request, ROLE)
    return await run_in_threadpool(_result_page, request)


routes: list[BaseRoute] = [
    Route(PAGE, transfer_form, methods=["GET"], name="seller_transfer"),
    Route(PAGE, submit, methods=["POST"]),
    Route(
        "/seller/transfers/{transfer_id:int}",
        result_page,
        methods=["GET"],
        name="seller_transfer_result",
    ),
]
