"""Settings read from the environment, each with a sensible default.

Every variable is documented in the README. Nothing here opens a connection.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The marketplace's time zone: all calendar arithmetic (end of day, holiday
# season, promised delivery day) happens here. Times are stored in UTC.
MARKETPLACE_TZ = ZoneInfo("America/Los_Angeles")

# The `type` of endpoints.yml's tracker store (bot/tracker_store.py).
TRACKER_STORE_TYPE = "bot.tracker_store.CsbaSQLTrackerStore"


def var_dir() -> Path:
    return Path(os.environ.get("CSBA_VAR_DIR", PROJECT_ROOT / "var"))


def database_url() -> str:
    """`DATABASE_URL`, or a SQLite file under `var/`."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{var_dir() / 'csba.db'}"


def outbox_dir() -> Path:
    return Path(os.environ.get("CSBA_OUTBOX", var_dir() / "outbox"))


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    sender: str


def smtp_settings() -> SmtpSettings | None:
    """Parse `SMTP_URL` (smtp://user:pass@host:port or smtp+starttls://...).

    Returns None when unset: mail is then written to `var/outbox/` as .eml files.
    """
    from urllib.parse import unquote, urlsplit

    url = os.environ.get("SMTP_URL")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtp+starttls"):
        raise ValueError(
            f"SMTP_URL must start with smtp:// or smtp+starttls://, got {url!r}"
        )
    return SmtpSettings(
        host=parts.hostname or "localhost",
        port=parts.port or 25,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=parts.scheme == "smtp+starttls",
        sender=os.environ.get("CSBA_MAIL_FROM", "csba-noreply@localhost"),
    )
