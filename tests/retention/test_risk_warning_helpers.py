"""Helpers for the early-warning and coverage tests (no tests here): facts written directly with
the models, so each signal is tested on exact data, and a fixed "today".

Today is Friday 20/11/2026 in the world's year 2026-2027. With the default 30-day window the
early-warning list looks at 22/10/2026 to 20/11/2026 (today included).
"""

import datetime
from decimal import Decimal

import pytest

from retention import selectors_warning
from retention.models import Absence, ConductEvent
from schools.models import SchoolSettings, Subject
from tutoring.models import Membership, SubjectResult, TutoringGroup, WeakRecord

from .test_alerts_helpers import roll

K = Absence.Status.UNEXCUSED
P = Absence.Status.EXCUSED
TODAY = datetime.date(2026, 11, 20)
SCORED = ["NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN"]


def d(day: int, month: int = 11, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


def days_before(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


@pytest.fixture(name="today_is")
def today_is_fixture(monkeypatch):
    """Fix the pages' today (the selectors take ``today=`` directly)."""

    def fix(day=TODAY):
        monkeypatch.setattr(selectors_warning, "today", lambda: day)

    fix()
    return fix


def absent(student, classroom, day, status=K, session="morning"):
    """One absent session (its roll call included)."""
    return roll(classroom, day, absent=[(student, status)], session=session)


def absent_days(student, classroom, days, status=P):
    for day in days:
        absent(student, classroom, day, status)


def conduct(student, day, kind=ConductEvent.Kind.LATE, by=None):
    from schools.models import User

    return ConductEvent.objects.create(
        student=student,
        date=day,
        kind=kind,
        recorded_by=by or User.objects.filter(school=student.school).first(),
    )


def subject(code: str) -> Subject:
    return Subject.objects.get(code=code)


def weak(student, year, *codes, overall=False, status=WeakRecord.Status.CONFIRMED, **kw):
    """Still-weak register lines of ``student`` in these subjects (and overall)."""
    out = []
    for code in [*codes, *([None] if overall else [])]:
        out.append(
            WeakRecord.objects.create(
                school=year.school,
                school_year=year,
                student=student,
                subject=subject(code) if code else None,
                origin=WeakRecord.Origin.RESULTS,
                term=1,
                score=Decimal("4.0") if code else None,
                identified_on=year.start_date,
                status=status,
                **kw,
            )
        )
    return out


def results(student, classroom, term, scores, *, year=None):
    """Scored-subject averages of one term, in the order of ``SCORED``."""
    year = year or classroom.school_year
    for code, score in zip(SCORED, scores, strict=False):
        SubjectResult.objects.create(
            student=student,
            school_year=year,
            classroom=classroom,
            subject=subject(code),
            term=term,
            score=Decimal(str(score)),
            source=SubjectResult.Source.MANUAL,
        )


def family(student, **fields):
    """Set family circumstances (household, orphan, distance_km, ethnicity, lives_away...)."""
    for name, value in fields.items():
        setattr(student, name, value)
    student.save()
    return student


def settings_of(school, **values) -> SchoolSettings:
    s = SchoolSettings.for_school(school)
    for name, value in values.items():
        setattr(s, name, value)
    s.save()
    return s


def group_member(world, student, code="TOAN", *, year=None, grade=9, left_on=None):
    """``student`` in a tutoring group of ``code`` this year."""
    year = year or world.year_a
    group = TutoringGroup.objects.create(
        school=year.school,
        school_year=year,
        subject=subject(code),
        grade=grade,
        name=f"Phụ đạo {code} {grade} – {student.pk}",
        start_date=year.start_date,
        end_date=year.end_date,
    )
    return Membership.objects.create(
        group=group,
        student=student,
        reason=Membership.Reason.WEAK,
        registered_on=year.start_date,
        consent_on=year.start_date,
        consent_by="Nguyễn Văn Bố",
        joined_on=year.start_date,
        left_on=left_on,
        added_by=world.principal,
    )


def listed(data) -> list:
    return [row.student for row in data.rows]


def row_of(data, student):
    return next(row for row in data.rows if row.student == student)
