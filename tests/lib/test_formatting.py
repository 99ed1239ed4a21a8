"""The one percentage helper: rounded half up, None when there is nothing to divide by."""

from decimal import Decimal

import pytest

from lib.formatting import format_number, percent


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 8, Decimal("12.5")),
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (1, 16, Decimal("6.3")),  # 6,25 rounds half up (half-even would give 6,2)
        (3, 400, Decimal("0.8")),  # 0,75 → 0,8
        (0, 5, Decimal("0.0")),
        (5, 5, Decimal("100.0")),
    ],
)
def test_percent_rounds_half_up_to_one_decimal(part, whole, expected):
    assert percent(part, whole) == expected


def test_percent_of_nothing_is_none_and_places_are_kept():
    assert percent(3, 0) is None
    assert percent(1, 16, places=2) == Decimal("6.25")
    assert format_number(percent(1, 16)) == "6,3"
