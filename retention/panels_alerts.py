"""The alerts' panels: the home page's dashboard (leaders, GVCN) and the student page's alerts
and contacts with the family (see lib/panels.py)."""

from lib.panels import register
from schools.scoping import scope_for

from . import selectors_alerts as sel


@register("home", order=20)
def alerts_home_panel(request, obj=None):
    """A placeholder the page fills with htmx from ``alerts_dashboard``: the home page itself
    costs no query more, and the dashboard's own queries are pinned on its URL."""
    scope = scope_for(request.user)
    if scope.school is None or scope.year is None:
        return None
    if not (scope.is_leader or scope.homeroom_class_ids):
        return None
    return "retention/dashboard/home_panel.html", {"leader": scope.is_leader}


@register("student", order=30)
def alerts_student_panel(request, student=None):
    if student is None:
        return None
    scope = scope_for(request.user)
    if scope.school is None or student.school_id != scope.school.pk:
        return None
    data = sel.student_alerts(request.user, student)
    return "retention/alerts/student_panel.html", {"data": data, "next": request.get_full_path()}
