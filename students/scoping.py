"""The one place that decides which students a user may see and change."""

from django.db.models import QuerySet
from django.http import Http404

from schools.scoping import scope_for

from .models import Enrollment, Student


def filter_students(qs: QuerySet, user) -> QuerySet:
    scope = scope_for(user)
    if scope.school is None or not scope.roles - {"office"}:
        # Office staff read figures, not children's records.
        return qs.none()
    qs = qs.filter(school=scope.school)
    if scope.is_school_wide:
        return qs
    class_ids = scope.homeroom_class_ids | scope.taught_class_ids
    if not class_ids:
        return qs.none()
    return qs.filter(
        pk__in=Enrollment.objects.filter(classroom_id__in=class_ids).values("student_id")
    )


def can_edit_student(user, student: Student) -> bool:
    """Leaders and the clerk edit any student of the school; a GVCN edits their class's."""
    scope = scope_for(user)
    if scope.school is None or student.school_id != scope.school.pk:
        return False
    if scope.can_manage_students:
        return True
    return Enrollment.objects.filter(
        student=student, end_date__isnull=True, classroom_id__in=scope.homeroom_class_ids
    ).exists()


def get_student_for_user(user, pk: int, *, write: bool = False) -> Student:
    student = Student.objects.for_user(user).filter(pk=pk).select_related("school").first()
    if student is None:
        raise Http404
    if write:
        scope_for(user).require(can_edit_student(user, student))
    return student


def filter_roster_imports(qs: QuerySet, user) -> QuerySet:
    """Roster imports hold children's data: only the people who manage students see them."""
    scope = scope_for(user)
    if scope.school is None or not scope.can_manage_students:
        return qs.none()
    return qs.filter(school=scope.school)


def get_roster_import_for_user(user, pk: int, *, write: bool = False):
    """Another school's import (or none at all) is 404; a colleague who cannot manage students
    gets 403, for reading too: the rows are children's personal data."""
    from .models import RosterImport

    scope = scope_for(user)
    found = None
    if scope.school is not None and scope.roles - {"office"}:
        found = (
            RosterImport.objects.filter(school=scope.school, pk=pk)
            .select_related("school_year__school", "classroom", "created_by", "applied_by")
            .first()
        )
    if found is None:
        raise Http404
    scope.require(scope.can_manage_students)
    return found
