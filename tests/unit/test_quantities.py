"""bot.nlp.quantities: how many units of an order line the words name."""

from __future__ import annotations

import pytest

from bot.nlp.quantities import units_named


@pytest.mark.parametrize(
    "text, ordered, units",
    [
        ("one of my tumblers arrived dented", 2, 1),
        ("only one of the mugs is cracked", 4, 1),
        ("I ordered two tumblers and one arrived dented", 2, 1),
        ("both tumblers arrived dented", 2, 2),
        ("2 of the 3 glasses broke", 3, 2),
        ("all of them arrived smashed", 3, 3),
        ("both tumblers arrived dented and one lid is cracked", 2, 2),
        ("all fine but one is cracked", 3, 1),
        ("uno de los vasos llegó roto", 2, 1),
        ("los dos llegaron rotos", 2, 2),
        # no count of units: the whole line
        ("my tumblers arrived dented", 2, None),
        ("the 20 oz tumbler is dented", 2, None),
        ("the 1.7 l kettle arrived broken", 1, None),
        ("order 112-0000001-0000001 arrived damaged", 2, None),
        ("it came 2 days late and dented", 2, None),
        ("the 2-pack arrived crushed", 2, None),
        ("three of them broke", 2, None),  # more than the line holds
        ("", 2, None),
    ],
)
def test_units_named(text, ordered, units):
    assert units_named(text, ordered) == units
