"""`csba`: the operators' and agents' command line.

A thin entry point over bot.services, one module per command group (db, enrollment,
triage, token, cases, scheduler, review, users); `parser.py` holds the arguments and
`common.py` what they share. A user error prints one line on stderr and exits 1; it
never shows a traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from bot.entrypoints.cli.common import DEMO_DATA, DEMO_EXAMPLES, msg, render_error
from bot.entrypoints.cli.parser import build_parser

__all__ = ["DEMO_DATA", "DEMO_EXAMPLES", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (one line, exit 1) and --help (exit 0)
        return int(exc.code or 0)
    try:
        module, _, function = args.handler.partition(":")
        handler = getattr(importlib.import_module(f"bot.entrypoints.cli.{module}"), function)
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - every error becomes one line
        line = render_error(exc)
        if line is None:
            line = msg(
                "cli.error.internal",
                kind=exc.__class__.__name__,
                detail=str(exc).splitlines()[0] if str(exc) else "",
            )
        print(f"csba: {line}", file=sys.stderr)
        return 1
