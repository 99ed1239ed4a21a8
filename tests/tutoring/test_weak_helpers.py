"""Helpers for the weak-register and progress tests (no tests here): results, records, groups
and pairs written directly, so the register is tested on exact data without the results
service (``tests/tutoring/conftest.put_results`` writes subject results).

The world's year is 2026-2027 (opening 05/09/2026, semester I ends 16/01/2027, semester II
starts 18/01/2027, the year ends 29/05/2027).
"""

import datetime
from decimal import Decimal

from schools.models import Subject, SubjectGroup
from tutoring.models import (
    Checkpoint,
    GroupKind,
    Membership,
    PeerPair,
    Term,
    TermResult,
    TutoringGroup,
    WeakRecord,
)

from .. import factories as f
from .conftest import put_results  # noqa: F401 - re-exported for the tests

HK1, HK2, YEAR, SURVEY = Term.HK1, Term.HK2, Term.YEAR, Term.SURVEY


def d(day: int, month: int, year: int) -> datetime.date:
    return datetime.date(year, month, day)


def subject(code: str) -> Subject:
    return Subject.objects.get(code=code)


def last_year(world):
    """School A's 2025-2026, not current."""
    return f.SchoolYearFactory(
        school=world.school_a,
        start_year=2025,
        start_date=d(5, 9, 2025),
        semester1_end=d(16, 1, 2026),
        semester2_start=d(18, 1, 2026),
        end_date=d(29, 5, 2026),
        enrollment_snapshot_date=d(5, 9, 2025),
        is_current=False,
    )


def term_result(student, classroom, term, *, weak: bool, level=None):
    return TermResult.objects.update_or_create(
        student=student,
        school_year=classroom.school_year,
        term=term,
        defaults={
            "classroom": classroom,
            "is_weak": weak,
            "level": level or ("chua_dat" if weak else "dat"),
        },
    )[0]


def record(student, code=None, *, year=None, **fields):
    """A weak record written directly (``code`` None: weak overall)."""
    year = year or student.enrollments.first().classroom.school_year
    defaults = {
        "origin": WeakRecord.Origin.RESULTS,
        "identified_on": year.start_date,
        "term": HK1,
    }
    defaults.update(fields)
    return WeakRecord.objects.create(
        school_id=year.school_id,
        school_year=year,
        student=student,
        subject=subject(code) if code else None,
        **defaults,
    )


def group(
    world, code, grade, *, tutors=(), start=None, end=None, kind=GroupKind.REMEDIAL, name=None
):
    g = TutoringGroup.objects.create(
        school=world.school_a,
        school_year=world.year_a,
        kind=kind,
        subject=subject(code),
        grade=grade,
        name=name or f"{code} {grade} #{TutoringGroup.objects.count() + 1}",
        start_date=start or d(1, 10, 2026),
        end_date=end or d(29, 5, 2027),
    )
    g.tutors.set(tutors)
    return g


def member(g, student, *, by, joined=None, left=None, weak_record=None):
    return Membership.objects.create(
        group=g,
        student=student,
        reason=Membership.Reason.WEAK,
        weak_record=weak_record,
        registered_on=joined or g.start_date,
        consent_on=joined or g.start_date,
        consent_by="Nguyễn Văn Bố",
        joined_on=joined or g.start_date,
        left_on=left,
        added_by=by,
    )


def pair(classroom, helper, helped, code, *, by, start=None, end=None):
    return PeerPair.objects.create(
        school_year=classroom.school_year,
        classroom=classroom,
        subject=subject(code),
        helper=helper,
        helped=helped,
        start_date=start or d(1, 10, 2026),
        end_date=end,
        created_by=by,
    )


def checkpoint(g, student, kind, score, day, *, by):
    return Checkpoint.objects.create(
        group=g, student=student, kind=kind, score=Decimal(score), date=day, recorded_by=by
    )


def head_of(world, *codes):
    """Give the world's subject group (headed by ``group_head``) these subjects."""
    SubjectGroup.objects.get(pk=world.group.pk).subjects.add(
        *Subject.objects.filter(code__in=codes)
    )


def students(classroom, n, school):
    """``n`` more students enrolled in ``classroom``."""
    out = []
    for _ in range(n):
        s = f.StudentFactory(school=school)
        f.enroll(s, classroom)
        out.append(s)
    return out
