"""Checking a value against a JSON Schema with jsonschema, and turning the first
problem into an `ImportValidationError`.

The first problem is the one met reading the value: an object's unknown keys
first, then its fields in schema order (nested objects and arrays depth first,
array items and map entries in document order); for one value, its type before
its format, its format before its length. Each jsonschema error becomes a
catalogue problem (`importer.error.<problem>`) at the value's JSON path; a
schema may name its own problem for a keyword in `problems`, e.g.
`"problems": {"pattern": "bad_asin"}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from jsonschema import Draft7Validator, ValidationError, validators

from .errors import (
    Problem,
    error,
    index_path,
    json_type,
    key_path,
    show,
)
from .formats import FORMATS


def _non_blank(validator: Any, wanted: bool, value: Any, schema: Any) -> Iterator:
    if wanted and isinstance(value, str) and not value.strip():
        yield ValidationError("must not be blank")


def _is_integer(checker: Any, value: Any) -> bool:
    # Not 30.0, which jsonschema counts as an integer; not a bool either.
    return isinstance(value, int) and not isinstance(value, bool)


_Validator = validators.extend(
    Draft7Validator,
    validators={"nonBlank": _non_blank},
    type_checker=Draft7Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)

# For one value, the first of these is reported (a type before a format...).
_RANK = {
    "type": 0,
    "nonBlank": 1,
    "pattern": 2,
    "enum": 2,
    "format": 2,
    "minimum": 2,
    "minItems": 2,
    "maxLength": 3,
    "maximum": 3,
}
_TYPE_PROBLEMS = {
    "object": "not_object",
    "array": "not_list",
    "string": "not_string",
    "boolean": "not_boolean",
    "integer": "not_integer",
}


class Shape:
    """One schema and its validator: `check(value, path)` raises the first problem."""

    def __init__(self, schema: dict[str, Any]) -> None:
        _Validator.check_schema(schema)
        self.schema = schema
        self._validator = _Validator(schema, format_checker=FORMATS)

    def check(self, value: Any, path: str) -> None:
        problems = [
            problem
            for failure in self._validator.iter_errors(value)
            for problem in _problems(failure)
        ]
        if problems:
            parts, _, problem, params = min(
                problems, key=lambda p: _reading_order(self.schema, value, p[0], p[1])
            )
            raise error(_at(path, parts), problem, **params)


def _at(base: str, parts: Sequence[Any]) -> str:
    path = base
    for part in parts:
        path = index_path(path, part) if isinstance(part, int) else key_path(path, part)
    return path


_Found = tuple[list[Any], int, str, dict[str, Any]]


def _problems(failure: ValidationError) -> Iterator[_Found]:
    """The problems one jsonschema error stands for, each as (the path's parts
    below the checked value, its rank, the catalogue problem, its parameters)."""
    parts = list(failure.absolute_path)
    keyword, value, schema = failure.validator, failure.instance, failure.schema
    if "propertyNames" in failure.relative_schema_path:
        yield parts + [value], -1, "empty_key", {}
    elif keyword == "type":
        wanted = failure.validator_value
        wanted = [wanted] if isinstance(wanted, str) else wanted
        expected = next(name for name in wanted if name != "null")
        yield parts, 0, _TYPE_PROBLEMS[expected], {"got": json_type(value)}
    elif keyword == "additionalProperties":
        allowed = ", ".join(schema["properties"])
        for key in value:
            if key not in schema["properties"]:
                yield parts + [key], 0, "unknown_key", {"expected": allowed}
    elif keyword == "required":
        for name in failure.validator_value:
            if name not in value:
                yield parts + [name], 0, "missing_field", {}
    elif keyword == "format":  # the format's parser raised the problem
        cause: Problem = failure.cause
        yield parts, _RANK[keyword], cause.problem, cause.params
    else:
        problem, params = _VALUE_PROBLEMS[keyword](value, failure.validator_value)
        problem = schema.get("problems", {}).get(keyword, problem)
        yield parts, _RANK[keyword], problem, params


# keyword -> (value, the keyword's limit) -> (the default problem, its parameters)
_VALUE_PROBLEMS: dict[str, Callable[[Any, Any], tuple[str, dict[str, Any]]]] = {
    "nonBlank": lambda value, _: ("empty_string", {}),
    "pattern": lambda value, _: ("bad_format", {"value": show(value)}),
    "enum": lambda value, allowed: (
        "bad_choice",
        {"value": show(value), "allowed": " | ".join(allowed)},
    ),
    "minimum": lambda value, limit: (
        "integer_too_small",
        {"value": value, "minimum": limit},
    ),
    "maximum": lambda value, limit: (
        "integer_too_large",
        {"value": value, "maximum": limit},
    ),
    "maxLength": lambda value, limit: (
        "too_long",
        {"length": len(value), "max_length": limit},
    ),
    "minItems": lambda value, _: ("bad_format", {}),
}


def _reading_order(schema: Any, value: Any, parts: Sequence[Any], rank: int) -> tuple:
    """Where a problem is met reading the record: fields in schema order (unknown
    keys first), array items and map entries in document order; a value's own
    problems (ranked) before those inside it."""
    order: list[tuple[int, ...]] = []
    for part in parts:
        if isinstance(value, list) and isinstance(part, int):
            order.append((1, 1, part))
            schema = schema.get("items", {})
            value = value[part] if part < len(value) else None
        elif isinstance(value, dict):
            fields = schema.get("properties")
            if fields is not None:
                known = part in fields
                where = list(fields).index(part) if known else _index(value, part)
                order.append((1, int(known), where))
                schema = fields.get(part, {})
            else:
                order.append((1, 1, _index(value, part)))
                schema = schema.get("additionalProperties", {})
            value = value.get(part)
        else:
            order.append((1, 1, 0))
            schema, value = {}, None
    return (*order, (0, rank))


def _index(mapping: dict, key: Any) -> int:
    for index, name in enumerate(mapping):
        if name == key:
            return index
    return len(mapping)
