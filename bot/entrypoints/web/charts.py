"""Small inline SVG charts, rendered on the server in plain Python.

Every label and title is escaped here (they may hold buyer-influenced text such
as an intent name); the result is `markupsafe.Markup`, so a template inserts it
as it is. Each chart has `role="img"` and a `<title>` for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

BAR_COLOUR = "#2f6f9f"
TRACK_COLOUR = "#e6edf2"
TEXT_COLOUR = "#222"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def column_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    height: int = 200,
    label_every: int = 1,
) -> Markup:
    """Vertical bars, one per point (label under every `label_every`-th bar)."""
    top, bottom, left, right = 20, 40, 36, 8
    inner_w = width - left - right
    inner_h = height - top - bottom
    peak = max((value for _, value in points), default=0) or 1
    step = inner_w / max(1, len(points))
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" {FONT}>',
        f"<title>{_e(title)}</title>",
        f'<line x1="{left}" y1="{top + inner_h}" x2="{width - right}" '
        f'y2="{top + inner_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" '
        f'fill="{TEXT_COLOUR}">{_e(_number(peak))}</text>',
    ]
    for index, (label, value) in enumerate(points):
        bar_h = inner_h * (value / peak)
        x = left + index * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{top + inner_h - bar_h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{bar_h:.1f}" fill="{BAR_COLOUR}">'
            f"<title>{_e(label)}: {_e(_number(value))}</title></rect>"
        )
        if index % max(1, label_every) == 0:
            parts.append(
                f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" fill="{TEXT_COLOUR}">{_e(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    maximum: float | None = None,
    value_text: Callable[[float], str] = _number,
) -> Markup:
    """Horizontal bars with their labels on the left and values on the right."""
    row_h, label_w, value_w, pad = 24, 200, 70, 6
    height = max(1, len(items)) * row_h + 2 * pad
    track_w = width - label_w - value_w
    peak = maximum if maximum else max((v for _, v in items), default=0) or 1
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" {FONT}>',
        f"<title>{_e(title)}</title>",
    ]
    for index, (label, value) in enumerate(items):
        y = pad + index * row_h
        bar_w = track_w * min(1.0, value / peak)
        parts.extend(
            [
                f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" '
                f'fill="{TEXT_COLOUR}">{_e(label)}</text>',
                f'<rect x="{label_w}" y="{y + 4}" width="{track_w}" height="16" '
                f'fill="{TRACK_COLOUR}"/>',
                f'<rect x="{label_w}" y="{y + 4}" width="{bar_w:.1f}" height="16" '
                f'fill="{BAR_COLOUR}"><title>{_e(label)}: '
                f"{_e(value_text(value))}</title></rect>",
                f'<text x="{label_w + track_w + 8}" y="{y + 16}" '
                f'fill="{TEXT_COLOUR}">{_e(value_text(value))}</text>',
            ]
        )
    parts.append("</svg>")
    return Markup("".join(parts))
