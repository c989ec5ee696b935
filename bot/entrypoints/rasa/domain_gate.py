"""The NLU pipeline's out-of-scope gate (bot.nlp.domain_gate), after DIET:
a business intent that the gate finds out of scope becomes `out_of_scope`.

The message keeps what happened in its parse data (`domain_gate`: the gate's
probability and the intent it replaced), which the tracker stores with the
user event.

The gate learns from the NLU examples and from its own (`GATE_EXAMPLES`,
data/gate/*.tsv): look-alikes that only the gate reads ("my takeaway is 40
min late", "cancel my gym membership") with this shop's orders in the same
words. DIET never sees them: taught to DIET, they moved plain requests out of
scope ("where's my tumbler?" fell to the fallback). Their digest and the source
of bot/nlp/domain_gate.py (which Rasa's cache key, made of this class's source
alone, would not see) are the component's `fingerprint_addon`, so Rasa's cache
retrains the gate, and only the gate, when either changes. Only training reads
data/gate: a model loads without it."""

from __future__ import annotations

import hashlib
import inspect
import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config import PROJECT_ROOT
from bot.nlp import domain_gate
from bot.nlp.domain_gate import (
    OUT_OF_SCOPE,
    DomainGate,
    examples_digest,
    read_example_files,
)

log = logging.getLogger(__name__)
RANKING = "intent_ranking"
GATE_EXAMPLES = PROJECT_ROOT / domain_gate.EXAMPLES_DIR
OUTPUT = "domain_gate"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class OutOfScopeGate(GraphComponent):
    """Turns DIET's business intent into out_of_scope when the gate says so."""

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        gate: DomainGate | None = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._gate = gate

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # In Rasa's cache key: a gate cached in an older saved format is retrained.
        return {"saved_format": 2}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """What Rasa's cache key must also hold (training only): the gate's own
        examples and the code that reads and fits them."""
        digest = hashlib.sha256(examples_digest(GATE_EXAMPLES).encode())
        digest.update(inspect.getsource(domain_gate).encode())
        return digest.hexdigest()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OutOfScopeGate:
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> OutOfScopeGate:
        try:
            with model_storage.read_from(resource) as directory:
                return cls(model_storage, resource, DomainGate.load(directory))
        except ValueError as error:  # no such resource, or a file it refuses
            log.warning("No out-of-scope gate loaded (%s): DIET's intents stand", error)
            return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            (m.get(INTENT), m.get(TEXT) or "") for m in training_data.intent_examples
        ]
        self._gate = DomainGate.fit(examples + read_example_files(GATE_EXAMPLES))
        with self._model_storage.write_to(self._resource) as directory:
            self._gate.save(directory)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if self._gate is None:
            return messages
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get("name")
            probability = self._gate.overrules(name, message.get(TEXT) or "")
            if probability is None:
                continue
            ranking = [
                r for r in message.get(RANKING) or [] if r["name"] != OUT_OF_SCOPE
            ]
            rest = sum(r["confidence"] for r in ranking) or 1.0
            scaled = [
                {**r, "confidence": r["confidence"] * (1 - probability) / rest}
                for r in ranking
            ]
            top = {"name": OUT_OF_SCOPE, "confidence": probability}
            message.set(INTENT, top, add_to_output=True)
            message.set(RANKING, [top, *scaled], add_to_output=True)
            message.set(
                OUTPUT,
                {"out_of_scope": round(probability, 4), "replaced": name},
                add_to_output=True,
            )
        return messages
