"""Tables (plain text and Markdown), charts (PNG) and the `csba eval nlu` report.

Every sentence and heading comes from the message catalogue
(`bot/catalogue/<lang>/eval.yml`); this module only lays out cells and numbers.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.evaluation.metrics import (
    BUSINESS_INTENTS,
    FALLBACK,
    Calibration,
    NluScores,
    Rate,
    calibration,
)
from bot.i18n import t

REPORTS_DIR = PROJECT_ROOT / "reports"


# ---------------------------------------------------------------- cells


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


# ---------------------------------------------------------------- tables


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


# ---------------------------------------------------------------- charts


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


def calibration_rows(cal: Calibration) -> list[list[str]]:
    return [
        [
            f"{b.lower:.1f}-{b.upper:.1f}",
            str(b.count),
            fmt(b.mean_confidence) if b.mean_confidence is not None else "",
            fmt(b.accuracy) if b.accuracy is not None else "",
        ]
        for b in cal.bins
    ]


def evaluation_calibration(evaluation) -> Calibration:  # noqa: ANN001
    """Calibration of an NluEvaluation: right = predicted the gold intent."""
    return calibration(
        [
            p.intent == e.intent
            for e, p in zip(evaluation.examples, evaluation.predictions, strict=True)
        ],
        [p.confidence for p in evaluation.predictions],
    )


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


# ---------------------------------------------------------------- NLU scores


def headline_rows(scores: NluScores, lang: str) -> list[list[str]]:
    return [
        [t("eval.metric.examples", lang), str(scores.n)],
        [t("eval.metric.accuracy", lang), fmt(scores.accuracy)],
        [t("eval.metric.macro_f1", lang), fmt(scores.macro_f1)],
        [t("eval.metric.in_scope", lang), fmt_rate(scores.in_scope, lang)],
        [t("eval.metric.false_triage", lang), fmt_rate(scores.false_triage, lang)],
        [t("eval.metric.fallback_catch", lang), fmt_rate(scores.fallback_catch, lang)],
        [t("eval.metric.fallbacks", lang), str(scores.fallbacks)],
    ]


def per_intent_rows(scores: NluScores, lang: str) -> list[list[str]]:
    unknown = t("eval.nlu.unknown_marker", lang)
    return [
        [
            s.intent + ("" if s.known else f" {unknown}"),
            str(s.support),
            str(s.predicted),
            fmt(s.precision),
            fmt(s.recall),
            fmt(s.f1),
        ]
        for s in scores.per_intent
    ]


def per_intent_headers(lang: str) -> list[str]:
    return [
        t(f"eval.table.{key}", lang)
        for key in ("intent", "support", "predicted", "precision", "recall", "f1")
    ]


def confusion_rows(scores: NluScores, examples: int = 1) -> list[list[str]]:
    return [
        [
            f"{c.gold} → {c.predicted}",
            str(c.count),
            " / ".join(f"“{text[:70]}”" for text in c.examples[:examples]),
        ]
        for c in scores.confusions
    ]


def confusion_headers(lang: str) -> list[str]:
    return [t(f"eval.table.{key}", lang) for key in ("confusion", "count", "examples")]


def unknown_labels_line(scores: NluScores, lang: str) -> str | None:
    if not scores.unknown_labels:
        return None
    labels = ", ".join(f"{label} ({n})" for label, n in scores.unknown_labels.items())
    return t("eval.nlu.unknown_labels", lang, labels=labels)


def conventions(lang: str) -> str:
    return t(
        "eval.report.conventions",
        lang,
        fallback=FALLBACK,
        business=", ".join(BUSINESS_INTENTS),
    )


# ---------------------------------------------------------------- csba eval nlu


def nlu_summary(evaluation, lang: str) -> str:  # noqa: ANN001 - NluEvaluation
    """The printed summary: headline figures, per intent, worst confusions."""
    scores = evaluation.scores
    parts = [
        t(
            "eval.nlu.heading",
            lang,
            file=display_path(evaluation.source),
            model=display_path(evaluation.model),
            n=scores.n,
        ),
        text_table(
            [t("eval.table.metric", lang), t("eval.table.value", lang)],
            headline_rows(scores, lang),
        ),  # fmt: skip
    ]
    unknown = unknown_labels_line(scores, lang)
    if unknown:
        parts.append(unknown)
    parts += [
        "",
        t("eval.nlu.per_intent", lang),
        text_table(per_intent_headers(lang), per_intent_rows(scores, lang)),
        "",
        t("eval.nlu.confusions", lang),
        text_table(confusion_headers(lang), confusion_rows(scores)[:8])
        if scores.confusions
        else t("eval.nlu.no_confusions", lang),
    ]
    return "\n".join(parts)


def write_nlu_report(evaluation, report_dir: Path, lang: str) -> dict[str, Path]:  # noqa: ANN001
    """`nlu-<file stem>.md`, `.png` (confusion matrix) and `.json` (every example)."""
    scores = evaluation.scores
    report_dir.mkdir(parents=True, exist_ok=True)
    base = f"nlu-{evaluation.source.stem}"
    png = confusion_png(
        scores,
        report_dir / f"{base}-confusion.png",
        t("eval.chart.confusion_title", lang, file=evaluation.source.name,
          model=evaluation.model.name),
        lang,
    )  # fmt: skip
    cal = evaluation_calibration(evaluation)
    reliability = reliability_png(
        cal,
        report_dir / f"{base}-reliability.png",
        t("eval.chart.reliability_title", lang, file=evaluation.source.name,
          model=evaluation.model.name, ece=fmt(cal.ece)),
        lang,
    )  # fmt: skip
    markdown = report_dir / f"{base}.md"
    lines = [
        f"# {t('eval.report.nlu_title', lang, file=display_path(evaluation.source))}",
        "",
        t(
            "eval.report.nlu_intro",
            lang,
            model=display_path(evaluation.model),
            n=scores.n,
            at=now_utc(),
        ),
        "",
        conventions(lang),
        "",
        markdown_table(
            [t("eval.table.metric", lang), t("eval.table.value", lang)],
            headline_rows(scores, lang),
        ),
        "",
    ]
    unknown = unknown_labels_line(scores, lang)
    if unknown:
        lines += [f"**{unknown}**", ""]
    lines += [
        f"## {t('eval.nlu.per_intent', lang)}",
        "",
        markdown_table(per_intent_headers(lang), per_intent_rows(scores, lang)),
        "",
        f"## {t('eval.nlu.confusions', lang)}",
        "",
        markdown_table(confusion_headers(lang), confusion_rows(scores, examples=3))
        if scores.confusions
        else t("eval.nlu.no_confusions", lang),
        "",
        f"## {t('eval.report.confusion_matrix', lang)}",
        "",
        f"![{t('eval.report.confusion_matrix', lang)}]({png.name})",
        "",
        f"## {t('eval.report.calibration', lang)}",
        "",
        t("eval.report.calibration_intro", lang, ece=fmt(cal.ece), n=cal.n),
        "",
        markdown_table(
            [
                t(f"eval.report.{key}", lang)
                for key in ("bin", "bin_count", "bin_confidence", "bin_accuracy")
            ],
            calibration_rows(cal),
        ),  # fmt: skip
        "",
        f"![{t('eval.report.calibration', lang)}]({reliability.name})",
        "",
    ]
    markdown.write_text("\n".join(lines), encoding="utf-8")
    details = report_dir / f"{base}.json"
    details.write_text(
        json.dumps(
            {
                "file": display_path(evaluation.source),
                "model": display_path(evaluation.model),
                "n": scores.n,
                "accuracy": scores.accuracy,
                "macro_f1": scores.macro_f1,
                "in_scope_accuracy": scores.in_scope.value,
                "false_triage_rate": scores.false_triage.value,
                "fallback_catch_rate": scores.fallback_catch.value,
                "expected_calibration_error": cal.ece,
                "calibration_bins": [
                    {
                        "lower": b.lower,
                        "upper": b.upper,
                        "count": b.count,
                        "mean_confidence": b.mean_confidence,
                        "accuracy": b.accuracy,
                    }
                    for b in cal.bins
                ],
                "unknown_labels": scores.unknown_labels,
                "per_intent": {
                    s.intent: {
                        "support": s.support,
                        "precision": s.precision,
                        "recall": s.recall,
                        "f1": s.f1,
                    }
                    for s in scores.per_intent
                },
                "examples": [
                    {
                        "line": example.line,
                        "text": example.text,
                        "gold": example.intent,
                        "predicted": prediction.intent,
                        "confidence": round(prediction.confidence, 4),
                    }
                    for example, prediction in zip(
                        evaluation.examples, evaluation.predictions, strict=True
                    )
                ],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return {
        "markdown": markdown,
        "png": png,
        "reliability": reliability,
        "json": details,
    }


# ---------------------------------------------------------------- csba eval compare


def _system_name(system: str, lang: str) -> str:
    return t(f"eval.system.{system}", lang)


def _mean_sd(values: Sequence[float]) -> str:
    from bot.evaluation.metrics import mean_and_sd

    mean, sd = mean_and_sd(values)
    return f"{mean:.3f} ± {sd:.3f}"


def comparison_tables(
    comparison, lang: str
) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:  # noqa: ANN001
    """(cross-validation headers, rows, held-out headers, rows)."""
    cv_headers = [t(f"eval.table.{key}", lang) for key in (
        "system", "cv_accuracy", "cv_macro_f1", "false_triage", "fallback_catch",
        "train_seconds")]  # fmt: skip
    cv_rows = []
    held_headers = [t(f"eval.table.{key}", lang) for key in (
        "system", "accuracy", "macro_f1", "false_triage", "fallback_catch")]  # fmt: skip
    held_rows = []
    for system, result in comparison.systems.items():
        name = _system_name(system, lang)
        cv_rows.append([
            name,
            _mean_sd([s.accuracy for s in result.fold_scores]),
            _mean_sd([s.macro_f1 for s in result.fold_scores]),
            fmt_rate(result.pooled.false_triage, lang),
            fmt_rate(result.pooled.fallback_catch, lang),
            f"{sum(result.fold_seconds) / len(result.fold_seconds):.1f}",
        ])  # fmt: skip
        held = result.heldout
        held_rows.append([
            name, fmt(held.accuracy), fmt(held.macro_f1),
            fmt_rate(held.false_triage, lang), fmt_rate(held.fallback_catch, lang),
        ])  # fmt: skip
    return cv_headers, cv_rows, held_headers, held_rows


def training_line(comparison, lang: str) -> str:  # noqa: ANN001
    from bot.evaluation.compare import TRAINING_TARGET_SECONDS

    seconds = comparison.training_seconds
    if seconds is None:
        return t("eval.compare.training_skipped", lang)
    verdict = t(
        "eval.common.pass"
        if seconds <= TRAINING_TARGET_SECONDS
        else "eval.common.miss",
        lang,
    )
    return t(
        "eval.compare.training",
        lang,
        seconds=f"{seconds:.0f}",
        minutes=f"{int(seconds // 60)}m{int(seconds % 60):02d}s",
        target=f"{TRAINING_TARGET_SECONDS:.0f}",
        verdict=verdict,
    )


def comparison_settings(comparison, lang: str) -> str:  # noqa: ANN001
    line = t(
        "eval.compare.settings",
        lang,
        folds=comparison.folds,
        seed=comparison.seed,
        n=comparison.n_examples,
        heldout=display_path(comparison.heldout_file),
        model=display_path(comparison.bot_model),
    )
    if comparison.per_intent is not None or comparison.max_epochs is not None:
        line += " " + t(
            "eval.compare.development_run",
            lang,
            per_intent=comparison.per_intent or "-",
            max_epochs=comparison.max_epochs or "-",
        )
    return line


def comparison_summary(comparison, lang: str) -> str:  # noqa: ANN001
    cv_h, cv_r, held_h, held_r = comparison_tables(comparison, lang)
    return "\n".join([
        comparison_settings(comparison, lang),
        "",
        t("eval.compare.cv_heading", lang, folds=comparison.folds),
        text_table(cv_h, cv_r),
        "",
        t("eval.compare.heldout_heading", lang),
        text_table(held_h, held_r),
        "",
        training_line(comparison, lang),
    ])  # fmt: skip


def write_comparison_report(comparison, report_dir: Path, lang: str) -> dict[str, Path]:  # noqa: ANN001
    """`eval.md`, `eval.json` and two confusion PNGs per system (held-out, CV)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    cv_h, cv_r, held_h, held_r = comparison_tables(comparison, lang)
    images = []
    for system, result in comparison.systems.items():
        name = _system_name(system, lang)
        for kind, scores in (("heldout", result.heldout), ("cv", result.pooled)):
            png = confusion_png(
                scores,
                report_dir / f"eval-{system}-{kind}.png",
                t(f"eval.chart.confusion_{kind}", lang, system=name),
                lang,
            )
            images.append((t(f"eval.chart.confusion_{kind}", lang, system=name), png))
    pipeline = ", ".join(
        c["name"] for c in comparison.rasa_default_config.get("pipeline") or []
    )
    lines = [
        f"# {t('eval.report.compare_title', lang)}",
        "",
        t(
            "eval.report.written_at",
            lang,
            at=now_utc(),
            minutes=f"{comparison.seconds / 60:.1f}",
        ),  # fmt: skip
        "",
        comparison_settings(comparison, lang),
        "",
        t("eval.report.systems", lang, pipeline=pipeline),
        "",
        conventions(lang),
        "",
        f"## {t('eval.compare.cv_heading', lang, folds=comparison.folds)}",
        "",
        markdown_table(cv_h, cv_r),
        "",
        f"## {t('eval.compare.heldout_heading', lang)}",
        "",
        markdown_table(held_h, held_r),
        "",
        f"## {t('eval.report.training_heading', lang)}",
        "",
        training_line(comparison, lang),
        "",
    ]
    for system, result in comparison.systems.items():
        lines += [
            f"## {t('eval.report.system_heading', lang, system=_system_name(system, lang))}",
            "",
            f"### {t('eval.nlu.confusions', lang)} ({t('eval.compare.heldout_heading', lang)})",
            "",
            markdown_table(confusion_headers(lang), confusion_rows(result.heldout, 2))
            if result.heldout.confusions
            else t("eval.nlu.no_confusions", lang),
            "",
            f"### {t('eval.nlu.per_intent', lang)} ({t('eval.compare.heldout_heading', lang)})",
            "",
            markdown_table(per_intent_headers(lang), per_intent_rows(result.heldout, lang)),
            "",
        ]  # fmt: skip
    lines += [f"## {t('eval.report.confusion_matrix', lang)}", ""]
    lines += [f"![{title}]({png.name})\n" for title, png in images]
    markdown = report_dir / "eval.md"
    markdown.write_text("\n".join(lines), encoding="utf-8")
    figures = report_dir / "eval.json"
    figures.write_text(
        json.dumps(
            {
                "folds": comparison.folds,
                "seed": comparison.seed,
                "examples": comparison.n_examples,
                "per_intent": comparison.per_intent,
                "max_epochs": comparison.max_epochs,
                "training_seconds": comparison.training_seconds,
                "systems": {
                    system: {
                        "cv_accuracy": [s.accuracy for s in result.fold_scores],
                        "cv_macro_f1": [s.macro_f1 for s in result.fold_scores],
                        "cv_false_triage_rate": result.pooled.false_triage.value,
                        "cv_fallback_catch_rate": result.pooled.fallback_catch.value,
                        "train_seconds_per_fold": result.fold_seconds,
                        "heldout_accuracy": result.heldout.accuracy,
                        "heldout_macro_f1": result.heldout.macro_f1,
                        "heldout_false_triage_rate": result.heldout.false_triage.value,
                        "heldout_fallback_catch_rate": result.heldout.fallback_catch.value,
                    }
                    for system, result in comparison.systems.items()
                },
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return {"markdown": markdown, "json": figures}


# ---------------------------------------------------------------- csba eval bench


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def bench_rows(benchmark, lang: str) -> tuple[list[str], list[list[str]]]:  # noqa: ANN001
    headers = [t(f"eval.table.{key}", lang) for key in (
        "bot", "buyers", "messages", "throughput", "p50", "p95", "p99", "errors",
        "off_script", "rss_rasa", "rss_actions")]  # fmt: skip
    rows = []
    for run in (benchmark.ours, benchmark.bare):
        if run is None:
            continue
        for level in run.levels:
            errors = str(level.error_count)
            if level.errors:
                errors += (
                    " ("
                    + ", ".join(f"{k}: {v}" for k, v in level.errors.most_common())
                    + ")"
                )
            rows.append([
                _system_name(f"bench_{run.name}", lang),
                str(level.concurrency),
                str(level.messages),
                f"{level.throughput:.1f}",
                _ms(level.latency_ms(0.50)),
                _ms(level.latency_ms(0.95)),
                _ms(level.latency_ms(0.99)),
                errors,
                f"{sum(level.off_script.values())}/{level.conversations}",
                _ms(level.peak_rss_mb.get("rasa")),
                _ms(level.peak_rss_mb.get("actions")),
            ])  # fmt: skip
    return headers, rows


def bench_verdicts(benchmark, lang: str) -> list[str]:  # noqa: ANN001
    from bot.evaluation.bench import (
        P95_RATIO_TARGET,
        TARGET_CONCURRENCY,
        ZERO_ERRORS_AT,
        latency_ratios,
        targets,
    )

    lines = []
    for buyers in benchmark.concurrency:
        ratios = latency_ratios(benchmark, buyers)
        if ratios is not None:
            lines.append(t("eval.bench.ratio", lang, buyers=buyers,
                           p50=f"{ratios[0]:.2f}", p95=f"{ratios[1]:.2f}"))  # fmt: skip

    def verdict(value: bool | None) -> str:
        key = {True: "pass", False: "miss", None: "not_measured"}[value]
        return t(f"eval.common.{key}", lang)

    results = targets(benchmark)
    lines.append(t("eval.bench.target_p95", lang, buyers=TARGET_CONCURRENCY,
                   target=P95_RATIO_TARGET, verdict=verdict(results["p95_ratio"])))  # fmt: skip
    lines.append(t("eval.bench.target_errors", lang, buyers=ZERO_ERRORS_AT,
                   verdict=verdict(results["zero_errors"])))  # fmt: skip
    return lines


def bench_notes(benchmark, lang: str) -> list[str]:  # noqa: ANN001
    notes = []
    for run in (benchmark.ours, benchmark.bare):
        if run is None:
            continue
        peaks = ", ".join(f"{name} {mb:.0f} MB" for name, mb in run.peak_rss_mb.items())
        notes.append(t("eval.bench.run_note", lang,
                       bot=_system_name(f"bench_{run.name}", lang),
                       model=display_path(run.model),
                       startup=f"{run.startup_seconds:.0f}", peaks=peaks))  # fmt: skip
        if run.warmup_off_script:
            notes.append(t("eval.bench.warmup_off_script", lang,
                           bot=_system_name(f"bench_{run.name}", lang),
                           scripts=", ".join(run.warmup_off_script)))  # fmt: skip
    return notes


def bench_summary(benchmark, lang: str) -> str:  # noqa: ANN001
    headers, rows = bench_rows(benchmark, lang)
    return "\n".join([
        t("eval.bench.heading", lang, duration=f"{benchmark.duration:.0f}",
          levels=", ".join(str(c) for c in benchmark.concurrency)),
        text_table(headers, rows),
        "",
        *bench_notes(benchmark, lang),
        *bench_verdicts(benchmark, lang),
    ])  # fmt: skip


def write_bench_report(benchmark, report_dir: Path, lang: str) -> dict[str, Path]:  # noqa: ANN001
    """`bench.md`, `bench.json` and `bench-latency.png` (latency vs concurrency)."""
    from bot.evaluation.bench import BARE_SCRIPTS, CSBA_SCRIPTS

    report_dir.mkdir(parents=True, exist_ok=True)
    series = {}
    for run in (benchmark.ours, benchmark.bare):
        if run is None:
            continue
        name = _system_name(f"bench_{run.name}", lang)
        xs = [lv.concurrency for lv in run.levels if lv.latencies]
        for fraction, label in ((0.50, "p50"), (0.95, "p95")):
            ys = [lv.latency_ms(fraction) for lv in run.levels if lv.latencies]
            series[f"{name} {label}"] = (xs, ys, run.name == "bare")
    png = line_chart(
        report_dir / "bench-latency.png",
        title=t("eval.chart.latency_title", lang, duration=f"{benchmark.duration:.0f}"),
        xlabel=t("eval.chart.buyers", lang),
        ylabel=t("eval.chart.latency_ms", lang),
        series=series,
    )
    headers, rows = bench_rows(benchmark, lang)
    scripts = [
        (_system_name(f"bench_{bot}", lang), script)
        for bot, group in (("ours", CSBA_SCRIPTS), ("bare", BARE_SCRIPTS))
        for script in group
    ]
    lines = [
        f"# {t('eval.report.bench_title', lang)}",
        "",
        t(
            "eval.report.written_at",
            lang,
            at=now_utc(),
            minutes=f"{benchmark.seconds / 60:.1f}",
        ),  # fmt: skip
        "",
        t("eval.report.bench_method", lang),
        "",
        markdown_table(headers, rows),
        "",
        *[
            f"- {line}"
            for line in bench_notes(benchmark, lang) + bench_verdicts(benchmark, lang)
        ],
        "",
        f"![{t('eval.chart.latency_title', lang, duration=f'{benchmark.duration:.0f}')}]({png.name})",
        "",
        f"## {t('eval.report.conversations', lang)}",
        "",
        markdown_table(
            [
                t(f"eval.table.{k}", lang)
                for k in ("bot", "conversation", "turns", "expect")
            ],
            [
                [
                    bot,
                    s.name + (f" ({s.buyer})" if s.buyer else ""),
                    " → ".join(s.turns),
                    s.expect or "-",
                ]
                for bot, s in scripts
            ],
        ),  # fmt: skip
        "",
    ]
    markdown = report_dir / "bench.md"
    markdown.write_text("\n".join(lines), encoding="utf-8")
    figures = report_dir / "bench.json"
    figures.write_text(
        json.dumps(
            {
                "duration": benchmark.duration,
                "runs": {
                    run.name: {
                        "startup_seconds": run.startup_seconds,
                        "peak_rss_mb": run.peak_rss_mb,
                        "levels": [
                            {
                                "buyers": lv.concurrency,
                                "messages": lv.messages,
                                "seconds": lv.seconds,
                                "throughput": lv.throughput,
                                "p50_ms": lv.latency_ms(0.50),
                                "p95_ms": lv.latency_ms(0.95),
                                "p99_ms": lv.latency_ms(0.99),
                                "errors": dict(lv.errors),
                                "conversations": lv.conversations,
                                "off_script": dict(lv.off_script),
                                "peak_rss_mb": lv.peak_rss_mb,
                            }
                            for lv in run.levels
                        ],
                    }
                    for run in (benchmark.ours, benchmark.bare)
                    if run is not None
                },
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return {"markdown": markdown, "png": png, "json": figures}
