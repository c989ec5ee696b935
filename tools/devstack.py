"""Start the bot's real processes on free ports, and stop them: the one home of
the process helpers of the end-to-end and browser tests (tests/e2e, tests/browser)
and of the load benchmark (tools.evaluation.stack).

- `csba_env`: the environment of the bot as `make run` runs it, over a temporary
  SQLite project database in `workdir`, at the demo clock (CSBA_NOW) and with the
  given JWT secret; `load_demo_database` migrates it and loads the demo data
  (`csba db upgrade` + `csba db load`).
- `csba_services`: the action server (bot.entrypoints.actions_server) and `rasa run --enable-api` with a temporary
  endpoints.yml (action server on its port, SQL tracker store on a temporary
  SQLite file), not yet started.
- `Service`: one child process in its own session (process group), logging to a
  file; `stop` ends the whole session. `wait_until` waits for the services to
  answer.

Failures raise `StackError`: its `key`/`params` name a catalogue line
(`eval.error.*`, what `python -m tools.evaluation bench` prints); `str()` of it is
the developer's message with the tails of the logs (what the test fixtures fail
with).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.config import NLG_TYPE, PROJECT_ROOT, TRACKER_STORE_TYPE

# The clock of data/demo/examples.json: every expected route holds at this instant.
DEMO_NOW = "2026-11-26T10:00:00-08:00"
DEMO_DATA = PROJECT_ROOT / "data" / "demo" / "demo.json"
CSBA_WEBHOOK = "/webhooks/csba_rest/webhook"
REST_WEBHOOK = "/webhooks/rest/webhook"
VENV_BIN = Path(sys.executable).parent


class StackError(Exception):
    """A setup command that failed, or a service that died or did not answer."""

    def __init__(self, detail: str, key: str, **params: Any) -> None:
        super().__init__(detail)
        self.key = key
        self.params = params


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in ports:
            ports.append(port)
    return ports


def free_port_range(count: int) -> int:
    """The first of `count` consecutive free ports on 127.0.0.1."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count > 65000:
            continue
        sockets = []
        try:
            for port in range(first, first + count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports")


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def python() -> str:
    """This venv's Python (the one running, when the venv has none)."""
    executable = VENV_BIN / "python"
    return str(executable) if executable.exists() else sys.executable


def command(name: str) -> list[str]:
    """A console script of this venv, or `python -m` when it is not installed."""
    executable = VENV_BIN / name
    if executable.exists():
        return [str(executable)]
    if name == "csba":
        return [
            sys.executable,
            "-c",
            "from bot.entrypoints.cli import main; raise SystemExit(main())",
        ]
    return [sys.executable, "-m", name]


def _session_pids(session: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == session:  # state ppid pgrp session ...
            pids.append(int(entry.name))
    return pids


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class Service:
    """One child process in its own session, logging to a file."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path = PROJECT_ROOT
    role: str = "rasa"  # or "actions": what the load benchmark reports it as
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as handle:
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def died(self) -> str:
        code = self.process.returncode if self.process is not None else None
        return f"{self.name} exited with {code}; last log lines:\n{tail(self.log)}"

    def rss_mb(self, key: str = "VmRSS") -> float:
        """Sum over the session's processes of /proc status `key` (VmRSS, VmHWM)."""
        if not self.alive():
            return 0.0
        pids = _session_pids(self.process.pid)
        return sum(_status_kb(pid, key) for pid in pids) / 1024

    def peak_rss_mb(self) -> float:
        return self.rss_mb("VmHWM")

    def stop(self, timeout: float = 20) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.process = None


def answers(url: str, params: dict[str, str] | None = None) -> bool:
    try:
        return httpx.get(url, params=params, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(
    ready: Callable[[], bool], services: list[Service], timeout: float
) -> float:
    """Seconds until `ready()`; a StackError when a service dies or time runs out."""
    start = time.monotonic()
    while True:
        for service in services:
            if not service.alive():
                raise StackError(
                    service.died(),
                    "eval.error.service_died",
                    name=service.name,
                    code=service.process.returncode if service.process else None,
                    log=str(service.log),
                )
        if ready():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            details = "\n".join(f"--- {s.name} ---\n{tail(s.log)}" for s in services)
            raise StackError(
                f"the bot did not start within {timeout:.0f} s\n{details}",
                "eval.error.service_timeout",
                seconds=round(timeout),
                logs=", ".join(str(s.log) for s in services),
            )
        time.sleep(0.5)


def rasa_env(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without the bot's settings, plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SMTP_URL", "CSBA_NOW", "DATABASE_URL", "TRACKER_STORE_URL")
    }
    env.update(
        RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1"
    )
    env.update(extra)
    return env


def csba_env(workdir: Path, jwt_secret: str, **extra: str) -> dict[str, str]:
    """The bot's environment over `workdir/csba.db` at the demo clock."""
    var = workdir / "var"
    var.mkdir(parents=True, exist_ok=True)
    return rasa_env(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'csba.db'}",
            "CSBA_NOW": DEMO_NOW,
            "CSBA_VAR_DIR": str(var),
            "CSBA_OUTBOX": str(var / "outbox"),
            "CSBA_JWT_SECRET": jwt_secret,
            # what Rasa sends the action server (bot/entrypoints/actions_server.py)
            "CSBA_ACTION_TOKEN": uuid.uuid4().hex,
            **extra,
        }
    )


def run_csba(args: list[str], env: dict[str, str], log: Path) -> None:
    """`csba <args>`, its output appended to `log`; a StackError when it fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as handle:
        result = subprocess.run(
            [*command("csba"), *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    if result.returncode != 0:
        raise StackError(
            f"csba {' '.join(args)} exited {result.returncode}:\n{tail(log)}",
            "eval.error.setup_failed",
            command=f"csba {' '.join(args[:2])}",
            log=str(log),
        )


def load_demo_database(env: dict[str, str], log: Path) -> None:
    """Migrate the database of `env` and load the demo data, as an operator would."""
    run_csba(["db", "upgrade"], env, log)
    run_csba(["db", "load", str(DEMO_DATA)], env, log)


def csba_services(
    workdir: Path,
    env: dict[str, str],
    model: Path,
    *,
    actions_port: int,
    rasa_port: int,
    api_token: str,
    rasa_args: tuple[str, ...] = (),
) -> tuple[Service, Service]:
    """The action server and `rasa run --enable-api` (plus `rasa_args`), not started.

    Rasa uses the project's credentials.yml and a temporary endpoints.yml: the
    action server on `actions_port`, the SQL tracker store on `workdir/tracker.db`.
    """
    endpoints = workdir / "endpoints.yml"
    # the secret the action server wants from Rasa (bot/entrypoints/actions_server.py),
    # written out: Rasa substitutes ${...} in plain YAML scalars only, not in JSON's
    action_token = env.get("CSBA_ACTION_TOKEN") or uuid.uuid4().hex
    env = {**env, "CSBA_ACTION_TOKEN": action_token}
    endpoints.write_text(
        json.dumps(  # JSON is YAML
            {
                "action_endpoint": {
                    "url": f"http://127.0.0.1:{actions_port}/webhook",
                    "headers": {"Authorization": f"Bearer {action_token}"},
                    "enable_selective_domain": True,
                },
                "tracker_store": {
                    "type": TRACKER_STORE_TYPE,
                    "url": f"sqlite:///{workdir / 'tracker.db'}",
                },
                "nlg": {"type": NLG_TYPE},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    actions = Service(
        "action server",
        [python(), "-m", "bot.entrypoints.actions_server", "--actions", "actions",
         "--port", str(actions_port)],  # fmt: skip
        # Loopback only, as in the Procfile: the action server trusts the tracker
        # Rasa sends it, so nobody else may call it.
        {**env, "SANIC_HOST": "127.0.0.1"},
        workdir / "actions.log",
        role="actions",
    )
    # Rasa with the project's fixes installed (bot/entrypoints/rasa/runtime), as the Procfile runs it.
    server = Service(
        "rasa",
        [python(), "-m", "bot.entrypoints.rasa.runtime", "run", "--enable-api",
         "--port", str(rasa_port), "--endpoints", str(endpoints),
         "--credentials", str(PROJECT_ROOT / "credentials.yml"),
         *rasa_args, "-m", str(model)],
        {**env, "RASA_TOKEN": api_token},  # not on the command line (runtime/__main__.py)
        workdir / "rasa.log",
    )  # fmt: skip
    return actions, server
