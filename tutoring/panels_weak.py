"""The weak register's panels (see lib/panels.py): the home page's counts for leaders and
homeroom teachers, and the student page's weak records with causes and support."""

from lib.panels import register
from schools.scoping import scope_for

from . import scoping
from . import selectors_weak as sel


@register("home", order=40)
def weak_home_panel(request, obj=None):
    """Leaders: the school's weak students, how many wait for confirmation, how many nobody
    supports yet. A GVCN: the same for their class, with a link to its causes page."""
    summary = sel.home_summary(request.user)
    if summary is None:
        return None
    return "tutoring/weak/home_panel.html", {"summary": summary}


@register("student", order=50)
def weak_student_panel(request, student=None):
    if student is None:
        return None
    data = sel.student_weak(request.user, student)
    if data is None:
        return None
    scope = scope_for(request.user)
    can_refer = (
        scoping.can_refer(request.user)
        and sel.referable_students(request.user).filter(pk=student.pk).exists()
    )
    if not data.items and not can_refer:
        return None
    context = {"data": data, "can_refer": can_refer, "year": scope.year}
    return "tutoring/weak/student_panel.html", context
