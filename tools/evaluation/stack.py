"""Start the bots of the load benchmark on free ports, and stop them.

- `start_csba_stack`: the bot as `make run` runs it, over a temporary database
  loaded with the demo data, the demo clock (CSBA_NOW) and a fresh JWT secret:
  the action server and `rasa run` as tools.devstack starts them (temporary
  endpoints.yml, SQL tracker store on a temporary SQLite file).
- `start_bare_stack`: a bare `rasa init` bot (no custom actions, in-memory tracker
  store); `bare_rasa_project` creates and trains it once per Rasa version.

The processes are tools.devstack's `Service`s (each in its own session, logging to a
file; `Service.peak_rss_mb` reads the kernel's high-water mark of the session).
Failures are tools.devstack's `StackError`s, which `python -m tools.evaluation`
prints as one line.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tools.devstack import (
    CSBA_WEBHOOK,
    REST_WEBHOOK,
    Service,
    answers,
    command,
    csba_env,
    csba_services,
    free_ports,
    load_demo_database,
    rasa_env,
    wait_until,
)
from tools.evaluation.datasets import EvalError


@dataclass
class RunningBot:
    """A started bot: where to post messages and the processes behind it."""

    name: str
    url: str
    webhook: str
    services: list[Service]
    jwt_secret: str | None = None
    startup_seconds: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def webhook_url(self) -> str:
        return f"{self.url}{self.webhook}"

    def stop(self) -> None:
        for service in self.services:
            service.stop()


@contextlib.contextmanager
def start_csba_stack(
    workdir: Path, model: Path, *, start_timeout: float = 300
) -> Iterator[RunningBot]:
    """The CSBA bot over the demo data (see the module docstring); stopped on exit."""
    jwt = secrets.token_urlsafe(36)
    env = csba_env(workdir, jwt)
    load_demo_database(env, workdir / "setup.log")

    actions_port, rasa_port = free_ports(2)
    api_token = secrets.token_hex(16)
    actions, server = csba_services(
        workdir, env, model,
        actions_port=actions_port, rasa_port=rasa_port, api_token=api_token,
    )  # fmt: skip
    bot = RunningBot(
        name="csba",
        url=f"http://127.0.0.1:{rasa_port}",
        webhook=CSBA_WEBHOOK,
        services=[server, actions],
        jwt_secret=jwt,
        extra={"api_token": api_token},
    )
    try:
        actions.start()
        server.start()
        bot.startup_seconds = wait_until(
            lambda: (
                answers(f"http://127.0.0.1:{actions_port}/health")
                and answers(f"{bot.url}/status", {"token": api_token})
            ),
            [actions, server],
            start_timeout,
        )
        yield bot
    finally:
        bot.stop()


# ---------------------------------------------------------------- the bare bot


def bare_rasa_project(cache_dir: Path, *, log: Path) -> Path:
    """A `rasa init` project with its trained model, made once per Rasa version.

    Kept as `<cache_dir>/rasa-init-<version>/` (its model in `models/`). It is
    created and trained in a temporary folder and moved into place when complete.
    """
    import rasa

    project = cache_dir / f"rasa-init-{rasa.__version__}"
    if any((project / "models").glob("*.tar.gz")):
        return project
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".rasa-init-", dir=cache_dir) as tmp:
        staging = Path(tmp) / "project"
        staging.mkdir()
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w", encoding="utf-8") as handle:
            result = subprocess.run(
                [*command("rasa"), "init", "--no-prompt", "--init-dir", str(staging)],
                cwd=staging,
                env=rasa_env({}),
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                timeout=1800,
                check=False,
            )
        if result.returncode != 0 or not any((staging / "models").glob("*.tar.gz")):
            raise EvalError(
                "eval.error.setup_failed", command="rasa init", log=str(log)
            )
        shutil.rmtree(staging / ".rasa", ignore_errors=True)  # its component cache
        if project.exists():
            shutil.rmtree(project)
        os.replace(staging, project)
    return project


def bare_model(project: Path) -> Path:
    return max((project / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


@contextlib.contextmanager
def start_bare_stack(
    project: Path, workdir: Path, *, start_timeout: float = 300
) -> Iterator[RunningBot]:
    """`rasa run` of the bare project: its own credentials (rest) and endpoints."""
    (port,) = free_ports(1)
    server = Service(
        "bare rasa",
        [*command("rasa"), "run", "--port", str(port), "-m", str(bare_model(project)),
         "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
        rasa_env({}),
        workdir / "bare-rasa.log",
        cwd=project,
    )  # fmt: skip
    bot = RunningBot(
        name="bare",
        url=f"http://127.0.0.1:{port}",
        webhook=REST_WEBHOOK,
        services=[server],
    )
    try:
        server.start()
        bot.startup_seconds = wait_until(
            lambda: answers(f"{bot.url}/"), [server], start_timeout
        )
        yield bot
    finally:
        bot.stop()
