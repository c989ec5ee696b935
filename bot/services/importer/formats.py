"""The two formats of the import file a JSON Schema type cannot say: `instant`
(an ISO 8601 timestamp with an offset) and `price` (a decimal amount in cents).
Their parsers check a value and give the value to store."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from jsonschema import FormatChecker

from .errors import Problem, show

_CENT = Decimal("0.01")
_PRICE_LIMIT = Decimal(10) ** 10  # Numeric(12, 2): ten digits before the point


def parse_instant(text: str) -> datetime:
    """ISO 8601 with an offset (`Z` allowed) -> aware UTC; naive is refused."""
    candidate = text.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        raise Problem("bad_timestamp", value=show(text)) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise Problem("naive_timestamp", value=show(text))
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise Problem("bad_timestamp", value=show(text)) from None


def parse_price(value: Any) -> Decimal:
    """A decimal string or a JSON number -> an amount in cents, 0 <= amount < 10^10."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise Problem("bad_price", value=show(value))
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise Problem("bad_price", value=show(value)) from None
    if isinstance(value, str) and value != value.strip():
        raise Problem("bad_price", value=show(value))
    if not amount.is_finite():
        raise Problem("bad_price", value=show(value))
    if amount < 0:
        raise Problem("negative_price", value=show(value))
    if amount >= _PRICE_LIMIT:
        raise Problem("price_too_large", value=show(value))
    if amount != amount.quantize(_CENT, rounding=ROUND_DOWN):
        raise Problem("price_precision", value=show(value))
    return amount.quantize(_CENT) + 0  # + 0 turns -0.00 into 0.00


FORMATS = FormatChecker(formats=())


@FORMATS.checks("instant", raises=Problem)
def _is_instant(value: Any) -> bool:
    if isinstance(value, str):  # other types fail on "type"
        parse_instant(value)
    return True


@FORMATS.checks("price", raises=Problem)
def _is_price(value: Any) -> bool:
    parse_price(value)
    return True
