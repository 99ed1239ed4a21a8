"""Helpers for the alert tests (no tests here): roll calls written directly, so the rules are
tested on exact data, and a fixed "today" for the pages.

The world's year 2026-2027 teaches Saturdays. November 2026:
    Mon 09  Tue 10  Wed 11  Thu 12  Fri 13  Sat 14  (Sun 15)
    Mon 16  Tue 17  Wed 18  Thu 19  Fri 20  Sat 21  (Sun 22)
"""

import datetime

import pytest

from retention import selectors_alerts
from retention.models import Absence, AbsenceAlert, RollCall
from schools.models import Holiday

P = Absence.Status.EXCUSED
K = Absence.Status.UNEXCUSED


def d(day: int, month: int = 11, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


def roll(classroom, day, *, absent=(), session="morning", by=None):
    """The roll of ``classroom`` on ``day``: ``absent`` is [(student, "P"|"K")]."""
    from schools.models import User

    taker = by or User.objects.filter(school=classroom.school_year.school).first()
    rc, _ = RollCall.objects.get_or_create(
        classroom=classroom, date=day, session=session, defaults={"taken_by": taker}
    )
    for student, status in absent:
        Absence.objects.create(
            roll_call=rc, student=student, date=day, session=session, status=status
        )
    return rc


def rolls(classroom, days, *, absent_on=None, session="morning"):
    """Rolls for several days; ``absent_on``: {day: [(student, status)]}."""
    absent_on = absent_on or {}
    for day in days:
        roll(classroom, day, absent=absent_on.get(day, ()), session=session)


def holiday(year, start, end=None, name="Nghỉ bù"):
    return Holiday.objects.create(
        school_year=year, name=name, start_date=start, end_date=end or start
    )


def alert(
    student,
    classroom,
    kind=AbsenceAlert.Kind.CONSECUTIVE,
    *,
    opened_on=None,
    level=0,
    first=None,
    last=None,
    reason="Nghỉ 4 ngày liên tiếp",
):
    """An alert written directly (for the list and permission tests)."""
    opened_on = opened_on or d(16)
    return AbsenceAlert.objects.create(
        student=student,
        school_year=classroom.school_year,
        classroom=classroom,
        kind=kind,
        level=level,
        reason=reason,
        first_day=first or opened_on - datetime.timedelta(days=4),
        last_day=last or opened_on,
        opened_on=opened_on,
    )


def school_days_in_november(year, first=9, last=30):
    return year.school_days(d(first), d(last))


@pytest.fixture(name="today_is")
def today_is_fixture(monkeypatch):
    """Fix the pages' "today": today_is(d(18))."""

    def set_day(day):
        monkeypatch.setattr(selectors_alerts, "today", lambda: day)
        return day

    return set_day
