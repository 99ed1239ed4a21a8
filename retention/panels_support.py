"""The support panel of the student page (see lib/panels.py): what the student received, from
whom, with this year's and all-time totals, and the button to record support."""

from lib.panels import register

from . import selectors_support as sel


@register("student", order=64)
def support_student_panel(request, student=None):
    if student is None:
        return None
    data = sel.student_support(request.user, student)
    if data is None:
        return None
    return "retention/support/student_panel.html", {"data": data}
