"""`csba`: the operators' and agents' command line.

A thin entry point over bot.services. A user error prints one line on stderr
and exits 1; it never shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from bot import clock, config
from bot.i18n import t

DEMO_DIR = config.PROJECT_ROOT / "data" / "demo"
DEMO_DATA = DEMO_DIR / "demo.json"
DEMO_EXAMPLES = DEMO_DIR / "examples.json"


def _lang() -> str:
    return os.environ.get("CSBA_LANG", "en")


def msg(key: str, /, **params: Any) -> str:
    return t(key, _lang(), **params)


class CliError(Exception):
    """A user error: rendered as one line from the catalogue, exit 1."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 1
        self.exit(1, f"{self.prog}: {message.splitlines()[0]}\n")


# ---------------------------------------------------------------- helpers


def _instant(text: str | None) -> datetime:
    if text is None:
        try:
            return clock.now()
        except clock.ClockError:
            raise CliError(
                "cli.error.bad_time", value=os.environ.get("CSBA_NOW", "")
            ) from None
    try:
        return clock.parse_instant(text)
    except clock.ClockError:
        raise CliError("cli.error.bad_time", value=text) from None


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _engine():
    from bot.db import get_engine

    return get_engine()


def _require_schema() -> None:
    """Refuse to work on a database that `csba db upgrade` has not brought up to date."""
    from alembic.script import ScriptDirectory

    from bot.services import schema

    head = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
    current = schema.current_revision()
    if current != head:
        raise CliError(
            "cli.error.schema_outdated",
            url=_display_url(config.database_url()),
            current=current or msg("common.none"),
            head=head,
        )


def _print_json(payload: Any) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def _local(instant: datetime | None) -> str:
    if instant is None:
        return "-"
    return instant.astimezone(config.MARKETPLACE_TZ).strftime("%Y-%m-%d %H:%M %Z")


# ---------------------------------------------------------------- db


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.services import schema

    schema.upgrade()
    print(
        msg(
            "cli.db.upgraded",
            url=_display_url(config.database_url()),
            revision=schema.current_revision(),
        )
    )
    return 0


def _load(path: Path) -> int:
    from bot.services.importer import load_file

    _require_schema()
    summary = load_file(path, _engine())
    print(msg("cli.db.loaded", file=str(path), summary=summary.describe(_lang())))
    return 0


def cmd_db_load(args: argparse.Namespace) -> int:
    return _load(Path(args.file))


def cmd_db_seed(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.services.users import seed_demo_accounts

    code = _load(DEMO_DATA)
    with session_scope(_engine()) as session:
        accounts = seed_demo_accounts(session, now=_instant(None))
    for account in accounts:
        user = account.user
        key = (
            "web.users.demo_seller_account"
            if user.seller_id
            else "web.users.demo_account"
        )
        print(
            msg(
                key,
                role=user.role,
                seller_id=user.seller_id or "",
                username=user.username,
                password=account.password,
            )
        )
    return code


# ---------------------------------------------------------------- enrollment


def cmd_enroll(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.services.enrollment import enroll

    _require_schema()
    at = _instant(args.at)
    with session_scope(_engine()) as session:
        period = enroll(session, args.seller, at)
    print(
        msg(
            "cli.enroll.done",
            seller=args.seller,
            opted_in_at=_local(period.opted_in_at),
            coverage_start=_local(period.coverage_start),
        )
    )
    return 0


def cmd_opt_out(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.services.enrollment import opt_out

    _require_schema()
    at = _instant(args.at)
    with session_scope(_engine()) as session:
        opt_out(session, args.seller, at)
    print(msg("cli.opt_out.done", seller=args.seller, at=_local(at)))
    return 0


# ---------------------------------------------------------------- triage


def _triage_payload(result) -> dict[str, Any]:  # noqa: ANN001
    decision = result.decision
    return {
        "route": decision.route.value,
        "reason_code": decision.reason_code,
        "reason": decision.reason,
        "order_id": decision.order_id,
        "covered": decision.covered,
        "intent": decision.intent,
        "facts": dict(decision.facts),
    }


def cmd_triage(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.services.triage import triage

    _require_schema()
    at = _instant(args.at)
    with session_scope(_engine()) as session:
        result = triage(
            session,
            intent=args.intent,
            order_id=args.order,
            now=at,
            buyer_id=args.buyer,
            question=args.text,
        )
        session.rollback()  # triage only reads
    _print_json(_triage_payload(result))
    return 0


def cmd_examples(args: argparse.Namespace) -> int:
    """Triage every demo example and print one line each (the `make run` demo)."""
    from bot.db import session_scope
    from bot.services.triage import triage

    _require_schema()
    spec = json.loads(DEMO_EXAMPLES.read_text(encoding="utf-8"))
    default_at = clock.parse_instant(spec["at"])
    rows = []
    with session_scope(_engine()) as session:
        for example in spec["examples"]:
            at = clock.parse_instant(example["at"]) if example.get("at") else default_at
            result = triage(
                session,
                intent=example["intent"],
                order_id=example.get("order"),
                now=at,
                buyer_id=example.get("buyer"),
                question=example.get("text"),
            )
            rows.append((example, result.decision))
        session.rollback()
    print(msg("cli.examples.heading", at=_local(default_at)))
    for example, decision in rows:
        print(
            msg(
                "cli.examples.row",
                intent=example["intent"],
                order=example.get("order") or "-",
                route=decision.route.value,
                reason_code=decision.reason_code,
            )
        )
        print(msg("cli.examples.reason", reason=decision.reason))
    return 0


# ---------------------------------------------------------------- identity


def cmd_token(args: argparse.Namespace) -> int:
    """Print a signed chat token for a buyer (demo sign-in, tests, curl)."""
    from datetime import timedelta

    from bot.adapters.repository import SqlRepository
    from bot.db import session_scope
    from bot.services.identity import issue_buyer_token

    _require_schema()
    if args.ttl < 1:
        raise CliError("cli.error.bad_ttl", value=args.ttl)
    with session_scope(_engine()) as session:
        if SqlRepository(session).get_buyer(args.buyer) is None:
            raise CliError("cli.error.unknown_buyer", buyer=args.buyer)
    print(
        issue_buyer_token(
            args.buyer, ttl=timedelta(minutes=args.ttl), conversation=args.conversation
        )
    )
    return 0


# ---------------------------------------------------------------- cases


def _case_dict(case) -> dict[str, Any]:  # noqa: ANN001
    from bot.domain.sla import sla_state

    now = clock.now()
    return {
        "id": case.id,
        "kind": getattr(case.kind, "value", case.kind),
        "status": getattr(case.status, "value", case.status),
        "sla": sla_state(case.status, case.seller_due_at, now, case.replied_at).value,
        "order_id": case.order_id,
        "seller_id": case.seller_id,
        "buyer_id": case.buyer_id,
        "conversation_id": case.conversation_id,
        "category": case.category,
        "reason_code": case.reason_code,
        "question": case.question,
        "created_at": case.created_at.isoformat(),
        "seller_due_at": case.seller_due_at.isoformat() if case.seller_due_at else None,
        "buyer_due_at": case.buyer_due_at.isoformat(),
        "messages": [
            {
                "author": getattr(m.author, "value", m.author),
                "author_id": m.author_id,
                "text": m.text,
                "created_at": m.created_at.isoformat(),
            }
            for m in case.messages
        ],
    }


def cmd_cases_list(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.services.cases import list_cases

    _require_schema()
    with session_scope(_engine()) as session:
        kind = (
            "seller" if args.seller else None
        )  # a seller's case log holds no agent cases
        cases = list_cases(
            session,
            seller_id=args.seller,
            status=args.status,
            kind=kind,
            limit=args.limit,
        )
    payload = [_case_dict(c) for c in cases]
    if args.json:
        _print_json(payload)
        return 0
    if not payload:
        print(msg("cli.cases.none"))
        return 0
    print(msg("cli.cases.header"))
    for case, row in zip(cases, payload, strict=True):
        print(
            msg(
                "cli.cases.row",
                id=row["id"],
                status=row["status"],
                sla=row["sla"],
                seller=row["seller_id"] or "-",
                order=row["order_id"] or "-",
                category=row["category"],
                due=_local(case.seller_due_at),
            )
        )
    return 0


def cmd_cases_show(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.services.cases import get_case

    _require_schema()
    with session_scope(_engine()) as session:
        case = get_case(session, args.case_id)
    _print_json(_case_dict(case))
    return 0


def cmd_cases_reply(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.services.cases import reply

    _require_schema()
    text = " ".join(args.text).strip()
    with session_scope(_engine()) as session:
        case = reply(
            session,
            case_id=args.case_id,
            seller_id=args.seller,
            text=text,
            now=_instant(args.at),
        )
    print(
        msg(
            "cli.cases.replied",
            id=case.id,
            status=getattr(case.status, "value", case.status),
        )
    )
    return 0


def cmd_cases_sweep(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.services.cases import sweep
    from bot.services.notifications import EmailNotifier

    _require_schema()
    at = _instant(args.at)
    with session_scope(_engine()) as session:
        escalated = sweep(session, now=at, notifier=EmailNotifier())
    ids = ", ".join(str(c.id) for c in escalated) or msg("common.none")
    print(msg("cli.cases.swept", count=len(escalated), ids=ids, at=_local(at)))
    return 0


# ---------------------------------------------------------------- review


def cmd_review_export_nlu(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.services.review_export import corrections_count, corrections_nlu_yaml

    _require_schema()
    with session_scope(_engine()) as session:
        text = corrections_nlu_yaml(session)
        count = corrections_count(session)
    if args.out in (None, "-"):
        sys.stdout.write(text)
        return 0
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(msg("agent.cli.exported", count=count, file=str(path)))
    return 0


def cmd_review_sync(args: argparse.Namespace) -> int:
    from bot.db import get_engine, session_scope
    from bot.services.review import sync_summaries
    from bot.web.settings import default_tracker_store_url

    _require_schema()
    url = default_tracker_store_url()
    with session_scope(_engine()) as session:
        events = sync_summaries(session, get_engine(url), now=_instant(None))
    print(msg("agent.cli.synced", events=events, url=_display_url(url)))
    return 0


# ---------------------------------------------------------------- eval


def _report_dir(args: argparse.Namespace) -> Path:
    from bot.evaluation.report import REPORTS_DIR

    return Path(args.report_dir) if args.report_dir else REPORTS_DIR


def _progress_bar(total: int):  # noqa: ANN202 - a tqdm bar on stderr
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, dynamic_ncols=True)


def _positive(value: str, option: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise CliError("eval.error.bad_number", option=option, value=value)
    return number


def cmd_eval_nlu(args: argparse.Namespace) -> int:
    """Score a trained model on a labelled TSV or Rasa NLU YAML file."""
    from bot.evaluation.nlu import evaluate_file
    from bot.evaluation.report import display_path, nlu_summary, write_nlu_report

    evaluation = evaluate_file(args.file, args.model)
    paths = write_nlu_report(evaluation, _report_dir(args), _lang())
    print(nlu_summary(evaluation, _lang()))
    print(
        msg(
            "eval.nlu.written",
            markdown=display_path(paths["markdown"]),
            png=display_path(paths["png"]),
        )
    )
    return 0


def cmd_eval_compare(args: argparse.Namespace) -> int:
    """Cross-validate ours, Rasa's default and TF-IDF + LR; held-out; training time."""
    from bot.evaluation.compare import run_comparison
    from bot.evaluation.datasets import HELDOUT
    from bot.evaluation.report import (
        comparison_summary,
        display_path,
        write_comparison_report,
    )

    for option, value in (
        ("--per-intent", args.per_intent),
        ("--max-epochs", args.max_epochs),
    ):
        if value is not None and value < 1:
            raise CliError("eval.error.bad_number", option=option, value=value)
    comparison = run_comparison(
        folds=args.folds,
        seed=args.seed,
        per_intent=args.per_intent,
        max_epochs=args.max_epochs,
        heldout=Path(args.heldout) if args.heldout else HELDOUT,
        model=args.model,
        time_training=not args.no_train_time,
        progress=_progress_bar,
    )
    paths = write_comparison_report(comparison, _report_dir(args), _lang())
    print(comparison_summary(comparison, _lang()))
    print(msg("eval.compare.written", markdown=display_path(paths["markdown"])))
    return 0


def cmd_eval_bench(args: argparse.Namespace) -> int:
    """Simulated buyers against the real stack, then against a bare Rasa bot."""
    from bot.evaluation.bench import run_benchmark
    from bot.evaluation.report import bench_summary, display_path, write_bench_report

    try:
        levels = [int(part) for part in args.concurrency.split(",")]
    except ValueError:
        levels = []
    if not levels or min(levels) < 1:
        raise CliError("eval.error.bad_concurrency", value=args.concurrency)
    benchmark = run_benchmark(
        concurrency=levels,
        duration=_positive(args.duration, "--duration"),
        model=args.model,
        bare=not args.no_bare,
        bare_cache=Path(args.bare_cache) if args.bare_cache else None,
        timeout=_positive(args.timeout, "--timeout"),
        progress=_progress_bar,
    )
    paths = write_bench_report(benchmark, _report_dir(args), _lang())
    print(bench_summary(benchmark, _lang()))
    print(
        msg(
            "eval.bench.written",
            markdown=display_path(paths["markdown"]),
            png=display_path(paths["png"]),
        )
    )
    return 0


# ---------------------------------------------------------------- parser


# ---------------------------------------------------------------- web accounts


def _new_password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated): from stdin with --password-stdin, else prompted on
    a terminal (an empty answer generates one), else generated."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(
            msg("web.users.prompt_password", username=args.username)
        )
        if first:
            if getpass.getpass(msg("web.users.prompt_again")) != first:
                raise CliError("web.users.mismatch")
            return first, False
    from bot.services.users import generate_password

    return generate_password(), True


def cmd_users_add(args: argparse.Namespace) -> int:
    from bot.db import session_scope
    from bot.services.users import add_user

    _require_schema()
    password, generated = _new_password(args)
    with session_scope(_engine()) as session:
        user = add_user(
            session,
            username=args.username,
            password=password,
            role=args.role,
            seller_id=args.seller,
            language=args.language,
            now=_instant(None),
        )
    print(msg("web.users.added", role=user.role, username=user.username))
    if generated:
        print(msg("web.users.password_once", password=password))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="csba", description="CSBA triage bot: data, policy and case log."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(
        subparsers, name: str, handler: Callable[[argparse.Namespace], int], help_: str
    ):
        p = subparsers.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    db = sub.add_parser("db", help="database schema and data").add_subparsers(
        dest="db_command", required=True, parser_class=_Parser
    )
    add(db, "upgrade", cmd_db_upgrade, "apply Alembic migrations up to head")
    add(db, "seed", cmd_db_seed, "load the demo data set from data/demo/")
    load = add(
        db,
        "load",
        cmd_db_load,
        "load a JSON document (docs/data-format.md); all or nothing",
    )
    load.add_argument("file")

    enroll = add(
        sub,
        "enroll",
        cmd_enroll,
        "enroll a seller in CSBA (invited, professional, good standing)",
    )
    enroll.add_argument("seller")
    enroll.add_argument("--at", help="opt-in time, ISO 8601 with offset (default: now)")
    opt_out = add(sub, "opt-out", cmd_opt_out, "opt a seller out of CSBA")
    opt_out.add_argument("seller")
    opt_out.add_argument(
        "--at", help="opt-out time, ISO 8601 with offset (default: now)"
    )

    triage = add(
        sub,
        "triage",
        cmd_triage,
        "decide one inquiry and print the decision as JSON (reads only)",
    )
    triage.add_argument("--order", help="order id, e.g. 112-1234567-1234567")
    triage.add_argument("--intent", required=True)
    triage.add_argument("--buyer", help="the verified buyer id (checks ownership)")
    triage.add_argument(
        "--text", help="the buyer's question (the question for product_question)"
    )
    triage.add_argument(
        "--at",
        help="decide as of this time, ISO 8601 with offset (default: CSBA_NOW or now)",
    )

    add(
        sub,
        "examples",
        cmd_examples,
        "triage the demo examples and print one line each",
    )

    token = add(sub, "token", cmd_token, "print a signed chat token (JWT) for a buyer")
    token.add_argument("buyer")
    token.add_argument(
        "--ttl", type=int, default=30, help="minutes until it expires (default 30)"
    )
    token.add_argument(
        "--conversation", help="conversation key (cid) to continue an earlier chat"
    )

    cases = sub.add_parser("cases", help="the seller case log").add_subparsers(
        dest="cases_command", required=True, parser_class=_Parser
    )
    lst = add(
        cases, "list", cmd_cases_list, "list cases, soonest seller deadline first"
    )
    lst.add_argument("--seller")
    lst.add_argument(
        "--status",
        choices=["awaiting_seller", "seller_replied", "escalated", "resolved"],
    )
    lst.add_argument("--limit", type=int, default=100)
    lst.add_argument("--json", action="store_true")
    show = add(cases, "show", cmd_cases_show, "show one case with its thread, as JSON")
    show.add_argument("case_id", type=int)
    rep = add(cases, "reply", cmd_cases_reply, "reply to a case as its seller")
    rep.add_argument("case_id", type=int)
    rep.add_argument("--seller", required=True)
    rep.add_argument("text", nargs="+")
    rep.add_argument("--at", help="reply time, ISO 8601 with offset (default: now)")
    sw = add(
        cases,
        "sweep",
        cmd_cases_sweep,
        "escalate cases whose seller missed the 24-hour deadline",
    )
    sw.add_argument(
        "--at", help="sweep as of this time, ISO 8601 with offset (default: now)"
    )

    accounts = sub.add_parser("users", help="web app accounts").add_subparsers(
        dest="users_command", required=True, parser_class=_Parser
    )
    users_add = add(
        accounts,
        "add",
        cmd_users_add,
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
    ).add_subparsers(dest="review_command", required=True, parser_class=_Parser)
    export_nlu = add(
        reviews,
        "export-nlu",
        cmd_review_export_nlu,
        "write the agents' intent corrections as Rasa NLU YAML (for the next training)",
    )
    export_nlu.add_argument("--out", help="file to write (default: standard output)")
    add(
        reviews,
        "sync",
        cmd_review_sync,
        "fold new tracker store events (TRACKER_STORE_URL) into the console's summaries",
    )

    evaluation = sub.add_parser(
        "eval", help="NLU evaluation and load benchmark (reports under reports/)"
    ).add_subparsers(dest="eval_command", required=True, parser_class=_Parser)
    ev_nlu = add(
        evaluation,
        "nlu",
        cmd_eval_nlu,
        "score a trained model on labelled examples (TSV intent<TAB>text or NLU YAML)",
    )
    ev_nlu.add_argument("--file", help="default: tests/nlu_heldout.yml")
    ev_nlu.add_argument(
        "--model", help="a trained model (default: the bot's, from `make train`)"
    )
    ev_nlu.add_argument("--report-dir", help="default: reports/")
    ev_cmp = add(
        evaluation,
        "compare",
        cmd_eval_compare,
        "k-fold cross-validation: ours vs Rasa's default vs TF-IDF + LR (make eval)",
    )
    ev_cmp.add_argument("--folds", type=int, default=5)
    ev_cmp.add_argument("--seed", type=int, default=42)
    ev_cmp.add_argument("--heldout", help="default: tests/nlu_heldout.yml")
    ev_cmp.add_argument("--model", help="the bot's model for the held-out file")
    ev_cmp.add_argument(
        "--per-intent",
        type=int,
        help="development: at most N training examples per intent",
    )
    ev_cmp.add_argument(
        "--max-epochs", type=int, help="development: cap the epochs of DIET and friends"
    )
    ev_cmp.add_argument(
        "--no-train-time", action="store_true", help="skip timing a full `rasa train`"
    )
    ev_cmp.add_argument("--report-dir", help="default: reports/")
    ev_bench = add(
        evaluation,
        "bench",
        cmd_eval_bench,
        "load benchmark over REST: the real stack vs a bare Rasa bot (make bench)",
    )
    ev_bench.add_argument(
        "--concurrency", default="1,10,50", help="simultaneous buyers per level"
    )
    ev_bench.add_argument("--duration", default="60", help="seconds per level")
    ev_bench.add_argument("--timeout", default="60", help="seconds per message")
    ev_bench.add_argument(
        "--model", help="a trained model (default: the bot's, from `make train`)"
    )
    ev_bench.add_argument("--no-bare", action="store_true", help="skip the bare bot")
    ev_bench.add_argument(
        "--bare-cache", help="where the rasa init bot is kept (default: var/bench/)"
    )
    ev_bench.add_argument("--report-dir", help="default: reports/")
    return parser


def _render_error(exc: BaseException) -> str | None:
    """The one-line message for an error the user can act on, or None for a bug."""
    from sqlalchemy.exc import OperationalError

    from bot.services.importer import ImportValidationError

    if isinstance(exc, ImportValidationError):
        return exc.line(_lang())
    key = getattr(exc, "key", None)
    params = getattr(exc, "params", None)
    if isinstance(exc, CliError) or (isinstance(key, str) and isinstance(params, dict)):
        return msg(key, **params)
    if isinstance(exc, OperationalError):
        return msg(
            "cli.error.database",
            url=_display_url(config.database_url()),
            detail=str(exc.orig).strip().splitlines()[0] if exc.orig else "",
        )
    if isinstance(exc, FileNotFoundError):
        return msg("cli.error.file_not_found", file=exc.filename or str(exc))
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (one line, exit 1) and --help (exit 0)
        return int(exc.code or 0)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - every error becomes one line
        line = _render_error(exc)
        if line is None:
            line = msg(
                "cli.error.internal",
                kind=exc.__class__.__name__,
                detail=str(exc).splitlines()[0] if str(exc) else "",
            )
        print(f"csba: {line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
