"""The whole cluster of `make run-cluster` (issue 15), started from the files
`tools/cluster.py` writes and run by its supervisor, on a PostgreSQL server and
a Redis server of this test's own, so that they can be stopped and restarted:

- HAProxy in front of 2 Rasa replicas (endpoints.cluster.yml: the PostgreSQL
  tracker store, the Redis lock store), 2 action servers and 2 web processes,
  plus the SLA scheduler;
- a buyer chats through HAProxy; a reply pushed through one Rasa replica reaches
  a socket held by the other (python-socketio's Redis manager); a live signal
  given to one web process reaches an agent's page on the other (Redis pub/sub);
- faults, each against the real processes: an action server killed, Redis
  stopped, PostgreSQL restarted, a Rasa replica killed under load.

The tests share one cluster and run in this file's order; each leaves it
whole for the next (the supervisor restarts what a test killed).
"""

from __future__ import annotations

import csv
import glob
import io
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import socketio

from bot.config import PROJECT_ROOT
from bot.services.identity import (
    conversation_id_for,
    issue_anonymous_token,
    issue_buyer_token,
    verify_buyer_token,
)
from tools.cluster import HAPROXY, Plan, write
from tools.devstack import (
    CSBA_WEBHOOK,
    DEMO_DATA,
    Service,
    StackError,
    command,
    csba_env,
    free_port_range,
    python,
    run_csba,
    tail,
    wait_until,
)

pytestmark = pytest.mark.slow

JWT_SECRET = "cluster-faults-jwt-secret-" + "f" * 32
WEB_SECRET = "cluster-faults-web-secret-" + "w" * 32
UNAVAILABLE = "I'm sorry, I can't reach your order right now, please try again shortly."
AGENT, AGENT_PASSWORD = "ana", "cluster-agent-password-1"
START_TIMEOUT = 300


# -- servers of the test's own ------------------------------------------------------


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if found:
        return Path(found[0]).parent
    on_path = shutil.which("pg_ctl")
    assert on_path, "PostgreSQL's server programs (pg_ctl, initdb) are needed"
    return Path(on_path).parent


class PrivatePostgres:
    """A PostgreSQL server in a temporary directory, on its own port, run as the
    `postgres` user when the test runs as root (initdb refuses root)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bin = _postgres_bin()
        self.base = Path(subprocess.check_output(["mktemp", "-d", "/tmp/csba-pg.XXXXXX"], text=True).strip())
        self.data = self.base / "data"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.base, "postgres", "postgres")
        self._run([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                   "-E", "UTF8", "--no-sync"])  # fmt: skip

    def _run(self, args: list[str]) -> None:
        if self.as_postgres:
            args = ["runuser", "-u", "postgres", "--", *args]
        result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stdout + result.stderr

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200"
        )
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                   "-l", str(self.base / "server.log"), "-w", "-t", "60", "start"])  # fmt: skip

    def stop(self) -> None:
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def remove(self) -> None:
        try:
            self.stop()
        except AssertionError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)


class PrivateRedis:
    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.service = Service(
            "redis",
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],  # fmt: skip
            dict(os.environ),
            workdir / "redis.log",
        )

    def start(self) -> None:
        self.service.start()
        wait_until(lambda: _redis_up(self.url), [self.service], 20)

    def stop(self) -> None:
        self.service.stop()


def _redis_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


# -- the cluster --------------------------------------------------------------------


@dataclass
class Cluster:
    plan: Plan
    token: str
    workdir: Path
    supervisor: Service
    postgres: PrivatePostgres
    redis: PrivateRedis
    env: dict[str, str]
    pid_dir: Path
    notes: list[str] = field(default_factory=list)

    @property
    def rasa_front(self) -> str:
        return f"http://127.0.0.1:{self.plan.rasa_front}"

    @property
    def web_front(self) -> str:
        return f"http://127.0.0.1:{self.plan.web_front}"

    def rasa(self, index: int) -> str:
        return f"http://127.0.0.1:{self.plan.rasa_ports[index]}"

    def web(self, index: int) -> str:
        return f"http://127.0.0.1:{self.plan.web_ports[index]}"

    def pid(self, name: str) -> int:
        return int((self.pid_dir / f"{name}.pid").read_text())

    def kill(self, name: str) -> int:
        pid = self.pid(name)
        os.killpg(pid, signal.SIGKILL)
        return pid

    def status(self) -> dict[str, str]:
        """HAProxy's view: 'backend/server' -> UP, DOWN..."""
        text = httpx.get(f"http://127.0.0.1:{self.plan.stats_port}/stats;csv", timeout=5).text
        return {
            f"{row['pxname']}/{row['svname']}": row["status"]
            for row in csv.DictReader(io.StringIO(text.lstrip("# ")))
            if row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def all_up(self) -> bool:
        try:
            status = self.status()
        except httpx.HTTPError:
            return False
        return bool(status) and set(status.values()) == {"UP"}

    def wait_all_up(self, timeout: float = START_TIMEOUT) -> float:
        return wait_until(self.all_up, [self.supervisor], timeout)

    def tracker(self, conversation: str) -> dict[str, Any]:
        return httpx.get(
            f"{self.rasa_front}/conversations/{conversation}/tracker",
            params={"token": self.token},
            timeout=30,
        ).json()

    def log(self) -> str:
        return tail(self.supervisor.log, 80)


def say(cluster: Cluster, chat_token: str, text: str, url: str | None = None) -> tuple[int, list]:
    response = httpx.post(
        f"{url or cluster.rasa_front}{CSBA_WEBHOOK}",
        json={"message": text},
        headers={"Authorization": f"Bearer {chat_token}"},
        timeout=90,
    )
    return response.status_code, response.json() if response.status_code == 200 else []


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [reply.get("text") or "" for reply in replies]


def answered(status: int, replies: list[dict[str, Any]]) -> bool:
    """A real answer: 200, something said, and not the unavailable message."""
    return status == 200 and bool(replies) and UNAVAILABLE not in texts(replies)


def buyer_conversation(buyer: str) -> tuple[str, str]:
    token = issue_buyer_token(buyer, secret=JWT_SECRET)
    identity = verify_buyer_token(token, secret=JWT_SECRET)
    return token, conversation_id_for(identity, secret=JWT_SECRET)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    from bot.entrypoints.training import ensure_model

    assert Path(HAPROXY).exists(), "make install installs haproxy"
    workdir = tmp_path_factory.mktemp("cluster")
    base = free_port_range(12)
    plan = Plan(
        rasa=2, actions=2, web=2,
        web_front=base, rasa_front=base + 1, actions_front=base + 2, stats_port=base + 3,
        rasa_base=base + 4, actions_base=base + 6, web_base=base + 8,
    )  # fmt: skip
    postgres = PrivatePostgres(base + 10)
    redis_server = PrivateRedis(base + 11, workdir)
    model = ensure_model()
    token = uuid.uuid4().hex
    env = csba_env(
        workdir,
        JWT_SECRET,
        DATABASE_URL=postgres.url("csba"),
        TRACKER_STORE_URL=postgres.url("csba_tracker"),
        CSBA_REDIS_URL=redis_server.url,
        CSBA_WEB_SECRET=WEB_SECRET,
        RASA_TOKEN=token,
        RASA_MODEL=str(model),
        RASA_CORS=f"http://localhost:{plan.web_front}",
        CSBA_SCHEDULER_INTERVAL="5",
    )
    supervisor = None
    try:
        postgres.start()
        redis_server.start()
        setup = workdir / "setup.log"
        databases = subprocess.run(
            [python(), "-m", "tools.cluster", "databases"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert databases.returncode == 0, databases.stderr
        run_csba(["db", "upgrade"], env, setup)
        run_csba(["db", "load", str(DEMO_DATA)], env, setup)
        add = subprocess.run(
            [*command("csba"), "users", "add", "--role", "agent",
             "--username", AGENT, "--password-stdin"],
            input=AGENT_PASSWORD + "\n", cwd=PROJECT_ROOT, env=env, capture_output=True,
            text=True, timeout=60, check=False,
        )  # fmt: skip
        assert add.returncode == 0, add.stdout + add.stderr
        # the `events` table, made before the replicas start (two at once can collide)
        import sqlalchemy as sa
        from rasa.core.tracker_store import SQLTrackerStore

        engine = sa.create_engine(env["TRACKER_STORE_URL"])
        SQLTrackerStore.Base.metadata.create_all(engine)
        engine.dispose()

        procfile = write(workdir / "cluster", plan, PROJECT_ROOT / "endpoints.cluster.yml")
        pid_dir = workdir / "cluster" / "pids"
        supervisor = Service(
            "supervisor",
            [python(), "-m", "tools.cluster", "supervise", str(procfile), "--pid-dir", str(pid_dir)],
            env,
            workdir / "cluster.log",
        )
        supervisor.start()
        cluster = Cluster(plan, token, workdir, supervisor, postgres, redis_server, env, pid_dir)
        took = cluster.wait_all_up()
        print(f"\ncluster: every HAProxy backend UP {took:.0f} s after the start")
        yield cluster
        print("\n" + "\n".join(cluster.notes))
    except StackError as error:
        pytest.fail(str(error))
    finally:
        if supervisor is not None:
            supervisor.stop(timeout=30)
        redis_server.stop()
        postgres.remove()


# -- the cluster works ---------------------------------------------------------------


def test_a_buyer_chats_through_haproxy(cluster: Cluster):
    token, conversation = buyer_conversation("B-1")
    status, replies = say(cluster, token, "where is my order?")
    assert answered(status, replies), (status, replies, cluster.log())
    events = cluster.tracker(conversation)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["where is my order?"]
    # the web app through HAProxy, on the same PostgreSQL
    assert httpx.get(f"{cluster.web_front}/login", timeout=10).status_code == 200


def test_a_reply_pushed_through_one_replica_reaches_a_socket_on_the_other(cluster: Cluster):
    """The widget's websocket is held by replica 1; the agent's message goes
    through replica 2's HTTP API (as a web process's push may)."""
    from bot.services.push import push_agent_message

    token = issue_anonymous_token(secret=JWT_SECRET)
    client = socketio.Client(reconnection=False)
    replies: list[dict] = []
    turn_done = threading.Event()
    pushed = threading.Event()
    message = f"Hello from the agent {uuid.uuid4().hex[:6]}"

    def on_reply(data: dict) -> None:
        replies.append(data)
        if data.get("text") == message:
            pushed.set()

    client.on("bot_uttered", on_reply)
    client.on("bot_turn_done", lambda *_: turn_done.set())
    client.connect(cluster.rasa(0), auth={"token": token}, wait_timeout=30)
    try:
        client.emit("user_uttered", {"message": "hello"})
        assert turn_done.wait(60), cluster.log()
        from bot.services.chat_access import resolve_chat_token

        conversation = resolve_chat_token(token, secret=JWT_SECRET).sender_id
        settings = SimpleNamespace(rasa_url=cluster.rasa(1), rasa_token=cluster.token)
        assert push_agent_message(conversation, message, agent=AGENT, settings=settings)
        assert pushed.wait(20), (replies, cluster.log())
    finally:
        client.disconnect()
    cluster.notes.append(
        "socket.io: a message pushed through replica 2 reached the socket on replica 1"
    )


def _signed_in(client: httpx.Client, web: str) -> None:
    page = client.get(f"{web}/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        f"{web}/login",
        data={"csrf_token": csrf, "username": AGENT, "password": AGENT_PASSWORD, "next": "/agent"},
    )
    assert response.status_code in (200, 302, 303), response.text[:300]
    assert "session" in "".join(client.cookies.keys()).lower() or client.cookies, response.text[:300]


def test_a_live_signal_given_to_one_web_process_reaches_an_agent_on_the_other(
    cluster: Cluster, monkeypatch
):
    from bot.adapters import live_signal

    received: list[str] = []
    ready = threading.Event()
    got = threading.Event()

    def listen() -> None:
        with httpx.Client(timeout=30) as client:
            _signed_in(client, cluster.web(0))
            with client.stream("GET", f"{cluster.web(0)}/agent/live/events") as stream:
                assert stream.status_code == 200
                for line in stream.iter_lines():
                    received.append(line)
                    if line == "event: ready":
                        ready.set()
                    if line == "event: inbox":
                        got.set()
                        return

    listener = threading.Thread(target=listen, daemon=True)
    monkeypatch.setenv("CSBA_JWT_SECRET", JWT_SECRET)  # signals are signed with it
    listener.start()
    assert ready.wait(30), received
    body, signature = live_signal.signed_body(
        {"topic": live_signal.INBOX, "message": {"kind": "inbox"}}
    )
    response = httpx.post(
        f"{cluster.web(1)}/internal/live",
        content=body,
        headers={"Content-Type": "application/json", live_signal.SIGNATURE_HEADER: signature},
        timeout=10,
    )
    assert response.status_code == 204, response.text
    assert got.wait(10), received
    cluster.notes.append("live updates: a signal given to web 2 reached an agent's page on web 1")


# -- faults ---------------------------------------------------------------------------


def test_an_action_server_killed_the_other_serves(cluster: Cluster):
    killed = cluster.kill("actions1")
    results = []
    for n in range(10):
        token, _ = buyer_conversation("B-2")
        results.append(say(cluster, token, f"where is my order? {n}"))
    served = sum(answered(status, replies) for status, replies in results)
    assert served == 10, (results, cluster.log())
    # the supervisor started it again, and HAProxy takes it back
    wait_until(lambda: cluster.pid("actions1") != killed, [cluster.supervisor], 30)
    cluster.wait_all_up(120)
    cluster.notes.append(
        "action server killed: 10 of 10 messages answered meanwhile; restarted by the supervisor"
    )


def test_redis_stopped_the_bot_answers_politely_then_recovers(cluster: Cluster):
    token, conversation = buyer_conversation("B-3")
    assert answered(*say(cluster, token, "hi there"))
    cluster.redis.stop()
    try:
        status, replies = say(cluster, token, "where is my order?")
        # fail closed: no turn without the conversation lock, a polite answer instead
        assert status == 200 and texts(replies) == [UNAVAILABLE], (status, replies)
        # sign-in fails closed too (its limits live in Redis)
        with httpx.Client(timeout=10) as client:
            page = client.get(f"{cluster.web_front}/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            refused = client.post(
                f"{cluster.web_front}/login",
                data={"csrf_token": csrf, "username": AGENT, "password": AGENT_PASSWORD},
            )
        assert refused.status_code == 503, refused.text[:300]
    finally:
        cluster.redis.start()
    recovered = None
    start = time.monotonic()
    while time.monotonic() - start < 30:
        status, replies = say(cluster, token, f"where is my order? {time.monotonic():.0f}")
        if answered(status, replies):
            recovered = time.monotonic() - start
            break
        time.sleep(1)
    assert recovered is not None, cluster.log()
    users = [e["text"] for e in cluster.tracker(conversation)["events"] if e["event"] == "user"]
    assert "where is my order?" not in users  # the refused turn left nothing half done
    cluster.notes.append(
        f"Redis stopped: chat answered with the unavailable message, sign-in 503; "
        f"answered again {recovered:.1f} s after Redis came back"
    )


def test_postgresql_restarted_the_bot_answers_politely_then_recovers(cluster: Cluster):
    token, conversation = buyer_conversation("B-1")
    assert answered(*say(cluster, token, "hello"))
    cluster.postgres.stop()
    try:
        status, replies = say(cluster, token, "where is my order?")
        assert status == 200 and texts(replies) == [UNAVAILABLE], (status, replies)
    finally:
        cluster.postgres.start()
    status, replies = say(cluster, token, "where is my order? again")
    assert answered(status, replies), (status, replies, cluster.log())
    users = [e["text"] for e in cluster.tracker(conversation)["events"] if e["event"] == "user"]
    assert users[-1] == "where is my order? again"
    cluster.notes.append(
        "PostgreSQL stopped: the unavailable message; restarted: the next message answered"
    )


BUYERS = 8
LOAD_SECONDS = 20.0


def test_a_rasa_replica_killed_under_load_loses_no_acknowledged_message(cluster: Cluster):
    """BUYERS anonymous chats, each sending its next message when the last was
    answered (a refused one is sent again, as a REST client that retries does;
    the widget's socket does not resend); replica 1 is
    killed a few seconds in. Every acknowledged message is in its conversation,
    and once, unless it was sent again after a refusal: the replica may have
    stored that turn just before it died (at least once, not exactly once;
    seen in 1 of 4 runs on 2026-12-07, docs/scaling.md)."""
    from bot.services.chat_access import resolve_chat_token

    stop = threading.Event()
    killed_at: list[float] = []
    start = time.monotonic()

    def buyer(index: int) -> dict[str, Any]:
        token = issue_anonymous_token(secret=JWT_SECRET)
        sent, acked, refused, after_kill = [], [], 0, 0
        resent: set[str] = set()
        slowest = 0.0
        n = 0
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                text = f"hello {index}-{n:03d}"
                began = time.monotonic()
                try:
                    response = client.post(
                        f"{cluster.rasa_front}{CSBA_WEBHOOK}",
                        json={"message": text},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    ok = response.status_code == 200 and answered(200, response.json())
                except httpx.HTTPError:
                    ok = False
                sent.append(text)
                slowest = max(slowest, time.monotonic() - began)
                if ok:
                    acked.append(text)
                    after_kill += bool(killed_at)
                    n += 1
                else:
                    refused += 1
                    resent.add(text)
                    time.sleep(0.5)
        return {
            "conversation": resolve_chat_token(token, secret=JWT_SECRET).sender_id,
            "sent": sent, "acked": acked, "refused": refused, "after_kill": after_kill,
            "slowest": slowest, "resent": resent,
        }  # fmt: skip

    with ThreadPoolExecutor(BUYERS) as pool:
        futures = [pool.submit(buyer, index) for index in range(BUYERS)]
        time.sleep(5)
        killed = cluster.kill("rasa1")
        killed_at.append(time.monotonic())
        time.sleep(LOAD_SECONDS - 5)
        stop.set()
        results = [future.result() for future in futures]
    took = time.monotonic() - start

    lost = duplicated = resent_twice = 0
    for result in results:
        users = [e["text"] for e in cluster.tracker(result["conversation"])["events"] if e["event"] == "user"]
        lost += len(set(result["acked"]) - set(users))
        twice = {text for text in set(result["acked"]) if users.count(text) > 1}
        duplicated += len(twice - result["resent"])
        resent_twice += len(twice & result["resent"])
    acked = sum(len(r["acked"]) for r in results)
    refused = sum(r["refused"] for r in results)
    after = sum(r["after_kill"] for r in results)
    cluster.notes.append(
        f"Rasa replica killed under load ({BUYERS} buyers, {took:.0f} s): {acked} messages "
        f"acknowledged, {after} of them after the kill, {refused} refused and sent again; "
        f"{lost} acknowledged lost, {duplicated} duplicated ({resent_twice} sent again"
        f" after a refusal and stored twice); slowest answer "
        f"{max(r['slowest'] for r in results):.1f} s"
    )
    print("\n" + cluster.notes[-1])
    assert lost == 0 and duplicated == 0
    assert all(r["after_kill"] > 0 for r in results), results  # every chat went on
    # the supervisor starts the replica again
    wait_until(lambda: cluster.pid("rasa1") != killed, [cluster.supervisor], 30)
