"""One fix of Rasa 3.6's hot path, installed when Rasa loads the project's channels.

`RemoteAction._validate_action_result` checks every action-server response with
`jsonschema.validate(result, spec)`. That one-shot call builds a validator class and
re-checks the (fixed) schema itself on every call: py-spy showed 39 % of the Rasa
server's CPU there under `make bench`. Here the validator is built and its schema
checked once; a response is validated against the same schema as before. An invalid
response still goes through Rasa's own method, so the error and its message are
Rasa's.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_MARK = "_csba_cached_validator"


@lru_cache(maxsize=1)
def action_response_validator() -> Any:
    """A jsonschema validator for Rasa's action response format, built once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    cls = validator_for(spec)
    cls.check_schema(spec)
    return cls(spec)


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
