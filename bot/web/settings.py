"""The web app's settings, read from the environment (README: "The web app").

Every field has a default from the environment, so `WebSettings()` and
`WebSettings.from_env()` are the same; tests pass the fields they need.
Nothing here opens a connection.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

from bot import config

SECRET_FILE_NAME = "web-secret"


def default_tracker_store_url() -> str:
    return os.environ.get("TRACKER_STORE_URL") or (
        f"sqlite:///{config.var_dir() / 'tracker.db'}"
    )


def default_rasa_url() -> str:
    url = os.environ.get("RASA_URL")
    if url:
        return url.rstrip("/")
    return f"http://localhost:{os.environ.get('RASA_PORT', '5005')}"


def default_session_secret() -> str:
    """`CSBA_WEB_SECRET`, or a random secret kept in `$CSBA_VAR_DIR/web-secret`
    (created on first use, readable by its owner only)."""
    secret = os.environ.get("CSBA_WEB_SECRET")
    if secret:
        return secret
    path = config.var_dir() / SECRET_FILE_NAME
    if path.exists():
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret + "\n", encoding="utf-8")
    return secret


def default_upload_dir() -> Path:
    return Path(os.environ.get("CSBA_UPLOAD_DIR") or config.var_dir() / "uploads")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class WebSettings:
    database_url: str = field(default_factory=config.database_url)
    tracker_store_url: str = field(default_factory=default_tracker_store_url)
    rasa_url: str = field(default_factory=default_rasa_url)
    rasa_token: str | None = field(
        default_factory=lambda: os.environ.get("RASA_TOKEN") or None
    )
    session_secret: str = field(default_factory=default_session_secret, repr=False)
    upload_dir: Path = field(default_factory=default_upload_dir)
    https_only: bool = field(default_factory=lambda: _flag("CSBA_WEB_HTTPS_ONLY"))
    # Login rate limit: this many failures per username and client address
    # within the window answer 429 until the window has passed.
    login_max_failures: int = 5
    login_window_seconds: int = 15 * 60
    session_max_age_seconds: int = 12 * 60 * 60

    @classmethod
    def from_env(cls, **overrides) -> WebSettings:  # noqa: ANN003
        """Settings from the environment; keyword arguments replace fields."""
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown WebSettings fields: {sorted(unknown)}")
        return cls(**overrides)
