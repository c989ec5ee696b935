"""bot.services.review.errors and bot.adapters.rasa_domain: what the review
console refuses, in the agent's language, and the names it checks against."""

from __future__ import annotations

import pytest

from bot.adapters.rasa_domain import domain_entities, domain_intents
from bot.services.errors import CatalogueError
from bot.services.review import ConversationNotFound, ReviewError, TrackerUnavailable


def test_review_errors_render_from_the_catalogue():
    error = ReviewError("agent.error.too_many_tags", limit=10)
    assert isinstance(error, CatalogueError)
    assert (error.key, error.params) == ("agent.error.too_many_tags", {"limit": 10})
    assert error.message() == error.message("en") == str(error)

    missing = ConversationNotFound("c-1")
    assert isinstance(missing, ReviewError)
    assert missing.key == "agent.error.conversation_not_found"
    assert missing.params == {"conversation_id": "c-1"}
    assert "c-1" in missing.message("en") and "c-1" in missing.message("zh")
    assert missing.message("zh") != missing.message("en")

    down = TrackerUnavailable("no such table")
    assert (down.key, down.params) == (
        "agent.error.tracker_unavailable",
        {"detail": "no such table"},
    )


def test_a_review_error_needs_a_key():
    with pytest.raises(TypeError):
        ReviewError()


def test_the_domain_names_come_from_domain_yml():
    assert {"greet", "delivery_status", "human_agent"} <= set(domain_intents())
    assert "order_id" in domain_entities()
    assert len(set(domain_intents())) == len(domain_intents())
