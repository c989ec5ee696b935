"""The real bot over HTTP: `rasa run` and the action server as separate processes.

The session-scoped `stack` fixture:

1. builds a temporary project database (SQLite): `csba db upgrade`, then
   `csba db load data/demo/demo.json`, with DATABASE_URL pointing at it;
2. gets the trained model from `bot.training.ensure_model()` (trains only when
   config.yml, domain.yml or data/ changed since the last training);
3. starts `rasa run actions` and `rasa run --enable-api` on free ports, with a
   temporary endpoints.yml (action endpoint on the action server's port, SQL
   tracker store on a temporary SQLite file), the fixed clock of the demo
   examples (CSBA_NOW) and a fixed JWT secret; waits for both to answer;
4. stops both process groups at the end of the session.

`stack.chat(sender, text, token=None)` posts to the project's token channel
(`/webhooks/csba_rest/webhook`) and returns the bot's messages;
`stack.slots(conversation_id)` reads the tracker through Rasa's HTTP API.
Every chat round trip is timed; the median and p95 are printed at the end of
the run (pytest_terminal_summary below).
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import PROJECT_ROOT

# The clock of data/demo/examples.json: every expected route holds at this instant.
DEMO_NOW = "2026-11-26T10:00:00-08:00"
# A fixed 48-character signing secret, shared by this process (which issues the
# tokens) and the Rasa and action processes (which check them).
JWT_SECRET = "e2e-test-secret-0123456789abcdef0123456789abcdef"
assert len(JWT_SECRET) == 48

WEBHOOK = "/webhooks/csba_rest/webhook"
# Overridable for slow machines: the seconds to wait for both processes to answer,
# and for one chat round trip.
START_TIMEOUT = float(os.environ.get("CSBA_E2E_START_TIMEOUT", "180"))
CHAT_TIMEOUT = float(os.environ.get("CSBA_E2E_CHAT_TIMEOUT", "60"))
VENV_BIN = Path(sys.executable).parent

# Round trips of every chat call of the session, in seconds, and other facts of the
# run (model, start-up time), all printed at the end (pytest_terminal_summary).
ROUND_TRIPS: list[float] = []
NOTES: list[str] = []


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def _csba(*args: str, env: dict[str, str]) -> None:
    executable = VENV_BIN / "csba"
    command = (
        [str(executable)]
        if executable.exists()
        else [
            sys.executable,
            "-c",
            "from bot.cli import main; raise SystemExit(main())",
        ]
    )
    result = subprocess.run(
        [*command, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"csba {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )


@dataclass
class Service:
    """One child process, started in its own process group, logging to a file."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        handle = open(self.log, "ab")  # noqa: SIM115 - owned by the child
        try:
            self.process = subprocess.Popen(
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            handle.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=10)
        self.process = None

    def died(self) -> str:
        code = self.process.returncode if self.process is not None else None
        return f"{self.name} exited with {code}; last log lines:\n{_tail(self.log)}"


@dataclass
class Stack:
    """The running bot: URLs, the API token, and helpers to talk to it."""

    rasa_url: str
    actions_url: str
    api_token: str
    model: Path
    workdir: Path
    rasa: Service
    actions: Service
    client: httpx.Client = field(repr=False)

    # -- talking to the bot -----------------------------------------------------

    def post(
        self,
        sender: str | None,
        text: Any,
        token: str | None = None,
        *,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """POST one message to the token channel; the raw response, timed."""
        payload = dict(body) if body is not None else {"message": text}
        if body is None and sender is not None:
            payload["sender"] = sender
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        start = time.perf_counter()
        response = self.client.post(
            f"{self.rasa_url}{WEBHOOK}",
            json=payload,
            headers=headers,
            timeout=CHAT_TIMEOUT,
        )
        ROUND_TRIPS.append(time.perf_counter() - start)
        return response

    def chat(
        self, sender: str | None, text: str, token: str | None = None
    ) -> list[dict[str, Any]]:
        """The bot's messages in reply to `text` (HTTP 200 required)."""
        response = self.post(sender, text, token)
        assert response.status_code == 200, (
            f"HTTP {response.status_code} for {text[:80]!r}: {response.text[:500]}\n"
            + self.logs()
        )
        messages = response.json()
        assert isinstance(messages, list), messages
        return messages

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        response = self.client.get(
            f"{self.rasa_url}/conversations/{conversation_id}/tracker",
            params={"token": self.api_token},
            timeout=CHAT_TIMEOUT,
        )
        assert response.status_code == 200, response.text[:500]
        return response.json()

    def slots(self, conversation_id: str) -> dict[str, Any]:
        return self.tracker(conversation_id)["slots"]

    # -- the processes ------------------------------------------------------------

    def logs(self, lines: int = 40) -> str:
        return (
            f"--- rasa log ({self.rasa.log}) ---\n{_tail(self.rasa.log, lines)}\n"
            f"--- action server log ({self.actions.log}) ---\n"
            f"{_tail(self.actions.log, lines)}"
        )

    def stop_actions(self) -> None:
        self.actions.stop()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _answers(f"{self.actions_url}/health"):
            time.sleep(0.2)

    def start_actions(self) -> None:
        if self.actions.alive():
            return
        self.actions.start()
        _wait_until(
            lambda: _answers(f"{self.actions_url}/health"),
            [self.actions],
            START_TIMEOUT,
        )

    def ensure_running(self) -> None:
        """Bring a stopped action server back (after a test that stopped it)."""
        if not self.actions.alive():
            self.start_actions()
        if not self.rasa.alive():
            pytest.fail(self.rasa.died())


def _answers(url: str, params: dict[str, str] | None = None) -> bool:
    try:
        return httpx.get(url, params=params, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_until(ready, services: list[Service], timeout: float) -> float:
    start = time.monotonic()
    while True:
        for service in services:
            if not service.alive():
                pytest.fail(f"{service.died()}")
        if ready():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            details = "\n".join(f"--- {s.name} ---\n{_tail(s.log)}" for s in services)
            pytest.fail(f"the bot did not start within {timeout:.0f} s\n{details}")
        time.sleep(0.5)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from bot.training import ensure_model

    workdir = tmp_path_factory.mktemp("e2e")
    var = workdir / "var"
    var.mkdir()
    database_url = f"sqlite:///{workdir / 'csba.db'}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SMTP_URL", "CSBA_NOW", "DATABASE_URL", "TRACKER_STORE_URL")
    }
    env.update(
        DATABASE_URL=database_url,
        CSBA_NOW=DEMO_NOW,
        CSBA_VAR_DIR=str(var),
        CSBA_OUTBOX=str(var / "outbox"),
        CSBA_JWT_SECRET=JWT_SECRET,
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONUNBUFFERED="1",
    )

    # 1. the project database, loaded exactly as an operator would
    _csba("db", "upgrade", env=env)
    _csba("db", "load", str(PROJECT_ROOT / "data" / "demo" / "demo.json"), env=env)

    # 2. the model: trained once per change of config, domain or data.
    # CSBA_E2E_MODEL=<file> uses that model instead (debugging only).
    override = os.environ.get("CSBA_E2E_MODEL")
    started_at = time.monotonic()
    model = Path(override).resolve() if override else ensure_model()
    took = time.monotonic() - started_at
    NOTES.append(
        f"model {model.name}: "
        + (f"trained in {took:.0f} s" if took > 10 else "reused (unchanged inputs)")
    )

    # 3. the two processes
    actions_port, rasa_port = _free_port(), _free_port()
    while rasa_port == actions_port:
        rasa_port = _free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        json.dumps(
            {
                "action_endpoint": {"url": f"http://127.0.0.1:{actions_port}/webhook"},
                "tracker_store": {
                    "type": "SQL",
                    "dialect": "sqlite",
                    "db": str(workdir / "tracker.db"),
                },
            },
            indent=2,
        ),  # JSON is YAML
        encoding="utf-8",
    )
    api_token = uuid.uuid4().hex
    rasa_bin = (
        [str(VENV_BIN / "rasa")]
        if (VENV_BIN / "rasa").exists()
        else [
            sys.executable,
            "-m",
            "rasa",
        ]
    )
    actions = Service(
        "action server",
        [
            *rasa_bin,
            "run",
            "actions",
            "--actions",
            "actions",
            "--port",
            str(actions_port),
        ],
        env,
        workdir / "actions.log",
    )
    rasa = Service(
        "rasa",
        [
            *rasa_bin,
            "run",
            "--enable-api",
            "--auth-token",
            api_token,
            "--port",
            str(rasa_port),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(PROJECT_ROOT / "credentials.yml"),
            "-m",
            str(model),
        ],
        env,
        workdir / "rasa.log",
    )
    client = httpx.Client()
    result = Stack(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        actions_url=f"http://127.0.0.1:{actions_port}",
        api_token=api_token,
        model=model,
        workdir=workdir,
        rasa=rasa,
        actions=actions,
        client=client,
    )
    try:
        actions.start()
        rasa.start()
        started = _wait_until(
            lambda: (
                _answers(f"{result.actions_url}/health")
                and _answers(f"{result.rasa_url}/status", {"token": api_token})
            ),
            [actions, rasa],
            START_TIMEOUT,
        )
        NOTES.append(
            f"rasa run + action server ready in {started:.0f} s (logs: {workdir})"
        )
        yield result
    finally:
        client.close()
        rasa.stop()
        actions.stop()


@pytest.fixture
def bot(stack: Stack) -> Stack:
    """The running stack, with the action server up (a test may have stopped it)."""
    stack.ensure_running()
    return stack


def round_trip_summary() -> str | None:
    if not ROUND_TRIPS:
        return None
    ordered = sorted(ROUND_TRIPS)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank
    return (
        f"REST round trip over {len(ordered)} chat calls: "
        f"median {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    summary = round_trip_summary()
    if not (summary or NOTES):
        return
    terminalreporter.write_sep("-", "end-to-end conversations")
    for line in [*NOTES, *([summary] if summary else [])]:
        terminalreporter.write_line(line)
