"""Roster import: upload a class list, look at what it would do, then apply it (or discard it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lib.forms import add_service_errors
from schools.models import Classroom
from schools.scoping import scope_for

from .forms_import import RosterUploadForm
from .models import RosterImport
from .scoping import get_roster_import_for_user
from .services_import import (
    MSG_NO_CLASSES,
    MSG_NO_YEAR,
    roster_import_apply,
    roster_import_create,
    roster_import_discard,
    roster_import_plan,
)

RECENT = 10


def _default_start(year):
    """The opening day: a school adopting the app mid-year imports everyone it had from the
    start (the dropout rate's denominator); a later newcomer is a transfer, typed on purpose."""
    return year.start_date if year else timezone.localdate()


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.can_manage_students)
    year = scope.year
    classrooms = Classroom.objects.for_user(request.user).ordered()
    form = RosterUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        classrooms=classrooms,
        initial={"start_date": _default_start(year)},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created = roster_import_create(
                school_year=year,
                user=request.user,
                file_name=upload.name,
                content=upload.read(),
                classroom=form.cleaned_data["classroom"],
                start_date=form.cleaned_data["start_date"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("roster_import_preview", created.pk)
    # The list shows counts and who, never the rows: one query, whatever the number of imports.
    recent = (
        RosterImport.objects.for_user(request.user)
        .select_related("created_by", "applied_by", "classroom")
        .defer("data")[:RECENT]
    )
    blocker = None
    if year is None:
        blocker = MSG_NO_YEAR
    elif not classrooms.exists():
        blocker = MSG_NO_CLASSES
    return render(
        request,
        "students/roster_import.html",
        {"form": form, "recent": recent, "year": year, "blocker": blocker},
    )


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_roster_import_for_user(request.user, pk, write=request.method == "POST")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "apply":
                done = roster_import_apply(roster_import=found, user=request.user)
                messages.success(
                    request,
                    _(
                        "Imported: %(new)s students added, %(updated)s updated, "
                        "%(enrolled)s put in a class."
                    )
                    % {
                        "new": done.created_count,
                        "updated": done.updated_count,
                        "enrolled": done.enrolled_count,
                    },
                )
            elif action == "discard":
                roster_import_discard(roster_import=found)
                messages.info(request, _("The file was discarded; nothing was imported."))
                return redirect("roster_import")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("roster_import_preview", found.pk)

    plan = None
    rows = []
    only_problems = request.GET.get("only") == "problems"
    if found.status == RosterImport.Status.PENDING:
        plan = roster_import_plan(found)
        rows = [r for r in plan.rows if r.errors or r.warnings] if only_problems else plan.rows
    return render(
        request,
        "students/roster_import_preview.html",
        {"roster": found, "plan": plan, "rows": rows, "only_problems": only_problems},
    )
