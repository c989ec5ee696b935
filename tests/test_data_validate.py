"""`rasa data validate --fail-on-warnings` over the project's data, as CI runs it.

Rasa 3.6 exits 0 on some warnings it prints (an unused response, an intent
without training data), so the test also reads the output: the only warnings
allowed are the responses that the order form and the custom actions utter
themselves (Rasa's validator only sees responses named in stories and rules),
and the slot auto-fill notice Rasa 3.6 prints for every domain with slots.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RASA = PROJECT_ROOT / ".venv" / "bin" / "rasa"

# Uttered by order_form (utter_ask_<slot>), by the ask actions, by the base
# action (case replies) or by Rasa's core fallback (utter_default).
UTTERED_OUTSIDE_STORIES = {
    "utter_ask_has_ordered",
    "utter_ask_order_id",
    "utter_ask_order_id_recent",
    "utter_return_policy",
    "utter_also_invoice",
    "utter_ask_zip_code",
    "utter_ask_product_asin",
    "utter_ask_new_address",
    # the named item is in several orders, or the request names several orders
    # (action_ask_order_id), or the item is not in
    # the order in question (action_triage says it switched)
    "utter_ask_which_order",
    "utter_ask_one_order_at_a_time",
    "utter_order_switched_to",
    "utter_ask_which_of_several",
    "utter_order_switched",
    # a follow-up product question is offered the chat's order (action_ask_has_ordered)
    "utter_ask_order_in_chat",
    "utter_seller_reply",
    "utter_agent_reply",
    "utter_default",
    # the live hand-off's actions (actions/handoff.py), chosen by HandoffPolicy
    "utter_handoff_still_waiting",
    "utter_handoff_no_agent_case",
    "utter_handoff_cancel_live",
    "utter_handoff_agent_message",
    "utter_handoff_cancelled",
    "utter_handoff_back",
    "utter_handoff_over",
}
# Triggered by the web app (live push, the end of a live hand-off) or sent only
# by a button (back to the assistant), never typed: no NLU examples on purpose.
INTENTS_WITHOUT_EXAMPLES = {
    f"The intent '{name}' is listed in the domain file, "
    "but is not found in the NLU training data."
    for name in ("EXTERNAL_case_reply", "EXTERNAL_handoff_closed", "handoff_cancel")
}
# Routed by HandoffPolicy (bot/entrypoints/rasa/handoff_policy.py), not by a rule.
POLICY_INTENTS = {
    f"The intent '{name}' is not used in any story or rule."
    for name in ("EXTERNAL_handoff_closed", "handoff_cancel")
}
UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
WARNING = re.compile(r"UserWarning: (.*)")


@pytest.mark.skipif(not RASA.exists(), reason="the venv has no rasa (make install)")
def test_rasa_data_validate_fails_on_no_warning():
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [str(RASA), "data", "validate", "--fail-on-warnings"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]
    assert "No story structure conflicts found." in output

    unexpected = []
    for message in WARNING.findall(output):
        unused = UNUSED.search(message)
        if unused and unused.group(1) in UTTERED_OUTSIDE_STORIES:
            continue
        if message.startswith("Slot auto-fill has been removed in 3.0"):
            continue
        if message in INTENTS_WITHOUT_EXAMPLES or message in POLICY_INTENTS:
            continue
        unexpected.append(message)
    assert unexpected == []
