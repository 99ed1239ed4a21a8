"""Risk-case pages: the list, opening a case (from the student page, the early-warning list or
an absence alert), the case page with its timeline, status changes, notes and actions, a new
person in charge, the leadership's escalated list, and the school's partners.

Every view: access function or scoped list → form → service → redirect or render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from schools.models import Classroom, SchoolSettings
from schools.scoping import scope_for
from students.models import Enrollment

from . import selectors_cases as sel
from . import services_cases as services
from .audit import log_access
from .forms_cases import (
    CaseEventForm,
    CaseFilterForm,
    CaseOpenForm,
    CaseOwnerForm,
    CaseStatusForm,
    PartnerForm,
)
from .models_cases import CaseEvent, Partner, RecordAccess, RiskCase
from .scoping_cases import (
    can_assign_mentors,
    can_edit_case,
    can_lead,
    can_manage_partners,
    can_open_case,
    can_read_cases,
    can_read_partners,
    can_record_support,
    can_record_visit,
    can_see_escalated,
    can_take_on,
    filter_partners,
    get_case_for_user,
    get_partner_for_user,
    get_student_for_case,
    is_principal_of,
    mentor_candidates,
)
from .selectors_alerts import get_alert_for_user


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    scope_for(request.user).require(can_read_cases(request.user))
    classrooms = Classroom.objects.for_user(request.user).ordered()
    form = CaseFilterForm(request.GET or None, classrooms=classrooms)
    data = sel.case_list(request.user, **form.filters(), page=request.GET.get("page"))
    context = {
        "form": form,
        "data": data,
        "page": data.page,
        "can_see_escalated": can_see_escalated(request.user),
    }
    return render(request, "retention/cases/case_list.html", context)


# --- opening a case ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    """GET ?student=<id>[&source=warning]: the student page's and the early-warning list's
    "Open a risk case"."""
    if not request.GET.get("student"):
        return redirect("case_list")  # a case is always for one student: start from the list
    student = get_student_for_case(request.user, request.GET.get("student"))
    source = (
        RiskCase.Source.WARNING
        if request.GET.get("source") == RiskCase.Source.WARNING
        else RiskCase.Source.STUDENT
    )
    return _open_form(request, student, source=source, alert=None, initial={})


@login_required
@require_http_methods(["GET", "POST"])
def risk_case_open_from_alert(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_alert_for_user(request.user, pk)
    scope_for(request.user).require(can_open_case(request.user, alert.student))
    summary = _("Absence alert of %(date)s: %(reason)s (from %(first)s to %(last)s).") % {
        "date": alert.opened_on.strftime("%d/%m/%Y"),
        "reason": alert.reason,
        "first": alert.first_day.strftime("%d/%m/%Y"),
        "last": alert.last_day.strftime("%d/%m/%Y"),
    }
    initial = {"risk_factors": ["absences"], "summary": summary}
    return _open_form(
        request, alert.student, source=RiskCase.Source.ALERT, alert=alert, initial=initial
    )


def _open_form(request, student, *, source, alert, initial) -> HttpResponse:
    staff = mentor_candidates(request.user)
    gvcn = services.homeroom_teacher_of(student)
    initial = {"opened_on": sel.today(), "owner": gvcn.pk if gvcn else request.user.pk, **initial}
    form = CaseOpenForm(request.POST or None, initial=initial, staff=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                student=student,
                user=request.user,
                source=source,
                owner=data["owner"],
                alert=alert,
                risk_factors=data["risk_factors"],
                summary=data["summary"],
                on=data["opened_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("A risk case was opened for %(name)s.") % {"name": student.full_name},
            )
            return redirect("case_detail", pk=case.pk)
    active = RiskCase.objects.active().filter(student=student).first()
    context = {
        "form": form,
        "student": student,
        "alert": alert,
        "source": source,
        "active": active,
        "current": (
            Enrollment.objects.filter(student=student, end_date__isnull=True)
            .select_related("classroom")
            .first()
        ),
    }
    return render(request, "retention/cases/case_open.html", context)


# --- the case page -------------------------------------------------------------------------------


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_case_for_user(user, pk)
    log_access(
        user,
        RecordAccess.Kind.CASE,
        school_id=case.student.school_id,
        object_id=case.pk,
        student_id=case.student_id,
    )
    detail = sel.case_detail(case)
    student = case.student
    can_edit = can_edit_case(user, case)
    links = {}
    if can_record_visit(user, case):
        links["visit"] = sel.optional_url("visit_create", case.pk)
    if case.is_active and can_record_support(user, student):
        links["support"] = sel.optional_url(
            "support_create", query=f"student={student.pk}&case={case.pk}"
        )
    if (
        case.is_active
        and detail.mentor is None
        and (can_assign_mentors(user) or can_take_on(user, student))
    ):
        links["mentor"] = sel.optional_url("mentor_assign", query=f"student={student.pk}")
    context = {
        "case": case,
        "detail": detail,
        "student": student,
        "can_edit": can_edit,
        "can_lead": can_lead(user, case),
        "links": {k: v for k, v in links.items() if v},
        "visit_list_url": None,
    }
    return render(request, "retention/cases/case_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_status(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, write=True)
    principal = is_principal_of(request.user, case.student.school_id)

    def make_form(data):
        initial = {"version": case.version, "date": sel.today()}
        return CaseStatusForm(data, initial=initial, current=case.status, principal=principal)

    form = make_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_set_status(
                case=case,
                user=request.user,
                status=data["status"],
                date=data["date"],
                version=data["version"],
                note=data["note"],
                causes=data["causes"],
                override_reason=data.get("override_reason", ""),
            )
        except ValidationError as error:
            if _is_stale(error):
                form = _with_current_version(make_form, request.POST, case)
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The case is now: %(status)s.") % {"status": case.get_status_display()},
            )
            return redirect("case_detail", pk=case.pk)
    context = {
        "case": case,
        "form": form,
        "principal": principal,
        "visits": case.visits.count(),
        "needed": SchoolSettings.for_school(case.student.school_id).visits_before_escalation,
    }
    return render(request, "retention/cases/case_status.html", context)


def _is_stale(error: ValidationError) -> bool:
    return getattr(error, "code", None) == "stale"


def _with_current_version(make_form, posted, case: RiskCase):
    """After a stale save nothing was written: show the case as it is now, keep what was typed
    and carry the current version, so a second send is a decision taken on fresh facts."""
    case.refresh_from_db()
    data = posted.copy()
    data["version"] = str(case.version)
    form = make_form(data)
    form.is_valid()
    return form


@login_required
@require_http_methods(["GET", "POST"])
def case_event_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    case = get_case_for_user(user, pk, write=True)
    leader = can_lead(user, case)
    partners = filter_partners(Partner.objects.filter(is_active=True), user).order_by(
        "kind", "name"
    )
    kind = request.GET.get("kind")
    initial = {"date": sel.today()}
    if kind in CaseEvent.Kind.values:
        initial["kind"] = kind
    form = CaseEventForm(request.POST or None, initial=initial, can_lead=leader, partners=partners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_add_event(
                case=case,
                user=user,
                kind=data["kind"],
                date=data["date"],
                text=data["text"],
                action=data.get("action", ""),
                partner=data["partner"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Added to the case's timeline."))
            return redirect("case_detail", pk=case.pk)
    context = {"case": case, "form": form, "can_lead": leader, "has_partners": partners.exists()}
    return render(request, "retention/cases/case_event_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_owner(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, write=True)
    staff = mentor_candidates(request.user)

    def make_form(data):
        return CaseOwnerForm(data, initial={"version": case.version}, staff=staff)

    form = make_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_change_owner(
                case=case,
                user=request.user,
                owner=data["owner"],
                version=data["version"],
                note=data["note"],
            )
        except ValidationError as error:
            if _is_stale(error):
                form = _with_current_version(make_form, request.POST, case)
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is now in charge of the case.") % {"name": data["owner"].full_name},
            )
            return redirect("case_detail", pk=case.pk)
    return render(request, "retention/cases/case_owner.html", {"case": case, "form": form})


# --- the leadership's escalated list -------------------------------------------------------------


@login_required
@require_GET
def escalated_list(request: HttpRequest) -> HttpResponse:
    scope_for(request.user).require(can_see_escalated(request.user))
    data = sel.escalated_list(request.user, all_grades=request.GET.get("all") == "1")
    return render(request, "retention/cases/escalated_list.html", {"data": data})


# --- partners ------------------------------------------------------------------------------------


@login_required
@require_GET
def partner_list(request: HttpRequest) -> HttpResponse:
    scope_for(request.user).require(can_read_partners(request.user))
    context = {
        "rows": sel.partner_list(request.user),
        "can_manage": can_manage_partners(request.user),
    }
    return render(request, "retention/cases/partner_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def partner_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(can_manage_partners(request.user))
    return _partner_form(request, school=scope.school, partner=None)


@login_required
@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_partner_for_user(request.user, pk, write=True)
    return _partner_form(request, school=partner.school, partner=partner)


def _partner_form(request, *, school, partner) -> HttpResponse:
    initial = {}
    if partner is not None:
        initial = {key: getattr(partner, key) for key in services.PARTNER_FIELDS}
    form = PartnerForm(request.POST or None, initial=initial or None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.partner_save(
                school=school, user=request.user, data=form.cleaned_data, partner=partner
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved the partner %(name)s.") % {"name": saved.name})
            return redirect("partner_list")
    context = {"form": form, "partner": partner}
    return render(request, "retention/cases/partner_form.html", context)
