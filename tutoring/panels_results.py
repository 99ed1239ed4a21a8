"""Home and student panels: results (see lib/panels.py).

The student page shows the student's results of the current year, term by term, to whoever may
read them (``tutoring.scoping.results_students``): not to the youth union or the office.
"""

from django.urls import reverse

from lib.panels import register
from schools.models import SchoolSettings
from schools.scoping import scope_for

from .models import SubjectResult, Term
from .scoping import results_classrooms, results_students
from .selectors_results import student_results

SHORT = {Term.SURVEY: "KS", Term.HK1: "HK I", Term.HK2: "HK II", Term.YEAR: "CN"}


@register("student", order=40)
def student_results_panel(request, student):
    scope = scope_for(request.user)
    year = scope.year
    if year is None or student.school_id != year.school_id:
        return None
    if not results_students(request.user).filter(pk=student.pk).exists():
        return None
    threshold = SchoolSettings.for_school(year.school_id).weak_threshold
    results = student_results(student, year, threshold=threshold)
    class_url = None
    if not results.empty:
        latest = (
            SubjectResult.objects.filter(student=student, school_year=year)
            .order_by("-term", "-updated_at")
            .values_list("classroom_id", flat=True)
            .first()
        )
        if latest and results_classrooms(request.user).filter(pk=latest).exists():
            class_url = reverse("results_class", args=[latest])
    return "tutoring/results/panel_student.html", {
        "year": year,
        "results": results,
        "term_labels": [SHORT[t] for t in results.terms],
        "class_url": class_url,
    }
