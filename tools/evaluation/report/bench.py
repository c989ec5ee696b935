"""The report of `python -m tools.evaluation bench`: the printed summary, and
`bench.md`, `bench.json` and `bench-latency.png` (latency against buyers)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from bot.adapters.catalogue import t
from tools.evaluation.bench import BARE_SCRIPTS, CSBA_SCRIPTS
from tools.evaluation.bench_targets import (
    P95_RATIO_TARGET,
    TARGET_CONCURRENCY,
    ZERO_ERRORS_AT,
    latency_ratios,
    p95_ratios,
    targets,
)
from tools.evaluation.report.charts import line_chart
from tools.evaluation.report.tables import (
    display_path,
    markdown_table,
    now_utc,
    system_name,
    text_table,
)


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
                system_name(f"bench_{run.name}", lang),
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
    lines = []
    for buyers in benchmark.concurrency:
        ratios = latency_ratios(benchmark, buyers)
        if ratios is not None:
            lines.append(t("eval.bench.ratio", lang, buyers=buyers,
                           p50=f"{ratios[0]:.2f}", p95=f"{ratios[1]:.2f}"))  # fmt: skip

    def verdict(value: bool | None) -> str:
        key = {True: "pass", False: "miss", None: "not_measured"}[value]
        return t(f"eval.common.{key}", lang)

    ratios = p95_ratios(benchmark)
    if benchmark.rounds > 1 and not benchmark.repeats:
        lines.append(t("eval.bench.rounds_skipped", lang, rounds=benchmark.rounds,
                       buyers=TARGET_CONCURRENCY))  # fmt: skip
    if len(ratios) > 1:
        lines.append(t("eval.bench.rounds", lang, buyers=TARGET_CONCURRENCY,
                       rounds=len(ratios), ratios=", ".join(f"{r:.2f}" for r in ratios),
                       median=f"{statistics.median(ratios):.2f}"))  # fmt: skip
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
                       bot=system_name(f"bench_{run.name}", lang),
                       model=display_path(run.model),
                       startup=f"{run.startup_seconds:.0f}", peaks=peaks))  # fmt: skip
        if run.warmup_off_script:
            notes.append(t("eval.bench.warmup_off_script", lang,
                           bot=system_name(f"bench_{run.name}", lang),
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
    report_dir.mkdir(parents=True, exist_ok=True)
    series = {}
    for run in (benchmark.ours, benchmark.bare):
        if run is None:
            continue
        name = system_name(f"bench_{run.name}", lang)
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
        (system_name(f"bench_{bot}", lang), script)
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
                "target_p95_ratios": p95_ratios(benchmark),
                "repeats": [
                    {
                        "buyers": r.ours.concurrency,
                        "ours_p95_ms": r.ours.latency_ms(0.95),
                        "bare_p95_ms": r.bare.latency_ms(0.95),
                        "ours_errors": dict(r.ours.errors),
                        "bare_errors": dict(r.bare.errors),
                        "ours_off_script": dict(r.ours.off_script),
                    }
                    for r in benchmark.repeats
                ],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return {"markdown": markdown, "png": png, "json": figures}
