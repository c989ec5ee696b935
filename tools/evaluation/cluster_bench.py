"""`make bench-cluster` (issue 15): the `make bench` conversations against the
cluster of `make run-cluster`, with 1 and with 2 Rasa replicas.

Each topology is started afresh, as `make run-cluster` starts it (tools.cluster
writes the HAProxy configuration and the Procfile; this runs the Procfile's
HAProxy, action server and Rasa lines, each a tools.devstack `Service` so that
its memory is sampled; the web processes and the scheduler take no part in a
chat turn and are left out): N Rasa replicas with endpoints.cluster.yml (the
PostgreSQL tracker store, the Redis lock store) and N action servers behind
HAProxy, over a PostgreSQL project database loaded with the demo data. The
simulated buyers (tools.evaluation.bench: closed loop, no think time, the same
scripts and error rules) post to HAProxy's Rasa front.

The databases are `<name>` and `<name>_tracker` on the PostgreSQL server of
`--database-url` (dropped and created again for every topology); Redis is
`--redis-url`.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.config import PROJECT_ROOT
from tools.cluster import ENDPOINTS, Plan, read_procfile, write
from tools.devstack import (
    CSBA_WEBHOOK,
    Service,
    csba_env,
    free_port_range,
    load_demo_database,
    wait_until,
)
from tools.evaluation.bench import (
    CSBA_SCRIPTS,
    BotRun,
    _drive,
    bench_dir,
    unavailable_texts,
)
from tools.evaluation.nlu import resolve_model
from tools.evaluation.stack import RunningBot

DEFAULT_REPLICAS = (1, 2)
DEFAULT_CONCURRENCY = (10, 50, 200)
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/csba_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"


@dataclass
class ClusterBenchmark:
    concurrency: tuple[int, ...]
    duration: float
    runs: dict[int, BotRun]  # replicas -> the run
    seconds: float


def _fresh_databases(database_url: str) -> tuple[str, str]:
    """Drop and create `<db>` and `<db>_tracker`; their URLs."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    names = (url.database, f"{url.database}_tracker")
    admin = create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True
    )
    try:
        with admin.connect() as conn:
            for name in names:
                quoted = name.replace('"', '""')
                conn.execute(text(f'DROP DATABASE IF EXISTS "{quoted}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{quoted}"'))
    finally:
        admin.dispose()
    return tuple(
        url.set(database=name).render_as_string(hide_password=False) for name in names
    )  # type: ignore[return-value]


def _backends_up(stats_port: int) -> bool:
    import csv
    import io

    try:
        text = httpx.get(f"http://127.0.0.1:{stats_port}/stats;csv", timeout=2).text
    except httpx.HTTPError:
        return False
    rows = [
        row
        for row in csv.DictReader(io.StringIO(text.lstrip("# ")))
        if row["pxname"] in ("rasa", "actions")
        and row["svname"] not in ("FRONTEND", "BACKEND")
    ]
    return bool(rows) and all(row["status"] == "UP" for row in rows)


@contextlib.contextmanager
def start_cluster(
    workdir: Path,
    model: Path,
    *,
    replicas: int,
    database_url: str,
    redis_url: str,
    start_timeout: float = 300,
) -> Iterator[RunningBot]:
    """HAProxy, `replicas` Rasa replicas and as many action servers; stopped on exit."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    project_url, tracker_url = _fresh_databases(database_url)
    jwt = secrets.token_urlsafe(36)
    token = secrets.token_hex(16)
    env = csba_env(
        workdir,
        jwt,
        DATABASE_URL=project_url,
        TRACKER_STORE_URL=tracker_url,
        CSBA_REDIS_URL=redis_url,
        RASA_TOKEN=token,
        RASA_MODEL=str(model),
    )
    load_demo_database(env, workdir / "setup.log")
    engine = sa.create_engine(tracker_url)
    SQLTrackerStore.Base.metadata.create_all(engine)  # before the replicas race to
    engine.dispose()

    base = free_port_range(4 + 2 * replicas + 1)
    plan = Plan(
        rasa=replicas, actions=replicas, web=1,
        web_front=base, rasa_front=base + 1, actions_front=base + 2, stats_port=base + 3,
        rasa_base=base + 4, actions_base=base + 4 + replicas, web_base=base + 4 + 2 * replicas,
    )  # fmt: skip
    procfile = write(workdir / "cluster", plan, PROJECT_ROOT / ENDPOINTS)
    services = [
        Service(name, ["/bin/sh", "-c", line], env, workdir / f"{name}.log", role=name)
        for name, line in read_procfile(procfile)
        if name == "haproxy" or name.startswith(("rasa", "actions"))
    ]
    bot = RunningBot(
        name=f"cluster-{replicas}",
        url=f"http://127.0.0.1:{plan.rasa_front}",
        webhook=CSBA_WEBHOOK,
        services=services,
        jwt_secret=jwt,
        extra={"api_token": token},
    )
    try:
        for service in services:
            service.start()
        bot.startup_seconds = wait_until(
            lambda: _backends_up(plan.stats_port), services, start_timeout
        )
        yield bot
    finally:
        bot.stop()


def run_cluster_benchmark(
    *,
    replicas: Sequence[int] = DEFAULT_REPLICAS,
    concurrency: Sequence[int] = DEFAULT_CONCURRENCY,
    duration: float = 60.0,
    model: Path | None = None,
    database_url: str = DEFAULT_DATABASE_URL,
    redis_url: str = DEFAULT_REDIS_URL,
    timeout: float = 60.0,
    progress: Callable[..., Any] | None = None,
) -> ClusterBenchmark:
    started = time.monotonic()
    model_path = resolve_model(model)
    root = bench_dir() / "cluster-last-run"
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    levels = tuple(concurrency)
    bar = progress(total=len(levels) * len(replicas)) if progress else None
    runs: dict[int, BotRun] = {}
    for count in replicas:
        workdir = root / f"replicas-{count}"
        workdir.mkdir(parents=True)
        with start_cluster(
            workdir, model_path, replicas=count, database_url=database_url,
            redis_url=redis_url,
        ) as bot:  # fmt: skip
            runs[count] = _drive(
                bot, f"{count} replica(s)", model_path, CSBA_SCRIPTS,
                concurrency=levels, duration=duration, timeout=timeout,
                unavailable=unavailable_texts(), bar=bar,
            )  # fmt: skip
    if bar is not None:
        bar.close()
    return ClusterBenchmark(levels, duration, runs, time.monotonic() - started)


# ---------------------------------------------------------------- the report


def _fmt(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def cluster_table(benchmark: ClusterBenchmark) -> str:
    """The Markdown table: one row per topology and level."""
    from bot.adapters.catalogue import t

    lang = "en"
    header = [t(f"eval.cluster.column.{key}", lang) for key in (
        "replicas", "buyers", "throughput", "p50", "p95", "p99", "errors",
        "rss_rasa", "rss_actions", "rss_total")]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for count, run in benchmark.runs.items():
        for level in run.levels:
            rasa = sum(mb for name, mb in level.peak_rss_mb.items() if name.startswith("rasa"))
            actions = sum(
                mb for name, mb in level.peak_rss_mb.items() if name.startswith("actions")
            )
            total = sum(level.peak_rss_mb.values())
            errors = ", ".join(f"{k} {v}" for k, v in level.errors.most_common(3))
            lines.append(
                "| " + " | ".join([
                    str(count), str(level.concurrency), _fmt(level.throughput, 1),
                    _fmt(level.latency_ms(0.50)), _fmt(level.latency_ms(0.95)),
                    _fmt(level.latency_ms(0.99)),
                    f"{level.error_count} of {level.messages}" + (f" ({errors})" if errors else ""),
                    _fmt(rasa), _fmt(actions), _fmt(total),
                ]) + " |"
            )  # fmt: skip
    return "\n".join(lines)


def write_cluster_report(benchmark: ClusterBenchmark, directory: Path) -> Path:
    from bot.adapters.catalogue import t

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "bench-cluster.md"
    startup = ", ".join(
        f"{count}: {run.startup_seconds:.0f} s" for count, run in benchmark.runs.items()
    )
    path.write_text(
        t("eval.cluster.report", "en", duration=round(benchmark.duration),
          startup=startup, minutes=round(benchmark.seconds / 60, 1))
        + "\n\n" + cluster_table(benchmark) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    return path
