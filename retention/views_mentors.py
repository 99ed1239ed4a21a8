"""Mentor pages (giáo viên đỡ đầu, under /do-dau/): who mentors whom, taking on or assigning a
mentor, one mentorship with its contact log, ending it.

Who: leaders see and assign every teacher of the school; a teacher sees their own mentees and
takes on students of the classes they teach or lead; a GVCN also reads the mentorships of their
class. A mentor sees only their mentees: another teacher's mentorship is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from schools.models import Classroom
from schools.scoping import scope_for
from students.models import Student

from . import scoping_cases as scoping
from . import selectors_mentors as sel
from .audit import log_access
from .forms_mentors import MentorAssignForm, MentorContactForm, MentorFilterForm, MentorshipEndForm
from .models_cases import RecordAccess
from .services_mentors import (
    can_record_contact,
    mentor_contact_record,
    mentorship_assign,
    mentorship_end,
    today,
)


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@login_required
@require_GET
def mentor_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scoping.in_school(scope))
    if scope.year is None:
        return render(request, "retention/mentors/list.html", {"no_year": True})
    form = None
    filters = {}
    if scope.is_leader:
        classrooms = Classroom.objects.for_user(request.user).ordered()
        form = MentorFilterForm(request.GET or None, classrooms=classrooms)
        filters = form.filters()
    data = sel.mentor_list(request.user, **filters)
    return render(request, "retention/mentors/list.html", {"data": data, "form": form})


def _student_from_query(request: HttpRequest, scope) -> Student | None:
    """?student=<id>: a student of the user's school (404 for a garbage id or another school's
    student); None when not given."""
    raw = request.GET.get("student")
    if raw in (None, ""):
        return None
    pk = _int(raw)
    student = Student.objects.filter(pk=pk, school_id=scope.school.pk).first() if pk else None
    if student is None:
        raise Http404
    return student


@login_required
@require_http_methods(["GET", "POST"])
def mentor_assign(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scoping.in_school(scope) and scope.year is not None)
    leader = scoping.can_assign_mentors(request.user)
    student = _student_from_query(request, scope)
    if student is not None:
        scope.require(leader or scoping.can_take_on(request.user, student))
        students = None
    else:
        scope.require(leader or bool(scope.homeroom_class_ids | scope.taught_class_ids))
        students = sel.students_to_take_on(request.user)
    current = sel.active_mentors([student.pk]).get(student.pk) if student else None
    form = MentorAssignForm(
        request.POST or None,
        initial={"start_date": today(), "student": student.pk if student else None},
        candidates=sel.candidates(request.user) if leader else None,
        students=students,
    )
    if request.method == "POST" and form.is_valid():
        chosen = student or form.chosen_student()
        teacher = form.chosen_teacher() if leader else request.user
        try:
            mentorship = mentorship_assign(
                teacher=teacher,
                student=chosen,
                user=request.user,
                start_date=form.cleaned_data["start_date"],
                reason=form.cleaned_data["reason"],
                goals=form.cleaned_data["goals"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(teacher)s now mentors %(student)s.")
                % {"teacher": teacher.full_name, "student": chosen.full_name},
            )
            return redirect("mentorship_detail", pk=mentorship.pk)
    context = {
        "form": form,
        "student": student,
        "classroom": sel.classes_of(scope.year, [student.pk]).get(student.pk) if student else None,
        "current": current,
        "leader": leader,
    }
    return render(request, "retention/mentors/assign.html", context)


def _mentorship_for(request: HttpRequest, pk: int):
    """The mentorship, for its mentor and the leadership (a GVCN who reads it in the list: 403;
    anyone else: 404)."""
    mentorship = scoping.get_mentorship_for_user(request.user, pk)
    scope_for(request.user).require(
        mentorship.teacher_id == request.user.pk
        or scoping.is_leader_of(request.user, mentorship.student.school_id)
    )
    return mentorship


@login_required
@require_http_methods(["GET", "POST"])
def mentorship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The mentee's essentials and the contact log; POST adds a contact."""
    mentorship = _mentorship_for(request, pk)
    form = MentorContactForm(request.POST or None, initial={"date": today(), "method": "talk"})
    if request.method == "POST":
        scope_for(request.user).require(can_record_contact(request.user, mentorship))
        if form.is_valid():
            try:
                mentor_contact_record(mentorship=mentorship, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The contact was recorded."))
                return redirect("mentorship_detail", pk=mentorship.pk)
    else:
        log_access(
            request.user,
            RecordAccess.Kind.MENTEE,
            school_id=mentorship.student.school_id,
            object_id=mentorship.pk,
            student_id=mentorship.student_id,
        )
    context = {
        "d": sel.mentee_detail(request.user, mentorship),
        "form": form,
        "end_form": MentorshipEndForm(initial={"date": today()}, auto_id="end_%s"),
        "can_record": mentorship.is_active and can_record_contact(request.user, mentorship),
    }
    return render(request, "retention/mentors/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def mentorship_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = scoping.get_mentorship_for_user(request.user, pk, write=True)
    if not mentorship.is_active:
        messages.info(request, _("This mentorship has already ended."))
        return redirect("mentorship_detail", pk=mentorship.pk)
    form = MentorshipEndForm(request.POST or None, initial={"date": today()})
    if request.method == "POST" and form.is_valid():
        try:
            mentorship_end(mentorship=mentorship, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The mentorship of %(student)s has ended.")
                % {"student": mentorship.student.full_name},
            )
            return redirect("mentor_list")
    return render(request, "retention/mentors/end.html", {"form": form, "mentorship": mentorship})
