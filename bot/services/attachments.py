"""Photos a buyer attaches to their damaged-item case from the chat (issue 4).

- Only JPEG and PNG of at most `MAX_PHOTO_BYTES` (5 MB), judged by content: the
  magic bytes must match a format Pillow then decodes completely (the name and
  the client's content type are ignored), and the picture may not exceed
  `MAX_PHOTO_PIXELS`.
- What is stored is a fresh encode of the decoded pixels (`reencode`), never the
  uploaded bytes: anything appended to or hidden in the file (HTML after a PNG's
  end, a script in a comment, EXIF with a location, text chunks, an ICC
  profile) is gone. The EXIF orientation is applied first, so the photo stays
  upright.
- The file is stored under the upload directory (outside the web root) with a
  random name, readable by its owner only.
- It attaches to the open `damaged_item` case of the conversation the chat
  token opens, never to a case of another conversation (issue 13). When the
  conversation has several (one per order), the upload names one of them
  (`case_id`); without it the buyer is asked which order the photo is about
  (`AttachmentRejected("which_order")` with the `choices`). A client can only
  ever pick among its own conversation's cases.

`save_photo` takes the caller's session and does not commit; when the session
rolls back, the caller removes the file (`discard`).

The seller portal and the agent console list a case's photos
(`attachments_by_case`) and serve one by its id (`get_attachment`, then
`read_attachment`): the file is found by the stored random name only, and a
name that would lead outside the upload directory is refused. Who may see
which case is the caller's check.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from bot.adapters import attachment_store
from bot.adapters.orm import CaseAttachmentRow
from bot.domain.model import OPEN_CASE_STATUSES
from bot.services.errors import CatalogueError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
DAMAGED_ITEM = "damaged_item"

# What save_photo names a file: 32 hex digits and the format's extension.
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png)")

# magic bytes -> (content type, Pillow format, file extension)
_FORMATS = {
    b"\xff\xd8\xff": ("image/jpeg", "JPEG", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "PNG", ".png"),
}


class AttachmentNotFound(LookupError):
    """No such attachment, or its file is missing or not where it must be."""


@dataclass(frozen=True)
class CaseChoice:
    """An open damaged-item case of the conversation a photo may go to."""

    case_id: int
    order_id: str | None


class AttachmentRejected(CatalogueError):
    """An upload the buyer is told about: `code` names the catalogue key
    `widget.upload.<code>`; `status` is the HTTP status. `str()` is the code."""

    def __init__(
        self, code: str, status: int = 400, choices: tuple[CaseChoice, ...] = ()
    ) -> None:
        self.code = code
        self.status = status
        self.choices = choices
        super().__init__(f"widget.upload.{code}", max_mb=MAX_PHOTO_BYTES // 2**20)

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class CheckedPhoto:
    content_type: str
    extension: str
    width: int
    height: int
    data: bytes  # the re-encoded file: pixels only


JPEG_QUALITY = 90


def reencode(image: Image.Image, pillow_format: str) -> tuple[bytes, int, int]:
    """A fresh JPEG or PNG of `image`'s pixels, upright, with no metadata: the
    bytes and the final width and height.

    A JPEG stays a JPEG (quality `JPEG_QUALITY`), in RGB or grey; CMYK and any
    other mode become RGB. A PNG stays a PNG in its own mode, alpha and palette
    transparency included. Nothing of `image.info` is kept but the palette's
    transparency: no EXIF, comment, text chunk, XMP or ICC profile (a photo
    with a wide-gamut profile is then shown as sRGB, slightly duller)."""
    upright = ImageOps.exif_transpose(image)
    transparency = upright.info.get("transparency")
    upright.info = {} if transparency is None else {"transparency": transparency}
    out = io.BytesIO()
    if pillow_format == "JPEG":
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        upright.save(out, "JPEG", quality=JPEG_QUALITY)
    else:
        if upright.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            upright = upright.convert("RGBA")
        upright.save(out, "PNG")
    return out.getvalue(), upright.width, upright.height


@dataclass(frozen=True)
class Attachment:
    id: int
    case_id: int
    content_type: str
    size_bytes: int
    path: Path
    width: int = 0
    height: int = 0
    created_at: datetime | None = None
    conversation_at: datetime | None = None  # on the tracker store's clock

    @property
    def in_conversation_at(self) -> datetime | None:
        """Where it sits among the chat's messages (older rows: created_at)."""
        return self.conversation_at or self.created_at


def check_photo(data: bytes) -> CheckedPhoto:
    """JPEG or PNG, at most 5 MB, that decodes completely; AttachmentRejected otherwise."""
    if len(data) > MAX_PHOTO_BYTES:
        raise AttachmentRejected("too_large", 413)
    if not data:
        raise AttachmentRejected("empty")
    found = next(
        (fmt for magic, fmt in _FORMATS.items() if data.startswith(magic)), None
    )
    if found is None:
        raise AttachmentRejected("wrong_type", 415)
    content_type, pillow_format, extension = found
    try:
        with warnings.catch_warnings():
            # Pillow only warns about a huge picture up to twice its own limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
                width, height = image.size
                if width * height > MAX_PHOTO_PIXELS:
                    raise AttachmentRejected("too_large", 413)
                image.verify()
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
                image.load()  # verify() does not decode JPEG data; load() does
                clean, width, height = reencode(image, pillow_format)
    except AttachmentRejected:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise AttachmentRejected("too_large", 413) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise AttachmentRejected("unreadable", 415) from None
    except Exception:  # a malformed chunk can fail anywhere in Pillow (struct.error...)
        raise AttachmentRejected("unreadable", 415) from None
    return CheckedPhoto(content_type, extension, width, height, clean)


def damaged_cases(session: Session, *, conversation_id: str) -> list[CaseChoice]:
    """The conversation's open damaged-item cases, newest first."""
    open_statuses = sorted(status.value for status in OPEN_CASE_STATUSES)
    return [
        CaseChoice(case_id, order_id)
        for case_id, order_id in attachment_store.open_cases_of_conversation(
            session, conversation_id, category=DAMAGED_ITEM, statuses=open_statuses
        )
    ]


def case_for_photo(
    session: Session, *, conversation_id: str, case_id: int | None = None
) -> int:
    """The case a photo from this chat attaches to: the one named (it must be
    one of this conversation's open damaged-item cases), or the only one.
    AttachmentRejected `no_case` when there is none (or the named one is not
    this conversation's), `which_order` with the choices when there are
    several and none is named."""
    cases = damaged_cases(session, conversation_id=conversation_id)
    if case_id is not None:
        if any(choice.case_id == case_id for choice in cases):
            return case_id
        raise AttachmentRejected("no_case", 409)
    if not cases:
        raise AttachmentRejected("no_case", 409)
    if len(cases) > 1:
        raise AttachmentRejected("which_order", 409, choices=tuple(cases))
    return cases[0].case_id


def _write_private(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


def save_photo(
    session: Session,
    *,
    data: bytes,
    upload_dir: Path,
    conversation_id: str,
    now: datetime,
    case_id: int | None = None,
    conversation_at: datetime | None = None,
) -> Attachment:
    """Check `data`, store its re-encoded pixels and attach them to the chat's
    open damaged-item case. `conversation_at` (bot.adapters.clock.wall_now)
    places it among the chat's messages.

    Raises AttachmentRejected (`no_case` when there is no such case)."""
    photo = check_photo(data)
    case_id = case_for_photo(session, conversation_id=conversation_id, case_id=case_id)
    stored_name = secrets.token_hex(16) + photo.extension
    path = _write_private(Path(upload_dir), stored_name, photo.data)
    try:
        attachment_id = attachment_store.add_attachment(
            session,
            case_id=case_id,
            conversation_id=conversation_id,
            stored_name=stored_name,
            content_type=photo.content_type,
            size_bytes=len(photo.data),
            width=photo.width,
            height=photo.height,
            sha256=hashlib.sha256(photo.data).hexdigest(),
            created_at=now,
            conversation_at=conversation_at,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Attachment(attachment_id, case_id, photo.content_type, len(photo.data), path)


def discard(attachment: Attachment) -> None:
    """Remove a stored file whose database row was rolled back."""
    attachment.path.unlink(missing_ok=True)


def _attachment(row: CaseAttachmentRow, upload_dir: Path) -> Attachment:
    return Attachment(
        id=row.id,
        case_id=row.case_id,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        path=Path(upload_dir) / row.stored_name,
        width=row.width,
        height=row.height,
        created_at=row.created_at,
        conversation_at=row.conversation_at,
    )


def attachments_by_case(
    session: Session, case_ids: Iterable[int], *, upload_dir: Path
) -> dict[int, list[Attachment]]:
    """The photos of each case, oldest first; a case without any is left out."""
    ids = sorted({int(case_id) for case_id in case_ids})
    found: dict[int, list[Attachment]] = {}
    if not ids:
        return found
    for row in attachment_store.attachment_rows(session, ids):
        found.setdefault(row.case_id, []).append(_attachment(row, upload_dir))
    return found


def attachments_of_conversation(
    session: Session, *, conversation_id: str, upload_dir: Path
) -> list[Attachment]:
    """The photos uploaded from this chat, oldest first (its history after a
    reload shows them)."""
    return [
        _attachment(row, upload_dir)
        for row in attachment_store.conversation_attachment_rows(
            session, conversation_id
        )
    ]


def list_attachments(
    session: Session, *, case_id: int, upload_dir: Path
) -> list[Attachment]:
    """A case's photos, oldest first (for the seller and agent pages)."""
    return attachments_by_case(session, [case_id], upload_dir=upload_dir).get(
        int(case_id), []
    )


def get_attachment(
    session: Session, attachment_id: int, *, upload_dir: Path
) -> Attachment:
    """One attachment by its id; AttachmentNotFound when there is none."""
    row = attachment_store.attachment_row(session, int(attachment_id))
    if row is None:
        raise AttachmentNotFound(attachment_id)
    return _attachment(row, upload_dir)


def read_attachment(attachment: Attachment, *, upload_dir: Path) -> bytes:
    """The stored bytes of `attachment`, read from `upload_dir` only.

    Refuses (AttachmentNotFound) a stored name that is not one save_photo
    gives, a path that resolves outside `upload_dir` (a symbolic link, say),
    and anything but a regular file."""
    name = attachment.path.name
    if attachment.path != Path(upload_dir) / name or not _STORED_NAME.fullmatch(name):
        raise AttachmentNotFound(attachment.id)
    root = Path(upload_dir).resolve()
    path = (root / name).resolve()
    if path.parent != root or not path.is_file():
        raise AttachmentNotFound(attachment.id)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        raise AttachmentNotFound(attachment.id) from None
    with os.fdopen(fd, "rb") as fh:
        return fh.read()
