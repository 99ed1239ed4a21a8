"""Sponsor and support pages (under /tai-tro/): the sponsors with the school's totals for a
year, one sponsor's history, recording, correcting and deleting support given to a student.

Who: the leadership and the clerk manage sponsors and see the totals
(``scoping_cases.can_manage_sponsors``); support for a student is recorded by the leadership,
the clerk, the GVCN and the owner of the student's active case (``can_record_support``) and
changed by whoever recorded it, the leadership or the clerk. Another school's sponsor, support
or student is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from schools.scoping import scope_for
from students.models import Student

from . import scoping_cases as scoping
from . import selectors_support as sel
from . import services_support as svc
from .forms_support import SponsorForm, SupportForm
from .models_cases import RiskCase, Sponsor
from .services_support import money, today


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def _sponsors(user):
    return scoping.filter_sponsors(Sponsor.objects.all(), user).order_by("name", "pk")


# --- sponsors -------------------------------------------------------------------------------------


@login_required
@require_GET
def sponsor_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scoping.can_manage_sponsors(request.user))
    year, years = sel.pick_year(request.user, request.GET.get("year"))
    data = sel.sponsor_list(request.user, year, years)
    return render(request, "retention/support/sponsor_list.html", {"data": data})


@login_required
@require_http_methods(["GET", "POST"])
def sponsor_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scoping.can_manage_sponsors(request.user))
    form = SponsorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sponsor = svc.sponsor_create(
                school=scope.school, user=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The sponsor %(name)s was added.") % {"name": sponsor.name})
            return redirect("sponsor_detail", pk=sponsor.pk)
    return render(request, "retention/support/sponsor_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def sponsor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sponsor = scoping.get_sponsor_for_user(request.user, pk, write=True)
    form = SponsorForm(request.POST or None, instance=sponsor)
    if request.method == "POST" and form.is_valid():
        try:
            svc.sponsor_update(sponsor=sponsor, user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The sponsor's details were saved."))
            return redirect("sponsor_detail", pk=sponsor.pk)
    context = {"form": form, "sponsor": Sponsor.objects.get(pk=sponsor.pk)}
    return render(request, "retention/support/sponsor_form.html", context)


@login_required
@require_GET
def sponsor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sponsor = scoping.get_sponsor_for_user(request.user, pk)
    scope_for(request.user).require(scoping.can_manage_sponsors(request.user))
    data = sel.sponsor_history(sponsor)
    return render(request, "retention/support/sponsor_detail.html", {"data": data})


# --- support --------------------------------------------------------------------------------------


def _student_from_query(request: HttpRequest, scope) -> Student | None:
    """?student=<id>: a student of the user's school (404 for a garbage id or another school's
    student); None when not given."""
    raw = request.GET.get("student")
    if raw in (None, ""):
        return None
    pk = _int(raw)
    student = Student.objects.filter(pk=pk, school_id=scope.school.pk).first() if pk else None
    if student is None:
        raise Http404
    return student


def _back(student: Student) -> str:
    return reverse("student_detail", args=[student.pk])


@login_required
@require_http_methods(["GET", "POST"])
def support_create(request: HttpRequest) -> HttpResponse:
    """?student=<id>[&case=<id>]: record support for the student (without a student the form
    asks for one among those the user may record support for)."""
    scope = scope_for(request.user)
    scope.require(scoping.in_school(scope) and scope.year is not None)
    student = _student_from_query(request, scope)
    case = None
    if student is not None:
        scope.require(scoping.can_record_support(request.user, student))
        raw_case = request.GET.get("case")
        if raw_case:
            pk = _int(raw_case)
            case = (
                RiskCase.objects.for_user(request.user).filter(pk=pk, student=student).first()
                if pk
                else None
            )
            if case is None:
                raise Http404
        students = None
    else:
        students = sel.students_to_support(request.user)
        scope.require(bool(students) or scoping.can_manage_sponsors(request.user))
    form = SupportForm(
        request.POST or None,
        initial={"date": today(), "case": case.pk if case else None},
        sponsors=_sponsors(request.user),
        cases=sel.cases_of(request.user, student) if student else None,
        students=students,
    )
    if request.method == "POST" and form.is_valid():
        chosen = student or form.chosen_student()
        try:
            if not scoping.can_record_support(request.user, chosen):
                raise Http404
            support = svc.support_record(student=chosen, user=request.user, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Support of %(value)s for %(name)s was recorded.")
                % {"value": money(support.value) or support.get_kind_display(), "name": chosen},
            )
            return redirect(_back(chosen))
    context = {"form": form, "student": student, "case": case}
    return render(request, "retention/support/support_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def support_edit(request: HttpRequest, pk: int) -> HttpResponse:
    support = scoping.get_support_for_user(request.user, pk, write=True)
    student = support.student
    initial = {
        "kind": support.kind,
        "description": support.description,
        "value": support.value,
        "date": support.date,
        "sponsor": support.sponsor_id,
        "case": support.case_id,
    }
    form = SupportForm(
        request.POST or None,
        initial=initial,
        sponsors=_sponsors(request.user),
        cases=sel.cases_of(request.user, student),
    )
    if request.method == "POST" and form.is_valid():
        try:
            svc.support_update(support=support, user=request.user, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The support record was saved."))
            return redirect(_back(student))
    context = {"form": form, "student": student, "support": support}
    return render(request, "retention/support/support_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def support_delete(request: HttpRequest, pk: int) -> HttpResponse:
    support = scoping.get_support_for_user(request.user, pk, write=True)
    student = support.student
    if request.method == "POST":
        svc.support_delete(support=support, user=request.user)
        messages.success(request, _("The support record was deleted."))
        return redirect(_back(student))
    description = support.get_kind_display()
    if support.value is not None:
        description += f" · {money(support.value)}"
    context = {
        "title": _("Delete this support record?"),
        "message": _("%(what)s for %(name)s on %(date)s. The change history keeps a copy.")
        % {"what": description, "name": student.full_name, "date": f"{support.date:%d/%m/%Y}"},
        "button": _("Delete"),
        "danger": True,
        "cancel_url": _back(student),
    }
    return render(request, "schools/confirm.html", context)
