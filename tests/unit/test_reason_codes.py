"""The reason codes are declared once, in bot.domain.policy.REASON_CODES. domain.yml
(the `outcome` slot's values, one `utter_reason_<code>` response each), the rules in
data/rules/ and the catalogue's `reason.<code>` sentences must name exactly those
codes: a code added in one place and not in another fails here, in both directions.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.adapters.catalogue import SUPPORTED_LANGUAGES, catalogue
from bot.domain.policy import REASON_CODES

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REPLY_PREFIX = "utter_reason_"

# The `outcome` values that are not policy decisions (set by the actions when an
# inquiry stops before a decision, by the fallback, and by Rasa itself).
NON_DECISION_OUTCOMES = frozenset(
    {
        "verification_failed",
        "verification_locked",
        "verification_rate_limited",
        "service_unavailable",
        "inquiry_cancelled",
        "no_inquiry",
        "rephrase",
        "offer_human",
        "no_reply_yet",
        # the live hand-off (actions/handoff.py): the decision is
        # buyer_asked_for_agent; these say what became of it
        "handoff_waiting",
        "handoff_live",
        "agents_away",
        # a damaged item (actions/returns.py, actions/triage.py): the decision
        # is damaged_return; these say which remedy the buyer has, or that a
        # return or damage message named none (a new inquiry)
        "damage_refund",
        "damage_replacement",
        "damage_already_authorised",
        "remedy_not_named",
        "remedy_unclear",
        # the message after a decision (actions/follow_up.py): a cancellation
        # taken back, or none to take back; a message not understood that
        # carried an order number
        "cancellation_taken_back",
        "nothing_to_take_back",
        "ask_topic",
        # an order number right after a decision (actions/same_question.py):
        # the same question about it
        "same_question",
        # "any news on my case?" (actions/case_update.py): where the case stands
        "case_update",
        # "are you a bot?" (actions/small_talk.py, actions/triage.py)
        "bot_identity",
        # "¿hablas español?": the conversation's language, no person
        "language_switched",
        # "i don't need a person", "who pays to send it back?", "when do I get my
        # money?" after a return (actions/asides.py)
        "no_person_needed",
        "return_postage",
        "refund_after_return",
        "return_postage_case",
        "case_note",
        # a "no" or an out-of-scope message: small talk, or an out-of-scope
        # message naming an item of the buyer's orders
        "plain_no",
        "plain_out_of_scope",
        "in_scope_by_item",
    }
)


def load_domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def load_rules() -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for path in sorted((PROJECT_ROOT / "data" / "rules").glob("*.yml")):
        rules += yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []
    return rules


def reason_keys(language: str) -> set[str]:
    prefix = "reason."
    return {key[len(prefix) :] for key in catalogue(language) if key.startswith(prefix)}


def _outcome_set(step: Mapping[str, Any]) -> str | None:
    for slot in step.get("slot_was_set") or []:
        if isinstance(slot, dict) and "outcome" in slot:
            return slot["outcome"]
    return None


def mismatches(
    codes: Iterable[str],
    domain: Mapping[str, Any],
    rules: list[dict[str, Any]],
    catalogue_codes: Mapping[str, set[str]],
) -> list[str]:
    """Every disagreement between the declared `codes` and the other places."""
    codes = set(codes)
    found: list[str] = []

    def compare(where: str, names: set[str]) -> None:
        for code in sorted(codes - names):
            found.append(f"{code}: declared, missing from {where}")
        for code in sorted(names - codes):
            found.append(f"{code}: in {where}, not a declared reason code")

    outcomes = set(domain["slots"]["outcome"]["values"])
    compare("domain.yml slots.outcome.values", outcomes - NON_DECISION_OUTCOMES)
    for code in sorted(codes & NON_DECISION_OUTCOMES):
        found.append(f"{code}: both a reason code and a non-decision outcome")
    replies = {
        name[len(REPLY_PREFIX) :]
        for name in domain["responses"]
        if name.startswith(REPLY_PREFIX)
    }
    compare("domain.yml responses (utter_reason_<code>)", replies)

    ruled: set[str] = set()
    for rule in rules:
        steps = rule.get("steps") or []
        for i, step in enumerate(steps):
            outcome = _outcome_set(step)
            following = steps[i + 1].get("action") if i + 1 < len(steps) else None
            if outcome is not None and outcome not in NON_DECISION_OUTCOMES:
                ruled.add(outcome)
                if following != REPLY_PREFIX + outcome:
                    found.append(
                        f"{outcome}: rule {rule['rule']!r} answers {following!r}"
                    )
                previous = steps[i - 1].get("action") if i > 0 else None
                if previous != "action_triage":
                    found.append(
                        f"{outcome}: rule {rule['rule']!r} does not follow action_triage"
                    )
            action = step.get("action") or ""
            if action.startswith(REPLY_PREFIX) and action[len(REPLY_PREFIX) :] not in (
                codes
            ):
                found.append(f"{action}: in rule {rule['rule']!r}, not a reason code")
    compare("data/rules/ (outcome -> utter_reason_<code>)", ruled)

    for language, names in sorted(catalogue_codes.items()):
        compare(f"the {language} catalogue (reason.<code>)", names)
    return found


@pytest.fixture(scope="module")
def sources() -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, set[str]]]:
    languages = {language: reason_keys(language) for language in SUPPORTED_LANGUAGES}
    return load_domain(), load_rules(), languages


def test_every_place_names_exactly_the_declared_reason_codes(sources):
    domain, rules, languages = sources
    assert mismatches(REASON_CODES, domain, rules, languages) == []


def _add_outcome(domain, rules, languages):
    domain["slots"]["outcome"]["values"].append("stray_code")


def _add_reply(domain, rules, languages):
    domain["responses"]["utter_reason_stray_code"] = [{"text": "?"}]


def _add_rule(domain, rules, languages):
    rules.append(
        {
            "rule": "stray",
            "steps": [
                {"action": "action_triage"},
                {"slot_was_set": [{"outcome": "stray_code"}]},
                {"action": "utter_reason_stray_code"},
            ],
        }
    )


def _add_sentence(domain, rules, languages):
    languages["en"].add("stray_code")


def _drop_outcome(domain, rules, languages):
    domain["slots"]["outcome"]["values"].remove("late_delivery")


def _drop_reply(domain, rules, languages):
    del domain["responses"]["utter_reason_late_delivery"]


def _drop_rule(domain, rules, languages):
    rules[:] = [
        rule
        for rule in rules
        if not any(_outcome_set(step) == "late_delivery" for step in rule["steps"])
    ]


def _drop_sentence(domain, rules, languages):
    languages["zh"].discard("late_delivery")


def _wrong_reply(domain, rules, languages):
    for rule in rules:
        for i, step in enumerate(rule["steps"]):
            if _outcome_set(step) == "late_delivery":
                rule["steps"][i + 1] = {"action": "utter_reason_in_transit"}


@pytest.mark.parametrize(
    "change",
    [
        _add_outcome,
        _add_reply,
        _add_rule,
        _add_sentence,
        _drop_outcome,
        _drop_reply,
        _drop_rule,
        _drop_sentence,
        _wrong_reply,
    ],
)
def test_a_code_in_one_place_only_is_caught(sources, change):
    domain, rules, languages = copy.deepcopy(sources)
    change(domain, rules, languages)
    assert mismatches(REASON_CODES, domain, rules, languages)


def test_a_code_declared_and_nowhere_else_is_caught(sources):
    domain, rules, languages = sources
    found = mismatches([*REASON_CODES, "stray_code"], domain, rules, languages)
    assert len(found) == 2 + 1 + len(languages), found
    assert all(line.startswith("stray_code: declared") for line in found)


def test_case_topics_are_seller_case_reasons_kept_under_an_intent():
    """bot.domain.reasons.CASE_TOPICS: each is a declared reason code that
    opens a seller case, kept under a business intent; any other decision
    keeps its own intent."""
    from bot.domain.model import Intent, Route
    from bot.domain.reasons import CASE_TOPICS, case_topic

    intents = {intent.value for intent in Intent}
    for code, topic in CASE_TOPICS.items():
        assert REASON_CODES[code] is Route.SELLER_CASE, code
        assert topic in intents, topic
    assert case_topic("return_refund", "late_delivery") == "delivery_status"
    assert case_topic("damaged_item", "delivered_not_received") == "delivery_status"
    assert case_topic("return_refund", "return_window_closed") == "return_refund"
