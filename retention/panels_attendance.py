"""Attendance panels: a student's absences on their page; today's roll on a GVCN's home page."""

from django.utils import timezone

from lib.panels import register
from schools.models import Classroom
from schools.scoping import scope_for

from .selectors_attendance import attendance_overview, student_attendance
from .services_attendance import school_day_problem, school_settings


@register("student", order=20)
def student_attendance_panel(request, student):
    """Absences this semester and year (toward the 45-session limit), lateness, skipped periods.
    Shown to whoever may open the student's page (the page has checked that)."""
    scope = scope_for(request.user)
    year = scope.year
    if year is None or student.school_id != year.school_id:
        return None
    settings = school_settings(year.school_id)
    summary = student_attendance(student, year, settings, timezone.localdate())
    return "retention/attendance/panel_student.html", {
        "summary": summary,
        "step": round(summary.limit_percent / 10) * 10,
    }


@register("home", order=10)
def homeroom_roll_panel(request, _obj=None):
    """A homeroom teacher's one tap to today's roll of their class."""
    scope = scope_for(request.user)
    if not scope.homeroom_class_ids or scope.year is None:
        return None
    today = timezone.localdate()
    classrooms = Classroom.objects.filter(
        pk__in=scope.homeroom_class_ids, school_year=scope.year
    ).select_related("school_year")
    settings = school_settings(scope.year.school_id)
    blocks = attendance_overview(classrooms, today, settings)
    return "retention/attendance/panel_home.html", {
        "classes": [c for b in blocks for c in b.classes],
        "problem": school_day_problem(scope.year, today, today),
    }
