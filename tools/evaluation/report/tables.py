"""Cells and tables of the evaluation reports: numbers and rates as text, paths
relative to the project root, plain-text and Markdown tables.

Every sentence and heading comes from the message catalogue
(`bot/catalogue/<lang>/eval.yml`); these helpers only lay out cells and numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from bot.adapters.catalogue import t
from bot.config import PROJECT_ROOT
from tools.evaluation.metrics import Rate

REPORTS_DIR = PROJECT_ROOT / "reports"


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def fmt_rate(rate: Rate, lang: str) -> str:
    if rate.value is None:
        return t("eval.common.not_applicable", lang)
    return t(
        "eval.common.rate",
        lang,
        value=fmt(rate.value),
        count=rate.count,
        total=rate.total,
    )


def display_path(path: Path) -> str:
    """Relative to the project root when inside it (shorter, and machine-neutral)."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


_NUMERIC = re.compile(r"-?\d")


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; numbers right-aligned, text left."""
    cells = [list(headers), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [
            cell.rjust(width) if i and _NUMERIC.match(cell) else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _md_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = [
        "| " + " | ".join(_md_cell(h) for h in headers) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|",
    ]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def system_name(system: str, lang: str) -> str:
    """The name of a compared system or a benchmarked bot (`eval.system.*`)."""
    return t(f"eval.system.{system}", lang)
