"""Results pages: the school's classes and their results, a class's grid (read, and corrected
by who may), a subject across a grade.

Each view: access function (404 outside the school, 403 for a role that may only read) → form
→ service or selector → render. The term travels as ``?term=0|1|2|3``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from schools.models import SchoolSettings, Subject
from schools.scoping import scope_for

from .forms_results import ResultGridForm, SubjectReportForm, TermForm, loaded_json
from .models import Term
from .scoping import (
    can_manage_results,
    get_results_classroom_for_user,
    head_subject_ids,
    in_school,
    is_school_wide,
    results_classrooms,
    tutor_result_cells,
)
from .selectors_results import (
    TERM_ORDER,
    class_grid,
    grade_terms_with_results,
    latest_term_with_results,
    ordered_subjects,
    results_overview,
    subject_across_grade,
)
from .services_results import save_grid, value_text

TERM_SHORT = {
    Term.SURVEY: "KS",
    Term.HK1: "HK I",
    Term.HK2: "HK II",
    Term.YEAR: "CN",
}


def import_url(classroom_id: int | None = None, term: int | None = None) -> str | None:
    """The import page (another area's), if it is there, with the class and term filled in."""
    try:
        url = reverse("results_import")
    except NoReverseMatch:
        return None
    query = {k: v for k, v in (("classroom", classroom_id), ("term", term)) if v is not None}
    return f"{url}?{urlencode(query)}" if query else url


def class_url(classroom_id: int, term: int, **extra) -> str:
    return f"{reverse('results_class', args=[classroom_id])}?{urlencode({'term': term, **extra})}"


def _term_tabs(classroom_id: int, current: int) -> list[dict]:
    return [
        {
            "term": t,
            "label": Term(t).label,
            "short": TERM_SHORT[t],
            "url": class_url(classroom_id, t),
            "active": t == current,
        }
        for t in TERM_ORDER
    ]


# --- overview ------------------------------------------------------------------------------------


@login_required
@require_GET
def results_home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    classrooms = list(
        results_classrooms(request.user).select_related("school_year").order_by("grade", "name")
    )
    scope.require(in_school(scope) and bool(classrooms))
    statuses = results_overview(classrooms)
    importing = import_url() is not None
    blocks: dict[int, list] = {}
    for status in statuses:
        status.can_manage = can_manage_results(request.user, status.classroom)
        for term_status in status.terms:
            term_status.url = class_url(status.classroom.pk, term_status.term)
            term_status.import_url = (
                import_url(status.classroom.pk, term_status.term)
                if importing and status.can_manage and term_status.term != Term.YEAR
                else None
            )
        blocks.setdefault(status.classroom.grade, []).append(status)
    context = {
        "blocks": sorted(blocks.items()),
        "terms": [(t, Term(t).label, TERM_SHORT[t]) for t in TERM_ORDER],
        "import_url": import_url() if any(s.can_manage for s in statuses) else None,
        "subject_url": reverse("results_subject"),
        "year": scope.year,
    }
    return render(request, "tutoring/results/home.html", context)


# --- a class's grid ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def results_class(request: HttpRequest, pk: int) -> HttpResponse:
    posting = request.method == "POST"
    classroom = get_results_classroom_for_user(request.user, pk)
    scope = scope_for(request.user)
    term_form = TermForm(request.GET)
    term = term_form.cleaned_data["term"] if term_form.is_valid() else None
    if term is None:
        term = Term.HK1 if posting else latest_term_with_results(classroom)
    manager = can_manage_results(request.user, classroom)
    editable = None
    if not manager:
        editable = tutor_result_cells(
            request.user, classroom.enrollments.values_list("student_id", flat=True)
        )
    may_edit = term != Term.YEAR and (manager or bool(editable))
    if posting:
        scope.require(may_edit)
    editing = may_edit and (posting or request.GET.get("edit") == "1")
    settings = SchoolSettings.for_school(classroom.school_year.school_id)
    grid = class_grid(
        classroom,
        term,
        threshold=settings.weak_threshold,
        editing=editing,
        editable=editable if editing else None,
    )
    form = ResultGridForm(request.POST if posting else None, grid=grid)
    conflicts = []
    loaded = loaded_json(grid)
    if posting and form.is_valid():
        try:
            saved = save_grid(
                classroom=classroom,
                term=term,
                values=form.cleaned_data["values"],
                loaded=form.cleaned_data["loaded"],
                user=request.user,
                allowed=editable,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not saved.conflicts:
                messages.success(request, _saved_message(saved.saved))
                return redirect(class_url(classroom.pk, term))
            conflicts = _describe_conflicts(grid, saved.conflicts)
    if posting:
        conflict_names = {c["name"] for c in conflicts}
        grid.mark(form.typed, form.cell_errors, conflict_names)
        if not conflicts:
            # Refused for bad input: keep what they loaded, so the next try still compares
            # against what they saw.
            loaded = request.POST.get("loaded", loaded)
    context = {
        "classroom": classroom,
        "grid": grid,
        "term": term,
        "term_label": Term(term).label,
        "tabs": _term_tabs(classroom.pk, term),
        "form": form,
        "loaded": loaded,
        "editing": editing,
        "may_edit": may_edit,
        "manager": manager,
        "conflicts": conflicts,
        "cell_errors": _describe_errors(grid, form.cell_errors) if posting else [],
        "edit_url": class_url(classroom.pk, term, edit=1),
        "view_url": class_url(classroom.pk, term),
        "action": class_url(classroom.pk, term),
        "import_url": import_url(classroom.pk, term) if manager and term != Term.YEAR else None,
        "subject_url": f"{reverse('results_subject')}?"
        + urlencode({"grade": classroom.grade, "term": term}),
        "home_url": reverse("results_home"),
        "is_year": term == Term.YEAR,
        "is_survey": term == Term.SURVEY,
        "regulation": classroom.school_year.get_regulation_display(),
    }
    return render(request, "tutoring/results/class.html", context)


def _saved_message(count: int) -> str:
    if count == 0:
        return _("Nothing was changed.")
    return ngettext(
        "Saved: %(n)s result changed. Learning results were recomputed.",
        "Saved: %(n)s results changed. Learning results were recomputed.",
        count,
    ) % {"n": count}


def _cells_by_name(grid) -> dict[str, tuple]:
    return {cell.name: (row, cell) for row in grid.rows for cell in row.cells}


def _describe_conflicts(grid, conflicts) -> list[dict]:
    from .selectors_results import field_name

    cells = _cells_by_name(grid)
    out = []
    for c in conflicts:
        name = field_name(c.student_id, c.subject_id)
        row, cell = cells.get(name, (None, None))
        if row is None:
            continue
        out.append(
            {
                "name": name,
                "student": row.student.full_name,
                "subject": cell.subject.short_name,
                "loaded": value_text(c.loaded),
                "current": value_text(c.current),
                "mine": value_text(c.mine),
            }
        )
    return out


def _describe_errors(grid, errors: dict[str, str]) -> list[dict]:
    cells = _cells_by_name(grid)
    return [
        {
            "name": name,
            "number": cells[name][0].number,
            "student": cells[name][0].student.full_name,
            "subject": cells[name][1].subject.short_name,
            "message": message,
        }
        for name, message in errors.items()
        if name in cells
    ]


# --- a subject across a grade --------------------------------------------------------------------


def _subject_scope(user, classrooms):
    """Which subjects the user may compare and, per subject, across which classes: leaders and
    the clerk every subject in every class; a tổ trưởng their group's subjects in every class;
    teachers and GVCNs any subject in the classes they may see as such."""
    scope = scope_for(user)
    subjects = list(Subject.objects.all())
    if is_school_wide(scope):
        return ordered_subjects(subjects), lambda subject: classrooms
    heads = head_subject_ids(scope)
    own_ids = scope.homeroom_class_ids | scope.taught_class_ids
    own = [c for c in classrooms if c.pk in own_ids]

    def classes_for(subject):
        return classrooms if subject.pk in heads else own

    allowed = [s for s in subjects if s.pk in heads or own]
    return ordered_subjects(allowed), classes_for


@login_required
@require_GET
def results_subject(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    classrooms = list(
        results_classrooms(request.user).select_related("school_year").order_by("grade", "name")
    )
    scope.require(in_school(scope) and bool(classrooms))
    subjects, classes_for = _subject_scope(request.user, classrooms)
    scope.require(bool(subjects))
    grades = sorted({c.grade for c in classrooms})
    form = SubjectReportForm(request.GET or None, grades=grades, subjects=subjects)
    data = form.cleaned_data if form.is_valid() else {}
    notice = None
    if form.is_bound and not form.is_valid():
        notice = _("That choice is not available; showing the first one you may see.")
    grade = data.get("grade") or next((g for g in scope.vp_grades if g in grades), grades[0])
    by_id = {s.pk: s for s in subjects}
    default = next((s for s in subjects if s.code == "TOAN"), subjects[0])
    subject = by_id.get(data.get("subject")) or default
    classes = [c for c in classes_for(subject) if c.grade == grade]
    term = data.get("term")
    if term is None:
        present = grade_terms_with_results(classes, subject) if classes else set()
        term = max(present) if present else Term.HK1
    threshold = SchoolSettings.for_school(scope.school).weak_threshold
    report = subject_across_grade(classes, subject, term, grade=grade, threshold=threshold)
    for line in report.lines:
        line.url = class_url(line.classroom.pk, term)
    form = SubjectReportForm(
        initial={"grade": grade, "subject": subject.pk, "term": term},
        grades=grades,
        subjects=subjects,
    )
    context = {
        "form": form,
        "report": report,
        "term_label": Term(term).label,
        "notice": notice,
        "home_url": reverse("results_home"),
        "no_classes": not classes,
    }
    return render(request, "tutoring/results/subject.html", context)
