"""The `csba` command line's arguments. A command names its handler as
"module:function" of bot.entrypoints.cli: `main` imports only the module of the command it runs,
so `csba token` never loads the NLU or the importer."""

from __future__ import annotations

import argparse

from bot import config
from bot.entrypoints.cli.common import Parser


def at_help(what: str, default: str = "now") -> str:
    """The help of an `--at` option (a time without an offset is marketplace time)."""
    zone = config.MARKETPLACE_TZ.key
    return f"{what}, ISO 8601; without an offset, {zone} time (default: {default})"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="csba", description="CSBA triage bot: data, policy and case log."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    def add(subparsers, name: str, handler: str, help_: str):  # noqa: ANN001, ANN202
        p = subparsers.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    db = sub.add_parser("db", help="database schema and data").add_subparsers(
        dest="db_command", required=True, parser_class=Parser
    )
    add(db, "upgrade", "db:cmd_db_upgrade", "apply Alembic migrations up to head")
    add(db, "seed", "db:cmd_db_seed", "load the demo data set from data/demo/")
    load = add(
        db,
        "load",
        "db:cmd_db_load",
        "load a JSON document (docs/data-format.md); all or nothing",
    )
    load.add_argument("file")

    enroll = add(
        sub,
        "enroll",
        "enrollment:cmd_enroll",
        "enroll a seller in CSBA (invited, professional, good standing)",
    )
    enroll.add_argument("seller")
    enroll.add_argument("--at", help=at_help("opt-in time"))
    opt_out = add(sub, "opt-out", "enrollment:cmd_opt_out", "opt a seller out of CSBA")
    opt_out.add_argument("seller")
    opt_out.add_argument("--at", help=at_help("opt-out time"))

    triage = add(
        sub,
        "triage",
        "triage:cmd_triage",
        "decide one inquiry and print the decision as JSON (reads only)",
    )
    triage.add_argument("--order", help="order id, e.g. 112-1234567-1234567")
    triage.add_argument("--intent", required=True)
    triage.add_argument("--buyer", help="the verified buyer id (checks ownership)")
    triage.add_argument(
        "--text", help="the buyer's question (the question for product_question)"
    )
    triage.add_argument(
        "--at", help=at_help("decide as of this time", default="CSBA_NOW or now")
    )

    add(
        sub,
        "examples",
        "triage:cmd_examples",
        "triage the demo examples and print one line each",
    )

    token = add(
        sub, "token", "token:cmd_token", "print a signed chat token (JWT) for a buyer"
    )
    token.add_argument("buyer")
    token.add_argument(
        "--ttl", type=int, default=30, help="minutes until it expires (default 30)"
    )
    token.add_argument(
        "--conversation", help="conversation key (cid) to continue an earlier chat"
    )

    cases = sub.add_parser("cases", help="the seller case log").add_subparsers(
        dest="cases_command", required=True, parser_class=Parser
    )
    lst = add(
        cases,
        "list",
        "cases:cmd_cases_list",
        "list cases, soonest seller deadline first",
    )
    lst.add_argument("--seller")
    lst.add_argument(
        "--status",
        choices=["awaiting_seller", "seller_replied", "escalated", "resolved"],
    )
    lst.add_argument("--limit", type=int, default=100)
    lst.add_argument("--json", action="store_true")
    show = add(
        cases, "show", "cases:cmd_cases_show", "show one case with its thread, as JSON"
    )
    show.add_argument("case_id", type=int)
    rep = add(cases, "reply", "cases:cmd_cases_reply", "reply to a case as its seller")
    rep.add_argument("case_id", type=int)
    rep.add_argument("--seller", required=True)
    rep.add_argument("text", nargs="+")
    rep.add_argument("--at", help=at_help("reply time"))
    sw = add(
        cases,
        "sweep",
        "cases:cmd_cases_sweep",
        "escalate cases whose seller missed the 24-hour deadline",
    )
    sw.add_argument("--at", help=at_help("sweep as of this time"))

    scheduler = add(
        sub,
        "scheduler",
        "scheduler:cmd_scheduler",
        "run the case sweep every --interval seconds until stopped (SIGTERM, Ctrl-C);"
        " one scheduler of several acts at a time",
    )
    scheduler.add_argument(
        "--interval",
        type=float,
        default=15.0,
        help="seconds from one pass to the next (default 15)",
    )
    scheduler.add_argument(
        "--once", action="store_true", help="run one pass and exit (1 if it failed)"
    )

    mail = sub.add_parser("mail", help="the email channel").add_subparsers(
        dest="mail_command", required=True, parser_class=Parser
    )
    poll = add(
        mail,
        "poll",
        "mail:cmd_mail_poll",
        "answer the buyers' mails in the support mailbox (IMAP_URL) every"
        " --interval seconds until stopped (SIGTERM, Ctrl-C)",
    )
    poll.add_argument(
        "--interval",
        type=float,
        default=None,
        help="seconds from one poll to the next (default: CSBA_MAIL_POLL_SECONDS or 30)",
    )
    poll.add_argument(
        "--once", action="store_true", help="poll once and exit (1 if it failed)"
    )

    accounts = sub.add_parser("users", help="web app accounts").add_subparsers(
        dest="users_command", required=True, parser_class=Parser
    )
    users_add = add(
        accounts,
        "add",
        "users:cmd_users_add",
        "create a web app account (password from stdin, a prompt, or generated)",
    )
    users_add.add_argument("--role", required=True, help="agent or seller")
    users_add.add_argument("--username", required=True)
    users_add.add_argument("--seller", help="the seller id of a seller account")
    users_add.add_argument("--language", help="portal language: en or zh")
    users_add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )

    reviews = sub.add_parser(
        "review", help="the agent review console's data"
    ).add_subparsers(dest="review_command", required=True, parser_class=Parser)
    export_nlu = add(
        reviews,
        "export-nlu",
        "review:cmd_review_export_nlu",
        "write the agents' intent corrections as Rasa NLU YAML (for the next training)",
    )
    export_nlu.add_argument("--out", help="file to write (default: standard output)")
    add(
        reviews,
        "sync",
        "review:cmd_review_sync",
        "fold new tracker store events (TRACKER_STORE_URL) into the console's summaries",
    )
    return parser
