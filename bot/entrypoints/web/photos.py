"""Serving the photos buyers attached to their cases (bot.services.attachments)
to the seller portal and the agent console.

A photo is looked up by its attachment id and read from the upload directory
by its stored random name, never by a path from the request. The caller's
`allowed` check says whether this viewer may see the photo's case; when it may
not, or when there is no such photo, the answer is 404, like the rest of the
portal.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.entrypoints.web.auth import db_session
from bot.services import attachments

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
MAX_ID = 2**31 - 1  # beyond the id column: no such photo


async def photo_response(
    request: Request,
    attachment_id: int,
    *,
    allowed: Callable[[Session, attachments.Attachment], bool],
) -> Response:
    """The photo's bytes with its stored content type, shown inline and cached
    by the browser only; 404 when it is not there or not this viewer's."""
    if not 0 < attachment_id <= MAX_ID:
        raise HTTPException(404)
    upload_dir = request.app.state.settings.upload_dir

    def load() -> tuple[attachments.Attachment, bytes]:
        with db_session(request) as session:
            photo = attachments.get_attachment(
                session, attachment_id, upload_dir=upload_dir
            )
            if not allowed(session, photo):
                raise attachments.AttachmentNotFound(attachment_id)
        return photo, attachments.read_attachment(photo, upload_dir=upload_dir)

    try:
        photo, data = await run_in_threadpool(load)
    except attachments.AttachmentNotFound:
        raise HTTPException(404) from None
    extension = EXTENSIONS.get(photo.content_type, "bin")
    return Response(
        data,
        media_type=photo.content_type,
        headers={
            "Content-Disposition": (
                f'inline; filename="case-{photo.case_id}-photo-{photo.id}.{extension}"'
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private",
        },
    )
