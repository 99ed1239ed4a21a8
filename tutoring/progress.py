"""When a weak student has *progressed* in a subject: the school's rule, as one pure function.

No models, no database. Scores are ``Decimal``; comment subjects give "D" (Đạt) or "CD" (Chưa đạt).
The rule is a school setting (``SchoolSettings.progress_rule``):

* ``"not_weak"``: progressed when the later result is no longer weak;
* ``"margin"``: progressed when the later result is no longer weak, or the score rose by at least
  ``SchoolSettings.progress_margin`` (a comment result has no margin: only "no longer weak").
"""

from __future__ import annotations

from decimal import Decimal

from .rules import round1

RULE_NOT_WEAK = "not_weak"
RULE_MARGIN = "margin"
RULES = (RULE_NOT_WEAK, RULE_MARGIN)

PASS = "D"
FAIL = "CD"

Value = Decimal | str | None


def _as_score(value: Value) -> Decimal | None:
    """A score as a one-decimal Decimal, or None for a comment result or nothing."""
    if value is None or value in (PASS, FAIL):
        return None
    if isinstance(value, bool | float):
        raise ValueError(f"Use Decimal or str for scores, not {type(value).__name__}.")
    return round1(value)


def is_weak(value: Value, *, threshold: Decimal) -> bool | None:
    """Weak: a score below ``threshold`` or "CD". None when there is no value."""
    if value is None:
        return None
    if value == FAIL:
        return True
    if value == PASS:
        return False
    score = _as_score(value)
    return score < threshold


def progressed(
    before: Value, after: Value, *, threshold: Decimal, rule: str, margin: Decimal
) -> bool | None:
    """Did a student progress from ``before`` to ``after``? None while ``after`` is unknown.

    ``before`` may be None (no earlier value): then only "no longer weak" counts, whatever the
    rule. An unknown rule is a programming error (ValueError), never a silent "no".
    """
    if rule not in RULES:
        raise ValueError(f"Unknown progress rule {rule!r}; expected one of {RULES}.")
    if after is None:
        return None
    if not is_weak(after, threshold=threshold):
        return True
    if rule == RULE_NOT_WEAK:
        return False
    before_score, after_score = _as_score(before), _as_score(after)
    if before_score is None or after_score is None:
        return False
    return after_score - before_score >= margin
