"""The GVCN's monthly class-size confirmation (xác nhận sĩ số hằng tháng).

Between the school's ``confirm_from_day`` and ``confirm_to_day`` (15th–25th by default) the
homeroom teacher confirms their class's figures for the month; the figures are computed here, at
the moment of confirming, and frozen on the confirmation (the school's monthly report is the set
of these). Before the window opens nobody can confirm; after it closes confirming is still
allowed and shows as late. Confirming again replaces the figures (the history keeps every version).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.calendar import month_bounds
from schools.models import Classroom, SchoolSettings, User

from .models import ClassSizeConfirmation
from .selectors_classsize import (
    ClassSizeFigures,
    class_size_figures,
    month_period,
    previous_confirmation,
)

FIGURES_VERSION = 1

MSG_NOT_OPEN = _("Confirmation for %(month)s opens on %(date)s.")
MSG_FUTURE_MONTH = _("This month has not started yet.")
MSG_OUTSIDE_YEAR = _("The month %(month)s is outside the school year %(year)s.")
MSG_BEFORE_HEADCOUNT = _(
    "The month %(month)s ends before the start-of-year headcount date (%(date)s)."
)
MSG_NOT_HOMEROOM = _("Only the homeroom teacher of class %(classroom)s can confirm its figures.")
MSG_EXPLAIN = _("The class size changed this month: explain the change before confirming.")
MSG_STALE = _(
    "The figures changed while you were reading them (a movement was just recorded). "
    "Check the new figures and confirm again."
)


class WindowState:
    NOT_OPEN = "not_open"
    OPEN = "open"
    LATE = "late"


@dataclass
class ConfirmationWindow:
    """Where ``today`` falls for confirming ``month``."""

    state: str
    opens_on: datetime.date
    closes_on: datetime.date

    @property
    def is_open(self) -> bool:
        return self.state != WindowState.NOT_OPEN

    @property
    def is_late(self) -> bool:
        return self.state == WindowState.LATE


def today() -> datetime.date:
    """The school's date (tests replace it to stand on a given day)."""
    return timezone.localdate()


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_label(month: datetime.date) -> str:
    return f"{month.month:02d}/{month.year}"


def confirmation_window(
    settings: SchoolSettings, month: datetime.date, *, on: datetime.date
) -> ConfirmationWindow:
    """The confirmation window of ``month`` (days clamped to the month's length, e.g. a 31 in
    February is its last day) and where ``on`` falls: not yet open, open, or late."""
    _first, last = month_bounds(month.year, month.month)
    opens_on = month.replace(day=min(settings.confirm_from_day, last.day))
    closes_on = month.replace(day=min(settings.confirm_to_day, last.day))
    if on < opens_on:
        state = WindowState.NOT_OPEN
    elif on > closes_on:
        state = WindowState.LATE
    else:
        state = WindowState.OPEN
    return ConfirmationWindow(state=state, opens_on=opens_on, closes_on=closes_on)


def is_late(confirmation: ClassSizeConfirmation, settings: SchoolSettings) -> bool:
    """Whether the confirmation came after the window closed (frozen when confirming)."""
    late = (confirmation.figures or {}).get("late")
    if isinstance(late, bool):
        return late
    confirmed_on = timezone.localtime(confirmation.confirmed_at).date()
    window = confirmation_window(settings, confirmation.month, on=confirmed_on)
    return window.is_late


def check_report_month(classroom_or_year, month: datetime.date, *, on: datetime.date) -> None:
    """A month someone may see figures for: started, inside the school year, not before the
    start-of-year headcount. Raises ValidationError with the reason."""
    year = getattr(classroom_or_year, "school_year", classroom_or_year)
    label = month_label(month)
    if month > first_of_month(on):
        raise ValidationError(MSG_FUTURE_MONTH)
    if not (first_of_month(year.start_date) <= month <= first_of_month(year.end_date)):
        raise ValidationError(MSG_OUTSIDE_YEAR % {"month": label, "year": year.name})
    _first, last = month_bounds(month.year, month.month)
    if last < year.enrollment_snapshot_date:
        raise ValidationError(
            MSG_BEFORE_HEADCOUNT
            % {"month": label, "date": year.enrollment_snapshot_date.strftime("%d/%m/%Y")}
        )


def live_figures(classroom: Classroom, month: datetime.date, *, on: datetime.date):
    """The class's figures for the month as they stand (one call, two queries)."""
    start, end = month_period(month, today=on)
    return class_size_figures([classroom], start=start, end=end)[classroom.pk], start, end


def figures_fingerprint(figures: ClassSizeFigures) -> str:
    """A short digest of the counted figures: the form carries it so a confirmation applies to
    exactly the figures the teacher saw."""
    text = json.dumps(figures.core(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def frozen_figures(confirmation: ClassSizeConfirmation) -> ClassSizeFigures:
    return ClassSizeFigures.from_json(confirmation.figures.get("counts", {}))


def frozen_period(confirmation: ClassSizeConfirmation) -> tuple[datetime.date, datetime.date]:
    data = confirmation.figures or {}
    first, last = month_bounds(confirmation.month.year, confirmation.month.month)
    try:
        return (
            datetime.date.fromisoformat(data["start"]),
            datetime.date.fromisoformat(data["end"]),
        )
    except (KeyError, TypeError, ValueError):
        return first, last


def needs_explanation(figures: ClassSizeFigures, previous: ClassSizeConfirmation | None) -> bool:
    """An explanation is required when anyone came or went this month, or when the size differs
    from last month's confirmed size."""
    if figures.has_movements:
        return True
    return previous is not None and frozen_figures(previous).end_total != figures.end_total


@transaction.atomic
def class_size_confirm(
    *,
    classroom: Classroom,
    month: datetime.date,
    user: User,
    explanation: str = "",
    fingerprint: str | None = None,
    on: datetime.date | None = None,
    now: datetime.datetime | None = None,
    homeroom_class_ids: set[int] | None = None,
) -> ClassSizeConfirmation:
    """Freeze the class's figures for ``month`` as confirmed by its homeroom teacher.

    Refuses: anyone but the class's homeroom teacher (``homeroom_class_ids`` from the caller's
    scope), a month that has not started, is outside the school year or ends before the
    headcount date, a day before the window opens, a change without an explanation, and figures
    that changed since the teacher saw them (``fingerprint``). After the window closes it
    confirms and the confirmation shows as late. A second confirmation replaces the first.
    """
    if on is None:
        on = timezone.localtime(now).date() if now else today()
    month = first_of_month(month)
    if homeroom_class_ids is not None and classroom.pk not in homeroom_class_ids:
        raise ValidationError(MSG_NOT_HOMEROOM % {"classroom": classroom.name})
    check_report_month(classroom, month, on=on)
    settings = SchoolSettings.for_school(classroom.school_year.school_id)
    window = confirmation_window(settings, month, on=on)
    if not window.is_open:
        raise ValidationError(
            MSG_NOT_OPEN
            % {"month": month_label(month), "date": window.opens_on.strftime("%d/%m/%Y")}
        )
    # Lock this class-month: two confirmations at once end as one row, the last one winning.
    existing = (
        ClassSizeConfirmation.objects.select_for_update()
        .filter(classroom=classroom, month=month)
        .first()
    )
    figures, start, end = live_figures(classroom, month, on=on)
    if fingerprint is not None and fingerprint != figures_fingerprint(figures):
        raise ValidationError(MSG_STALE)
    explanation = (explanation or "").strip()
    if not explanation and needs_explanation(figures, previous_confirmation(classroom, month)):
        raise ValidationError({"explanation": MSG_EXPLAIN})
    confirmation = existing or ClassSizeConfirmation(classroom=classroom, month=month)
    confirmation.figures = {
        "version": FIGURES_VERSION,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "confirmed_on": on.isoformat(),
        "late": window.is_late,
        "counts": figures.as_json(),
    }
    confirmation.explanation = explanation
    confirmation.confirmed_by = user
    confirmation.confirmed_at = now or timezone.now()
    confirmation.full_clean()
    confirmation.save()
    return confirmation
