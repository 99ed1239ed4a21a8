"""Alert pages: the lists (GVCN, VP, principal), one alert, recording a contact with the family,
and the dashboard the home page loads.

Every view: access function or scoped list → form → service → redirect or render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from schools.models import Classroom
from schools.scoping import scope_for
from students.scoping import get_student_for_user

from . import selectors_alerts as sel
from .forms_alerts import AlertFilterForm, FamilyContactForm
from .scoping_cases import can_open_case
from .services_alerts import family_contact_record


@login_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(sel.can_read_alerts(request.user))
    if scope.year is None:
        return render(request, "retention/alerts/alert_list.html", {"no_year": True})
    classrooms = Classroom.objects.for_user(request.user).ordered()
    form = AlertFilterForm(request.GET or None, classrooms=classrooms)
    data = sel.alert_list(request.user, **form.filters(), page=request.GET.get("page"))
    context = {"form": form, "data": data, "page": data.page}
    return render(request, "retention/alerts/alert_list.html", context)


@login_required
@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = sel.get_alert_for_user(request.user, pk)
    calendar = sel.SchoolCalendar(alert.school_year)
    day = sel.today()
    school_settings = sel.SchoolSettings.for_school(alert.school_year.school_id)
    cutoff = calendar.overdue_before(day, school_settings.alert_escalation_days)
    context = {
        "alert": alert,
        "contacts": (
            list(alert.contacts.select_related("recorded_by"))
            if (contacts_shown := sel.may_read_family_contacts(request.user, alert.student))
            else []
        ),
        "contacts_shown": contacts_shown,
        "waiting": sel.waiting_days(alert, calendar, day),
        "overdue": alert.is_open and alert.opened_on < cutoff,
        "can_record": alert.is_open and sel.can_record_contact(request.user, alert.student),
        "risk_url": (
            sel.risk_case_url(alert) if can_open_case(request.user, alert.student) else None
        ),
    }
    return render(request, "retention/alerts/alert_detail.html", context)


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
@require_http_methods(["GET", "POST"])
def family_contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_student_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(sel.can_record_contact(request.user, student))
    open_alerts = sel.open_alerts_of(student)
    guardian = sel.main_guardian(student)
    initial = {
        "date": sel.today(),
        "contact_person": (
            f"{guardian.full_name} ({guardian.get_relation_display()})" if guardian else ""
        ),
        "alerts": [a.pk for a in open_alerts],
    }
    form = FamilyContactForm(request.POST or None, initial=initial, open_alerts=open_alerts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            family_contact_record(
                student=student,
                date=data["date"],
                method=data["method"],
                contact_person=data["contact_person"],
                content=data["content"],
                recorded_by=request.user,
                alerts=form.ticked_alerts(),
                school_year=scope.year,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The contact with the family of %(name)s was recorded.")
                % {"name": student.full_name},
            )
            target = _safe_next(request)
            return redirect(target) if target else redirect("student_detail", pk=student.pk)
    context = {
        "student": student,
        "form": form,
        "guardian": guardian,
        "open_alerts": open_alerts,
        "next": _safe_next(request) or "",
    }
    return render(request, "retention/alerts/family_contact_form.html", context)


@login_required
@require_GET
def alerts_dashboard(request: HttpRequest) -> HttpResponse:
    """The leaders' (or a GVCN's) overview; the home page loads it into its panel with htmx,
    and without JavaScript it is a page of its own."""
    scope = scope_for(request.user)
    scope.require(scope.school is not None and (scope.is_leader or bool(scope.homeroom_class_ids)))
    if scope.year is None:
        context = {"no_year": True}
        template = "retention/dashboard/leader.html"
    elif scope.is_leader:
        context = {"dash": sel.leader_dashboard(request.user)}
        template = "retention/dashboard/leader.html"
    else:
        context = {"dash": sel.homeroom_dashboard(request.user)}
        template = "retention/dashboard/homeroom.html"
    if request.htmx:
        template += "#panel"
    return render(request, template, context)
