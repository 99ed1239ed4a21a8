"""Attendance pages: today's overview, the roll of a class for one session of one day, the week and
month grids of a class, lateness and skipped periods.

Each view: access function (404 outside the school, 403 for a role that may only read) → form
→ service or selector → render. Days travel as query parameters (``?ngay=2026-11-20&buoi=morning``)
so URLs carry ids only. htmx posts of the roll get the ``roll-form`` partial back, always 200.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap

from lib.forms import add_service_errors
from schools.models import Classroom
from schools.scoping import scope_for
from students.models import Student

from .forms_attendance import (
    BAD_DAY,
    ClassPickForm,
    ConductEventForm,
    DayForm,
    MonthForm,
    RollCallForm,
)
from .models import Session
from .scoping import (
    attendance_classrooms,
    can_record_conduct,
    can_take_roll,
    can_use_attendance,
    conduct_classrooms,
    get_classroom_for_attendance,
    get_conduct_event_for_user,
    is_attendance_leader,
)
from .selectors_attendance import (
    attendance_overview,
    class_month,
    class_week,
    latest_school_day,
    nearby_school_days,
    recent_conduct_events,
    roll_sheet,
)
from .services_attendance import (
    EDIT_WINDOW,
    SESSION_NOT_TAUGHT,
    conduct_event_delete,
    conduct_event_record,
    edit_window_start,
    roll_call_save,
    school_day_problem,
    school_settings,
)

SEVEN_DAYS = datetime.timedelta(days=7)


def _day_url(name: str, classroom: Classroom, **params) -> str:
    query = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in params.items()}
    return (
        f"{reverse(name, args=[classroom.pk])}?{urlencode(query)}"
        if query
        else reverse(name, args=[classroom.pk])
    )


def _session_tabs(classroom, day, settings, current) -> list[dict]:
    return [
        {
            "value": s,
            "label": Session(s).label,
            "url": _day_url("roll_call", classroom, ngay=day, buoi=s),
            "active": s == current,
        }
        for s in settings.taught_sessions
    ]


def _clamp(day: datetime.date, year) -> tuple[datetime.date, bool]:
    """A day inside the school year (grids never wander to year 1 or 9999)."""
    if day < year.start_date:
        return year.start_date, True
    if day > year.end_date:
        return year.end_date, True
    return day, False


# --- today's overview ---------------------------------------------------------------------------


@login_required
@require_GET
def attendance_today(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(can_use_attendance(scope))
    today = timezone.localdate()
    form = DayForm(request.GET or None)
    day = (form.cleaned_data["ngay"] if form.is_valid() else None) or today
    day, clamped = _clamp(day, scope.year)
    settings = school_settings(scope.school)
    classrooms = attendance_classrooms(request.user).select_related("school_year")
    blocks = attendance_overview(classrooms, day, settings, first_grades=scope.vp_grades)
    all_classes = [c for b in blocks for c in b.classes]
    context = {
        "day": day,
        "today": today,
        "form": form,
        "blocks": blocks,
        "problem": school_day_problem(scope.year, day, today),
        "taken": sum(1 for c in all_classes if c.taken),
        "class_count": len(all_classes),
        "sessions": [Session(s).label for s in settings.taught_sessions],
        "vp_grades": scope.vp_grades,
        "homeroom_ids": scope.homeroom_class_ids,
        "can_record_conduct": conduct_classrooms(request.user).exists(),
        "notice": _("That day is outside the school year; showing the nearest day in it.")
        if clamped
        else None,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1) if day < today else None,
    }
    return render(request, "retention/attendance/index.html", context)


# --- the roll of one class-day ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def roll_call(request: HttpRequest, pk: int) -> HttpResponse:
    posting = request.method == "POST"
    classroom = get_classroom_for_attendance(request.user, pk, write=posting)
    settings = school_settings(classroom.school_year.school_id)
    today = timezone.localdate()
    day, session, notices = _roll_day(request, settings, today, posting=posting)
    problem = _roll_problem(classroom, day, session, settings, today)
    form = RollCallForm(request.POST if posting else None)
    saved = None
    if posting and problem is None and form.is_valid():
        try:
            saved = roll_call_save(
                classroom=classroom,
                date=day,
                session=session,
                marks=form.cleaned_data["marks"],
                user=request.user,
                base_version=form.cleaned_data["version"],
                base_marks=form.cleaned_data["base"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if saved is not None and not saved.conflicts and not request.htmx:
        messages.success(request, _saved_message(saved))
        return redirect(_day_url("roll_call", classroom, ngay=day, buoi=session))

    context = _roll_context(request, classroom, day or today, session, settings, today, problem)
    context.update(_roll_form_context(request, form, context["sheet"], saved))
    context.update({"classroom": classroom, "today": today, "notices": notices})
    if request.htmx:
        response = render(request, "retention/attendance/roll.html#roll-form", context)
        if saved is None or saved.conflicts:  # errors and conflicts are shown at the top
            response = reswap(response, "outerHTML show:#roll-form:top")
        return response
    return render(request, "retention/attendance/roll.html", context)


def _roll_day(request, settings, today, *, posting: bool):
    """The day and session from ``?ngay=&buoi=``; a page view falls back to today and the first
    session taught, a post never does (it must say which roll it saves)."""
    form = DayForm(request.GET)
    if not form.is_valid():
        return (None if posting else today), "", [str(BAD_DAY)]
    day, session = form.cleaned_data["ngay"], form.cleaned_data["buoi"]
    if not posting:
        day, session = day or today, session or settings.taught_sessions[0]
    return day, session, []


def _roll_problem(classroom, day, session, settings, today):
    """Why no roll can be taken for this day and session (a message), or None."""
    if day is None or not session:
        return _("The day or the session is missing. Open the roll again from the class.")
    problem = school_day_problem(classroom.school_year, day, today)
    if problem is None and session not in settings.taught_sessions:
        problem = SESSION_NOT_TAUGHT
    return problem


def _roll_form_context(request, form, sheet, saved) -> dict:
    context = {"form": form, "saved": saved}
    if saved is not None:
        context["saved_message"] = _saved_message(saved)
    if sheet is None:
        return context
    context["form_version"], context["form_base"] = sheet.version, sheet.base_json
    if request.method == "POST" and saved is None:
        # Refused: show what they marked, and keep the version and absences they loaded, so a
        # second try still merges against what they saw.
        sheet.show_marks(getattr(form, "posted_marks", {}))
        context["form_version"] = request.POST.get("version", "")
        context["form_base"] = request.POST.get("base", "")
    return context


def _saved_message(saved) -> str:
    absent = saved.roll_call.absences.count()
    if absent == 0:
        return _("Roll saved: everyone present.")
    return ngettext(
        "Roll saved: %(n)s student absent.", "Roll saved: %(n)s students absent.", absent
    ) % {"n": absent}


def _roll_context(request, classroom, day, session, settings, today, problem) -> dict:
    year = classroom.school_year
    may_take = can_take_roll(request.user, classroom)
    leader = is_attendance_leader(request.user, classroom)
    in_window = leader or day >= edit_window_start(settings, today)
    previous_day, next_day = nearby_school_days(year, day, today)
    context = {
        "day": day,
        "session": session,
        "session_label": Session(session).label if session in Session.values else "",
        "tabs": _session_tabs(classroom, day, settings, session),
        "sheet": None if problem else roll_sheet(classroom, day, session),
        "problem": problem,
        "can_edit": may_take and in_window and problem is None,
        "read_only_reason": None,
        "previous_url": previous_day
        and _day_url("roll_call", classroom, ngay=previous_day, buoi=session),
        "next_url": next_day and _day_url("roll_call", classroom, ngay=next_day, buoi=session),
        "previous_day": previous_day,
        "next_day": next_day,
        "latest_day": latest_school_day(year, today) if problem else None,
        "action": _day_url("roll_call", classroom, ngay=day, buoi=session),
        "week_url": _day_url("attendance_week", classroom, ngay=day),
        "month_url": _day_url("attendance_month", classroom, thang=f"{day:%Y-%m}"),
        "is_today": day == today,
        "may_record_conduct": can_record_conduct(request.user, classroom),
    }
    if context["latest_day"]:
        context["latest_url"] = _day_url(
            "roll_call", classroom, ngay=context["latest_day"], buoi=settings.taught_sessions[0]
        )
    if problem is None and not may_take:
        context["read_only_reason"] = _(
            "You can read this roll. The homeroom teacher and the school's leaders take it."
        )
    elif problem is None and not in_window:
        context["read_only_reason"] = EDIT_WINDOW % {"days": settings.attendance_edit_days}
    return context


# --- week and month -----------------------------------------------------------------------------


@login_required
@require_GET
def attendance_week(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = get_classroom_for_attendance(request.user, pk)
    settings = school_settings(classroom.school_year.school_id)
    today = timezone.localdate()
    form = DayForm(request.GET or None)
    notices = [] if form.is_valid() or not form.is_bound else [str(BAD_DAY)]
    asked = (form.cleaned_data["ngay"] if form.is_valid() else None) or today
    day, clamped = _clamp(asked, classroom.school_year)
    if clamped:
        notices.append(_("That day is outside the school year; showing the nearest week in it."))
    grid = class_week(classroom, day, today, settings)
    year = classroom.school_year
    monday = grid.start
    context = {
        "classroom": classroom,
        "grid": grid,
        "notices": notices,
        "today": today,
        "previous_url": _day_url("attendance_week", classroom, ngay=monday - SEVEN_DAYS)
        if monday > year.start_date
        else None,
        "next_url": _day_url("attendance_week", classroom, ngay=monday + SEVEN_DAYS)
        if monday + SEVEN_DAYS <= year.end_date
        else None,
        "month_url": _day_url("attendance_month", classroom, thang=f"{day:%Y-%m}"),
        "roll_url": reverse("roll_call", args=[classroom.pk]),
        "may_record_conduct": can_record_conduct(request.user, classroom),
        "show_sessions": len(grid.sessions) > 1,
    }
    return render(request, "retention/attendance/week.html", context)


@login_required
@require_GET
def attendance_month(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = get_classroom_for_attendance(request.user, pk)
    settings = school_settings(classroom.school_year.school_id)
    today = timezone.localdate()
    year = classroom.school_year
    form = MonthForm(request.GET or None)
    notices = [] if form.is_valid() or not form.is_bound else [str(form.errors["thang"][0])]
    asked = (form.cleaned_data["thang"] if form.is_valid() else None) or (today.year, today.month)
    first = datetime.date(*asked, 1)
    start_month = year.start_date.replace(day=1)
    end_month = year.end_date.replace(day=1)
    if not start_month <= first <= end_month:
        first = min(max(first, start_month), end_month)
        notices.append(_("That month is outside the school year; showing the nearest month in it."))
    grid = class_month(classroom, first.year, first.month, today, settings)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    context = {
        "classroom": classroom,
        "grid": grid,
        "month": first,
        "notices": notices,
        "today": today,
        "previous_url": _day_url("attendance_month", classroom, thang=f"{previous:%Y-%m}")
        if previous >= start_month
        else None,
        "next_url": _day_url("attendance_month", classroom, thang=f"{following:%Y-%m}")
        if following <= end_month
        else None,
        "week_url": _day_url("attendance_week", classroom, ngay=max(first, year.start_date)),
        "roll_url": reverse("roll_call", args=[classroom.pk]),
        "may_record_conduct": can_record_conduct(request.user, classroom),
        "show_sessions": len(grid.sessions) > 1,
    }
    return render(request, "retention/attendance/month.html", context)


# --- lateness and skipped periods ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def conduct_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    classrooms = conduct_classrooms(request.user).ordered()
    scope.require(can_use_attendance(scope) and classrooms.exists())
    today = timezone.localdate()
    pick = ClassPickForm(request.GET or None, classrooms=classrooms)
    classroom = pick.cleaned_data["lop"] if pick.is_valid() else None
    if classroom is None and not pick.is_bound and len(classrooms) == 1:
        classroom = classrooms[0]
    students = Student.objects.none()
    if classroom is not None:
        students = (
            Student.objects.for_user(request.user)
            .filter(enrollments__classroom=classroom)
            .distinct()
            .order_by("sort_key", "date_of_birth", "pk")
        )
    settings = school_settings(scope.school)
    periods = 10 if len(settings.taught_sessions) > 1 else 5
    form = ConductEventForm(
        request.POST if request.method == "POST" else None,
        students=students,
        periods=periods,
        initial={"date": today, "student": request.GET.get("hs")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = conduct_event_record(
                student=form.cleaned_data["student"],
                date=form.cleaned_data["date"],
                kind=form.cleaned_data["kind"],
                periods=form.cleaned_data["periods"],
                note=form.cleaned_data["note"],
                user=request.user,
                year=scope.year,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Recorded: %(student)s, %(what)s on %(day)s.")
                % {
                    "student": event.student.full_name,
                    "what": event.get_kind_display().lower(),
                    "day": f"{event.date:%d/%m/%Y}",
                },
            )
            return redirect(f"{reverse('conduct_event_create')}?lop={classroom.pk}")
    recent = recent_conduct_events([classroom], since=today - 2 * SEVEN_DAYS) if classroom else []
    window_start = edit_window_start(settings, today)
    leader = scope.is_leader
    context = {
        "pick": pick,
        "form": form,
        "classroom": classroom,
        "recent": recent,
        "deletable": {e.pk for e in recent if leader or e.date >= window_start},
        "week_url": _day_url("attendance_week", classroom, ngay=today) if classroom else None,
    }
    return render(request, "retention/attendance/conduct_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def conduct_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """POST removes; GET (after the same checks) just leads back to the class's list."""
    event = get_conduct_event_for_user(request.user, pk, write=True)
    back = f"{reverse('conduct_event_create')}?lop={event.classroom.pk}"
    if request.method == "GET":
        return redirect(back)
    try:
        conduct_event_delete(event=event, user=request.user, classroom=event.classroom)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The record has been removed."))
    return redirect(back)
