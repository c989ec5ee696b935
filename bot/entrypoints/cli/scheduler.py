"""`csba scheduler`: the SLA scheduler process (bot.services.scheduler), run by
`make run` beside the action server, Rasa and the web app (Procfile).

It prints one line per pass that escalated cases or failed, and a last line with
its totals. SIGTERM or SIGINT (Ctrl-C) stop it once the pass under way is done.
A failed pass never stops it (under honcho, one process exiting stops them all);
`--once` runs one pass and exits 1 if that pass failed, else 0 (also when it was
skipped because another scheduler held the lock).
"""

from __future__ import annotations

import argparse
import os
import signal
import threading

from bot import config
from bot.adapters import clock
from bot.entrypoints.cli.common import (
    CliError,
    display_url,
    engine,
    instant,
    local,
    msg,
)
from bot.services.notifications import EmailNotifier
from bot.services.scheduler import PassOutcome, PassStatus, run


def _say(line: str) -> None:
    print(line, flush=True)  # honcho reads a pipe: no buffering


def _error_detail(exc: BaseException | None) -> str:
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else ''}"


def _reporter(*, interval: float, once: bool):  # noqa: ANN202
    def report(outcome: PassOutcome) -> None:
        if outcome.status is PassStatus.FAILED:
            key = "cli.scheduler.failed_once" if once else "cli.scheduler.failed"
            _say(msg(key, error=_error_detail(outcome.error), interval=interval))
        elif outcome.escalated:
            ids = ", ".join(str(case_id) for case_id in outcome.escalated)
            count = len(outcome.escalated)
            _say(msg("cli.cases.swept", count=count, ids=ids, at=local(outcome.at)))
        elif once and outcome.status is PassStatus.SKIPPED:
            _say(msg("cli.scheduler.skipped"))
        elif once:
            _say(msg("cli.scheduler.nothing", at=local(outcome.at)))

    return report


def cmd_scheduler(args: argparse.Namespace) -> int:
    if not args.interval > 0:
        raise CliError("cli.error.bad_interval", value=args.interval)
    instant(None)  # a bad CSBA_NOW is a user error now, not a failure every pass
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    if not args.once:
        _say(
            msg(
                "cli.scheduler.started",
                url=display_url(config.database_url()),
                interval=args.interval,
                pid=os.getpid(),
            )
        )
    summary = run(
        engine(),
        now=clock.now,
        interval=args.interval,
        once=args.once,
        stop=stop,
        notifier=EmailNotifier(),
        report=_reporter(interval=args.interval, once=args.once),
    )
    if not args.once:
        _say(
            msg(
                "cli.scheduler.stopped",
                passes=summary.passes,
                escalated=len(summary.escalated),
                skipped=summary.skipped,
                failed=summary.failed,
            )
        )
    return 1 if args.once and summary.failed else 0
