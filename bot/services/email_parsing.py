"""What an inbound mail says, for bot.services.email_inbox: who sent it, the
buyer's own words (no quoted reply, no signature), its photos, its thread, and
whether it is a mail that must get no answer (auto-replies, bounces, lists,
our own mail). Plain Python over the standard library's `email` package."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

# The buyer's words are cut here, as the chat's input guard cuts a message.
MAX_TEXT_CHARS = 2000
MAX_FULL_TEXT_CHARS = 20000
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 5

_MESSAGE_ID_RE = re.compile(r"<[^<>\s]{1,250}>")
# "On Tue, 3 Dec 2026 at 10:00, CSBA <support@...> wrote:" and the like: the
# quoted mail that follows is ours, not the buyer's.
_QUOTE_HEADER_RE = re.compile(
    r"^(on\s.{0,200}\bwrote:|-{2,}\s*original message\s*-{2,}|_{5,}|"
    r"from:\s.+|在.{0,80}写道[:：])\s*$",
    re.IGNORECASE,
)
SIGNATURE_RE = re.compile(r"^(-- ?|sent from my \w+.*)$", re.IGNORECASE)
_SUBJECT_PREFIX_RE = re.compile(r"^\s*((re|fw|fwd|aw|回复|答复|转发)\s*[:：]\s*)+", re.I)
_TAG_RE = re.compile(r"<[^>]+>")
_CASE_TAG_RE = re.compile(r"\[(case|案例)\s*\d+\]", re.IGNORECASE)
ORDER_NUMBER_RE = re.compile(r"(?<![\d-])\d{3}-\d{7}-\d{7}(?![\d-])")


@dataclass(frozen=True)
class Photo:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Skipped:
    """An attachment that is not taken: `why` is too_many, too_large or
    not_a_photo."""

    filename: str
    why: str


@dataclass(frozen=True)
class InboundMail:
    message_key: str
    message_id: str | None
    sender: str
    subject: str
    text: str
    references: tuple[str, ...]
    photos: tuple[Photo, ...]
    skipped: tuple[Skipped, ...]
    # every address in To and Cc, lower case
    recipients: tuple[str, ...]
    # the whole text part (a forwarded mail's buyer is below the marker)
    full_text: str
    # why no answer may be sent ("auto_submitted", "bounce", ...), or None
    no_reply_reason: str | None


def parse(raw: bytes, *, own_addresses: frozenset[str]) -> InboundMail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    message_id = _message_id(message.get("Message-ID"))
    key_source = message_id.encode() if message_id else raw
    sender = _sender(message)
    references = tuple(
        dict.fromkeys(
            _MESSAGE_ID_RE.findall(str(message.get("References") or ""))
            + _MESSAGE_ID_RE.findall(str(message.get("In-Reply-To") or ""))
        )
    )
    body = _body_text(message)
    photos, skipped = _attachments(message)
    recipients = tuple(
        address.strip().lower()
        for _, address in getaddresses(
            [str(message.get(h) or "") for h in ("To", "Cc", "Delivered-To")]
        )
        if address
    )
    return InboundMail(
        message_key=hashlib.sha256(key_source).hexdigest(),
        message_id=message_id,
        sender=sender,
        subject=_one_line(str(message.get("Subject") or ""))[:255],
        text=with_subject(buyer_words(body), str(message.get("Subject") or "")),
        references=references,
        photos=photos,
        skipped=skipped,
        recipients=recipients,
        full_text=body[:MAX_FULL_TEXT_CHARS],
        no_reply_reason=no_reply_reason(message, sender, own_addresses),
    )


def no_reply_reason(
    message: EmailMessage, sender: str, own_addresses: frozenset[str]
) -> str | None:
    """Why this mail must get no answer (RFC 3834's rules, bounces, lists and
    loops), or None."""
    auto = str(message.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return "auto_submitted"
    if str(message.get("Precedence") or "").strip().lower() in ("bulk", "junk", "list"):
        return "bulk"
    if message.get("List-Id") or message.get("List-Unsubscribe"):
        return "mailing_list"
    if any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response")):
        return "auto_submitted"
    if message.get_content_type() == "multipart/report":
        return "bounce"
    if not sender:
        return "no_sender"
    local = sender.partition("@")[0]
    if local in ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply"):
        return "bounce" if local in ("mailer-daemon", "postmaster") else "no_reply_sender"
    if sender in own_addresses or message.get("X-CSBA-Event"):
        return "own_mail"
    return_path = message.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("<>", ""):
        return "bounce"
    return None


def clean_subject(subject: str) -> str:
    """The subject without "Re:"/"Fwd:" prefixes and our "[Case N]" tags."""
    subject = _CASE_TAG_RE.sub(" ", _SUBJECT_PREFIX_RE.sub("", subject))
    return re.sub(r"\s+", " ", subject).strip()


def buyer_words(text: str) -> str:
    """The buyer's own words: up to the quoted mail or the signature."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(">") or _QUOTE_HEADER_RE.match(stripped):
            break
        if SIGNATURE_RE.match(stripped):
            break
        lines.append(stripped)
    return bounded(re.sub(r"\s+", " ", " ".join(lines)).strip())


def bounded(words: str) -> str:
    """At most MAX_TEXT_CHARS: a long mail keeps its end (where a polite
    story ends with the question), led by the order numbers of the part cut."""
    if len(words) <= MAX_TEXT_CHARS:
        return words
    tail = words[-(MAX_TEXT_CHARS - 200) :]
    if " " in tail:
        tail = tail[tail.find(" ") + 1 :]  # not from the middle of a word
    cut = [n for n in dict.fromkeys(ORDER_NUMBER_RE.findall(words)) if n not in tail]
    lead = " ".join(cut[:5])
    return (f"{lead} … {tail}" if lead else tail)[:MAX_TEXT_CHARS]


def with_subject(text: str, subject: str) -> str:
    """The buyer's words, led by the subject when it says what the body does
    not: an order number the body lacks ("Cancel order 112-..." / "please
    cancel it"), or everything, when the body is empty. Not a reply's subject
    ("Re: ..."): that is our own answer's."""
    if _SUBJECT_PREFIX_RE.match(subject):
        return text
    topic = clean_subject(_one_line(subject))
    if not topic:
        return text
    if not text:
        return bounded(topic)
    numbers = ORDER_NUMBER_RE.findall(topic)
    if numbers and not any(n in text for n in numbers):
        return bounded(f"{topic}. {text}")
    return text


def _message_id(value: object) -> str | None:
    found = _MESSAGE_ID_RE.search(str(value or ""))
    return found.group(0) if found else None


def _sender(message: EmailMessage) -> str:
    # Reply-To is not trusted for identity: the From address is what the
    # buyer's provider signs (DKIM) and what the buyer's record holds.
    addresses = getaddresses([str(message.get("From") or "")])
    address = addresses[0][1] if addresses else parseaddr("")[1]
    return address.strip().lower()[:320]


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset, a broken encoding
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        content = re.sub(r"(?is)<(script|style).*?</\1>", " ", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = html.unescape(_TAG_RE.sub(" ", content))
    return str(content)


def _attachments(message: EmailMessage) -> tuple[tuple[Photo, ...], tuple[Skipped, ...]]:
    """The photos of the mail, and the files left out. An image shown inside
    an HTML mail (a logo in a signature: inline, with a Content-ID) is neither."""
    photos: list[Photo] = []
    skipped: list[Skipped] = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() == "text" and (
            part.get_content_disposition() != "attachment"
        ):
            continue
        if part.get_content_disposition() != "attachment" and part.get("Content-ID"):
            continue  # an inline image of the HTML body
        name = part.get_filename() or (
            "photo" if part.get_content_maintype() == "image" else "file"
        )
        data = part.get_payload(decode=True) or b""
        if part.get_content_maintype() != "image":
            skipped.append(Skipped(name, "not_a_photo"))
        elif len(data) > MAX_PHOTO_BYTES:
            skipped.append(Skipped(name, "too_large"))
        elif len(photos) == MAX_PHOTOS:
            skipped.append(Skipped(name, "too_many"))
        elif data:
            photos.append(Photo(name, data))
    return tuple(photos), tuple(skipped)
