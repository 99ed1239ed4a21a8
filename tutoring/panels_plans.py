"""Home and student panels of the plans area (see lib/panels.py): on the student page, the
contacts with the family about learning, the grade-9 counselling and the peer pairs, for the
people who may see them (GVCN of the class and leaders; subject teachers of the class see the
peer pairs)."""

from lib.panels import register
from schools.scoping import scope_for

from . import selectors_family as sel
from .scoping import in_school


@register("student", order=60)
def learning_support_panel(request, student=None):
    if student is None:
        return None
    scope = scope_for(request.user)
    if not in_school(scope) or student.school_id != scope.school.pk:
        return None
    data = sel.student_support(request.user, student)
    if data is None:
        return None
    return "tutoring/family/student_panel.html", {"data": data}
