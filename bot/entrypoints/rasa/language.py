"""The NLU pipeline's language component: a `language` entity that fills the
`language` slot (domain.yml), which picks the Spanish variation of every response.

The language comes, in order, from (issue 16):
- a token-verified buyer's account: `action_session_start` sets the slot, and
  this component leaves it alone, except for
- an explicit request ("¿hablas español?", "English please"), which always
  switches it;
- otherwise the message's detected language (bot.nlp.language): only a message
  of three words or more that reads clearly as one language. "ok", "98101" or an
  order number emit nothing, and the slot keeps its value.

Whether the chat is token-verified comes from the channel's own `csba`
metadata (bot.services.chat_access), which a client cannot set.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp.language import message_language, warm_up
from bot.services.chat_access import AUTH_TOKEN, METADATA_KEY

ENTITY = "language"


def _token_verified(message: Message) -> bool:
    metadata = message.get("metadata")
    if not isinstance(metadata, dict):
        return False
    csba = metadata.get(METADATA_KEY)
    return isinstance(csba, dict) and csba.get("auth") == AUTH_TOKEN


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class LanguageDetector(GraphComponent):
    """Adds a `language` entity (en or es) when the message sets the language."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        if not execution_context.is_finetuning:
            warm_up()
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            language = message_language(text, detect=not _token_verified(message))
            if language is None:
                continue
            entity = {
                "entity": ENTITY,
                "value": language,
                "start": 0,
                "end": len(text),
                "confidence": 1.0,
                "extractor": type(self).__name__,
            }
            message.set(
                ENTITIES, [*message.get(ENTITIES, []), entity], add_to_output=True
            )
        return messages
