"""bot.entrypoints.rasa.runtime.speedups: Rasa's action-response check, with the validator built once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.entrypoints.rasa.runtime import install_patches
from bot.entrypoints.rasa.runtime import speedups as rasa_speedups


@pytest.fixture
def action() -> RemoteAction:
    install_patches()
    return RemoteAction("action_check_updates", EndpointConfig("http://127.0.0.1:1"))


def test_installed_by_install_patches_and_idempotent():
    install_patches()
    installed = RemoteAction._validate_action_result
    assert getattr(installed, "_csba_cached_validator", False)
    rasa_speedups.install()
    install_patches()
    assert RemoteAction._validate_action_result is installed


def test_importing_the_channels_installs_nothing():
    """The fixes are installed by the launcher, never by an import."""
    import subprocess
    import sys

    probe = (
        "import bot.entrypoints.rasa.channels.rest, bot.entrypoints.rasa.channels.socketio, bot.entrypoints.rasa.tracker_store\n"
        "from rasa.core.actions.action import RemoteAction\n"
        "from rasa.core.processor import MessageProcessor\n"
        "import sys\n"
        "sys.exit(hasattr(RemoteAction._validate_action_result, '_csba_cached_validator')"
        " or hasattr(MessageProcessor._update_tracker_session,"
        " '_csba_session_start_fallback'))\n"
    )
    assert subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


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


def _full_schema_verdict(result) -> bool:
    from jsonschema.validators import validator_for

    spec = RemoteAction.action_response_format_spec()
    return validator_for(spec)(spec).is_valid(result)


def _events_to_check() -> list:
    """Every event type Rasa knows, as Rasa writes it, then broken in several ways."""
    from rasa.shared.core import events as rasa_events

    real = [
        rasa_events.UserUttered(
            "where is 112-0000001-0000001",
            {"name": "delivery_status", "confidence": 0.9},
            [{"entity": "order_id", "value": "112-0000001-0000001", "start": 9}],
        ),
        rasa_events.BotUttered("hi", {"buttons": []}),
        rasa_events.SlotSet("route", "seller_case"),
        rasa_events.EntitiesAdded([{"entity": "order_id", "value": "1"}]),
        rasa_events.ActionExecuted(
            "action_triage", policy="RulePolicy", confidence=1.0
        ),
        rasa_events.ActiveLoop("order_form"),
        rasa_events.ActiveLoop(None),
        rasa_events.LoopInterrupted(True),
        rasa_events.FollowupAction("utter_greet"),
        rasa_events.AllSlotsReset(),
        rasa_events.Restarted(),
        rasa_events.SessionStarted(),
        rasa_events.ConversationPaused(),
        rasa_events.ConversationResumed(),
        rasa_events.UserUtteranceReverted(),
        rasa_events.ActionReverted(),
        rasa_events.ActionExecutionRejected("order_form"),
        rasa_events.AgentUttered("hello"),
    ]
    good = [event.as_dict() for event in real]
    broken: list = []
    for event in good:
        broken.append({**event, "timestamp": "yesterday"})
        broken.append({**event, "metadata": "not an object"})
        broken.append({key: value for key, value in event.items() if key != "event"})
    broken += [
        {"event": "slot", "name": "route"},  # no value
        {"event": "slot", "name": 3, "value": 1},
        {"event": "entities"},
        {"event": "entities", "entities": [{"entity": "x"}]},
        {"event": "action", "name": 3},
        {"event": "action", "confidence": "high"},
        {"event": "user", "parse_data": {"intent": {"name": 3}}},
        {"event": "user", "parse_data": {"entities": [{"value": 1}]}},
        {"event": "no_such_event"},
        {"event": None},
        {"event": 3},
        "slot",
        None,
        [],
    ]
    return good + broken


def test_the_per_type_check_gives_the_full_schemas_verdict_on_every_event():
    validator = rasa_speedups.action_response_validator()
    assert validator._by_type, "the schema's shape changed: the fast path is off"
    checked = valid = 0
    for event in _events_to_check():
        for result in (
            {"events": [event]},
            {"events": [event, event], "responses": []},
        ):
            expected = _full_schema_verdict(result)
            assert validator.is_valid(result) is expected, result
            checked += 1
            valid += expected
    assert valid >= 36 and checked - valid >= 60  # both verdicts are exercised


def test_an_unknown_schema_shape_falls_back_to_the_full_schema():
    spec = {"type": "object", "properties": {"events": {"type": "array", "items": {}}}}
    validator = rasa_speedups.ActionResponseValidator(spec)
    assert validator._outer is None
    assert validator.is_valid({"events": [1, "x"]})
    assert not validator.is_valid({"events": "x"})


def test_event_types_give_rasas_classes_and_rasas_errors():
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    install_patches()
    resolve = Event.resolve_by_type
    assert getattr(resolve, "_csba_cached_event_types", False)
    for _ in range(2):  # found, then remembered
        assert resolve("slot") is SlotSet
        assert resolve("user") is UserUttered
        assert resolve("action") is ActionExecuted
    assert resolve("topic") is None
    assert resolve("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        resolve("no_such_event")
    event = Event.from_parameters({"event": "slot", "name": "route", "value": "bot"})
    assert event == SlotSet("route", "bot")
    rasa_speedups.install_event_types()
    assert Event.resolve_by_type is resolve


def test_a_default_is_not_remembered_for_a_name():
    from rasa.shared.core.events import BotUttered, SlotSet

    types = rasa_speedups.EventTypes(lambda name, default=None: default)
    assert types.resolve("x", default=SlotSet) is SlotSet
    assert types.resolve("x", default=BotUttered) is BotUttered
