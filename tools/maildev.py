"""A private Dovecot IMAP server: the support mailbox for the email channel's
tests and for trying buyers by email locally.

    python -m tools.maildev serve [--port 1143] [--dir var/maildev]
        starts Dovecot on 127.0.0.1 with the mailbox `support` (password
        `support`), prints the IMAP_URL to give `make run`, and runs until
        Ctrl-C;
    python -m tools.maildev send --from bob@example.com "where is my order?"
        puts a buyer's mail into that mailbox (IMAP APPEND), as if it had
        been delivered.

Debian's `dovecot-imapd` must be installed (`make install` does). Nothing is
started system-wide: Dovecot runs with its own configuration, state and mail
under `--dir`.
"""

from __future__ import annotations

import argparse
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
DEFAULT_PORT = 1143
DEFAULT_USER = "support"
DEFAULT_PASSWORD = "support"
START_TIMEOUT = 15.0

_CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{dir}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 1
first_valid_gid = 1
{users_of_services}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class MailDevError(Exception):
    """Dovecot is missing or did not start."""


@dataclass
class Dovecot:
    directory: Path
    port: int
    users: dict[str, str]

    @property
    def config(self) -> Path:
        return self.directory / "dovecot.conf"

    def url(self, user: str = DEFAULT_USER, mailbox: str = "INBOX") -> str:
        return f"imap://{user}:{self.users[user]}@127.0.0.1:{self.port}/{mailbox}"

    def connect(self, user: str = DEFAULT_USER) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(user, self.users[user])
        return imap

    def append(self, raw: bytes, user: str = DEFAULT_USER) -> None:
        """Deliver `raw` into the user's INBOX (as an MTA would)."""
        imap = self.connect(user)
        try:
            status, data = imap.append("INBOX", None, None, raw)
            if status != "OK":
                raise MailDevError(f"APPEND answered {status}: {data!r}")
        finally:
            imap.logout()

    def flags(self, user: str = DEFAULT_USER) -> list[str]:
        """Each message's flags, in mailbox order (for tests)."""
        imap = self.connect(user)
        try:
            imap.select("INBOX")
            status, data = imap.fetch("1:*", "(FLAGS)")
            return [part.decode() for part in data if isinstance(part, bytes)]
        finally:
            imap.logout()

    def stop(self) -> None:
        pid_file = self.directory / "run" / "master.pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start(directory: Path, port: int, users: dict[str, str] | None = None) -> Dovecot:
    """Start a private Dovecot on 127.0.0.1:`port` serving `users` (name ->
    password), with everything under `directory`."""
    if not Path(DOVECOT).exists():
        raise MailDevError(
            f"{DOVECOT} is missing: install Debian's dovecot-imapd (make install does)"
        )
    users = users or {DEFAULT_USER: DEFAULT_PASSWORD}
    directory = directory.resolve()
    (directory / "mail").mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        # Dovecot refuses mail access as root: the mail belongs to its own user.
        account = pwd.getpwnam("dovecot")
        shutil.chown(directory / "mail", account.pw_uid, account.pw_gid)
        uid, gid, users_of_services = "dovecot", "dovecot", ""
        # Its processes must reach the mail and the user list: let others
        # traverse (not list) the directories above (a pytest tmp_path is 0700).
        for folder in (directory, *directory.parents):
            mode = folder.stat().st_mode
            if not mode & 0o001:
                folder.chmod(mode | 0o001)
    else:
        me = pwd.getpwuid(os.geteuid()).pw_name
        uid, gid = str(os.geteuid()), str(os.getegid())
        users_of_services = f"default_internal_user = {me}\ndefault_login_user = {me}\n"
    (directory / "users").write_text(
        "".join(f"{name}:{{PLAIN}}{password}\n" for name, password in users.items())
    )
    server = Dovecot(directory, port, dict(users))
    server.config.write_text(
        _CONFIG.format(
            dir=directory, port=port, uid=uid, gid=gid,
            users_of_services=users_of_services,
        )
    )  # fmt: skip
    # Dovecot forks into the background: its output goes to a file, not to a
    # pipe that would stay open as long as it runs.
    with open(directory / "start.log", "w") as log:
        code = subprocess.run(
            [DOVECOT, "-c", str(server.config)], stdout=log, stderr=log
        ).returncode
    if code != 0:
        text = (directory / "start.log").read_text().strip()
        raise MailDevError(f"dovecot did not start: {text[:500]}")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise MailDevError(f"dovecot did not listen on port {port} within {START_TIMEOUT} s")


def buyer_mail(
    sender: str,
    text: str,
    *,
    to: str = "support@localhost",
    subject: str = "Question about my order",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A plain buyer's mail, as a mail client writes one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    return message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.maildev")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run a private Dovecot until Ctrl-C")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--dir", type=Path, default=Path("var/maildev"))
    send = sub.add_parser("send", help="put a buyer's mail into the mailbox")
    send.add_argument("--port", type=int, default=DEFAULT_PORT)
    send.add_argument("--from", dest="sender", required=True)
    send.add_argument("--subject", default="Question about my order")
    send.add_argument("text")
    args = parser.parse_args(argv)
    if args.command == "send":
        server = Dovecot(Path("."), args.port, {DEFAULT_USER: DEFAULT_PASSWORD})
        try:
            server.append(bytes(buyer_mail(args.sender, args.text, subject=args.subject)))
        except (OSError, imaplib.IMAP4.error, MailDevError) as exc:
            print(f"maildev: could not deliver to 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
            return 1
        print(f"delivered to the support mailbox on 127.0.0.1:{args.port}")
        return 0
    try:
        server = start(args.dir, args.port)
    except MailDevError as exc:
        print(f"maildev: {exc}", file=sys.stderr)
        return 1
    # Block the stop signals (after Dovecot started: a child inherits the mask),
    # so that sigwait takes them and the finally below stops Dovecot.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    print(f"Dovecot on 127.0.0.1:{args.port}, mail under {args.dir}")
    print(f"  IMAP_URL={server.url()} CSBA_SUPPORT_ADDRESS=support@localhost make run")
    print("  .venv/bin/python -m tools.maildev send --from bob@example.com \\")
    print("      'The kettle from order 113-0000006-0000006 arrived with a dent'")
    print("  (the demo buyers' addresses are in data/demo/demo.json)")
    print("Ctrl-C stops it.")
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
