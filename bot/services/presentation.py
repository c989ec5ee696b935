"""How facts are shown to people: times, labels and the policy's reason sentence.

The domain returns codes and facts (`Decision.reason_code`, `Decision.facts`, a
case's `category`); this module turns them into what an agent, a seller or a
buyer reads, from the message catalogue (bot/adapters/catalogue.py). It is the one home of:
- the time formats: the marketplace's wall clock (`2026-11-02 09:30 PST`), UTC
  (`2026-11-02 17:30 UTC`) and ISO 8601 UTC with a `Z` (`2026-11-02T17:30:00Z`);
- the category and topic labels of a case (emails, the seller portal);
- the reason sentence of a decision (`reason.<code>`, the agent console, the CLI).

Services and entry points import it; the domain never does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Protocol

from bot import config
from bot.adapters.catalogue import t
from bot.domain.model import Decision

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


def order_button_payload(order_id: str) -> str:
    """The payload of the bot's order button: the one form the channels' input guard
    accepts as an intent (bot/entrypoints/rasa/channels/input_guard.py)."""
    return f"/{ORDER_BUTTON_INTENT}" + json.dumps({"order_id": order_id})
