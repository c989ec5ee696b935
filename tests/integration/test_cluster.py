"""`make run-cluster`'s configuration (tools/cluster.py, issue 15) against a real
HAProxy (Debian's, installed by `make install`) and real web processes: the
configuration is valid, the web processes share the load, and when one is
killed the others serve every request."""

from __future__ import annotations

import csv
import io
import shutil
import sys
import time
from pathlib import Path

import httpx
import pytest

from tools.cluster import HAPROXY, Plan, haproxy_config, procfile, write
from tools.devstack import (
    Service,
    csba_env,
    free_port_range,
    free_ports,
    load_demo_database,
    wait_until,
)

JWT_SECRET = "cluster-test-jwt-secret-" + "c" * 32


def test_the_procfile_has_a_line_per_replica_and_one_haproxy_scheduler_and_mail(tmp_path):
    plan = Plan(rasa=3, actions=2, web=4)
    lines = procfile(plan, tmp_path / "haproxy.cfg", tmp_path / "endpoints.yml")
    names = [line.split(":", 1)[0] for line in lines.splitlines()[1:]]
    assert names == [
        "haproxy",
        "actions1",
        "actions2",
        "rasa1",
        "rasa2",
        "rasa3",
        "web1",
        "web2",
        "web3",
        "web4",
        "scheduler",
        "mail",
    ]
    # every replica on its own port, each Rasa replica sending actions to the front
    assert len({port for port in (*plan.rasa_ports, *plan.actions_ports, *plan.web_ports)}) == 9
    assert lines.count(f"ACTION_ENDPOINT_URL=http://127.0.0.1:{plan.actions_front}/webhook") == 3
    # secrets through the environment, never on a command line `ps` shows; the
    # action servers answer only calls with the token
    assert "--auth-token" not in lines
    assert lines.count("-m bot.entrypoints.actions_server") == 2
    assert lines.count('CSBA_ACTION_TOKEN="${CSBA_ACTION_TOKEN:?') == 5  # 2 + 3


def test_haproxy_accepts_the_configuration(tmp_path):
    assert shutil.which(HAPROXY) or Path(HAPROXY).exists(), "make install installs haproxy"
    path = write(tmp_path, Plan(), tmp_path / "endpoints.cluster.yml")
    checked = _run([HAPROXY, "-c", "-f", str(path.parent / "haproxy.cfg")])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = (path.parent / "haproxy.cfg").read_text()
    assert "balance hdr(Authorization)" in config and "hash-type consistent" in config


def test_a_bad_replica_count_is_one_line_and_exit_1(tmp_path):
    result = _run(
        [sys.executable, "-m", "tools.cluster", "write", "--dir", str(tmp_path), "--rasa", "0"]
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "cluster: --rasa must be between 1 and 16"


def test_databases_need_postgresql_urls(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("TRACKER_STORE_URL", "postgresql://postgres@127.0.0.1:5432/t")
    result = _run([sys.executable, "-m", "tools.cluster", "databases"])
    assert result.returncode == 1
    assert "DATABASE_URL must be a PostgreSQL URL" in result.stderr


@pytest.mark.postgres
def test_databases_are_created_once(postgres_url, monkeypatch):
    from sqlalchemy.engine import make_url

    from tools.cluster import ensure_database

    url = make_url(postgres_url)
    fresh = url.set(database=url.database + "_trk").render_as_string(hide_password=False)
    try:
        assert ensure_database(fresh) is True
        assert ensure_database(fresh) is False  # already there
    finally:
        from sqlalchemy import create_engine, text

        admin = create_engine(
            url.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True
        )
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}_trk"'))
        admin.dispose()


def _run(args: list[str]):  # noqa: ANN202
    import subprocess

    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def _served(stats_url: str) -> dict[str, int]:
    """Requests each web server took, from HAProxy's own statistics (CSV)."""
    text = httpx.get(stats_url + ";csv", timeout=5).text.lstrip("# ")
    rows = csv.DictReader(io.StringIO(text))
    return {
        row["svname"]: int(row["stot"] or 0)
        for row in rows
        if row["pxname"] == "web" and row["svname"] not in ("FRONTEND", "BACKEND")
    }


def _status(stats_url: str) -> dict[str, str]:
    text = httpx.get(stats_url + ";csv", timeout=5).text.lstrip("# ")
    return {
        row["svname"]: row["status"]
        for row in csv.DictReader(io.StringIO(text))
        if row["pxname"] == "web" and row["svname"] not in ("FRONTEND", "BACKEND")
    }


def test_the_web_processes_share_the_load_and_survive_one_killed(tmp_path):
    """Two real web processes behind a real HAProxy: requests through the front
    reach both; one killed, HAProxy marks it down and every request is still
    answered by the other."""
    # The two web processes listen on web1 and the port after it: both must be
    # free (the second was not checked once, and was taken).
    web1 = free_port_range(2)
    web_front, rasa_front, actions_front, stats = [
        p for p in free_ports(6) if p not in (web1, web1 + 1)
    ][:4]
    plan = Plan(
        rasa=1,
        actions=1,
        web=2,
        web_front=web_front,
        rasa_front=rasa_front,
        actions_front=actions_front,
        stats_port=stats,
        web_base=web1,
    )
    ports = plan.web_ports  # web1 and the port after it
    env = csba_env(tmp_path, JWT_SECRET)
    load_demo_database(env, tmp_path / "setup.log")
    env.update(
        TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
        CSBA_WEB_SECRET="cluster-test-web-secret-" + "w" * 32,
        RASA_URL=f"http://127.0.0.1:{rasa_front}",
        RASA_TOKEN="unused",
    )
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(haproxy_config(plan), encoding="utf-8")
    webs = [
        Service(
            f"web{index}",
            [sys.executable, "-m", "bot.entrypoints.web"],
            {**env, "CSBA_WEB_PORT": str(port)},
            tmp_path / f"web{index}.log",
        )
        for index, port in enumerate(ports, 1)
    ]
    haproxy = Service("haproxy", [HAPROXY, "-db", "-f", str(cfg)], env, tmp_path / "haproxy.log")
    services = [*webs, haproxy]
    front = f"http://127.0.0.1:{web_front}"
    stats_url = f"http://127.0.0.1:{stats}/stats"
    try:
        for service in services:
            service.start()
        wait_until(
            lambda: all(
                _ok(f"http://127.0.0.1:{port}/login") for port in ports
            )
            and _ok(f"{front}/login"),
            services,
            60,
        )
        wait_until(lambda: set(_status(stats_url).values()) == {"UP"}, services, 20)
        before = _served(stats_url)
        for _ in range(20):
            assert httpx.get(f"{front}/login", timeout=5).status_code == 200
        after = _served(stats_url)
        took = {name: after[name] - before.get(name, 0) for name in after}
        assert took.get("web1", 0) >= 5 and took.get("web2", 0) >= 5, took

        webs[0].stop()  # a web process dies
        answered = 0
        start = time.monotonic()
        while time.monotonic() - start < 5:
            response = httpx.get(f"{front}/login", timeout=5)
            assert response.status_code == 200, response.text[:200]
            answered += 1
        assert answered >= 10
        wait_until(lambda: _status(stats_url).get("web1", "").startswith("DOWN"), [haproxy, webs[1]], 10)
        print(
            f"cluster web: 20 requests shared {took}; web1 killed: "
            f"{answered} requests in 5 s, all answered by web2"
        )
    finally:
        for service in services:
            service.stop()


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# -- the supervisor (python -m tools.cluster supervise) ---------------------------


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_supervisor_restarts_what_dies_gives_up_on_a_crash_loop_and_stops_all(tmp_path):
    import os
    import signal
    import subprocess

    procfile = tmp_path / "Procfile"
    procfile.write_text(
        "# a steady process and one that always fails\n"
        "steady: exec sleep 120\n"
        "crash: sleep 0.2; exit 3\n",
        encoding="utf-8",
    )
    pids = tmp_path / "pids"
    log = tmp_path / "supervise.log"
    with open(log, "wb") as out:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "tools.cluster", "supervise", str(procfile), "--pid-dir", str(pids)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "left down" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        output = log.read_text()
        assert "crash" in output and "left down" in output, output
        assert output.count("exited with code 3; starting it again") == 4, output
        steady = int((pids / "steady.pid").read_text())
        assert _alive(steady)  # the other process goes on

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=30) == 0
        deadline = time.monotonic() + 5
        while _alive(steady) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(steady), "the supervisor stops its children"
    finally:
        if supervisor.poll() is None:
            os.kill(supervisor.pid, signal.SIGKILL)


def test_the_supervisor_restarts_a_killed_process(tmp_path):
    import os
    import signal
    import subprocess

    procfile = tmp_path / "Procfile"
    procfile.write_text("worker: exec sleep 120\n", encoding="utf-8")
    pids = tmp_path / "pids"
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "tools.cluster", "supervise", str(procfile), "--pid-dir", str(pids)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not (pids / "worker.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        first = int((pids / "worker.pid").read_text())
        os.kill(first, signal.SIGKILL)
        while time.monotonic() < deadline:
            second = int((pids / "worker.pid").read_text())
            if second != first:
                break
            time.sleep(0.1)
        assert second != first and _alive(second)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=30)


def test_a_procfile_without_process_lines_is_one_line_and_exit_1(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("# nothing here\n\n", encoding="utf-8")
    result = _run([sys.executable, "-m", "tools.cluster", "supervise", str(procfile)])
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no process line" in result.stderr
    missing = _run([sys.executable, "-m", "tools.cluster", "supervise", str(tmp_path / "none")])
    assert missing.returncode == 1 and "cannot read" in missing.stderr
