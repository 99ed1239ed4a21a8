"""Grade-9 streaming counselling (tư vấn phân luồng) and contacts with families about learning:
the writes.

* ``counselling_record``: a counselling session with a grade-9 student (and their parents, when
  they came) and the choice made: upper secondary, continuing education, vocational training or
  not decided yet. Refuses a student who is not in a grade-9 class of the current year.
* ``learning_contact_record``: a contact with the family about learning and tutoring, kept in
  the same contact log as attendance contacts (``retention.models.FamilyContact`` with
  ``topic="learning"``). It answers no absence alert: alerts are for attendance.

Who may call them (the GVCN of the student's class, the leaders) is decided in the views through
``tutoring.scoping.can_follow_family``.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retention.models import FamilyContact
from retention.services_alerts import (
    DOUBLE_SUBMIT_SECONDS,
    MSG_CONTACT_BEFORE_YEAR,
    MSG_CONTACT_FUTURE,
)
from schools.models import SchoolYear, User
from students.models import Enrollment, Student

from .models import Counselling

MSG_NOT_GRADE_9 = _("Streaming counselling is for students of grade 9 this school year.")
MSG_DATE_FUTURE = _("The date cannot be in the future.")
MSG_DATE_BEFORE_YEAR = _("The date is before the school year %(year)s began.")
MSG_PARENT_NAMES = _("Write the names of the parents or guardians who came.")
MSG_COUNSELLOR = _("The counsellor must be a staff member of the school.")
MSG_NO_YEAR = _("The school has no current school year.")


def grade9_class(student: Student, on: datetime.date | None = None):
    """The student's grade-9 class of the current year now, or None (one query)."""
    span = (
        Enrollment.objects.active_on(on)
        .filter(
            student=student,
            classroom__grade=9,
            classroom__school_year__is_current=True,
            classroom__school_year__school_id=student.school_id,
        )
        .select_related("classroom__school_year")
        .first()
    )
    return span.classroom if span else None


@transaction.atomic
def counselling_record(
    *,
    student: Student,
    date: datetime.date,
    counsellor: User,
    choice: str,
    user: User,
    parents_present: bool = False,
    parent_names: str = "",
    note: str = "",
) -> Counselling:
    """Record one counselling session of a grade-9 student and the choice made then. Refuses a
    student not in grade 9 now, a date in the future or before the year, "parents present"
    without their names. A double submit returns the first record."""
    today = timezone.localdate()
    classroom = grade9_class(student, today)
    if classroom is None:
        raise ValidationError(MSG_NOT_GRADE_9)
    year = classroom.school_year
    errors: dict[str, list] = {}
    if date > today:
        errors["date"] = [MSG_DATE_FUTURE]
    elif date < year.start_date:
        errors["date"] = [MSG_DATE_BEFORE_YEAR % {"year": year.name}]
    parent_names = (parent_names or "").strip() if parents_present else ""
    if parents_present and not parent_names:
        errors["parent_names"] = [MSG_PARENT_NAMES]
    if counsellor.school_id != student.school_id or not counsellor.is_active:
        errors["counsellor"] = [MSG_COUNSELLOR]
    if errors:
        raise ValidationError(errors)
    values = {
        "student": student,
        "school_year": year,
        "date": date,
        "counsellor": counsellor,
        "parents_present": parents_present,
        "parent_names": parent_names,
        "choice": choice,
        "note": (note or "").strip(),
    }
    since = timezone.now() - datetime.timedelta(seconds=DOUBLE_SUBMIT_SECONDS)
    recent = Counselling.objects.filter(**values, created_at__gte=since).order_by("-pk").first()
    if recent is not None:
        return recent  # a double submit, not a second session
    record = Counselling(**values)
    record._history_user = user
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def learning_contact_record(
    *,
    student: Student,
    date: datetime.date,
    method: str,
    contact_person: str,
    content: str,
    recorded_by: User,
    school_year: SchoolYear | None = None,
) -> FamilyContact:
    """Record a contact with the family about learning (``topic="learning"``). Refuses a date in
    the future or before the school year. A double submit returns the first contact."""
    today = timezone.localdate()
    year = (
        school_year
        or SchoolYear.objects.filter(school_id=student.school_id, is_current=True).first()
    )
    if year is None:
        raise ValidationError(MSG_NO_YEAR)
    if date > today:
        raise ValidationError({"date": [MSG_CONTACT_FUTURE]})
    if date < year.start_date:
        raise ValidationError({"date": [MSG_CONTACT_BEFORE_YEAR % {"year": year.name}]})
    values = {
        "student": student,
        "date": date,
        "method": method,
        "topic": "learning",
        "contact_person": contact_person.strip(),
        "content": content.strip(),
        "recorded_by": recorded_by,
    }
    recent = (
        FamilyContact.objects.filter(
            **values,
            created_at__gte=timezone.now() - datetime.timedelta(seconds=DOUBLE_SUBMIT_SECONDS),
        )
        .order_by("-pk")
        .first()
    )
    if recent is not None:
        return recent
    contact = FamilyContact(**values)
    contact._history_user = recorded_by
    contact.full_clean()
    contact.save()
    return contact
