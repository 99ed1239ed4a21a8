from django import forms
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from students.services import class_sizes

from .models import Classroom, Role, School, User
from .scoping import get_school_for_user, scope_for


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": gettext_lazy(
            "Wrong username or password. Check both and try again (letters are case-sensitive)."
        ),
        "inactive": gettext_lazy("This account is disabled. Ask your principal."),
    }


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    pass


@login_required
def password_change_done(request: HttpRequest) -> HttpResponse:
    if request.user.must_change_password:
        request.user.must_change_password = False
        request.user.save(update_fields=["must_change_password"])
    messages.success(request, _("Your password has been changed."))
    return redirect("home")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    context = {"scope": scope}
    if scope.school and scope.roles:
        classrooms = list(
            Classroom.objects.for_user(request.user).select_related("school_year").ordered()
        )
        sizes = class_sizes(classrooms)
        context["classrooms"] = [(c, sizes[c.pk]) for c in classrooms]
        context["total_now"] = sum(s.now for s in sizes.values())
    if scope.is_office:
        context["schools"] = School.objects.for_user(request.user).select_related("office")
    return render(request, "schools/home.html", context)


@login_required
def school_list(request: HttpRequest) -> HttpResponse:
    schools = School.objects.for_user(request.user).select_related("office")
    return render(request, "schools/school_list.html", {"schools": schools})


@login_required
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_school_for_user(request.user, pk)
    return render(request, "schools/school_detail.html", {"school": school})


@login_required
def classroom_list(request: HttpRequest) -> HttpResponse:
    classrooms = list(
        Classroom.objects.for_user(request.user).select_related("school_year").ordered()
    )
    sizes = class_sizes(classrooms)
    homerooms = (
        {
            a.classroom_id: a.user
            for a in scope_for(request.user)
            .year.assignments.filter(role=Role.HOMEROOM)
            .select_related("user")
        }
        if scope_for(request.user).year
        else {}
    )
    rows = [(c, sizes[c.pk], homerooms.get(c.pk)) for c in classrooms]
    return render(request, "schools/classroom_list.html", {"rows": rows})


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.is_leader or scope.is_office)
    staff = User.objects.for_user(request.user).prefetch_related("assignments")
    return render(request, "schools/staff_list.html", {"staff": staff})


@login_required
def school_settings(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scope.can_manage_school)
    return render(request, "schools/school_settings.html", {"school": scope.school})


class _Unused(forms.Form):
    pass
