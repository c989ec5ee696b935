"""The SLA scheduler (`csba scheduler`, bot.services.scheduler) over real databases:
SQLite, then PostgreSQL when TEST_POSTGRES_URL is set; real `csba` processes for
the signals and the race between two schedulers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.adapters import schema
from bot.adapters.db import make_engine, session_scope
from bot.adapters.orm import BuyerRow, CaseMessageRow, CaseRow, OrderRow, SellerRow
from bot.adapters.scheduler_lock import try_scheduler_lock
from bot.domain.model import CaseStatus, MessageAuthor
from bot.entrypoints.cli import main
from bot.services import cases, scheduler
from bot.services.notifications import EmailNotifier
from bot.services.scheduler import PassStatus

T0 = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)
DUE = T0 + timedelta(hours=24)
CSBA = [sys.executable, "-m", "bot.entrypoints.cli"]
STOPPED = re.compile(
    r"after (\d+) pass\(es\): (\d+) case\(s\) escalated, (\d+) pass\(es\) skipped"
)


# -- data ---------------------------------------------------------------------------


def order_id(number: int) -> str:
    return f"112-{number:07d}-{number:07d}"


def add_shop(engine, orders: int = 3) -> None:
    """One seller, one buyer, `orders` orders."""
    with session_scope(engine) as session:
        session.add_all(
            [
                SellerRow(
                    id="S-1",
                    name="Seller S-1",
                    email="s-1@example.com",
                    preferred_language="en",
                    professional=True,
                    good_standing=True,
                    invited=True,
                    country="US",
                    return_window_days=30,
                    international_return_option="prepaid_label",
                ),
                BuyerRow(
                    id="B-1", name="Ann", email="ann@example.com", postal_code="98101"
                ),
            ]
        )
        session.flush()
        session.add_all(
            OrderRow(
                id=order_id(n),
                buyer_id="B-1",
                seller_id="S-1",
                fulfillment="seller",
                placed_at=T0 - timedelta(days=10),
                status="shipped",
                ship_to_country="US",
                ship_to_postal_code="98101",
            )
            for n in range(1, orders + 1)
        )


def open_cases(engine, tmp_path: Path, numbers, *, at: datetime) -> list[int]:
    """A seller case per order number, opened at `at` (the opening mails go to a
    folder of their own, so the outbox holds only the scheduler's)."""
    opening_mail = EmailNotifier(smtp=None, outbox=tmp_path / "opening-mail")
    with session_scope(engine) as session:
        return [
            cases.open_case(
                session,
                conversation_id=f"conv-{n}",
                category="delivery_status",
                reason_code="late_delivery",
                question="Where is my kettle?",
                now=at,
                order_id=order_id(n),
                notifier=opening_mail,
            ).case.id
            for n in numbers
        ]


def case_rows(engine) -> dict[int, tuple]:
    with session_scope(engine) as session:
        return {
            row.id: (row.status, row.escalated_at, row.updated_at)
            for row in session.execute(select(CaseRow)).scalars()
        }


def system_messages(engine) -> Counter:
    """How many system messages (escalation notes) each case has."""
    with session_scope(engine) as session:
        return Counter(
            session.execute(
                select(CaseMessageRow.case_id).where(
                    CaseMessageRow.author == MessageAuthor.SYSTEM.value
                )
            ).scalars()
        )


def outbox(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "var" / "outbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def wait_for(predicate, *, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.05)


@pytest.fixture
def shop(engine):
    add_shop(engine)
    return engine


# -- one pass -------------------------------------------------------------------------


def test_one_pass_escalates_an_overdue_case_and_mails_its_seller(shop, tmp_path):
    overdue, on_time = open_cases(shop, tmp_path, [1, 2], at=T0)
    with session_scope(shop) as session:  # the second case is an hour younger
        session.get(CaseRow, on_time).seller_due_at = DUE + timedelta(hours=1)

    outcome = scheduler.run_pass(shop, now=lambda: DUE + timedelta(minutes=1))

    assert outcome.status is PassStatus.SWEPT
    assert outcome.escalated == (overdue,)
    rows = case_rows(shop)
    assert rows[overdue][0] == CaseStatus.ESCALATED.value
    assert rows[on_time][0] == CaseStatus.AWAITING_SELLER.value
    assert system_messages(shop) == {overdue: 1}
    assert len(outbox(tmp_path)) == 1


def test_a_pass_on_an_up_to_date_database_changes_nothing(shop, tmp_path):
    overdue, on_time = open_cases(shop, tmp_path, [1, 2], at=T0)
    with session_scope(shop) as session:
        session.get(CaseRow, on_time).seller_due_at = DUE + timedelta(hours=1)
    assert scheduler.run_pass(shop, now=lambda: DUE).escalated == (overdue,)
    before = case_rows(shop), system_messages(shop), outbox(tmp_path)

    outcome = scheduler.run_pass(shop, now=lambda: DUE + timedelta(minutes=30))

    assert outcome.status is PassStatus.SWEPT
    assert outcome.escalated == ()
    assert not outcome.did_something
    assert (case_rows(shop), system_messages(shop), outbox(tmp_path)) == before


def test_a_pass_is_skipped_while_another_scheduler_holds_the_lock(
    shop, db_url, tmp_path
):
    (case_id,) = open_cases(shop, tmp_path, [1], at=T0)
    other = make_engine(db_url)  # another scheduler's connection
    try:
        with try_scheduler_lock(other) as held:
            assert held
            outcome = scheduler.run_pass(shop, now=lambda: DUE)
            assert outcome.status is PassStatus.SKIPPED
            assert case_rows(shop)[case_id][0] == CaseStatus.AWAITING_SELLER.value
        outcome = scheduler.run_pass(shop, now=lambda: DUE)
    finally:
        other.dispose()
    assert outcome.status is PassStatus.SWEPT
    assert outcome.escalated == (case_id,)


# -- `csba scheduler --once` ----------------------------------------------------------


def test_once_escalates_and_exits_0(shop, db_url, tmp_path, monkeypatch, capsys):
    (case_id,) = open_cases(shop, tmp_path, [1], at=T0)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CSBA_LANG", "en")
    monkeypatch.setenv("CSBA_NOW", (DUE - timedelta(seconds=1)).isoformat())

    assert main(["scheduler", "--once"]) == 0
    assert "Nothing to escalate" in capsys.readouterr().out
    assert case_rows(shop)[case_id][0] == CaseStatus.AWAITING_SELLER.value

    monkeypatch.setenv("CSBA_NOW", DUE.isoformat())
    assert main(["scheduler", "--once"]) == 0
    out = capsys.readouterr().out
    assert "Escalated 1 case(s) past their seller deadline" in out
    assert out.rstrip().endswith(f": {case_id}.")
    assert case_rows(shop)[case_id][0] == CaseStatus.ESCALATED.value


def test_once_exits_0_when_skipped_and_1_when_the_pass_fails(
    shop, db_url, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("CSBA_LANG", "en")
    other = make_engine(db_url)
    try:
        with try_scheduler_lock(other):
            assert main(["scheduler", "--once"]) == 0
    finally:
        other.dispose()
    assert "Pass skipped: another scheduler holds the lock." in capsys.readouterr().out

    # a database without the tables: the pass fails, one line, exit 1
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["scheduler", "--once"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("Pass failed: OperationalError:") and "cases" in out
    assert "Traceback" not in out + err


def test_a_bad_interval_is_a_user_error(monkeypatch, capsys, sqlite_url):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["scheduler", "--interval", "0"]) == 1
    assert "--interval must be more than 0 seconds" in capsys.readouterr().err


# -- the loop survives a failing database -------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def unmigrated_url(request) -> str:
    """A database with no tables yet."""
    return request.getfixturevalue(f"{request.param}_url")


def test_the_loop_survives_a_database_without_tables_and_sweeps_once_fixed(
    unmigrated_url, tmp_path
):
    engine = make_engine(unmigrated_url)
    outcomes: list[scheduler.PassOutcome] = []
    stop = threading.Event()
    result: list[scheduler.RunSummary] = []
    loop = threading.Thread(
        target=lambda: result.append(
            scheduler.run(
                engine,
                now=lambda: DUE,
                interval=0.05,
                stop=stop,
                report=outcomes.append,
            )
        )
    )
    loop.start()
    try:
        wait_for(lambda: len(outcomes) >= 2, what="two passes")
        assert {o.status for o in outcomes} == {PassStatus.FAILED}
        assert outcomes[0].did_something and outcomes[0].error is not None

        schema.upgrade(unmigrated_url)  # the operator fixes the database
        add_shop(engine)
        (case_id,) = open_cases(engine, tmp_path, [1], at=T0)
        wait_for(
            lambda: any(o.escalated for o in outcomes), what="the overdue case swept"
        )
    finally:
        stop.set()
        loop.join(timeout=10)
    engine.dispose()
    assert not loop.is_alive()
    (summary,) = result
    assert summary.failed >= 2
    assert summary.escalated == [case_id]
    assert outcomes[-1].status is PassStatus.SWEPT


# -- real processes: signals, and two schedulers racing -----------------------------


class Process:
    """A `csba scheduler` process whose output is read as it comes."""

    def __init__(self, url: str, tmp_path: Path, *args: str) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "CSBA_VAR_DIR": str(tmp_path / "var"),
            "CSBA_LANG": "en",
        }
        env.pop("CSBA_NOW", None)
        env.pop("SMTP_URL", None)
        self.proc = subprocess.Popen(
            [*CSBA, "scheduler", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def has(self, fragment: str) -> bool:
        return any(fragment in line for line in self.lines)

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, int, int, int]:
        """Signal it; its exit code, passes, cases escalated and passes skipped."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        code = self.proc.wait(timeout=30)
        self._reader.join(timeout=5)
        (match,) = [m for m in map(STOPPED.search, self.lines) if m]
        return (code, *map(int, match.groups()))

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_scheduler_process_survives_a_missing_schema_and_stops_on_a_signal(
    sqlite_url, tmp_path, signum
):
    process = Process(sqlite_url, tmp_path, "--interval", "0.1")
    try:
        wait_for(lambda: process.has("Pass failed"), what="a failed pass")
        assert process.proc.poll() is None  # still running
        schema.upgrade(sqlite_url)
        engine = make_engine(sqlite_url)
        add_shop(engine)
        # the process runs on the real clock: a case 25 hours old is overdue
        (case_id,) = open_cases(
            engine, tmp_path, [1], at=datetime.now(timezone.utc) - timedelta(hours=25)
        )
        wait_for(
            lambda: process.has("past their seller deadline"), what="the escalation"
        )
        code, passes, escalated, skipped = process.stop(signum)
    finally:
        process.kill()
    assert code == 0
    # at least the failed pass and the one that escalated (how many more ran
    # between them depends on how busy the machine is)
    assert escalated == 1 and skipped == 0 and passes >= 2
    assert case_rows(engine)[case_id][0] == CaseStatus.ESCALATED.value
    assert not any("Traceback" in line for line in process.lines)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def race_url(request) -> str:
    url = request.getfixturevalue(f"{request.param}_url")
    schema.upgrade(url)
    return url


CASES_IN_RACE = 120


def test_two_schedulers_escalate_each_case_exactly_once(race_url, tmp_path):
    engine = make_engine(race_url)
    add_shop(engine, orders=CASES_IN_RACE)
    first = Process(race_url, tmp_path, "--interval", "0.05")
    second = Process(race_url, tmp_path, "--interval", "0.05")
    try:
        wait_for(
            lambda: first.has("Scheduler started") and second.has("Scheduler started"),
            what="both schedulers",
        )
        # Both are sweeping; now many cases become overdue at once.
        ids = open_cases(
            engine,
            tmp_path,
            range(1, CASES_IN_RACE + 1),
            at=datetime.now(timezone.utc) - timedelta(hours=25),
        )
        wait_for(
            lambda: all(
                row[0] == CaseStatus.ESCALATED.value
                for row in case_rows(engine).values()
            ),
            timeout=60,
            what="every case escalated",
        )
        time.sleep(0.3)  # a few more (empty) passes each
        results = [first.stop(), second.stop()]
    finally:
        first.kill()
        second.kill()

    assert [code for code, *_ in results] == [0, 0]
    assert sum(escalated for _, _, escalated, _ in results) == CASES_IN_RACE
    # the losers of the lock skipped while the winner swept
    assert sum(skipped for *_, skipped in results) >= 1
    assert all(passes > skipped for _, passes, _, skipped in results)
    assert system_messages(engine) == {case_id: 1 for case_id in ids}
    assert len(outbox(tmp_path)) == CASES_IN_RACE  # one escalation mail per case
    engine.dispose()
