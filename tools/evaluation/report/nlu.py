"""The report of `python -m tools.evaluation nlu`: the printed summary, and
`nlu-<file>.md`, its confusion matrix and reliability diagram (PNG) and `.json`."""

from __future__ import annotations

import json
from pathlib import Path

from bot.adapters.catalogue import t
from tools.evaluation.metrics import Calibration, calibration
from tools.evaluation.report.charts import confusion_png, reliability_png
from tools.evaluation.report.scores import (
    confusion_headers,
    confusion_rows,
    conventions,
    headline_rows,
    per_intent_headers,
    per_intent_rows,
    unknown_labels_line,
)
from tools.evaluation.report.tables import (
    display_path,
    fmt,
    markdown_table,
    now_utc,
    text_table,
)


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
