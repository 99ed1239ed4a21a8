"""Writes to dropout-risk cases: opening one, changing its status (with the enrollment movement
that goes with it), escalation to the leadership, notes and actions on its timeline, a new person
in charge, and the partners the school works with.

Class size has one writer, ``students.services.enrollment_record_movement``: a case closed as
dropped out or transferred records the movement through it, and a movement recorded on the
student's page closes (or, on a return, reopens) the case through ``sync_from_movement``.
"""

from __future__ import annotations

import contextvars
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib.formatting import format_date
from schools.models import Role, RoleAssignment, SchoolSettings, SchoolYear, User
from students.models import DropoutCause, Enrollment, Student

from .models import AbsenceAlert
from .models_cases import CaseEvent, HomeVisit, Partner, RiskCase, RiskFactor
from .scoping_cases import can_lead, is_principal_of

Status = RiskCase.Status

MSG_ACTIVE_EXISTS = gettext_lazy(
    "%(name)s already has an open case (opened on %(date)s, %(status)s, in charge: %(owner)s)."
)
MSG_NO_FACTOR = gettext_lazy("Choose at least one risk factor.")
MSG_BAD_FACTOR = gettext_lazy("Unknown risk factor.")
MSG_FUTURE = gettext_lazy("The date cannot be in the future.")
MSG_BEFORE_OPENED = gettext_lazy("The date cannot be before the case was opened (%(date)s).")
MSG_OWNER_NOT_STAFF = gettext_lazy(
    "The person in charge must be an active staff member of the student's school."
)
MSG_ALERT_OTHER_STUDENT = gettext_lazy("The alert belongs to another student.")
MSG_NO_YEAR = gettext_lazy("The school has no current school year.")
MSG_BAD_SOURCE = gettext_lazy("Unknown origin of the case.")
MSG_STALE = gettext_lazy(
    "Someone changed this case while you were looking at it. Nothing was saved: "
    "check its current state and try again."
)
MSG_BAD_STATUS = gettext_lazy("Unknown status.")
MSG_SAME_STATUS = gettext_lazy("The case already has this status.")
MSG_ENDED = gettext_lazy(
    "This case has ended. A return to school recorded on the student's page reopens a case "
    "closed as dropped out; otherwise open a new case."
)
MSG_BAD_CAUSE = gettext_lazy("Unknown cause of dropping out.")
MSG_FEW_VISITS = gettext_lazy(
    "The case has %(count)s recorded home visits; at least %(needed)s are needed before it is "
    "closed as dropped out. Only the principal may close it now, giving the reason."
)
MSG_OVERRIDE_REASON = gettext_lazy(
    "Write why the case is closed as dropped out with fewer than %(needed)s visits."
)
MSG_BAD_KIND = gettext_lazy("Choose a note, a leadership action or a partner action.")
MSG_LEADERS_ONLY = gettext_lazy("Only the principal and the vice-principals record their actions.")
MSG_NEEDS_ACTION = gettext_lazy("Choose what the leadership did.")
MSG_NEEDS_PARTNER = gettext_lazy("Choose the partner.")
MSG_PARTNER_OTHER_SCHOOL = gettext_lazy("The partner works with another school.")
MSG_NEEDS_TEXT = gettext_lazy("Write what happened.")
MSG_SAME_OWNER = gettext_lazy("This person is already in charge of the case.")
MSG_PARTNER_NAME_TAKEN = gettext_lazy("The school already has a partner named %(name)s.")
MSG_PARTNER_NEEDS_NAME = gettext_lazy("Write the partner's name.")

END_STATUSES = {Status.RETURNED, Status.TRANSFERRED, Status.DROPPED_OUT, Status.CLOSED}
MOVEMENT_STATUSES = {Status.DROPPED_OUT, Status.TRANSFERRED}

# Set while this module records a movement itself, so the movement's call back into
# ``sync_from_movement`` does not close the case a second time.
_recording_movement: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "retention_case_recording_movement", default=False
)


def _today() -> datetime.date:
    return timezone.localdate()


def _check_not_future(day: datetime.date, field: str = "date") -> None:
    if day > _today():
        raise ValidationError({field: MSG_FUTURE})


def _check_case_date(case: RiskCase, day: datetime.date, field: str = "date") -> None:
    _check_not_future(day, field)
    if day < case.opened_on:
        raise ValidationError({field: MSG_BEFORE_OPENED % {"date": format_date(case.opened_on)}})


def _active_case_message(case: RiskCase) -> str:
    return MSG_ACTIVE_EXISTS % {
        "name": case.student.full_name,
        "date": format_date(case.opened_on),
        "status": case.get_status_display(),
        "owner": case.owner.full_name,
    }


def _is_active_staff(user: User | None, school_id: int) -> bool:
    return bool(
        user is not None
        and user.is_active
        and user.school_id == school_id
        and RoleAssignment.objects.filter(
            user=user, school_id=school_id, school_year__is_current=True
        )
        .exclude(role=Role.OFFICE)
        .exists()
    )


def current_enrollment(student: Student) -> Enrollment | None:
    return (
        Enrollment.objects.filter(student=student, end_date__isnull=True)
        .select_related("classroom__school_year")
        .first()
    )


def homeroom_teacher_of(student: Student) -> User | None:
    """The GVCN of the student's class now (None when not in a class or the class has none)."""
    span = current_enrollment(student)
    if span is None:
        return None
    assignment = (
        RoleAssignment.objects.filter(
            role=Role.HOMEROOM, classroom_id=span.classroom_id, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return assignment.user if assignment else None


def _clean_factors(risk_factors) -> str:
    codes = [c for c in dict.fromkeys(risk_factors or ()) if c]
    if not codes:
        raise ValidationError({"risk_factors": MSG_NO_FACTOR})
    if any(c not in RiskFactor.values for c in codes):
        raise ValidationError({"risk_factors": MSG_BAD_FACTOR})
    return ",".join(codes)


def _event(case: RiskCase, *, kind: str, user: User, date, text="", **extra) -> CaseEvent:
    event = CaseEvent(case=case, kind=kind, date=date, text=text, recorded_by=user, **extra)
    event.full_clean()
    event.save()
    return event


# --- opening a case ------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    student: Student,
    user: User,
    source: str,
    owner: User | None = None,
    alert: AbsenceAlert | None = None,
    risk_factors=(),
    summary: str = "",
    on: datetime.date | None = None,
) -> RiskCase:
    """Open a dropout-risk case for a student, in charge of ``owner`` (by default the GVCN of
    the student's class, else the person opening it).

    Refuses a second active case for the student (the message names the open one; the database
    guarantees it even when two people open one at once), no or unknown risk factors, a date in
    the future, an owner who is not active staff of the student's school, and an alert of
    another student. Writes the first line of the timeline (status: open)."""
    on = on or _today()
    _check_not_future(on, "opened_on")
    if source not in RiskCase.Source.values:
        raise ValidationError(MSG_BAD_SOURCE)
    factors = _clean_factors(risk_factors)
    if alert is not None and alert.student_id != student.pk:
        raise ValidationError(MSG_ALERT_OTHER_STUDENT)
    # Two people opening a case for the same student at once: the second waits here, then sees
    # the first one's case.
    Student.objects.select_for_update().filter(pk=student.pk).first()
    existing = (
        RiskCase.objects.active().filter(student=student).select_related("student", "owner").first()
    )
    if existing is not None:
        raise ValidationError(_active_case_message(existing))
    span = current_enrollment(student)
    year = (
        span.classroom.school_year
        if span is not None
        else SchoolYear.objects.filter(school_id=student.school_id, is_current=True).first()
    )
    if year is None:
        raise ValidationError(MSG_NO_YEAR)
    if owner is None:
        owner = homeroom_teacher_of(student) or user
    if not _is_active_staff(owner, student.school_id):
        raise ValidationError({"owner": MSG_OWNER_NOT_STAFF})
    case = RiskCase(
        school_year=year,
        student=student,
        owner=owner,
        opened_on=on,
        opened_by=user,
        source=source,
        alert=alert,
        risk_factors=factors,
        summary=(summary or "").strip(),
        status=Status.OPEN,
    )
    case.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        # The unique "one active case per student" constraint: someone else was faster.
        existing = RiskCase.objects.active().filter(student=student).first()
        if existing is None:
            raise
        raise ValidationError(_active_case_message(existing)) from None
    _event(case, kind=CaseEvent.Kind.STATUS, user=user, date=on, new_status=Status.OPEN)
    return case


# --- status --------------------------------------------------------------------------------------


def _enrollment_ended_as(student: Student, end_kind: str) -> bool:
    """The student is in no class and their last span ended this way (the movement is already
    recorded: closing the case must not record a second one)."""
    if Enrollment.objects.filter(student=student, end_date__isnull=True).exists():
        return False
    last = Enrollment.objects.filter(student=student).order_by("-end_date", "-pk").first()
    return last is not None and last.end_kind == end_kind


def _record_movement(case: RiskCase, status: str, date, note: str, causes: list[str]) -> None:
    from students.services import Movement, enrollment_record_movement

    kind, end_kind = {
        Status.DROPPED_OUT: (Movement.DROPPED_OUT, Enrollment.EndKind.DROPPED_OUT),
        Status.TRANSFERRED: (Movement.TRANSFER_OUT, Enrollment.EndKind.TRANSFER_OUT),
    }[status]
    if _enrollment_ended_as(case.student, end_kind):
        return
    token = _recording_movement.set(True)
    try:
        enrollment_record_movement(
            student=case.student,
            kind=kind,
            date=date,
            note=note[:255],
            causes=list(causes) if status == Status.DROPPED_OUT else None,
        )
    finally:
        _recording_movement.reset(token)


def _apply_status(case: RiskCase, *, user: User, status: str, date, note: str, text: str) -> None:
    old = case.status
    case.status = status
    if status in END_STATUSES:
        case.ended_on = date
        case.end_note = note[:255]
    else:
        case.ended_on = None
        case.end_note = ""
    case.version += 1
    case.save(
        update_fields=[
            "status",
            "ended_on",
            "end_note",
            "dropout_override_reason",
            "dropout_override_by",
            "version",
            "updated_at",
        ]
    )
    _event(
        case,
        kind=CaseEvent.Kind.STATUS,
        user=user,
        date=date,
        text=text,
        old_status=old,
        new_status=status,
    )


@transaction.atomic
def case_set_status(
    *,
    case: RiskCase,
    user: User,
    status: str,
    date: datetime.date,
    version: int,
    note: str = "",
    causes=(),
    override_reason: str = "",
) -> RiskCase:
    """Move an active case to another status.

    Dropped out and transferred record the matching enrollment movement (dropped out needs the
    causes; the movement's own rules apply), unless the student's enrollment already ended that
    way. Closing as dropped out with fewer recorded visits than the school's setting (3) is
    refused unless the principal gives the reason (kept on the case). Back at school, closed,
    dropped out and transferred end the case; open and monitoring keep it active.

    Refuses a stale form (someone saved the case since it was loaded: nothing is saved), an
    ended case, the same status, a date in the future or before the case opened."""
    locked = (
        RiskCase.objects.select_for_update()
        .select_related("student", "owner", "school_year")
        .get(pk=case.pk)
    )
    if locked.version != version:
        raise ValidationError(MSG_STALE, code="stale")
    if status not in Status.values:
        raise ValidationError({"status": MSG_BAD_STATUS})
    if not locked.is_active:
        raise ValidationError(MSG_ENDED)
    if status == locked.status:
        raise ValidationError({"status": MSG_SAME_STATUS})
    _check_case_date(locked, date)
    note = (note or "").strip()
    override_reason = (override_reason or "").strip()
    text = note
    if status == Status.DROPPED_OUT:
        causes = [c for c in dict.fromkeys(causes or ()) if c]
        if any(c not in DropoutCause.values for c in causes):
            raise ValidationError({"causes": MSG_BAD_CAUSE})
        needed = SchoolSettings.for_school(locked.student.school_id).visits_before_escalation
        count = locked.visits.count()
        if count < needed:
            if not is_principal_of(user, locked.student.school_id):
                raise ValidationError(
                    {"status": MSG_FEW_VISITS % {"count": count, "needed": needed}}
                )
            if not override_reason:
                raise ValidationError({"override_reason": MSG_OVERRIDE_REASON % {"needed": needed}})
            locked.dropout_override_reason = override_reason
            locked.dropout_override_by = user
            text = "\n".join(t for t in (note, override_reason) if t)
        labels = dict(DropoutCause.choices)
        if causes:
            text = "\n".join(t for t in (text, "; ".join(str(labels[c]) for c in causes)) if t)
    if status in MOVEMENT_STATUSES:
        _record_movement(locked, status, date, note, causes if status == Status.DROPPED_OUT else [])
    _apply_status(locked, user=user, status=status, date=date, note=note, text=text)
    case.refresh_from_db()
    return locked


@transaction.atomic
def case_change_owner(
    *, case: RiskCase, user: User, owner: User, version: int, note: str = ""
) -> RiskCase:
    """Put someone else in charge of the case (active staff of the student's school). Refuses a
    stale form and the person already in charge. Writes the change on the timeline."""
    locked = RiskCase.objects.select_for_update().select_related("student", "owner").get(pk=case.pk)
    if locked.version != version:
        raise ValidationError(MSG_STALE, code="stale")
    if owner.pk == locked.owner_id:
        raise ValidationError({"owner": MSG_SAME_OWNER})
    if not _is_active_staff(owner, locked.student.school_id):
        raise ValidationError({"owner": MSG_OWNER_NOT_STAFF})
    old = locked.owner
    locked.owner = owner
    locked.version += 1
    locked.save(update_fields=["owner", "version", "updated_at"])
    text = f"{old.full_name} → {owner.full_name}"
    if note.strip():
        text = f"{text}\n{note.strip()}"
    _event(locked, kind=CaseEvent.Kind.OWNER, user=user, date=_today(), text=text)
    case.refresh_from_db()
    return locked


# --- escalation ----------------------------------------------------------------------------------


@transaction.atomic
def case_escalate_if_due(case: RiskCase, *, now: datetime.datetime | None = None) -> bool:
    """Escalate the case to the leadership when its home visits have not brought the student
    back: active, not escalated yet, at least ``visits_before_escalation`` visits whose outcome
    failed (nobody home, the family thinks about it or refuses) and the latest visit not a
    promise to return. Idempotent: True only when this call escalated it."""
    now = now or timezone.now()
    locked = RiskCase.objects.select_for_update().select_related("student").get(pk=case.pk)
    if not locked.is_active or locked.escalated_at is not None:
        return False
    needed = SchoolSettings.for_school(locked.student.school_id).visits_before_escalation
    visits = list(
        HomeVisit.objects.filter(case=locked)
        .select_related("author")
        .order_by("-started_at", "-number")
    )
    failed = [v for v in visits if v.outcome in HomeVisit.FAILED]
    if not visits or len(failed) < needed or visits[0].outcome not in HomeVisit.FAILED:
        return False
    last = failed[0]
    locked.escalated_at = now
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the school's language
        locked.escalation_reason = (
            _("%(count)s home visits without the student coming back (the last on %(date)s).")
            % {"count": len(failed), "date": format_date(timezone.localdate(last.started_at))}
        )[:255]
    locked.save(update_fields=["escalated_at", "escalation_reason", "updated_at"])
    _event(
        locked,
        kind=CaseEvent.Kind.ESCALATED,
        user=last.author,
        date=timezone.localdate(now),
        text=locked.escalation_reason,
    )
    case.escalated_at = locked.escalated_at
    case.escalation_reason = locked.escalation_reason
    return True


# --- movements recorded elsewhere ----------------------------------------------------------------


def _request_user() -> User | None:
    """The person behind the current request (the audit-history middleware keeps it), if any."""
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def sync_from_movement(
    *, student: Student, kind: str, date: datetime.date, user: User | None = None
) -> None:
    """Follow a movement recorded on the student's page (called by
    ``students.services.enrollment_record_movement``): a transfer out or a dropout closes the
    active case as transferred / dropped out (the movement is already recorded: no second one,
    and no visit rule — the fact is recorded); a return puts the last case closed as dropped out
    back to monitoring (when the student has no other active case)."""
    if _recording_movement.get():
        return
    from students.services import Movement

    user = user or _request_user()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        if kind in (Movement.TRANSFER_OUT, Movement.DROPPED_OUT):
            case = RiskCase.objects.select_for_update().filter(student=student).active().first()
            if case is None:
                return
            status = Status.TRANSFERRED if kind == Movement.TRANSFER_OUT else Status.DROPPED_OUT
            text = _("Recorded on the student's page (movement of %(date)s).") % {
                "date": format_date(date)
            }
            _apply_status(
                case, user=user or case.owner, status=status, date=date, note="", text=text
            )
        elif kind == Movement.RETURNED:
            if RiskCase.objects.active().filter(student=student).exists():
                return
            case = (
                RiskCase.objects.select_for_update()
                .filter(student=student)
                .exclude(ended_on__isnull=True)
                .order_by("-ended_on", "-pk")
                .first()
            )
            if case is None or case.status != Status.DROPPED_OUT:
                return
            text = _("The student returned to school on %(date)s.") % {"date": format_date(date)}
            _apply_status(
                case,
                user=user or case.owner,
                status=Status.MONITORING,
                date=max(date, case.opened_on),
                note="",
                text=text,
            )


# --- the timeline: notes, leadership and partner actions -----------------------------------------


@transaction.atomic
def case_add_event(
    *,
    case: RiskCase,
    user: User,
    kind: str,
    date: datetime.date,
    text: str,
    action: str = "",
    partner: Partner | None = None,
) -> CaseEvent:
    """Add a note, a leadership action (principal and vice-principals only, with what they did)
    or what a partner of the school did. Refuses a date in the future or before the case
    opened, an empty text and a partner of another school."""
    text = (text or "").strip()
    if kind not in (CaseEvent.Kind.NOTE, CaseEvent.Kind.LEADERSHIP, CaseEvent.Kind.PARTNER):
        raise ValidationError({"kind": MSG_BAD_KIND})
    _check_case_date(case, date)
    if not text:
        raise ValidationError({"text": MSG_NEEDS_TEXT})
    if kind == CaseEvent.Kind.LEADERSHIP:
        if not can_lead(user, case):
            raise ValidationError({"kind": MSG_LEADERS_ONLY})
        if action not in CaseEvent.Action.values:
            raise ValidationError({"action": MSG_NEEDS_ACTION})
    else:
        action = ""
    if kind == CaseEvent.Kind.PARTNER:
        if partner is None:
            raise ValidationError({"partner": MSG_NEEDS_PARTNER})
        if partner.school_id != case.student.school_id:
            raise ValidationError({"partner": MSG_PARTNER_OTHER_SCHOOL})
    else:
        partner = None
    return _event(case, kind=kind, user=user, date=date, text=text, action=action, partner=partner)


# --- partners ------------------------------------------------------------------------------------


PARTNER_FIELDS = ("kind", "name", "contact_person", "phone", "notes", "is_active")


@transaction.atomic
def partner_save(*, school, user: User, data: dict, partner: Partner | None = None) -> Partner:
    """Create or update one of the school's partners (commune, village team, associations).
    Refuses an empty name and a name the school already uses."""
    partner = partner or Partner(school=school)
    for key in PARTNER_FIELDS:
        if key in data:
            value = data[key]
            setattr(partner, key, value.strip() if isinstance(value, str) else value)
    if not partner.name:
        raise ValidationError({"name": MSG_PARTNER_NEEDS_NAME})
    clash = Partner.objects.filter(school_id=partner.school_id, name__iexact=partner.name)
    if partner.pk:
        clash = clash.exclude(pk=partner.pk)
    if clash.exists():
        raise ValidationError({"name": MSG_PARTNER_NAME_TAKEN % {"name": partner.name}})
    partner.full_clean(exclude=["school"], validate_constraints=False)
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError:
        raise ValidationError({"name": MSG_PARTNER_NAME_TAKEN % {"name": partner.name}}) from None
    return partner
