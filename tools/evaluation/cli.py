"""`python -m tools.evaluation`: the command line of the evaluation tools.

    python -m tools.evaluation nlu      score a model on labelled examples
    python -m tools.evaluation compare  ours vs Rasa's default vs TF-IDF + LR
    python -m tools.evaluation bench    the real stack vs a bare Rasa bot

Run it from the repository root with the project's venv (the tools are not part of
the installed `bot` package). Reports go under reports/. A user error prints one
line on stderr and exits 1; it never shows a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from bot import config
from bot.adapters.catalogue import t
from bot.services.errors import CatalogueError

PROG = "python -m tools.evaluation"


def _lang() -> str:
    return config.cli_language()


def msg(key: str, /, **params: Any) -> str:
    return t(key, _lang(), **params)


class UsageError(CatalogueError):
    """A bad option value: one line from the catalogue, exit 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 1
        self.exit(1, f"{self.prog}: {message.splitlines()[0]}\n")


# ---------------------------------------------------------------- helpers


def _report_dir(args: argparse.Namespace) -> Path:
    from tools.evaluation.report.tables import REPORTS_DIR

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
        raise UsageError("eval.error.bad_number", option=option, value=value)
    return number


def _rounds(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise UsageError("eval.error.bad_rounds", value=value)
    return number


# ---------------------------------------------------------------- commands
# The commands import their modules when run: `--help` starts without Rasa.


def cmd_nlu(args: argparse.Namespace) -> int:
    """Score a trained model on a labelled TSV or Rasa NLU YAML file."""
    from tools.evaluation.datasets import normalised, training_texts
    from tools.evaluation.nlu import evaluate_file
    from tools.evaluation.report.nlu import nlu_summary, write_nlu_report
    from tools.evaluation.report.tables import display_path

    evaluation = evaluate_file(args.file, args.model)
    paths = write_nlu_report(evaluation, _report_dir(args), _lang())
    print(nlu_summary(evaluation, _lang()))
    seen = training_texts()
    unseen = [
        (example.intent, prediction.intent)
        for example, prediction in zip(evaluation.examples, evaluation.predictions, strict=True)
        if normalised(example.text) not in seen
    ]
    right = sum(1 for gold, predicted in unseen if gold == predicted)
    print(
        msg(
            "eval.nlu.unseen",
            repeated=len(evaluation.examples) - len(unseen),
            n=len(evaluation.examples),
            accuracy=f"{right / len(unseen):.3f}" if unseen else "-",
            right=right,
            unseen=len(unseen),
        )
    )
    print(
        msg(
            "eval.nlu.written",
            markdown=display_path(paths["markdown"]),
            png=display_path(paths["png"]),
        )
    )
    return 0


def cmd_language(args: argparse.Namespace) -> int:
    """Score the buyer-language detector on the English and Spanish held-out files."""
    from bot.nlp.language import MIN_WORDS
    from tools.evaluation.language import TARGET_ACCURACY, overall_accuracy, score_files
    from tools.evaluation.report.tables import display_path, text_table

    scores = score_files()
    keys = ("file", "language", "long", "right", "undecided", "wrong", "accuracy")
    headers = [msg(f"eval.language.{key}") for key in keys]
    headers += [msg("eval.language.short"), msg("eval.language.flips")]
    headers.append(msg("eval.language.speed"))
    rows = [
        [
            display_path(s.source),
            s.language,
            str(s.long_messages),
            str(s.right),
            str(s.undecided),
            str(s.wrong),
            f"{s.accuracy:.3f}",
            str(s.short_messages),
            str(s.flips),
            f"{s.microseconds_per_message:.0f}",
        ]
        for s in scores
    ]
    accuracy = overall_accuracy(scores)
    flips = sum(s.flips for s in scores)
    passed = accuracy >= TARGET_ACCURACY and flips == 0
    print(msg("eval.language.heading", min_words=MIN_WORDS))
    print(text_table(headers, rows))
    print(
        msg(
            "eval.language.total",
            accuracy=f"{accuracy:.3f}",
            right=sum(s.right for s in scores),
            total=sum(s.long_messages for s in scores),
            target=f"{TARGET_ACCURACY:.2f}",
            verdict=msg("eval.common.pass" if passed else "eval.common.miss"),
            flips=flips,
        )
    )
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Cross-validate ours, Rasa's default and TF-IDF + LR; held-out; training time."""
    from tools.evaluation.compare import run_comparison
    from tools.evaluation.datasets import HELDOUT
    from tools.evaluation.report.compare import (
        comparison_summary,
        write_comparison_report,
    )
    from tools.evaluation.report.tables import display_path

    for option, value in (
        ("--per-intent", args.per_intent),
        ("--max-epochs", args.max_epochs),
    ):
        if value is not None and value < 1:
            raise UsageError("eval.error.bad_number", option=option, value=value)
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


def cmd_bench(args: argparse.Namespace) -> int:
    """Simulated buyers against the real stack, then against a bare Rasa bot."""
    from tools.evaluation.bench import run_benchmark
    from tools.evaluation.report.bench import bench_summary, write_bench_report
    from tools.evaluation.report.tables import display_path

    try:
        levels = [int(part) for part in args.concurrency.split(",")]
    except ValueError:
        levels = []
    if not levels or min(levels) < 1:
        raise UsageError("eval.error.bad_concurrency", value=args.concurrency)
    benchmark = run_benchmark(
        concurrency=levels,
        duration=_positive(args.duration, "--duration"),
        model=args.model,
        bare=not args.no_bare,
        bare_cache=Path(args.bare_cache) if args.bare_cache else None,
        timeout=_positive(args.timeout, "--timeout"),
        rounds=_rounds(args.rounds),
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


def _levels(value: str) -> list[int]:
    try:
        levels = [int(part) for part in value.split(",")]
    except ValueError:
        levels = []
    if not levels or min(levels) < 1:
        raise UsageError("eval.error.bad_concurrency", value=value)
    return levels


def cmd_bench_cluster(args: argparse.Namespace) -> int:
    """The bench conversations against the cluster, per number of replicas."""
    from tools.evaluation.cluster_bench import (
        cluster_table,
        run_cluster_benchmark,
        write_cluster_report,
    )
    from tools.evaluation.report.tables import display_path

    benchmark = run_cluster_benchmark(
        replicas=_levels(args.replicas),
        concurrency=_levels(args.concurrency),
        duration=_positive(args.duration, "--duration"),
        model=args.model,
        database_url=args.database_url,
        redis_url=args.redis_url,
        timeout=_positive(args.timeout, "--timeout"),
        progress=_progress_bar,
    )
    path = write_cluster_report(benchmark, _report_dir(args))
    print(cluster_table(benchmark))
    print(msg("eval.cluster.written", markdown=display_path(path)))
    return 0


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="NLU evaluation and load benchmark (reports under reports/)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(
        subparsers, name: str, handler: Callable[[argparse.Namespace], int], help_: str
    ):
        p = subparsers.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    ev_nlu = add(
        sub,
        "nlu",
        cmd_nlu,
        "score a trained model on labelled examples (TSV intent<TAB>text or NLU YAML)",
    )
    ev_nlu.add_argument("--file", help="default: tests/nlu_heldout.yml")
    ev_nlu.add_argument(
        "--model", help="a trained model (default: the bot's, from `make train`)"
    )
    ev_nlu.add_argument("--report-dir", help="default: reports/")
    add(
        sub,
        "language",
        cmd_language,
        "score the buyer-language detector on the English and Spanish held-out files",
    )
    ev_cmp = add(
        sub,
        "compare",
        cmd_compare,
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
        sub,
        "bench",
        cmd_bench,
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
        "--rounds",
        default="3",
        help="rounds of the 10-buyer level, each bot afresh; the p95 target takes the median",
    )
    ev_bench.add_argument(
        "--bare-cache", help="where the rasa init bot is kept (default: var/bench/)"
    )
    ev_bench.add_argument("--report-dir", help="default: reports/")
    from tools.evaluation.cluster_bench import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL

    ev_cluster = add(
        sub,
        "bench-cluster",
        cmd_bench_cluster,
        "the bench conversations through HAProxy, 1 and 2 Rasa replicas (make bench-cluster)",
    )
    ev_cluster.add_argument("--replicas", default="1,2", help="Rasa replicas per topology")
    ev_cluster.add_argument(
        "--concurrency", default="10,50,200", help="simultaneous buyers per level"
    )
    ev_cluster.add_argument("--duration", default="60", help="seconds per level")
    ev_cluster.add_argument("--timeout", default="60", help="seconds per message")
    ev_cluster.add_argument("--model", help="a trained model (default: the bot's)")
    ev_cluster.add_argument(
        "--database-url", default=DEFAULT_DATABASE_URL,
        help="PostgreSQL; <name> and <name>_tracker are dropped and created",
    )  # fmt: skip
    ev_cluster.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    ev_cluster.add_argument("--report-dir", help="default: reports/")
    return parser


def _render_error(exc: BaseException) -> str | None:
    """The one-line message for an error the user can act on, or None for a bug."""
    key = getattr(exc, "key", None)
    params = getattr(exc, "params", None)
    if isinstance(key, str) and isinstance(params, dict):  # EvalError, StackError
        return msg(key, **params)
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
        print(f"{PROG}: {line}", file=sys.stderr)
        return 1
