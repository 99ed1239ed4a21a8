"""Pages of the weak-student register: the list with counts and rates, "not yet covered", one
record (causes, confirmation, history), a teacher's referral, and a whole class's causes.

Every view: access function or scoped list → form → service → redirect or render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from schools.models import SchoolYear, Subject
from schools.scoping import get_classroom_for_user, scope_for

from . import scoping
from . import selectors_progress as progress
from . import selectors_weak as sel
from . import services_weak as svc
from .forms_weak import (
    ClassCausesForm,
    DismissForm,
    ProgressFilterForm,
    ReferForm,
    WeakFilterForm,
    WeakRecordForm,
)
from .models import WeakRecord


@login_required
@require_GET
def weak_list(request: HttpRequest) -> HttpResponse:
    scope_for(request.user).require(sel.can_read_weak(request.user))
    form = WeakFilterForm(
        request.GET or None,
        classrooms=scoping.results_classrooms(request.user).ordered(),
        subjects=Subject.objects.order_by("order", "name"),
    )
    data = sel.weak_list(request.user, form.filters(), page=request.GET.get("page"))
    return render(
        request, "tutoring/weak/list.html", {"form": form, "data": data, "page": data.page}
    )


@login_required
@require_GET
def weak_uncovered(request: HttpRequest) -> HttpResponse:
    scope_for(request.user).require(sel.can_read_weak(request.user))
    data = sel.uncovered(request.user)
    return render(request, "tutoring/weak/uncovered.html", {"data": data})


def _record_forms(record: WeakRecord):
    version = svc.record_version(record)
    form = WeakRecordForm(
        initial={
            "causes": record.cause_list,
            "cause_note": record.cause_note,
            "evidence": record.evidence,
            "version": version,
        }
    )
    return form, DismissForm(initial={"version": version})


@login_required
@require_http_methods(["GET", "POST"])
def weak_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = scoping.get_weak_record_for_user(request.user, pk)
    scope = scope_for(request.user)
    can_edit = scoping.can_confirm_weak_record(request.user, record)
    form, dismiss_form = _record_forms(record)
    typed = None
    if request.method == "POST":
        scope.require(can_edit)
        action = request.POST.get("action", "save")
        try:
            if action == "dismiss":
                dismiss_form = DismissForm(request.POST)
                if dismiss_form.is_valid():
                    svc.weak_record_dismiss(
                        record=record,
                        version=dismiss_form.cleaned_data["version"],
                        reason=dismiss_form.cleaned_data["reason"],
                        user=request.user,
                    )
                    messages.success(request, _("The record was dismissed."))
                    return redirect("weak_detail", pk=record.pk)
            elif action == "reopen":
                svc.weak_record_reopen(
                    record=record, version=request.POST.get("version", ""), user=request.user
                )
                messages.success(request, _("The record is proposed again."))
                return redirect("weak_detail", pk=record.pk)
            else:
                form = WeakRecordForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    svc.weak_record_update(
                        record=record,
                        version=data["version"],
                        causes=data["causes"],
                        cause_note=data["cause_note"],
                        evidence=data["evidence"],
                        user=request.user,
                        confirm=action == "confirm",
                    )
                    if action == "confirm":
                        messages.success(request, _("The record was confirmed."))
                    else:
                        messages.success(request, _("The causes were saved."))
                    return redirect("weak_detail", pk=record.pk)
        except ValidationError as error:
            if getattr(error, "code", None) == "stale":
                messages.error(request, error.messages[0])
                typed = request.POST
                record = scoping.get_weak_record_for_user(request.user, pk)
                form, dismiss_form = _record_forms(record)
            else:
                add_service_errors(dismiss_form if action == "dismiss" else form, error)
    detail = sel.record_detail(request.user, record, with_history=scope.is_leader)
    context = {
        "record": record,
        "detail": detail,
        "form": form,
        "dismiss_form": dismiss_form,
        "can_edit": can_edit,
        "typed": typed,
        "version": svc.record_version(record),
    }
    return render(request, "tutoring/weak/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def weak_refer(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scoping.can_refer(request.user) and scope.year is not None)
    students = sel.referable_students(request.user)
    scope.require(students.exists())
    initial = {"student": request.GET.get("student"), "subject": request.GET.get("subject")}
    form = ReferForm(
        request.POST or None,
        initial=initial,
        students=students,
        subjects=Subject.objects.order_by("order", "name"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record, created = svc.weak_record_refer(
                student=data["student"],
                subject=data["subject"],
                school_year=scope.year,
                evidence=data["evidence"],
                causes=data["causes"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            name = data["student"].full_name
            if created:
                messages.success(
                    request, _("%(name)s was referred to the register.") % {"name": name}
                )
            else:
                messages.info(
                    request,
                    _(
                        "%(name)s is already in the register for this: your evidence and "
                        "causes were added to the record."
                    )
                    % {"name": name},
                )
            if WeakRecord.objects.for_user(request.user).filter(pk=record.pk).exists():
                return redirect("weak_detail", pk=record.pk)
            return redirect("weak_list")
    return render(request, "tutoring/weak/refer.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def weak_class(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    if not scoping.in_school(scope):
        raise Http404  # office staff: no children's records, whatever the class
    classroom = get_classroom_for_user(request.user, pk)
    scope.require(scope.is_leader or classroom.pk in scope.homeroom_class_ids)
    sheet = sel.class_sheet(classroom)
    rows = []
    for student in sheet:
        prefix = f"s{student.student.pk}"
        initial = {
            "causes": student.causes,
            "cause_note": student.cause_note,
            "version": student.version,
        }
        bound = request.method == "POST" and f"{prefix}-version" in request.POST
        data = request.POST if bound else None
        form = ClassCausesForm(data, initial=initial, prefix=prefix)
        rows.append({"sheet": student, "form": form, "errors": []})
    if request.method == "POST":
        entries, valid = [], True
        for row in rows:
            form = row["form"]
            if not form.is_bound:
                continue
            if not form.is_valid():
                valid = False
                continue
            data, changed = form.cleaned_data, form.changed_data
            entries.append(
                svc.ClassEntry(
                    student_id=row["sheet"].student.pk,
                    version=data["version"] or "",
                    causes=data["causes"] if "causes" in changed else None,
                    cause_note=data["cause_note"] if "cause_note" in changed else None,
                    confirm=data["confirm"],
                )
            )
        if valid:
            try:
                count = svc.weak_class_save(
                    school_year=classroom.school_year, entries=entries, user=request.user
                )
            except ValidationError as error:
                failed, fresh = error.message_dict, None
                for row in rows:
                    row["errors"] = failed.get(str(row["sheet"].student.pk), [])
                    if str(svc.STALE_STUDENT) in row["errors"]:
                        # Show what is saved now for this student; the others keep what was typed.
                        if fresh is None:
                            fresh = {s.student.pk: s for s in sel.class_sheet(classroom)}
                        sheet_now = fresh.get(row["sheet"].student.pk)
                        if sheet_now is not None:
                            row["sheet"] = sheet_now
                            row["form"] = ClassCausesForm(
                                initial={
                                    "causes": sheet_now.causes,
                                    "cause_note": sheet_now.cause_note,
                                    "version": sheet_now.version,
                                },
                                prefix=f"s{sheet_now.student.pk}",
                            )
                messages.error(request, _("Nothing was saved: correct the students marked below."))
            else:
                if count:
                    messages.success(
                        request,
                        _("Saved: %(count)s records changed.") % {"count": count},
                    )
                else:
                    messages.info(request, _("Nothing had changed."))
                return redirect("weak_class", pk=classroom.pk)
        else:
            messages.error(request, _("Nothing was saved: correct the students marked below."))
    context = {"classroom": classroom, "rows": rows}
    return render(request, "tutoring/weak/class.html", context)


# --- progress ------------------------------------------------------------------------------------


def _progress_data(request: HttpRequest):
    """The summary the user may read (403 when none), and the filter form."""
    scope = scope_for(request.user)
    group_ids = progress.progress_group_ids(request.user)
    scope.require(group_ids is None or bool(group_ids))
    years = list(SchoolYear.objects.filter(school=scope.school).order_by("-start_year"))
    form = ProgressFilterForm(request.GET or None, years=years)
    values = form.values()
    year = next((y for y in years if y.pk == values.get("year")), scope.year)
    values["year"] = year.pk if year else ""
    summary = progress.progress_summary(
        scope.school, year, until=values.get("until"), group_ids=group_ids
    )
    return form, values, summary


@login_required
@require_GET
def progress_page(request: HttpRequest) -> HttpResponse:
    form, values, summary = _progress_data(request)
    until = values.get("until")
    context = {
        "form": form,
        "summary": summary,
        "until": "" if until is None else until,
        "year_id": values["year"],
    }
    return render(request, "tutoring/progress/page.html", context)


@login_required
@require_GET
def progress_students(request: HttpRequest) -> HttpResponse:
    form, values, summary = _progress_data(request)
    f = progress.StudentFilter(
        group=values.get("group"),
        tutor=values.get("tutor"),
        subject=values.get("subject"),
        grade=values.get("grade"),
        source=values.get("source", ""),
        progressed=values.get("progressed", ""),
    )
    members = progress.filter_members(summary, f)
    # What the list is about, in words, from the summary's own rows (no query).
    about = []
    for rows, key in (
        (summary.by_group, f.group),
        (summary.by_tutor, f.tutor),
        (summary.by_subject, f.subject),
        (summary.by_grade, f.grade),
    ):
        if key:
            about += [r.label for r in rows if r.key == str(key)] or ["—"]
    until = values.get("until")
    context = {
        "form": form,
        "summary": summary,
        "members": members,
        "about": about,
        "until": "" if until is None else until,
        "year_id": values["year"],
    }
    return render(request, "tutoring/progress/students.html", context)
