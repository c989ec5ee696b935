"""`HandoffPolicy`: while a person has the chat, the bot does not answer.

The live hand-off (issue 14, bot.services.handoff) keeps its state in the
tracker, in the slot `handoff` ("waiting" or "live"; empty otherwise). While it
is set, this policy wins every prediction (priority 7, above RulePolicy's 6):

- after a buyer message: `action_handoff_relay` (a waiting buyer hears their
  place in the queue again; a buyer in a live chat hears nothing from the bot:
  the agent reads the message), or `action_handoff_cancel` for the "back to the
  assistant" button (intent `handoff_cancel`), or `action_handoff_resume` when
  the web app says the agent handed back (`EXTERNAL_handoff_closed`);
- after one of those actions: `action_listen`.

A seller's or agent's case reply pushed in (`EXTERNAL_case_reply`) is left to
the rules. With the slot empty the policy abstains (all zeros), so it changes
nothing in any other conversation. It learns nothing from the training data.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

HANDOFF_SLOT = "handoff"
ACTIVE_VALUES = ("waiting", "live")
CANCEL_INTENT = "handoff_cancel"
CLOSED_INTENT = "EXTERNAL_handoff_closed"
# Intents whose rules still run during a hand-off.
PASS_THROUGH_INTENTS = ("EXTERNAL_case_reply",)

RELAY_ACTION = "action_handoff_relay"
CANCEL_ACTION = "action_handoff_cancel"
RESUME_ACTION = "action_handoff_resume"
OWN_ACTIONS = (RELAY_ACTION, CANCEL_ACTION, RESUME_ACTION)


def next_action(
    handoff: Any, latest_action: str | None, intent: str | None
) -> str | None:
    """The action the policy predicts, or None to abstain."""
    if latest_action in OWN_ACTIONS:
        return ACTION_LISTEN_NAME  # the slot may be empty by now (cancel, resume)
    if latest_action == ACTION_LISTEN_NAME and intent == CANCEL_INTENT:
        # also from a button of an earlier queue message, after the hand-off:
        # the action says the buyer is with the assistant (no rule names this
        # button-only intent, so the NLU model never learns it as a label)
        return CANCEL_ACTION
    if handoff not in ACTIVE_VALUES or latest_action != ACTION_LISTEN_NAME:
        # no hand-off, or the turn that started it: its rule says the queue
        return None
    if intent in PASS_THROUGH_INTENTS:
        return None
    if intent == CANCEL_INTENT:
        return CANCEL_ACTION
    if intent == CLOSED_INTENT:
        return RESUME_ACTION
    return RELAY_ACTION


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class HandoffPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}

    def train(self, training_trackers: list, domain: Domain, **kwargs: Any) -> Resource:
        with self._model_storage.write_to(self._resource):
            pass  # nothing to learn; the resource exists for load()
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        latest = tracker.latest_message
        intent = latest.intent.get("name") if latest is not None else None
        action = next_action(
            tracker.get_slot(HANDOFF_SLOT), tracker.latest_action_name, intent
        )
        if action is None:
            return self._prediction(self._default_predictions(domain))
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
