"""Tables of NLU scores, shared by the `nlu` and `compare` reports: the headline
figures, per intent, the worst confusions and how to read them."""

from __future__ import annotations

from bot.adapters.catalogue import t
from tools.evaluation.metrics import BUSINESS_INTENTS, FALLBACK, NluScores
from tools.evaluation.report.tables import fmt, fmt_rate


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
