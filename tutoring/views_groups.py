"""Tutoring group pages: the list, creating and editing a group (with the weak students to tick),
the group's page, a member leaving, and the checkpoints (test scores) of the whole group.

Every view: access function or scoped list → form → service → redirect or render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.forms import add_service_errors
from schools.models import SchoolSettings, Subject
from schools.scoping import scope_for
from students.models import Student

from . import scoping
from . import selectors_groups as sel
from .forms_groups import (
    CheckpointForm,
    GroupFilterForm,
    GroupForm,
    MemberPickForm,
    RemoveMemberForm,
    SlotFormSet,
)
from .models import Checkpoint, GroupKind, Membership, TutoringPlan
from .services_groups import (
    DEFAULT_REASON,
    NewMember,
    create_group,
    remove_member,
    slot_warnings,
    suggest_name,
    today,
    update_group,
)
from .services_sessions import record_checkpoints


@login_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scoping.in_school(scope))
    if scope.year is None:
        return render(request, "tutoring/groups/list.html", {"no_year": True})
    form = GroupFilterForm(request.GET or None, tutors=sel.list_tutors(request.user, scope.year))
    data = sel.group_list(request.user, scope.year, **form.filters())
    context = {
        "form": form,
        "data": data,
        "can_create": scoping.can_create_group(request.user),
        "settings": SchoolSettings.for_school(scope.school),
    }
    return render(request, "tutoring/groups/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    scope.require(scoping.can_create_group(request.user))
    if scope.year is None:
        return render(request, "tutoring/groups/form.html", {"no_year": True})
    return _group_form(request, scope, group=None)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = scoping.get_group_for_user(request.user, pk, manage=True)
    return _group_form(request, scope_for(request.user), group=group)


def _subjects_for(scope, group):
    if scope.is_leader:
        return Subject.objects.all()
    ids = set(scoping.head_subject_ids(scope))
    if group is not None:
        ids.add(group.subject_id)
    return Subject.objects.filter(pk__in=ids)


def _initial(request: HttpRequest, group, year, subjects) -> dict:
    if group is not None:
        return {
            "kind": group.kind,
            "subject": group.subject,
            "grade": group.grade,
            "name": group.name,
            "tutors": list(group.tutors.all()),
            "plan": group.plan,
            "room": group.room,
            "start_date": group.start_date,
            "end_date": group.end_date,
            "note": group.note,
            "loaded_at": group.updated_at.isoformat(),
        }
    day = min(max(today(), year.start_date), year.end_date)
    end = year.semester1_end if day <= year.semester1_end else year.end_date
    kind = request.GET.get("kind")
    initial = {
        "kind": kind if kind in GroupKind.values else GroupKind.REMEDIAL,
        "start_date": day,
        "end_date": end,
    }
    raw = request.GET.get("subject") or ""
    subject = subjects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if subject is not None:
        initial["subject"] = subject
    if request.GET.get("grade") in {"6", "7", "8", "9"}:
        initial["grade"] = int(request.GET["grade"])
    if request.user.school_id == year.school_id:
        initial["tutors"] = [request.user]
    return initial


def _new_members(members_form: MemberPickForm, *, school_id: int, kind: str) -> list[NewMember]:
    ids = members_form.ticked_ids()
    students = list(Student.objects.filter(pk__in=ids, school_id=school_id).order_by("sort_key"))
    if len(students) != len(set(ids)):
        members_form.add_error(None, _("One of the ticked students is not in this school."))
    data = members_form.cleaned_data
    reason = DEFAULT_REASON.get(kind, "weak")
    return [
        NewMember(
            student=s,
            reason=reason,
            registered_on=data.get("registered_on"),
            consent_on=data.get("consent_on"),
            consent_by=(members_form.data.get(f"cb-{s.pk}") or "")[:150],
            exception_note=(members_form.data.get(f"ex-{s.pk}") or "")[:255],
        )
        for s in students
    ]


def _group_form(request: HttpRequest, scope, *, group) -> HttpResponse:
    user = request.user
    year = group.school_year if group is not None else scope.year
    settings = SchoolSettings.for_school(year.school_id)
    kwargs = {
        "subjects": _subjects_for(scope, group),
        "tutors": sel.tutor_choices(year.school_id),
        "plans": TutoringPlan.objects.for_user(user)
        .filter(school_year=year)
        .exclude(status=TutoringPlan.Status.RETURNED),
        "gifted": settings.gifted_training or (group is not None and group.kind == "gifted"),
    }
    slot_initial = (
        [
            {
                "weekday": s.weekday,
                "session": s.session,
                "first_period": s.first_period,
                "periods": s.periods,
                "room": s.room,
            }
            for s in group.slots.all()
        ]
        if group is not None
        else []
    )
    slot_errors: list[str] = []
    if request.method == "POST":
        data = request.POST.copy()
        form = GroupForm(data, **kwargs)
        pick = form.pick()
        if "refresh" in data and pick and not data.get("name", "").strip():
            data["name"] = suggest_name(year, kind=pick[0], subject=pick[1], grade=pick[2])
        formset = SlotFormSet(data, prefix="slot", initial=slot_initial)
        members_form = MemberPickForm(data)
        if "refresh" not in data:
            saved = _save_group(request, scope, group, year, form, formset, members_form)
            if isinstance(saved, HttpResponse):
                return saved
            slot_errors = saved
    else:
        form = GroupForm(initial=_initial(request, group, year, kwargs["subjects"]), **kwargs)
        formset = SlotFormSet(prefix="slot", initial=slot_initial)
        members_form = MemberPickForm()
        pick = form.pick()
        if group is None and pick:
            form.initial["name"] = suggest_name(year, kind=pick[0], subject=pick[1], grade=pick[2])
    found = (
        sel.candidates(year, subject=pick[1], grade=pick[2], kind=pick[0], group=group)
        if pick
        else None
    )
    rows = [(c, members_form.row_values(c.student.pk, c.guardian_name)) for c in found or []]
    context = {
        "group": group,
        "form": form,
        "formset": formset,
        "members_form": members_form,
        "slot_errors": slot_errors,
        "pick": pick,
        "rows": rows,
        "settings": settings,
    }
    return render(request, "tutoring/groups/form.html", context)


def _save_group(request, scope, group, year, form, formset, members_form):
    """Validate and save; returns a redirect, or the schedule's errors to show."""
    valid = form.is_valid()
    valid = formset.is_valid() and valid
    valid = members_form.is_valid() and valid
    if not valid:
        return [e for e in formset.non_form_errors()]
    data = form.cleaned_data
    subject = data["subject"]
    if group is None and not scoping.can_create_group(request.user, subject.pk):
        form.add_error(
            "subject", _("You may create groups only for your subject group's subjects.")
        )
        return []
    members = _new_members(members_form, school_id=year.school_id, kind=data["kind"])
    if members_form.errors:
        return []
    name = data["name"] or suggest_name(
        year, kind=data["kind"], subject=subject, grade=data["grade"]
    )
    fields = {
        "kind": data["kind"],
        "subject": subject,
        "grade": data["grade"],
        "name": name,
        "tutors": list(data["tutors"]),
        "plan": data["plan"],
        "room": data["room"],
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "note": data["note"],
        "slots": formset.slots(),
        "members": members,
        "user": request.user,
    }
    try:
        if group is None:
            saved = create_group(school_year=year, **fields)
        else:
            saved = update_group(group, loaded_at=data.get("loaded_at") or None, **fields)
    except ValidationError as error:
        if getattr(error, "code", None) == "stale":
            messages.error(request, error.messages[0])
            return redirect("group_edit", pk=group.pk)
        return _show_errors(error, form, members_form)
    if group is None:
        text = _("The group “%(name)s” was created with %(count)s students.")
    else:
        text = _("The group “%(name)s” was saved; %(count)s students added.")
    messages.success(request, text % {"name": saved.name, "count": len(members)})
    for warning in slot_warnings(saved.slots.all(), SchoolSettings.for_school(year.school_id)):
        messages.warning(request, warning)
    return redirect("group_detail", pk=saved.pk)


def _show_errors(error: ValidationError, form, members_form) -> list[str]:
    slot_errors: list[str] = []
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            for e in errors:
                text = " ".join(e.messages)
                if key == "slots":
                    slot_errors.append(text)
                elif key in form.fields:
                    form.add_error(key, text)
                else:
                    form.add_error(None, text)
    else:
        for text in error.messages:
            members_form.add_error(None, text)
    return slot_errors


@login_required
@require_GET
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = scoping.get_group_for_user(request.user, pk)
    context = {
        "detail": sel.group_detail(group),
        "group": group,
        "can_manage": scoping.can_manage_group(request.user, group),
        "can_teach": scoping.can_teach_group(request.user, group),
    }
    return render(request, "tutoring/groups/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def group_member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = scoping.get_membership_for_user(request.user, pk, manage=True)
    form = RemoveMemberForm(request.POST or None, initial={"left_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            remove_member(
                membership,
                left_on=form.cleaned_data["left_on"],
                left_reason=form.cleaned_data["left_reason"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s left the group.") % {"name": membership.student.full_name},
            )
            return redirect("group_detail", pk=membership.group_id)
    context = {"membership": membership, "group": membership.group, "form": form}
    return render(request, "tutoring/groups/member_remove.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def group_checkpoints(request: HttpRequest, pk: int) -> HttpResponse:
    group = scoping.get_group_for_user(request.user, pk, teach=True)
    members = list(
        Membership.objects.filter(group=group, left_on__isnull=True)
        .select_related("student")
        .order_by("student__sort_key", "student__pk")
    )
    has_before = group.checkpoints.filter(kind=Checkpoint.Kind.BEFORE).exists()
    initial = {
        "kind": Checkpoint.Kind.AFTER if has_before else Checkpoint.Kind.BEFORE,
        "date": min(today(), group.end_date),
    }
    form = CheckpointForm(request.POST or None, members=members, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = record_checkpoints(
                group,
                kind=form.cleaned_data["kind"],
                date=form.cleaned_data["date"],
                scores=form.scores(),
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(count)s scores were saved.") % {"count": len(saved)})
            return redirect("group_detail", pk=group.pk)
    return render(request, "tutoring/groups/checkpoints.html", {"group": group, "form": form})
