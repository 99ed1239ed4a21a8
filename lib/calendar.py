"""School days: the dates a school teaches, from its year, its week and its holidays."""

import datetime
from collections.abc import Iterable


def school_days(
    start: datetime.date,
    end: datetime.date,
    *,
    saturday_classes: bool,
    holidays: Iterable[tuple[datetime.date, datetime.date]] = (),
) -> list[datetime.date]:
    """Every teaching day from start to end inclusive: no Sundays, no Saturdays unless taught,
    no day inside a holiday (first and last day inclusive)."""
    spans = list(holidays)
    days = []
    day = start
    while day <= end:
        weekday = day.weekday()
        if weekday != 6 and (saturday_classes or weekday != 5):
            if not any(a <= day <= b for a, b in spans):
                days.append(day)
        day += datetime.timedelta(days=1)
    return days


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(year, month, 1)
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - datetime.timedelta(days=1)


def week_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)
