"""The early-warning list, the coverage page ("no student forgotten"), their home-page panel and
the office's counts per school (under /van-dong/).

Leaders see the whole school, a GVCN their class (``scoping_cases.warning_classroom_ids``); office
staff see counts only, on their own page. Opening the list or the coverage page is logged.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from schools.models import Classroom
from schools.scoping import scope_for

from . import selectors_coverage as cov
from . import selectors_warning as sel
from .audit import log_access
from .forms_warning import WarningFilterForm
from .models_cases import RecordAccess
from .scoping_cases import (
    can_assign_mentors,
    can_read_warning,
    office_school_ids,
    warning_classroom_ids,
)

PAGE_SIZE = 50


def _classrooms(user):
    """The classes of the current year whose students the user may see on these lists."""
    scope = scope_for(user)
    allowed = warning_classroom_ids(user)
    classrooms = Classroom.objects.filter(school_year=scope.year)
    if allowed is not None:
        classrooms = classrooms.filter(pk__in=allowed)
    return classrooms.order_by("grade", "name"), allowed


@login_required
@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(can_read_warning(request.user))
    if scope.year is None:
        return render(request, "retention/warning/list.html", {"no_year": True})
    classrooms, allowed = _classrooms(request.user)
    form = WarningFilterForm(request.GET or None, classrooms=classrooms)
    f = form.filters()
    ids = allowed
    if f["classroom"] is not None:
        ids = {f["classroom"].pk}
    elif f["grade"] is not None:
        ids = {c.pk for c in classrooms if c.grade == f["grade"]}
    data = sel.early_warning(scope.year, classroom_ids=ids, today=sel.today())
    rows = [r for r in data.rows if r.case is None] if f["without_case"] else data.rows
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    log_access(request.user, RecordAccess.Kind.WARNING, school_id=scope.school.pk)
    context = {
        "form": form,
        "data": data,
        "rows": list(page),
        "shown_count": len(rows),
        "page": page,
        "single_class": allowed is not None and len(allowed) == 1,
    }
    return render(request, "retention/warning/list.html", context)


def _keep_usable_links(user, data: cov.Coverage) -> None:
    """Leave only the links the user may follow: a group for a subject they may set one up in
    (leaders, the subject's tổ trưởng); a mentor for leaders and GVCNs (who take on students of
    their class)."""
    from tutoring.scoping import can_create_group

    scope = scope_for(user)
    mentors = can_assign_mentors(user) or bool(scope.homeroom_class_ids)
    for gap in data.uncovered:
        gap.group_links = [g for g in gap.group_links if can_create_group(user, g.subject_id)]
        if not mentors:
            gap.mentor_url = None


@login_required
@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(can_read_warning(request.user))
    if scope.year is None:
        return render(request, "retention/warning/coverage.html", {"no_year": True})
    _classes, allowed = _classrooms(request.user)
    data = cov.coverage(scope.year, classroom_ids=allowed, today=sel.today())
    _keep_usable_links(request.user, data)
    log_access(request.user, RecordAccess.Kind.WARNING, school_id=scope.school.pk)
    context = {"data": data, "single_class": allowed is not None and len(allowed) == 1}
    return render(request, "retention/warning/coverage.html", context)


@login_required
@require_GET
def warning_home_panel(request: HttpRequest) -> HttpResponse:
    """The home page's panel (loaded with htmx; without JavaScript a page of its own): students
    on the early-warning list without a case, and the share covered. Counts only."""
    scope = scope_for(request.user)
    scope.require(can_read_warning(request.user))
    context = {"no_year": scope.year is None, "leader": scope.is_leader}
    if scope.year is not None:
        _classes, allowed = _classrooms(request.user)
        context["data"] = cov.coverage(scope.year, classroom_ids=allowed, today=sel.today())
    template = "retention/warning/home_summary.html"
    if request.htmx:
        template += "#summary"
    return render(request, template, context)


@login_required
@require_GET
def risk_office_summary(request: HttpRequest) -> HttpResponse:
    """Office staff: one row of counts per school under their office (never a name)."""
    scope = scope_for(request.user)
    scope.require(scope.is_office)
    data = cov.office_summary(office_school_ids(request.user), today=sel.today())
    return render(request, "retention/warning/office_summary.html", {"data": data})
