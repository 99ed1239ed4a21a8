"""Visit pages: the minute form (on a phone at the family's home), the minute, its correction by
the author and amendments, its images and PDF; the minutes of a period and their bundle PDF.

Every view: access function → form → service → redirect or render.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from schools.models import Classroom
from schools.scoping import scope_for

from . import selectors_visits as sel
from .audit import log_access
from .forms_visits import AmendmentForm, MinutesFilterForm, VisitForm, edit_initial, visit_initial
from .minutes import minute_pdf
from .models_cases import RecordAccess
from .scoping_cases import (
    can_amend_visit,
    can_list_minutes,
    can_record_visit,
    get_attachment_for_user,
    get_case_for_user,
    get_visit_for_user,
)
from .services_visits import (
    can_still_correct,
    visit_amend,
    visit_correct,
    visit_record,
    window_closed_message,
)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    # "Tải biên bản": a download, kept by the phone, not a tab of its PDF viewer.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _log(request: HttpRequest, kind: str, visit, *, object_id=None) -> None:
    log_access(
        request.user,
        kind,
        school_id=visit.case.student.school_id,
        object_id=object_id if object_id is not None else visit.pk,
        student_id=visit.case.student_id,
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    scope_for(request.user).require(can_record_visit(request.user, case))
    if request.method == "POST":
        # A retry of a form already saved (a double tap, a lost answer): show what was saved.
        saved = sel.visit_by_client_id(case, request.POST.get("client_id"))
        if saved is not None:
            messages.info(request, _("This minute was already saved."))
            return redirect("visit_detail", pk=saved.pk)
    ctx = sel.visit_form_context(case)
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        staff_choices=sel.staff_choices(request.user),
        initial=visit_initial(case, request.user, guardian=ctx.guardian),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            visit, created = visit_record(
                case=case,
                user=request.user,
                client_id=d["client_id"],
                data=form.visit_data(),
                staff_ids=d["staff"],
                signature=d.get("signature") or None,
                paper=d.get("paper"),
                photos=d.get("photos") or (),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if created:
                messages.success(
                    request,
                    _("Visit %(n)s to the family of %(name)s was recorded.")
                    % {"n": visit.number, "name": case.student.full_name},
                )
            else:
                messages.info(request, _("This minute was already saved."))
            return redirect("visit_detail", pk=visit.pk)
    context = {
        "case": case,
        "form": form,
        "ctx": ctx,
        "case_url": sel.case_url(request.user, case),
        "had_files": bool(request.FILES),
    }
    return render(request, "retention/visits/visit_form.html", context)


@login_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    _log(request, RecordAccess.Kind.VISIT, visit)
    page = sel.visit_page(request.user, visit)
    return render(request, "retention/visits/visit_detail.html", {"p": page, "m": page.minute})


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk, write=True)
    case = visit.case
    if not can_still_correct(visit):
        context = {
            "visit": visit,
            "closed_message": window_closed_message(visit),
            "can_amend": can_amend_visit(request.user, visit),
        }
        return render(request, "retention/visits/visit_edit_closed.html", context)
    staff_ids = list(visit.staff_present.values_list("pk", flat=True))
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        staff_choices=sel.staff_choices(request.user),
        initial=edit_initial(visit, staff_ids),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            visit_correct(
                visit=visit,
                user=request.user,
                data=form.visit_data(),
                version=d["version"],
                staff_ids=d["staff"],
                photos=d.get("photos") or (),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            if "version" in getattr(error, "error_dict", {}):
                form.add_error(None, error.error_dict["version"][0])
        else:
            messages.success(request, _("The minute was corrected."))
            return redirect("visit_detail", pk=visit.pk)
    context = {
        "case": case,
        "visit": visit,
        "form": form,
        "ctx": sel.visit_form_context(case, visit=visit),
        "case_url": sel.case_url(request.user, case),
        "editing": True,
        "had_files": bool(request.FILES),
    }
    return render(request, "retention/visits/visit_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def visit_amend_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    scope_for(request.user).require(can_amend_visit(request.user, visit))
    form = AmendmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit_amend(visit=visit, user=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The amendment was added under the minute."))
            return redirect("visit_detail", pk=visit.pk)
    context = {"visit": visit, "form": form, "amendments": list(visit.amendments.all())}
    return render(request, "retention/visits/visit_amend.html", context)


@login_required
@require_GET
def visit_image(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_attachment_for_user(request.user, pk)
    _log(request, RecordAccess.Kind.IMAGE, attachment.visit, object_id=attachment.pk)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_GET
def visit_minute_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for_user(request.user, pk)
    _log(request, RecordAccess.Kind.MINUTE_PDF, visit)
    return _pdf_response(minute_pdf([visit]), f"bien-ban-tham-gia-dinh-{visit.pk}.pdf")


def _filter_form(request: HttpRequest) -> MinutesFilterForm:
    classrooms = Classroom.objects.for_user(request.user).ordered()
    return MinutesFilterForm(request.GET or None, classrooms=classrooms, today=sel.today())


@login_required
@require_GET
def minutes_list(request: HttpRequest) -> HttpResponse:
    scope_for(request.user).require(can_list_minutes(request.user))
    form = _filter_form(request)
    filters = form.filters()
    data = sel.minutes_list(request.user, filters=filters, page=request.GET.get("page"))
    query = {
        "from": f"{filters['date_from']:%d/%m/%Y}",
        "to": f"{filters['date_to']:%d/%m/%Y}",
    }
    if filters["classroom"] is not None:
        query["classroom"] = filters["classroom"].pk
    if filters["outcome"]:
        query["outcome"] = filters["outcome"]
    context = {
        "form": form,
        "data": data,
        "page": data.page,
        "pdf_url": f"{reverse('minutes_pdf')}?{urlencode(query)}",
    }
    return render(request, "retention/visits/minutes_list.html", context)


@login_required
@require_GET
def minutes_pdf(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(can_list_minutes(request.user))
    form = _filter_form(request)
    back = f"{reverse('minutes_list')}?{request.GET.urlencode()}"
    if form.is_bound and not form.is_valid():
        for message in form.errors.get("__all__", []) or [_("A filter was not understood.")]:
            messages.error(request, message)
        return redirect(back)
    filters = form.filters()
    ids = list(sel.minutes_queryset(request.user, **filters).values_list("pk", flat=True))
    if not ids:
        messages.info(request, _("No minute in this period."))
        return redirect(back)
    if len(ids) > sel.BUNDLE_LIMIT:
        messages.error(
            request,
            _("%(n)s minutes is too many for one PDF: choose a shorter period or one class.")
            % {"n": len(ids)},
        )
        return redirect(back)
    log_access(request.user, RecordAccess.Kind.MINUTES, school_id=scope.school.pk)
    name = f"bien-ban-{filters['date_from']:%Y%m%d}-{filters['date_to']:%Y%m%d}.pdf"
    return _pdf_response(minute_pdf(ids), name)
