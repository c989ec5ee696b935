"""`csba mail poll`: the email channel's poller (bot.services.email_inbox), run
by `make run` beside the other processes (Procfile).

Every `--interval` seconds it takes the support mailbox's new mails
(`IMAP_URL`), hands each to the inbox service and marks it done in the
mailbox. One line per mail, one per failed poll; SIGTERM or SIGINT stop it once
the mail under way is done. Without `IMAP_URL` it says so and waits for the
stop signal (under honcho, one process exiting stops them all); `--once`
polls once and exits 1 if the poll failed or IMAP_URL is unset.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading

from bot import config
from bot.adapters import clock
from bot.adapters.imap_mailbox import ImapMailbox, MailboxError
from bot.adapters.rasa_http import RasaHttp
from bot.entrypoints.cli.common import CliError, engine, msg, require_schema
from bot.services.email_inbox import RETRY, EmailInbox


def _say(line: str) -> None:
    print(line, flush=True)  # honcho reads a pipe: no buffering


def poll_once(mailbox: ImapMailbox, inbox: EmailInbox, stop: threading.Event) -> int:
    """Process the mailbox's new mails; the number processed."""
    done = 0
    with mailbox.session() as session:
        for mail in session.pending():
            if stop.is_set():
                break
            outcome = inbox.process(mail.data)
            if outcome != RETRY:
                session.mark_done(mail.uid)
            _say(msg(f"cli.mail.{outcome}", uid=mail.uid))
            done += 1
    return done


def cmd_mail_poll(args: argparse.Namespace) -> int:
    try:
        if args.interval is None:
            args.interval = config.mail_poll_seconds()
        settings = config.imap_settings()
    except ValueError as exc:
        raise CliError("cli.mail.bad_setting", error=str(exc)) from exc
    if not args.interval > 0:
        raise CliError("cli.error.bad_interval", value=args.interval)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    if settings is None:
        if args.once:
            raise CliError("cli.mail.not_configured")
        _say(msg("cli.mail.off"))
        stop.wait()
        return 0
    require_schema()
    mailbox = ImapMailbox(settings)
    inbox = EmailInbox(
        engine=engine(),
        rasa=RasaHttp(config.rasa_url(), config.rasa_token() or ""),
        support_address=config.support_address(),
        transfer_address=config.transfer_address(),
        upload_dir=config.upload_dir(),
        now=clock.now,
    )
    if not args.once:
        _say(
            msg(
                "cli.mail.started", pid=os.getpid(), mailbox=settings.mailbox,
                host=settings.host, port=settings.port, interval=args.interval,
            )
        )  # fmt: skip
    while True:
        try:
            poll_once(mailbox, inbox, stop)
        except MailboxError as exc:
            if args.once:
                _say(msg("cli.mail.failed_once", error=str(exc)))
                return 1
            _say(msg("cli.mail.failed", error=str(exc), interval=args.interval))
        if args.once or stop.wait(args.interval):
            return 0
