"""Results import: upload one class's gradebook for a term, check the preview, then apply it
(or discard it); and the list of recent imports.

Every view: access function or scoped list → form → service → redirect or render.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models.fields.json import KT
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from schools.scoping import scope_for

from .forms_import import ResultUploadForm
from .models import ResultImport, Term
from .scoping import (
    can_manage_results,
    get_result_import_for_user,
    get_results_classroom_for_user,
    import_classrooms,
    in_school,
    is_school_wide,
)
from .services_import import apply_import, build_preview, discard_import, read_upload

RECENT = 10
PER_PAGE = 30


def _imports(user):
    """The imports the user may see, newest first, with the applied summary but never the rows:
    one query whatever the number of imports."""
    return (
        ResultImport.objects.for_user(user)
        .select_related("classroom", "created_by", "applied_by")
        .defer("data")
        .annotate(
            n_students=KT("data__summary__students"),
            n_results=KT("data__summary__results"),
            n_weak=KT("data__summary__weak"),
        )
        .order_by("-created_at", "-pk")
    )


def _default_term(year) -> int:
    """The term most likely being imported today: the survey early in the year, semester I
    around its end, semester II at the end of the year."""
    if year is None:
        return Term.HK1
    today = timezone.localdate()
    if today < year.semester1_end - datetime.timedelta(days=14):
        return Term.SURVEY
    if today < year.end_date - datetime.timedelta(days=14):
        return Term.HK1
    return Term.HK2


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def results_import(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    classrooms = import_classrooms(request.user).order_by("grade", "name")
    scope.require(classrooms.exists())
    source = request.POST if request.method == "POST" else request.GET
    initial = {"term": _default_term(scope.year)}
    chosen = _int(source.get("classroom"))
    if chosen is not None:
        # Another school's class is 404; a class the user reads but may not import is 403.
        initial["classroom"] = get_results_classroom_for_user(request.user, chosen, write=True)
    if _int(request.GET.get("term")) in {t.value for t in Term if t != Term.YEAR}:
        initial["term"] = int(request.GET["term"])
    form = ResultUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        classrooms=classrooms,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = read_upload(
                classroom=form.cleaned_data["classroom"],
                term=form.cleaned_data["term"],
                user=request.user,
                file_name=upload.name,
                content=upload.read(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("results_import_preview", created.pk)
    context = {"form": form, "recent": _imports(request.user)[:RECENT]}
    return render(request, "tutoring/import/upload.html", context)


def _after_apply(done: ResultImport) -> str:
    try:
        url = reverse("results_class", kwargs={"pk": done.classroom_id})
    except NoReverseMatch:
        return reverse("results_import")
    return f"{url}?term={done.term}"


@login_required
@require_http_methods(["GET", "POST"])
def results_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_result_import_for_user(request.user, pk)
    if request.method == "POST":
        scope_for(request.user).require(can_manage_results(request.user, found.classroom))
        action = request.POST.get("action")
        try:
            if action == "apply":
                done = apply_import(result_import=found, user=request.user)
                summary = done.data["summary"]
                messages.success(
                    request,
                    _(
                        "Imported class %(classroom)s, %(term)s: %(students)s students, "
                        "%(results)s results, %(weak)s weak results."
                    )
                    % {
                        "classroom": done.classroom.name,
                        "term": done.get_term_display(),
                        "students": summary["students"],
                        "results": summary["results"],
                        "weak": summary["weak"],
                    },
                )
                return redirect(_after_apply(done))
            if action == "discard":
                discard_import(result_import=found)
                messages.info(request, _("The file was discarded; nothing was imported."))
                return redirect("results_import")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("results_import_preview", found.pk)

    preview = build_preview(found) if found.status == ResultImport.Status.PREVIEW else None
    context = {
        "item": found,
        "preview": preview,
        "summary": (found.data or {}).get("summary"),
        "can_manage": can_manage_results(request.user, found.classroom),
        "results_url": _after_apply(found) if found.status == "applied" else "",
    }
    return render(request, "tutoring/import/preview.html", context)


@login_required
@require_GET
def results_import_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(in_school(scope) and (is_school_wide(scope) or bool(scope.homeroom_class_ids)))
    page = Paginator(_imports(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tutoring/import/list.html", {"page": page})
