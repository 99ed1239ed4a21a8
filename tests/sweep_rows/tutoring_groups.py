"""Sweep rows for tutoring groups and sessions: School B's group, member and session."""

import datetime

from tutoring.models import Membership, ScheduleSlot, TutoringGroup, TutoringSession


def _school_b_group(w):
    group = TutoringGroup.objects.create(
        school=w.school_b,
        school_year=w.year_b,
        kind="exam_review",
        subject_id=_toan_id(),
        grade=9,
        name="Ôn thi vào 10 Toán – nhóm B",
        start_date=w.year_b.start_date,
        end_date=w.year_b.end_date,
    )
    group.tutors.add(w.principal_b)
    ScheduleSlot.objects.create(group=group, weekday=1, session="afternoon", first_period=1)
    return group


def _toan_id():
    from schools.models import Subject

    return Subject.objects.get(code="TOAN").pk


def _school_b_member(w):
    day = w.year_b.start_date
    return Membership.objects.create(
        group=_school_b_group(w),
        student=w.s9b1[0],
        reason="exam_review",
        registered_on=day,
        consent_on=day,
        consent_by="Lò Văn Cha",
        joined_on=day,
        added_by=w.principal_b,
    )


def _school_b_session(w):
    return TutoringSession.objects.create(
        group=_school_b_group(w),
        date=w.year_b.start_date + datetime.timedelta(days=4),
        content="Phương trình bậc hai",
        taught_by=w.principal_b,
    )


OUTSIDE_KWARGS = {
    "group_detail": lambda w: {"pk": _school_b_group(w).pk},
    "group_edit": lambda w: {"pk": _school_b_group(w).pk},
    "group_checkpoints": lambda w: {"pk": _school_b_group(w).pk},
    "group_sessions_due": lambda w: {"pk": _school_b_group(w).pk},
    "session_entry": lambda w: {"pk": _school_b_group(w).pk},
    "group_member_remove": lambda w: {"pk": _school_b_member(w).pk},
    "session_detail": lambda w: {"pk": _school_b_session(w).pk},
    "session_edit": lambda w: {"pk": _school_b_session(w).pk},
}
