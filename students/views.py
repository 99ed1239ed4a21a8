from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lib.forms import add_service_errors
from lib.panels import render_panels
from lib.vietnamese import unaccent
from schools.models import Classroom, Role
from schools.scoping import get_classroom_for_user, scope_for

from .exporters import classroom_list_xlsx
from .forms import GuardianFormSet, MovementForm, StudentForm, StudentSearchForm
from .models import Enrollment, Student
from .scoping import can_edit_student, get_student_for_user
from .selectors import movement_events, student_audit_trail
from .services import Movement, class_sizes, enrollment_record_movement, student_save

PAGE_SIZE = 50


def _current_enrollment_prefetch():
    return Prefetch(
        "enrollments",
        queryset=Enrollment.objects.filter(end_date__isnull=True).select_related("classroom"),
        to_attr="open_enrollments",
    )


@login_required
def student_list(request: HttpRequest) -> HttpResponse:
    classrooms = Classroom.objects.for_user(request.user).ordered()
    form = StudentSearchForm(request.GET or None, classrooms=classrooms)
    students = Student.objects.for_user(request.user)
    if form.is_valid():
        students = students.search(form.cleaned_data["q"])
        if form.cleaned_data["classroom"]:
            students = students.in_classroom(form.cleaned_data["classroom"])
    students = students.prefetch_related(_current_enrollment_prefetch()).order_by(
        "sort_key", "date_of_birth", "pk"
    )
    page = Paginator(students, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "students/student_list.html", {"form": form, "page": page})


@login_required
def classroom_detail(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = get_classroom_for_user(request.user, pk)
    # Names only for people who may see these children (office staff get the figures alone).
    spans = (
        Enrollment.objects.filter(
            classroom=classroom, student__in=Student.objects.for_user(request.user)
        )
        .select_related("student")
        .order_by("student__sort_key", "student__date_of_birth", "student__pk", "start_date")
    )
    current, left = [], []
    for span in spans:
        (current if span.end_date is None else left).append(span)
    size = class_sizes([classroom])[classroom.pk]
    homeroom = classroom.assignments.filter(role="homeroom").select_related("user").first()
    scope = scope_for(request.user)
    return render(
        request,
        "students/classroom_detail.html",
        {
            "classroom": classroom,
            "current": current,
            "left": left,
            "size": size,
            "homeroom": homeroom.user if homeroom else None,
            "can_manage": scope.can_manage_students,
        },
    )


@login_required
def classroom_export(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = get_classroom_for_user(request.user, pk)
    scope = scope_for(request.user)
    # Office staff see the class's figures, not the children's records.
    scope.require(scope.school is not None and bool(scope.roles - {Role.OFFICE}))
    students = list(
        Student.objects.for_user(request.user)
        .in_classroom(classroom)
        .prefetch_related("guardians")
        .order_by("sort_key", "date_of_birth", "pk")
    )
    content = classroom_list_xlsx(
        classroom,
        students,
        on=timezone.localdate(),
        # Ethnicity is sensitive: only for the people who may edit these students.
        include_ethnicity=scope.can_manage_students or classroom.pk in scope.homeroom_class_ids,
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = slugify(unaccent(f"{classroom.name} {classroom.school_year.name}").replace("/", "-"))
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"danh-sach-lop-{name or classroom.pk}.xlsx"
    )
    # Personal data: no copy in shared or browser caches.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_student_for_user(request.user, pk)
    scope = scope_for(request.user)
    enrollments = list(
        student.enrollments.select_related("classroom__school_year").order_by("start_date", "pk")
    )
    can_edit = can_edit_student(request.user, student)
    context = {
        "student": student,
        "guardians": list(student.guardians.all()),
        "enrollments": enrollments,
        "current": next((e for e in enrollments if e.end_date is None), None),
        "events": movement_events(enrollments),
        "can_edit": can_edit,
        "can_move": scope.can_manage_students,
        # Family circumstances are sensitive: only the people who work with the family see them.
        "show_circumstances": can_edit,
        "audit": student_audit_trail(student) if scope.is_principal else None,
        "panels": render_panels("student", request, student),
    }
    return render(request, "students/student_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def student_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.can_manage_students)
    return _student_form(request, Student(school=scope.school), created=True)


@login_required
@require_http_methods(["GET", "POST"])
def student_edit(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_student_for_user(request.user, pk, write=True)
    return _student_form(request, student, created=False)


def _student_form(request: HttpRequest, student: Student, *, created: bool) -> HttpResponse:
    form = StudentForm(request.POST or None, instance=student)
    formset = GuardianFormSet(request.POST or None, instance=student, prefix="g")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        guardians = [
            {
                "id": f.instance.pk,
                **{k: v for k, v in f.cleaned_data.items() if k not in ("id", "DELETE", "student")},
            }
            for f in formset.forms
            if f.has_changed() or f.instance.pk
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            with transaction.atomic():
                saved = student_save(student=form.instance, guardians=guardians)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved the student's record."))
            return redirect("student_detail", saved.pk)
    return render(
        request,
        "students/student_form.html",
        {"form": form, "formset": formset, "student": student, "created": created},
    )


@login_required
@require_http_methods(["GET", "POST"])
def movement_create(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_student_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(scope.can_manage_students)
    classrooms = Classroom.objects.for_user(request.user).ordered()
    current = student.enrollments.filter(end_date__isnull=True).select_related("classroom").first()
    form = MovementForm(request.POST or None, classrooms=classrooms, enrolled=current is not None)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment_record_movement(
                student=student,
                kind=form.cleaned_data["kind"],
                date=form.cleaned_data["date"],
                classroom=form.cleaned_data["classroom"],
                note=form.cleaned_data["note"],
                causes=form.cleaned_data["causes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The movement has been recorded."))
            return redirect("student_detail", student.pk)
    return render(
        request,
        "students/movement_form.html",
        {"form": form, "student": student, "current": current, "kinds": Movement},
    )
