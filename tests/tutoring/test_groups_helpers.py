"""Shared helpers of the groups and sessions tests: a fixed today, weak records, a group built
through the services, members with their registration and consent.

Today is Wednesday 18/11/2026 (semester I of 2026-2027; School A teaches mornings)."""

import datetime

import pytest

from schools.models import SchoolSettings
from tests import factories as f
from tutoring.models import WeakRecord
from tutoring.services_groups import NewMember, Slot, add_members, create_group

TODAY = datetime.date(2026, 11, 18)
START = datetime.date(2026, 11, 2)  # a Monday
END = datetime.date(2027, 1, 16)


def d(day: int, month: int = 11, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


@pytest.fixture
def today(monkeypatch):
    """Fix the school's today; returns a setter for tests that move it."""

    def set_today(day):
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)

    set_today(TODAY)
    return set_today


def weak(student, subject, year, *, score="4.0", status=WeakRecord.Status.CONFIRMED, **extra):
    """An active weak record of ``student`` in ``subject``."""
    return WeakRecord.objects.create(
        school_id=student.school_id,
        school_year=year,
        student=student,
        subject=subject,
        origin=WeakRecord.Origin.RESULTS,
        term=3,
        score=score,
        identified_on=year.start_date,
        status=status,
        **extra,
    )


def students_in(classroom, n, prefix="Thêm"):
    """``n`` more students enrolled in ``classroom`` (each with a main guardian)."""
    out = []
    for i in range(n):
        s = f.StudentFactory(
            school=classroom.school_year.school,
            family_name="Nguyễn Văn",
            given_name=f"{prefix}{i:02d}",
        )
        f.GuardianFactory(student=s, full_name=f"Nguyễn Văn Bố{i}", is_primary=True)
        f.enroll(s, classroom)
        out.append(s)
    return out


def make_group(
    world,
    subject,
    *,
    grade=8,
    kind="remedial",
    name=None,
    slots=None,
    tutors=None,
    start=START,
    end=END,
    user=None,
):
    return create_group(
        school_year=world.year_a,
        kind=kind,
        subject=subject,
        grade=grade,
        name=name or f"Phụ đạo {subject.short_name} {grade} – {kind} {start:%m%d}",
        tutors=tutors if tutors is not None else [world.teacher],
        start_date=start,
        end_date=end,
        slots=slots if slots is not None else [Slot(1, "afternoon", 1, 2)],
        user=user or world.principal,
    )


def member(student, *, reason="weak", consent_by="Nguyễn Văn Bố", exception_note="", **dates):
    return NewMember(
        student=student,
        reason=reason,
        registered_on=dates.get("registered_on", d(28, 10)),
        consent_on=dates.get("consent_on", d(29, 10)),
        consent_by=consent_by,
        exception_note=exception_note,
    )


def join(group, students, user, **kwargs):
    return add_members(group, [member(s, **kwargs) for s in students], user=user)


def settings_of(world, **values):
    settings = SchoolSettings.for_school(world.school_a)
    for key, value in values.items():
        setattr(settings, key, value)
    settings.save()
    return settings
