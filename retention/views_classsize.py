"""Class-size pages: a class's figures and its monthly confirmation, and who has confirmed."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from lib.forms import add_service_errors
from schools.models import Classroom, Role, RoleAssignment, School, SchoolSettings
from schools.scoping import get_classroom_for_user, scope_for
from students.models import Student

from . import services_classsize
from .forms_classsize import (
    MONTH_PARAM,
    MSG_BAD_MONTH,
    ConfirmForm,
    MonthChoiceForm,
    month_param,
    parse_month,
    school_year_months,
)
from .models import ClassSizeConfirmation
from .selectors_classsize import (
    class_size_figures,
    confirmations_for,
    figures_by_block,
    month_period,
    movements_in_period,
    previous_confirmation,
)
from .services_classsize import (
    class_size_confirm,
    confirmation_window,
    figures_fingerprint,
    first_of_month,
    frozen_figures,
    frozen_period,
    is_late,
    live_figures,
    needs_explanation,
)


def _pick_month(request, months: list[datetime.date], raw: str | None) -> datetime.date | None:
    """The month asked for (?thang=2026-11), or the latest one; a bad or unavailable month is
    said so and replaced by the latest."""
    default = months[-1] if months else None
    if not raw:
        return default
    month = parse_month(raw)
    if month is None:
        messages.error(request, MSG_BAD_MONTH)
        return default
    if month not in months:
        messages.error(request, _NO_FIGURES % _label(month))
        return default
    return month


_NO_FIGURES = gettext_lazy("There are no class-size figures for %(month)s in this school year.")


def _label(month: datetime.date) -> dict:
    return {"month": f"{month.month:02d}/{month.year}"}


def _month_url(name: str, month: datetime.date, *args) -> str:
    return f"{reverse(name, args=args)}?{MONTH_PARAM}={month_param(month)}"


@login_required
@require_http_methods(["GET", "POST"])
def classsize_class(request: HttpRequest, pk: int) -> HttpResponse:
    """A class's figures for a month, live, and its confirmation by the homeroom teacher."""
    classroom = get_classroom_for_user(request.user, pk)
    scope = scope_for(request.user)
    is_homeroom = classroom.pk in scope.homeroom_class_ids
    scope.require(scope.is_leader or is_homeroom or scope.is_office)
    if request.method == "POST":
        scope.require(is_homeroom)
    on = services_classsize.today()
    year = classroom.school_year
    months = school_year_months(year, today=on)
    if request.method == "POST":
        month = parse_month(request.POST.get("month"))
        if month not in months:
            # A tampered or stale month: confirm nothing rather than another month.
            messages.error(request, MSG_BAD_MONTH if month is None else _NO_FIGURES % _label(month))
            return redirect("classsize_class", classroom.pk)
    else:
        month = _pick_month(request, months, request.GET.get(MONTH_PARAM))
    context: dict = {"classroom": classroom, "month": month, "is_homeroom": is_homeroom}
    if month is None:
        return render(request, "retention/classsize/class.html", context)

    settings = SchoolSettings.for_school(year.school_id)
    figures, start, end = live_figures(classroom, month, on=on)
    form = ConfirmForm(
        request.POST if request.method == "POST" else None,
        initial={"month": month_param(month), "fingerprint": figures_fingerprint(figures)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            class_size_confirm(
                classroom=classroom,
                month=month,
                user=request.user,
                explanation=form.cleaned_data["explanation"],
                fingerprint=form.cleaned_data["fingerprint"],
                on=on,
                homeroom_class_ids=scope.homeroom_class_ids,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The figures of class %(name)s for %(month)s are confirmed.")
                % {"name": classroom.name, "month": f"{month.month:02d}/{month.year}"},
            )
            return redirect(_month_url("classsize_class", month, classroom.pk))
        # Figures may have moved under the teacher: show the fresh ones with a fresh digest.
        form.data = form.data.copy()
        form.data["fingerprint"] = figures_fingerprint(figures)

    confirmation = confirmations_for([classroom], month).get(classroom.pk)
    previous = previous_confirmation(classroom, month)
    # Names only for the people who may see these children (office staff read figures).
    movements = []
    if scope.roles - {Role.OFFICE}:
        movements = movements_in_period(
            classroom, start=start, end=end, students=Student.objects.for_user(request.user)
        )
    context.update(
        {
            "months_form": MonthChoiceForm({MONTH_PARAM: month_param(month)}, months=months),
            "year": year,
            "start": start,
            "end": end,
            "figures": figures,
            "window": confirmation_window(settings, month, on=on),
            "confirmation": confirmation,
            "frozen": frozen_figures(confirmation) if confirmation else None,
            "frozen_period": frozen_period(confirmation) if confirmation else None,
            "confirmation_late": is_late(confirmation, settings) if confirmation else False,
            "changed_since": bool(confirmation)
            and frozen_figures(confirmation).core() != figures.core(),
            "needs_explanation": needs_explanation(figures, previous),
            "previous": previous,
            "previous_figures": frozen_figures(previous) if previous else None,
            "form": form,
            "movements": movements,
            "target": settings.dropout_target_percent,
            "is_current_month": month == first_of_month(on),
        }
    )
    return render(request, "retention/classsize/class.html", context)


@login_required
def classsize_status(request: HttpRequest) -> HttpResponse:
    """Who has confirmed this month: every class for the principal and vice-principals (their
    blocks first); a homeroom teacher goes to their class; office staff see their schools."""
    scope = scope_for(request.user)
    if scope.is_office:
        return _office_status(request, scope)
    if not scope.is_leader and scope.homeroom_class_ids:
        return redirect("classsize_class", sorted(scope.homeroom_class_ids)[0])
    scope.require(scope.is_leader and scope.year is not None)
    on = services_classsize.today()
    months = school_year_months(scope.year, today=on)
    month = _pick_month(request, months, request.GET.get(MONTH_PARAM))
    context: dict = {"month": month, "year": scope.year, "school": scope.school}
    if month is None:
        return render(request, "retention/classsize/status.html", context)
    classrooms = list(Classroom.objects.for_user(request.user).select_related("school_year"))
    start, end = month_period(month, today=on)
    live = class_size_figures(classrooms, start=start, end=end)
    confirmations = confirmations_for(classrooms, month)
    teachers = {
        a.classroom_id: a.user
        for a in RoleAssignment.objects.filter(
            role=Role.HOMEROOM, classroom__in=classrooms
        ).select_related("user")
    }
    settings = SchoolSettings.for_school(scope.school)
    blocks, school = figures_by_block(classrooms, live, first=scope.vp_grades)
    rows_by_block = []
    for block in blocks:
        rows = []
        for classroom, figures in block.rows:
            confirmation = confirmations.get(classroom.pk)
            rows.append(
                {
                    "classroom": classroom,
                    "teacher": teachers.get(classroom.pk),
                    "live": figures,
                    "confirmation": confirmation,
                    "frozen": frozen_figures(confirmation) if confirmation else None,
                    "late": is_late(confirmation, settings) if confirmation else False,
                    "changed": bool(confirmation)
                    and frozen_figures(confirmation).core() != figures.core(),
                }
            )
        done = sum(1 for r in rows if r["confirmation"])
        rows_by_block.append({"block": block, "rows": rows, "done": done})
    context.update(
        {
            "months_form": MonthChoiceForm({MONTH_PARAM: month_param(month)}, months=months),
            "blocks": rows_by_block,
            "school_total": school,
            "vp_grades": scope.vp_grades,
            "window": confirmation_window(settings, month, on=on),
            "confirmed_count": len(confirmations),
            "class_count": len(classrooms),
            "report_url": _report_url(scope.school, month),
        }
    )
    return render(request, "retention/classsize/status.html", context)


def _report_url(school: School, month: datetime.date) -> str | None:
    try:
        return _month_url("class_size_report", month, school.pk)
    except NoReverseMatch:  # the reports app is optional
        return None


def _office_status(request: HttpRequest, scope) -> HttpResponse:
    """Office staff: each school's confirmations for the month and a link to its report."""
    on = services_classsize.today()
    month = parse_month(request.GET.get(MONTH_PARAM)) or first_of_month(on)
    if month > first_of_month(on):
        month = first_of_month(on)
    schools = list(School.objects.for_user(request.user).order_by("name"))
    current = {"school_year__school__in": schools, "school_year__is_current": True}
    classes = dict(
        Classroom.objects.filter(**current)
        .values("school_year__school_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("school_year__school_id", "n")
    )
    confirmed = dict(
        ClassSizeConfirmation.objects.filter(
            month=month, classroom__school_year__school__in=schools
        )
        .filter(classroom__school_year__is_current=True)
        .values("classroom__school_year__school_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("classroom__school_year__school_id", "n")
    )
    rows = [
        {
            "school": s,
            "classes": classes.get(s.pk, 0),
            "confirmed": confirmed.get(s.pk, 0),
            "report_url": _report_url(s, month),
        }
        for s in schools
    ]
    start = (
        on.replace(month=9, day=1)
        if on.month >= 8
        else on.replace(year=on.year - 1, month=9, day=1)
    )
    months = []
    m = start
    while m <= first_of_month(on):
        months.append(m)
        m = (m + datetime.timedelta(days=32)).replace(day=1)
    if month not in months:
        months.append(month)
        months.sort()
    context = {
        "month": month,
        "rows": rows,
        "months_form": MonthChoiceForm({MONTH_PARAM: month_param(month)}, months=months),
    }
    return render(request, "retention/classsize/office_status.html", context)
