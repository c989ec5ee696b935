"""`make run-cluster`: the bot as a cluster on this machine (issue 15).

HAProxy (Debian's package, installed by `make install`) in front of N Rasa
replicas, M action servers and K web processes, plus the SLA scheduler, all
under honcho as `make run` runs its Procfile. PostgreSQL holds the project
database and, in a database of its own, the tracker store; Redis is the
shared state (CSBA_REDIS_URL: the sign-in limits) and the conversation lock
store shared by the replicas (endpoints.cluster.yml).

HAProxy listens where `make run`'s single processes listen, so every URL of the
README stays the same:

- `:8000` the web app, round robin over the K web processes (the session cookie
  is signed with one secret, `$CSBA_VAR_DIR/web-secret`, so any process serves
  any request); `/login` checks each;
- `:5005` Rasa: a REST conversation goes to one replica, by a consistent hash
  of the request's `Authorization` header (the chat token, which names the
  conversation); a request without one (an anonymous first message, a
  socket.io handshake) goes round robin. The widget's socket.io connection is
  a websocket only, so it stays on the replica it reached; the Redis lock store
  (endpoints.cluster.yml) holds when two replicas take one conversation anyway;
- `:5055` the action servers, round robin (an action server keeps nothing
  between requests: Rasa sends it the tracker).

`python -m tools.cluster write --dir DIR [--rasa N] [--actions M] [--web K]`
writes DIR/haproxy.cfg and DIR/Procfile and prints the Procfile's path;
`python -m tools.cluster databases` creates the PostgreSQL databases of
DATABASE_URL and TRACKER_STORE_URL when they do not exist;
`python -m tools.cluster supervise PROCFILE` runs the Procfile's processes and
restarts one that dies (`tools/supervisor.py`). honcho, which `make run` uses, stops
every process when one exits: one crashed replica would take the cluster down.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters.catalogue import t
from bot.config import PROJECT_ROOT
from tools.supervisor import Supervisor, read_procfile

# The fronts: the ports `make run` uses for its single processes.
WEB_FRONT, RASA_FRONT, ACTIONS_FRONT = 8000, 5005, 5055
# The replicas listen on loopback ports from these, one each.
WEB_BASE, RASA_BASE, ACTIONS_BASE = 8100, 5105, 5155
STATS_PORT = 8404
ENDPOINTS = "endpoints.cluster.yml"
MAX_REPLICAS = 16
HAPROXY = "/usr/sbin/haproxy"  # Debian's package (make install)
LANGUAGE = "en"


@dataclass(frozen=True)
class Plan:
    rasa: int = 2
    actions: int = 2
    web: int = 2
    web_front: int = WEB_FRONT
    rasa_front: int = RASA_FRONT
    actions_front: int = ACTIONS_FRONT
    web_base: int = WEB_BASE
    rasa_base: int = RASA_BASE
    actions_base: int = ACTIONS_BASE
    stats_port: int = STATS_PORT

    def ports(self, base: int, count: int) -> list[int]:
        return [base + index for index in range(count)]

    @property
    def rasa_ports(self) -> list[int]:
        return self.ports(self.rasa_base, self.rasa)

    @property
    def actions_ports(self) -> list[int]:
        return self.ports(self.actions_base, self.actions)

    @property
    def web_ports(self) -> list[int]:
        return self.ports(self.web_base, self.web)


def _servers(name: str, ports: list[int], check: str) -> str:
    return "\n".join(
        f"    server {name}{index + 1} 127.0.0.1:{port} {check}"
        for index, port in enumerate(ports)
    )


def haproxy_config(plan: Plan) -> str:
    """HAProxy's configuration for `plan` (HAProxy 2.6, Debian 12)."""
    # A dead process refuses the connection at once: 3 checks a second apart mark
    # it down. A busy one may take seconds to answer its check: `timeout check`
    # gives it 10 s, since marking a loaded replica down sends every buyer a 503
    # (seen under `make bench-cluster` at 200 buyers with a 1 s check).
    check = "check inter 2s fastinter 1s downinter 1s fall 3 rise 2"
    return f"""# Written by tools/cluster.py for make run-cluster; do not edit.
global
    # within the default open-files limit of a session (each connection takes 2)
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout check 10s
    # socket.io keeps a websocket open: the tunnel timeout applies once upgraded
    timeout tunnel 1h
    option redispatch
    retries 2

frontend web
    bind 127.0.0.1:{plan.web_front}
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /login
{_servers("web", plan.web_ports, check)}

frontend rasa
    bind 127.0.0.1:{plan.rasa_front}
    default_backend rasa

backend rasa
    # one conversation, one replica: the chat token names the conversation
    balance hdr(Authorization)
    hash-type consistent
    option httpchk GET /
{_servers("rasa", plan.rasa_ports, check)}

frontend actions
    bind 127.0.0.1:{plan.actions_front}
    default_backend actions

backend actions
    balance roundrobin
    option httpchk GET /health
{_servers("actions", plan.actions_ports, check)}

frontend stats
    bind 127.0.0.1:{plan.stats_port}
    stats enable
    stats uri /stats
    stats refresh 5s
"""


def procfile(plan: Plan, haproxy_cfg: Path, endpoints: Path) -> str:
    """honcho's Procfile of the cluster: the processes of the project's Procfile,
    one line per replica, each on its own loopback port."""
    venv = ".venv/bin"
    # secrets through the environment, never the command line (`ps` shows it)
    token = 'RASA_TOKEN="${RASA_TOKEN:?set RASA_TOKEN}"'
    action_token = 'CSBA_ACTION_TOKEN="${CSBA_ACTION_TOKEN:?set CSBA_ACTION_TOKEN}"'
    signal = f"CSBA_LIVE_SIGNAL_URL=http://127.0.0.1:{plan.web_front}/internal/live"
    lines = [
        "# Written by tools/cluster.py for make run-cluster; do not edit.",
        f"haproxy: exec {HAPROXY} -db -f {haproxy_cfg}",
    ]
    for index, port in enumerate(plan.actions_ports, 1):
        lines.append(
            f"actions{index}: {signal} SANIC_HOST=127.0.0.1 {action_token}"
            f" exec {venv}/python -m bot.entrypoints.actions_server"
            f" --actions actions --port {port}"
        )
    for index, port in enumerate(plan.rasa_ports, 1):
        lines.append(
            f"rasa{index}: {signal}"
            f" ACTION_ENDPOINT_URL=http://127.0.0.1:{plan.actions_front}/webhook"
            f" {action_token} {token}"
            f" exec {venv}/python -m bot.entrypoints.rasa.runtime run --enable-api"
            f" --port {port} --interface 127.0.0.1"
            f" --cors ${{RASA_CORS:-http://localhost:{plan.web_front}}}"
            f" --endpoints {endpoints} --credentials credentials.yml"
            " -m ${RASA_MODEL:-models}"
        )
    for index, port in enumerate(plan.web_ports, 1):
        lines.append(
            f"web{index}: CSBA_WEB_PORT={port}"
            " CSBA_WEB_DEMO_BUYERS=${CSBA_WEB_DEMO_BUYERS:-1}"
            f" RASA_URL=http://localhost:{plan.rasa_front}"
            ' RASA_TOKEN="${RASA_TOKEN:?set RASA_TOKEN}"'
            f" exec {venv}/python -m bot.entrypoints.web"
        )
    lines.append(
        "scheduler: exec .venv/bin/csba scheduler"
        " --interval ${CSBA_SCHEDULER_INTERVAL:-15}"
    )
    # One mail poller (README, "Buyers by email"): idle without IMAP_URL.
    lines.append(
        f"mail: RASA_URL=http://localhost:{plan.rasa_front}"
        ' RASA_TOKEN="${RASA_TOKEN:?set RASA_TOKEN}" exec .venv/bin/csba mail poll'
    )
    return "\n".join(lines) + "\n"


def write(directory: Path, plan: Plan, endpoints: Path) -> Path:
    """Write DIR/haproxy.cfg and DIR/Procfile; the Procfile's path."""
    directory.mkdir(parents=True, exist_ok=True)
    cfg = directory / "haproxy.cfg"
    cfg.write_text(haproxy_config(plan), encoding="utf-8")
    path = directory / "Procfile"
    path.write_text(procfile(plan, cfg.resolve(), endpoints), encoding="utf-8")
    return path


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database of `url` if it does not exist; whether it
    was created. Other databases (SQLite) are left to their own tools."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return False
    admin = create_engine(
        parsed.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True
    )
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            ).first()
            if exists:
                return False
            # the name is quoted; CREATE DATABASE takes no bind parameter
            quoted = parsed.database.replace('"', '""')
            conn.execute(text(f'CREATE DATABASE "{quoted}"'))
            return True
    finally:
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.cluster")
    sub = parser.add_subparsers(dest="command", required=True)
    written = sub.add_parser("write", help="write haproxy.cfg and the Procfile")
    written.add_argument("--dir", type=Path, required=True)
    written.add_argument("--rasa", type=int, default=2)
    written.add_argument("--actions", type=int, default=2)
    written.add_argument("--web", type=int, default=2)
    written.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / ENDPOINTS)
    sub.add_parser("databases", help="create DATABASE_URL's and TRACKER_STORE_URL's")
    supervised = sub.add_parser("supervise", help="run a Procfile, restarting what dies")
    supervised.add_argument("procfile", type=Path)
    supervised.add_argument("--pid-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.command == "supervise":
        try:
            entries = read_procfile(args.procfile)
        except OSError as exc:
            print(t("cluster.error.procfile", LANGUAGE, path=args.procfile,
                    detail=exc.strerror or exc), file=sys.stderr)  # fmt: skip
            return 1
        except ValueError as exc:
            print(t("cluster.error.procfile_line", LANGUAGE, path=args.procfile,
                    line=str(exc)[:80]), file=sys.stderr)  # fmt: skip
            return 1
        if not entries:
            print(t("cluster.error.procfile_line", LANGUAGE, path=args.procfile,
                    line=""), file=sys.stderr)  # fmt: skip
            return 1
        pid_dir = args.pid_dir or args.procfile.parent / "pids"
        return Supervisor(entries, PROJECT_ROOT, pid_dir).run()
    if args.command == "write":
        for name in ("rasa", "actions", "web"):
            if not 1 <= getattr(args, name) <= MAX_REPLICAS:
                message = t("cluster.error.count", LANGUAGE, name=name, maximum=MAX_REPLICAS)
                print(message, file=sys.stderr)
                return 1
        plan = Plan(rasa=args.rasa, actions=args.actions, web=args.web)
        print(write(args.dir, plan, args.endpoints))
        return 0
    for variable in ("DATABASE_URL", "TRACKER_STORE_URL"):
        url = os.environ.get(variable, "")
        if not url.startswith("postgresql"):
            print(t("cluster.error.not_postgres", LANGUAGE, variable=variable), file=sys.stderr)
            return 1
        try:
            created = ensure_database(url)
        except SQLAlchemyError as exc:
            detail = str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0]
            print(
                t("cluster.error.unreachable", LANGUAGE, variable=variable, detail=detail),
                file=sys.stderr,
            )
            return 1
        if created:
            print(t("cluster.created", LANGUAGE, variable=variable))
    return 0


if __name__ == "__main__":
    sys.exit(main())
