"""`csba review`: the agent review console's data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import config
from bot.adapters.db import get_engine, session_scope
from bot.entrypoints.cli.common import (
    display_url,
    engine,
    instant,
    msg,
    require_schema,
)
from bot.services.review import sync_summaries
from bot.services.review_export import corrections_count, corrections_nlu_yaml


def cmd_review_export_nlu(args: argparse.Namespace) -> int:
    require_schema()
    with session_scope(engine()) as session:
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
    require_schema()
    url = config.tracker_store_url()
    with session_scope(engine()) as session:
        events = sync_summaries(session, get_engine(url), now=instant(None))
    print(msg("agent.cli.synced", events=events, url=display_url(url)))
    return 0
