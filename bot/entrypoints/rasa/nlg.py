"""The bot's responses in the conversation's language (issue 16).

Rasa 3.6 keeps every conditional variation whose conditions hold and picks one
at random: with `language: es`, an English variation conditioned on another
slot (`case_created: false`) would compete with the Spanish ones. This
generator (endpoints.yml `nlg: type: bot.entrypoints.rasa.nlg.LanguageResponses`)
keeps one TemplatedNaturalLanguageGenerator per language over that language's
variations only, their language condition removed
(bot.adapters.rasa_domain.responses_in), and lets it choose as Rasa does.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import NaturalLanguageGenerator, TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.adapters.rasa_domain import LANGUAGE_SLOT, REFERENCE_LANGUAGE, responses_in
from bot.services.languages import BUYER_LANGUAGES


class LanguageResponses(NaturalLanguageGenerator):
    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        domain: Domain | None = None,
    ) -> None:
        responses = (domain or Domain.empty()).responses
        self.responses = responses
        self._by_language = {
            language: TemplatedNaturalLanguageGenerator(
                responses_in(responses, language)
            )
            for language in BUYER_LANGUAGES
        }

    def generator_for(
        self, tracker: DialogueStateTracker
    ) -> TemplatedNaturalLanguageGenerator:
        language = tracker.get_slot(LANGUAGE_SLOT)
        return self._by_language.get(language) or self._by_language[REFERENCE_LANGUAGE]

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        return await self.generator_for(tracker).generate(
            utter_action, tracker, output_channel, **kwargs
        )
