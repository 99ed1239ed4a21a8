"""Tutoring plan pages: the list by level, one plan, writing and editing, sending for approval,
the principal's decision, and the PDF.

Every view: access function or scoped list → form → service → redirect or render. A plan outside
the user's scope is 404 (School B's, another teacher's); one they may read but not change is 403.
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
from schools.models import Subject, SubjectGroup
from schools.scoping import scope_for

from . import scoping
from . import selectors_plans as sel
from . import services_plans as services
from .forms_plans import (
    DecisionForm,
    GoalFormSet,
    PlanForm,
    goal_initial,
    plan_initial,
    plan_input,
)
from .models import TutoringPlan
from .services_plans import PlanConflict

Level = TutoringPlan.Level
Status = TutoringPlan.Status


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scoping.in_school(scope))
    return render(request, "tutoring/plans/plan_list.html", {"data": sel.plan_list(request.user)})


def _subjects() -> list[Subject]:
    return list(Subject.objects.order_by("order"))


def _parents(scope):
    return TutoringPlan.objects.filter(
        school=scope.school, school_year=scope.year, level=Level.SCHOOL
    ).order_by("-start_date", "title")


def _form_context(request, scope, subjects, **extra) -> dict:
    return {
        "rates": sel.rate_table(scope.year, subjects, sel.today()),
        "year": scope.year,
        **extra,
    }


def _chosen_level(request: HttpRequest, scope) -> tuple[str, SubjectGroup | None]:
    """The level and subject group asked for in the query (?level=…&group=…). An unknown group
    id, or another school's, is 404."""
    level = request.GET.get("level", "")
    if level not in Level.values:
        level = Level.TEACHER if scoping.is_teacher(scope) else Level.SCHOOL
    raw = request.GET.get("group", "")
    group = None
    if raw:
        if not raw.isdigit() or scope.school is None:
            raise Http404
        group = SubjectGroup.objects.filter(school=scope.school, pk=int(raw)).first()
        if group is None:
            raise Http404
    elif level == Level.GROUP:
        mine = list(scoping.plan_subject_groups(request.user)[:2])
        group = mine[0] if len(mine) == 1 else None
    if level == Level.TEACHER:
        # A teacher's plan belongs to the teacher's own subject group (asked for, or their only
        # one), so its head can read it; never to a group the teacher is not part of.
        mine = list(scoping.member_subject_groups(request.user)[:10])
        if group is not None and group not in mine:
            group = None
        if group is None and len(mine) == 1:
            group = mine[0]
    return level, group


def _default_title(level: str, year, group: SubjectGroup | None, user) -> str:
    title = _("Tutoring plan for weak students, school year %(year)s") % {"year": year.name}
    if level == Level.GROUP and group is not None:
        title += " – " + group.name
    elif level == Level.TEACHER:
        title += " – " + user.full_name
    return title


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    level, group = _chosen_level(request, scope)
    if level == Level.GROUP and group is None and scoping.in_school(scope):
        messages.info(request, _("Choose the subject group whose plan you write."))
        return redirect("plan_list")
    scope.require(scoping.can_create_plan(request.user, level, group.pk if group else None))
    year = scope.year
    subjects = _subjects()
    parents = _parents(scope)
    initial = {
        "title": _default_title(level, year, group, request.user),
        "start_date": max(sel.today(), year.start_date),
        "end_date": year.end_date,
        "parent": next((p.pk for p in parents if p.status == Status.APPROVED), None),
        "subjects": list(group.subjects.values_list("pk", flat=True)) if group else [],
    }
    form = PlanForm(
        request.POST or None,
        initial=initial,
        parents=parents,
        show_parent=level != Level.SCHOOL,
    )
    goals = GoalFormSet(request.POST or None, prefix="goals", subjects=subjects)
    if request.method == "POST" and form.is_valid() and goals.is_valid():
        try:
            plan = services.plan_create(
                user=request.user,
                school_year=year,
                level=level,
                subject_group=group,
                data=plan_input(form, goals),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan is saved as a draft."))
            return redirect("plan_detail", pk=plan.pk)
    context = _form_context(
        request,
        scope,
        subjects,
        form=form,
        goals=goals,
        level=level,
        level_label=Level(level).label,
        group=group,
        plan=None,
    )
    return render(request, "tutoring/plans/plan_form.html", context)


def _decision_form(detail, data=None) -> DecisionForm | None:
    if not detail.can_decide:
        return None
    return DecisionForm(data, initial={"version": detail.plan.version})


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoping.get_plan_for_user(request.user, pk)
    detail = sel.plan_detail(request.user, plan)
    context = {"d": detail, "plan": plan, "decision_form": _decision_form(detail)}
    return render(request, "tutoring/plans/plan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoping.get_plan_for_user(request.user, pk, write=True)
    if plan.status not in (Status.DRAFT, Status.RETURNED):
        if plan.status == Status.APPROVED:
            messages.error(request, _("An approved plan cannot be changed."))
        else:
            messages.error(
                request,
                _("The plan is waiting for approval: it can be changed once it is returned."),
            )
        return redirect("plan_detail", pk=plan.pk)
    scope = scope_for(request.user)
    subjects = _subjects()
    current_goals = list(plan.goals.select_related("subject").order_by("pk"))
    current_subjects = list(plan.subjects.order_by("order"))
    data = request.POST or None
    conflict = None
    form = PlanForm(
        data,
        initial=plan_initial(plan, current_subjects, current_goals),
        parents=_parents(scope).exclude(pk=plan.pk),
        show_parent=plan.level != Level.SCHOOL,
    )
    goals = GoalFormSet(
        data, prefix="goals", subjects=subjects, initial=goal_initial(current_goals)
    )
    if request.method == "POST" and form.is_valid() and goals.is_valid():
        try:
            services.plan_update(
                plan=plan,
                user=request.user,
                version=form.cleaned_data.get("version"),
                data=plan_input(form, goals),
            )
        except PlanConflict as error:
            # Keep what was typed; show what is saved now; the next save is made knowingly.
            conflict = TutoringPlan.objects.select_related("parent").get(pk=plan.pk)
            conflict_goals = list(conflict.goals.select_related("subject").order_by("pk"))
            posted = request.POST.copy()
            posted["version"] = str(conflict.version)
            form = PlanForm(
                posted,
                parents=_parents(scope).exclude(pk=plan.pk),
                show_parent=plan.level != Level.SCHOOL,
            )
            goals = GoalFormSet(
                posted, prefix="goals", subjects=subjects, initial=goal_initial(current_goals)
            )
            form.is_valid()
            goals.is_valid()
            form.add_error(None, error.messages[0])
            conflict = {
                "plan": conflict,
                "goals": conflict_goals,
                "subjects": list(conflict.subjects.order_by("order")),
            }
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("plan_detail", pk=plan.pk)
    context = _form_context(
        request,
        scope,
        subjects,
        form=form,
        goals=goals,
        level=plan.level,
        level_label=plan.get_level_display(),
        group=plan.subject_group,
        plan=plan,
        conflict=conflict,
    )
    return render(request, "tutoring/plans/plan_form.html", context)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@login_required
@require_http_methods(["GET", "POST"])
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the plan to the principal (POST). Scope first: another school's plan is 404 for
    any method; a GET goes back to the plan."""
    plan = scoping.get_plan_for_user(request.user, pk, write=True)
    if request.method != "POST":
        return redirect("plan_detail", pk=plan.pk)
    try:
        services.plan_submit(plan=plan, user=request.user, version=_version(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The plan was sent to the principal for approval."))
    return redirect("plan_detail", pk=plan.pk)


@login_required
@require_http_methods(["GET", "POST"])
def plan_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The principal approves or returns a submitted plan (POST); returning needs a reason."""
    plan = scoping.get_plan_for_user(request.user, pk, approve=True)
    if request.method != "POST":
        return redirect("plan_detail", pk=plan.pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.plan_decide(
                plan=plan,
                user=request.user,
                approve=approve,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data.get("version"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if approve:
                messages.success(request, _("The plan is approved."))
            else:
                messages.success(request, _("The plan was returned to its author."))
            return redirect("plan_detail", pk=plan.pk)
    detail = sel.plan_detail(request.user, plan)
    context = {"d": detail, "plan": plan, "decision_form": form}
    return render(request, "tutoring/plans/plan_detail.html", context)


@login_required
@require_GET
def plan_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoping.get_plan_for_user(request.user, pk)
    document = sel.plan_document(sel.plan_detail(request.user, plan))
    content = render_pdf("tutoring/plans/plan_pdf.html", {"d": document, "doc": document.doc})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"ke-hoach-phu-dao-{plan.pk}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response
