"""The charts of the evaluation reports, as PNG files (matplotlib, Agg backend):
a confusion matrix, a reliability diagram and a line chart."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

from bot.adapters.catalogue import t
from tools.evaluation.metrics import Calibration, NluScores


def _pyplot():
    with warnings.catch_warnings():  # pyparsing deprecations inside matplotlib 3.5
        warnings.simplefilter("ignore")
        import matplotlib

        matplotlib.use("Agg")  # files only, no display
        import matplotlib.pyplot as plt
    return plt


def confusion_png(scores: NluScores, path: Path, title: str, lang: str) -> Path:
    """Rows: gold intent; columns: predicted; colour: share of the row; numbers: counts."""
    plt = _pyplot()
    labels = list(scores.labels)
    size = max(6.0, 0.45 * len(labels) + 3)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    shares = [[count / (sum(row) or 1) for count in row] for row in scores.matrix]
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel(t("eval.chart.predicted", lang))
    ax.set_ylabel(t("eval.chart.gold", lang))
    ax.set_title(title, fontsize=10)
    for i, row in enumerate(scores.matrix):
        for j, count in enumerate(row):
            if count:
                ax.text(
                    j, i, str(count), ha="center", va="center", fontsize=7,
                    color="white" if shares[i][j] > 0.5 else "black",
                )  # fmt: skip
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def reliability_png(cal: Calibration, path: Path, title: str, lang: str) -> Path:
    """Share right against mean confidence per bin, with the diagonal of perfect
    calibration, and the number of predictions per bin below."""
    plt = _pyplot()
    fig, (ax, counts) = plt.subplots(
        2, 1, figsize=(6, 6.5), gridspec_kw={"height_ratios": [3, 1]}, sharex=True
    )
    filled = [b for b in cal.bins if b.count]
    ax.plot([0, 1], [0, 1], "--", color="grey", label=t("eval.chart.perfect", lang))
    ax.plot(
        [b.mean_confidence for b in filled],
        [b.accuracy for b in filled],
        marker="o",
        label=t("eval.chart.share_right", lang),
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel(t("eval.chart.share_right", lang))
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    width = 1 / len(cal.bins)
    counts.bar(
        [b.lower + width / 2 for b in cal.bins],
        [b.count for b in cal.bins],
        width=width * 0.9,
    )
    counts.set_xlabel(t("eval.chart.confidence", lang))
    counts.set_ylabel(t("eval.chart.predictions", lang), fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def line_chart(
    path: Path,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    series: dict[str, tuple[Sequence[float], Sequence[float], bool]],
) -> Path:
    """One line per series name: (x values, y values, dashed); log-scaled x."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, (xs, ys, dashed) in series.items():
        ax.plot(xs, ys, "--" if dashed else "-", marker="o", label=name)
    ax.set_xscale("log")
    ax.minorticks_off()
    all_x = sorted({x for xs, _, _ in series.values() for x in xs})
    ax.set_xticks(all_x)
    ax.set_xticklabels([str(int(x)) for x in all_x])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
