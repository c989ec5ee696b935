"""The targets of `make bench` (issue 12): p95 at TARGET_CONCURRENCY buyers at
most P95_RATIO_TARGET times the bare bot's, judged on the median of the rounds'
ratios, and no errors at ZERO_ERRORS_AT buyers."""

from __future__ import annotations

import statistics

from tools.evaluation.bench import (
    P95_RATIO_TARGET,
    TARGET_CONCURRENCY,
    ZERO_ERRORS_AT,
    Benchmark,
)


def latency_ratios(
    benchmark: Benchmark, concurrency: int
) -> tuple[float, float] | None:
    """(p50 ratio, p95 ratio) ours / bare at `concurrency`, when both ran it."""
    if benchmark.bare is None:
        return None
    ours, bare = benchmark.ours.level(concurrency), benchmark.bare.level(concurrency)
    if ours is None or bare is None:
        return None
    values = [(ours.latency_ms(f), bare.latency_ms(f)) for f in (0.50, 0.95)]
    if any(o is None or not b for o, b in values):
        return None
    return values[0][0] / values[0][1], values[1][0] / values[1][1]


def p95_ratios(benchmark: Benchmark) -> list[float]:
    """Ours / bare p95 at TARGET_CONCURRENCY, one per round that measured it."""
    first = latency_ratios(benchmark, TARGET_CONCURRENCY)
    ratios = [] if first is None else [first[1]]
    for round_ in benchmark.repeats:
        ours, bare = round_.ours.latency_ms(0.95), round_.bare.latency_ms(0.95)
        if ours is not None and bare:
            ratios.append(ours / bare)
    return ratios


def targets(benchmark: Benchmark) -> dict[str, bool | None]:
    """pass (True), miss (False) or not measured (None) for each target; the
    p95 target is judged on the median of the rounds' ratios (with an even
    number of rounds, the mean of the middle two)."""
    ratios = p95_ratios(benchmark)
    at_50 = benchmark.ours.level(ZERO_ERRORS_AT)
    return {
        "p95_ratio": statistics.median(ratios) <= P95_RATIO_TARGET if ratios else None,
        "zero_errors": None if at_50 is None else at_50.error_count == 0,
    }
