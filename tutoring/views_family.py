"""Pages around a student's family and future: grade-9 streaming counselling (a class, adding a
record, the school's summary), contacts with the family about learning, and the printable
progress letter.

Who: the GVCN of the student's class and the leaders (``scoping.can_follow_family`` /
``can_counsel_class``); the school's counselling summary: leaders. Another school's student or
class is 404; a colleague who may see it but not do this 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from reports.pdf import render_pdf
from retention.selectors_alerts import main_guardian
from schools.models import Classroom, User
from schools.scoping import scope_for
from students.scoping import get_student_for_user

from . import scoping
from . import selectors_family as sel
from .forms_peers import CounsellingForm, LearningContactForm, ProgressLetterForm
from .services_counselling import counselling_record, grade9_class, learning_contact_record

# --- grade-9 streaming counselling ---------------------------------------------------------------


def _counselling_classroom(request: HttpRequest, pk: int) -> Classroom:
    """A grade-9 class of the current year the user may see (else 404) and counsel (else 403)."""
    classroom = (
        Classroom.objects.for_user(request.user)
        .select_related("school_year__school")
        .filter(pk=pk, grade=9)
        .first()
    )
    if classroom is None:
        raise Http404
    scope_for(request.user).require(scoping.can_counsel_class(request.user, classroom))
    return classroom


@login_required
@require_GET
def counselling_class(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = _counselling_classroom(request, pk)
    data = sel.counselling_class(classroom, sel.today())
    return render(request, "tutoring/counselling/class.html", {"data": data})


@login_required
@require_GET
def counselling_summary(request: HttpRequest) -> HttpResponse:
    """Leaders: every grade-9 class. A GVCN of a grade-9 class goes to their class's page."""
    scope = scope_for(request.user)
    if not scope.is_leader and scoping.in_school(scope) and scope.year is not None:
        mine = (
            Classroom.objects.filter(
                pk__in=scope.homeroom_class_ids, school_year=scope.year, grade=9
            )
            .order_by("name")
            .first()
        )
        if mine is not None:
            return redirect("counselling_class", pk=mine.pk)
    scope.require(scoping.in_school(scope) and scope.is_leader and scope.year is not None)
    data = sel.counselling_summary(scope.year, sel.today())
    return render(request, "tutoring/counselling/summary.html", {"data": data})


def _staff(student) -> list[User]:
    return list(
        User.objects.filter(school_id=student.school_id, is_active=True).order_by("sort_key")
    )


@login_required
@require_http_methods(["GET", "POST"])
def counselling_create(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_student_for_user(request.user, pk)
    allowed, classroom = scoping.can_follow_family(request.user, student)
    scope_for(request.user).require(allowed)
    if classroom is None or classroom.grade != 9 or grade9_class(student) is None:
        messages.error(
            request, _("Streaming counselling is for students of grade 9 this school year.")
        )
        return redirect("student_detail", pk=student.pk)
    guardian = main_guardian(student)
    initial = {"date": sel.today(), "counsellor": request.user.pk}
    form = CounsellingForm(request.POST or None, initial=initial, staff=_staff(student))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            counselling_record(
                student=student,
                date=data["date"],
                counsellor=form.counsellor_user(),
                choice=data["choice"],
                parents_present=data["parents_present"],
                parent_names=data["parent_names"],
                note=data["note"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The counselling of %(name)s is recorded.") % {"name": student.full_name},
            )
            return redirect("counselling_class", pk=classroom.pk)
    context = {"student": student, "classroom": classroom, "form": form, "guardian": guardian}
    return render(request, "tutoring/counselling/form.html", context)


# --- contacts with the family about learning ----------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def learning_contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_student_for_user(request.user, pk)
    allowed, _classroom = scoping.can_follow_family(request.user, student)
    scope = scope_for(request.user)
    scope.require(allowed)
    guardian = main_guardian(student)
    initial = {
        "date": sel.today(),
        "contact_person": (
            f"{guardian.full_name} ({guardian.get_relation_display()})" if guardian else ""
        ),
    }
    form = LearningContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            learning_contact_record(
                student=student,
                date=data["date"],
                method=data["method"],
                contact_person=data["contact_person"],
                content=data["content"],
                recorded_by=request.user,
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
            return redirect("student_detail", pk=student.pk)
    context = {"student": student, "form": form, "guardian": guardian}
    return render(request, "tutoring/family/contact_form.html", context)


# --- the progress letter -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def progress_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the letter's options (term, comment). POST: the PDF. The comment travels in the
    POST body, never in the URL (it is about a child), and is not stored."""
    student = get_student_for_user(request.user, pk)
    allowed, classroom = scoping.can_follow_family(request.user, student)
    scope = scope_for(request.user)
    scope.require(allowed and scope.year is not None)
    terms = sel.letter_terms(student, scope.year)
    if not terms:
        messages.error(
            request,
            _("%(name)s has no results this school year yet: there is nothing to report.")
            % {"name": student.full_name},
        )
        return redirect("student_detail", pk=student.pk)
    requested = request.GET.get("term", "")
    default = int(requested) if requested.isdigit() and int(requested) in terms else terms[-1]
    form = ProgressLetterForm(request.POST or None, initial={"term": default}, terms=terms)
    on = sel.today()
    if request.method == "POST" and form.is_valid():
        letter = sel.progress_letter(
            student=student,
            year=scope.year,
            classroom=classroom,
            term=form.cleaned_data["term"],
            comment=form.cleaned_data["comment"],
            on=on,
        )
        content = render_pdf("tutoring/family/letter_pdf.html", {"d": letter, "doc": letter.doc})
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            False, f"thu-thong-bao-{student.pk}.pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response
    preview = sel.progress_letter(
        student=student, year=scope.year, classroom=classroom, term=default, comment="", on=on
    )
    context = {"student": student, "form": form, "letter": preview, "classroom": classroom}
    return render(request, "tutoring/family/letter_form.html", context)
