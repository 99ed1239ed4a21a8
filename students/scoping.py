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
