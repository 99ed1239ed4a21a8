"""Who may read and change what in the retention app (attendance, alerts, class size).

Same contract as ``schools.scoping``: a class or record outside the user's school answers 404,
exactly as one that does not exist; a role that may see the class but not do this answers 403.
Rules about *which days* may be changed live in the services, not here.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from schools.models import Classroom, Role
from schools.scoping import Scope, get_classroom_for_user, scope_for

# --- attendance --------------------------------------------------------------------------------


def _is_leader_of(scope: Scope, classroom: Classroom) -> bool:
    return (
        scope.is_leader
        and scope.school is not None
        and classroom.school_year.school_id == scope.school.pk
    )


def can_use_attendance(scope: Scope) -> bool:
    """Reads some roll or records lateness: leaders, the youth union, homeroom and subject
    teachers. The clerk, subject-group heads without a class and office staff do not."""
    if scope.school is None or scope.year is None:
        return False
    return bool(
        scope.is_leader
        or Role.YOUTH_UNION in scope.roles
        or scope.homeroom_class_ids
        or scope.taught_class_ids
    )


def attendance_classrooms(user) -> QuerySet[Classroom]:
    """Classes whose roll the user may read: every class of the school for leaders and the youth
    union (they record lateness school-wide); a GVCN their class; a subject teacher the classes
    they teach."""
    scope = scope_for(user)
    qs = Classroom.objects.for_user(user)
    if not can_use_attendance(scope):
        return qs.none()
    if scope.is_leader or Role.YOUTH_UNION in scope.roles:
        return qs
    return qs.filter(pk__in=scope.homeroom_class_ids | scope.taught_class_ids)


def can_read_attendance(user, classroom: Classroom) -> bool:
    scope = scope_for(user)
    if not can_use_attendance(scope) or classroom.school_year_id != scope.year.pk:
        return False
    return (
        _is_leader_of(scope, classroom)
        or Role.YOUTH_UNION in scope.roles
        or classroom.pk in scope.homeroom_class_ids
        or classroom.pk in scope.taught_class_ids
    )


def can_take_roll(user, classroom: Classroom) -> bool:
    """Leaders of the school and the class's homeroom teacher (GVCN) take and correct the roll."""
    scope = scope_for(user)
    return _is_leader_of(scope, classroom) or classroom.pk in scope.homeroom_class_ids


def is_attendance_leader(user, classroom: Classroom) -> bool:
    """Principal and vice-principals change any day's roll of their school; others have a window."""
    return _is_leader_of(scope_for(user), classroom)


def can_record_conduct(user, classroom: Classroom) -> bool:
    """Lateness and skipped periods: the youth union school-wide, leaders, the class's GVCN."""
    scope = scope_for(user)
    if scope.school is None or classroom.school_year.school_id != scope.school.pk:
        return False
    return (
        _is_leader_of(scope, classroom)
        or Role.YOUTH_UNION in scope.roles
        or classroom.pk in scope.homeroom_class_ids
    )


def conduct_classrooms(user) -> QuerySet[Classroom]:
    """Classes whose students the user may record lateness and skipped periods for."""
    scope = scope_for(user)
    qs = Classroom.objects.for_user(user)
    if scope.school is None or scope.year is None:
        return qs.none()
    if scope.is_leader or Role.YOUTH_UNION in scope.roles:
        return qs
    return qs.filter(pk__in=scope.homeroom_class_ids)


def get_classroom_for_attendance(user, pk: int, *, write: bool = False) -> Classroom:
    """A class of the user's school year (else 404) whose roll they may read (else 403);
    ``write``: whose roll they may take (else 403)."""
    classroom = get_classroom_for_user(user, pk)
    scope = scope_for(user)
    scope.require(can_read_attendance(user, classroom))
    if write:
        scope.require(can_take_roll(user, classroom))
    return classroom


def get_conduct_event_for_user(user, pk: int, *, write: bool = False):
    """A lateness or skipped-period record of a student of the user's school whose class they
    may read (else 404); ``write``: one they may record for that class (else 403)."""
    from students.models import Enrollment

    from .models import ConductEvent

    scope = scope_for(user)
    event = None
    if can_use_attendance(scope):
        event = (
            ConductEvent.objects.filter(pk=pk, student__school=scope.school)
            .select_related("student")
            .first()
        )
    if event is None:
        raise Http404
    enrollment = (
        Enrollment.objects.active_on(event.date)
        .filter(student_id=event.student_id, classroom__school_year=scope.year)
        .select_related("classroom__school_year")
        .first()
    )
    if enrollment is None or not can_read_attendance(user, enrollment.classroom):
        raise Http404
    if write:
        scope.require(can_record_conduct(user, enrollment.classroom))
    event.classroom = enrollment.classroom
    return event
