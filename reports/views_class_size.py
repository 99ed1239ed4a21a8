"""The school's monthly class-size report: the page, its narrative, and the XLSX and PDF files.

Who: the school's principal and vice-principals (with the list of students who dropped out), and
office staff of an office above the school (figures only, no names). Another school or office
gets 404; other staff of the school 403.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from lib.forms import add_service_errors
from retention import services_classsize
from retention.forms_classsize import (
    MONTH_PARAM,
    MonthChoiceForm,
    month_param,
    parse_month,
    school_year_months,
)
from schools.models import School, SchoolYear
from schools.scoping import get_school_for_user, scope_for

from .class_size import ClassSizeReport, class_size_report, text_for
from .exporters import class_size_pdf, class_size_xlsx
from .forms import ClassSizeReportTextForm
from .services import class_size_report_text_save

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _access(request: HttpRequest, pk: int, *, write: bool = False):
    school = get_school_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(scope.is_leader or (scope.is_office and not write))
    return school, scope


def _month(
    request, year: SchoolYear, raw: str | None, *, on: datetime.date
) -> datetime.date | None:
    months = school_year_months(year, today=on)
    default = months[-1] if months else None
    if not raw:
        return default
    month = parse_month(raw)
    if month not in months:
        messages.error(
            request,
            _("There are no class-size figures for %(month)s in this school year.")
            % {"month": raw[:10]},
        )
        return default
    return month


def _build(request, school: School, scope, raw_month: str | None):
    """(year, month, report) for the request; report is None when there is nothing to show."""
    on = services_classsize.today()
    year = SchoolYear.objects.filter(school=school, is_current=True).first()
    if year is None:
        return None, None, None
    month = _month(request, year, raw_month, on=on)
    if month is None:
        return year, None, None
    report = class_size_report(
        school, month, today=on, include_names=not scope.is_office, year=year
    )
    return year, month, report


def _page_url(school: School, month: datetime.date | None) -> str:
    url = reverse("class_size_report", args=[school.pk])
    return f"{url}?{MONTH_PARAM}={month_param(month)}" if month else url


@login_required
def class_size_report_page(request: HttpRequest, pk: int) -> HttpResponse:
    school, scope = _access(request, pk)
    year, month, report = _build(request, school, scope, request.GET.get(MONTH_PARAM))
    context: dict = {"school": school, "year": year, "month": month, "report": report}
    if report is not None:
        months = school_year_months(year, today=report.issued_on)
        context["months_form"] = MonthChoiceForm({MONTH_PARAM: month_param(month)}, months=months)
        if scope.is_leader:
            context["text_form"] = ClassSizeReportTextForm(instance=text_for(school, month))
        context["download_query"] = f"?{MONTH_PARAM}={month_param(month)}"
    context["can_write"] = scope.is_leader
    return render(request, "reports/class_size.html", context)


@login_required
def class_size_report_text(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the narrative and document details of a month's report (principal, VPs).
    Scope first (another school is 404 whatever the method); a GET goes back to the page."""
    school, scope = _access(request, pk, write=True)
    if request.method != "POST":
        return redirect(_page_url(school, parse_month(request.GET.get(MONTH_PARAM))))
    year = SchoolYear.objects.filter(school=school, is_current=True).first()
    on = services_classsize.today()
    month = parse_month(request.POST.get("month"))
    if year is None or month not in school_year_months(year, today=on):
        messages.error(request, _("Choose a month of the current school year."))
        return redirect(_page_url(school, None))
    form = ClassSizeReportTextForm(request.POST, instance=text_for(school, month))
    if form.is_valid():
        try:
            class_size_report_text_save(
                school=school, month=month, user=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report's text is saved."))
            return redirect(_page_url(school, month))
    report = class_size_report(school, month, today=on, include_names=True, year=year)
    months = school_year_months(year, today=on)
    context = {
        "school": school,
        "year": year,
        "month": month,
        "report": report,
        "months_form": MonthChoiceForm({MONTH_PARAM: month_param(month)}, months=months),
        "text_form": form,
        "can_write": True,
        "download_query": f"?{MONTH_PARAM}={month_param(month)}",
    }
    return render(request, "reports/class_size.html", context)


def _file_name(report: ClassSizeReport, school: School, extension: str) -> str:
    return f"bao-cao-si-so-{report.month:%Y-%m}-{school.code}.{extension}"


def _download(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    school, scope = _access(request, pk)
    _year, month, report = _build(request, school, scope, request.GET.get(MONTH_PARAM))
    if report is None:
        messages.error(request, _("There is no report to download for this month."))
        return redirect(_page_url(school, None))
    if not report.can_issue:
        messages.error(
            request, _("The report cannot be issued until the figures add up: see the errors.")
        )
        return redirect(_page_url(school, month))
    if extension == "xlsx":
        content, content_type = class_size_xlsx(report), XLSX_TYPE
    else:
        content, content_type = class_size_pdf(report), "application/pdf"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, _file_name(report, school, extension)
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def class_size_report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "xlsx")


@login_required
def class_size_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "pdf")
