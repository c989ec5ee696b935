"""bot.rasa_speedups: Rasa's action-response check, with the validator built once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import bot.channels.rest  # noqa: F401 - installs the fix, as `rasa run` does
from bot import rasa_speedups


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_check_updates", EndpointConfig("http://127.0.0.1:1"))


def test_installed_by_the_channel_module_and_idempotent():
    installed = RemoteAction._validate_action_result
    assert getattr(installed, "_csba_cached_validator", False)
    rasa_speedups.install()
    assert RemoteAction._validate_action_result is installed


def test_valid_responses_pass_and_build_the_validator_once(action):
    rasa_speedups.action_response_validator.cache_clear()
    good = {
        "events": [{"event": "slot", "name": "route", "value": "bot"}],
        "responses": [{"response": "utter_greet"}],
    }
    for _ in range(3):
        assert action._validate_action_result(good) is True
    info = rasa_speedups.action_response_validator.cache_info()
    assert (info.misses, info.hits) == (1, 2)


@pytest.mark.parametrize(
    "bad",
    [
        {"events": "not a list"},
        {"events": [{"name": "route"}]},  # an event without its type
        {"responses": {"text": "hi"}},
    ],
)
def test_invalid_responses_raise_rasas_error(action, bad):
    with pytest.raises(ValidationError) as excinfo:
        action._validate_action_result(bad)
    assert "Failed to validate Action server response" in excinfo.value.message
