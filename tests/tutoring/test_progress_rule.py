"""``tutoring.progress.progressed``: the school's progress rule as a pure function."""

from decimal import Decimal

import pytest

from tutoring.progress import is_weak, progressed

LINE = Decimal("5.0")
MARGIN = Decimal("1.0")


def p(before, after, rule="not_weak", *, threshold=LINE, margin=MARGIN):
    def dec(v):
        return Decimal(v) if isinstance(v, str) and v not in ("D", "CD") else v

    return progressed(dec(before), dec(after), threshold=threshold, rule=rule, margin=margin)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("3.0", "5.0", True),  # exactly the line is not weak
        ("3.0", "4.9", False),
        ("4.5", "9.0", True),
        ("6.0", "4.0", False),  # got worse
        (None, "5.5", True),  # no earlier value: "no longer weak" is enough
        (None, "4.0", False),
        ("CD", "D", True),
        ("CD", "CD", False),
        ("3.0", "D", True),  # mixed kinds: the later result decides
    ],
)
def test_rule_not_weak(before, after, expected):
    assert p(before, after) is expected


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("2.0", "3.0", True),  # rose by exactly the margin
        ("2.0", "2.9", False),
        ("3.5", "4.5", True),
        ("3.5", "5.0", True),  # no longer weak
        ("4.8", "4.9", False),
        ("4.0", "3.0", False),
        (None, "4.9", False),  # no margin without a before value
        ("CD", "CD", False),  # a comment has no margin
        ("CD", "D", True),
        ("D", "CD", False),
    ],
)
def test_rule_margin(before, after, expected):
    assert p(before, after, "margin") is expected


def test_a_school_margin_and_threshold_are_used():
    assert p("4.0", "5.4", "margin", threshold=Decimal("6.0"), margin=Decimal("1.5")) is False
    assert p("4.0", "5.5", "margin", threshold=Decimal("6.0"), margin=Decimal("1.5")) is True
    assert p("5.5", "5.8", threshold=Decimal("6.0")) is False


def test_unknown_after_is_none_whatever_the_rule():
    assert p("3.0", None) is None
    assert p("3.0", None, "margin") is None
    assert p(None, None) is None


def test_scores_are_rounded_to_one_decimal_like_the_gradebook():
    # 4.95 rounds half-up to 5.0: not weak.
    assert p("3.0", "4.95") is True
    assert p("3.0", "4.94") is False


def test_text_scores_with_a_decimal_comma_are_understood():
    assert progressed("3,5", "4,5", threshold=LINE, rule="margin", margin=MARGIN) is True


def test_floats_and_unknown_rules_are_refused():
    with pytest.raises(ValueError):
        progressed(3.0, 5.5, threshold=LINE, rule="not_weak", margin=MARGIN)
    with pytest.raises(ValueError):
        progressed(Decimal("3"), Decimal("4"), threshold=LINE, rule="better", margin=MARGIN)


def test_is_weak():
    assert is_weak(Decimal("4.9"), threshold=LINE) is True
    assert is_weak(Decimal("5.0"), threshold=LINE) is False
    assert is_weak("CD", threshold=LINE) is True
    assert is_weak("D", threshold=LINE) is False
    assert is_weak(None, threshold=LINE) is None
