"""The SLA scheduler: runs the case log's sweep (bot.services.cases.sweep) every
`interval` seconds, so that a seller case nobody answered escalates within a
pass of its `seller_due_at`, with nobody typing `csba cases sweep`.

- A pass is one unit of work under the scheduler's lock
  (bot.adapters.scheduler_lock): with several schedulers running, one sweeps and
  the others skip that pass. The escalation mails go out after the commit, still
  inside the lock.
- A pass that fails (the database is down, the schema is missing) is reported and
  the loop goes on: the next pass tries again. Only `stop` ends the loop, after
  the pass under way has finished.
- The loop says nothing itself: it hands each pass's outcome to `report`
  (the entry point prints the ones that did something).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from sqlalchemy.engine import Engine

from bot.adapters.db import session_scope
from bot.adapters.scheduler_lock import try_scheduler_lock
from bot.services.cases import sweep
from bot.services.notifications import Notifier

DEFAULT_INTERVAL_SECONDS = 15.0


class PassStatus(str, Enum):
    SWEPT = "swept"  # the pass ran (it may have escalated nothing)
    SKIPPED = "skipped"  # another scheduler held the lock
    FAILED = "failed"  # an error; the next pass tries again


@dataclass(frozen=True)
class PassOutcome:
    status: PassStatus
    at: datetime | None  # the sweep's `now` (None: the clock itself failed)
    escalated: tuple[int, ...] = ()  # the ids of the cases escalated
    error: BaseException | None = None

    @property
    def did_something(self) -> bool:
        """Worth a log line: it escalated cases, or it failed."""
        return bool(self.escalated) or self.status is PassStatus.FAILED


@dataclass
class RunSummary:
    passes: int = 0
    skipped: int = 0
    failed: int = 0
    escalated: list[int] = field(default_factory=list)

    def add(self, outcome: PassOutcome) -> None:
        self.passes += 1
        self.skipped += outcome.status is PassStatus.SKIPPED
        self.failed += outcome.status is PassStatus.FAILED
        self.escalated.extend(outcome.escalated)


def run_pass(
    engine: Engine,
    *,
    now: Callable[[], datetime],
    notifier: Notifier | None = None,
) -> PassOutcome:
    """One pass: take the lock or skip; sweep as of `now()`, commit, mail.
    Never raises an Exception: a failure is the outcome FAILED."""
    at = None
    try:
        at = now()
        with try_scheduler_lock(engine) as acquired:
            if not acquired:
                return PassOutcome(PassStatus.SKIPPED, at)
            with session_scope(engine) as session:
                escalated = sweep(session, now=at, notifier=notifier)
            return PassOutcome(
                PassStatus.SWEPT, at, escalated=tuple(case.id for case in escalated)
            )
    except Exception as exc:  # noqa: BLE001 - the loop must survive any pass
        return PassOutcome(PassStatus.FAILED, at, error=exc)


def run(
    engine: Engine,
    *,
    now: Callable[[], datetime],
    interval: float = DEFAULT_INTERVAL_SECONDS,
    once: bool = False,
    stop: threading.Event | None = None,
    notifier: Notifier | None = None,
    report: Callable[[PassOutcome], None] = lambda outcome: None,
) -> RunSummary:
    """Pass after pass, each starting `interval` seconds after the previous one
    started (right after it, if it took longer), until `stop` is set; `once`:
    one pass. Setting `stop` during a pass ends the loop when the pass is done."""
    stop = stop or threading.Event()
    summary = RunSummary()
    while not stop.is_set():
        started = time.monotonic()
        outcome = run_pass(engine, now=now, notifier=notifier)
        summary.add(outcome)
        report(outcome)
        if once:
            break
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
    return summary
