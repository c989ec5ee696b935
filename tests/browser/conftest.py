"""Browser tests: Debian's Chromium, driven by Playwright for Python, against the
real stack: `rasa run` (with the project's credentials.yml, so the socket.io
channel bot.entrypoints.rasa.channels.socketio), the action server and the web app
(`python -m bot.entrypoints.web`), each a separate process on a free port, over temporary
project and tracker databases loaded with `csba db load data/demo/demo.json`,
at the demo clock (CSBA_NOW) as in tests/e2e.

The process helpers are tools.devstack's (as in tests/e2e). The model is
`bot.entrypoints.training.ensure_model()`'s (CSBA_E2E_MODEL=<file> uses that file).
Screenshots of every page go to $CSBA_ARTIFACTS_DIR or tests/browser/artifacts/
(printed at the end of the run).

Chromium must be at /usr/bin/chromium (`make install` installs Debian's); the
tests fail, never skip, when it is missing.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from bot.config import PROJECT_ROOT
from tests.e2e.conftest import JWT_SECRET, START_TIMEOUT, failing_with_logs
from tools.devstack import (
    Service,
    answers,
    csba_env,
    csba_services,
    free_ports,
    load_demo_database,
    tail,
    wait_until,
)

CHROMIUM = Path(os.environ.get("CSBA_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(
    os.environ.get("CSBA_ARTIFACTS_DIR") or PROJECT_ROOT / "tests" / "browser" / "artifacts"
)
PASSWORD = "browser-test-password"
# Demo accounts of the browser tests: seller A (S-100, whose orders the demo
# buyers chat about), seller B (S-200) and an agent.
SELLER_A = ("seller-a", "S-100")
SELLER_B = ("seller-b", "S-200")
AGENT = "agent-1"
UI_TIMEOUT_MS = float(os.environ.get("CSBA_BROWSER_TIMEOUT_MS", "60000"))

SCREENSHOTS: list[Path] = []


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.timeout(1800))


@dataclass
class WebStack:
    """The running stack: URLs, logs and the project database."""

    web_url: str
    rasa_url: str
    api_token: str
    database_url: str
    tracker_url: str
    upload_dir: Path
    workdir: Path
    services: list[Service]

    def logs(self, lines: int = 40) -> str:
        return "\n".join(
            f"--- {service.name} ({service.log}) ---\n{tail(service.log, lines)}"
            for service in self.services
        )

    def tracker(self, conversation_id: str) -> dict:
        response = httpx.get(
            f"{self.rasa_url}/conversations/{conversation_id}/tracker",
            params={"token": self.api_token},
            timeout=30,
        )
        assert response.status_code == 200, response.text[:300]
        return response.json()


def _add_accounts(database_url: str) -> None:
    from bot.adapters.db import make_engine, session_scope
    from bot.services.users import add_user

    engine = make_engine(database_url)
    now = datetime.now(timezone.utc)
    try:
        with session_scope(engine) as session:
            for username, seller_id in (SELLER_A, SELLER_B):
                add_user(
                    session, username=username, password=PASSWORD, role="seller",
                    seller_id=seller_id, now=now,
                )
            add_user(session, username=AGENT, password=PASSWORD, role="agent", now=now)
    finally:
        engine.dispose()


# Package scope, not session: the stack and the browser stop after the last browser
# test. Playwright's sync API keeps an asyncio loop running in the main thread while it
# is open, which breaks every later test that calls asyncio.run() (Rasa's tracker store,
# Sanic's test client) when the whole suite runs in one process.
@pytest.fixture(scope="package")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    from bot.entrypoints.training import ensure_model

    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Run `make install` (as root it runs `apt-get install chromium`)."
        )
    workdir = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{workdir / 'csba.db'}"
    tracker_url = f"sqlite:///{workdir / 'tracker.db'}"
    upload_dir = workdir / "uploads"
    api_token = uuid.uuid4().hex
    env = csba_env(
        workdir,
        JWT_SECRET,
        TRACKER_STORE_URL=tracker_url,
        CSBA_WEB_SECRET="browser-test-web-secret-" + "w" * 32,
        CSBA_WEB_DEMO_BUYERS="1",  # the demo picker, as `make run` serves it
        CSBA_UPLOAD_DIR=str(upload_dir),
        RASA_TOKEN=api_token,
    )
    with failing_with_logs():
        load_demo_database(env, workdir / "setup.log")
    _add_accounts(database_url)

    override = os.environ.get("CSBA_E2E_MODEL")
    model = Path(override).resolve() if override else ensure_model()

    actions_port, rasa_port, web_port = free_ports(3)
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    web_url = f"http://127.0.0.1:{web_port}"
    env.update(
        RASA_URL=rasa_url,
        CSBA_WEB_PORT=str(web_port),
        RASA_PORT=str(rasa_port),
        # Rasa and the action server tell the web app when a live chat changes
        CSBA_LIVE_SIGNAL_URL=f"{web_url}/internal/live",
    )
    actions, rasa = csba_services(
        workdir, env, model,
        actions_port=actions_port, rasa_port=rasa_port, api_token=api_token,
        rasa_args=("--cors", web_url),
    )  # fmt: skip
    web = Service("web app", [sys.executable, "-m", "bot.entrypoints.web"], env, workdir / "web.log")
    stack = WebStack(
        web_url=web_url,
        rasa_url=rasa_url,
        api_token=api_token,
        database_url=database_url,
        tracker_url=tracker_url,
        upload_dir=upload_dir,
        workdir=workdir,
        services=[actions, rasa, web],
    )
    try:
        for service in stack.services:
            service.start()
        with failing_with_logs():
            wait_until(
                lambda: (
                    answers(f"http://127.0.0.1:{actions_port}/health")
                    and answers(f"{rasa_url}/status", {"token": api_token})
                    and answers(f"{web_url}/login")
                ),
                stack.services,
                START_TIMEOUT,
            )
        yield stack
    finally:
        for service in reversed(stack.services):
            service.stop()


@pytest.fixture(scope="package")
def browser(web_stack):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, web_stack):
    """new_page() -> a page in a fresh browser context (own cookies); page
    errors (uncaught exceptions) fail the test."""
    contexts = []
    errors: list[str] = []

    def make():
        context = browser.new_context(
            base_url=web_stack.web_url, viewport={"width": 1280, "height": 860}
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    SCREENSHOTS.append(path)
    return path


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not SCREENSHOTS:
        return
    terminalreporter.write_sep("-", "browser tests")
    terminalreporter.write_line(
        f"{len(SCREENSHOTS)} screenshots in {ARTIFACTS} (CSBA_ARTIFACTS_DIR overrides)"
    )
