"""Settings read from the environment, each with a sensible default: the one
module that reads `os.environ` (tests/unit/test_architecture.py checks).

Every variable is documented in the README. Each function reads its variable when
called, so a process (or a test) that changes the environment is honoured; the web
app reads its own once, into `bot.entrypoints.web.settings.WebSettings`, and passes that in.
Nothing here opens a connection.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The marketplace's time zone: all calendar arithmetic (end of day, holiday
# season, promised delivery day) happens here. Times are stored in UTC.
MARKETPLACE_TZ = ZoneInfo("America/Los_Angeles")

# The `type` of endpoints.yml's tracker store (bot/entrypoints/rasa/tracker_store.py).
TRACKER_STORE_TYPE = "bot.entrypoints.rasa.tracker_store.CsbaSQLTrackerStore"
# The responses in the conversation's language (endpoints.yml `nlg:`).
NLG_TYPE = "bot.entrypoints.rasa.nlg.LanguageResponses"


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
    )


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    username: str
    password: str
    mailbox: str
    tls: bool


def imap_settings() -> ImapSettings | None:
    """Parse `IMAP_URL` (imap://user:pass@host:port/MAILBOX, or imaps:// for
    TLS; the mailbox defaults to INBOX): the support mailbox that buyers write
    to. None when unset: the email channel is off."""
    from urllib.parse import unquote, urlsplit

    url = os.environ.get("IMAP_URL")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError(f"IMAP_URL must start with imap:// or imaps://, got {url!r}")
    if not parts.username:
        raise ValueError("IMAP_URL has no user name (imap://user:password@host/INBOX)")
    tls = parts.scheme == "imaps"
    return ImapSettings(
        host=parts.hostname or "localhost",
        port=parts.port or (993 if tls else 143),
        username=unquote(parts.username),
        password=unquote(parts.password or ""),
        mailbox=unquote(parts.path.strip("/")) or "INBOX",
        tls=tls,
    )


def support_address() -> str:
    """`CSBA_SUPPORT_ADDRESS`: the address buyers write to (the IMAP mailbox's);
    replies come from it. Defaults to `CSBA_MAIL_FROM`."""
    return os.environ.get("CSBA_SUPPORT_ADDRESS") or mail_from()


def transfer_address() -> str | None:
    """`CSBA_TRANSFER_ADDRESS`: where sellers forward a buyer's mail to transfer
    it to CSBA (delivered into the same mailbox as the support address). Unset:
    no transfers by email."""
    return os.environ.get("CSBA_TRANSFER_ADDRESS") or None


def mail_poll_seconds() -> float:
    """`CSBA_MAIL_POLL_SECONDS`: how often the poller looks for new mail (30)."""
    raw = os.environ.get("CSBA_MAIL_POLL_SECONDS") or "30"
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"CSBA_MAIL_POLL_SECONDS must be a number, got {raw!r}") from exc
    if value <= 0:
        raise ValueError(f"CSBA_MAIL_POLL_SECONDS must be above 0, got {raw!r}")
    return value


DEFAULT_SELLER_PORTAL_URL = "http://localhost:8000/seller"


def seller_portal_url() -> str:
    """`CSBA_SELLER_PORTAL_URL`: the seller case log that emails link to."""
    return os.environ.get("CSBA_SELLER_PORTAL_URL") or DEFAULT_SELLER_PORTAL_URL


DEFAULT_MAIL_FROM = "csba-noreply@localhost"


DEFAULT_BUYER_CHAT_URL = "http://localhost:8000/"


def buyer_chat_url() -> str:
    """Where a buyer opens the chat (the link in the buyer's emails)."""
    return os.environ.get("CSBA_BUYER_CHAT_URL") or DEFAULT_BUYER_CHAT_URL


def rating_url() -> str:
    """`CSBA_RATING_URL`: the base of the one-click "Was this helpful?" links in
    the buyer's answer email (the web app's `/rate`); by default `rate` beside
    the chat link."""
    return os.environ.get("CSBA_RATING_URL") or urljoin(buyer_chat_url(), "rate")


def mail_from() -> str:
    """`CSBA_MAIL_FROM`: the address mails are sent from."""
    return os.environ.get("CSBA_MAIL_FROM") or DEFAULT_MAIL_FROM


# -- the clock, the CLI, the NLU pipeline ---------------------------------------------


def fixed_now() -> str | None:
    """`CSBA_NOW`: an ISO 8601 instant that fixes the clock (tests, replays)."""
    return os.environ.get("CSBA_NOW") or None


def cli_language() -> str:
    """`CSBA_LANG`: the language of the CLI's messages (en, zh)."""
    return os.environ.get("CSBA_LANG", "en")


def spacy_model_dir(default: Path) -> Path:
    """`CSBA_SPACY_MODEL`: the spaCy pipeline the NLU uses."""
    return Path(os.environ.get("CSBA_SPACY_MODEL", default))


# -- secrets and shared state -------------------------------------------------------

JWT_SECRET_ENV = "CSBA_JWT_SECRET"
REDIS_URL_ENV = "CSBA_REDIS_URL"


def jwt_secret_from_env() -> str | None:
    """`CSBA_JWT_SECRET`: the buyer tokens' signing secret (else a file in var/)."""
    return os.environ.get(JWT_SECRET_ENV) or None


def redis_url() -> str | None:
    """`CSBA_REDIS_URL`: Redis for the limits shared across processes."""
    return os.environ.get(REDIS_URL_ENV) or None


# -- the web app (read once into bot.entrypoints.web.settings.WebSettings) --------------------------


def tracker_store_url() -> str:
    return os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{var_dir() / 'tracker.db'}"


def rasa_url() -> str:
    url = os.environ.get("RASA_URL")
    if url:
        return url.rstrip("/")
    return f"http://localhost:{os.environ.get('RASA_PORT', '5005')}"


def rasa_token() -> str | None:
    return os.environ.get("RASA_TOKEN") or None


def action_server_token() -> str | None:
    """`CSBA_ACTION_TOKEN`: the secret Rasa sends the action server with every
    call (endpoints.yml's `Authorization` header; bot.entrypoints.actions_server)."""
    return os.environ.get("CSBA_ACTION_TOKEN") or None


def web_secret() -> str | None:
    return os.environ.get("CSBA_WEB_SECRET") or None


def upload_dir() -> Path:
    return Path(os.environ.get("CSBA_UPLOAD_DIR") or var_dir() / "uploads")


def web_host() -> str:
    return os.environ.get("CSBA_WEB_HOST", "127.0.0.1")


def web_port() -> int:
    return int(os.environ.get("CSBA_WEB_PORT", "8000"))


def web_log_level() -> str:
    return os.environ.get("CSBA_WEB_LOG_LEVEL", "info")


def switch(name: str, default: bool) -> bool:
    """A 1/0 variable; ValueError naming it for anything else."""
    value = os.environ.get(name, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    if value:
        raise ValueError(f"{name} must be 1 or 0, not {value!r}")
    return default


DEFAULT_AGENT_HOURS = "08:00-20:00"


def gc_tuning() -> bool:
    """`CSBA_GC_TUNING=0` leaves Python's garbage collector at its defaults in `rasa run`."""
    return switch("CSBA_GC_TUNING", True)


def agent_hours_text() -> str:
    """`CSBA_AGENT_HOURS`: when agents take live chats, every day, on the
    marketplace's wall clock (`HH:MM-HH:MM`)."""
    return os.environ.get("CSBA_AGENT_HOURS") or DEFAULT_AGENT_HOURS


def live_signal_url() -> str | None:
    """`CSBA_LIVE_SIGNAL_URL`: where Rasa and the action server tell the web app
    that a live chat changed (the web app's `/internal/live`). Unset: no signal
    leaves the process (the agent's pages still update on their own actions and
    at each reload). `make run` sets it to the web app's address."""
    return os.environ.get("CSBA_LIVE_SIGNAL_URL") or None


def quiet_tensorflow_logs() -> None:
    """`TF_CPP_MIN_LOG_LEVEL`, when unset, becomes 3: TensorFlow's C++ layer then
    prints only fatal errors (no "could not find cuda drivers", "TF-TRT Warning"...).
    For `make shell`, whose terminal is the conversation; called before TensorFlow is
    imported, since it reads the variable once."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
