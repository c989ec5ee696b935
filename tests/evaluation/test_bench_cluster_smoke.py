"""`make bench-cluster` in small (tools/evaluation/cluster_bench.py): one replica
behind a real HAProxy on PostgreSQL and Redis, two buyers for a few seconds.
The figures themselves belong to `make bench-cluster`; this checks that it runs
and that the cluster answers every scripted conversation."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_bench_cluster_runs_and_the_cluster_stays_on_script(postgres_url, redis_url, tmp_path):
    from tools.evaluation.cluster_bench import (
        cluster_table,
        run_cluster_benchmark,
        write_cluster_report,
    )

    database = postgres_url + "_bench"
    try:
        benchmark = run_cluster_benchmark(
            replicas=(1,), concurrency=(2,), duration=4, database_url=database,
            redis_url=redis_url,
        )  # fmt: skip
    finally:
        _drop(database)
    run = benchmark.runs[1]
    assert run.warmup_off_script == []
    level = run.levels[0]
    assert level.messages > 0 and level.error_count == 0, level.errors
    assert sum(level.off_script.values()) == 0, level.off_script
    assert {"haproxy", "rasa1", "actions1"} <= set(run.peak_rss_mb)
    table = cluster_table(benchmark)
    assert table.count("\n") == 2 and "| 1 | 2 |" in table
    assert write_cluster_report(benchmark, tmp_path).read_text().endswith(table + "\n")


def _drop(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in (parsed.database, parsed.database + "_tracker"):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
