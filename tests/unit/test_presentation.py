"""bot.services.presentation: the one home of time formats, case labels and the reason sentence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from bot.adapters.catalogue import t
from bot.domain.model import Decision, Route
from bot.services.presentation import (
    category_label,
    explain,
    explained,
    format_iso_utc,
    format_marketplace_time,
    format_utc_time,
    render_reason,
    topic_label,
)

WINTER = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)  # 10:00 PST
SUMMER = datetime(2026, 7, 1, 17, 30, 5, tzinfo=timezone.utc)  # 10:30 PDT


def test_marketplace_time_is_the_los_angeles_wall_clock():
    assert format_marketplace_time(WINTER) == "2026-11-26 10:00 PST"
    assert format_marketplace_time(SUMMER) == "2026-07-01 10:30 PDT"


def test_utc_time():
    assert format_utc_time(WINTER) == "2026-11-26 18:00 UTC"
    assert format_utc_time(SUMMER) == "2026-07-01 17:30 UTC"


def test_iso_utc_has_a_z_suffix():
    assert format_iso_utc(WINTER) == "2026-11-26T18:00:00Z"
    assert format_iso_utc(SUMMER.astimezone()) == "2026-07-01T17:30:05Z"


@dataclass(frozen=True)
class _Case:
    category: str
    reason_code: str | None


def test_category_label_falls_back_to_the_code():
    assert category_label(None, "en") == ""
    assert category_label("no_such_category", "en") == "no_such_category"
    assert category_label("late_delivery", "en") == t(
        "email.category.late_delivery", "en"
    )


def test_topic_label_names_the_reason_when_it_differs():
    same = _Case("delivery_status", "delivery_status")
    assert topic_label(same, "en") == t(
        "email.topic.category_only",
        "en",
        category=category_label("delivery_status", "en"),
    )
    other = _Case("delivery_status", "late_delivery")
    assert topic_label(other, "zh") == t(
        "email.topic.with_reason",
        "zh",
        reason=category_label("late_delivery", "zh"),
        category=category_label("delivery_status", "zh"),
    )


def test_reason_sentence_from_codes_and_facts():
    decision = Decision(
        intent="delivery_status",
        route=Route.BOT,
        reason_code="order_not_found",
        order_id="112-1234567-1234567",
    )
    assert decision.reason is None
    sentence = explain(decision)
    assert "112-1234567-1234567" in sentence
    assert sentence == render_reason(
        "order_not_found",
        {},
        "en",
        order_id="112-1234567-1234567",
        intent="delivery_status",
    )
    assert explained(decision).reason == sentence
    assert explained(decision).as_dict() == {**decision.as_dict(), "reason": sentence}


def test_missing_facts_read_as_unknown():
    sentence = render_reason("order_not_found", {}, "en")
    assert t("common.unknown", "en") in sentence
