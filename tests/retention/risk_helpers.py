"""Plain helpers to put risk cases, visits and mentorships in the test world (models directly,
so a test of one area does not depend on another area's services)."""

import datetime

from django.utils import timezone

from retention.models import HomeVisit, Mentorship, RiskCase


def make_case(student, owner, *, year=None, status=RiskCase.Status.OPEN, opened_on=None, **kw):
    year = year or student.enrollments.select_related("classroom").first().classroom.school_year
    opened_on = opened_on or year.start_date
    ended_on = None if status in RiskCase.ACTIVE else kw.pop("ended_on", opened_on)
    return RiskCase.objects.create(
        school_year=year,
        student=student,
        owner=owner,
        opened_on=opened_on,
        opened_by=owner,
        source=kw.pop("source", RiskCase.Source.STUDENT),
        status=status,
        ended_on=ended_on,
        risk_factors=kw.pop("risk_factors", "absences"),
        **kw,
    )


def make_visit(case, author, *, outcome=HomeVisit.Outcome.NOBODY_HOME, when=None, **kw):
    number = case.visits.count() + 1
    when = when or timezone.make_aware(
        datetime.datetime.combine(case.opened_on, datetime.time(15, 0))
    )
    return HomeVisit.objects.create(
        case=case,
        number=number,
        author=author,
        started_at=when,
        content=kw.pop("content", "Trao đổi với gia đình về việc em nghỉ học."),
        outcome=outcome,
        signature_kind=kw.pop("signature_kind", HomeVisit.Signature.NONE),
        **kw,
    )


def make_mentorship(teacher, student, *, year=None, slot=None, **kw):
    year = year or student.enrollments.select_related("classroom").first().classroom.school_year
    if slot is None:
        used = set(
            Mentorship.objects.active().filter(teacher=teacher).values_list("slot", flat=True)
        )
        slot = min({1, 2} - used)
    return Mentorship.objects.create(
        school_year=year,
        teacher=teacher,
        student=student,
        slot=slot,
        reason=kw.pop("reason", Mentorship.Reason.AT_RISK),
        start_date=kw.pop("start_date", year.start_date),
        created_by=kw.pop("created_by", teacher),
        **kw,
    )
