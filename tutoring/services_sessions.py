"""Tutoring sessions with attendance, and checkpoints (test scores): the writes.

A tutor records a session on a phone: date, periods, what was taught, a note, and who came.
Everyone is present unless marked absent; an absence without a reason is kept and shown as
"không lý do". Editing a session checks its ``version``: a form loaded before someone else saved
is refused with the current values, never silently overwritten.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy

from lib.formatting import format_date as _fmt
from schools.models import User

from .models import Checkpoint, Membership, SessionAttendance, TutoringGroup, TutoringSession
from .rules import validate_score
from .services_groups import today

MSG_DATE_BEFORE_GROUP = gettext_lazy(
    "The group runs from %(start)s to %(end)s: %(date)s is outside."
)
MSG_DATE_FUTURE = gettext_lazy("A session cannot be recorded for a future date (%(date)s).")
MSG_CONTENT = gettext_lazy("Write what was taught.")
MSG_PERIODS = gettext_lazy("A session has 1 to 5 periods.")
MSG_FIRST_PERIOD = gettext_lazy("The first period is between 1 and 10.")
MSG_ALREADY_RECORDED = gettext_lazy(
    "A session on %(date)s from period %(period)s is already recorded for this group."
)
MSG_STALE = gettext_lazy(
    "Someone else saved this session while you were editing it. Nothing of yours was saved: the "
    "page now shows the saved version."
)
MSG_NOT_MEMBER = gettext_lazy("One of the students is not in this group on %(date)s.")
MSG_REASON_LONG = gettext_lazy("A reason for absence is at most 255 characters.")

MSG_CHECKPOINT_DATE_FUTURE = gettext_lazy("The date of the test cannot be in the future.")
MSG_CHECKPOINT_DATE_YEAR = gettext_lazy("The date of the test is outside the school year.")
MSG_CHECKPOINT_SCORE = gettext_lazy(
    "%(name)s: a score is between 0 and 10, with at most one decimal (e.g. 6,5)."
)
MSG_CHECKPOINT_KIND = gettext_lazy("Choose when the test was taken.")
MSG_CHECKPOINT_NOT_MEMBER = gettext_lazy("%(name)s is not in this group.")
MSG_CHECKPOINT_NONE = gettext_lazy("Enter at least one score.")


def members_on(group: TutoringGroup, day: datetime.date):
    """Memberships of the group covering ``day`` (joined on or before, not left yet)."""
    return (
        group.members.filter(joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
        .select_related("student")
        .order_by("student__sort_key", "student__pk")
    )


@dataclass
class SessionInput:
    """What the entry form gives the service (also what a stale form shows back)."""

    date: datetime.date
    first_period: int
    periods: int
    content: str
    note: str


def _check(group: TutoringGroup, *, date, first_period, periods, content) -> dict:
    errors: dict[str, list[str]] = {}
    if not group.start_date <= date <= group.end_date:
        errors["date"] = [
            str(MSG_DATE_BEFORE_GROUP)
            % {"start": _fmt(group.start_date), "end": _fmt(group.end_date), "date": _fmt(date)}
        ]
    elif date > today():
        errors["date"] = [str(MSG_DATE_FUTURE) % {"date": _fmt(date)}]
    if not 1 <= periods <= 5:
        errors["periods"] = [str(MSG_PERIODS)]
    if not 1 <= first_period <= 10:
        errors["first_period"] = [str(MSG_FIRST_PERIOD)]
    if not content.strip():
        errors["content"] = [str(MSG_CONTENT)]
    return errors


@transaction.atomic
def record_session(
    group: TutoringGroup,
    *,
    date: datetime.date,
    first_period: int,
    periods: int,
    content: str,
    note: str = "",
    attendance: dict[int, tuple[bool, str]],
    user: User,
    version: int | None = None,
    session: TutoringSession | None = None,
) -> TutoringSession:
    """Record a new session (``session`` None) or change one (``session`` and the ``version``
    the form loaded). ``attendance`` maps each student id to (present, reason); the group's
    members on that date who are not in it are present.

    Refuses: a date outside the group's dates or in the future; no content; periods outside
    1–5; a session already recorded on that date from that period (unless it is the one being
    edited); a student who is not a member on that date; a stale version (code "stale")."""
    if session is not None:
        locked = TutoringSession.objects.select_for_update(of=("self",)).get(pk=session.pk)
        if locked.group_id != group.pk or version is None or locked.version != version:
            raise ValidationError(str(MSG_STALE), code="stale")
    else:
        locked = None
    errors = _check(group, date=date, first_period=first_period, periods=periods, content=content)
    if not errors:
        clash = TutoringSession.objects.filter(group=group, date=date, first_period=first_period)
        if locked is not None:
            clash = clash.exclude(pk=locked.pk)
        if clash.exists():
            errors["date"] = [
                str(MSG_ALREADY_RECORDED) % {"date": _fmt(date), "period": first_period}
            ]
    members = set(members_on(group, date).values_list("student_id", flat=True))
    existing: dict[int, SessionAttendance] = {}
    if locked is not None:
        existing = {a.student_id: a for a in locked.attendance.all()}
    allowed = members | set(existing)
    if set(attendance) - allowed and "date" not in errors:
        errors["__all__"] = [str(MSG_NOT_MEMBER) % {"date": _fmt(date)}]
    if any(len(reason or "") > 255 for _, reason in attendance.values()):
        errors.setdefault("__all__", []).append(str(MSG_REASON_LONG))
    if errors:
        raise ValidationError(errors)

    if locked is None:
        locked = TutoringSession(group=group, taught_by=user)
        locked.version = 1
    else:
        locked.version += 1
    locked.date = date
    locked.first_period = first_period
    locked.periods = periods
    locked.content = content.strip()
    locked.note = note.strip()
    locked._history_user = user
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as error:  # recorded by someone else a moment ago
        raise ValidationError(
            {"date": [str(MSG_ALREADY_RECORDED) % {"date": _fmt(date), "period": first_period}]}
        ) from error

    marks = {sid: (True, "") for sid in members}
    marks.update(
        {sid: (bool(p), "" if p else (r or "").strip()) for sid, (p, r) in attendance.items()}
    )
    to_create, to_update = [], []
    for sid, (present, reason) in marks.items():
        row = existing.get(sid)
        if row is None:
            to_create.append(
                SessionAttendance(session=locked, student_id=sid, present=present, reason=reason)
            )
        elif (row.present, row.reason) != (present, reason):
            row.present, row.reason = present, reason
            to_update.append(row)
    if to_create:
        SessionAttendance.objects.bulk_create(to_create)
    if to_update:
        SessionAttendance.objects.bulk_update(to_update, ["present", "reason"])
    return locked


# --- checkpoints --------------------------------------------------------------------------------


@transaction.atomic
def record_checkpoints(
    group: TutoringGroup,
    *,
    kind: str,
    date: datetime.date,
    scores: dict[int, Decimal | str | None],
    user: User,
    note: str = "",
) -> list[Checkpoint]:
    """A test for the whole group at once: ``scores`` maps student id to a score 0–10 (None or
    "" = did not take it). All or nothing; an error per student is keyed ``s-<student id>``.
    A second entry for the same student, kind and date replaces the first."""
    errors: dict[str, list[str]] = {}
    if kind not in Checkpoint.Kind.values:
        errors["kind"] = [str(MSG_CHECKPOINT_KIND)]
    year = group.school_year
    if date > today():
        errors["date"] = [str(MSG_CHECKPOINT_DATE_FUTURE)]
    elif not year.start_date <= date <= year.end_date:
        errors["date"] = [str(MSG_CHECKPOINT_DATE_YEAR)]
    members = {
        m.student_id: m for m in Membership.objects.filter(group=group).select_related("student")
    }
    clean: dict[int, Decimal] = {}
    for sid, value in scores.items():
        if value is None or value == "":
            continue
        member = members.get(sid)
        if member is None:
            errors.setdefault("__all__", []).append(
                str(MSG_CHECKPOINT_NOT_MEMBER) % {"name": f"#{sid}"}
            )
            continue
        try:
            clean[sid] = validate_score(value)
        except (ValueError, ArithmeticError, TypeError):
            errors[f"s-{sid}"] = [str(MSG_CHECKPOINT_SCORE) % {"name": member.student.full_name}]
    if not clean and not errors:
        errors["__all__"] = [str(MSG_CHECKPOINT_NONE)]
    if errors:
        raise ValidationError(errors)
    existing = {
        c.student_id: c
        for c in Checkpoint.objects.select_for_update(of=("self",)).filter(
            group=group, kind=kind, date=date, student_id__in=list(clean)
        )
    }
    saved = []
    for sid, score in clean.items():
        row = existing.get(sid) or Checkpoint(
            group=group, student_id=sid, kind=kind, date=date, recorded_by=user
        )
        row.score = score
        row.note = note.strip()[:255]
        row.recorded_by = user
        row._history_user = user
        row.save()
        saved.append(row)
    return saved
