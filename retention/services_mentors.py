"""Teacher mentors (giáo viên đỡ đầu): the writes. A teacher takes on an at-risk or weak student,
logs their contacts with them, and the mentorship ends.

Rules (``mentorship_assign``):
* the mentor is active staff of the student's school with a role this school year
  (``scoping_cases.mentor_candidates``); the student is in a class of the current year now;
* a student has at most one active mentor (a database constraint);
* a teacher has at most ``Mentorship.MAX_ACTIVE`` (2) active mentees. The database guarantees it:
  an active mentorship holds one of the teacher's two slots and a slot is unique among active
  mentorships. The service picks a free slot and inserts inside a savepoint; when another
  assignment took that slot at the same moment the insert fails, the service tries the other slot,
  then refuses. Two assignments saved at once can never give a teacher three active mentees;
* leaders assign any teacher of the school; a teacher takes on a student only as themselves
  (``can_take_on``: a student of a class they teach or lead).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.formatting import format_date
from schools.models import SchoolYear, User
from schools.scoping import scope_for
from students.models import Enrollment, Student

from . import scoping_cases as scoping
from .models_cases import MentorContact, Mentorship

MSG_NOT_CANDIDATE = _(
    "%(name)s is not a teacher of this school with a role this school year: choose another teacher."
)
MSG_NOT_ENROLLED = _("%(name)s is not in a class of the current school year now.")
MSG_NO_YEAR = _("The school has no current school year.")
MSG_HAS_MENTOR = _(
    "%(student)s already has a mentor: %(mentor)s (since %(date)s). End that mentorship first."
)
MSG_FULL = _(
    "%(name)s already mentors %(count)s students: %(mentees)s. A teacher mentors at most "
    "%(limit)s students at a time."
)
MSG_START_FUTURE = _("The start date cannot be in the future.")
MSG_START_BEFORE_YEAR = _("The start date is before the school year began (%(date)s).")
MSG_ONLY_YOURSELF = _("You can take on a student only as their mentor yourself.")
MSG_ENDED = _("This mentorship already ended on %(date)s.")
MSG_END_FUTURE = _("The end date cannot be in the future.")
MSG_END_BEFORE_START = _("A mentorship cannot end before it started (%(date)s).")
MSG_END_REASON = _("Say why the mentorship ends.")
MSG_CONTACT_FUTURE = _("The date of the contact cannot be in the future.")
MSG_CONTACT_BEFORE_START = _("The contact is dated before the mentorship began (%(date)s).")
MSG_CONTACT_AFTER_END = _("The contact is dated after the mentorship ended (%(date)s).")
MSG_CONTACT_EMPTY = _("Write what you talked about.")
MSG_CONTACT_WHO = _("Only the mentor and the school's leadership record contacts.")

# A second identical contact saved this soon after the first is a double submit, not a new one.
DOUBLE_SUBMIT_SECONDS = 120


def today() -> datetime.date:
    """The school's today (tests replace this)."""
    return timezone.localdate()


def mentee_names(teacher: User) -> list[str]:
    """The teacher's active mentees, for messages (one query)."""
    return [
        m.student.full_name
        for m in Mentorship.objects.active()
        .filter(teacher=teacher)
        .select_related("student")
        .order_by("student__sort_key")
    ]


def _full_error(teacher: User) -> ValidationError:
    names = mentee_names(teacher)
    return ValidationError(
        {
            "teacher": [
                MSG_FULL
                % {
                    "name": teacher.full_name,
                    "count": len(names),
                    "mentees": ", ".join(names),
                    "limit": Mentorship.MAX_ACTIVE,
                }
            ]
        },
        code="full",
    )


def _has_mentor_error(student: Student, current: Mentorship) -> ValidationError:
    return ValidationError(
        {
            "student": [
                MSG_HAS_MENTOR
                % {
                    "student": student.full_name,
                    "mentor": current.teacher.full_name,
                    "date": format_date(current.start_date),
                }
            ]
        },
        code="has_mentor",
    )


def _current_mentorship(student: Student) -> Mentorship | None:
    return Mentorship.objects.active().filter(student=student).select_related("teacher").first()


def _check_who(user: User, teacher: User, student: Student) -> None:
    school = scope_for(user).school
    if scoping.can_assign_mentors(user) and student.school_id == getattr(school, "pk", None):
        return
    if teacher.pk == user.pk and scoping.can_take_on(user, student):
        return
    raise PermissionDenied(MSG_ONLY_YOURSELF)


@transaction.atomic
def mentorship_assign(
    *,
    teacher: User,
    student: Student,
    user: User,
    start_date: datetime.date,
    reason: str,
    goals: str = "",
) -> Mentorship:
    """``teacher`` takes on ``student`` from ``start_date`` (see the module's rules).

    Refuses (ValidationError, field-keyed): a teacher who is not a mentor candidate, a student not
    in a class now, a student who already has an active mentor (the message names them), a
    teacher who already has two active mentees (the message names them), a start date in the
    future or before the school year. PermissionDenied when ``user`` may not make this
    assignment."""
    _check_who(user, teacher, student)
    year = SchoolYear.objects.filter(school_id=student.school_id, is_current=True).first()
    if year is None:
        raise ValidationError(MSG_NO_YEAR)
    errors: dict[str, list] = {}
    candidates = scoping.mentor_candidates(user).filter(school_id=student.school_id)
    if not candidates.filter(pk=teacher.pk).exists():
        errors["teacher"] = [MSG_NOT_CANDIDATE % {"name": teacher.full_name}]
    enrolled = (
        Enrollment.objects.active_on(today())
        .filter(student=student, classroom__school_year=year)
        .exists()
    )
    if not enrolled:
        errors["student"] = [MSG_NOT_ENROLLED % {"name": student.full_name}]
    if start_date > today():
        errors["start_date"] = [MSG_START_FUTURE]
    elif start_date < year.start_date:
        errors["start_date"] = [MSG_START_BEFORE_YEAR % {"date": format_date(year.start_date)}]
    if errors:
        raise ValidationError(errors)
    current = _current_mentorship(student)
    if current is not None:
        raise _has_mentor_error(student, current)
    used = set(Mentorship.objects.active().filter(teacher=teacher).values_list("slot", flat=True))
    free = [slot for slot in range(1, Mentorship.MAX_ACTIVE + 1) if slot not in used]
    if not free:
        raise _full_error(teacher)
    mentorship = Mentorship(
        school_year=year,
        teacher=teacher,
        student=student,
        reason=reason,
        goals=(goals or "").strip(),
        start_date=start_date,
        created_by=user,
    )
    # The slot is the guarantee: the constraints are checked by the database, not here (a check
    # here could pass in two transactions at once).
    mentorship.slot = free[0]
    mentorship.full_clean(validate_constraints=False)
    # Try the free slots in turn, then the other one: a slot seen free a moment ago may have
    # been taken by an assignment saved at the same time.
    for slot in [*free, *[s for s in range(1, Mentorship.MAX_ACTIVE + 1) if s not in free]]:
        mentorship.pk = None
        mentorship.slot = slot
        try:
            with transaction.atomic():
                mentorship.save()
        except IntegrityError:
            current = _current_mentorship(student)
            if current is not None:
                raise _has_mentor_error(student, current) from None
            continue
        return mentorship
    raise _full_error(teacher)


@transaction.atomic
def mentorship_end(
    *, mentorship: Mentorship, user: User, date: datetime.date, reason: str
) -> Mentorship:
    """End an active mentorship on ``date`` (not in the future, not before it began) with a
    reason. The teacher's slot is free again from then. Refuses a mentorship already ended."""
    locked = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    if locked.end_date is not None:
        raise ValidationError(MSG_ENDED % {"date": format_date(locked.end_date)}, code="ended")
    reason = (reason or "").strip()
    errors: dict[str, list] = {}
    if date > today():
        errors["date"] = [MSG_END_FUTURE]
    elif date < locked.start_date:
        errors["date"] = [MSG_END_BEFORE_START % {"date": format_date(locked.start_date)}]
    if not reason:
        errors["reason"] = [MSG_END_REASON]
    if errors:
        raise ValidationError(errors)
    locked.end_date = date
    locked.end_reason = reason[:255]
    locked.save(update_fields=["end_date", "end_reason", "updated_at"])
    mentorship.end_date, mentorship.end_reason = locked.end_date, locked.end_reason
    return locked


def can_record_contact(user: User, mentorship: Mentorship) -> bool:
    """The mentor and the leadership of the student's school."""
    return mentorship.teacher_id == user.pk or scoping.is_leader_of(
        user, mentorship.student.school_id
    )


@transaction.atomic
def mentor_contact_record(
    *, mentorship: Mentorship, user: User, date: datetime.date, method: str, content: str
) -> MentorContact:
    """Log a contact of the mentor with their mentee. Refuses a date in the future, before the
    mentorship began or after it ended, empty content, and anyone but the mentor and the
    leadership. The same contact sent twice within two minutes is saved once."""
    if not can_record_contact(user, mentorship):
        raise PermissionDenied(MSG_CONTACT_WHO)
    content = (content or "").strip()
    errors: dict[str, list] = {}
    if date > today():
        errors["date"] = [MSG_CONTACT_FUTURE]
    elif date < mentorship.start_date:
        errors["date"] = [MSG_CONTACT_BEFORE_START % {"date": format_date(mentorship.start_date)}]
    elif mentorship.end_date is not None and date > mentorship.end_date:
        errors["date"] = [MSG_CONTACT_AFTER_END % {"date": format_date(mentorship.end_date)}]
    if not content:
        errors["content"] = [MSG_CONTACT_EMPTY]
    if errors:
        raise ValidationError(errors)
    since = timezone.now() - datetime.timedelta(seconds=DOUBLE_SUBMIT_SECONDS)
    same = MentorContact.objects.filter(
        mentorship=mentorship,
        date=date,
        method=method,
        content=content,
        recorded_by=user,
        created_at__gte=since,
    ).first()
    if same is not None:
        return same
    contact = MentorContact(
        mentorship=mentorship, date=date, method=method, content=content, recorded_by=user
    )
    contact.full_clean()
    contact.save()
    return contact


def active_mentors(student_ids) -> dict[int, User]:
    """student id → their active mentor (one query); see ``selectors_mentors.active_mentors``."""
    from .selectors_mentors import active_mentors as read

    return read(student_ids)
