"""How facts are shown to people: times, labels and the policy's reason sentence.

The domain returns codes and facts (`Decision.reason_code`, `Decision.facts`, a
case's `category`); this module turns them into what an agent, a seller or a
buyer reads, from the message catalogue (bot/adapters/catalogue.py). It is the one home of:
- the time formats: the marketplace's wall clock (`2026-11-02 09:30 PST`), UTC
  (`2026-11-02 17:30 UTC`) and ISO 8601 UTC with a `Z` (`2026-11-02T17:30:00Z`),
  exact, for agents, sellers, the CLI and CSV exports;
- the buyer's dates (Babel): a day or a deadline as a buyer reads it in the chat
  ("by Sunday, Dec 6", "today by 5 PM PT", "tomorrow at 8 AM PT"), relative to
  now on the marketplace's calendar, the time only where the day alone would not
  do (today and tomorrow);
- the title of an order button (item, day it was placed, end of the order number),
  and the buttons beside an order offered to a follow-up question;
- the category and topic labels of a case (emails, the seller portal);
- the reason sentence of a decision (`reason.<code>`, the agent console, the CLI).

Services and entry points import it; the domain never does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from babel.dates import format_date, format_time
from babel.numbers import format_currency

from bot import config
from bot.adapters.catalogue import language_or_default, t
from bot.domain.model import Decision, Order
from bot.services.languages import BABEL_LOCALES

# Agents and the CLI read the reason sentence in English.
AGENT_LANGUAGE = "en"

# Not sentences: how an instant is printed in the marketplace zone and in UTC.
LOCAL_TIME_FORMAT = "%Y-%m-%d %H:%M %Z"
UTC_TIME_FORMAT = "%Y-%m-%d %H:%M UTC"


# --- times ---------------------------------------------------------------------


def format_marketplace_time(instant: datetime) -> str:
    """`2026-11-02 09:30 PST`: the instant on the marketplace's wall clock."""
    return instant.astimezone(config.MARKETPLACE_TZ).strftime(LOCAL_TIME_FORMAT)


def format_utc_time(instant: datetime) -> str:
    """`2026-11-02 17:30 UTC`."""
    return instant.astimezone(timezone.utc).strftime(UTC_TIME_FORMAT)


def format_iso_utc(instant: datetime) -> str:
    """ISO 8601 in UTC with a `Z` suffix: `2026-11-02T17:30:00Z`."""
    return instant.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


# --- the buyer's dates -----------------------------------------------------------

# The chat speaks to buyers in English (domain.yml).
BUYER_LANGUAGE = "en"
# Not sentences: Babel (CLDR) patterns of a day, with the year when it is not
# this year's, and of a time on the hour, to the minute, with the zone (`PT`).
DAY_PATTERNS = {
    "en": ("EEEE, MMM d", "EEEE, MMM d, y"),
    "es": ("EEEE d 'de' MMMM", "EEEE d 'de' MMMM 'de' y"),
    "zh": ("M月d日EEEE", "y年M月d日EEEE"),
}
TIME_PATTERNS = {
    "en": ("h a v", "h:mm a v"),
    "es": ("h a v", "h:mm a v"),
    "zh": ("ah点 v", "ah:mm v"),
}


def _locale(language: str) -> str:
    """Babel's locale: a buyer language's (es_US for Spanish), else the catalogue's."""
    return BABEL_LOCALES.get(language) or language_or_default(language)


def _patterns(table: dict[str, tuple[str, str]], language: str) -> tuple[str, str]:
    return table.get(language) or table.get(
        language_or_default(language), table[BUYER_LANGUAGE]
    )


def marketplace_day(instant: datetime) -> date:
    """The marketplace's calendar day of an instant."""
    return instant.astimezone(config.MARKETPLACE_TZ).date()


def format_day(day: date, *, today: date, language: str = BUYER_LANGUAGE) -> str:
    """`Sunday, Dec 6` (`Sunday, Jan 3, 2027` in another year than today's)."""
    this_year, other_year = _patterns(DAY_PATTERNS, language)
    pattern = this_year if day.year == today.year else other_year
    return format_date(day, pattern, locale=_locale(language))


def format_clock(instant: datetime, language: str = BUYER_LANGUAGE) -> str:
    """`5 PM PT`, `1:04 AM PT`: the marketplace's wall clock, for a buyer."""
    local = instant.astimezone(config.MARKETPLACE_TZ)
    on_the_hour, to_the_minute = _patterns(TIME_PATTERNS, language)
    pattern = on_the_hour if local.minute == 0 else to_the_minute
    return format_time(local, pattern, locale=_locale(language))


def _clock(instant: datetime, language: str) -> str:
    """The clock as a sentence quotes it: Spanish adds its article ("las 5 p. m.
    PT", "la 1 p. m. PT")."""
    hour = instant.astimezone(config.MARKETPLACE_TZ).hour % 12
    key = "date.clock_one" if hour == 1 else "date.clock"
    return t(key, language, time=format_clock(instant, language))


def _relative(day: date, today: date) -> str | None:
    """`today`, `tomorrow` or `yesterday` (a catalogue key), else None."""
    return {0: "today", 1: "tomorrow", -1: "yesterday"}.get((day - today).days)


def buyer_day(day: date, *, now: datetime, language: str = BUYER_LANGUAGE) -> str:
    """A day as a noun: `today`, `tomorrow`, `Sunday, Dec 6` ("open until the
    end of ..."). A past day keeps its date ("ended on Friday, Nov 20")."""
    today = marketplace_day(now)
    relative = _relative(day, today)
    if relative in ("today", "tomorrow"):
        return t(f"date.{relative}", language)
    return t("date.day", language, day=format_day(day, today=today, language=language))


def buyer_on_day(day: date, *, now: datetime, language: str = BUYER_LANGUAGE) -> str:
    """When something happened or happens: `yesterday`, `today`, `tomorrow`,
    `on Sunday, Dec 6` ("it was delivered ...")."""
    today = marketplace_day(now)
    relative = _relative(day, today)
    if relative is not None:
        return t(f"date.{relative}", language)
    return t(
        "date.on_day", language, day=format_day(day, today=today, language=language)
    )


def buyer_by_day(day: date, *, now: datetime, language: str = BUYER_LANGUAGE) -> str:
    """A day something is due: `today`, `yesterday`, `by tomorrow`, `by Sunday,
    Dec 6` ("it should arrive ...")."""
    today = marketplace_day(now)
    relative = _relative(day, today)
    if relative in ("today", "yesterday"):
        return t(f"date.{relative}", language)
    if relative == "tomorrow":
        return t("date.by_tomorrow", language)
    return t(
        "date.by_day", language, day=format_day(day, today=today, language=language)
    )


def buyer_deadline(
    instant: datetime, *, now: datetime, language: str = BUYER_LANGUAGE
) -> str:
    """When a buyer hears back at the latest: `today by 5 PM PT`, `tomorrow by
    1:04 AM PT`; later, the marketplace's day alone: `by Sunday, Dec 6`; a past
    one to the minute: `by Friday, Nov 20 at 9 AM PT`."""
    today = marketplace_day(now)
    day = marketplace_day(instant)
    shown = format_day(day, today=today, language=language)
    if day > today + timedelta(days=1):
        return t("date.deadline_day", language, day=shown)
    key = {"today": "date.today_by", "tomorrow": "date.tomorrow_by"}.get(
        _relative(day, today) or "", "date.day_by"
    )
    return t(key, language, day=shown, time=_clock(instant, language))


def buyer_time(
    instant: datetime, *, now: datetime, language: str = BUYER_LANGUAGE
) -> str:
    """When something happens, to the minute: `today at 5 PM PT`, `tomorrow at
    8 AM PT`, `on Monday, Nov 30 at 8 AM PT` ("agents are back ...")."""
    today = marketplace_day(now)
    day = marketplace_day(instant)
    relative = _relative(day, today)
    key = {"today": "date.today_at", "tomorrow": "date.tomorrow_at"}.get(
        relative or "", "date.day_at"
    )
    return t(
        key,
        language,
        day=format_day(day, today=today, language=language),
        time=_clock(instant, language),
    )


# --- labels --------------------------------------------------------------------


class HasTopic(Protocol):
    """A case as far as its topic goes (bot.services.case_views.CaseView)."""

    category: str
    reason_code: str | None


def category_label(code: str | None, language: str) -> str:
    """A category or reason code in the seller's words; the code itself if unknown."""
    if not code:
        return ""
    try:
        return t(f"email.category.{code}", language)
    except KeyError:
        return code


def topic_label(case: HasTopic, language: str) -> str:
    category = category_label(case.category, language)
    if case.reason_code and case.reason_code != case.category:
        return t(
            "email.topic.with_reason",
            language,
            reason=category_label(case.reason_code, language),
            category=category,
        )
    return t("email.topic.category_only", language, category=category)


# --- the reason sentence -------------------------------------------------------


def buyer_words(text: str, buyer_language: str | None, reader_language: str) -> str:
    """A buyer's words as a seller or an agent reads them: as written, marked
    with their language when it is not English ("[Spanish] ¿dónde está?")."""
    if not buyer_language or buyer_language == "en":
        return text
    name = t(f"case.language_name.{buyer_language}", reader_language)
    return t("case.buyer_words", reader_language, language=name, text=text)


def render_reason(
    reason_code: str,
    facts: Mapping[str, Any],
    language: str = AGENT_LANGUAGE,
    *,
    order_id: str | None = None,
    intent: str | None = None,
) -> str:
    """Fill `reason.<code>` from the facts; missing values read as "unknown"."""
    unknown = t("common.unknown", language)
    params: dict[str, Any] = {"order_id": order_id, "intent": intent, **facts}
    for key, value in params.items():
        if value is None:
            params[key] = unknown
        elif isinstance(value, bool):
            params[key] = str(value).lower()
        elif isinstance(value, float):
            params[key] = format(value, ".2f")
        elif isinstance(value, (list, tuple)):
            params[key] = ", ".join(str(v) for v in value)
    return t(f"reason.{reason_code}", language, **params)


def explain(decision: Decision, language: str = AGENT_LANGUAGE) -> str:
    """The decision's reason sentence in `language` (e.g. for a seller in Chinese)."""
    return render_reason(
        decision.reason_code,
        decision.facts,
        language,
        order_id=decision.order_id,
        intent=decision.intent,
    )


def explained(decision: Decision) -> Decision:
    """`decision` carrying its agent-facing sentence in `Decision.reason`."""
    return replace(decision, reason=explain(decision, AGENT_LANGUAGE))


# -- the order buttons -------------------------------------------------------------------

ORDER_BUTTON_INTENT = "give_order_id"
# How much of an item's title an order button shows: with the day and the end
# of the order number, about 45 characters, one or two lines of the chat.
ORDER_BUTTON_ITEM_CHARS = 26
# Not sentences: Babel patterns of the day an order was placed (this year, another).
ORDER_DAY_PATTERNS = {
    "en": ("MMM d", "MMM d, y"),
    "es": ("d MMM", "d MMM y"),
    "zh": ("M月d日", "y年M月d日"),
}
ORDER_NUMBER_END = 4
# The longest item name a sentence quotes ("Have you ordered this item? If it's
# order ... (Hearth 20 oz Insulated Stainless Steel Tumbler with Lid), ...").
ITEM_NAME_CHARS = 200


def item_name(title: str) -> str:
    """An item's title as a sentence names it: up to its first comma."""
    return title.split(",", 1)[0].strip()[:ITEM_NAME_CHARS]


def order_button_title(
    order: Order, *, now: datetime, language: str = BUYER_LANGUAGE
) -> str:
    """An order's button: its first item (cut; `+2` when it has 2 more), the
    marketplace day it was placed and the end of its order number, e.g.
    `Hearth 1.7 L Electric Kett… · Nov 5 · …0004`, so that two orders of the
    same item differ. Data only, no wording."""
    parts = []
    titled = [item for item in order.items if item.title]
    if titled:
        first = _cut(titled[0].title, ORDER_BUTTON_ITEM_CHARS)
        more = len(order.items) - 1
        parts.append(f"{first} +{more}" if more > 0 else first)
    parts.append(_order_day(order, now=now, language=language))
    parts.append("…" + order.id[-ORDER_NUMBER_END:])
    return " · ".join(parts)


def order_choice_title(
    order: Order, named: str, *, now: datetime, language: str = BUYER_LANGUAGE
) -> str:
    """The "which order?" button of an order the buyer's words named an item
    of: that item (its title, cut), the day the order was placed, the item's
    price and the whole order number, e.g. `Pacific Ultralight 2-Person… ·
    Oct 15 · $219.00 · 114-0000011-0000011`. Data only, no wording."""
    item = next(
        (i for i in order.items if named and i.title.startswith(named)),
        order.items[0] if order.items else None,
    )
    parts = [_cut(item.title, ORDER_BUTTON_ITEM_CHARS)] if item and item.title else []
    parts.append(_order_day(order, now=now, language=language))
    if item is not None:
        parts.append(format_currency(item.unit_price, "USD", locale=_locale(language)))
    parts.append(order.id)
    return " · ".join(parts)


def _order_day(order: Order, *, now: datetime, language: str) -> str:
    day = marketplace_day(order.placed_at)
    this_year, other_year = _patterns(ORDER_DAY_PATTERNS, language)
    pattern = this_year if day.year == marketplace_day(now).year else other_year
    return format_date(day, pattern, locale=_locale(language))


def _cut(text: str, keep: int) -> str:
    """`text` on one line; past `keep` characters, its first `keep` and `…`."""
    text = " ".join(text.split())
    return text if len(text) <= keep + 1 else text[:keep].rstrip() + "…"


def not_this_order_buttons(language: str = BUYER_LANGUAGE) -> list[dict[str, str]]:
    """The buttons beside an order offered as a one-click choice to "have you
    ordered it?" (actions/product.py): yes, but another order (`/affirm`), and
    not ordered yet (`/deny`)."""
    return [
        {"title": t("chat.button.another_order", language), "payload": "/affirm"},
        {"title": t("chat.button.not_ordered_yet", language), "payload": "/deny"},
    ]


def order_button_payload(order_id: str) -> str:
    """The payload of the bot's order button: the one form the channels' input guard
    accepts as an intent (bot/entrypoints/rasa/channels/input_guard.py)."""
    return f"/{ORDER_BUTTON_INTENT}" + json.dumps({"order_id": order_id})
