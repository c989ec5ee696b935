"""The report of `python -m tools.evaluation compare`: the printed summary, and
`eval.md`, `eval.json` and two confusion matrices (PNG) per system."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from bot.adapters.catalogue import t
from tools.evaluation.compare import TRAINING_TARGET_SECONDS
from tools.evaluation.metrics import mean_and_sd
from tools.evaluation.report.charts import confusion_png
from tools.evaluation.report.scores import (
    confusion_headers,
    confusion_rows,
    conventions,
    per_intent_headers,
    per_intent_rows,
)
from tools.evaluation.report.tables import (
    display_path,
    fmt,
    fmt_rate,
    markdown_table,
    now_utc,
    system_name,
    text_table,
)


def _mean_sd(values: Sequence[float]) -> str:
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
        name = system_name(system, lang)
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
        name = system_name(system, lang)
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
            f"## {t('eval.report.system_heading', lang, system=system_name(system, lang))}",
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
