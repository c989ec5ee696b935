"""Shared fixtures of the web tests: the app over a migrated temporary database
(SQLite, then PostgreSQL via `db_url`) holding tests/factories.valid_document(),
accounts, and signed-in TestClients.

W2 and W3 add their fixtures at the end of this file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import pytest
from starlette.testclient import TestClient

from bot.adapters.db import make_engine, session_scope
from bot.entrypoints.web.app import create_app
from bot.entrypoints.web.settings import WebSettings
from bot.services import cases, users
from bot.services.importer import load_document
from tests.factories import valid_document
from tests.trackers import TrackerWriter

PASSWORD = "correct horse battery"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def web_db(db_url) -> str:
    """The migrated test database with the factories' sellers, buyers and orders."""
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            load_document(session, valid_document())
    finally:
        engine.dispose()
    return db_url


@pytest.fixture
def web_engine(web_db):
    engine = make_engine(web_db)
    yield engine
    engine.dispose()


@pytest.fixture
def web_settings(web_db, tmp_path) -> WebSettings:
    return WebSettings(
        database_url=web_db,
        tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}",
        # Nothing listens on port 9 (discard): a push to Rasa fails fast.
        rasa_url="http://127.0.0.1:9",
        rasa_token="test-rasa-token",
        session_secret="test-session-secret-" + "x" * 32,
        upload_dir=tmp_path / "uploads",
        demo_sign_in=True,  # the demo picker, as `make run` serves it
    )


@pytest.fixture
def web_app(web_settings):
    return create_app(web_settings)


@pytest.fixture
def make_client(web_app) -> Iterator[Callable[[], TestClient]]:
    """New TestClients (each with its own cookie jar) over the same app."""
    clients: list[TestClient] = []

    def build() -> TestClient:
        client = TestClient(web_app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


@pytest.fixture
def add_account(web_engine) -> Callable[..., users.WebUser]:
    """Create an account: add_account("name", role="seller", seller_id="S-1")."""

    def add(
        username: str,
        *,
        role: str = "agent",
        seller_id: str | None = None,
        language: str | None = None,
        password: str = PASSWORD,
    ) -> users.WebUser:
        with session_scope(web_engine) as session:
            return users.add_user(
                session,
                username=username,
                password=password,
                role=role,
                seller_id=seller_id,
                language=language,
                now=utc_now(),
            )

    return add


def csrf_from(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's meta tag."""
    page = client.get(path)
    match = CSRF_META.search(page.text)
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD, **extra):
    token = csrf_from(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, **extra},
    )


@pytest.fixture
def signed_in(make_client, add_account) -> Callable[..., TestClient]:
    """A client signed in as a new account: signed_in("seller", seller_id="S-1")."""
    counter = iter(range(1, 1000))

    def sign_in(role: str = "agent", **fields) -> TestClient:
        username = fields.pop("username", f"{role}{next(counter)}")
        add_account(username, role=role, **fields)
        client = make_client()
        response = login(client, username)
        assert response.status_code == 303, response.text
        return client

    return sign_in


@pytest.fixture
def open_seller_case(web_engine) -> Callable[..., cases.CaseView]:
    """Open a seller case on one of the factories' orders (default: S-1's)."""

    def open_case(
        *,
        order_id: str = "112-1234567-1234567",
        question: str = "Where is my order?",
        conversation_id: str = "conv-1",
        category: str = "delivery_status",
        now: datetime | None = None,
    ) -> cases.CaseView:
        with session_scope(web_engine) as session:
            return cases.open_case(
                session,
                conversation_id=conversation_id,
                category=category,
                question=question,
                order_id=order_id,
                reason_code="late_delivery",
                now=now or utc_now(),
            ).case

    return open_case


@pytest.fixture(autouse=True)
def _web_defaults_of_make_run(monkeypatch) -> None:
    """The web settings that depend on where the app is served (Secure cookies,
    the demo picker) start from `make run`'s defaults, whatever the shell that
    runs the tests has set; a test that needs others sets them."""
    for name in ("CSBA_WEB_HOST", "CSBA_WEB_HTTPS_ONLY", "CSBA_WEB_DEMO_BUYERS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def writer(web_settings) -> Iterator[TrackerWriter]:
    """Writes conversations into the app's tracker store, as Rasa would."""
    store = TrackerWriter(web_settings.tracker_store_url)
    yield store
    store.dispose()


@pytest.fixture
def agent(signed_in):  # noqa: ANN201
    """A client signed in as the agent `sam`."""
    return signed_in("agent", username="sam")
