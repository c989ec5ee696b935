"""Two fixes of Rasa 3.6's hot path, installed by the launcher (`install()`).

`RemoteAction._validate_action_result` checks every action-server response with
`jsonschema.validate(result, spec)`. That one-shot call builds a validator class and
re-checks the (fixed) schema itself on every call: py-spy showed 39 % of the Rasa
server's CPU there under `make bench`. With the validator built once it was still
11 %: each event is checked against all 23 alternatives of the schema's `oneOf`
(one per event type) to prove that exactly one matches.

The alternatives differ by their `event` constant, so an event of type X satisfies
the `oneOf` exactly when it satisfies the alternative whose constant is X (every
other alternative fails on that constant). `ActionResponseValidator` therefore checks
each event against the common part of the item schema and against the one
alternative of its type: the same verdict as the full schema, at a twentieth of the
work. If a Rasa upgrade changes the schema's shape, it falls back to the full schema.
An invalid response still goes through Rasa's own method, so the error and its
message are Rasa's.

`Event.resolve_by_type` (every event read from the tracker store or sent back by
the action server) walks all of Event's subclasses, and asks `inspect` whether
each is abstract, to find the one class whose `type_name` matches: 2.4 % of the
Rasa server's event loop under `make bench` (2026-12-07). `EventTypes` remembers
each class found, in Rasa's order, so the answer is Rasa's; a name it has not
found (a default, a `topic`, an unknown name) still goes to Rasa's method.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

_MARK = "_csba_cached_validator"
_EVENT_TYPES_MARK = "_csba_cached_event_types"


class ActionResponseValidator:
    """`is_valid(result)`: the verdict of Rasa's action response schema, built once."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        from jsonschema.validators import validator_for

        def build(schema: Mapping[str, Any]) -> Any:
            cls = validator_for(schema)
            cls.check_schema(schema)
            return cls(schema)

        self._full = build(spec)
        self._outer = self._items = None
        self._by_type: dict[str, Any] = {}
        split = self._split(spec)
        if split is not None:
            outer, items, alternatives = split
            self._outer, self._items = build(outer), build(items)
            self._by_type = {name: build(alt) for name, alt in alternatives.items()}

    @staticmethod
    def _split(spec: Mapping[str, Any]) -> tuple[dict, dict, dict[str, dict]] | None:
        """(spec with `events` only "an array", the item schema without its
        `oneOf`, event type -> its alternative), or None for an unknown shape."""
        try:
            events = spec["properties"]["events"]
            items = dict(events["items"])
            alternatives = items.pop("oneOf")
            by_type = {alt["properties"]["event"]["const"]: alt for alt in alternatives}
        except (KeyError, TypeError):
            return None
        if set(events) != {"type", "items"} or events["type"] != "array":
            return None
        if len(by_type) != len(alternatives) or not all(
            isinstance(name, str) for name in by_type
        ):
            return None
        outer = dict(spec)
        outer["properties"] = {**spec["properties"], "events": {"type": "array"}}
        return outer, items, by_type

    def is_valid(self, result: Any) -> bool:
        if self._outer is None:
            return self._full.is_valid(result)
        if not self._outer.is_valid(result):
            return False
        for event in result.get("events") or ():
            if not self._items.is_valid(event):
                return False
            alternative = self._by_type.get(event.get("event"))
            if alternative is None or not alternative.is_valid(event):
                return False
        return True


@lru_cache(maxsize=1)
def action_response_validator() -> ActionResponseValidator:
    """The validator for Rasa's action response format, built once."""
    from rasa.core.actions.action import RemoteAction

    return ActionResponseValidator(RemoteAction.action_response_format_spec())


def install() -> None:
    """Replace `RemoteAction._validate_action_result` (idempotent)."""
    from rasa.core.actions.action import RemoteAction

    current = RemoteAction._validate_action_result
    if getattr(current, _MARK, False):
        return

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        if action_response_validator().is_valid(result):
            return True
        return current(self, result)  # raises Rasa's ValidationError

    setattr(_validate_action_result, _MARK, True)
    RemoteAction._validate_action_result = _validate_action_result


class EventTypes:
    """`resolve(type_name, default)`: Rasa's `Event.resolve_by_type`, remembering
    each class it found."""

    def __init__(self, original: Any) -> None:
        self._original = original
        self._found: dict[str, Any] = {}

    def resolve(self, type_name: str, default: Any = None) -> Any:
        found = self._found.get(type_name)
        if found is not None:
            return found
        cls = self._original(type_name, default)
        if cls is not None and cls is not default:
            self._found[type_name] = cls
        return cls


def install_event_types() -> None:
    """Replace `Event.resolve_by_type` with a remembering one (idempotent)."""
    from rasa.shared.core.events import Event

    current = Event.resolve_by_type
    if getattr(current, _EVENT_TYPES_MARK, False):
        return
    types = EventTypes(current)

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        return types.resolve(type_name, default)

    setattr(resolve_by_type, _EVENT_TYPES_MARK, True)
    Event.resolve_by_type = staticmethod(resolve_by_type)
