"""`python -m tools.cluster supervise PROCFILE`: the processes of a Procfile,
each restarted when it dies (issue 15). honcho, which `make run` uses, stops
every process when one exits: one crashed replica would take the cluster down.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters.catalogue import t

LANGUAGE = "en"

RESTART_DELAY_SECONDS = 1.0
# a process that exits this often within the window is left down
MAX_RESTARTS, RESTART_WINDOW_SECONDS = 5, 60.0
STOP_TIMEOUT_SECONDS = 15.0


def read_procfile(path: Path) -> list[tuple[str, str]]:
    """(name, command) for each `name: command` line; comments and blanks skipped."""
    entries: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise ValueError(line)
        entries.append((name.strip(), command.strip()))
    return entries


@dataclass
class Child:
    name: str
    command: str
    process: subprocess.Popen | None = None
    exits: deque = field(default_factory=deque)  # monotonic times of exits
    given_up: bool = False


class Supervisor:
    """The processes of a Procfile, each in its own session, their output
    prefixed with their name; one that dies is started again after
    RESTART_DELAY_SECONDS, unless it died MAX_RESTARTS times within
    RESTART_WINDOW_SECONDS (then it stays down and the others go on).
    Each child's pid is kept in `pid_dir/NAME.pid` (for an operator, and for
    the fault tests, which kill one). SIGTERM or SIGINT stops every child."""

    def __init__(self, entries: list[tuple[str, str]], cwd: Path, pid_dir: Path) -> None:
        self.children = [Child(name, command) for name, command in entries]
        self.cwd = cwd
        self.pid_dir = pid_dir
        self.width = max(len(child.name) for child in self.children)
        self._stopping = threading.Event()
        self._print_lock = threading.Lock()

    def say(self, name: str, line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with self._print_lock:
            print(f"{stamp} {name.ljust(self.width)} | {line}", flush=True)

    def start(self, child: Child) -> None:
        child.process = subprocess.Popen(
            ["/bin/sh", "-c", child.command],
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        (self.pid_dir / f"{child.name}.pid").write_text(f"{child.process.pid}\n")
        threading.Thread(
            target=self._pump, args=(child.name, child.process), daemon=True
        ).start()
        self.say(child.name, t("cluster.started", LANGUAGE, pid=child.process.pid))

    def _pump(self, name: str, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            self.say(name, raw.decode("utf-8", "replace").rstrip())

    def check(self) -> None:
        """Restart the children that exited (one pass)."""
        now = time.monotonic()
        for child in self.children:
            process = child.process
            if child.given_up or process is None or process.poll() is None:
                continue
            child.process = None
            child.exits.append(now)
            while child.exits and now - child.exits[0] > RESTART_WINDOW_SECONDS:
                child.exits.popleft()
            if len(child.exits) >= MAX_RESTARTS:
                child.given_up = True
                self.say(
                    child.name,
                    t("cluster.given_up", LANGUAGE, code=process.returncode,
                      times=len(child.exits), seconds=round(RESTART_WINDOW_SECONDS)),
                )  # fmt: skip
                continue
            self.say(
                child.name,
                t("cluster.restarting", LANGUAGE, code=process.returncode,
                  seconds=RESTART_DELAY_SECONDS),
            )  # fmt: skip
            if self._stopping.wait(RESTART_DELAY_SECONDS):
                return
            self.start(child)

    def stop(self) -> None:
        self._stopping.set()
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def run(self) -> int:
        self.pid_dir.mkdir(parents=True, exist_ok=True)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self._stopping.set())
        for child in self.children:
            self.start(child)
        while not self._stopping.wait(0.5):
            self.check()
        self.say("supervise", t("cluster.stopping", LANGUAGE))
        self.stop()
        return 0
