"""Organisation pages: the landing page, schools (office staff), classes, staff and roles
(the principal), and the school's set-up (leaders).

Every view: access function or ``for_user`` list → form → service → redirect or render.
"""

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lib.forms import add_service_errors
from lib.panels import render_panels
from lib.vietnamese import collation_key, unaccent
from students.models import Enrollment
from students.services import ClassSize, class_sizes

from . import services
from .forms import (
    ClassroomForm,
    HolidayForm,
    LoginForm,
    PasswordResetForm,
    RoleForm,
    SchoolForm,
    SchoolSettingsForm,
    SchoolYearForm,
    SearchForm,
    StaffCreateForm,
    StaffEditForm,
    SubjectGroupForm,
)
from .models import (
    Classroom,
    Office,
    Role,
    RoleAssignment,
    School,
    SchoolSettings,
    SchoolYear,
    SubjectGroup,
    User,
)
from .scoping import (
    can_manage_person,
    can_reset_password,
    get_classroom_for_user,
    get_holiday_for_user,
    get_role_assignment_for_user,
    get_school_for_user,
    get_school_year_for_user,
    get_staff_for_user,
    get_subject_group_for_user,
    scope_for,
)

SCHOOLS_PER_PAGE = 50


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


@login_required
def password_change_done(request: HttpRequest) -> HttpResponse:
    if request.user.must_change_password:
        request.user.must_change_password = False
        request.user.save(update_fields=["must_change_password"])
    messages.success(request, _("Your password has been changed."))
    return redirect("home")


# --- small read helpers (a fixed number of queries, whatever the number of rows) -------------


@dataclass
class GradeBlock:
    grade: int
    rows: list = field(default_factory=list)  # (classroom, ClassSize, homeroom teacher or None)
    start_of_year: int = 0
    now: int = 0


def _homeroom_teachers(classrooms) -> dict[int, User]:
    """Homeroom teacher of each class, in one query."""
    assignments = RoleAssignment.objects.filter(
        role=Role.HOMEROOM, classroom__in=[c.pk for c in classrooms]
    ).select_related("user")
    return {a.classroom_id: a.user for a in assignments}


def _grade_blocks(classrooms, *, first: list[int] = ()) -> list[GradeBlock]:
    """Classes by grade block with class sizes and homeroom teachers (two queries).
    Blocks listed in ``first`` (a vice-principal's) come first."""
    classrooms = list(classrooms)
    sizes = class_sizes(classrooms)
    teachers = _homeroom_teachers(classrooms) if classrooms else {}
    blocks: dict[int, GradeBlock] = {}
    for c in sorted(classrooms, key=lambda c: (c.grade, c.name)):
        block = blocks.setdefault(c.grade, GradeBlock(grade=c.grade))
        size = sizes.get(c.pk, ClassSize())
        block.rows.append((c, size, teachers.get(c.pk)))
        block.start_of_year += size.start_of_year
        block.now += size.now
    return sorted(blocks.values(), key=lambda b: (b.grade not in first, b.grade))


def _school_rows(schools: list[School]) -> list[dict]:
    """Each school with its classes and students now (current year) and its principal."""
    ids = [s.pk for s in schools]
    if not ids:
        return []
    current = {"school_year__school_id__in": ids, "school_year__is_current": True}
    classes = dict(
        Classroom.objects.filter(**current)
        .values("school_year__school_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("school_year__school_id", "n")
    )
    students = dict(
        Enrollment.objects.active_on(timezone.localdate())
        .filter(classroom__school_year__school_id__in=ids, classroom__school_year__is_current=True)
        .values("classroom__school_year__school_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("classroom__school_year__school_id", "n")
    )
    principals = {
        a.school_id: a.user
        for a in RoleAssignment.objects.filter(
            role=Role.PRINCIPAL, school_id__in=ids, school_year__is_current=True
        ).select_related("user")
    }
    return [
        {
            "school": s,
            "classes": classes.get(s.pk, 0),
            "students": students.get(s.pk, 0),
            "principal": principals.get(s.pk),
        }
        for s in schools
    ]


def _search_schools(schools, text: str = "") -> list[School]:
    """Schools in Vietnamese name order; accent-insensitive search on name and code ('truong'
    finds 'Trường'). In Python: an office has at most a few hundred schools."""
    text = unaccent(text or "")
    schools = sorted(schools, key=lambda s: collation_key(s.name))
    if not text:
        return schools
    return [s for s in schools if text in unaccent(s.name) or text in s.code.lower()]


def _spread_errors(error: ValidationError, *forms_: forms.BaseForm) -> None:
    """Show a service's errors on the form that has the field (the first form otherwise)."""
    if not hasattr(error, "error_dict"):
        add_service_errors(forms_[0], error)
        return
    for name, errors in error.error_dict.items():
        target = next((f for f in forms_ if name in f.fields), forms_[0])
        for e in errors:
            target.add_error(name if name in target.fields else None, e)


def _confirm(request, *, title, message, button, cancel_url, danger=False) -> HttpResponse:
    """A confirmation page: the same action works without JavaScript."""
    context = {
        "title": title,
        "message": message,
        "button": button,
        "cancel_url": cancel_url,
        "danger": danger,
    }
    return render(request, "schools/confirm.html", context)


# --- landing page -----------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    context: dict = {"scope": scope}
    if scope.is_office:
        schools = _search_schools(School.objects.for_user(request.user).select_related("office"))
        context["school_rows"] = _school_rows(schools[:SCHOOLS_PER_PAGE])
        context["school_count"] = len(schools)
    if scope.school and scope.roles:
        classrooms = list(Classroom.objects.for_user(request.user).ordered())
        context["classrooms"] = classrooms
        context["homerooms"] = [c for c in classrooms if c.pk in scope.homeroom_class_ids]
        context["taught"] = [c for c in classrooms if c.pk in scope.taught_class_ids]
        if scope.is_leader:
            context.update(_leader_overview(request.user, scope, classrooms))
    context["panels"] = render_panels("home", request)
    return render(request, "schools/home.html", context)


def _leader_overview(user, scope, classrooms) -> dict:
    sizes = class_sizes(classrooms)
    teachers = _homeroom_teachers(classrooms) if classrooms else {}
    without_role = (
        User.objects.for_user(user)
        .filter(is_active=True, is_superuser=False)
        .exclude(assignments__school_year=scope.year)
        .order_by("sort_key")
    )
    return {
        "overview": True,
        "students_now": sum(s.now for s in sizes.values()),
        "students_start": sum(s.start_of_year for s in sizes.values()),
        "without_homeroom": [c for c in classrooms if c.pk not in teachers],
        "without_role": list(without_role),
    }


# --- schools (office staff) -------------------------------------------------------------------


@login_required
def school_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.is_office)
    form = SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    schools = _search_schools(School.objects.for_user(request.user).select_related("office"), text)
    page = Paginator(schools, SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "rows": _school_rows(list(page))}
    return render(request, "schools/school_list.html", context)


def _offices_for(user):
    return Office.objects.filter(pk__in=scope_for(user).office_ids).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def school_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.is_office)
    data = request.POST or None
    school_form = SchoolForm(data, offices=_offices_for(request.user))
    year_form = SchoolYearForm(
        data, prefix="year", initial=SchoolYearForm.initial_for(SchoolYearForm.this_start_year())
    )
    principal_form = StaffCreateForm(data, prefix="principal")
    all_valid = all([school_form.is_valid(), year_form.is_valid(), principal_form.is_valid()])
    if request.method == "POST" and all_valid:
        p = principal_form.cleaned_data
        try:
            school = services.school_create(
                school=school_form.instance,
                year=year_form.instance,
                principal_username=p["username"],
                principal_full_name=p["full_name"],
                principal_password=p["password"],
                principal_phone=p["phone"],
            )
        except ValidationError as error:
            _spread_errors(error, school_form, year_form, principal_form)
        else:
            messages.success(
                request,
                _(
                    "School %(school)s was created. Give the principal their username and "
                    "password; they must change the password when they first log in."
                )
                % {"school": school.name},
            )
            return redirect("school_detail", pk=school.pk)
    context = {"form": school_form, "year_form": year_form, "principal_form": principal_form}
    return render(request, "schools/school_create.html", context)


@login_required
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_school_for_user(request.user, pk)
    scope = scope_for(request.user)
    year = school.years.filter(is_current=True).first()
    classrooms = list(year.classrooms.all()) if year else []
    sizes = class_sizes(classrooms)
    principal = (
        RoleAssignment.objects.filter(role=Role.PRINCIPAL, school_year=year)
        .select_related("user")
        .first()
        if year
        else None
    )
    grades = {}
    for c in classrooms:
        grades[c.grade] = grades.get(c.grade, 0) + 1
    context = {
        "school": school,
        "year": year,
        "holidays": list(year.holidays.all()) if year else [],
        "grades": sorted(grades.items()),
        "class_count": len(classrooms),
        "students_now": sum(s.now for s in sizes.values()),
        "students_start": sum(s.start_of_year for s in sizes.values()),
        "staff_count": school.staff.filter(is_active=True).count(),
        "principal": principal.user if principal else None,
        "can_edit": scope.is_office,
        "can_reset": principal is not None and can_reset_password(request.user, principal.user),
    }
    return render(request, "schools/school_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def school_edit(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_school_for_user(request.user, pk)
    scope = scope_for(request.user)
    scope.require(scope.is_office)
    form = SchoolForm(request.POST or None, instance=school, offices=_offices_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.school_update(school=form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The school's details were saved."))
            return redirect("school_detail", pk=school.pk)
    return render(request, "schools/school_form.html", {"form": form, "school": school})


# --- classes ----------------------------------------------------------------------------------


@login_required
def classroom_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.school is not None and bool(scope.roles))
    blocks = _grade_blocks(Classroom.objects.for_user(request.user), first=scope.vp_grades)
    context = {
        "blocks": blocks,
        "vp_grades": scope.vp_grades,
        "total_start": sum(b.start_of_year for b in blocks),
        "total_now": sum(b.now for b in blocks),
        "class_count": sum(len(b.rows) for b in blocks),
    }
    return render(request, "schools/classroom_list.html", context)


# --- staff and roles (the principal; leaders read) --------------------------------------------


def _current_assignments(year):
    return Prefetch(
        "assignments",
        queryset=RoleAssignment.objects.filter(school_year=year).select_related(
            "classroom", "subject", "subject_group"
        ),
        to_attr="current_assignments",
    )


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.is_leader)
    form = SearchForm(request.GET or None)
    staff = User.objects.for_user(request.user).filter(school=scope.school)
    text = unaccent(form.cleaned_data["q"]) if form.is_valid() else ""
    if text:
        staff = staff.filter(Q(search_name__contains=text) | Q(username__icontains=text))
    staff = staff.prefetch_related(_current_assignments(scope.year)).order_by("sort_key", "pk")
    context = {"form": form, "staff": staff, "can_manage": scope.can_manage_staff}
    return render(request, "schools/staff_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.can_manage_staff and scope.school is not None)
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.staff_create(school=scope.school, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The account %(username)s was created. Give the person their username and "
                    "password; they must change it at first login. Now add their roles."
                )
                % {"username": person.username},
            )
            return redirect("staff_detail", pk=person.pk)
    return render(request, "schools/staff_form.html", {"form": form, "created": True})


def _role_form(request, scope, data=None) -> RoleForm:
    return RoleForm(
        data,
        classrooms=Classroom.objects.for_user(request.user).ordered()
        if scope.year
        else Classroom.objects.none(),
        subject_groups=SubjectGroup.objects.filter(school=scope.school),
    )


def _staff_page(request, person, *, role_form=None, status=200) -> HttpResponse:
    scope = scope_for(request.user)
    can_manage = can_manage_person(request.user, person)
    assignments = (
        person.assignments.filter(school_year=scope.year).select_related(
            "classroom", "subject", "subject_group"
        )
        if scope.year
        else RoleAssignment.objects.none()
    )
    if can_manage and role_form is None and scope.year:
        role_form = _role_form(request, scope)
    context = {
        "person": person,
        "assignments": list(assignments),
        "year": scope.year,
        "role_form": role_form,
        "can_manage": can_manage,
        "can_reset": can_reset_password(request.user, person),
        "is_self": person.pk == request.user.pk,
    }
    return render(request, "schools/staff_detail.html", context, status=status)


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_staff_for_user(request.user, pk)
    return _staff_page(request, person)


@login_required
@require_http_methods(["GET", "POST"])
def role_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_staff_for_user(request.user, pk, write=True)
    scope = scope_for(request.user)
    if scope.year is None:
        messages.error(request, _("Set the current school year before assigning roles."))
        return redirect("school_settings")
    form = _role_form(request, scope, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.role_assign(
                user=person,
                role=data["role"],
                school_year=scope.year,
                classroom=data["classroom"],
                subject=data["subject"],
                subject_group=data["subject_group"],
                grade_blocks=data["grade_blocks"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The role was added."))
            return redirect("staff_detail", pk=person.pk)
    return _staff_page(request, person, role_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def role_remove(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_role_assignment_for_user(request.user, pk, write=True)
    person = assignment.user
    back = reverse("staff_detail", args=[person.pk])
    if request.method == "POST":
        try:
            services.role_remove(assignment=assignment, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The role was removed."))
        return redirect(back)
    return _confirm(
        request,
        title=_("Remove a role"),
        message=_("Remove the role “%(role)s” from %(name)s?")
        % {"role": _role_label(assignment), "name": person},
        button=_("Remove the role"),
        cancel_url=back,
        danger=True,
    )


def _role_label(assignment: RoleAssignment) -> str:
    label = str(assignment.get_role_display())
    if assignment.classroom_id or assignment.subject_group_id or assignment.grade_blocks:
        label = f"{label} – {assignment.target_label}"
    return label


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_staff_for_user(request.user, pk, write=True)
    form = StaffEditForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update(
                user=form.instance,
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The account was saved."))
            return redirect("staff_detail", pk=person.pk)
    return render(request, "schools/staff_form.html", {"form": form, "person": person})


def _staff_set_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    person = get_staff_for_user(request.user, pk, write=True)
    back = reverse("staff_detail", args=[person.pk])
    if request.method == "POST":
        try:
            services.staff_set_active(user=person, active=active, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            done = (
                _("%(name)s can log in again.") if active else _("%(name)s can no longer log in.")
            )
            messages.success(request, done % {"name": person})
        return redirect(back)
    if active:
        return _confirm(
            request,
            title=_("Enable the account"),
            message=_("Let %(name)s log in again?") % {"name": person},
            button=_("Enable"),
            cancel_url=back,
        )
    return _confirm(
        request,
        title=_("Disable the account"),
        message=_(
            "%(name)s will no longer be able to log in. Their records and history are kept, "
            "and you can enable the account again later."
        )
        % {"name": person},
        button=_("Disable"),
        cancel_url=back,
        danger=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_disable(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_set_active(request, pk, active=False)


@login_required
@require_http_methods(["GET", "POST"])
def staff_enable(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_set_active(request, pk, active=True)


@login_required
@require_http_methods(["GET", "POST"])
def staff_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_staff_for_user(request.user, pk)
    scope_for(request.user).require(can_reset_password(request.user, person))
    if person.pk == request.user.pk:
        return redirect("password_change")
    # Office staff come from the school's page and go back there.
    if person.school_id and not can_manage_person(request.user, person):
        back = reverse("school_detail", args=[person.school_id])
    else:
        back = reverse("staff_detail", args=[person.pk])
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_set(user=person, password=form.cleaned_data["password"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The password of %(name)s was reset. Tell them the new password; they must "
                    "change it when they next log in."
                )
                % {"name": person},
            )
            return redirect(back)
    context = {"form": form, "person": person, "back_url": back}
    return render(request, "schools/password_reset.html", context)


# --- school set-up (leaders) ------------------------------------------------------------------


@login_required
def school_settings(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.can_manage_school and scope.school is not None)
    year = scope.year
    groups = list(SubjectGroup.objects.filter(school=scope.school).prefetch_related("subjects"))
    heads: dict[int, list[User]] = {}
    if year:
        for a in RoleAssignment.objects.filter(
            role=Role.GROUP_HEAD, school_year=year
        ).select_related("user"):
            heads.setdefault(a.subject_group_id, []).append(a.user)
    context = {
        "school": scope.school,
        "year": year,
        "years": list(scope.school.years.annotate(class_count=Count("classrooms"))),
        "holidays": list(year.holidays.all()) if year else [],
        "blocks": _grade_blocks(year.classrooms.all()) if year else [],
        "groups": [(g, heads.get(g.pk, [])) for g in groups],
    }
    return render(request, "schools/school_settings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def school_rules_edit(request: HttpRequest) -> HttpResponse:
    """The school's attendance, alert and class-size rules (leaders); shown by the set-up page's
    template in its "rules" mode."""
    scope = scope_for(request.user)
    scope.require(scope.can_manage_school and scope.school is not None)
    form = SchoolSettingsForm(
        request.POST or None, instance=SchoolSettings.for_school(scope.school)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.school_settings_save(settings=form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The attendance and alert rules were saved."))
            return redirect("school_rules_edit")
    return render(
        request, "schools/school_settings.html", {"rules_form": form, "school": scope.school}
    )


@login_required
@require_http_methods(["GET", "POST"])
def school_year_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.can_manage_school and scope.school is not None)
    latest = scope.school.years.order_by("-start_year").first()
    start = latest.start_year + 1 if latest else SchoolYearForm.this_start_year()
    form = SchoolYearForm(
        request.POST or None,
        instance=SchoolYear(school=scope.school),
        initial=SchoolYearForm.initial_for(start),
    )
    if request.method == "POST" and form.is_valid():
        try:
            year = services.school_year_save(school_year=form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The school year %(year)s was added.") % {"year": year})
            return redirect("school_year_edit", pk=year.pk)
    return render(request, "schools/school_year_form.html", {"form": form, "created": True})


def _year_page(request, year, *, form=None, holiday_form=None) -> HttpResponse:
    context = {
        "year": year,
        "form": form or SchoolYearForm(instance=year),
        "holiday_form": holiday_form or HolidayForm(),
        "holidays": list(year.holidays.all()),
    }
    return render(request, "schools/school_year_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def school_year_edit(request: HttpRequest, pk: int) -> HttpResponse:
    year = get_school_year_for_user(request.user, pk, write=True)
    form = SchoolYearForm(request.POST or None, instance=year)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_year_save(school_year=form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The school year %(year)s was saved.") % {"year": year})
            return redirect("school_year_edit", pk=year.pk)
    return _year_page(request, year, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def school_year_set_current(request: HttpRequest, pk: int) -> HttpResponse:
    year = get_school_year_for_user(request.user, pk, write=True)
    if request.method == "POST":
        services.school_year_set_current(school_year=year)
        messages.success(
            request,
            _(
                "%(year)s is now the current school year. Leaders, the clerk, the youth union "
                "and subject-group heads keep their roles; assign homeroom and subject teachers "
                "to the new classes."
            )
            % {"year": year},
        )
        return redirect("school_settings")
    return _confirm(
        request,
        title=_("Make this the current school year"),
        message=_(
            "Make %(year)s the current school year? Every page (classes, students, reports) "
            "will then show this year."
        )
        % {"year": year},
        button=_("Make current"),
        cancel_url=reverse("school_settings"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def holiday_add(request: HttpRequest, pk: int) -> HttpResponse:
    year = get_school_year_for_user(request.user, pk, write=True)
    form = HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.holiday_add(school_year=year, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The holiday was added."))
            return redirect("school_year_edit", pk=year.pk)
    return _year_page(request, year, holiday_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    holiday = get_holiday_for_user(request.user, pk, write=True)
    back = reverse("school_year_edit", args=[holiday.school_year_id])
    if request.method == "POST":
        services.holiday_delete(holiday=holiday)
        messages.success(request, _("The holiday was deleted."))
        return redirect(back)
    return _confirm(
        request,
        title=_("Delete a holiday"),
        message=_("Delete the holiday %(name)s?") % {"name": holiday.name},
        button=_("Delete"),
        cancel_url=back,
        danger=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def classroom_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.can_manage_school and scope.school is not None)
    if scope.year is None:
        messages.error(request, _("Set the current school year before adding classes."))
        return redirect("school_settings")
    return _classroom_form(request, Classroom(school_year=scope.year))


@login_required
@require_http_methods(["GET", "POST"])
def classroom_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _classroom_form(request, get_classroom_for_user(request.user, pk, write=True))


def _classroom_form(request: HttpRequest, classroom: Classroom) -> HttpResponse:
    form = ClassroomForm(request.POST or None, instance=classroom)
    if request.method == "POST" and form.is_valid():
        try:
            services.classroom_save(classroom=form.instance)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Class %(name)s was saved.") % {"name": classroom.name})
            return redirect("school_settings")
    return render(request, "schools/classroom_form.html", {"form": form, "classroom": classroom})


@login_required
@require_http_methods(["GET", "POST"])
def subject_group_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.can_manage_school and scope.school is not None)
    return _subject_group_form(request, SubjectGroup(school=scope.school))


@login_required
@require_http_methods(["GET", "POST"])
def subject_group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _subject_group_form(request, get_subject_group_for_user(request.user, pk, write=True))


def _subject_group_form(request: HttpRequest, group: SubjectGroup) -> HttpResponse:
    form = SubjectGroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        try:
            services.subject_group_save(
                subject_group=form.instance, subjects=list(form.cleaned_data["subjects"])
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The subject group %(name)s was saved.") % {"name": group})
            return redirect("school_settings")
    return render(request, "schools/subject_group_form.html", {"form": form, "group": group})
