"""Daily attendance: the roll of a class for one session of one day, lateness and skipped periods.

The rules live here; views parse input and call these functions. Every refusal is a
``ValidationError`` whose message is a module constant (tests assert them); a person who may not
change a class at all gets ``PermissionDenied`` (403).

Days: a roll or a lateness record is accepted only for a teaching day of the class's school year
(no Sundays, no Saturdays the school does not teach, no holidays), never for a day still to come.
A homeroom teacher (GVCN) may change the last ``attendance_edit_days`` calendar days (today minus
that many days included); the principal and vice-principals any day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from schools.models import Classroom, SchoolSettings, SchoolYear, User
from students.models import Enrollment, Student

from .models import Absence, ConductEvent, RollCall
from .scoping import can_record_conduct, can_take_roll, is_attendance_leader

PRESENT = "present"
EXCUSED = Absence.Status.EXCUSED.value
UNEXCUSED = Absence.Status.UNEXCUSED.value
STATUSES = (PRESENT, EXCUSED, UNEXCUSED)
PRESENT_MARK = (PRESENT, "")

Mark = tuple[str, str]  # (status, reason)

OUTSIDE_YEAR = _("This day is outside the school year.")
FUTURE_DAY = _("This day has not come yet: attendance is recorded on the day or after it.")
SUNDAY = _("Sunday is not a school day.")
SATURDAY_OFF = _("The school does not teach on Saturdays.")
HOLIDAY = _("This day is a school holiday.")
SESSION_NOT_TAUGHT = _("The school does not teach this session.")
UNKNOWN_STATUS = _("Unknown attendance status: choose present, P or K.")
NOT_ENROLLED = _(
    "Some of these students are not in this class on this day. Reload the page and try again."
)
REASON_TOO_LONG = _("A reason can be at most 200 characters.")
EDIT_WINDOW = _(
    "A homeroom teacher can change the roll of the last %(days)s days only. "
    "Ask the principal or a vice-principal to correct an older day."
)
ROLL_CHANGED = _("Someone else has saved this roll meanwhile. Reload the page and mark again.")
UNKNOWN_KIND = _("Choose late or skipped periods.")
PERIODS_REQUIRED = _("Choose which periods were skipped.")
UNKNOWN_PERIOD = _("Unknown period.")
NOTE_TOO_LONG = _("A note can be at most 200 characters.")
STUDENT_NOT_IN_CLASS = _("This student is not in a class of the school on this day.")
CONDUCT_EDIT_WINDOW = _(
    "Lateness and skipped periods can be recorded or removed for the last %(days)s days only. "
    "Ask the principal or a vice-principal for an older day."
)

REASON_MAX = 200
MAX_PERIOD = 10


# --- days ---------------------------------------------------------------------------------------


def school_settings(school_or_id) -> SchoolSettings:
    """The school's settings, or the defaults when it never saved any (no write on a page view,
    unlike ``SchoolSettings.for_school``)."""
    school_id = getattr(school_or_id, "pk", school_or_id)
    found = SchoolSettings.objects.filter(school_id=school_id).first()
    return found or SchoolSettings(school_id=school_id)


def school_day_problem(year: SchoolYear, day: datetime.date, today: datetime.date):
    """Why ``day`` cannot carry attendance for this school year (a message), or None."""
    if not year.contains(day):
        return OUTSIDE_YEAR
    if day > today:
        return FUTURE_DAY
    if day.weekday() == 6:
        return SUNDAY
    if day.weekday() == 5 and not year.saturday_classes:
        return SATURDAY_OFF
    if not year.school_days(day, day):
        return HOLIDAY
    return None


def roll_day_check(
    *,
    classroom: Classroom,
    date: datetime.date,
    session: str,
    today: datetime.date | None = None,
    settings: SchoolSettings | None = None,
) -> None:
    """Refuse a day or session on which this class's roll cannot be taken (ValidationError)."""
    today = today or timezone.localdate()
    problem = school_day_problem(classroom.school_year, date, today)
    if problem:
        raise ValidationError(problem, code="day")
    settings = settings or school_settings(classroom.school_year.school_id)
    if session not in settings.taught_sessions:
        raise ValidationError(SESSION_NOT_TAUGHT, code="session")


def edit_window_start(settings: SchoolSettings, today: datetime.date) -> datetime.date:
    """The oldest day a homeroom teacher may still change."""
    return today - datetime.timedelta(days=settings.attendance_edit_days)


# --- the roll -----------------------------------------------------------------------------------


@dataclass
class Conflict:
    """A student someone else marked differently since this user loaded the roll: their mark
    is kept, and both are shown."""

    student: Student
    mine: Mark
    theirs: Mark


@dataclass
class RollCallSaved:
    roll_call: RollCall
    created: bool
    changed: int
    conflicts: list[Conflict] = field(default_factory=list)
    # Who had saved the roll before this save: named when there are conflicts.
    previous_by: object = None


def clean_mark(value) -> Mark:
    """(status, reason) with the reason trimmed; a present student has no reason."""
    if isinstance(value, str):
        value = (value, "")
    try:
        status, reason = value
    except (TypeError, ValueError):
        raise ValidationError(UNKNOWN_STATUS, code="status") from None
    if status not in STATUSES:
        raise ValidationError(UNKNOWN_STATUS, code="status")
    reason = " ".join(str(reason or "").split())
    if len(reason) > REASON_MAX:
        raise ValidationError(REASON_TOO_LONG, code="reason")
    return (status, "") if status == PRESENT else (status, reason)


def _clean_marks(marks: dict) -> dict[int, Mark]:
    cleaned = {}
    for student_id, value in (marks or {}).items():
        try:
            key = int(student_id)
        except (TypeError, ValueError):
            raise ValidationError(NOT_ENROLLED, code="student") from None
        cleaned[key] = clean_mark(value)
    return cleaned


def _require_roll_editor(user, classroom, date, today, settings) -> None:
    if not can_take_roll(user, classroom):
        raise PermissionDenied
    if not is_attendance_leader(user, classroom) and date < edit_window_start(settings, today):
        raise ValidationError(
            EDIT_WINDOW, code="window", params={"days": settings.attendance_edit_days}
        )


def _lock_roll(classroom, date, session, user) -> tuple[RollCall, bool]:
    """The class-day's roll, locked for this transaction; created when nobody took it yet.
    Two first saves at once: one creates, the other gets the unique-constraint error and
    locks the row the first one made."""
    lookup = {"classroom": classroom, "date": date, "session": session}
    roll = RollCall.objects.select_for_update().filter(**lookup).first()
    if roll is not None:
        return roll, False
    roll = RollCall(**lookup, taken_by=user)
    roll.clean_fields(exclude=["classroom", "taken_by"])
    roll._history_user = user
    try:
        with transaction.atomic():
            roll.save()
    except IntegrityError:
        return RollCall.objects.select_for_update().get(**lookup), False
    return roll, True


def roll_call_save(
    *,
    classroom: Classroom,
    date: datetime.date,
    session: str,
    marks: dict,
    user,
    base_version: int | None = None,
    base_marks: dict | None = None,
) -> RollCallSaved:
    """Save the roll of ``classroom`` for one session of one day; everyone not marked is present.

    ``marks``: {student_id: (status, reason)} with status ``present``, ``P`` or ``K``.
    ``base_version`` and ``base_marks``: the roll's version and the absences ({student_id:
    (status, reason)}) as the user loaded them. When someone saved in between, only the students
    this user changed are applied; a student the other person also changed, to something else,
    keeps the other person's mark and is reported as a conflict. Saving with no absence records
    that the roll was taken. Bumps the version; writes Absence rows (deletes those of students
    now present), each change in the audit trail; then refreshes the class's absence alerts.

    Refuses (ValidationError): days outside the school year, days to come, Sundays, untaught
    Saturdays and holidays, sessions the school does not teach, unknown statuses, students not in
    the class on that day, and for a GVCN days older than the school's edit window. Raises
    PermissionDenied for anyone but the class's GVCN and the school's leaders.
    """
    from .services_alerts import alerts_refresh

    today = timezone.localdate()
    settings = school_settings(classroom.school_year.school_id)
    roll_day_check(classroom=classroom, date=date, session=session, today=today, settings=settings)
    _require_roll_editor(user, classroom, date, today, settings)
    wanted = _clean_marks(marks)
    enrolled = set(
        Enrollment.objects.active_on(date)
        .filter(classroom=classroom)
        .values_list("student_id", flat=True)
    )
    if set(wanted) - enrolled:
        raise ValidationError(NOT_ENROLLED, code="student")

    with transaction.atomic():
        roll, created = _lock_roll(classroom, date, session, user)
        stored_rows = {} if created else {a.student_id: a for a in roll.absences.all()}
        stored = {sid: (a.status, a.reason) for sid, a in stored_rows.items()}
        if created or base_version == roll.version:
            base = stored  # nobody saved since this user loaded the roll
        elif base_marks is None:
            raise ValidationError(ROLL_CHANGED, code="stale")
        else:
            base = {sid: mark for sid, mark in _clean_marks(base_marks).items() if sid in enrolled}

        previous_by_id = roll.taken_by_id
        target: dict[int, Mark] = {}
        clashes: dict[int, tuple[Mark, Mark]] = {}
        for student_id, mine in wanted.items():
            loaded = base.get(student_id, PRESENT_MARK)
            current = stored.get(student_id, PRESENT_MARK)
            if mine == loaded or mine == current:
                continue  # untouched by this user, or already what they want
            if current != loaded:
                clashes[student_id] = (mine, current)  # someone else changed it: theirs stays
                continue
            target[student_id] = mine
        _write_absences(roll, stored_rows, target, user)

        if not created:
            roll.version += 1
            roll.taken_by = user
            roll._history_user = user
            roll.save(update_fields=["version", "taken_by", "updated_at"])

    result = RollCallSaved(roll_call=roll, created=created, changed=len(target))
    if clashes:
        students = Student.objects.in_bulk(list(clashes))
        result.conflicts = sorted(
            (Conflict(students[sid], mine, theirs) for sid, (mine, theirs) in clashes.items()),
            key=lambda c: (c.student.sort_key, c.student.pk),
        )
        result.previous_by = User.objects.filter(pk=previous_by_id).first()
    alerts_refresh(classrooms=[classroom], today=date)
    return result


def _write_absences(roll: RollCall, stored_rows: dict, target: dict[int, Mark], user) -> None:
    """Create, change or delete Absence rows so they match ``target``; all in the audit trail
    (bulk writes with their history rows, deletions one by one)."""
    now = timezone.now()
    to_create, to_update, to_delete = [], [], []
    for student_id, (status, reason) in target.items():
        row = stored_rows.get(student_id)
        if status == PRESENT:
            if row is not None:
                to_delete.append(row)
        elif row is None:
            absence = Absence(
                roll_call=roll,
                student_id=student_id,
                date=roll.date,
                session=roll.session,
                status=status,
                reason=reason,
            )
            absence.clean_fields(exclude=["roll_call", "student"])
            to_create.append(absence)
        else:
            row.status, row.reason, row.updated_at = status, reason, now
            row.clean_fields(exclude=["roll_call", "student"])
            to_update.append(row)
    if to_create:
        bulk_create_with_history(to_create, Absence, default_user=user)
    if to_update:
        bulk_update_with_history(
            to_update, Absence, ["status", "reason", "updated_at"], default_user=user
        )
    for row in to_delete:
        row._history_user = user
        row.delete()


# --- lateness and skipped periods --------------------------------------------------------------


def _student_classroom_on(student: Student, year: SchoolYear, day: datetime.date) -> Classroom:
    enrollment = (
        Enrollment.objects.active_on(day)
        .filter(student=student, classroom__school_year=year)
        .select_related("classroom__school_year")
        .first()
    )
    if enrollment is None:
        raise ValidationError(STUDENT_NOT_IN_CLASS, code="student")
    return enrollment.classroom


def _require_conduct_editor(user, classroom, day, today) -> None:
    if not can_record_conduct(user, classroom):
        raise PermissionDenied
    if is_attendance_leader(user, classroom):
        return
    settings = school_settings(classroom.school_year.school_id)
    if day < edit_window_start(settings, today):
        raise ValidationError(
            CONDUCT_EDIT_WINDOW, code="window", params={"days": settings.attendance_edit_days}
        )


def clean_periods(periods) -> list[int]:
    try:
        numbers = sorted({int(p) for p in periods or []})
    except (TypeError, ValueError):
        raise ValidationError(UNKNOWN_PERIOD, code="periods") from None
    if any(not 1 <= p <= MAX_PERIOD for p in numbers):
        raise ValidationError(UNKNOWN_PERIOD, code="periods")
    return numbers


@transaction.atomic
def conduct_event_record(
    *,
    student: Student,
    date: datetime.date,
    kind: str,
    periods: list[int] | None = None,
    note: str = "",
    user,
    year: SchoolYear | None = None,
) -> ConductEvent:
    """Record that a student arrived late or skipped periods on a day of ``year`` (default: the
    student's school's current year).

    Refuses (ValidationError) the same days as the roll (outside the year, to come, not taught),
    unknown kinds and periods, skipped periods without periods, a student in no class of the year
    on that day, and days older than the edit window for anyone but leaders. Raises
    PermissionDenied unless the user is the youth union, a leader or the student's GVCN.
    """
    if kind not in ConductEvent.Kind.values:
        raise ValidationError(UNKNOWN_KIND, code="kind")
    numbers = clean_periods(periods)
    if kind == ConductEvent.Kind.SKIPPED and not numbers:
        raise ValidationError(PERIODS_REQUIRED, code="periods")
    note = " ".join((note or "").split())
    if len(note) > REASON_MAX:
        raise ValidationError(NOTE_TOO_LONG, code="note")
    year = year or SchoolYear.objects.filter(school_id=student.school_id, is_current=True).first()
    if year is None or student.school_id != year.school_id:
        raise ValidationError(STUDENT_NOT_IN_CLASS, code="student")
    today = timezone.localdate()
    problem = school_day_problem(year, date, today)
    if problem:
        raise ValidationError(problem, code="day")
    classroom = _student_classroom_on(student, year, date)
    _require_conduct_editor(user, classroom, date, today)
    event = ConductEvent(
        student=student,
        date=date,
        kind=kind,
        periods=",".join(str(p) for p in numbers),
        note=note,
        recorded_by=user,
    )
    event.clean_fields(exclude=["student", "recorded_by"])
    event._history_user = user
    event.save()
    return event


@transaction.atomic
def conduct_event_delete(*, event: ConductEvent, user, classroom: Classroom) -> None:
    """Remove a lateness or skipped-period record made by mistake (kept in the audit trail).
    Same people and the same edit window as recording it."""
    _require_conduct_editor(user, classroom, event.date, timezone.localdate())
    event._history_user = user
    event.delete()
