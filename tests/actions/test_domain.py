"""domain.yml, the rules and the actions agree: one reply per reason code, a
rule for every outcome, and every response an action names exists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.domain.model import Route
from bot.domain.policy import REASON_CODES
from tests.actions.conftest import PROJECT_ROOT

NEXT_BY_ROUTE = {
    Route.SELLER_CASE: ["utter_case_opened"],
    Route.AGENT: ["utter_agent_case_opened"],
    Route.BUYER_SELLER_MESSAGING: ["utter_contact_seller"],
}


def outcomes(domain) -> list[str]:
    return domain["slots"]["outcome"]["values"]


@pytest.mark.parametrize("code", sorted(REASON_CODES))
def test_each_reason_code_has_its_reply_and_rule(code, domain, rules):
    assert code in outcomes(domain)
    assert f"utter_reason_{code}" in domain["responses"]
    replies = rules.after_outcome[("action_triage", code)]
    assert replies[0] == f"utter_reason_{code}"
    route = REASON_CODES[code]
    expected = NEXT_BY_ROUTE.get(route, [])
    if code == "pre_order":
        expected = ["utter_contact_seller_pre_order"]
    if code == "return_window_open":
        expected = ["utter_return_method"]
    if code == "damaged_return":  # the return follows the buyer's choice
        expected = ["utter_ask_damage_remedy"]
    if code == "damaged_seller_case":  # the photo goes to the case
        expected = ["utter_case_opened", "utter_damage_photo_case"]
    assert replies[1:] == expected


def test_every_outcome_has_a_rule(domain, rules):
    produced = {outcome for _, outcome in rules.after_outcome}
    assert set(outcomes(domain)) == produced


def _response_names_in_actions() -> set[str]:
    names: set[str] = set()
    for path in Path(PROJECT_ROOT, "actions").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "utter_message"
            ):
                keywords = {k.arg: k.value for k in node.keywords}
                assert "text" not in keywords, f"{path.name}: text= in utter_message"
                if set(keywords) == {"json_message"}:
                    continue  # data for the client, no words (actions/handoff.py)
                assert "response" in keywords, (
                    f"{path.name}: utter_message without response"
                )
                value = keywords["response"]
                if isinstance(value, ast.Constant):
                    names.add(value.value)
                elif isinstance(value, ast.IfExp):
                    names |= {value.body.value, value.orelse.value}
                else:
                    raise AssertionError(f"{path.name}: response name is not a literal")
    return names


def test_actions_only_utter_domain_responses(domain):
    names = _response_names_in_actions()
    assert names, "no utter_message found"
    assert names <= set(domain["responses"])


def test_intents_match_the_taxonomy(domain):
    external = [name for name in domain["intents"] if name.startswith("EXTERNAL_")]
    # live push and the end of a live hand-off (bot.services.push)
    assert external == ["EXTERNAL_case_reply", "EXTERNAL_handoff_closed"]
    # sent only by the "back to the assistant" button of a waiting buyer
    buttons_only = ["handoff_cancel"]
    typed = [n for n in domain["intents"] if n not in external + buttons_only]
    assert [n for n in domain["intents"] if n in buttons_only] == buttons_only
    assert typed == [
        "greet", "goodbye", "thanks", "affirm", "deny", "give_order_id",
        "delivery_status", "return_refund", "damaged_item", "cancel_order",
        "change_address", "invoice", "customization", "pre_order",
        "product_question", "human_agent", "out_of_scope",
    ]  # fmt: skip
    # `language` comes from the pipeline's language component, never from training
    assert domain["entities"] == [
        "order_id",
        {"language": {"influence_conversation": False}},
    ]


def test_only_outcome_and_the_open_remedy_question_influence_the_dialogue(domain):
    featurized = [
        name
        for name, spec in domain["slots"].items()
        if spec.get("influence_conversation", True)
    ]
    # damage_remedy_pending: the condition of the rules that take yes/no as the
    # answer to "Would you like a replacement?" (data/rules/returns.yml)
    assert featurized == ["outcome", "damage_remedy_pending"]
    assert domain["slots"]["damage_remedy_pending"]["type"] == "bool"


def test_session_config(domain):
    assert domain["session_config"] == {
        "session_expiration_time": 60,
        "carry_over_slots_to_new_session": False,
    }


def test_the_conversation_tests_cover_every_route_and_reason_code():
    import yaml

    stories = yaml.safe_load((PROJECT_ROOT / "tests" / "test_stories.yml").read_text())
    tested = set()
    for story in stories["stories"]:
        for step in story["steps"]:
            for slot in step.get("slot_was_set") or []:
                if isinstance(slot, dict) and "outcome" in slot:
                    tested.add(slot["outcome"])
    assert set(REASON_CODES) <= tested
