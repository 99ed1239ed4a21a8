"""Home and student panels: groups (see lib/panels.py).

* Home, for a tutor: their running groups, how many sessions are still to record, and one big
  link to the latest one. For leaders: groups, students in groups and sessions this month.
* Student page: the student's groups (those the reader may see) and their attendance in each.
"""

from lib.panels import register
from schools.scoping import scope_for

from . import scoping
from . import selectors_groups as sel


@register("home", order=60)
def groups_home_panel(request, _obj=None):
    scope = scope_for(request.user)
    if not scoping.in_school(scope) or scope.year is None:
        return None
    groups = sel.tutor_overview(request.user)
    counts = sel.leader_counts(request.user) if scope.is_leader else None
    if not groups and counts is None:
        return None
    next_item = None
    for item in groups:
        due = item.next_due
        if due is not None and (next_item is None or due.date > next_item[1].date):
            next_item = (item.group, due)
    return "tutoring/groups/panel_home.html", {
        "groups": groups,
        "next": next_item,
        "counts": counts,
        "due_total": sum(len(item.due) for item in groups),
    }


@register("student", order=60)
def groups_student_panel(request, student=None):
    if student is None:
        return None
    scope = scope_for(request.user)
    if not scoping.in_school(scope) or student.school_id != scope.school.pk:
        return None
    rows = sel.student_groups(request.user, student)
    if not rows:
        return None
    return "tutoring/groups/panel_student.html", {"rows": rows}
