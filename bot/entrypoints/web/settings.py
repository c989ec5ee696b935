"""The web app's settings, read from the environment (README: "The web app").

Every field has a default from the environment, so `WebSettings()` and
`WebSettings.from_env()` are the same; tests pass the fields they need.
Nothing here opens a connection.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

from bot import config
from bot.entrypoints.web.login import (
    LOGIN_ADDRESS_LIMIT,
    LOGIN_FREE_FAILURES,
    LOGIN_MAX_DELAY_SECONDS,
    LOGIN_WINDOW_SECONDS,
)

SECRET_FILE_NAME = "web-secret"


def default_tracker_store_url() -> str:
    return config.tracker_store_url()


def default_rasa_url() -> str:
    return config.rasa_url()


def default_session_secret() -> str:
    """`CSBA_WEB_SECRET`, or a random secret kept in `$CSBA_VAR_DIR/web-secret`
    (created on first use, readable by its owner only)."""
    secret = config.web_secret()
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
    return config.upload_dir()


def _switch(name: str, default: bool) -> bool:
    try:
        return config.switch(name, default)
    except ValueError as error:
        raise SettingsError(str(error)) from None


def default_demo_sign_in() -> bool:
    """`CSBA_WEB_DEMO_BUYERS=1` turns the demo shop's "chat as" picker on; it is
    off otherwise. The picker lets anyone chat as any seeded buyer: what
    `make run` is for (its Procfile turns it on), never what a shop served to
    others may do, even from a loopback address behind a reverse proxy. There,
    buyer tokens come from the shop's own sign-in (`csba token`, or an
    integration issuing the same tokens)."""
    return _switch("CSBA_WEB_DEMO_BUYERS", False)


class SettingsError(ValueError):
    """A setting in the environment is not usable; the message says which."""


LOOPBACK_HOSTS = frozenset({"localhost", "localhost."})


def is_loopback(host: str) -> bool:
    """Whether binding to `host` serves this machine only: `localhost`, or an
    address in 127.0.0.0/8 or ::1 (brackets allowed). An empty host, 0.0.0.0,
    :: and any other name or address count as serving others."""
    host = host.strip().lower()
    if host in LOOPBACK_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def default_https_only() -> bool:
    """`CSBA_WEB_HTTPS_ONLY` (1 or 0); unset: on, unless the web app is bound to
    a loopback address (CSBA_WEB_HOST, 127.0.0.1 by default), where `make run`
    serves plain http to this machine only. Anything served to others is
    expected behind HTTPS, so its session cookie is `Secure`."""
    return _switch(
        "CSBA_WEB_HTTPS_ONLY",
        not is_loopback(config.web_host()),
    )


@dataclass(frozen=True)
class WebSettings:
    database_url: str = field(default_factory=config.database_url)
    tracker_store_url: str = field(default_factory=default_tracker_store_url)
    rasa_url: str = field(default_factory=default_rasa_url)
    rasa_token: str | None = field(
        default_factory=config.rasa_token
    )
    session_secret: str = field(default_factory=default_session_secret, repr=False)
    upload_dir: Path = field(default_factory=default_upload_dir)
    https_only: bool = field(default_factory=default_https_only)
    demo_sign_in: bool = field(default_factory=default_demo_sign_in)
    # Sign-in throttle (bot.entrypoints.web.login.LoginThrottle): per username and client
    # address, 3 free failures, then a wait of 2^(n-3) s up to 300 s; per
    # address, 30 failures over all usernames; failures count for 15 minutes.
    login_free_failures: int = LOGIN_FREE_FAILURES
    login_max_delay_seconds: int = LOGIN_MAX_DELAY_SECONDS
    login_address_limit: int = LOGIN_ADDRESS_LIMIT
    login_window_seconds: int = LOGIN_WINDOW_SECONDS
    # `CSBA_REDIS_URL`: the sign-in throttle's counters in Redis, shared by every
    # web process (unreachable: sign-in answers 503); unset: this process's memory.
    redis_url: str | None = field(default_factory=config.redis_url)
    session_max_age_seconds: int = 12 * 60 * 60

    @classmethod
    def from_env(cls, **overrides) -> WebSettings:  # noqa: ANN003
        """Settings from the environment; keyword arguments replace fields."""
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown WebSettings fields: {sorted(unknown)}")
        return cls(**overrides)
