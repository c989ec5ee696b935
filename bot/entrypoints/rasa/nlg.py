"""The bot's responses in the conversation's language (issue 16).

Rasa 3.6 keeps every conditional variation whose conditions hold and picks one
at random: with `language: es`, an English variation conditioned on another
slot (`case_created: false`) would compete with the Spanish ones. This
generator (endpoints.yml `nlg: type: bot.entrypoints.rasa.nlg.LanguageResponses`)
keeps one TemplatedNaturalLanguageGenerator per language over that language's
variations only, their language condition removed
(bot.adapters.rasa_domain.responses_in), and lets it choose as Rasa does.

It is a TemplatedNaturalLanguageGenerator itself: Rasa creates the generator
before it loads the model and then sets `responses` to the model's domain
(`Agent.load_model`), which rebuilds the per-language generators.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.adapters.rasa_domain import LANGUAGE_SLOT, REFERENCE_LANGUAGE, responses_in
from bot.services.languages import BUYER_LANGUAGES


class LanguageResponses(TemplatedNaturalLanguageGenerator):
    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        domain: Domain | None = None,
    ) -> None:
        self._by_language: dict[str, TemplatedNaturalLanguageGenerator] = {}
        super().__init__((domain or Domain.empty()).responses)

    @property
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        return self._responses

    @responses.setter
    def responses(self, responses: dict[str, list[dict[str, Any]]]) -> None:
        self._responses = responses
        self._by_language = {
            language: TemplatedNaturalLanguageGenerator(
                responses_in(responses, language)
            )
            for language in BUYER_LANGUAGES
        }

    def generator_in(self, language: Any) -> TemplatedNaturalLanguageGenerator:
        if not isinstance(language, str) or language not in self._by_language:
            language = REFERENCE_LANGUAGE
        return self._by_language[language]

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        return await self.generator_in(tracker.get_slot(LANGUAGE_SLOT)).generate(
            utter_action, tracker, output_channel, **kwargs
        )

    def generate_from_slots(
        self,
        utter_action: str,
        filled_slots: dict[str, Any],
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        return self.generator_in(filled_slots.get(LANGUAGE_SLOT)).generate_from_slots(
            utter_action, filled_slots, output_channel, **kwargs
        )
