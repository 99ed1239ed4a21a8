"""The tutor's pages on a phone: the sessions still to record, recording one (who came), a
recorded session, and correcting it. Plain form posts: they work on a slow network."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lib.formatting import parse_date
from lib.forms import add_service_errors

from . import scoping
from . import selectors_groups as sel
from .forms_groups import SessionForm
from .services_sessions import members_on, record_session, today


@login_required
@require_GET
def group_sessions_due(request: HttpRequest, pk: int) -> HttpResponse:
    group = scoping.get_group_for_user(request.user, pk, teach=True)
    page = sel.sessions_due(group)
    return render(request, "tutoring/sessions/due.html", {"group": group, "page": page})


def _entry_rows(form: SessionForm, members, saved=None) -> list[dict]:
    marks = form.marks(saved)
    return [
        {
            "student": m.student,
            "present": marks[m.student_id][0],
            "reason": marks[m.student_id][1],
        }
        for m in members
    ]


@login_required
@require_http_methods(["GET", "POST"])
def session_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a session of the group: ``?date=YYYY-MM-DD&slot=<slot id>`` fill the form from
    the schedule (from "Buổi cần ghi"); without them, today."""
    group = scoping.get_group_for_user(request.user, pk, teach=True)
    slots = list(group.slots.all())
    slot = next((s for s in slots if str(s.pk) == request.GET.get("slot")), None)
    asked = parse_date(request.GET.get("date", ""))
    day = asked or min(today(), group.end_date)
    first_period = slot.first_period if slot else 1
    if request.method == "GET" and asked:
        existing = group.sessions.filter(date=day, first_period=first_period).first()
        if existing is not None:
            messages.info(request, _("This session is already recorded: you can correct it here."))
            return redirect("session_edit", pk=existing.pk)
    if request.method == "POST":
        day = parse_date(request.POST.get("date", "")) or day
    members = list(members_on(group, day))
    initial = {"date": day, "first_period": first_period, "periods": slot.periods if slot else 1}
    form = SessionForm(
        request.POST or None, initial=initial, student_ids=[m.student_id for m in members]
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = record_session(
                group,
                date=data["date"],
                first_period=data["first_period"],
                periods=data["periods"],
                content=data["content"],
                note=data["note"],
                attendance=form.attendance(),
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            absent = sum(1 for present, _r in form.attendance().values() if not present)
            messages.success(
                request,
                _("The session of %(date)s was saved: %(present)s present, %(absent)s absent.")
                % {
                    "date": session.date.strftime("%d/%m/%Y"),
                    "present": len(members) - absent,
                    "absent": absent,
                },
            )
            return redirect("group_sessions_due", pk=group.pk)
    context = {
        "group": group,
        "form": form,
        "rows": _entry_rows(form, members),
        "slot": slot,
        "editing": None,
    }
    return render(request, "tutoring/sessions/entry.html", context)


@login_required
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = scoping.get_session_for_user(request.user, pk)
    context = {
        "session": session,
        "group": session.group,
        "rows": sel.session_members(session),
        "can_teach": scoping.can_teach_group(request.user, session.group),
    }
    return render(request, "tutoring/sessions/detail.html", context)


def _edit_members(session):
    """Who the edit form lists: the session's attendance rows, then members of that day who
    have none (joined the list later), in Vietnamese order."""
    rows = sel.session_members(session)
    have = {a.student_id for a in rows}
    saved = {a.student_id: (a.present, a.reason) for a in rows}
    members = [a for a in rows] + [
        m for m in members_on(session.group, session.date) if m.student_id not in have
    ]
    members.sort(key=lambda m: (m.student.sort_key, m.student.pk))
    return members, saved


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = scoping.get_session_for_user(request.user, pk, teach=True)
    group = session.group
    members, saved = _edit_members(session)
    ids = [m.student_id for m in members]
    initial = {
        "date": session.date,
        "first_period": session.first_period,
        "periods": session.periods,
        "content": session.content,
        "note": session.note,
        "version": session.version,
    }
    form = SessionForm(request.POST or None, initial=initial, student_ids=ids)
    stale_content = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_session(
                group,
                date=data["date"],
                first_period=data["first_period"],
                periods=data["periods"],
                content=data["content"],
                note=data["note"],
                attendance=form.attendance(),
                user=request.user,
                version=data["version"],
                session=session,
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "stale":
                # Show what is saved now; keep what they typed visible so nothing is lost.
                messages.error(request, error.messages[0])
                stale_content = data["content"]
                session.refresh_from_db()
                members, saved = _edit_members(session)
                initial.update(
                    date=session.date,
                    first_period=session.first_period,
                    periods=session.periods,
                    content=session.content,
                    note=session.note,
                    version=session.version,
                )
                form = SessionForm(initial=initial, student_ids=[m.student_id for m in members])
            else:
                add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The session of %(date)s was corrected.")
                % {"date": data["date"].strftime("%d/%m/%Y")},
            )
            return redirect("session_detail", pk=session.pk)
    context = {
        "group": group,
        "form": form,
        "rows": _entry_rows(form, members, saved),
        "slot": None,
        "editing": session,
        "stale_content": stale_content,
    }
    return render(request, "tutoring/sessions/entry.html", context)
