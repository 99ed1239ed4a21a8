"""The mentors' panels (see lib/panels.py): "my mentees" on a teacher's home page and the
school's counts for leaders; the student page's mentor with the button to take them on or assign
one."""

from lib.panels import register

from . import selectors_mentors as sel


@register("home", order=55)
def mentors_home_panel(request, obj=None):
    data = sel.home_mentors(request.user)
    if data is None:
        return None
    return "retention/mentors/home_panel.html", {"data": data}


@register("student", order=62)
def mentors_student_panel(request, student=None):
    if student is None:
        return None
    data = sel.student_mentor(request.user, student)
    if data is None:
        return None
    return "retention/mentors/student_panel.html", {"data": data}
