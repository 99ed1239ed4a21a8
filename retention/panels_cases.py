"""The risk cases' panels (see lib/panels.py): the student page's cases (only for the people who
may read them) and the home page's follow-up for GVCNs and the leadership."""

from lib.panels import register

from . import selectors_cases as sel


@register("student", order=35)
def cases_student_panel(request, student=None):
    if student is None:
        return None
    data = sel.student_cases(request.user, student)
    if data is None:
        return None
    return "retention/cases/student_panel.html", {"data": data}


@register("home", order=25)
def cases_home_panel(request, obj=None):
    data = sel.home_cases(request.user)
    if data is None:
        return None
    return "retention/cases/home_panel.html", {"data": data, "today": sel.today()}
