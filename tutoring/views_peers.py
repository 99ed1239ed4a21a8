"""Peer-pair pages (đôi bạn cùng tiến): the list by class, setting up a pair (with helpers
suggested from the class's results), recording how a pair goes and ending it.

Who: the class's GVCN, its subject teachers and the leaders (``scoping.can_manage_peer_pairs``).
Another school's student, class or pair is 404; a colleague who may see it but not manage it 403.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from schools.models import Classroom, Subject
from schools.scoping import scope_for
from students.scoping import get_student_for_user

from . import scoping
from . import selectors_family as sel
from .forms_peers import PeerPairForm, PeerPairUpdateForm
from .services_peers import create_pair, pair_update


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


def _list_url(classroom_id: int | None) -> str:
    url = reverse("peer_pair_list")
    return f"{url}?classroom={classroom_id}" if classroom_id else url


def _may_use(scope) -> bool:
    return scoping.in_school(scope) and (
        scope.is_leader or bool(scope.homeroom_class_ids | scope.taught_class_ids)
    )


@login_required
@require_GET
def peer_pair_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(_may_use(scope))
    classroom = None
    chosen = _int(request.GET.get("classroom"))
    if chosen is not None:
        classroom = scoping.peer_pair_classrooms(request.user).filter(pk=chosen).first()
    data = sel.peer_pair_list(request.user, classroom)
    return render(request, "tutoring/peers/pair_list.html", {"data": data})


def _classroom_for(request: HttpRequest, scope) -> tuple[Classroom | None, int | None]:
    """The class the pair is set up in: the helped student's class now (?student=), else
    ?classroom=, else the user's only class. A student or class outside the school is 404;
    one the user may not manage pairs in is 403."""
    student_id = _int(request.GET.get("student"))
    if request.GET.get("student") and student_id is None:
        raise Http404
    if student_id is not None:
        student = get_student_for_user(request.user, student_id)
        span = scoping.current_enrollment(student.pk)
        classroom = span.classroom if span else None
        if classroom is None or classroom.school_year_id != scope.year.pk:
            raise Http404
        scope.require(scoping.can_manage_peer_pairs(request.user, classroom))
        return classroom, student.pk
    raw = request.GET.get("classroom")
    if raw:
        pk = _int(raw)
        classroom = Classroom.objects.filter(school_year=scope.year, pk=pk).first() if pk else None
        if classroom is None:
            raise Http404
        scope.require(scoping.can_manage_peer_pairs(request.user, classroom))
        return classroom, None
    mine = list(scoping.peer_pair_classrooms(request.user)[:2])
    return (mine[0] if len(mine) == 1 else None), None


@login_required
@require_http_methods(["GET", "POST"])
def peer_pair_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(_may_use(scope) and scope.year is not None)
    classroom, helped_id = _classroom_for(request, scope)
    if classroom is None:
        classrooms = list(scoping.peer_pair_classrooms(request.user).order_by("grade", "name"))
        return render(request, "tutoring/peers/choose_class.html", {"classrooms": classrooms})
    on = sel.today()
    students = sel.class_students(classroom, on)
    subjects = list(Subject.objects.order_by("order"))
    initial = {
        "helped": helped_id,
        "subject": _int(request.GET.get("subject")),
        "helper": _int(request.GET.get("helper")),
        "start_date": max(on, classroom.school_year.start_date),
    }
    suggest_only = request.method == "POST" and "suggest" in request.POST
    if suggest_only:
        # "Suggest helpers": keep what was typed, save nothing, blame nothing yet.
        posted = {k: request.POST.get(k, "") for k in ("helped", "subject", "helper", "note")}
        initial.update({k: v for k, v in posted.items() if v})
        initial["start_date"] = request.POST.get("start_date") or initial["start_date"]
    data = None if suggest_only else (request.POST or None)
    form = PeerPairForm(data, initial=initial, students=students, subjects=subjects)
    if data is not None and form.is_valid():
        try:
            pair = create_pair(classroom=classroom, user=request.user, on=on, **form.objects())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(helper)s will help %(helped)s in %(subject)s.")
                % {
                    "helper": pair.helper.full_name,
                    "helped": pair.helped.full_name,
                    "subject": pair.subject.name,
                },
            )
            return redirect(_list_url(classroom.pk))
    # Helpers to suggest, for the helped student and subject chosen (posted or in the URL).
    source = form.data if form.is_bound else initial
    chosen_helped = _int(str(source.get("helped") or ""))
    chosen_subject = _int(str(source.get("subject") or ""))
    subject = next((s for s in subjects if s.pk == chosen_subject), None)
    suggestions = []
    if subject is not None and chosen_helped in {s.pk for s in students}:
        suggestions = sel.helper_suggestions(classroom, subject, chosen_helped, on)
    query = {"classroom": classroom.pk}
    if chosen_helped:
        query["student"] = chosen_helped
    if subject is not None:
        query["subject"] = subject.pk
    context = {
        "form": form,
        "classroom": classroom,
        "subject": subject,
        "suggestions": suggestions,
        "suggest_query": urlencode(query),
        "action": f"{reverse('peer_pair_create')}?classroom={classroom.pk}",
    }
    return render(request, "tutoring/peers/pair_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def peer_pair_update(request: HttpRequest, pk: int) -> HttpResponse:
    pair = scoping.get_peer_pair_for_user(request.user, pk, write=True)
    initial = {
        "outcome": pair.outcome,
        "end_date": pair.end_date,
        "note": pair.note,
        "loaded": pair.updated_at.isoformat(),
    }
    form = PeerPairUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pair_update(
                pair=pair,
                outcome=data["outcome"],
                end_date=data.get("end_date"),
                note=data.get("note") or "",
                user=request.user,
                on=sel.today(),
                loaded_at=form.loaded_at(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            if any(e.code == "stale" for e in getattr(error, "error_list", [])):
                # Show what the pair says now; the typed values stay in the form.
                pair = scoping.get_peer_pair_for_user(request.user, pk, write=True)
                form.data = form.data.copy()
                form.data["loaded"] = pair.updated_at.isoformat()
        else:
            messages.success(request, _("The pair is updated."))
            return redirect(_list_url(pair.classroom_id))
    return render(request, "tutoring/peers/pair_update.html", {"form": form, "pair": pair})
