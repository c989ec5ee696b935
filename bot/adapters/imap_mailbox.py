"""The support mailbox over IMAP (`IMAP_URL`): the mails not yet processed,
and marking one processed.

A processed mail keeps living in the mailbox: it gets the keyword `CsbaDone`
(and `\\Seen`), nothing is moved or deleted. Mails are read with `BODY.PEEK[]`,
so a mail the poller could not finish stays unread for a person looking at the
mailbox too. The keyword is only a shortcut: what makes processing happen once
is the database (bot.services.email_inbox), so a crash between processing a
mail and flagging it costs nothing.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.config import ImapSettings

DONE_KEYWORD = "CsbaDone"
TIMEOUT_SECONDS = 30.0
# At most this many mails per poll: a flood waits for the next poll.
BATCH = 50

_UID_RE = re.compile(rb"UID (\d+)")


class MailboxError(Exception):
    """The mailbox could not be reached or answered an error."""


@dataclass(frozen=True)
class RawMail:
    uid: str
    data: bytes


class ImapMailbox:
    def __init__(self, settings: ImapSettings, *, timeout: float = TIMEOUT_SECONDS):
        self._settings = settings
        self._timeout = timeout

    @contextmanager
    def session(self) -> Iterator[ImapSession]:
        """A logged-in session on the mailbox, closed at the end."""
        s = self._settings
        try:
            if s.tls:
                imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    s.host, s.port, ssl_context=ssl.create_default_context(),
                    timeout=self._timeout,
                )  # fmt: skip
            else:
                imap = imaplib.IMAP4(s.host, s.port, timeout=self._timeout)
            imap.login(s.username, s.password)
            status, _ = imap.select(_quoted(s.mailbox))
            if status != "OK":
                raise MailboxError(f"mailbox {s.mailbox!r} cannot be opened")
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"{s.host}:{s.port}: {exc}") from exc
        try:
            yield ImapSession(imap)
        finally:
            try:
                imap.logout()
            except (OSError, imaplib.IMAP4.error):
                pass


class ImapSession:
    def __init__(self, imap: imaplib.IMAP4) -> None:
        self._imap = imap

    def pending(self, limit: int = BATCH) -> list[RawMail]:
        """The mails without the done keyword, oldest first."""
        uids = self._call("SEARCH", None, "UNKEYWORD", DONE_KEYWORD)
        found = b" ".join(part for part in uids if part).split()
        out: list[RawMail] = []
        for uid in found[:limit]:
            data = self._call("FETCH", uid.decode(), "(BODY.PEEK[])")
            body = next((part[1] for part in data if isinstance(part, tuple)), None)
            if body is not None:
                out.append(RawMail(uid.decode(), body))
        return out

    def mark_done(self, uid: str) -> None:
        self._call("STORE", uid, "+FLAGS", f"({DONE_KEYWORD} \\Seen)")

    def _call(self, command: str, *args: object) -> list:
        try:
            status, data = self._imap.uid(command, *args)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"UID {command}: {exc}") from exc
        if status != "OK":
            raise MailboxError(f"UID {command} answered {status}: {data!r}")
        return data


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'
