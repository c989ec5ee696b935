"""The real bot over HTTP: `rasa run` and the action server as separate processes.

The session-scoped `stack` fixture:

1. builds a temporary project database (SQLite): `csba db upgrade`, then
   `csba db load data/demo/demo.json`, with DATABASE_URL pointing at it;
2. gets the trained model from `bot.entrypoints.training.ensure_model()` (trains only when
   config.yml, domain.yml or data/ changed since the last training);
3. starts the action server (bot.entrypoints.actions_server) and `rasa run --enable-api` on free ports, with a
   temporary endpoints.yml (action endpoint on the action server's port, SQL
   tracker store on a temporary SQLite file), the fixed clock of the demo
   examples (CSBA_NOW) and a fixed JWT secret; waits for both to answer;
4. stops both process groups at the end of the session.

The process helpers are tools.devstack's (shared with tests/browser and the load
benchmark); their StackError becomes pytest.fail with the tails of the logs.

`stack.chat(sender, text, token=None)` posts to the project's token channel
(`/webhooks/csba_rest/webhook`) and returns the bot's messages (the channel
ignores `sender`: an anonymous chat goes on with the token the first reply
issued, see tests/e2e/test_conversations.py's Conversation);
`stack.slots(conversation_id)` reads the tracker through Rasa's HTTP API.
Every chat round trip is timed; the median and p95 are printed at the end of
the run (pytest_terminal_summary below).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tools.devstack import (
    CSBA_WEBHOOK,
    Service,
    StackError,
    answers,
    csba_env,
    csba_services,
    free_ports,
    load_demo_database,
    tail,
    wait_until,
)
from tools.evaluation.metrics import percentile

# A fixed 48-character signing secret, shared by this process (which issues the
# tokens) and the Rasa and action processes (which check them).
JWT_SECRET = "e2e-test-secret-0123456789abcdef0123456789abcdef"
assert len(JWT_SECRET) == 48

# Overridable for slow machines: the seconds to wait for both processes to answer,
# and for one chat round trip.
START_TIMEOUT = float(os.environ.get("CSBA_E2E_START_TIMEOUT", "180"))
CHAT_TIMEOUT = float(os.environ.get("CSBA_E2E_CHAT_TIMEOUT", "60"))

# Round trips of every chat call of the session, in seconds, and other facts of the
# run (model, start-up time), all printed at the end (pytest_terminal_summary).
ROUND_TRIPS: list[float] = []
NOTES: list[str] = []


@contextlib.contextmanager
def failing_with_logs() -> Iterator[None]:
    """A tools.devstack StackError (a service died, did not answer, or a setup
    command failed) becomes pytest.fail with the tails of the logs."""
    try:
        yield
    except StackError as error:
        pytest.fail(str(error))


@dataclass
class Stack:
    """The running bot: URLs, the API token, and helpers to talk to it."""

    rasa_url: str
    actions_url: str
    api_token: str
    action_token: str  # what Rasa sends the action server (actions_server.py)
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
        client: httpx.Client | None = None,
    ) -> httpx.Response:
        """POST one message to the token channel; the raw response, timed.

        `sender` is sent as the client's `sender` field, which the channel
        ignores (tests show that it does); `client` sends from another address."""
        payload = dict(body) if body is not None else {"message": text}
        if body is None and sender is not None:
            payload["sender"] = sender
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        start = time.perf_counter()
        response = (client or self.client).post(
            f"{self.rasa_url}{CSBA_WEBHOOK}",
            json=payload,
            headers=headers,
            timeout=CHAT_TIMEOUT,
        )
        ROUND_TRIPS.append(time.perf_counter() - start)
        return response

    def client_at(self, address: str) -> httpx.Client:
        """A client whose requests come from `address` (127.0.0.2 and up on
        loopback): the verification limits count per client address."""
        return httpx.Client(transport=httpx.HTTPTransport(local_address=address))

    def chat(
        self,
        sender: str | None,
        text: str,
        token: str | None = None,
        *,
        client: httpx.Client | None = None,
    ) -> list[dict[str, Any]]:
        """The bot's messages in reply to `text` (HTTP 200 required)."""
        response = self.post(sender, text, token, client=client)
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
            f"--- rasa log ({self.rasa.log}) ---\n{tail(self.rasa.log, lines)}\n"
            f"--- action server log ({self.actions.log}) ---\n"
            f"{tail(self.actions.log, lines)}"
        )

    def stop_actions(self) -> None:
        self.actions.stop()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and answers(f"{self.actions_url}/health"):
            time.sleep(0.2)

    def start_actions(self) -> None:
        if self.actions.alive():
            return
        self.actions.start()
        with failing_with_logs():
            wait_until(
                lambda: answers(f"{self.actions_url}/health"),
                [self.actions],
                START_TIMEOUT,
            )

    def ensure_running(self) -> None:
        """Bring a stopped action server back (after a test that stopped it)."""
        if not self.actions.alive():
            self.start_actions()
        if not self.rasa.alive():
            pytest.fail(self.rasa.died())


@contextlib.contextmanager
def running_stack(workdir: Path) -> Iterator[Stack]:
    """The demo database, the model and the two processes, in `workdir`; stopped
    at the end."""
    from bot.entrypoints.training import ensure_model

    env = csba_env(workdir, JWT_SECRET, CSBA_ACTION_TOKEN=uuid.uuid4().hex)

    # 1. the project database, loaded exactly as an operator would
    with failing_with_logs():
        load_demo_database(env, workdir / "setup.log")

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
    actions_port, rasa_port = free_ports(2)
    api_token = uuid.uuid4().hex
    actions, rasa = csba_services(
        workdir, env, model,
        actions_port=actions_port, rasa_port=rasa_port, api_token=api_token,
    )  # fmt: skip
    client = httpx.Client()
    result = Stack(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        actions_url=f"http://127.0.0.1:{actions_port}",
        api_token=api_token,
        action_token=env["CSBA_ACTION_TOKEN"],
        model=model,
        workdir=workdir,
        rasa=rasa,
        actions=actions,
        client=client,
    )
    try:
        actions.start()
        rasa.start()
        with failing_with_logs():
            started = wait_until(
                lambda: (
                    answers(f"{result.actions_url}/health")
                    and answers(f"{result.rasa_url}/status", {"token": api_token})
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


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("e2e")) as running:
        yield running


@pytest.fixture
def bot(stack: Stack) -> Stack:
    """The running stack, with the action server up (a test may have stopped it)."""
    stack.ensure_running()
    return stack


def round_trip_summary() -> str | None:
    if not ROUND_TRIPS:
        return None
    ordered = sorted(ROUND_TRIPS)
    p95 = percentile(ordered, 0.95)  # nearest rank
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
