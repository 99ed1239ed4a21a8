"""Roster import views (placeholder until the import is built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from schools.scoping import scope_for


@login_required
def roster_import(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.can_manage_students)
    return render(request, "students/roster_import.html", {})


@login_required
def roster_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
